package io.shmkit.bench.ipc;

import io.shmkit.core.SharedLongArray;

/**
 * A shared counter that this JVM and a peer JVM increment under the same lock, the
 * two-process contention benchmark: each JVM loops lock, increment, unlock, then (in the
 * think-time variant) a fixed amount of work outside the lock ({@link ThinkTime}).
 *
 * <p><b>Counted from the counter.</b> The locks are not fair: one JVM may make most of the
 * increments while the other waits. So this JVM's loop is not the measure; the counter is.
 * {@link #incrementBatch()} runs this JVM's loop until the counter, which counts both JVMs'
 * increments, has moved {@link #BATCH} further since the previous batch ended: every batch
 * stands for exactly {@code BATCH} increments of the two JVMs together, so a benchmark that
 * counts batches measures what users of the lock get in total. When this JVM waited so long
 * that the counter passed several batch marks at once, the following calls return at once
 * without locking, each accounting for one more batch of the peer's increments, so nothing is
 * lost and nothing is counted twice. {@link #resync()} at the start of each measurement drops
 * what happened between measurements.
 *
 * <p>Closing stops the peer and checks that the counter equals the sum of both processes'
 * increments, so a lock that lets an update slip fails the benchmark instead of flattering it.
 * Not thread-safe.
 */
public final class ContendedCounter implements AutoCloseable {
    /** The lock kinds, by the names the benchmark's {@code lock} parameter takes. */
    public static final String[] KINDS = ExclusiveGuard.KINDS;
    /** Increments (of both JVMs) per {@link #incrementBatch()}: the benchmark's operations per invocation. */
    public static final int BATCH = 100;
    static final int COUNTER = 0;
    static final int THINK = 16; // its own cache line: read once by the peer, never written after

    private final String kind;
    private final String name = BenchNames.unique("contended");
    private final SharedLongArray counter;
    private final ExclusiveGuard guard;
    private final PeerProcess peer;
    private final int thinkSteps;
    private long mine;
    private long seen;
    private long target;
    private long sink;

    /**
     * Makes the counter and the lock and starts the peer.
     *
     * @param thinkSteps {@link ThinkTime} steps each JVM runs after each unlock, 0 for none
     */
    public ContendedCounter(String kind, int thinkSteps) {
        this.kind = kind;
        this.thinkSteps = thinkSteps;
        counter = SharedLongArray.create(BenchNames.shm(), name, 32);
        counter.setVolatile(THINK, thinkSteps); // before the peer starts: it reads it once
        guard = ExclusiveGuard.of(kind, name + "-lock", true);
        peer = PeerProcess.start("contend", kind, name);
        resync();
    }

    /** Starts counting batches from the counter's current value (call before each measurement). */
    public void resync() {
        seen = counter.getVolatile(COUNTER);
        target = seen + BATCH;
    }

    /**
     * Increments under the lock (and thinks) until the counter has reached the end of the
     * current batch of {@link #BATCH} increments by either JVM.
     *
     * @return how many increments this JVM made during this call (0 when the peer had already
     *     completed the batch alone)
     */
    public int incrementBatch() {
        if (seen >= target) { // the peer completed this batch while we waited for an earlier one
            target += BATCH;
            return 0;
        }
        int made = 0;
        long value;
        do {
            guard.lock();
            try {
                value = counter.get(COUNTER) + 1;
                counter.set(COUNTER, value);
            } finally {
                guard.unlock();
            }
            made++;
            if (thinkSteps > 0) {
                sink += ThinkTime.work(value, thinkSteps);
            }
        } while (value < target);
        seen = value;
        target += BATCH;
        mine += made;
        return made;
    }

    @Override
    public void close() {
        try {
            long theirs = Long.parseLong(peer.stop());
            long total = counter.getVolatile(COUNTER);
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

    /** What the think work computed: read so that the JIT keeps the work. */
    public long sink() {
        return sink;
    }

    static void contend(String kind, String name) {
        try (SharedLongArray counter = SharedLongArray.open(BenchNames.shm(), name);
             ExclusiveGuard guard = ExclusiveGuard.of(kind, name + "-lock", false)) {
            int thinkSteps = (int) counter.getVolatile(THINK);
            PeerMain.ready("");
            long mine = 0;
            long sink = 0;
            while (PeerMain.running()) {
                long value;
                guard.lock();
                try {
                    value = counter.get(COUNTER) + 1;
                    counter.set(COUNTER, value);
                } finally {
                    guard.unlock();
                }
                mine++;
                if (thinkSteps > 0) {
                    sink += ThinkTime.work(value, thinkSteps);
                }
            }
            if (sink == 42) {
                System.err.print(""); // keeps the think work alive; practically never true
            }
            PeerMain.result(Long.toString(mine));
        }
    }
}
