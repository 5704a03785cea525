package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.sync.SharedMutex;
import io.shmkit.sync.SharedReadWriteLock;
import io.shmkit.sync.SharedSeqLock;

/**
 * A pair {@code (x, y)} with the invariant {@code x + y == 0}, read and written by this JVM
 * and a peer JVM in the same 95% read / 5% write mix: one write (x+1, y-1) every 20
 * operations, the rest reads that check the invariant. Three guards: the read/write lock
 * (readers share), the seqlock (readers take no lock and retry a torn copy) and the mutex
 * (everyone excludes everyone), the baseline a read/write lock must beat. Closing stops the
 * peer and fails if either process saw the invariant broken. Not thread-safe.
 */
public final class ReadMostlyPair implements AutoCloseable {
    /** The guards, by the names the benchmark's {@code lock} parameter takes. */
    public static final String[] KINDS = {"rwLock", "seqLock", "mutex"};
    static final int WRITE_EVERY = 20;

    private final String name = BenchNames.unique("readmostly");
    private final Worker worker;
    private final PeerProcess peer;

    public ReadMostlyPair(String kind) {
        SegmentDirectory shm = BenchNames.shm();
        Guard guard = Guard.of(kind); // refuses an unknown kind before anything is created
        SharedLongArray pair = SharedLongArray.create(shm, name, 2);
        switch (guard) {
            case RW_LOCK -> SharedReadWriteLock.create(shm, name + "-lock").close();
            case MUTEX -> SharedMutex.create(shm, name + "-lock").close();
            case SEQ_LOCK -> { } // the pair's built-in seqlock
        }
        worker = new Worker(kind, pair);
        peer = PeerProcess.start("mix", kind, name);
    }

    /** One operation of the mix; returns what it read (or wrote) as x. */
    public long operate() {
        return worker.operate();
    }

    @Override
    public void close() {
        try {
            String[] theirs = peer.stop().split(" ");
            long violations = worker.violations + Long.parseLong(theirs[1]);
            if (violations != 0) {
                throw new IllegalStateException(worker.kind + " let " + violations + " reads see a torn pair (this JVM "
                        + worker.violations + ", the peer " + theirs[1] + " of " + theirs[0] + " operations)");
            }
        } finally {
            peer.close();
            worker.close();
            SegmentDirectory shm = BenchNames.shm();
            shm.unlink(name);
            shm.unlink(name + "-lock");
        }
    }

    /** The guard, resolved once so that the mix does not compare strings per operation. */
    private enum Guard {
        RW_LOCK, SEQ_LOCK, MUTEX;

        static Guard of(String kind) {
            return switch (kind) {
                case "rwLock" -> RW_LOCK;
                case "seqLock" -> SEQ_LOCK;
                case "mutex" -> MUTEX;
                default -> throw new IllegalArgumentException("unknown guard '" + kind + "'; known: "
                        + String.join(", ", KINDS));
            };
        }
    }

    /** The mix, the same in both JVMs. */
    static final class Worker implements AutoCloseable {
        final String kind;
        private final Guard guard;
        private final SharedLongArray pair;
        private final SharedReadWriteLock rw;
        private final SharedMutex mutex;
        private final SharedSeqLock seq;
        private long operations;
        long violations;

        Worker(String kind, SharedLongArray pair) {
            this.kind = kind;
            this.guard = Guard.of(kind);
            this.pair = pair;
            SegmentDirectory shm = BenchNames.shm();
            String lockName = pair.name() + "-lock";
            rw = guard == Guard.RW_LOCK ? SharedReadWriteLock.open(shm, lockName) : null;
            mutex = guard == Guard.MUTEX ? SharedMutex.open(shm, lockName) : null;
            seq = guard == Guard.SEQ_LOCK ? SharedSeqLock.of(pair) : null;
        }

        long operate() {
            if (++operations % WRITE_EVERY == 0) {
                return write();
            }
            return read();
        }

        private long write() {
            switch (guard) {
                case RW_LOCK -> rw.writeLock().lock();
                case MUTEX -> mutex.lock();
                case SEQ_LOCK -> seq.writeLock();
            }
            try {
                long x = pair.get(0) + 1;
                pair.set(0, x);
                pair.set(1, -x);
                return x;
            } finally {
                switch (guard) {
                    case RW_LOCK -> rw.writeLock().unlock();
                    case MUTEX -> mutex.unlock();
                    case SEQ_LOCK -> seq.unlockWrite();
                }
            }
        }

        private long read() {
            long x;
            long y;
            switch (guard) {
                case RW_LOCK -> {
                    rw.readLock().lock();
                    try {
                        x = pair.get(0);
                        y = pair.get(1);
                    } finally {
                        rw.readLock().unlock();
                    }
                }
                case MUTEX -> {
                    mutex.lock();
                    try {
                        x = pair.get(0);
                        y = pair.get(1);
                    } finally {
                        mutex.unlock();
                    }
                }
                default -> { // SEQ_LOCK
                    long stamp;
                    do {
                        stamp = seq.tryOptimisticRead();
                        x = pair.get(0);
                        y = pair.get(1);
                    } while (!seq.validate(stamp));
                }
            }
            if (x + y != 0) {
                violations++;
            }
            return x;
        }

        @Override
        public void close() {
            pair.close();
            if (rw != null) {
                rw.close();
            }
            if (mutex != null) {
                mutex.close();
            }
        }
    }

    static void mix(String kind, String name) {
        try (Worker worker = new Worker(kind, SharedLongArray.open(BenchNames.shm(), name))) {
            PeerMain.ready("");
            while (PeerMain.running()) {
                worker.operate();
            }
            PeerMain.result(worker.operations + " " + worker.violations);
        }
    }
}
