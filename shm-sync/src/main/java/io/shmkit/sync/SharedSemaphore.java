package io.shmkit.sync;

import static io.shmkit.sync.LockWords.INT;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentExistsException;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A counting semaphore in shared memory whose permits belong to the processes that took
 * them, so that the permits of a process that dies come back. That ownership is the one
 * difference from {@link java.util.concurrent.Semaphore} and Python's {@code Semaphore}: a
 * process releases only permits it holds (any of its threads may), and the number of permits
 * is fixed at creation (at least 1).
 *
 * <p><b>Implementation notes.</b> 320 bytes ({@link SemaphoreState}; diagram in
 * {@link LockDescriptor}): an owner block, the permit count, and 32 holder slots, each a
 * process's pid, 16-bit start tag and number of permits held. Permits in use are the sum of
 * the slots. Taking {@code n} permits holds the owner word (briefly, as a mutex) while it sums
 * the slots and adds {@code n} to this process's slot with one CAS, so two processes cannot
 * both take the last permit. Releasing is a CAS on the process's own slot alone. A process
 * that dies inside the owner word leaves the slots as they were (each change is one CAS), so
 * that take-over is silent. The slots of a dead process are freed by a process that wants
 * permits and finds too few, at its owner checks: the freed permits are reported (role
 * {@code PERMITS}) and the semaphore reports itself inconsistent, since the dead holder may
 * have been mid-way through what the permit protected. One process holds at most
 * {@value LockDescriptor#MAX_SLOT_HOLDS} permits; at most 32 processes hold permits at once.
 *
 * <p>See {@link SharedLock} for placement, waiting, recovery and misuse.
 */
public final class SharedSemaphore extends SharedLock {
    static final String KIND = "semaphore";

    /** How often {@link #tryAcquire(int)} retries the internal word while another taker briefly holds it. */
    private static final int TRY_SPINS = 256;

    private final ProcessSlots holders;
    private final int permits;
    /** This JVM's state of the semaphore: its monitor makes this process's check-then-release atomic. */
    private final LocalLockState local;

    private SharedSemaphore(LockWords words, LockOptions options) {
        super(words, new OwnerWord(words,
                WakeWord.at(words.segment, LockDescriptor.SEMAPHORE_WAKE_OFFSET, options), OwnerWord.OnTakeover.SILENT, LockRecovery.Role.PERMITS, false), options);
        this.holders = new ProcessSlots(words, LockDescriptor.SLOTS_OFFSET, LockDescriptor.SLOT_COUNT);
        this.permits = (int) INT.getVolatile(words.segment, LockDescriptor.PERMITS_OFFSET);
        if (permits < 1) {
            throw new IllegalStateException(name() + " has " + permits + " permits; its words are not a semaphore's");
        }
        this.local = LocalLockState.of(words, w -> holders.reclaimAliasesOfSelf(aliasReclaimer(LockRecovery.Role.PERMITS)));
    }

    /** Creates the named semaphore {@code name} with {@code permits} permits, all free. */
    public static SharedSemaphore create(SegmentDirectory directory, String name, int permits) {
        return named(SharedStruct.create(directory, name, SemaphoreState.class, initial(name, permits)));
    }

    /** Attaches to the named semaphore {@code name}. */
    public static SharedSemaphore open(SegmentDirectory directory, String name) {
        return named(SharedStruct.open(directory, name, SemaphoreState.class));
    }

    /**
     * Attaches to {@code name}, creating it with {@code permits} permits if it does not exist;
     * safe to race.
     *
     * @throws IllegalArgumentException if it exists with another number of permits
     */
    public static SharedSemaphore openOrCreate(SegmentDirectory directory, String name, int permits) {
        SemaphoreState initial = initial(name, permits);
        for (;;) {
            SharedSemaphore semaphore;
            try {
                semaphore = named(SharedStruct.create(directory, name, SemaphoreState.class, initial));
            } catch (SegmentExistsException exists) {
                try {
                    semaphore = open(directory, name);
                } catch (SegmentNotFoundException unlinkedMeanwhile) {
                    continue;
                }
            }
            return checkPermits(semaphore, permits);
        }
    }

    private static SemaphoreState initial(String name, int permits) {
        if (permits < 1 || permits > LockDescriptor.MAX_SLOT_HOLDS * LockDescriptor.SLOT_COUNT) {
            throw new IllegalArgumentException("semaphore '" + name + "': permits must be 1 to "
                    + LockDescriptor.MAX_SLOT_HOLDS * LockDescriptor.SLOT_COUNT + ", not " + permits);
        }
        return new SemaphoreState(0, 0, 0, 0, 0, 0, permits, 0, new long[3], new long[LockDescriptor.SLOT_COUNT]);
    }

    private static SharedSemaphore named(SharedStruct<SemaphoreState> struct) {
        try {
            return new SharedSemaphore(LockWords.named(KIND, struct, LockDescriptor.SLOTTED_LENGTH), LockOptions.DEFAULT);
        } catch (RuntimeException e) {
            struct.close();
            throw e;
        }
    }

    /**
     * A semaphore in the {@value LockDescriptor#SLOTTED_LENGTH} bytes at {@code offset}
     * (8-aligned) of {@code object}'s data. The first process to attach sets the permit
     * count in the (zero) words; every other must ask for the same count.
     */
    public static SharedSemaphore at(SharedObject object, long offset, int permits) {
        return placed(LockWords.at(KIND, object, offset, LockDescriptor.SLOTTED_LENGTH), permits);
    }

    /** The semaphore in field {@code field} (declared as {@link SemaphoreState}) of a struct segment; see {@link #at}. */
    public static SharedSemaphore in(SharedStruct<?> struct, String field, int permits) {
        return placed(LockWords.in(KIND, struct, 0, field, SemaphoreState.class), permits);
    }

    /** The semaphore in field {@code field} (declared as {@link SemaphoreState}) of struct {@code index}; see {@link #at}. */
    public static SharedSemaphore in(SharedStructArray<?> structs, long index, String field, int permits) {
        return placed(LockWords.in(KIND, structs, index, field, SemaphoreState.class), permits);
    }

    private static SharedSemaphore placed(LockWords words, int permits) {
        initial(words.description, permits);
        try {
            // the first to attach sets the count; the others find it set, and it is checked below.
            // A read-only attachment (a monitor) writes nothing: it reads what is there.
            if (!words.container.isReadOnly()) {
                boolean first = INT.compareAndSet(words.segment, LockDescriptor.PERMITS_OFFSET, 0, permits);
                assert first || (int) INT.getVolatile(words.segment, LockDescriptor.PERMITS_OFFSET) != 0;
            }
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
        return checkPermits(new SharedSemaphore(words, LockOptions.DEFAULT), permits);
    }

    private static SharedSemaphore checkPermits(SharedSemaphore semaphore, int permits) {
        if (semaphore.permits != permits) {
            semaphore.close();
            throw new IllegalArgumentException(semaphore.name() + " has " + semaphore.permits + " permits, not the "
                    + permits + " asked for");
        }
        return semaphore;
    }

    /** The same semaphore, waiting and reporting as {@code newOptions} say; shares this handle's mapping. */
    public SharedSemaphore withOptions(LockOptions newOptions) {
        return new SharedSemaphore(words, newOptions);
    }

    /** The fixed number of permits. */
    public int permits() {
        return permits;
    }

    /** Permits no process holds, now. */
    public int availablePermits() {
        try {
            return (int) (permits - holders.total());
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Permits this process holds. */
    public int heldPermits() {
        try {
            return (int) holders.heldBySelf();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** The processes that hold permits, with how many each and whether it lives. */
    public java.util.List<LockHolder> holders() {
        try {
            return holders.holders();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * Frees the permits of processes that are certainly dead, now, rather than when a taker
     * next finds too few: marks the semaphore inconsistent and reports each, as a taker would.
     * Waits at most {@code timeout} for the internal word.
     *
     * @return the permits freed, or -1 if the internal word could not be had in time
     */
    public int reclaimDeadHolders(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            if (!owner.acquire(options, true, Wait.deadline(unit.toNanos(timeout)), true)) {
                return -1;
            }
            List<LockRecovery> freed = new ArrayList<>(0);
            try {
                holders.reclaimDead(permitReclaimer(freed));
            } finally {
                owner.releaseNow();
                freed.forEach(r -> OwnerWord.report(options, r));
            }
            return (int) freed.stream().mapToLong(LockRecovery::holds).sum();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Takes one permit, waiting as long as it takes. */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /** Takes {@code n} permits at once, waiting as long as it takes. */
    public void acquire(int n) throws InterruptedException {
        take(n, false, 0);
    }

    /** Takes one permit if one is free now. */
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Takes {@code n} permits if that many are free now. Never waits for another process: if
     * one is in the middle of taking permits (holding the semaphore's internal word) for
     * longer than a short spin, the answer is {@code false}, whatever that process is doing
     * (stopped, debugged, or dead: this form never checks liveness and never takes over).
     */
    public boolean tryAcquire(int n) {
        checkCount(n);
        try {
            if (permits - holders.total() < n || !owner.tryAcquireSpinning(TRY_SPINS)) {
                return false;
            }
            try {
                return permits - holders.total() >= n && holders.tryAdd(n) != ProcessSlots.NO_SLOT;
            } finally {
                owner.releaseNow();
            }
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Takes one permit, giving up with {@code false} after {@code time}. */
    public boolean tryAcquire(long time, TimeUnit unit) throws InterruptedException {
        return tryAcquire(1, time, unit);
    }

    /** Takes {@code n} permits at once, giving up with {@code false} after {@code time}. */
    public boolean tryAcquire(int n, long time, TimeUnit unit) throws InterruptedException {
        return take(n, true, Wait.deadline(unit.toNanos(time)));
    }

    /** Gives back one permit this process holds. */
    public void release() {
        release(1);
    }

    /**
     * Gives back {@code n} permits this process holds.
     *
     * @throws IllegalStateException if this process holds fewer
     */
    public void release(int n) {
        checkCount(n);
        try {
            // Only this process changes its slots while it lives, so holding this JVM's monitor makes
            // the check and the release one step: two threads over-releasing cannot both pass the check.
            synchronized (local) {
                long held = holders.heldBySelf();
                if (held < n) {
                    throw new IllegalStateException(name() + ": pid " + Owners.SELF_PID + " releases " + n
                            + " permit(s) but holds " + held + "; only permits a process holds can be released");
                }
                holders.remove(n, "permits");
            }
            owner.wake.wakeAfterAtomic();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * A process that holds a permit declares the protected data repaired. Never waits: the
     * flag is cleared with one atomic operation, without the internal word.
     */
    @Override
    public void markConsistent() {
        try {
            if (holders.heldBySelf() == 0) {
                throw new IllegalMonitorStateException(name() + ": markConsistent by pid " + Owners.SELF_PID
                        + ", which holds no permit");
            }
            owner.clearFlagsAtomically(LockDescriptor.FLAG_INCONSISTENT);
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    @Override
    String state() {
        return availablePermits() + " of " + permits + " permits free";
    }

    private void checkCount(int n) {
        if (n < 1 || n > permits) {
            throw new IllegalArgumentException(name() + ": cannot take or give " + n + " permits of " + permits);
        }
    }

    /**
     * Waits for {@code n} free permits, honouring the deadline and interrupts, including while
     * it waits for the internal word that another taker holds (and takes that word over if its
     * holder died).
     */
    private boolean take(int n, boolean timed, long deadline) throws InterruptedException {
        checkCount(n);
        try {
            Wait wait = null;
            try {
                for (;;) {
                    boolean reclaim = wait != null && wait.checkDue();
                    if (reclaim || permits - holders.total() >= n) {
                        if (!owner.acquire(options, timed, deadline, true)) {
                            return false;
                        }
                        List<LockRecovery> freed = new ArrayList<>(0);
                        try {
                            if (reclaim) {
                                holders.reclaimDead(permitReclaimer(freed));
                            }
                            if (permits - holders.total() >= n && holders.tryAdd(n) != ProcessSlots.NO_SLOT) {
                                return true;
                            }
                        } finally {
                            owner.releaseNow();
                            freed.forEach(r -> OwnerWord.report(options, r)); // after the word is free again
                        }
                    }
                    if (wait == null) {
                        wait = new Wait(options, timed, deadline, true);
                    }
                    if (!wait.idle(owner.wake, () -> permits - holders.total() >= n)) {
                        return false;
                    }
                }
            } finally {
                if (wait != null) {
                    wait.end();
                }
            }
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * A dead holder's permits: the lock is marked inconsistent and the recovery counted before
     * the slot is freed, so a reclaimer that dies in between leaves the flag set (a flag set
     * for a free that then loses its race errs on the safe side). Called holding the internal
     * word.
     */
    ProcessSlots.Reclaimer permitReclaimer(List<LockRecovery> freed) {
        return new ProcessSlots.Reclaimer() {
            @Override
            public void beforeFree(long slotWord) {
                owner.setFlagsAtomically(LockDescriptor.FLAG_INCONSISTENT);
                owner.recordRecovery(Owners.pid(slotWord));
            }

            @Override
            public void freed(long slotWord) {
                freed.add(new LockRecovery(name(), Owners.pid(slotWord), LockRecovery.Role.PERMITS,
                        slotWord & Owners.COUNT_MASK, false));
            }
        };
    }
}
