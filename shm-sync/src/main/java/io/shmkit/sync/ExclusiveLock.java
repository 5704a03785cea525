package io.shmkit.sync;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The {@link java.util.concurrent.locks.Lock} contract over one owner block, shared by
 * {@link SharedMutex} (not reentrant) and {@link SharedReentrantLock}.
 */
abstract sealed class ExclusiveLock extends SharedLock implements ScopedLock permits SharedMutex, SharedReentrantLock {
    ExclusiveLock(LockWords words, boolean reentrant, LockOptions options) {
        super(words, new OwnerWord(words,
                WakeWord.at(words.segment, LockDescriptor.MUTEX_WAKE_OFFSET, options), OwnerWord.OnTakeover.INCONSISTENT, LockRecovery.Role.OWNER, reentrant), options);
    }

    /**
     * Acquires the lock, waiting as long as it takes; an interrupt does not end the wait and
     * is set again when the lock is acquired. If the holder's process dies, the lock is taken
     * over within the owner-check interval and {@link #isConsistent()} turns false.
     */
    @Override
    public final void lock() {
        try {
            owner.acquireUninterruptibly(options);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** As {@link #lock()}, but an interrupt ends the wait with {@link InterruptedException}. */
    @Override
    public final void lockInterruptibly() throws InterruptedException {
        try {
            owner.acquire(options, false, 0, true);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Acquires only if free now; never waits, never checks a holder's liveness. */
    @Override
    public final boolean tryLock() {
        try {
            return owner.tryAcquire();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** As {@link #lockInterruptibly()}, giving up with {@code false} after {@code time}. */
    @Override
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        try {
            return owner.acquire(options, true, Wait.deadline(unit.toNanos(time)), true);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * Releases one hold.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the lock,
     *         naming who does
     */
    @Override
    public final void unlock() {
        try {
            owner.release(0);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Not supported: waking a thread of another process needs native code. */
    @Override
    public final Condition newCondition() {
        throw new UnsupportedOperationException(name() + ": conditions are not supported; waking a thread in another"
                + " process would need native code (poll shared state under the lock instead)");
    }

    /** Whether any thread of any process holds the lock. */
    public final boolean isLocked() {
        try {
            return owner.ownerKey() != 0;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Whether the calling thread holds the lock. */
    public final boolean isHeldByCurrentThread() {
        try {
            return owner.isHeldByCurrentThread();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    @Override
    public final void markConsistent() {
        try {
            owner.checkHeldByCurrentThread("markConsistent");
            owner.setFlags(0, LockDescriptor.FLAG_INCONSISTENT);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }
}
