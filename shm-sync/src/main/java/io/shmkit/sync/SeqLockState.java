package io.shmkit.sync;

import io.shmkit.core.Length;

/**
 * The words of a {@link SharedSeqLock}, as a record so that a struct can hold one as a field,
 * e.g. one per element: {@code record Quote(SeqLockState lock, double bid, double ask)}.
 * Layout in {@link LockDescriptor}.
 */
public record SeqLockState(long owner, long thread, int holds, int flags, int recoveries, int deadPid, long sequence,
                           @Length(3) long[] reserved) {
}
