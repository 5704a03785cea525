package io.shmkit.sync;

import static io.shmkit.sync.LockDescriptor.MAX_SLOT_HOLDS;
import static io.shmkit.sync.LockWords.LONG;
import static io.shmkit.sync.Owners.COUNT_MASK;
import static io.shmkit.sync.Owners.SELF_SLOT;

import java.lang.foreign.MemorySegment;

/**
 * A row of slot words ({@link LockDescriptor}): how many holds each process has, for the
 * reader side of {@link SharedReadWriteLock} and the permits of {@link SharedSemaphore}. A
 * process's identity and count change together in one CAS, so whatever instant a process
 * dies at, its slot says exactly what it held, and anyone may free the slot of a dead process.
 *
 * <p>A process usually has one slot; two of its threads racing to claim may give it two.
 * Holds are per process, so a release may decrement any of its slots; but a hold that is
 * added and at once taken back (a reader that finds a writer) is taken back from exactly the
 * slot it was added to, {@link #removeAt}: taking it from another slot of the process would
 * move a live hold into a slot a writer's scan has already passed.
 */
final class ProcessSlots {
    private final LockWords words;
    private final MemorySegment segment;
    private final long base;
    private final int count;
    /** Where this process starts looking, so processes spread over the slots. */
    private final int home;

    ProcessSlots(LockWords words, long base, int count) {
        this.words = words;
        this.segment = words.segment;
        this.base = base;
        this.count = count;
        this.home = homeOf(Owners.SELF_PID, count);
    }

    /** The slot where process {@code pid} starts looking: spread by a multiplicative hash of the pid. */
    static int homeOf(long pid, int count) {
        return (int) Math.floorMod(pid * 0x9E3779B9L >>> 16, count);
    }

    /** The i-th slot looked at, starting from this process's home slot (no division: this is on the lock path). */
    private long offset(int i) {
        int slot = home + i;
        return base + 8L * (slot < count ? slot : slot - count);
    }

    /** What {@link #tryAdd} returns when every slot belongs to another process. */
    static final long NO_SLOT = -1;

    /**
     * Adds {@code n} holds for this process.
     *
     * @return the offset of the slot the holds went to, for {@link #removeAt}; or
     *         {@link #NO_SLOT} if every slot belongs to another process (the caller waits, and
     *         frees the slots of dead ones with {@link #reclaimDead})
     * @throws IllegalStateException if this process would hold more than {@value LockDescriptor#MAX_SLOT_HOLDS}
     */
    long tryAdd(int n) {
        long homeAt = offset(0);
        long homeWord = (long) LONG.getVolatile(segment, homeAt);
        if (homeWord == 0 ? LONG.compareAndSet(segment, homeAt, 0L, SELF_SLOT | n)
                : (homeWord & ~COUNT_MASK) == SELF_SLOT && (homeWord & COUNT_MASK) + n <= MAX_SLOT_HOLDS
                        && LONG.compareAndSet(segment, homeAt, homeWord, homeWord + n)) {
            return homeAt; // the usual case: this process's slot is its home slot
        }
        retry:
        for (;;) {
            for (int i = 0; i < count; i++) {
                long at = offset(i);
                long word = (long) LONG.getVolatile(segment, at);
                if (word != 0 && (word & ~COUNT_MASK) == SELF_SLOT) {
                    long holds = word & COUNT_MASK;
                    if (holds + n > MAX_SLOT_HOLDS) {
                        throw new IllegalStateException(words.description + ": pid " + Owners.SELF_PID + " would hold "
                                + (holds + n) + " in one slot, more than its 16-bit count allows (" + MAX_SLOT_HOLDS + ")");
                    }
                    if (LONG.compareAndSet(segment, at, word, word + n)) {
                        return at;
                    }
                    continue retry;
                }
            }
            for (int i = 0; i < count; i++) {
                long at = offset(i);
                if ((long) LONG.getVolatile(segment, at) == 0 && LONG.compareAndSet(segment, at, 0L, SELF_SLOT | n)) {
                    return at;
                }
            }
            return NO_SLOT;
        }
    }

    /**
     * Removes {@code n} holds of this process.
     *
     * @throws IllegalStateException if this process holds fewer
     */
    void remove(int n, String what) {
        long homeAt = offset(0);
        long homeWord = (long) LONG.getVolatile(segment, homeAt);
        if (homeWord != 0 && (homeWord & ~COUNT_MASK) == SELF_SLOT && (homeWord & COUNT_MASK) >= n
                && LONG.compareAndSet(segment, homeAt, homeWord, (homeWord & COUNT_MASK) == n ? 0L : homeWord - n)) {
            return;
        }
        int left = n;
        retry:
        while (left > 0) {
            for (int i = 0; i < count; i++) {
                long at = offset(i);
                long word = (long) LONG.getVolatile(segment, at);
                if (word != 0 && (word & ~COUNT_MASK) == SELF_SLOT) {
                    long holds = word & COUNT_MASK;
                    long take = Math.min(holds, left);
                    if (LONG.compareAndSet(segment, at, word, holds == take ? 0L : word - take)) {
                        left -= (int) take;
                    }
                    continue retry;
                }
            }
            throw new IllegalStateException(words.description + ": pid " + Owners.SELF_PID + " releases " + n + " " + what
                    + " but held only " + (n - left));
        }
    }

    /**
     * Takes back {@code n} holds that {@link #tryAdd} just added at {@code at}: from that slot
     * while it still carries this process's holds, since taking them from another slot of the
     * process could move a live reader's hold behind a writer's scan. A sibling thread's
     * release (which may take from any slot of the process) can have emptied that slot
     * meanwhile; then the holds left to take back are elsewhere, and any slot will do.
     */
    void removeAt(long at, int n) {
        for (;;) {
            long word = (long) LONG.getVolatile(segment, at);
            if (word == 0 || (word & ~COUNT_MASK) != SELF_SLOT || (word & COUNT_MASK) < n) {
                remove(n, "read holds");
                return;
            }
            if (LONG.compareAndSet(segment, at, word, (word & COUNT_MASK) == n ? 0L : word - n)) {
                return;
            }
        }
    }

    /** Holds of this process. */
    long heldBySelf() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            long word = (long) LONG.getVolatile(segment, offset(i));
            if (word != 0 && (word & ~COUNT_MASK) == SELF_SLOT) {
                sum += word & COUNT_MASK;
            }
        }
        return sum;
    }

    /** Every occupied slot, as its holder. */
    java.util.List<LockHolder> holders() {
        java.util.List<LockHolder> out = new java.util.ArrayList<>();
        for (long at = base, end = base + 8L * count; at < end; at += 8) {
            long word = (long) LONG.getVolatile(segment, at);
            if (word != 0) {
                out.add(new LockHolder(Owners.pid(word), word & COUNT_MASK,
                        (word & ~COUNT_MASK) == SELF_SLOT || Owners.isSlotAlive(word, words.privateToUser)));
            }
        }
        return out;
    }

    /** Holds of every process. */
    long total() {
        long sum = 0;
        for (long at = base, end = base + 8L * count; at < end; at += 8) {
            sum += (long) LONG.getVolatile(segment, at) & COUNT_MASK;
        }
        return sum;
    }

    /** Whether this process could add a hold now: a slot is free or already its own. */
    boolean hasRoom() {
        for (long at = base, end = base + 8L * count; at < end; at += 8) {
            long word = (long) LONG.getVolatile(segment, at);
            if (word == 0 || (word & ~COUNT_MASK) == SELF_SLOT) {
                return true;
            }
        }
        return false;
    }

    /** Whether no process holds anything. */
    boolean isEmpty() {
        for (long at = base, end = base + 8L * count; at < end; at += 8) {
            if ((long) LONG.getVolatile(segment, at) != 0) {
                return false;
            }
        }
        return true;
    }

    /** What {@link #reclaimDead} tells its caller about each slot of a dead process. */
    interface Reclaimer {
        /**
         * Before the slot is freed: record whatever must survive this process dying right
         * after the slot is freed (a flag, a count). If the free then loses a race, what was
         * recorded errs on the safe side.
         */
        void beforeFree(long slotWord);

        /** After this process freed the slot. */
        void freed(long slotWord);
    }

    /**
     * Frees the slots of dead processes. Reads {@code /proc} once per occupied slot of another
     * process: call it only when a liveness check is due.
     */
    void reclaimDead(Reclaimer reclaimer) {
        for (int i = 0; i < count; i++) {
            long at = offset(i);
            long word = (long) LONG.getVolatile(segment, at);
            if (word != 0 && (word & ~COUNT_MASK) != SELF_SLOT && !Owners.isSlotAlive(word, words.privateToUser)) {
                reclaimer.beforeFree(word);
                if (LONG.compareAndSet(segment, at, word, 0L)) {
                    reclaimer.freed(word);
                }
            }
        }
    }

    /**
     * Frees slots that carry this process's identity although this process holds nothing: a
     * dead process that had our pid and the same 16 low bits of start time left them. Called
     * once, when this JVM first attaches to the lock and so certainly holds nothing on it;
     * without it such a slot would read as ours forever, and a writer of ours would wait for
     * it, that is for itself.
     */
    void reclaimAliasesOfSelf(Reclaimer reclaimer) {
        for (int i = 0; i < count; i++) {
            long at = offset(i);
            long word = (long) LONG.getVolatile(segment, at);
            if (word != 0 && (word & ~COUNT_MASK) == SELF_SLOT) {
                reclaimer.beforeFree(word);
                if (LONG.compareAndSet(segment, at, word, 0L)) {
                    reclaimer.freed(word);
                }
            }
        }
    }
}
