package io.shmkit.msg;

import io.shmkit.sync.IdleStrategy;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.WakeWord;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * One blocking call's wait: the idle strategy's attempt count, the deadline, and when the
 * process waited for is next checked for liveness. With kernel waits on, a wait past the idle
 * strategy's first {@link LockOptions#KERNEL_WAIT_AFTER} attempts sleeps on the queue's wake
 * word until woken or until the next liveness check is due. Made only on the slow path, after a
 * first attempt failed. Not thread-safe: one per call.
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
        return idle(null, null);
    }

    /**
     * Waits a little: through the idle strategy, or, once it has had its attempts and
     * {@code word} can sleep, in the kernel on {@code word} unless {@code ready} holds after the
     * announcement. A sleep ends by a wake-up, at the deadline, or when the next liveness check
     * is due; an interrupt is seen at the next call, so within one check interval.
     *
     * @param word  where to sleep, or null to only poll
     * @param ready whether the wait is over (re-checked after the sleep is announced)
     * @return false once the deadline has passed
     * @throws InterruptedException if the thread was interrupted
     */
    boolean idle(WakeWord word, BooleanSupplier ready) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long now = System.nanoTime();
        if (timed && now - deadline >= 0) {
            return false;
        }
        if (word == null) {
            idle.idle(attempt);
        } else {
            // until the next liveness check; a whole interval if one is overdue because this wait
            // cannot make it (the holder is this process), rather than sleeps too short to save anything
            long untilCheck = nextCheck - now > 0 ? nextCheck - now : checkIntervalNanos;
            word.idle(idle, attempt, ready, timed ? Math.min(untilCheck, deadline - now) : untilCheck);
        }
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        return true;
    }
}
