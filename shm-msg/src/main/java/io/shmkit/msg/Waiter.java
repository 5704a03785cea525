package io.shmkit.msg;

import io.shmkit.sync.IdleStrategy;
import io.shmkit.sync.LockOptions;
import java.time.Duration;

/**
 * One blocking call's wait: the idle strategy's attempt count, the deadline, and when the
 * process waited for is next checked for liveness. This is the place where a waiter would
 * announce itself for a kernel wake-up (the queue's waiter words): made only on the slow path,
 * after a first attempt failed. Not thread-safe: one per call.
 */
final class Waiter {
    private final IdleStrategy idle;
    private final long checkIntervalNanos;
    private final long deadline;
    private final boolean timed;
    private int attempt;
    private long nextCheck;

    /** Timeouts this long or longer (about 73 years) wait without end. */
    static final long FOREVER_NANOS = Long.MAX_VALUE / 4;

    /**
     * A wait of at most {@code timeout}: zero or negative gives up at the first idle, and a
     * timeout of {@link #FOREVER_NANOS} or more (such as {@code Duration.ofSeconds(Long.MAX_VALUE)})
     * never does.
     */
    Waiter(LockOptions options, Duration timeout) {
        this.idle = options.idleStrategy();
        this.checkIntervalNanos = options.ownerCheckInterval().toNanos();
        long now = System.nanoTime();
        long nanos = nanos(timeout);
        this.timed = nanos < FOREVER_NANOS;
        this.deadline = now + Math.max(0, Math.min(nanos, FOREVER_NANOS));
        this.nextCheck = now + checkIntervalNanos;
    }

    /** {@code timeout} in nanoseconds, saturated instead of overflowing. */
    static long nanos(Duration timeout) {
        return timeout.compareTo(Duration.ofNanos(FOREVER_NANOS)) >= 0 ? FOREVER_NANOS : timeout.toNanos();
    }

    /** Whether it is time to check the other side's liveness; if so, the next check is scheduled. */
    boolean checkDue() {
        long now = System.nanoTime();
        if (now - nextCheck >= 0) {
            nextCheck = now + checkIntervalNanos;
            return true;
        }
        return false;
    }

    /**
     * Waits a little.
     *
     * @return false once the deadline has passed
     * @throws InterruptedException if the thread was interrupted
     */
    boolean idle() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (timed && System.nanoTime() - deadline >= 0) {
            return false;
        }
        idle.idle(attempt);
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        return true;
    }
}
