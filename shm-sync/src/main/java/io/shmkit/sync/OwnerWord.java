package io.shmkit.sync;

import static io.shmkit.sync.LockDescriptor.DEAD_PID_OFFSET;
import static io.shmkit.sync.LockDescriptor.FLAGS_OFFSET;
import static io.shmkit.sync.LockDescriptor.FLAG_ACTIVE;
import static io.shmkit.sync.LockDescriptor.FLAG_INCONSISTENT;
import static io.shmkit.sync.LockDescriptor.HOLDS_OFFSET;
import static io.shmkit.sync.LockDescriptor.OWNER_OFFSET;
import static io.shmkit.sync.LockDescriptor.RECOVERIES_OFFSET;
import static io.shmkit.sync.LockDescriptor.THREAD_OFFSET;
import static io.shmkit.sync.LockWords.INT;
import static io.shmkit.sync.LockWords.LONG;

import java.lang.foreign.MemorySegment;

/**
 * The exclusive, robust core every lock is built on: the owner block of
 * {@link LockDescriptor}. One CAS takes the owner word from 0 (or from a dead owner's key) to
 * this process's key; everything after the owner word is written only by the holder.
 *
 * <p>A waiter that finds the owner word held checks, at most once per owner-check interval,
 * whether the process it names lives. If it does not, the waiter CASes the dead key to its
 * own key with the {@link Owners#TAKING} bit set: exactly one waiter wins, because the dead
 * process can no longer change the word. The winner records the take-over (flags, recovery
 * count, dead pid, its thread and hold count) and only then publishes its plain key with a
 * release store. Until then the dead holder's thread id is still in the thread word, and a
 * thread of the winner's process whose id happens to equal it must not take the word for its
 * own: it sees the TAKING bit, and waits. A winner that dies while TAKING leaves a key whose
 * process is dead, which the next waiter takes over in turn, with the same evidence.
 */
final class OwnerWord {
    /** What a take-over means for the protected data. */
    enum OnTakeover {
        /** Any holder may have been mid-update: mutex, reentrant lock. */
        INCONSISTENT,
        /** Only a holder past {@link LockDescriptor#FLAG_ACTIVE} may have been: RW lock, seqlock writers. */
        INCONSISTENT_IF_ACTIVE,
        /** The word guards only bookkeeping that single CASes keep consistent: silent. */
        SILENT
    }

    private final LockWords words;
    /** Where waiters for this lock sleep with kernel waits on; off otherwise. */
    final WakeWord wake;
    /** {@code wake.isOn()}, here so that a release with kernel waits off reads nothing of the wake word's object. */
    private final boolean wakeOn;
    private final MemorySegment segment;
    private final OnTakeover onTakeover;
    private final LockRecovery.Role role;
    private final boolean reentrant;

    OwnerWord(LockWords words, WakeWord wake, OnTakeover onTakeover, LockRecovery.Role role, boolean reentrant) {
        this.words = words;
        this.wake = wake;
        this.wakeOn = wake.isOn();
        this.segment = words.segment;
        this.onTakeover = onTakeover;
        this.role = role;
        this.reentrant = reentrant;
    }

    /**
     * Acquires, waiting as {@code options} say.
     *
     * @return false if {@code timed} and the deadline passed first
     */
    boolean acquire(LockOptions options, boolean timed, long deadline, boolean interruptible) throws InterruptedException {
        if (LONG.compareAndSet(segment, OWNER_OFFSET, 0L, Owners.SELF_KEY)) {
            enter(Owners.holderWord());
            return true;
        }
        return acquireSlow(options, timed, deadline, interruptible);
    }

    /** Acquires, waiting as long as it takes; an interrupt is set again on return. */
    void acquireUninterruptibly(LockOptions options) {
        try {
            acquire(options, false, 0, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError("an uninterruptible wait threw", impossible);
        }
    }

    /**
     * {@link #tryAcquire()} for up to {@code spins} attempts: for a word that is held only for
     * a moment (the semaphore's), without ever waiting for, or checking, its holder.
     */
    boolean tryAcquireSpinning(int spins) {
        for (int i = 0; i < spins; i++) {
            if (tryAcquire()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** Acquires only if free (or re-entered) now; never checks liveness. */
    boolean tryAcquire() {
        long tid = Owners.holderWord();
        long current = (long) LONG.getVolatile(segment, OWNER_OFFSET);
        if (current == 0 && LONG.compareAndSet(segment, OWNER_OFFSET, 0L, Owners.SELF_KEY)) {
            enter(tid);
            return true;
        }
        return current == Owners.SELF_KEY && reenter(tid);
    }

    private boolean acquireSlow(LockOptions options, boolean timed, long deadline, boolean interruptible) throws InterruptedException {
        long tid = Owners.holderWord();
        Wait wait = new Wait(options, timed, deadline, interruptible);
        try {
            for (;;) {
                long current = (long) LONG.getVolatile(segment, OWNER_OFFSET);
                if (current == 0) {
                    if (LONG.compareAndSet(segment, OWNER_OFFSET, 0L, Owners.SELF_KEY)) {
                        enter(tid);
                        return true;
                    }
                    continue;
                }
                if (current == Owners.SELF_KEY) {
                    if (reenter(tid)) {
                        return true;
                    }
                } else if (wait.checkDue() && !Owners.isOwnerAlive(current, words.privateToUser)) {
                    if (LONG.compareAndSet(segment, OWNER_OFFSET, current, Owners.SELF_KEY | Owners.TAKING)) {
                        LockRecovery recovery = takeOver(current, tid);
                        if (recovery != null) {
                            report(options, recovery); // holding the lock: it is ours now
                        }
                        return true;
                    }
                    continue;
                }
                if (!wait.idle(wake, this::isFree)) {
                    return false;
                }
            }
        } finally {
            wait.end();
        }
    }

    private boolean isFree() {
        return (long) LONG.getVolatile(segment, OWNER_OFFSET) == 0;
    }

    /**
     * For a word this process holds: re-enter if the calling thread holds it, else false
     * (another thread of ours does). The thread word names the process as well as the thread:
     * between reading the owner word and the thread word, the lock may have passed to another
     * process whose holding thread has the same Java thread id (every JVM numbers its threads
     * alike).
     */
    private boolean reenter(long tid) {
        if ((long) LONG.getOpaque(segment, THREAD_OFFSET) != tid) {
            return false;
        }
        if (!reentrant) {
            throw new IllegalMonitorStateException(words.description + " is already held by this thread and is not reentrant"
                    + " (a second lock would deadlock)");
        }
        int holds = (int) INT.get(segment, HOLDS_OFFSET);
        if (holds == Integer.MAX_VALUE) {
            throw new IllegalStateException(words.description + ": hold count would exceed " + Integer.MAX_VALUE);
        }
        INT.setOpaque(segment, HOLDS_OFFSET, holds + 1);
        return true;
    }

    private void enter(long tid) {
        LONG.setOpaque(segment, THREAD_OFFSET, tid);
        INT.setOpaque(segment, HOLDS_OFFSET, 1);
    }

    /**
     * The take-over after winning the CAS from {@code deadKey} to our key with TAKING: records
     * what the dead holder left, then publishes our plain key.
     */
    private LockRecovery takeOver(long deadKey, long tid) {
        int deadHolds = Math.max(1, (int) INT.getVolatile(segment, HOLDS_OFFSET));
        // One atomic step: clearing ACTIVE and setting INCONSISTENT apart would let a taker that
        // dies between them leave neither, and the next taker would think the dead writer was idle.
        int flags;
        int updated;
        do {
            flags = (int) INT.getVolatile(segment, FLAGS_OFFSET);
            boolean inconsistent = onTakeover == OnTakeover.INCONSISTENT
                    || (onTakeover == OnTakeover.INCONSISTENT_IF_ACTIVE && (flags & FLAG_ACTIVE) != 0);
            updated = (flags & ~FLAG_ACTIVE) | (inconsistent ? FLAG_INCONSISTENT : 0);
        } while (updated != flags && !INT.compareAndSet(segment, FLAGS_OFFSET, flags, updated));
        if (onTakeover != OnTakeover.SILENT) {
            recordRecovery(Owners.pid(deadKey));
        }
        enter(tid);
        LONG.setRelease(segment, OWNER_OFFSET, Owners.SELF_KEY);
        return onTakeover == OnTakeover.SILENT ? null
                : new LockRecovery(words.description, Owners.pid(deadKey), role, deadHolds, isConsistent());
    }

    /** Counts a recovery and remembers the dead pid; the caller holds the word. */
    void recordRecovery(long deadPid) {
        INT.setVolatile(segment, RECOVERIES_OFFSET, (int) INT.getVolatile(segment, RECOVERIES_OFFSET) + 1);
        INT.setVolatile(segment, DEAD_PID_OFFSET, (int) deadPid);
    }

    /**
     * Tells the listener; what it throws is logged and dropped (an Error too, unless the JVM
     * itself is failing), so that a lock call never leaves a word held by a thread that does not
     * know it holds it.
     */
    static void report(LockOptions options, LockRecovery recovery) {
        try {
            options.recoveryListener().accept(recovery);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.ERROR, "recovery listener failed on: " + recovery, t);
        }
    }

    /**
     * For a reader that found {@code deadKey} in the owner word and its process dead: takes
     * the word over, records it as a take-over, and frees it again.
     */
    void clearDeadOwner(long deadKey, LockOptions options) {
        if (LONG.compareAndSet(segment, OWNER_OFFSET, deadKey, Owners.SELF_KEY | Owners.TAKING)) {
            LockRecovery recovery;
            try {
                recovery = takeOver(deadKey, Owners.holderWord());
            } finally {
                releaseNow();
            }
            if (recovery != null) {
                report(options, recovery);
            }
        }
    }

    /**
     * Releases one hold; at the last one first clears {@code flagsOnLast} (a writer's ACTIVE).
     * Throws if the calling thread is not the holder.
     */
    void release(int flagsOnLast) {
        // One local for every access: each FFM access checks its segment's bounds and scope,
        // and the JIT can reuse those loads only for one segment value; the smaller code also
        // keeps unlock() under the JIT's inlining limit (see WakeWord.wakeAfterStore).
        MemorySegment s = segment;
        if ((long) LONG.getVolatile(s, OWNER_OFFSET) != Owners.SELF_KEY
                || (long) LONG.getOpaque(s, THREAD_OFFSET) != Owners.holderWord()) {
            checkHeldByCurrentThread("unlock");
        }
        int holds = (int) INT.get(s, HOLDS_OFFSET);
        if (holds > 1) {
            INT.setOpaque(s, HOLDS_OFFSET, holds - 1);
            return;
        }
        if (flagsOnLast != 0) {
            setFlags(0, flagsOnLast);
        }
        releaseNow(s);
    }

    /** Frees the word whatever the hold count; the caller holds it. */
    void releaseNow() {
        releaseNow(segment);
    }

    private void releaseNow(MemorySegment s) {
        INT.setOpaque(s, HOLDS_OFFSET, 0);
        LONG.setOpaque(s, THREAD_OFFSET, 0L);
        LONG.setRelease(s, OWNER_OFFSET, 0L);
        if (wakeOn) {
            wake.wakeAfterStore(s);
        }
    }

    boolean isHeldByCurrentThread() {
        return (long) LONG.getVolatile(segment, OWNER_OFFSET) == Owners.SELF_KEY
                && (long) LONG.getOpaque(segment, THREAD_OFFSET) == Owners.holderWord();
    }

    void checkHeldByCurrentThread(String operation) {
        if (!isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException(words.description + ": " + operation + " by thread "
                    + Thread.currentThread().threadId() + " of pid " + Owners.SELF_PID + ", but " + holderDescription());
        }
    }

    /** E.g. "it is free", "it is held by pid 42", "it is held by thread 7 of this process". */
    String holderDescription() {
        long owner = (long) LONG.getVolatile(segment, OWNER_OFFSET);
        if (owner == 0) {
            return "it is not locked";
        }
        if (owner == Owners.SELF_KEY) {
            return "it is held by thread " + ((long) LONG.getOpaque(segment, THREAD_OFFSET) & 0xFFFF_FFFFL) + " of this process";
        }
        if (owner == (Owners.SELF_KEY | Owners.TAKING)) {
            return "it is being taken over by another thread of this process";
        }
        return "it is held by " + Owners.describe(owner);
    }

    int holdCount() {
        return isHeldByCurrentThread() ? (int) INT.getOpaque(segment, HOLDS_OFFSET) : 0;
    }

    long ownerKey() {
        return (long) LONG.getVolatile(segment, OWNER_OFFSET);
    }

    /** Whether {@code key} is this process's, taking over or not: alive, so never to be checked. */
    static boolean isSelf(long key) {
        return (key & ~Owners.TAKING) == Owners.SELF_KEY;
    }

    boolean isConsistent() {
        return ((int) INT.getVolatile(segment, FLAGS_OFFSET) & FLAG_INCONSISTENT) == 0;
    }

    /** Sets or clears flag bits; the caller holds the word, and nobody else changes the flags of this kind of lock. */
    void setFlags(int set, int clear) {
        int flags = (int) INT.getVolatile(segment, FLAGS_OFFSET);
        INT.setRelease(segment, FLAGS_OFFSET, (flags & ~clear) | set);
    }

    /**
     * Sets flag bits atomically, for a lock whose flags are also changed by processes that do
     * not hold the word (the semaphore's {@code markConsistent}).
     */
    void setFlagsAtomically(int set) {
        int before = (int) INT.getAndBitwiseOr(segment, FLAGS_OFFSET, set);
    }

    /** Clears flag bits atomically; see {@link #setFlagsAtomically}. */
    void clearFlagsAtomically(int clear) {
        int before = (int) INT.getAndBitwiseAnd(segment, FLAGS_OFFSET, ~clear);
    }

    int recoveries() {
        return (int) INT.getVolatile(segment, RECOVERIES_OFFSET);
    }

    long lastDeadPid() {
        return Integer.toUnsignedLong((int) INT.getVolatile(segment, DEAD_PID_OFFSET));
    }
}
