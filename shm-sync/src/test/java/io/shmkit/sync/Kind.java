package io.shmkit.sync;

import io.shmkit.core.SharedStruct;

/** Each way the tests guard {@link Ledger#count()}: one per lock kind, and none. */
enum Kind {
    MUTEX, REENTRANT, WRITE, READ, PERMIT, NONE;

    /** Acquire and release of this kind on one ledger; REENTRANT acquires twice, nested. */
    interface Guard {
        void acquire() throws InterruptedException;

        void release();

        SharedLock lock();
    }

    Guard guard(SharedStruct<Ledger> ledger, LockOptions options) {
        return switch (this) {
            case MUTEX -> exclusive(SharedMutex.in(ledger, "mutex").withOptions(options), 1);
            case REENTRANT -> exclusive(SharedReentrantLock.in(ledger, "reentrant").withOptions(options), 2);
            case WRITE -> scoped(SharedReadWriteLock.in(ledger, "rw").withOptions(options), true);
            case READ -> scoped(SharedReadWriteLock.in(ledger, "rw").withOptions(options), false);
            case PERMIT -> permit(SharedSemaphore.in(ledger, "semaphore", 1).withOptions(options));
            case NONE -> new Guard() {
                @Override
                public void acquire() {
                }

                @Override
                public void release() {
                }

                @Override
                public SharedLock lock() {
                    throw new UnsupportedOperationException("no lock");
                }
            };
        };
    }

    private static Guard exclusive(ExclusiveLock lock, int depth) {
        return new Guard() {
            @Override
            public void acquire() {
                for (int i = 0; i < depth; i++) {
                    lock.lock();
                }
            }

            @Override
            public void release() {
                for (int i = 0; i < depth; i++) {
                    lock.unlock();
                }
            }

            @Override
            public SharedLock lock() {
                return lock;
            }
        };
    }

    private static Guard scoped(SharedReadWriteLock rw, boolean write) {
        ScopedLock side = write ? rw.writeLock() : rw.readLock();
        return new Guard() {
            @Override
            public void acquire() {
                side.lock();
            }

            @Override
            public void release() {
                side.unlock();
            }

            @Override
            public SharedLock lock() {
                return rw;
            }
        };
    }

    private static Guard permit(SharedSemaphore semaphore) {
        return new Guard() {
            @Override
            public void acquire() throws InterruptedException {
                semaphore.acquire();
            }

            @Override
            public void release() {
                semaphore.release();
            }

            @Override
            public SharedLock lock() {
                return semaphore;
            }
        };
    }
}
