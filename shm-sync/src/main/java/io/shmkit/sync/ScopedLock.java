package io.shmkit.sync;

import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;

/**
 * A {@link Lock} with the scoped forms Python's {@code with lock:} gives:
 * {@code try (var held = lock.hold()) { ... }}, {@code lock.run(() -> ...)} and
 * {@code lock.call(() -> ...)}.
 */
public interface ScopedLock extends Lock {
    /** What {@link #hold()} returns: closing it unlocks. */
    @FunctionalInterface
    interface Held extends AutoCloseable {
        /** Unlocks; throws {@link IllegalMonitorStateException} if called by another thread. */
        @Override
        void close();
    }

    /** Locks, and returns what unlocks when closed: {@code try (var held = lock.hold()) { ... }}. */
    default Held hold() {
        lock();
        return this::unlock;
    }

    /** Runs {@code action} holding the lock. */
    default void run(Runnable action) {
        lock();
        try {
            action.run();
        } finally {
            unlock();
        }
    }

    /** Returns what {@code action} returns, computed holding the lock. */
    default <T> T call(Supplier<T> action) {
        lock();
        try {
            return action.get();
        } finally {
            unlock();
        }
    }
}
