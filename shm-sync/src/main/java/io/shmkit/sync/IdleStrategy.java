package io.shmkit.sync;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for a lock held in another process. There is no way to wake a thread of
 * another JVM without native code, so waiters poll the lock words; the strategy decides how
 * eagerly. It is called with the number of unsuccessful attempts since the wait began, so one
 * strategy object carries no state and may be shared by every thread and lock.
 *
 * <p>The default, {@link #backoff()}, spins with {@link Thread#onSpinWait()} for the
 * hand-offs that take nanoseconds, then yields, then parks for doubling periods up to a
 * millisecond: a thread that waits long costs about a thousand wake-ups a second, not a core.
 */
@FunctionalInterface
public interface IdleStrategy {
    /**
     * Waits a little before the next attempt.
     *
     * @param attempt unsuccessful attempts so far in this wait, from 0
     */
    void idle(int attempt);

    /** Spin 128 times, yield 64 times, then park from 1 µs doubling up to 1 ms. */
    static IdleStrategy backoff() {
        return BackoffIdleStrategy.DEFAULT;
    }

    /**
     * Spin {@code spins} times, yield {@code yields} times, then park from
     * {@code minParkNanos} doubling up to {@code maxParkNanos}.
     *
     * @throws IllegalArgumentException if a count is negative or the park bounds are not
     *         {@code 0 < min <= max}
     */
    static IdleStrategy backoff(int spins, int yields, long minParkNanos, long maxParkNanos) {
        return new BackoffIdleStrategy(spins, yields, minParkNanos, maxParkNanos);
    }

    /** Never gives the core away: lowest hand-off latency, one full core per waiting thread. */
    static IdleStrategy busySpin() {
        return attempt -> Thread.onSpinWait();
    }

    /** {@link Thread#yield()} on every attempt. */
    static IdleStrategy yielding() {
        return attempt -> Thread.yield();
    }

    /**
     * Parks for a fixed period on every attempt: the least CPU, hand-offs no faster than
     * {@code nanos}.
     */
    static IdleStrategy parking(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("park period must be positive: " + nanos);
        }
        return attempt -> LockSupport.parkNanos(nanos);
    }
}
