package io.shmkit.sync;

import static io.shmkit.sync.KernelLockChild.ACQUIRED;
import static io.shmkit.sync.KernelLockChild.ACQUIRED_AT;
import static io.shmkit.sync.KernelLockChild.HELD;
import static io.shmkit.sync.KernelLockChild.RELEASE;
import static io.shmkit.sync.KernelLockChild.WAITER_THREAD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.KernelLockChild.Side;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kernel waits on every lock kind, between real JVMs: a waiter is seen asleep in a shared
 * {@code FUTEX_WAIT} on the lock's own file ({@code /proc}, not timing), the holder's release
 * wakes it (the release clears the wake word, which only a wake does), and a holder killed
 * while others sleep is still taken over within the owner-check bound.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class KernelWaitLockTest extends SegmentTestSupport {
    private static final Duration START = Duration.ofSeconds(90);
    private final List<JvmProcess> children = new ArrayList<>();
    private SharedLongArray phases;

    @BeforeEach
    void phases() {
        phases = SharedLongArray.create(dir, "phases", 4);
    }

    @AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
        phases.close();
    }

    private JvmProcess child(String command, Side side) {
        JvmProcess p = JvmProcess.builder(KernelLockChild.class)
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED")
                .args(dir.path().toString(), command, side.name()).captureOutput().start();
        children.add(p);
        return p;
    }

    private boolean asleep(JvmProcess waiter) {
        return ThreadStates.sleepsInKernelOn(waiter.pid(), WAITER_THREAD, dir.path().resolve("lock"));
    }

    @ParameterizedTest(name = "{1} waiting for {0}")
    @CsvSource({"MUTEX, MUTEX", "REENTRANT, REENTRANT", "WRITE, WRITE", "WRITE, READ", "READ, WRITE", "PERMIT, PERMIT",
            "SEQ_WRITE, SEQ_WRITE"})
    void aWaiterAsleepInTheKernelIsWokenByTheReleaseOfAnotherJvm(Side holding, Side waiting) throws Exception {
        try (SharedLock lock = holding.create(dir)) {
            JvmProcess holder = child("hold", holding);
            Children.await("the holder holding", START, () -> phases.getVolatile(HELD) == 1, holder);
            JvmProcess waiter = child("acquire", waiting);
            Children.await("the waiter asleep in the kernel on the lock", START, () -> asleep(waiter), waiter, holder);
            assertTrue(lock.owner.wake.isAnnounced(), "the sleeper announced itself");
            int announced = lock.owner.wake.value();
            assertEquals(0, phases.getVolatile(ACQUIRED));

            phases.setVolatile(RELEASE, 1);
            waiter.joinChecked(START);
            holder.joinChecked(START);
            assertEquals(1, phases.getVolatile(ACQUIRED));
            assertFalse(lock.owner.wake.isAnnounced(), "a release saw the announcement, cleared it, and woke the sleeper");
            assertEquals((announced + 2) & ~1, lock.owner.wake.value(), "one wake advanced the epoch once");
        }
    }

    @Test
    void aHolderKilledWhileAnotherSleepsInTheKernelIsTakenOverWithinTheOwnerCheckBound() throws Exception {
        try (SharedLock lock = Side.MUTEX.create(dir)) {
            JvmProcess holder = child("hold", Side.MUTEX);
            Children.await("the holder holding", START, () -> phases.getVolatile(HELD) == 1, holder);
            JvmProcess waiter = child("acquire", Side.MUTEX);
            Children.await("the waiter asleep in the kernel", START, () -> asleep(waiter), waiter, holder);

            holder.kill();
            assertTrue(holder.join(START));
            long dead = System.nanoTime(); // after the kernel reported the exit: the holder is certainly dead by now
            waiter.joinChecked(START);
            long tookOver = phases.getVolatile(ACQUIRED_AT) - dead;
            assertTrue(waiter.output().contains("RECOVERED pid=" + holder.pid()), waiter.output());
            // documented bound: one owner-check interval (the sleep) plus one check; 10x for a busy machine
            long bound = 10 * 2 * KernelLockChild.OPTIONS.ownerCheckInterval().toNanos();
            assertTrue(tookOver < bound, "taken over " + tookOver / 1e6 + " ms after the holder died; bound " + bound / 1e6 + " ms");
        }
    }
}
