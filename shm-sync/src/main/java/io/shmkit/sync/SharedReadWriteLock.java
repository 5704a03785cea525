package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A read/write lock in shared memory: many readers or one writer, across processes. Writers
 * are preferred: once a writer has claimed the lock no new reader enters, so a stream of
 * readers cannot starve a writer (a stream of writers can delay readers). The write lock is
 * reentrant and may be downgraded (take the read lock while holding the write lock, then
 * unlock the write lock); upgrading (asking for the write lock while holding a read lock)
 * throws {@link IllegalMonitorStateException} at once, because it would wait forever for
 * itself.
 *
 * <p><b>Implementation notes.</b> 320 bytes ({@link ReadWriteLockState}; diagram in
 * {@link LockDescriptor}): the owner block is the write lock, then 32 reader slots. A slot
 * word holds a process's pid, a 16-bit start tag and its read-hold count, so one CAS changes
 * identity and count together and a slot always says exactly what a process held.
 * <ul>
 *   <li><b>Read lock</b>: if the owner word is taken by someone else, wait. Else add one hold
 *       to this process's slot (claiming a free slot if it has none) with a CAS, then read the
 *       owner word again: if a writer claimed it meanwhile, take the hold back and wait.</li>
 *   <li><b>Write lock</b>: take the owner word as a mutex does; then wait until every slot is
 *       zero; then set the ACTIVE flag.</li>
 * </ul>
 * The reader's CAS on its slot and the writer's CAS on the owner word are both full fences,
 * each followed by a volatile read of the other's word, so at least one of them sees the
 * other (Dekker): a reader and a writer are never inside together. A reader that backs off
 * takes its hold back from exactly the slot it added it to. Read holds are counted per
 * process in the slots and per thread in this JVM (one count per lock, whichever handle was
 * used), which is what detects an upgrade and an unlock by a thread without a read hold.
 *
 * <p><b>Dying at each point.</b> A reader that dies leaves its slot count; a writer waiting
 * for readers frees the slots of dead processes at each owner check, and the read holds are
 * reported (role {@code READER}) without making the lock inconsistent: readers do not write.
 * A writer that dies before ACTIVE (still waiting for readers) is taken over silently as to
 * consistency; after ACTIVE it may have been mid-update, and the lock reports itself
 * inconsistent. Readers that find a dead writer take the owner word over and free it, so
 * they never wait for a dead writer longer than the owner-check interval. A process reads
 * with at most {@value LockDescriptor#MAX_SLOT_HOLDS} holds at once; beyond that the read
 * lock throws instead of overflowing. When all 32 slots belong to live processes, a 33rd
 * process's reader waits for a slot.
 *
 * <p>See {@link SharedLock} for placement, waiting, recovery and misuse.
 */
public final class SharedReadWriteLock extends SharedLock implements ReadWriteLock {
    static final String KIND = "read/write lock";

    private final ProcessSlots readers;
    /** This JVM's state of this lock, shared by every handle on the same words. */
    private final LocalLockState local;
    /** Its per-thread read holds. */
    private final ThreadLocal<int[]> readHolds;
    private final ReadLock readLock = new ReadLock();
    private final WriteLock writeLock = new WriteLock();

    private SharedReadWriteLock(LockWords words, LockOptions options) {
        super(words, new OwnerWord(words,
                WakeWord.at(words.segment, LockDescriptor.READ_WRITE_WAKE_OFFSET, options), OwnerWord.OnTakeover.INCONSISTENT_IF_ACTIVE, LockRecovery.Role.WRITER, true), options);
        this.readers = new ProcessSlots(words, LockDescriptor.SLOTS_OFFSET, LockDescriptor.SLOT_COUNT);
        try {
            this.local = LocalLockState.of(words, w -> readers.reclaimAliasesOfSelf(aliasReclaimer(LockRecovery.Role.READER)));
            this.readHolds = local.readHolds;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Creates the named lock segment {@code name}, unlocked. */
    public static SharedReadWriteLock create(SegmentDirectory directory, String name) {
        return named(SharedStruct.create(directory, name, ReadWriteLockState.class));
    }

    /** Attaches to the named lock segment {@code name}; its layout must be a read/write lock's. */
    public static SharedReadWriteLock open(SegmentDirectory directory, String name) {
        return named(SharedStruct.open(directory, name, ReadWriteLockState.class));
    }

    /** Attaches to {@code name}, creating it first if it does not exist; safe to race. */
    public static SharedReadWriteLock openOrCreate(SegmentDirectory directory, String name) {
        return named(SharedStruct.openOrCreate(directory, name, ReadWriteLockState.class));
    }

    private static SharedReadWriteLock named(SharedStruct<ReadWriteLockState> struct) {
        return new SharedReadWriteLock(LockWords.named(KIND, struct, LockDescriptor.SLOTTED_LENGTH), LockOptions.DEFAULT);
    }

    /** A read/write lock in the {@value LockDescriptor#SLOTTED_LENGTH} bytes at {@code offset} (8-aligned) of {@code object}'s data. */
    public static SharedReadWriteLock at(SharedObject object, long offset) {
        return new SharedReadWriteLock(LockWords.at(KIND, object, offset, LockDescriptor.SLOTTED_LENGTH), LockOptions.DEFAULT);
    }

    /** The lock in field {@code field} (declared as {@link ReadWriteLockState}) of a struct segment. */
    public static SharedReadWriteLock in(SharedStruct<?> struct, String field) {
        return new SharedReadWriteLock(LockWords.in(KIND, struct, 0, field, ReadWriteLockState.class), LockOptions.DEFAULT);
    }

    /** The lock in field {@code field} (declared as {@link ReadWriteLockState}) of struct {@code index}. */
    public static SharedReadWriteLock in(SharedStructArray<?> structs, long index, String field) {
        return new SharedReadWriteLock(LockWords.in(KIND, structs, index, field, ReadWriteLockState.class), LockOptions.DEFAULT);
    }

    /**
     * The same lock, waiting and reporting as {@code newOptions} say; shares this handle's
     * mapping and its per-thread read counts (as every handle on the same lock in this JVM
     * does).
     */
    public SharedReadWriteLock withOptions(LockOptions newOptions) {
        return new SharedReadWriteLock(words, newOptions);
    }

    @Override
    public ReadLock readLock() {
        return readLock;
    }

    @Override
    public WriteLock writeLock() {
        return writeLock;
    }

    /** Read holds of the calling thread (through any handle on this lock). */
    public int getReadHoldCount() {
        return readHolds.get()[0];
    }

    /** Read holds of all processes together. */
    public long getReadLockCount() {
        try {
            return readers.total();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** The processes that hold read locks, with their read holds and whether each lives. */
    public List<LockHolder> readers() {
        try {
            return readers.holders();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Whether any thread of any process holds or is claiming the write lock. */
    public boolean isWriteLocked() {
        try {
            return owner.ownerKey() != 0;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Whether the calling thread holds the write lock. */
    public boolean isWriteLockedByCurrentThread() {
        try {
            return owner.isHeldByCurrentThread();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Write holds of the calling thread. */
    public int getWriteHoldCount() {
        try {
            return owner.holdCount();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Only the thread holding the write lock may declare the data repaired. */
    @Override
    public void markConsistent() {
        try {
            owner.checkHeldByCurrentThread("markConsistent (needs the write lock)");
            owner.setFlags(0, LockDescriptor.FLAG_INCONSISTENT);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    @Override
    String state() {
        long reads = readers.total();
        return super.state() + (reads == 0 ? "" : ", " + reads + " read hold" + (reads == 1 ? "" : "s"));
    }

    // ---- read side

    private boolean acquireRead(boolean timed, long deadline, boolean interruptible) throws InterruptedException {
        int[] mine = readHolds.get();
        if (tryEnterRead()) {
            mine[0]++;
            return true;
        }
        Wait wait = new Wait(options, timed, deadline, interruptible);
        try {
            for (;;) {
                long writer = owner.ownerKey();
                if (writer == 0 || owner.isHeldByCurrentThread()) {
                    if (tryEnterRead()) {
                        mine[0]++;
                        return true;
                    }
                    // no free slot, or a writer came in meanwhile: only the first is ours to mend, and a
                    // due check left unmade here is made for the writer on the next round
                    if (wait.isCheckDue() && reclaimForASlot()) {
                        wait.checked();
                        continue;
                    }
                } else if (!OwnerWord.isSelf(writer) && wait.isCheckDue()) {
                    wait.checked();
                    if (!Owners.isOwnerAlive(writer, words.privateToUser)) {
                        owner.clearDeadOwner(writer, options);
                        continue;
                    }
                }
                if (!wait.idle(owner.wake, () -> owner.ownerKey() == 0 && readers.hasRoom())) {
                    return false;
                }
            }
        } finally {
            wait.end();
        }
    }

    /**
     * Every slot is taken: frees those of dead processes, holding the owner word so that the
     * recovery bookkeeping has one writer. A thread that holds the write lock (downgrading)
     * already holds it, and keeps it.
     *
     * @return false if the owner word could not be had (a writer came)
     */
    private boolean reclaimForASlot() {
        if (owner.isHeldByCurrentThread()) {
            readers.reclaimDead(readerReclaimer());
            return true;
        }
        if (!owner.tryAcquire()) {
            return false;
        }
        List<Long> freed = new ArrayList<>(0);
        try {
            readers.reclaimDead(recordingReclaimer(freed));
        } finally {
            owner.releaseNow();
            freed.forEach(this::reportReader); // after the word is free again
        }
        return true;
    }

    /** One attempt: false if a writer is in or claiming, or no slot is free. */
    private boolean tryEnterRead() {
        long writer = owner.ownerKey();
        boolean downgrade = writer != 0 && owner.isHeldByCurrentThread();
        if (writer != 0 && !downgrade) {
            return false;
        }
        long slot = readers.tryAdd(1);
        if (slot == ProcessSlots.NO_SLOT) {
            return false;
        }
        if (downgrade || owner.ownerKey() == 0) {
            return true;
        }
        readers.removeAt(slot, 1); // from exactly that slot: any other could be behind a writer's scan
        owner.wake.wakeAfterAtomic(); // a writer may sleep until the readers are gone
        return false;
    }

    private void releaseRead() {
        int[] mine = readHolds.get();
        if (mine[0] == 0) {
            throw new IllegalMonitorStateException(name() + ": read unlock by thread " + Thread.currentThread().threadId()
                    + " of pid " + Owners.SELF_PID + ", which holds no read lock");
        }
        readers.remove(1, "read holds");
        mine[0]--;
        owner.wake.wakeAfterAtomic();
    }

    /**
     * Dead readers' slots are freed without marking the lock inconsistent (readers write
     * nothing), counted, and reported at once: for a thread that holds the owner word as its
     * own write lock.
     */
    private ProcessSlots.Reclaimer readerReclaimer() {
        return new ProcessSlots.Reclaimer() {
            @Override
            public void beforeFree(long slotWord) {
            }

            @Override
            public void freed(long slotWord) {
                owner.recordRecovery(Owners.pid(slotWord));
                reportReader(slotWord);
            }
        };
    }

    /** As {@link #readerReclaimer()}, reporting later: for a thread that holds the owner word only to reclaim. */
    private ProcessSlots.Reclaimer recordingReclaimer(List<Long> freed) {
        return new ProcessSlots.Reclaimer() {
            @Override
            public void beforeFree(long slotWord) {
            }

            @Override
            public void freed(long slotWord) {
                owner.recordRecovery(Owners.pid(slotWord));
                freed.add(slotWord);
            }
        };
    }

    private void reportReader(long slotWord) {
        OwnerWord.report(options, new LockRecovery(name(), Owners.pid(slotWord), LockRecovery.Role.READER,
                slotWord & Owners.COUNT_MASK, owner.isConsistent()));
    }

    // ---- write side

    private boolean acquireWrite(boolean timed, long deadline, boolean interruptible) throws InterruptedException {
        if (owner.isHeldByCurrentThread()) {
            return owner.tryAcquire();
        }
        if (readHolds.get()[0] > 0) {
            throw new IllegalMonitorStateException(name() + ": thread " + Thread.currentThread().threadId()
                    + " asks for the write lock while holding " + readHolds.get()[0]
                    + " read hold(s); upgrading would wait forever for itself: unlock the read lock first");
        }
        if (!owner.acquire(options, timed, deadline, interruptible)) {
            return false;
        }
        boolean drained = false;
        try {
            drained = drainReaders(timed, deadline, interruptible);
        } finally {
            if (drained) {
                owner.setFlags(LockDescriptor.FLAG_ACTIVE, 0);
            } else {
                owner.releaseNow();
            }
        }
        return drained;
    }

    private boolean drainReaders(boolean timed, long deadline, boolean interruptible) throws InterruptedException {
        if (readers.isEmpty()) {
            return true;
        }
        Wait wait = new Wait(options, timed, deadline, interruptible);
        try {
            for (;;) {
                if (readers.isEmpty()) {
                    return true;
                }
                if (wait.checkDue()) {
                    readers.reclaimDead(readerReclaimer());
                    continue;
                }
                if (!wait.idle(owner.wake, readers::isEmpty)) {
                    return false;
                }
            }
        } finally {
            wait.end();
        }
    }

    private void releaseWrite() {
        owner.release(LockDescriptor.FLAG_ACTIVE);
    }

    /** What the two sides share: the {@link java.util.concurrent.locks.Lock} contract over one acquire and release. */
    abstract sealed class Side implements ScopedLock permits ReadLock, WriteLock {
        abstract boolean acquire(boolean timed, long deadline, boolean interruptible) throws InterruptedException;

        abstract boolean acquireNow();

        abstract void releaseHold();

        /** Waits for this side; an interrupt does not end the wait and is set again on return. */
        @Override
        public final void lock() {
            try {
                acquire(false, 0, false);
            } catch (InterruptedException impossible) {
                throw new AssertionError(impossible);
            } catch (RuntimeException e) {
                throw words.failure(e);
            }
        }

        @Override
        public final void lockInterruptibly() throws InterruptedException {
            try {
                acquire(false, 0, true);
            } catch (RuntimeException e) {
                throw words.failure(e);
            }
        }

        /** This side if it can be had now: never waits, never checks a holder's liveness. */
        @Override
        public final boolean tryLock() {
            try {
                return acquireNow();
            } catch (RuntimeException e) {
                throw words.failure(e);
            }
        }

        @Override
        public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            try {
                return acquire(true, Wait.deadline(unit.toNanos(time)), true);
            } catch (RuntimeException e) {
                throw words.failure(e);
            }
        }

        /** @throws IllegalMonitorStateException if the calling thread does not hold this side */
        @Override
        public final void unlock() {
            try {
                releaseHold();
            } catch (RuntimeException e) {
                throw words.failure(e);
            }
        }

        /** Not supported: waking a thread of another process needs native code. */
        @Override
        public final Condition newCondition() {
            throw new UnsupportedOperationException(name() + ": conditions are not supported; waking a thread in another"
                    + " process would need native code");
        }
    }

    /** The read side: shared with other readers, excluded by a writer. */
    public final class ReadLock extends Side {
        private ReadLock() {
        }

        @Override
        boolean acquire(boolean timed, long deadline, boolean interruptible) throws InterruptedException {
            return acquireRead(timed, deadline, interruptible);
        }

        @Override
        boolean acquireNow() {
            if (tryEnterRead()) {
                readHolds.get()[0]++;
                return true;
            }
            return false;
        }

        @Override
        void releaseHold() {
            releaseRead();
        }

        @Override
        public String toString() {
            return "read lock of " + SharedReadWriteLock.this;
        }
    }

    /** The write side: exclusive, reentrant. */
    public final class WriteLock extends Side {
        private WriteLock() {
        }

        @Override
        boolean acquire(boolean timed, long deadline, boolean interruptible) throws InterruptedException {
            return acquireWrite(timed, deadline, interruptible);
        }

        @Override
        boolean acquireNow() {
            if (owner.isHeldByCurrentThread()) {
                return owner.tryAcquire();
            }
            if (readHolds.get()[0] > 0 || !owner.tryAcquire()) {
                return false;
            }
            if (readers.isEmpty()) {
                owner.setFlags(LockDescriptor.FLAG_ACTIVE, 0);
                return true;
            }
            owner.releaseNow();
            return false;
        }

        @Override
        void releaseHold() {
            releaseWrite();
        }

        @Override
        public String toString() {
            return "write lock of " + SharedReadWriteLock.this;
        }
    }
}
