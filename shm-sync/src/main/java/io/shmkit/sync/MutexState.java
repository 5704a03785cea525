package io.shmkit.sync;

/**
 * The words of a {@link SharedMutex}, as a record so that a struct can hold the lock as a field:
 * {@code record Account(MutexState lock, double balance)}. Its layout is the owner block of
 * {@link LockDescriptor}; the values are the lock's business, read them only to look.
 */
public record MutexState(long owner, long thread, int holds, int flags, int recoveries, int deadPid, int wake,
        int reserved) {
}
