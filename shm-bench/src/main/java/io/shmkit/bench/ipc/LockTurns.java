package io.shmkit.bench.ipc;

import io.shmkit.core.SharedLongArray;

/**
 * Two processes taking turns at a lock: this JVM waits for its turn, locks, increments a shared
 * counter, unlocks, and hands the turn to the peer JVM through a shared turn word; the peer
 * does the same and hands it back. No one ever waits for the lock, yet every acquire finds the
 * lock's cache line (and the counter's) in the other core's cache, modified: the common
 * uncontended case of a lock between processes, which a single-process lock+unlock loop, with
 * the line always in its own cache, does not show.
 *
 * <p>{@code noLock} is the same round without a lock: the cost of the turn hand-over and of
 * moving the counter's line, the floor to subtract from the other rows. The turn word and the
 * counter are on cache lines of their own, the lock in its own segment or file.
 *
 * <p>Closing stops the peer and checks the counter against both processes' turns. Not
 * thread-safe.
 */
public final class LockTurns implements AutoCloseable {
    /** The kinds, by the names the benchmark's parameter takes (the pthread mutex needs native access). */
    public static final String[] KINDS = {"noLock", "mutex", "fileLock", ExclusiveGuard.PTHREAD};
    static final String NO_LOCK = "noLock";
    static final int COUNTER = 0;
    static final int TURN = 16;
    static final long BENCH_TURN = 0;
    static final long PEER_TURN = 1;

    private final String kind;
    private final String name = BenchNames.unique("turns");
    private final SharedLongArray words;
    private final ExclusiveGuard guard;
    private final PeerProcess peer;
    private final Spinner spinner;
    private long mine;

    public LockTurns(String kind) {
        this.kind = kind;
        words = SharedLongArray.create(BenchNames.shm(), name, 32);
        guard = kind.equals(NO_LOCK) ? ExclusiveGuard.none() : ExclusiveGuard.of(kind, name + "-lock", true);
        peer = PeerProcess.start("turns", kind, name);
        spinner = new Spinner(peer);
    }

    /**
     * Waits for this JVM's turn, takes it (lock, increment, unlock) and hands the turn to the
     * peer: one call is a round of two turns, this JVM's and the peer's before it.
     *
     * @return the counter's value after this JVM's increment
     */
    public long round() {
        while (words.getAcquire(TURN) != BENCH_TURN) {
            spinner.spin();
        }
        long value = take(guard, words);
        mine++;
        words.setRelease(TURN, PEER_TURN);
        return value;
    }

    private static long take(ExclusiveGuard guard, SharedLongArray words) {
        guard.lock();
        try {
            long value = words.get(COUNTER) + 1;
            words.set(COUNTER, value);
            return value;
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void close() {
        try {
            long theirs = Long.parseLong(peer.stop());
            long total = words.getVolatile(COUNTER);
            if (total != mine + theirs) {
                throw new IllegalStateException(kind + " let updates slip: counter " + total + " but this JVM took "
                        + mine + " turns and the peer " + theirs);
            }
        } finally {
            peer.close();
            guard.close();
            words.close();
            if (!kind.equals(NO_LOCK)) {
                ExclusiveGuard.unlink(kind, name + "-lock");
            }
            BenchNames.shm().unlink(name);
        }
    }

    /** The peer's side: take every other turn until stopped. */
    static void peer(String kind, String name) {
        try (SharedLongArray words = SharedLongArray.open(BenchNames.shm(), name);
             ExclusiveGuard guard = kind.equals(NO_LOCK) ? ExclusiveGuard.none()
                     : ExclusiveGuard.of(kind, name + "-lock", false)) {
            PeerMain.ready("");
            long mine = 0;
            while (true) {
                while (words.getAcquire(TURN) != PEER_TURN) {
                    if (!PeerMain.running()) { // a volatile read of a line no one writes: cheap
                        PeerMain.result(Long.toString(mine));
                        return;
                    }
                    Thread.onSpinWait();
                }
                take(guard, words);
                mine++;
                words.setRelease(TURN, BENCH_TURN);
            }
        }
    }
}
