package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.Access;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SharedSeqLock in one process: stamps, retries, read-only readers, dead writers. */
class SeqLockTest extends LockTestSupport {
    record Point(double x, double y) {
    }

    @Test
    void aStampValidatesOnlyIfNoWriteBeganSince() {
        try (SharedSeqLock seq = SharedSeqLock.create(dir, "seq")) {
            long stamp = seq.tryOptimisticRead();
            assertTrue(seq.validate(stamp));
            seq.writeLock();
            assertFalse(seq.validate(stamp));
            long during = seq.tryOptimisticRead();
            assertEquals(1, during & 1, "odd while writing");
            assertFalse(seq.validate(during));
            seq.unlockWrite();
            assertFalse(seq.validate(during), "an odd stamp never validates");
            assertFalse(seq.validate(stamp));
            assertTrue(seq.validate(seq.tryOptimisticRead()));
            assertEquals(2, seq.sequence());
        }
    }

    @Test
    void readRetriesACopyAWriteOverlappedAndDropsWhatTheTornCopyThrew() throws Exception {
        try (SharedStruct<Point> p = SharedStruct.create(dir, "p", Point.class, new Point(1, 1))) {
            SharedSeqLock seq = SharedSeqLock.of(p);
            AtomicInteger calls = new AtomicInteger();
            Point copy = seq.read(() -> {
                if (calls.incrementAndGet() == 1) {
                    try {
                        onOtherThread(() -> {
                            seq.write(() -> p.set(new Point(2, 2)));
                            return null;
                        });
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    throw new IndexOutOfBoundsException("what torn data can make reading code do");
                }
                return p.get();
            });
            assertEquals(new Point(2, 2), copy);
            assertEquals(2, calls.get());
            var real = assertThrows(IllegalArgumentException.class, () -> seq.read(() -> {
                throw new IllegalArgumentException("a real failure of a copy no write touched");
            }));
            assertTrue(real.getMessage().startsWith("a real failure"));
        }
    }

    @Test
    void writersExcludeEachOtherAndOnlyTheWriterUnlocks() throws Exception {
        try (SharedSeqLock seq = SharedSeqLock.create(dir, "seq")) {
            seq.writeLock();
            assertFalse(otherThread(seq::tryWriteLock));
            assertFalse(otherThread(() -> seq.tryWriteLock(20, java.util.concurrent.TimeUnit.MILLISECONDS)));
            assertThrows(IllegalMonitorStateException.class, seq::writeLock, "not reentrant");
            onOtherThread(() -> assertThrows(IllegalMonitorStateException.class, seq::unlockWrite));
            seq.unlockWrite();
            assertThrows(IllegalMonitorStateException.class, seq::unlockWrite);
        }
    }

    @Test
    void readersWorkThroughAReadOnlyAttachmentAndWritersThereAreRefused() {
        try (SharedStructArray<Point> ps = SharedStructArray.create(dir, "ps", Point.class, 4);
             SharedStructArray<Point> ro = SharedStructArray.open(dir, "ps", Point.class, Access.READ_ONLY)) {
            SharedSeqLock.of(ps).write(() -> ps.set(3, new Point(3, 4)));
            SharedSeqLock reader = SharedSeqLock.of(ro);
            assertEquals(new Point(3, 4), reader.read(ro, 3));
            assertEquals(2, reader.sequence());
            var e = assertThrows(UnsupportedOperationException.class, reader::writeLock);
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
    }

    @Test
    void aReaderFindingTheWriterDeadMidWriteIsToldAndTheNextWriterRepairs() {
        try (SharedStructArray<Quad> quads = SharedStructArray.create(dir, "quads", Quad.class, 2)) {
            SharedSeqLock seq = SharedSeqLock.in(quads, 1, "lock").withOptions(fast);
            SharedSeqLock other = SharedSeqLock.in(quads, 0, "lock");
            forge(seq, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            forgeInt(seq, LockDescriptor.FLAGS_OFFSET, LockDescriptor.FLAG_ACTIVE);
            forge(seq, LockDescriptor.SEQUENCE_OFFSET, 7);
            assertEquals(new Quad(new SeqLockState(0, 0, 0, 0, 0, 0, 0, new long[3]), 0, 0, 0, 0).a(), other.read(quads, 0).a(),
                    "the lock of element 0 is not the lock of element 1");
            var dead = assertThrows(OwnerDiedException.class, () -> seq.read(quads, 1));
            assertEquals(Owners.SELF_PID, dead.deadPid());
            assertTrue(dead.getMessage().contains("died in the middle of a write"), dead.getMessage());

            seq.writeLock();
            assertFalse(seq.isConsistent());
            assertEquals(7, seq.sequence(), "the dead writer's odd sequence stays odd until this write ends");
            seq.markConsistent();
            seq.unlockWrite();
            assertEquals(8, seq.sequence());
            assertTrue(seq.isConsistent());
            assertEquals(0, seq.read(quads, 1).a());
            assertEquals(LockRecovery.Role.WRITER, recoveries.get(0).role());
        }
    }
}
