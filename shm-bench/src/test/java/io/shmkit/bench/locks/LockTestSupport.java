package io.shmkit.bench.locks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.process.JvmProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Child-JVM plumbing and the leftover checks of the lock tests. */
final class LockTestSupport {
    private LockTestSupport() {}

    /** Waits until {@code p} has printed {@code line} (or fails if it exits or the time is up). */
    static void awaitLine(JvmProcess p, String line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!p.output().lines().anyMatch(line::equals)) {
            if (!p.isAlive()) {
                fail(p + " exited before printing " + line + ":\n" + p.output());
            }
            if (System.nanoTime() > deadline) {
                fail(p + " did not print " + line + " within " + timeout + ":\n" + p.output());
            }
            Thread.sleep(5);
        }
    }

    /** Waits for {@code p} to exit and checks that it succeeded. */
    static void finish(JvmProcess p, Duration timeout) throws InterruptedException {
        assertTrue(p.join(timeout), () -> p + " did not exit within " + timeout + ":\n" + p.output());
        assertEquals(0, p.exitCode(), p::output);
    }

    /**
     * Nothing this JVM named is left in the shared-memory directory (its names start with
     * {@code shmkit-bench-<pid>-}; other processes' are not ours to judge), and no child JVM of
     * the lock tests or of the harness still runs.
     */
    static void assertNothingLeft() {
        String own = BenchNames.PREFIX + ProcessHandle.current().pid() + "-";
        Path dir = BenchNames.shm().path();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> left = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(own)).toList();
            assertEquals(List.of(), left, "left in " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> running = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains(ContentionWorker.class.getName()) || c.contains(PthreadChild.class.getName()))
                .toList();
        assertEquals(List.of(), running, "child JVMs outlived their test");
    }
}
