package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.ProcessLiveness;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One test per defect of the shm-sync protocol review (issue 10), each replaying the forged
 * words that broke the lock. They run in one process. The defects that need another process
 * (a /proc that cannot be read, another pid namespace) are in {@link CrossProcessLockTest};
 * those whose window is a few nanoseconds (the take-over, the concurrent over-release) are
 * replayed exactly under a debugger in {@link InterleavingTest}.
 */
class LockDefectsTest extends LockTestSupport {
    private static final Duration BOUNDED = Duration.ofSeconds(20);

    /** A live process that is not this one: the JVM's parent, which outlives the test. */
    static long liveForeignKey() {
        long ppid = ProcessHandle.current().parent().orElseThrow().pid();
        long ticks = ProcessLiveness.startTicks(ppid);
        assertTrue(ticks >= 0, "cannot read the parent's start time");
        return Owners.ownerKey(ppid, (int) ticks);
    }

    static long liveForeignSlot(int holds) {
        long key = liveForeignKey();
        return Owners.slotIdentity(Owners.pid(key), (int) key) | holds;
    }

    record Holder(ReadWriteLockState rw, SemaphoreState semaphore) {
    }

    record Quote(double bid, double ask) {
    }

    // ---- 1. A take-over lets another thread in through the dead holder's thread id: InterleavingTest replays it

    // ---- 4. A reader's hold can move slots behind the writer's scan

    // InterleavingTest replays it at the read/write lock, with a debugger between the add and the recheck

    // ---- 5. The seqlock hands out torn data as valid after the next write

    @Test
    void afterAWriterDiedMidWriteReadsFailUntilTheDataIsDeclaredRepaired() {
        try (SharedStructArray<Quote> quotes = SharedStructArray.create(dir, "quotes", Quote.class, 10)) {
            SharedSeqLock seq = SharedSeqLock.of(quotes).withOptions(fast);
            seq.write(() -> quotes.set(3, new Quote(1, 2)));
            // a writer died inside element 3: half of it written, the sequence odd, ACTIVE set
            quotes.set(3, new Quote(99, 2));
            forge(seq, LockDescriptor.SEQUENCE_OFFSET, seq.sequence() + 1);
            forge(seq, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            forgeInt(seq, LockDescriptor.FLAGS_OFFSET, LockDescriptor.FLAG_ACTIVE);
            // the next writer takes over and writes element 7 only
            seq.write(() -> quotes.set(7, new Quote(5, 6)));
            assertEquals(0, seq.sequence() & 1, "the sequence is even again");
            var e = assertThrows(OwnerDiedException.class, () -> seq.read(quotes, 3));
            assertTrue(e.getMessage().contains("died in the middle of a write"), e.getMessage());
            assertThrows(OwnerDiedException.class, () -> seq.validate(seq.tryOptimisticRead()));
            seq.writeLock();
            quotes.set(3, new Quote(1, 2));
            seq.markConsistent();
            seq.unlockWrite();
            assertEquals(new Quote(1, 2), seq.read(quotes, 3));
            assertEquals(new Quote(5, 6), seq.read(quotes, 7));
        }
    }

    @Test
    void aReadInsideAWriteOnTheSameThreadThrowsInsteadOfWaitingForItself() throws Exception {
        try (SharedSeqLock seq = SharedSeqLock.create(dir, "seq")) {
            // one thread throughout (locks belong to threads), bounded from outside
            inThread(() -> {
                seq.writeLock();
                try {
                    var e = assertThrows(IllegalMonitorStateException.class, () -> seq.read(() -> 1));
                    assertTrue(e.getMessage().contains("holds the write lock"), e.getMessage());
                } finally {
                    seq.unlockWrite();
                }
                assertEquals(1, seq.read(() -> 1));
                return null;
            }).get(BOUNDED.toSeconds(), TimeUnit.SECONDS);
        }
    }

    // ---- 6. Upgrading through a second handle deadlocks every process

    @Test
    void anUpgradeThroughAnotherHandleOnTheSameLockIsRefused() throws Exception {
        try (SharedStruct<Holder> holder = SharedStruct.create(dir, "h", Holder.class)) {
            SharedReadWriteLock first = SharedReadWriteLock.in(holder, "rw");
            SharedReadWriteLock second = SharedReadWriteLock.in(holder, "rw");
            inThread(() -> {
                first.readLock().lock();
                try {
                    var e = assertThrows(IllegalMonitorStateException.class, () -> second.writeLock().tryLock(5, TimeUnit.SECONDS));
                    assertTrue(e.getMessage().contains("read hold"), e.getMessage());
                    assertFalse(second.isWriteLocked(), "the refused writer kept the owner word");
                    assertEquals(1, second.getReadHoldCount(), "handles on one lock share the thread's read holds");
                } finally {
                    second.readLock().unlock(); // any handle on the lock may release it
                }
                return null;
            }).get(BOUNDED.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, first.getReadLockCount());
        }
    }

    // ---- 7. Downgrading with all 32 slots full drops the write lock

    @Test
    void aDowngradeThatFindsNoFreeSlotKeepsTheWriteLock() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw").withOptions(fast)) {
            rw.writeLock().lock();
            long live = liveForeignSlot(1);
            for (int i = 0; i < LockDescriptor.SLOT_COUNT; i++) {
                forge(rw, LockDescriptor.SLOTS_OFFSET + 8L * i, live); // alive, so none can be reclaimed
            }
            assertFalse(rw.readLock().tryLock(50, TimeUnit.MILLISECONDS));
            assertTrue(rw.isWriteLockedByCurrentThread(), "the write lock was dropped");
            assertEquals(1, rw.getWriteHoldCount());
            assertEquals(Owners.SELF_KEY, rw.owner.ownerKey());
            assertFalse(otherThread(() -> rw.writeLock().tryLock()), "another thread got the write lock");
            for (int i = 0; i < LockDescriptor.SLOT_COUNT; i++) {
                forge(rw, LockDescriptor.SLOTS_OFFSET + 8L * i, 0);
            }
            rw.writeLock().unlock();
        }
    }

    // ---- 8. The semaphore

    // the order of a reclaim (flag first, then free): InterleavingTest kills a reclaimer mid-way

    @Test
    void tryFormsAndMarkConsistentNeverWaitForAStoppedTaker() throws Exception {
        try (SharedSemaphore semaphore = SharedSemaphore.create(dir, "s", 2).withOptions(fast)) {
            assertTrue(semaphore.tryAcquire());
            // a live process holds the internal word (stopped, say, or in a debugger)
            forge(semaphore, LockDescriptor.OWNER_OFFSET, liveForeignKey());
            assertTimeoutPreemptively(BOUNDED, () -> {
                long start = System.nanoTime();
                assertFalse(semaphore.tryAcquire());
                assertTrue(System.nanoTime() - start < 100_000_000L, "tryAcquire() waited");
                start = System.nanoTime();
                assertFalse(semaphore.tryAcquire(1, 200, TimeUnit.MILLISECONDS));
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertTrue(waited >= 200 && waited < 5_000, "the timed form waited " + waited + " ms");
                semaphore.markConsistent();
            });
            CountingIdle idle = new CountingIdle();
            SharedSemaphore waiting = semaphore.withOptions(LockOptions.DEFAULT.withIdleStrategy(idle));
            Future<Boolean> interrupted = inThread(() -> {
                try {
                    waiting.acquire();
                    return false;
                } catch (InterruptedException expected) {
                    return true;
                }
            });
            idle.awaitMoreThan(0, java.time.Duration.ofSeconds(30)); // waiting on the live holder's word
            stopThreads(); // interrupts it
            assertTrue(interrupted.get(10, TimeUnit.SECONDS), "acquire() ignored the interrupt");
            forge(semaphore, LockDescriptor.OWNER_OFFSET, 0);
            semaphore.release();
        }
    }

    // a concurrent over-release (defect 9): InterleavingTest replays it

    // ---- 9. A slot-tag collision with this process

    @Test
    void slotsWithThisProcesssIdentityLeftByADeadPredecessorAreFreedOnFirstAttach() throws Exception {
        try (SharedStruct<Holder> holder = SharedStruct.create(dir, "h", Holder.class)) {
            // a process with our pid and the same 16 start-tag bits died holding 2 read holds and 1 permit
            var words = holder.asSegment();
            LockWords.LONG.setVolatile(words, holder.fieldOffset("rw") + LockDescriptor.SLOTS_OFFSET + 8 * 4, Owners.SELF_SLOT | 2);
            LockWords.INT.setVolatile(words, holder.fieldOffset("semaphore") + LockDescriptor.PERMITS_OFFSET, 2);
            LockWords.LONG.setVolatile(words, holder.fieldOffset("semaphore") + LockDescriptor.SLOTS_OFFSET + 8 * 6,
                    Owners.SELF_SLOT | 1);
            SharedReadWriteLock rw = SharedReadWriteLock.in(holder, "rw").withOptions(fast);
            assertTrue(rw.writeLock().tryLock(2, TimeUnit.SECONDS), "the writer waits for a hold nobody has");
            rw.writeLock().unlock();
            SharedSemaphore semaphore = SharedSemaphore.in(holder, "semaphore", 2);
            assertEquals(2, semaphore.availablePermits());
            assertEquals(0, semaphore.heldPermits());
            assertFalse(semaphore.isConsistent(), "the dead predecessor's permits may guard half-done work");
        }
    }
}
