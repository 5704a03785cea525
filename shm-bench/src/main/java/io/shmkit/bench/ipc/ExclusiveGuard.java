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
 * contention benchmark: every shm-sync lock that can exclude, and {@link FileLock} (fcntl
 * record locks), the JDK's own inter-process lock.
 */
abstract class ExclusiveGuard implements AutoCloseable {
    static final String[] KINDS = {"mutex", "reentrant", "writeLock", "semaphore", "fileLock"};

    abstract void lock();

    abstract void unlock();

    @Override
    public abstract void close();

    /** Creates ({@code create}) or opens the lock named {@code name}. */
    static ExclusiveGuard of(String kind, String name, boolean create) {
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
            default -> throw new IllegalArgumentException("unknown lock kind '" + kind + "'; known: "
                    + String.join(", ", KINDS));
        };
    }

    /** Removes what {@link #of} created for {@code name}. */
    static void unlink(String kind, String name) {
        if (kind.equals("fileLock")) {
            BenchNames.deleteQuietly(BenchNames.file(name + ".lock"));
        } else {
            BenchNames.shm().unlink(name);
        }
    }

    private static ExclusiveGuard guard(Runnable lock, Runnable unlock, Runnable close) {
        return new ExclusiveGuard() {
            @Override
            void lock() {
                lock.run();
            }

            @Override
            void unlock() {
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
        void lock() {
            try {
                held = channel.lock();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        void unlock() {
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
}
