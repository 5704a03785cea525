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
 * @param kernelWaits          whether a waiter that has spun and yielded through the idle
 *                             strategy's first {@value #KERNEL_WAIT_AFTER} attempts then sleeps
 *                             in the kernel ({@link Futex}) until a releaser or producer wakes
 *                             it, instead of going on polling. Off by default: it needs native
 *                             access, and without it (or off Linux x86-64/AArch64) the waiter
 *                             polls as if it were off, after one logged line that names the flag
 *                             to add. Sleeps are bounded by the owner-check interval, so
 *                             liveness checks and take-overs keep their bound. Wake-ups come
 *                             only from processes whose handles have it on too: give every
 *                             process of a lock or queue the same setting, or a sleeper
 *                             notices another's release only at the end of its bounded sleep.
 *                             A virtual thread never sleeps in the kernel (it would pin its
 *                             carrier): it polls. A thread asleep in the kernel does not see
 *                             {@link Thread#interrupt()} until its sleep ends: an interruptible
 *                             wait throws within one owner-check interval of the interrupt.
 *                             With it on, every release and every message pays one load of the
 *                             lock's or queue's wake word (and a full fence where the kernel
 *                             lacks {@code membarrier}) to learn whether anyone sleeps
 *                             ({@code docs/locks.md} §9).
 */
public record LockOptions(IdleStrategy idleStrategy, Duration ownerCheckInterval, Consumer<LockRecovery> recoveryListener,
                          boolean kernelWaits) {
    /** Logs each recovery as a warning through {@link System.Logger} "io.shmkit.sync". */
    public static final Consumer<LockRecovery> LOG_RECOVERY = recovery ->
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.WARNING, recovery.toString());

    /** {@link IdleStrategy#backoff()}, owner checks every 10 ms, recoveries logged. */
    public static final LockOptions DEFAULT = new LockOptions(IdleStrategy.backoff(), Duration.ofMillis(10), LOG_RECOVERY, false);

    /**
     * Kernel waits, for waiters that may wait long: {@link #DEFAULT} with {@link #kernelWaits()}
     * on and owner checks every 100 ms. A sleeper wakes for each owner check, and a timed
     * wake-up costs some microseconds of CPU on bare metal and some hundred microseconds in a
     * virtual machine: on the 2-core KVM guest of {@code docs/benchmarks.md} an idle sleeper used
     * 2.2% of a core with the 10 ms checks of {@link #DEFAULT} and 0.3% with 100 ms (group
     * {@code wake}). The price: a dead holder is taken over up to 100 ms after its
     * death instead of 10.
     */
    public static final LockOptions KERNEL_WAITS = DEFAULT.withKernelWaits(true).withOwnerCheckInterval(Duration.ofMillis(100));

    /** Attempts a waiter makes through the idle strategy before it sleeps in the kernel. */
    public static final int KERNEL_WAIT_AFTER = 192;

    /** Options without kernel waits. */
    public LockOptions(IdleStrategy idleStrategy, Duration ownerCheckInterval, Consumer<LockRecovery> recoveryListener) {
        this(idleStrategy, ownerCheckInterval, recoveryListener, false);
    }

    public LockOptions {
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        Objects.requireNonNull(ownerCheckInterval, "ownerCheckInterval");
        Objects.requireNonNull(recoveryListener, "recoveryListener");
        if (ownerCheckInterval.isNegative()) {
            throw new IllegalArgumentException("ownerCheckInterval must not be negative: " + ownerCheckInterval);
        }
    }

    public LockOptions withIdleStrategy(IdleStrategy idle) {
        return new LockOptions(idle, ownerCheckInterval, recoveryListener, kernelWaits);
    }

    public LockOptions withOwnerCheckInterval(Duration interval) {
        return new LockOptions(idleStrategy, interval, recoveryListener, kernelWaits);
    }

    public LockOptions withRecoveryListener(Consumer<LockRecovery> listener) {
        return new LockOptions(idleStrategy, ownerCheckInterval, listener, kernelWaits);
    }

    /** These options with kernel waits on or off; see {@link #kernelWaits()}. */
    public LockOptions withKernelWaits(boolean on) {
        return new LockOptions(idleStrategy, ownerCheckInterval, recoveryListener, on);
    }
}
