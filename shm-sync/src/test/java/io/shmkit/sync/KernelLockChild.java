package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import java.nio.file.Path;

/**
 * The child JVM of {@link KernelWaitLockTest}: {@code KernelLockChild <dir> hold|acquire <side>},
 * on the named lock {@code lock} and the {@code phases} words the parent made. Kernel waits
 * on, with the recommended options; a recovery is printed as a line starting {@code RECOVERED}.
 */
public final class KernelLockChild {
    static final int HELD = 0;
    static final int RELEASE = 1;
    static final int ACQUIRED = 2;
    static final int ACQUIRED_AT = 3;
    static final String WAITER_THREAD = "kw-waiter";
    static final LockOptions OPTIONS = LockOptions.KERNEL_WAITS.withRecoveryListener(r -> System.out.println(
            "RECOVERED pid=" + r.deadPid() + " role=" + r.role()));

    /** One side of one lock kind: how to open the lock, take it and give it back. */
    enum Side {
        MUTEX, REENTRANT, WRITE, READ, PERMIT, SEQ_WRITE;

        SharedLock open(SegmentDirectory dir) {
            return switch (this) {
                case MUTEX -> SharedMutex.open(dir, "lock").withOptions(OPTIONS);
                case REENTRANT -> SharedReentrantLock.open(dir, "lock").withOptions(OPTIONS);
                case WRITE, READ -> SharedReadWriteLock.open(dir, "lock").withOptions(OPTIONS);
                case PERMIT -> SharedSemaphore.open(dir, "lock").withOptions(OPTIONS);
                case SEQ_WRITE -> SharedSeqLock.open(dir, "lock").withOptions(OPTIONS);
            };
        }

        /** Creates the lock this side uses (the parent's step). */
        SharedLock create(SegmentDirectory dir) {
            return switch (this) {
                case MUTEX -> SharedMutex.create(dir, "lock");
                case REENTRANT -> SharedReentrantLock.create(dir, "lock");
                case WRITE, READ -> SharedReadWriteLock.create(dir, "lock");
                case PERMIT -> SharedSemaphore.create(dir, "lock", 1);
                case SEQ_WRITE -> SharedSeqLock.create(dir, "lock");
            };
        }

        void acquire(SharedLock lock) throws InterruptedException {
            switch (this) {
                case MUTEX, REENTRANT -> ((ExclusiveLock) lock).lock();
                case WRITE -> ((SharedReadWriteLock) lock).writeLock().lock();
                case READ -> ((SharedReadWriteLock) lock).readLock().lock();
                case PERMIT -> ((SharedSemaphore) lock).acquire();
                case SEQ_WRITE -> ((SharedSeqLock) lock).writeLock();
            }
        }

        void release(SharedLock lock) {
            switch (this) {
                case MUTEX, REENTRANT -> ((ExclusiveLock) lock).unlock();
                case WRITE -> ((SharedReadWriteLock) lock).writeLock().unlock();
                case READ -> ((SharedReadWriteLock) lock).readLock().unlock();
                case PERMIT -> ((SharedSemaphore) lock).release();
                case SEQ_WRITE -> ((SharedSeqLock) lock).unlockWrite();
            }
        }
    }

    private KernelLockChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        Side side = Side.valueOf(args[2]);
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases"); SharedLock lock = side.open(dir)) {
            switch (args[1]) {
                case "hold" -> {
                    side.acquire(lock);
                    phases.setVolatile(HELD, 1);
                    while (phases.getVolatile(RELEASE) == 0) {
                        Thread.sleep(1);
                    }
                    side.release(lock);
                }
                case "acquire" -> {
                    Throwable[] failure = new Throwable[1];
                    Thread waiter = new Thread(() -> {
                        try {
                            side.acquire(lock);
                            phases.setVolatile(ACQUIRED_AT, System.nanoTime());
                            phases.setVolatile(ACQUIRED, 1);
                            side.release(lock);
                        } catch (Throwable t) {
                            failure[0] = t;
                        }
                    }, WAITER_THREAD);
                    waiter.start();
                    waiter.join();
                    if (failure[0] != null) {
                        failure[0].printStackTrace();
                        System.exit(1);
                    }
                    System.out.println("acquired " + side);
                }
                default -> throw new IllegalArgumentException(args[1]);
            }
        }
    }
}
