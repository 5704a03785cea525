package io.shmkit.sync;

import io.shmkit.core.SegmentTestSupport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/**
 * In-process lock tests: a segment directory per test, fast owner checks, recoveries
 * collected, other threads on demand, and lock words forged as a dead process would leave
 * them (this pid with another start tag is a process that had our pid before us).
 */
abstract class LockTestSupport extends SegmentTestSupport {
    final List<LockRecovery> recoveries = new CopyOnWriteArrayList<>();
    final LockOptions fast = LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ofMillis(1)).withRecoveryListener(recoveries::add);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** An owner key of a dead process: our pid, another start tag. */
    static final long DEAD_KEY = Owners.ownerKey(Owners.SELF_PID, Owners.SELF_TAG + 1);

    /** A slot word of the same dead process holding {@code holds}. */
    static long deadSlot(int holds) {
        return Owners.slotIdentity(Owners.SELF_PID, Owners.SELF_TAG + 1) | holds;
    }

    static void forge(SharedLock lock, long offset, long value) {
        LockWords.LONG.setVolatile(lock.words.segment, offset, value);
    }

    static void forgeInt(SharedLock lock, long offset, int value) {
        LockWords.INT.setVolatile(lock.words.segment, offset, value);
    }

    /** Runs {@code task} on another thread. */
    <T> Future<T> inThread(java.util.concurrent.Callable<T> task) {
        return threads.submit(task);
    }

    <T> T onOtherThread(java.util.concurrent.Callable<T> task) throws Exception {
        return threads.submit(task).get(30, TimeUnit.SECONDS);
    }

    /** What {@code test} answers on another thread. */
    boolean otherThread(java.util.concurrent.Callable<Boolean> test) throws Exception {
        return onOtherThread(test);
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }
}
