package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SharedReadWriteLock in one process: sharing, exclusion, writer preference, misuse, dead readers and writers. */
class ReadWriteLockTest extends LockTestSupport {
    private static final long SLOT0 = LockDescriptor.SLOTS_OFFSET;

    @Test
    void readersShareAndExcludeWriters() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw")) {
            rw.readLock().lock();
            assertTrue(otherThread(() -> {
                boolean got = rw.readLock().tryLock();
                assertEquals(1, rw.getReadHoldCount());
                rw.readLock().unlock();
                return got;
            }), "a second reader was refused");
            assertEquals(1, rw.getReadLockCount());
            assertFalse(otherThread(() -> rw.writeLock().tryLock()));
            assertFalse(otherThread(() -> rw.writeLock().tryLock(30, TimeUnit.MILLISECONDS)));
            assertFalse(rw.isWriteLocked(), "a writer that gave up left its claim");
            rw.readLock().unlock();
            assertEquals(0, rw.getReadLockCount());
            rw.writeLock().lock();
            assertTrue(rw.isWriteLockedByCurrentThread());
            assertFalse(otherThread(() -> rw.readLock().tryLock()));
            assertFalse(otherThread(() -> rw.readLock().tryLock(30, TimeUnit.MILLISECONDS)));
            assertFalse(otherThread(() -> rw.writeLock().tryLock()));
            rw.writeLock().unlock();
            assertFalse(rw.isWriteLocked());
        }
    }

    @Test
    void aWaitingWriterStopsNewReadersSoReadersCannotStarveIt() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw")) {
            rw.readLock().lock();
            CountDownLatch writing = new CountDownLatch(1);
            Future<Boolean> writer = inThread(() -> {
                rw.writeLock().lock();
                writing.countDown();
                rw.writeLock().unlock();
                return true;
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!rw.isWriteLocked()) {
                assertTrue(System.nanoTime() < deadline, "the writer never claimed the lock");
                Thread.sleep(1);
            }
            assertFalse(otherThread(() -> rw.readLock().tryLock()), "a new reader entered past a waiting writer");
            assertFalse(writer.isDone(), "the writer entered while a reader held the lock");
            rw.readLock().unlock();
            assertTrue(writer.get(10, TimeUnit.SECONDS));
            assertTrue(writing.await(0, TimeUnit.SECONDS));
        }
    }

    @Test
    void upgradingFailsAtOnceAndDowngradingWorks() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw")) {
            rw.readLock().lock();
            var upgrade = assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().lock());
            assertTrue(upgrade.getMessage().contains("upgrad"), upgrade.getMessage());
            assertFalse(rw.writeLock().tryLock());
            rw.readLock().unlock();

            rw.writeLock().lock();
            rw.writeLock().lock(); // reentrant
            assertEquals(2, rw.getWriteHoldCount());
            rw.readLock().lock(); // downgrade: the writer may read
            rw.writeLock().unlock();
            rw.writeLock().unlock();
            assertFalse(rw.isWriteLocked());
            assertEquals(1, rw.getReadHoldCount());
            assertTrue(otherThread(() -> {
                boolean got = rw.readLock().tryLock();
                rw.readLock().unlock();
                return got;
            }), "after the downgrade other readers share");
            assertFalse(otherThread(() -> rw.writeLock().tryLock()), "the downgraded read hold still excludes writers");
            rw.readLock().unlock();
        }
    }

    @Test
    void unlocksWithoutAHoldAreRefused() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw")) {
            var read = assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().unlock());
            assertTrue(read.getMessage().contains("holds no read lock"), read.getMessage());
            assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().unlock());
            rw.readLock().lock();
            onOtherThread(() -> assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().unlock(),
                    "another thread released this thread's read hold"));
            assertEquals(1, rw.getReadLockCount());
            rw.readLock().unlock();
            rw.writeLock().lock();
            Exception e = onOtherThread(() -> assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().unlock()));
            assertTrue(e.getMessage().contains("held by thread"), e.getMessage());
            onOtherThread(() -> assertThrows(IllegalMonitorStateException.class, rw::markConsistent));
            rw.writeLock().unlock();
        }
    }

    @Test
    void readHoldsCannotOverflowTheirCountSilently() {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw")) {
            for (int i = 0; i < LockDescriptor.MAX_SLOT_HOLDS; i++) {
                rw.readLock().lock();
            }
            assertEquals(LockDescriptor.MAX_SLOT_HOLDS, rw.getReadLockCount());
            var overflow = assertThrows(IllegalStateException.class, () -> rw.readLock().lock());
            assertTrue(overflow.getMessage().contains("65535"), overflow.getMessage());
            assertEquals(LockDescriptor.MAX_SLOT_HOLDS, rw.getReadHoldCount(), "the refused hold was counted");
            for (int i = 0; i < LockDescriptor.MAX_SLOT_HOLDS; i++) {
                rw.readLock().unlock();
            }
            assertEquals(0, rw.getReadLockCount());
            assertTrue(rw.writeLock().tryLock());
            rw.writeLock().unlock();
        }
    }

    @Test
    void aWriterFreesTheReadHoldsOfADeadProcessAndDataStaysConsistent() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw").withOptions(fast)) {
            forge(rw, SLOT0 + 8 * 5, deadSlot(3));
            assertEquals(3, rw.getReadLockCount());
            assertFalse(rw.writeLock().tryLock(), "tryLock must not free slots");
            rw.writeLock().lock();
            assertEquals(0, rw.getReadLockCount());
            assertTrue(rw.isConsistent(), "readers write nothing: their death leaves the data whole");
            assertEquals(1, recoveries.size());
            assertEquals(LockRecovery.Role.READER, recoveries.get(0).role());
            assertEquals(3, recoveries.get(0).holds());
            assertEquals(1, rw.recoveries());
            rw.writeLock().unlock();
        }
    }

    @Test
    void readersWaitingForADeadWriterTakeItOverAndAreToldIfItWasMidWrite() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw").withOptions(fast)) {
            // dead while still waiting for readers: it changed nothing
            forge(rw, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            rw.readLock().lock();
            rw.readLock().unlock();
            assertTrue(rw.isConsistent());
            assertEquals(LockRecovery.Role.WRITER, recoveries.get(0).role());
            // dead inside its critical section
            forge(rw, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            forgeInt(rw, LockDescriptor.FLAGS_OFFSET, LockDescriptor.FLAG_ACTIVE);
            rw.readLock().lock();
            assertFalse(rw.isConsistent());
            assertFalse(recoveries.get(1).consistent());
            rw.readLock().unlock();
            rw.writeLock().lock();
            rw.markConsistent();
            rw.writeLock().unlock();
            assertTrue(rw.isConsistent());
            assertEquals(2, rw.recoveries());
        }
    }

    @Test
    void aReaderFindingEverySlotTakenByDeadProcessesFreesThem() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw").withOptions(fast)) {
            for (int i = 0; i < LockDescriptor.SLOT_COUNT; i++) {
                forge(rw, SLOT0 + 8L * i, deadSlot(1));
            }
            assertFalse(rw.readLock().tryLock(), "no slot was free");
            assertTrue(rw.readLock().tryLock(5, TimeUnit.SECONDS));
            assertEquals(1, rw.getReadLockCount());
            assertEquals(LockDescriptor.SLOT_COUNT, recoveries.size());
            rw.readLock().unlock();
        }
    }
}
