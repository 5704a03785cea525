package io.shmkit.sync;

/**
 * The words of a {@link SharedReentrantLock}, as a record so that a struct can hold the lock as a field:
 * {@code record Account(ReentrantLockState lock, double balance)}. Its layout is the owner block of
 * {@link LockDescriptor}; the values are the lock's business, read them only to look.
 */
public record ReentrantLockState(long owner, long thread, int holds, int flags, int recoveries, int deadPid, int wake,
        int reserved) {
}
