package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.sync.SharedMutex;
import io.shmkit.sync.SharedReadWriteLock;
import io.shmkit.sync.SharedReentrantLock;
import io.shmkit.sync.SharedSemaphore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One inter-process exclusive lock of a given kind, opened the same way in both JVMs of a
 * contention benchmark: every shm-sync lock that can exclude, {@link FileLock} (fcntl record
 * locks), the JDK's own inter-process lock, and a robust process-shared pthread mutex
 * ({@link PthreadMutex}, native: only in JVMs started with {@code BenchFlags.NATIVE}).
 * Each JVM uses one kind, so the {@code lock()} and {@code unlock()} call sites stay
 * monomorphic.
 */
public abstract class ExclusiveGuard implements AutoCloseable {
    /** The kind that needs native access (and {@code BenchFlags.NATIVE}). */
    public static final String PTHREAD = "pthreadMutex";
    /** Every kind {@link #of} knows. */
    public static final String[] KINDS = {"mutex", "reentrant", "writeLock", "semaphore", "fileLock", PTHREAD};

    public abstract void lock();

    public abstract void unlock();

    /** How many times a lock found its holder dead and took it over (the pthread mutex only; else 0). */
    public long recoveries() {
        return 0;
    }

    @Override
    public abstract void close();

    /** Whether {@code kind} calls native code, so that its JVMs need {@code BenchFlags.NATIVE}. */
    public static boolean needsNativeAccess(String kind) {
        return kind.equals(PTHREAD);
    }

    /**
     * Creates ({@code create}) or opens the lock named {@code name}. The pthread mutex is
     * initialised by its creator, so another process may open it only after that returned.
     */
    public static ExclusiveGuard of(String kind, String name, boolean create) {
        SegmentDirectory shm = BenchNames.shm();
        return switch (kind) {
            case "mutex" -> {
                SharedMutex m = create ? SharedMutex.create(shm, name) : SharedMutex.open(shm, name);
                yield guard(m::lock, m::unlock, m::close);
            }
            case "reentrant" -> {
                SharedReentrantLock r = create ? SharedReentrantLock.create(shm, name) : SharedReentrantLock.open(shm, name);
                yield guard(r::lock, r::unlock, r::close);
            }
            case "writeLock" -> {
                SharedReadWriteLock rw = create ? SharedReadWriteLock.create(shm, name) : SharedReadWriteLock.open(shm, name);
                yield guard(rw.writeLock()::lock, rw.writeLock()::unlock, rw::close);
            }
            case "semaphore" -> {
                SharedSemaphore s = create ? SharedSemaphore.create(shm, name, 1) : SharedSemaphore.open(shm, name);
                yield guard(() -> {
                    try {
                        s.acquire();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                }, s::release, s::close);
            }
            case "fileLock" -> new FileGuard(BenchNames.file(name + ".lock"));
            case PTHREAD -> {
                PthreadMutex p = create ? PthreadMutex.create(pthreadFile(name)) : PthreadMutex.open(pthreadFile(name));
                yield new PthreadGuard(p);
            }
            default -> throw new IllegalArgumentException("unknown lock kind '" + kind + "'; known: "
                    + String.join(", ", KINDS));
        };
    }

    /** No lock at all: the floor under the turn-taking rows. */
    public static ExclusiveGuard none() {
        return guard(() -> { }, () -> { }, () -> { });
    }

    /** Removes what {@link #of} created for {@code name}; nothing if there is nothing. */
    public static void unlink(String kind, String name) {
        if (kind.equals("fileLock")) {
            BenchNames.deleteQuietly(BenchNames.file(name + ".lock"));
        } else if (kind.equals(PTHREAD)) {
            BenchNames.deleteQuietly(pthreadFile(name));
        } else {
            BenchNames.shm().unlink(name);
        }
    }

    private static Path pthreadFile(String name) {
        return BenchNames.file(name + ".pthread");
    }

    private static ExclusiveGuard guard(Runnable lock, Runnable unlock, Runnable close) {
        return new ExclusiveGuard() {
            @Override
            public void lock() {
                lock.run();
            }

            @Override
            public void unlock() {
                unlock.run();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    private static final class FileGuard extends ExclusiveGuard {
        private final FileChannel channel;
        private FileLock held;

        FileGuard(Path path) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + path, e);
            }
        }

        @Override
        public void lock() {
            try {
                held = channel.lock();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void unlock() {
            try {
                held.release();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class PthreadGuard extends ExclusiveGuard {
        private final PthreadMutex mutex;

        PthreadGuard(PthreadMutex mutex) {
            this.mutex = mutex;
        }

        @Override
        public void lock() {
            mutex.lock();
        }

        @Override
        public void unlock() {
            mutex.unlock();
        }

        @Override
        public long recoveries() {
            return mutex.recoveries();
        }

        @Override
        public void close() {
            mutex.close();
        }
    }
}
