package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;

/**
 * A mutual-exclusion lock in shared memory: Python's {@code multiprocessing.Lock}, except that
 * only the holding thread may unlock, and that it survives its holder's death.
 *
 * <pre>{@code
 * try (SharedMutex mutex = SharedMutex.openOrCreate(SegmentDirectory.shm(), "orders")) {
 *     mutex.lock();
 *     try {
 *         if (!mutex.isConsistent()) {     // a holder died mid-update
 *             repair(book);
 *             mutex.markConsistent();
 *         }
 *         book.add(order);
 *     } finally {
 *         mutex.unlock();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Implementation notes.</b> The words are the 32-byte owner block of
 * {@link LockDescriptor} ({@link MutexState}). The owner word moves 0 &rarr; key by CAS
 * (lock), key &rarr; 0 by a release store (unlock), and dead key &rarr; key by CAS (take-over,
 * after a waiter reads the dead key's process as gone). The holder writes the thread id and
 * hold count after its CAS and clears them before its release store, so a thread can tell
 * whether it holds the lock without a race. Not reentrant: a second {@code lock()} by the
 * holder throws {@link IllegalMonitorStateException} instead of deadlocking.
 *
 * <p>Dying at each point: before the lock CAS, nothing happened; after it, the word names a
 * dead process and the next waiter takes over and reports the lock inconsistent (even if the
 * holder died inside {@code unlock()}, having finished: the report errs safe). A taker-over
 * that dies before recording the take-over leaves the dead key for the next waiter, who
 * records it.
 *
 * <p>See {@link SharedLock} for placement, waiting, recovery and misuse.
 */
public final class SharedMutex extends ExclusiveLock {
    static final String KIND = "mutex";

    private SharedMutex(LockWords words, LockOptions options) {
        super(words, false, options);
    }

    /** Creates the named lock segment {@code name}, unlocked. */
    public static SharedMutex create(SegmentDirectory directory, String name) {
        return named(SharedStruct.create(directory, name, MutexState.class));
    }

    /** Attaches to the named lock segment {@code name}; its layout must be a mutex's. */
    public static SharedMutex open(SegmentDirectory directory, String name) {
        return named(SharedStruct.open(directory, name, MutexState.class));
    }

    /** Attaches to {@code name}, creating it first if it does not exist; safe to race. */
    public static SharedMutex openOrCreate(SegmentDirectory directory, String name) {
        return named(SharedStruct.openOrCreate(directory, name, MutexState.class));
    }

    private static SharedMutex named(SharedStruct<MutexState> struct) {
        return new SharedMutex(LockWords.named(KIND, struct, LockDescriptor.MUTEX_LENGTH), LockOptions.DEFAULT);
    }

    /**
     * A mutex in the {@value LockDescriptor#MUTEX_LENGTH} bytes at {@code offset} (8-aligned) of
     * {@code object}'s data. Until kernel wake-ups came, these locks were 32 bytes: locks placed
     * 32 bytes apart now overlap (one's wake word would be the next one's owner word), so space
     * them {@value LockDescriptor#MUTEX_LENGTH} bytes apart, or declare them as
     * {@link MutexState} fields, whose size the layout check enforces.
     */
    public static SharedMutex at(SharedObject object, long offset) {
        return new SharedMutex(LockWords.at(KIND, object, offset, LockDescriptor.MUTEX_LENGTH), LockOptions.DEFAULT);
    }

    /** The mutex in field {@code field} (declared as {@link MutexState}) of a struct segment. */
    public static SharedMutex in(SharedStruct<?> struct, String field) {
        return new SharedMutex(LockWords.in(KIND, struct, 0, field, MutexState.class), LockOptions.DEFAULT);
    }

    /** The mutex in field {@code field} (declared as {@link MutexState}) of struct {@code index}. */
    public static SharedMutex in(SharedStructArray<?> structs, long index, String field) {
        return new SharedMutex(LockWords.in(KIND, structs, index, field, MutexState.class), LockOptions.DEFAULT);
    }

    /** The same lock, waiting and reporting as {@code newOptions} say; shares this handle's mapping. */
    public SharedMutex withOptions(LockOptions newOptions) {
        return new SharedMutex(words, newOptions);
    }
}
