package io.shmkit.sync;

import java.util.concurrent.locks.LockSupport;

/** Spin, then yield, then park with a doubling period; see {@link IdleStrategy#backoff()}. */
record BackoffIdleStrategy(int spins, int yields, long minParkNanos, long maxParkNanos) implements IdleStrategy {
    static final BackoffIdleStrategy DEFAULT = new BackoffIdleStrategy(128, 64, 1_000, 1_000_000);

    BackoffIdleStrategy {
        if (spins < 0 || yields < 0 || minParkNanos <= 0 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("backoff needs spins >= 0, yields >= 0 and 0 < minPark <= maxPark; got "
                    + spins + ", " + yields + ", " + minParkNanos + ", " + maxParkNanos);
        }
    }

    @Override
    public void idle(int attempt) {
        if (attempt < spins) {
            Thread.onSpinWait();
        } else if (attempt < spins + yields) {
            Thread.yield();
        } else {
            int doublings = Math.min(attempt - spins - yields, 40);
            LockSupport.parkNanos(Math.min(maxParkNanos, minParkNanos << Math.min(doublings, Long.numberOfLeadingZeros(minParkNanos) - 1)));
        }
    }
}
