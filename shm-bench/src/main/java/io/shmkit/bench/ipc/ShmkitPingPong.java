package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;

/**
 * Round trip through one shared segment: a ping slot at element 0 and a pong slot at element
 * 16 (a 128-byte stride, so the two sides never write the same cache line or its adjacent-line
 * prefetch pair). Each slot is a sequence word followed by the 32-byte message; the writer
 * stores the message with plain stores and then the sequence with a release store, the reader
 * spins on an acquire load of the sequence.
 */
final class ShmkitPingPong {
    static final int PING = 0;
    static final int PONG = 16;

    private ShmkitPingPong() {}

    static final class Client implements PingPongClient {
        private final SegmentDirectory shm = BenchNames.shm();
        private final String name = BenchNames.unique("pingpong");
        private final SharedLongArray slots;
        private final PeerProcess peer;
        private final Spinner spinner;

        Client() {
            slots = SharedLongArray.create(shm, name, 32);
            peer = PeerProcess.start("echo", "shmkit", name);
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                slots.set(PING + 1 + i, PingPongClient.word(seq, i));
            }
            slots.setRelease(PING, seq);
            while (slots.getAcquire(PONG) != seq) {
                spinner.spin();
            }
            return PingPongClient.check(seq, slots.get(PONG + 1), slots.get(PONG + 2), slots.get(PONG + 3),
                    slots.get(PONG + 4));
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                slots.close();
                shm.unlink(name);
            }
        }
    }

    static void echo(String name) {
        try (SharedLongArray slots = SharedLongArray.open(BenchNames.shm(), name)) {
            PeerMain.ready("");
            long last = 0;
            while (PeerMain.running()) {
                long seq = slots.getAcquire(PING);
                if (seq == last) {
                    Thread.onSpinWait();
                    continue;
                }
                for (int i = 1; i <= 4; i++) {
                    slots.set(PONG + i, slots.get(PING + i));
                }
                slots.setRelease(PONG, seq);
                last = seq;
            }
        }
    }
}
