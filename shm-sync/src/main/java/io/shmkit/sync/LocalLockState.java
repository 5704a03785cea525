package io.shmkit.sync;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What this JVM knows of one lock that the lock words cannot say: each thread's read holds,
 * and a monitor that makes this process's check-then-release of its own slots atomic. One
 * object per lock per JVM, shared by every handle on the same words, however they were made
 * ({@code in}, {@code at}, {@code withOptions}, a second attachment of the segment): keyed by
 * the file the segment maps ({@link io.shmkit.core.SharedObject#fileKey()}) and the words'
 * offset in it, not by handle or address.
 *
 * <p>Held strongly, for the life of the JVM: this record is how a JVM knows it has used a lock
 * before, and so whether slots that carry its identity can be its own ({@link #of}). A weak
 * entry collected while a thread still held a read lock would make the next handle take that
 * live hold for a dead predecessor's. One small record per read/write lock and semaphore the
 * JVM ever used; shmkit loaded twice in one JVM (two class loaders) must not share such a lock.
 */
final class LocalLockState {
    private static final Map<Key, LocalLockState> STATES = new ConcurrentHashMap<>();

    private record Key(Object fileKey, long offset) {
    }

    /** Per thread: read holds of this lock (one element, to be incremented in place). */
    final ThreadLocal<int[]> readHolds = ThreadLocal.withInitial(() -> new int[1]);

    private LocalLockState() {
    }

    /**
     * The state of the lock whose words are {@code words}. The first time this JVM sees the
     * lock, {@code onFirstSight} runs (under the registry's lock for this key) before anyone
     * can use it: this process cannot hold anything on a lock it has never had a handle to.
     */
    static LocalLockState of(LockWords words, Consumer<LockWords> onFirstSight) {
        return STATES.computeIfAbsent(new Key(words.container.fileKey(), words.offsetInFile()), k -> {
            onFirstSight.accept(words);
            return new LocalLockState();
        });
    }
}
