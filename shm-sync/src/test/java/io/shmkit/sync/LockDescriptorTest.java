package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shmkit.core.Layouts;
import io.shmkit.core.SegmentDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** The state records lay out exactly as LockDescriptor (and docs/locks.md) say. */
class LockDescriptorTest {
    private static long offset(Class<? extends Record> type, String field) {
        return Layouts.of(type).byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    @Test
    void everyStateRecordStartsWithTheOwnerBlock() {
        for (Class<? extends Record> type : java.util.List.of(MutexState.class, ReentrantLockState.class, SeqLockState.class,
                ReadWriteLockState.class, SemaphoreState.class)) {
            assertEquals(LockDescriptor.OWNER_OFFSET, offset(type, "owner"), type.getSimpleName());
            assertEquals(LockDescriptor.THREAD_OFFSET, offset(type, "thread"));
            assertEquals(LockDescriptor.HOLDS_OFFSET, offset(type, "holds"));
            assertEquals(LockDescriptor.FLAGS_OFFSET, offset(type, "flags"));
            assertEquals(LockDescriptor.RECOVERIES_OFFSET, offset(type, "recoveries"));
            assertEquals(LockDescriptor.DEAD_PID_OFFSET, offset(type, "deadPid"));
            assertEquals(LockDescriptor.ALIGNMENT, Layouts.of(type).byteAlignment());
        }
    }

    @Test
    void sizesAndTailsMatchTheDescriptor() {
        assertEquals(LockDescriptor.MUTEX_LENGTH, Layouts.of(MutexState.class).byteSize());
        assertEquals(LockDescriptor.MUTEX_LENGTH, Layouts.of(ReentrantLockState.class).byteSize());
        assertEquals(LockDescriptor.SEQLOCK_LENGTH, Layouts.of(SeqLockState.class).byteSize());
        assertEquals(LockDescriptor.SEQUENCE_OFFSET, offset(SeqLockState.class, "sequence"));
        StructLayout rw = Layouts.of(ReadWriteLockState.class);
        assertEquals(LockDescriptor.SLOTTED_LENGTH, rw.byteSize());
        assertEquals(LockDescriptor.SLOTS_OFFSET, offset(ReadWriteLockState.class, "readers"));
        assertEquals(LockDescriptor.SLOTTED_LENGTH, Layouts.of(SemaphoreState.class).byteSize());
        assertEquals(LockDescriptor.SLOTS_OFFSET, offset(SemaphoreState.class, "holders"));
        assertEquals(LockDescriptor.PERMITS_OFFSET, offset(SemaphoreState.class, "permits"));
    }

    @Test
    void theBuiltInLocksFitTheHeaderLockArea() {
        assertEquals(0, LockDescriptor.BUILT_IN_SEQLOCK_OFFSET % 64, "the seqlock starts its own cache line");
        assertEquals(true, LockDescriptor.BUILT_IN_LOCK_OFFSET + LockDescriptor.MUTEX_LENGTH <= LockDescriptor.BUILT_IN_SEQLOCK_OFFSET);
        assertEquals(true, LockDescriptor.BUILT_IN_SEQLOCK_OFFSET + LockDescriptor.SEQLOCK_LENGTH <= SegmentDescriptor.LOCK_AREA_LENGTH);
    }

    @Test
    void idleStrategiesRefuseNonsense() {
        assertThrows(IllegalArgumentException.class, () -> IdleStrategy.backoff(-1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> IdleStrategy.backoff(0, 0, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> IdleStrategy.parking(0));
        IdleStrategy backoff = IdleStrategy.backoff(1, 1, 1, 1_000);
        for (int attempt = 0; attempt < 100; attempt++) {
            backoff.idle(attempt); // never an overflowing park period
        }
        IdleStrategy.backoff().idle(Integer.MAX_VALUE);
    }
}
