package io.shmkit.sync;

/**
 * What every shm-sync lock shares: lock words in shared memory, robust to the death of the
 * processes that use them.
 *
 * <p><b>Where the words live.</b> In a named lock segment ({@code create}, {@code open},
 * {@code openOrCreate}: the lock owns the mapping and {@link #close()} unmaps it); in the
 * header lock area of any shmkit object ({@code of(object)}: built-in locks); at an 8-aligned
 * offset of a segment's data ({@code at}); or in a struct field declared with the lock's
 * state record ({@code in}). The last three borrow the object's mapping: close the object,
 * not the lock.
 *
 * <p><b>Thread and process safety.</b> A lock object is safe to share between threads; each
 * process attaches its own. Ownership is by process and thread: only the holder unlocks.
 *
 * <p><b>When a holder dies.</b> A waiter checks, once per
 * {@link LockOptions#ownerCheckInterval()}, that the holder's process lives; if it does not,
 * the waiter takes the lock over, tells the {@link LockOptions#recoveryListener()}, and the
 * lock reports {@link #isConsistent()} false, like a POSIX robust mutex's
 * {@code EOWNERDEAD}, until a holder repairs the data and calls {@link #markConsistent()}.
 * The flag is sticky: every holder sees it until then. The death of a thread whose process
 * lives is not detected, as with {@code java.util.concurrent} locks.
 *
 * <p><b>Misuse.</b> Unlocking a lock one does not hold throws
 * {@link IllegalMonitorStateException} naming the lock and its holder; any use after the
 * segment is closed throws {@link IllegalStateException} naming it; locking through a
 * read-only attachment throws {@link UnsupportedOperationException}.
 */
public abstract sealed class SharedLock implements AutoCloseable, io.shmkit.core.Attachable
        permits ExclusiveLock, SharedReadWriteLock, SharedSemaphore, SharedSeqLock {
    final LockWords words;
    final OwnerWord owner;
    final LockOptions options;

    SharedLock(LockWords words, OwnerWord owner, LockOptions options) {
        this.words = words;
        this.owner = owner;
        this.options = java.util.Objects.requireNonNull(options, "options");
    }

    /** The lock and where it lives, e.g. {@code mutex 'orders'} or {@code built-in lock of segment 'counter'}. */
    public final String name() {
        return words.description;
    }

    /**
     * The lock's own segment, for a lock made with {@code create}/{@code open}: a child JVM
     * attaches it by name ({@link io.shmkit.process.JvmProcess#target}).
     *
     * @throws IllegalStateException for a lock that lives inside another object's segment (a
     *         built-in lock, a lock field): pass that object, and make the lock from it in the child
     */
    @Override
    public final Ref attachment() {
        if (!words.ownsContainer) {
            throw new IllegalStateException(name() + " lives inside segment '" + words.container.name() + "', which is"
                    + " not a lock segment: pass that segment, and make the lock from it in the child");
        }
        return new Ref(words.container.directory(), words.container.name(), null);
    }

    /** How this handle waits and reports. */
    public final LockOptions options() {
        return options;
    }

    /**
     * Whether waits through this handle sleep in the kernel, and its releases wake such
     * sleepers: its options ask for {@link LockOptions#kernelWaits() kernel waits}, this process
     * can make them ({@link Futex#isAvailable()}) and the attachment is writable. False means
     * this handle polls as by default, whatever its options say.
     */
    public final boolean sleepsInKernel() {
        return owner.wake.isOn();
    }

    /**
     * False from the moment a process died holding this lock while the protected data may
     * have been mid-update, until a holder calls {@link #markConsistent()}.
     */
    public final boolean isConsistent() {
        try {
            return owner.isConsistent();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * Declares the protected data repaired after a holder's death. Only a holder may call
     * it: the thread holding an exclusive or write lock, a process holding a permit.
     *
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public abstract void markConsistent();

    /** How many times a dead process's hold on this lock was taken back, by any process. */
    public final int recoveries() {
        try {
            return owner.recoveries();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** The pid of the latest process that died holding this lock, or 0 if none has. */
    public final long lastDeadPid() {
        try {
            return owner.lastDeadPid();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /**
     * Who holds the lock's owner word, if anyone: the exclusive lock, the write lock, the
     * writers' lock of a seqlock, the semaphore's internal word. Reads {@code /proc} for the
     * holder's liveness.
     */
    public final java.util.Optional<LockHolder> owner() {
        try {
            long key = owner.ownerKey();
            if (key == 0) {
                return java.util.Optional.empty();
            }
            int holds = (int) LockWords.INT.getVolatile(words.segment, LockDescriptor.HOLDS_OFFSET);
            return java.util.Optional.of(new LockHolder(Owners.pid(key), Math.max(1, holds),
                    OwnerWord.isSelf(key) || Owners.isOwnerAlive(key, words.privateToUser)));
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }

    /** Whether the segment that holds the words is closed. */
    public final boolean isClosed() {
        return words.container.isClosed();
    }

    /**
     * Unmaps a named lock segment; for a lock in another object's segment it does nothing
     * (close that object). Closing does not release a hold: a held lock stays held until
     * this process exits, and is then recovered as from a dead holder.
     */
    @Override
    public final void close() {
        words.close();
    }

    /** E.g. {@code SharedMutex[mutex 'orders': held by pid 4242]}. */
    @Override
    public final String toString() {
        String head = getClass().getSimpleName() + "[" + name() + ": ";
        if (isClosed()) {
            return head + "closed]";
        }
        try {
            return head + state() + (owner.isConsistent() ? "" : ", inconsistent") + "]";
        } catch (IllegalStateException closedMeanwhile) {
            return head + "closed]";
        }
    }

    /**
     * For slots that carry this process's identity when this JVM first attaches (a dead
     * predecessor with our pid and start-tag bits left them): reported, and for a semaphore
     * marked inconsistent before they are freed. The recovery count is not changed, since this
     * process does not hold the owner word.
     */
    ProcessSlots.Reclaimer aliasReclaimer(LockRecovery.Role role) {
        return new ProcessSlots.Reclaimer() {
            @Override
            public void beforeFree(long slotWord) {
                if (role == LockRecovery.Role.PERMITS) {
                    owner.setFlagsAtomically(LockDescriptor.FLAG_INCONSISTENT);
                }
            }

            @Override
            public void freed(long slotWord) {
                OwnerWord.report(options, new LockRecovery(name(), Owners.pid(slotWord), role, slotWord & Owners.COUNT_MASK,
                        owner.isConsistent()));
            }
        };
    }

    String state() {
        String holder = owner.holderDescription();
        return holder.startsWith("it is not") ? "free" : holder.substring("it is ".length());
    }
}
