package io.shmkit.sync;

import io.shmkit.core.Length;

/**
 * The words of a {@link SharedReadWriteLock}, as a record so that a struct can hold one as a
 * field. Layout in {@link LockDescriptor}.
 */
public record ReadWriteLockState(long owner, long thread, int holds, int flags, int recoveries, int deadPid,
                                 @Length(4) long[] reserved, @Length(LockDescriptor.SLOT_COUNT) long[] readers) {
}
