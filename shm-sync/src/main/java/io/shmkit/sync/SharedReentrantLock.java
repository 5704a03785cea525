package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;

/**
 * A reentrant lock in shared memory: Python's {@code multiprocessing.RLock}, and the built-in
 * lock every shmkit object carries ({@link #of}), which is what {@code Value.get_lock()}
 * returns in Python. The owner is a process and a thread; the holder may lock again, and
 * must unlock as many times.
 *
 * <pre>{@code
 * // with counter.get_lock(): counter.value += 1
 * SharedReentrantLock.of(counter).run(() -> counter.set(counter.get() + 1));
 * }</pre>
 *
 * <p><b>Implementation notes.</b> The owner block of {@link LockDescriptor}
 * ({@link ReentrantLockState}), as for {@link SharedMutex}; a lock by the holding thread
 * increments the hold count (a plain store: only the holder writes it), an unlock decrements
 * it and frees the owner word when it reaches zero. A process that dies holding it with any
 * count is taken over with a count of one, and the lock reports itself inconsistent.
 *
 * <p>See {@link SharedLock} for placement, waiting, recovery and misuse.
 */
public final class SharedReentrantLock extends ExclusiveLock {
    static final String KIND = "reentrant lock";

    private SharedReentrantLock(LockWords words, LockOptions options) {
        super(words, true, options);
    }

    /**
     * The built-in lock of {@code object}, in its header's lock area: Python's
     * {@code get_lock()}. Every process that attaches the object gets the same lock.
     *
     * @throws UnsupportedOperationException if {@code object} is attached read-only
     */
    public static SharedReentrantLock of(SharedObject object) {
        if (object.isReadOnly()) {
            throw new UnsupportedOperationException("built-in lock of segment '" + object.name()
                    + "': the segment is attached read-only, and taking a lock writes its words");
        }
        return new SharedReentrantLock(LockWords.builtIn("lock", object, LockDescriptor.BUILT_IN_LOCK_OFFSET,
                LockDescriptor.MUTEX_LENGTH), LockOptions.DEFAULT);
    }

    /** Creates the named lock segment {@code name}, unlocked. */
    public static SharedReentrantLock create(SegmentDirectory directory, String name) {
        return named(SharedStruct.create(directory, name, ReentrantLockState.class));
    }

    /** Attaches to the named lock segment {@code name}; its layout must be a reentrant lock's. */
    public static SharedReentrantLock open(SegmentDirectory directory, String name) {
        return named(SharedStruct.open(directory, name, ReentrantLockState.class));
    }

    /** Attaches to {@code name}, creating it first if it does not exist; safe to race. */
    public static SharedReentrantLock openOrCreate(SegmentDirectory directory, String name) {
        return named(SharedStruct.openOrCreate(directory, name, ReentrantLockState.class));
    }

    private static SharedReentrantLock named(SharedStruct<ReentrantLockState> struct) {
        return new SharedReentrantLock(LockWords.named(KIND, struct, LockDescriptor.MUTEX_LENGTH), LockOptions.DEFAULT);
    }

    /**
     * A reentrant lock in the {@value LockDescriptor#MUTEX_LENGTH} bytes at {@code offset} (8-aligned) of
     * {@code object}'s data. Until kernel wake-ups came, these locks were 32 bytes: locks placed
     * 32 bytes apart now overlap (one's wake word would be the next one's owner word), so space
     * them {@value LockDescriptor#MUTEX_LENGTH} bytes apart, or declare them as
     * {@link ReentrantLockState} fields, whose size the layout check enforces.
     */
    public static SharedReentrantLock at(SharedObject object, long offset) {
        return new SharedReentrantLock(LockWords.at(KIND, object, offset, LockDescriptor.MUTEX_LENGTH), LockOptions.DEFAULT);
    }

    /** The lock in field {@code field} (declared as {@link ReentrantLockState}) of a struct segment. */
    public static SharedReentrantLock in(SharedStruct<?> struct, String field) {
        return new SharedReentrantLock(LockWords.in(KIND, struct, 0, field, ReentrantLockState.class), LockOptions.DEFAULT);
    }

    /** The lock in field {@code field} (declared as {@link ReentrantLockState}) of struct {@code index}. */
    public static SharedReentrantLock in(SharedStructArray<?> structs, long index, String field) {
        return new SharedReentrantLock(LockWords.in(KIND, structs, index, field, ReentrantLockState.class), LockOptions.DEFAULT);
    }

    /** The same lock, waiting and reporting as {@code newOptions} say; shares this handle's mapping. */
    public SharedReentrantLock withOptions(LockOptions newOptions) {
        return new SharedReentrantLock(words, newOptions);
    }

    /** How many times the calling thread holds the lock: 0 if it does not. */
    public int getHoldCount() {
        try {
            return owner.holdCount();
        } catch (RuntimeException e) {
            throw words.failure(e);
        }
    }
}
