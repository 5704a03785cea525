package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SharedLongArray;
import java.lang.foreign.MemorySegment;

/**
 * Zero-copy handoff: the producer writes its doubles into a shared array once, where it
 * produces them; handing over is a release store of the handoff's sequence number, and the
 * consumer sums the shared array in place after an acquire load sees that number.
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
        private final PeerProcess peer;
        private final Spinner spinner;

        Consumer(int n) {
            control = SharedLongArray.create(shm, name + "-ctl", 16);
            data = SharedDoubleArray.create(shm, name, n);
            view = data.asSegment();
            peer = PeerProcess.start("handoff", "shmkit", Integer.toString(n), name);
            spinner = new Spinner(peer);
        }

        @Override
        public MemorySegment fetch(long seq) {
            control.setRelease(REQUEST, seq);
            while (control.getAcquire(PUBLISHED) != seq) {
                spinner.spin();
            }
            return view;
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

    /** The producer: fills the shared array once, then publishes each request. */
    static void serve(int n, String name) {
        SegmentDirectory shm = BenchNames.shm();
        try (SharedLongArray control = SharedLongArray.open(shm, name + "-ctl");
             SharedDoubleArray data = SharedDoubleArray.open(shm, name)) {
            Payload.fill(data.asSegment(), n);
            PeerMain.ready("");
            long last = 0;
            while (PeerMain.running()) {
                long seq = control.getAcquire(REQUEST);
                if (seq == last) {
                    Thread.onSpinWait();
                    continue;
                }
                data.set(0, seq);
                control.setRelease(PUBLISHED, seq);
                last = seq;
            }
        }
    }
}
