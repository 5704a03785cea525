package io.shmkit.sync;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a lock handle waits and reports: immutable, shared freely.
 *
 * @param idleStrategy         how a waiting thread passes the time between attempts
 * @param ownerCheckInterval   how long a thread waits before (and between) checks that the
 *                             holder's process is still alive. A check reads
 *                             {@code /proc/<pid>/stat} (some microseconds), so short waits
 *                             never pay for it. A lock whose holder died is taken over at most
 *                             this interval plus one idle period after the holder's process
 *                             has exited.
 * @param recoveryListener     told of every take-over, in the thread that took over, while it
 *                             holds the lock; it must be quick and must not throw (what it
 *                             throws is logged and dropped, so the lock call still returns
 *                             holding the lock)
 */
public record LockOptions(IdleStrategy idleStrategy, Duration ownerCheckInterval, Consumer<LockRecovery> recoveryListener) {
    /** Logs each recovery as a warning through {@link System.Logger} "io.shmkit.sync". */
    public static final Consumer<LockRecovery> LOG_RECOVERY = recovery ->
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.WARNING, recovery.toString());

    /** {@link IdleStrategy#backoff()}, owner checks every 10 ms, recoveries logged. */
    public static final LockOptions DEFAULT = new LockOptions(IdleStrategy.backoff(), Duration.ofMillis(10), LOG_RECOVERY);

    public LockOptions {
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        Objects.requireNonNull(ownerCheckInterval, "ownerCheckInterval");
        Objects.requireNonNull(recoveryListener, "recoveryListener");
        if (ownerCheckInterval.isNegative()) {
            throw new IllegalArgumentException("ownerCheckInterval must not be negative: " + ownerCheckInterval);
        }
    }

    public LockOptions withIdleStrategy(IdleStrategy idle) {
        return new LockOptions(idle, ownerCheckInterval, recoveryListener);
    }

    public LockOptions withOwnerCheckInterval(Duration interval) {
        return new LockOptions(idleStrategy, interval, recoveryListener);
    }

    public LockOptions withRecoveryListener(Consumer<LockRecovery> listener) {
        return new LockOptions(idleStrategy, ownerCheckInterval, listener);
    }
}
