package io.shmkit.bench.ipc;

import io.shmkit.core.SharedLongArray;

/**
 * A shared counter that this JVM and a peer JVM increment under the same lock, both as fast
 * as they can: the two-process contention benchmark. Closing stops the peer and checks that
 * the counter equals the sum of both processes' increments, so a lock that lets an update
 * slip fails the benchmark instead of flattering it. Not thread-safe.
 */
public final class ContendedCounter implements AutoCloseable {
    /** The lock kinds, by the names the benchmark's {@code lock} parameter takes. */
    public static final String[] KINDS = ExclusiveGuard.KINDS;

    private final String kind;
    private final String name = BenchNames.unique("contended");
    private final SharedLongArray counter;
    private final ExclusiveGuard guard;
    private final PeerProcess peer;
    private long mine;

    public ContendedCounter(String kind) {
        this.kind = kind;
        counter = SharedLongArray.create(BenchNames.shm(), name, 1);
        guard = ExclusiveGuard.of(kind, name + "-lock", true);
        peer = PeerProcess.start("contend", kind, name);
    }

    /**
     * One increment of the shared counter under the lock.
     *
     * @return the counter's new value, which counts both JVMs' increments
     */
    public long increment() {
        long value;
        guard.lock();
        try {
            value = counter.get(0) + 1;
            counter.set(0, value);
        } finally {
            guard.unlock();
        }
        mine++;
        return value;
    }

    @Override
    public void close() {
        try {
            long theirs = Long.parseLong(peer.stop());
            long total = counter.getVolatile(0);
            if (total != mine + theirs) {
                throw new IllegalStateException(kind + " let updates slip: counter " + total + " but this JVM made "
                        + mine + " and the peer " + theirs + " increments");
            }
        } finally {
            peer.close();
            guard.close();
            counter.close();
            ExclusiveGuard.unlink(kind, name + "-lock");
            BenchNames.shm().unlink(name);
        }
    }

    static void contend(String kind, String name) {
        try (SharedLongArray counter = SharedLongArray.open(BenchNames.shm(), name);
             ExclusiveGuard guard = ExclusiveGuard.of(kind, name + "-lock", false)) {
            PeerMain.ready("");
            long mine = 0;
            while (PeerMain.running()) {
                guard.lock();
                try {
                    counter.set(0, counter.get(0) + 1);
                } finally {
                    guard.unlock();
                }
                mine++;
            }
            PeerMain.result(Long.toString(mine));
        }
    }
}
