package io.shmkit.sync;

import io.shmkit.core.Length;

/**
 * The words of a {@link SharedSemaphore}, as a record so that a struct can hold one as a
 * field. Layout in {@link LockDescriptor}.
 */
public record SemaphoreState(long owner, long thread, int holds, int flags, int recoveries, int deadPid, int permits,
                             int reserved0, @Length(3) long[] reserved, @Length(LockDescriptor.SLOT_COUNT) long[] holders) {
}
