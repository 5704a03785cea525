package io.shmkit.sync;

import static io.shmkit.sync.LockDescriptor.SEQUENCE_OFFSET;
import static io.shmkit.sync.LockWords.LONG;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A sequence lock: readers copy the data without writing anything and without blocking the
 * writer, then check that no write overlapped the copy, and retry if one did. A reader never
 * returns a torn copy. Readers work through read-only attachments, and there may be any
 * number of them; writers exclude each other with a robust owner word.
 *
 * <pre>{@code
 * SharedSeqLock seq = SharedSeqLock.of(quotes);           // the built-in seqlock of a segment
 * Quote q = seq.read(quotes, 7);                          // a consistent copy of quotes[7]
 * seq.write(() -> quotes.set(7, new Quote(101.5, 101.7)));
 * }</pre>
 *
 * <p><b>Implementation notes.</b> 64 bytes ({@link SeqLockState}; diagram in
 * {@link LockDescriptor}): the owner block (the writers' lock) and a sequence word, even when
 * the data is stable and odd while a write is in progress.
 * <ul>
 *   <li><b>Write</b>: take the owner word; set ACTIVE; store sequence + 1 (odd), then a release
 *       fence so that no data store is seen before it; write the data; store sequence + 1 (even)
 *       with release semantics; clear ACTIVE; free the owner word.</li>
 *   <li><b>Read</b>: load the sequence with acquire semantics; if odd, wait; copy the data; an
 *       acquire fence so no data load is seen after it; load the sequence again. Equal means
 *       no write touched the copy. An exception thrown by a copy that then fails validation
 *       is discarded with the copy, since torn data may make reading code throw.</li>
 * </ul>
 *
 * <p><b>Dying at each point.</b> A writer that dies leaves the owner word to be taken over
 * by the next writer; if it died inside ACTIVE the sequence may be odd and the data torn, so
 * the lock reports itself inconsistent and the next writer's write ends the odd sequence. A
 * reader that waits on an odd sequence checks the writer's process at each owner check and,
 * finding it dead, throws {@link OwnerDiedException} (readers cannot repair data; waiting
 * would be forever until a writer comes). From the take-over until a writer calls
 * {@link #markConsistent()}, every read throws {@link OwnerDiedException} too: the later write
 * made the sequence even again, but the torn data may lie anywhere the lock guards, not only
 * where that write went. Readers write nothing, so their death is nothing.
 *
 * <p>See {@link SharedLock} for placement, waiting, recovery and misuse.
 */
public final class SharedSeqLock extends SharedLock {
    static final String KIND = "seqlock";

    private final MemorySegment segment;

    private SharedSeqLock(LockWords words, LockOptions options) {
        super(words, new OwnerWord(words,
                WakeWord.at(words.segment, LockDescriptor.SEQLOCK_WAKE_OFFSET, options), OwnerWord.OnTakeover.INCONSISTENT_IF_ACTIVE, LockRecovery.Role.WRITER, false), options);
        this.segment = words.segment;
    }

    /**
     * The built-in seqlock of {@code object}, in its header's lock area. Works through a
     * read-only attachment for reading.
     */
    public static SharedSeqLock of(SharedObject object) {
        return new SharedSeqLock(LockWords.builtIn(KIND, object, LockDescriptor.BUILT_IN_SEQLOCK_OFFSET,
                LockDescriptor.SEQLOCK_LENGTH), LockOptions.DEFAULT);
    }

    /** Creates the named lock segment {@code name}. */
    public static SharedSeqLock create(SegmentDirectory directory, String name) {
        return named(SharedStruct.create(directory, name, SeqLockState.class));
    }

    /** Attaches to the named lock segment {@code name}; its layout must be a seqlock's. */
    public static SharedSeqLock open(SegmentDirectory directory, String name) {
        return named(SharedStruct.open(directory, name, SeqLockState.class));
    }

    /** Attaches to {@code name}, creating it first if it does not exist; safe to race. */
    public static SharedSeqLock openOrCreate(SegmentDirectory directory, String name) {
        return named(SharedStruct.openOrCreate(directory, name, SeqLockState.class));
    }

    private static SharedSeqLock named(SharedStruct<SeqLockState> struct) {
        return new SharedSeqLock(LockWords.named(KIND, struct, LockDescriptor.SEQLOCK_LENGTH), LockOptions.DEFAULT);
    }

    /** A seqlock in the {@value LockDescriptor#SEQLOCK_LENGTH} bytes at {@code offset} (8-aligned) of {@code object}'s data. */
    public static SharedSeqLock at(SharedObject object, long offset) {
        return new SharedSeqLock(LockWords.at(KIND, object, offset, LockDescriptor.SEQLOCK_LENGTH), LockOptions.DEFAULT);
    }

    /** The seqlock in field {@code field} (declared as {@link SeqLockState}) of a struct segment. */
    public static SharedSeqLock in(SharedStruct<?> struct, String field) {
        return new SharedSeqLock(LockWords.in(KIND, struct, 0, field, SeqLockState.class), LockOptions.DEFAULT);
    }

    /** The seqlock in field {@code field} (declared as {@link SeqLockState}) of struct {@code index}: a lock per element. */
    public static SharedSeqLock in(SharedStructArray<?> structs, long index, String field) {
        return new SharedSeqLock(LockWords.in(KIND, structs, index, field, SeqLockState.class), LockOptions.DEFAULT);
    }

    /** The same lock, waiting and reporting as {@code newOptions} say; shares this handle's mapping. */
    public SharedSeqLock withOptions(LockOptions newOptions) {
        return new SharedSeqLock(words, newOptions);
    }

    // ---- readers

    /**
     * Starts an optimistic read: the current sequence, odd if a write is in progress (and
     * then {@link #validate} fails whatever happens).
     */
    public long tryOptimisticRead() {
        try {
            return (long) LONG.getAcquire(segment, SEQUENCE_OFFSET);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * Whether no write began or was in progress since {@code stamp} was taken.
     *
     * @throws OwnerDiedException if a writer died mid-write and nobody has declared the data
     *         repaired since ({@link #markConsistent()}): the copy may hold what the dead
     *         writer tore, even if later writes went through cleanly
     */
    public boolean validate(long stamp) {
        VarHandle.acquireFence();
        try {
            boolean unchanged = (stamp & 1) == 0 && (long) LONG.getOpaque(segment, SEQUENCE_OFFSET) == stamp;
            if (unchanged && !owner.isConsistent()) {
                throw tornByDeadWriter();
            }
            return unchanged;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    private OwnerDiedException tornByDeadWriter() {
        long pid = owner.lastDeadPid();
        return new OwnerDiedException(name() + ": a writer (pid " + pid + ") died in the middle of a write and the data"
                + " has not been declared repaired since; what it left may be torn, whatever was written later:"
                + " a writer must repair it and call markConsistent()", pid);
    }

    /**
     * Returns what {@code reader} returns from a copy that no write overlapped, retrying as
     * often as writes interfere. {@code reader} must only read (it may run several times) and
     * must copy what it needs: values read after it returns are not protected.
     *
     * @throws OwnerDiedException if a write is in progress and the writer's process is dead,
     *         or a writer died mid-write earlier and the data has not been declared repaired
     *         since ({@link #markConsistent()})
     * @throws IllegalMonitorStateException if the calling thread holds the write lock: the
     *         sequence stays odd until it unlocks, so the read would wait for itself
     */
    public <T> T read(Supplier<T> reader) {
        Wait wait = null;
        try {
            for (;;) {
                long stamp = (long) LONG.getAcquire(segment, SEQUENCE_OFFSET);
                if ((stamp & 1) == 0) {
                    T copy;
                    try {
                        copy = reader.get();
                    } catch (RuntimeException tornOrReal) {
                        if (validate(stamp)) {
                            throw tornOrReal;
                        }
                        continue;
                    }
                    if (validate(stamp)) {
                        return copy;
                    }
                    continue;
                }
                if (wait == null) {
                    if (owner.isHeldByCurrentThread()) {
                        throw new IllegalMonitorStateException(name() + ": read by thread " + Thread.currentThread().threadId()
                                + ", which holds the write lock: the read would wait for its own write to end");
                    }
                    wait = new Wait(options, false, 0, false);
                }
                if (wait.checkDue()) {
                    checkWriterAlive();
                }
                wait.idle(owner.wake, this::isStable);
            }
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } catch (RuntimeException e) {
            throw words.failure(e);
        } finally {
            if (wait != null) {
                wait.end();
            }
        }
    }

    /** A consistent copy of {@code struct}. */
    public <T extends Record> T read(SharedStruct<T> struct) {
        return read(struct::get);
    }

    /** A consistent copy of {@code structs[index]}. */
    public <T extends Record> T read(SharedStructArray<T> structs, long index) {
        return read(() -> structs.get(index));
    }

    /**
     * Throws if the write in progress belongs to a dead process. The sequence is read on both
     * sides of the owner word: only a sequence that stayed odd and unchanged around a dead
     * owner means that owner died mid-write. (A free owner word never goes with a stable odd
     * sequence: writers make the sequence even before they free the word, and nobody frees a
     * dead writer's word but the next writer, which becomes the owner.)
     */
    private void checkWriterAlive() {
        long before = (long) LONG.getVolatile(segment, SEQUENCE_OFFSET);
        long writer = owner.ownerKey();
        if ((before & 1) == 0 || writer == 0 || OwnerWord.isSelf(writer) || Owners.isOwnerAlive(writer, words.privateToUser)
                || (long) LONG.getVolatile(segment, SEQUENCE_OFFSET) != before) {
            return;
        }
        long pid = Owners.pid(writer);
        throw new OwnerDiedException(name() + ": the writer (pid " + pid + ") died in the middle of a write; the data"
                + " stays torn until a writer takes the lock over (it is told the data is inconsistent) and rewrites it", pid);
    }

    /** The sequence: even when stable, odd while a write is in progress; it counts writes twice. */
    public long sequence() {
        return tryOptimisticRead();
    }

    // ---- writers

    /** Takes the write lock, waiting as long as it takes. Not reentrant. */
    public void writeLock() {
        try {
            owner.acquireUninterruptibly(options);
            beginWrite();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Takes the write lock if it is free now. */
    public boolean tryWriteLock() {
        try {
            if (!owner.tryAcquire()) {
                return false;
            }
            beginWrite();
            return true;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Takes the write lock, giving up with {@code false} after {@code time}. */
    public boolean tryWriteLock(long time, TimeUnit unit) throws InterruptedException {
        try {
            if (!owner.acquire(options, true, Wait.deadline(unit.toNanos(time)), true)) {
                return false;
            }
            beginWrite();
            return true;
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Whether no write is in progress: what a reader sleeping in the kernel waits for (the writer's release wakes it). */
    private boolean isStable() {
        return ((long) LONG.getVolatile(segment, SEQUENCE_OFFSET) & 1) == 0;
    }

    private void beginWrite() {
        owner.setFlags(LockDescriptor.FLAG_ACTIVE, 0);
        long sequence = (long) LONG.getOpaque(segment, SEQUENCE_OFFSET);
        if ((sequence & 1) == 0) {
            LONG.setOpaque(segment, SEQUENCE_OFFSET, sequence + 1);
        }
        // else a writer died mid-write: the sequence stays odd until this write ends
        VarHandle.releaseFence();
    }

    /**
     * Ends the write: readers see the new data from now on.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the write lock
     */
    public void unlockWrite() {
        try {
            owner.checkHeldByCurrentThread("write unlock");
            long sequence = (long) LONG.getOpaque(segment, SEQUENCE_OFFSET);
            LONG.setRelease(segment, SEQUENCE_OFFSET, sequence + 1);
            owner.setFlags(0, LockDescriptor.FLAG_ACTIVE);
            owner.releaseNow();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Runs {@code writer} holding the write lock. */
    public void write(Runnable writer) {
        writeLock();
        try {
            writer.run();
        } finally {
            unlockWrite();
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
        return super.state() + ", sequence " + sequence();
    }
}
