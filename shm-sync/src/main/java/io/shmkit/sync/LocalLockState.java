package io.shmkit.sync;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
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
 * <p>Held weakly here and strongly by every handle, so that it lives exactly as long as some
 * handle on the lock does.
 */
final class LocalLockState {
    private static final Map<Key, Ref> STATES = new ConcurrentHashMap<>();
    private static final ReferenceQueue<LocalLockState> COLLECTED = new ReferenceQueue<>();

    private record Key(Object fileKey, long offset) {
    }

    private static final class Ref extends WeakReference<LocalLockState> {
        final Key key;

        Ref(LocalLockState state, Key key) {
            super(state, COLLECTED);
            this.key = key;
        }
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
        for (Ref gone; (gone = (Ref) COLLECTED.poll()) != null; ) {
            STATES.remove(gone.key, gone);
        }
        Key key = new Key(words.container.fileKey(), words.offsetInFile());
        for (;;) {
            LocalLockState[] made = new LocalLockState[1]; // strong until returned: the map holds it weakly
            Ref ref = STATES.computeIfAbsent(key, k -> {
                onFirstSight.accept(words);
                made[0] = new LocalLockState();
                return new Ref(made[0], k);
            });
            LocalLockState state = made[0] != null ? made[0] : ref.get();
            if (state != null) {
                return state;
            }
            STATES.remove(key, ref); // collected between lookups: make a new one
        }
    }
}
