package io.shmkit.bench.locks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.BenchFlags;
import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pthread rival is a real inter-process lock: it excludes across two JVMs, and a holder
 * killed with SIGKILL leaves it to the next locker ({@code EOWNERDEAD}, made consistent), usable
 * afterwards. Every native call happens in child JVMs started with native access, as in the
 * benchmarks; this JVM needs no flag. No timing is asserted.
 */
class PthreadMutexTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private final List<JvmProcess> children = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<String> segments = new ArrayList<>();

    private JvmProcess child(String... args) {
        JvmProcess p = JvmProcess.builder(PthreadChild.class).jvmOptions(BenchFlags.NATIVE, "-Xmx64m").args(args).start();
        children.add(p);
        return p;
    }

    private Path mutexFile() {
        Path file = BenchNames.file(BenchNames.unique("pthread-test"));
        files.add(file);
        return file;
    }

    @AfterEach
    void cleanUp() {
        children.forEach(JvmProcess::close);
        files.forEach(BenchNames::deleteQuietly);
        segments.forEach(BenchNames.shm()::unlink);
        LockTestSupport.assertNothingLeft();
    }

    @Test
    void twoJvmsIncrementAPlainCounterUnderTheMutexToTheExactTotal() throws InterruptedException {
        long each = 500_000;
        Path file = mutexFile();
        String counterName = BenchNames.unique("pthread-counter");
        segments.add(counterName);
        try (SharedLongArray words = SharedLongArray.create(BenchNames.shm(), counterName, 32)) {
            JvmProcess a = child("increment", "create", file.toString(), counterName, Long.toString(each));
            LockTestSupport.awaitLine(a, "READY", TIMEOUT); // a has initialised the mutex: b may open it
            JvmProcess b = child("increment", "open", file.toString(), counterName, Long.toString(each));
            LockTestSupport.awaitLine(b, "READY", TIMEOUT);
            words.setVolatile(PthreadChild.START, 1);
            LockTestSupport.finish(a, TIMEOUT);
            LockTestSupport.finish(b, TIMEOUT);
            assertEquals(2 * each, words.getVolatile(PthreadChild.COUNTER),
                    "updates lost under the pthread mutex; interleavings: a " + a.output().strip() + ", b " + b.output().strip());
        }
    }

    @Test
    void aKilledHolderLeavesTheMutexToTheNextLockerConsistentAndUsable() throws InterruptedException {
        Path file = mutexFile();
        JvmProcess holder = child("hold", file.toString());
        LockTestSupport.awaitLine(holder, "LOCKED", TIMEOUT);
        JvmProcess next = child("recover", file.toString());
        LockTestSupport.awaitLine(next, "WAITING", TIMEOUT); // it is about to lock, or already waiting
        holder.kill(); // SIGKILL: no unlock, no shutdown hook; the kernel's robust list marks the owner dead
        assertTrue(holder.join(TIMEOUT), "the holder survived SIGKILL");
        LockTestSupport.finish(next, TIMEOUT);
        String out = next.output();
        assertTrue(out.contains("RECOVERED 1"), "the next locker did not get EOWNERDEAD once:\n" + out);
        assertTrue(out.contains("USABLE 1"), "the mutex was not usable after its recovery:\n" + out);
    }
}
