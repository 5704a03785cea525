package io.shmkit.sync;

/**
 * The struct the cross-process tests share: one lock of each kind as a field, a plain
 * counter they guard, and words the tests coordinate through.
 */
public record Ledger(MutexState mutex, ReentrantLockState reentrant, ReadWriteLockState rw, SemaphoreState semaphore,
                     long count, long victimWork, long phase, long x, long y, long started, long finished) {
}
