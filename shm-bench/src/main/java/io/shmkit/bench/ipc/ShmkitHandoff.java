package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SharedLongArray;
import java.lang.foreign.MemorySegment;

/**
 * Zero-copy handoff: for each handoff the producer writes its n doubles straight into the
 * shared array (through its {@code asSegment()} view), where it produces them; handing over is
 * a release store of the handoff's sequence number, and the consumer sums the shared array in
 * place after an acquire load sees that number.
 *
 * <p>Control words are two longs of a {@link SharedLongArray}, a cache line apart so the two
 * sides' stores do not share a line: {@code [0]} the consumer's request, {@code [8]} the
 * producer's published sequence.
 */
final class ShmkitHandoff {
    static final int REQUEST = 0;
    static final int PUBLISHED = 8;

    private ShmkitHandoff() {}

    static final class Consumer implements HandoffConsumer {
        private final SegmentDirectory shm = BenchNames.shm();
        private final String name = BenchNames.unique("handoff");
        private final SharedLongArray control;
        private final SharedDoubleArray data;
        private final MemorySegment view;
        private final int n;
        private final PeerProcess peer;
        private final Spinner spinner;

        Consumer(int n) {
            this.n = n;
            control = SharedLongArray.create(shm, name + "-ctl", 16);
            data = SharedDoubleArray.create(shm, name, n);
            view = data.asSegment();
            peer = PeerProcess.start("handoff", "shmkit", Integer.toString(n), name);
            spinner = new Spinner(peer);
        }

        @Override
        public double handoff(long seq) {
            control.setRelease(REQUEST, seq);
            while (control.getAcquire(PUBLISHED) != seq) {
                spinner.spin();
            }
            return Payload.sumChecked(view, n, seq);
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                control.close();
                data.close();
                shm.unlink(name + "-ctl");
                shm.unlink(name);
            }
        }
    }

    /** The producer: for each request, writes the payload into the shared array and publishes it. */
    static void serve(int n, String name) {
        SegmentDirectory shm = BenchNames.shm();
        try (SharedLongArray control = SharedLongArray.open(shm, name + "-ctl");
             SharedDoubleArray data = SharedDoubleArray.open(shm, name)) {
            MemorySegment view = data.asSegment();
            PeerMain.ready("");
            long last = 0;
            while (PeerMain.running()) {
                long seq = control.getAcquire(REQUEST);
                if (seq == last) {
                    Thread.onSpinWait();
                    continue;
                }
                Payload.fill(view, n, seq);
                control.setRelease(PUBLISHED, seq);
                last = seq;
            }
        }
    }
}
