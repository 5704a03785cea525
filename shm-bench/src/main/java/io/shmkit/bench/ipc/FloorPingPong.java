package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;

/**
 * The floor of a shared-memory round trip: one sequence word per direction, each on its own
 * cache line (the two 128 bytes apart, so neither the line nor its adjacent-line prefetch pair
 * is written by both sides), no queue and no payload. The client stores the sequence number
 * in the ping word (release) and spins on the pong word (acquire); the echo spins on the ping
 * word and stores what it saw in the pong word. Each direction moves one cache line from one
 * core to the other: the least any shared-memory message can cost, whatever carries it.
 */
final class FloorPingPong {
    static final int PING = 0;
    static final int PONG = 16;

    private FloorPingPong() {}

    static final class Client implements PingPongClient {
        private final SegmentDirectory shm = BenchNames.shm();
        private final String name = BenchNames.unique("pingpong.floor");
        private final SharedLongArray words;
        private final PeerProcess peer;
        private final Spinner spinner;

        Client() {
            words = SharedLongArray.create(shm, name, 32);
            try {
                peer = PeerProcess.start("echo", "floor", name);
            } catch (RuntimeException e) {
                words.close();
                shm.unlink(name);
                throw e;
            }
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            words.setRelease(PING, seq);
            while (words.getAcquire(PONG) != seq) {
                spinner.spin();
            }
            return seq;
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                peer.close();
                words.close();
                shm.unlink(name);
            }
        }
    }

    static void echo(String name) {
        try (SharedLongArray words = SharedLongArray.open(BenchNames.shm(), name)) {
            PeerMain.ready("");
            long last = 0;
            while (PeerMain.running()) {
                long seq = words.getAcquire(PING);
                if (seq == last) {
                    Thread.onSpinWait();
                    continue;
                }
                words.setRelease(PONG, seq);
                last = seq;
            }
        }
    }
}
