package io.shmkit.bench.ipc;

import java.nio.file.Path;
import net.openhft.chronicle.bytes.MappedBytes;

/**
 * Zero-copy handoff written with Chronicle Bytes: a {@link MappedBytes} both JVMs map, the
 * producer writing its doubles in place with {@code writeDouble(offset, value)} and then
 * {@code writeOrderedLong} of the sequence; the consumer sums in place with
 * {@code readDouble(offset)} after {@code readVolatileLong} sees the sequence. Layout as in
 * {@link ChronicleHandoff}.
 */
final class ChronicleZeroCopyHandoff {
    private ChronicleZeroCopyHandoff() {}

    static final class Consumer implements HandoffConsumer {
        private final Path path = BenchNames.file(BenchNames.unique("handoff.chronicle0"));
        private final MappedBytes bytes;
        private final PeerProcess peer;
        private final Spinner spinner;
        private final int n;

        Consumer(int n) {
            this.n = n;
            long size = ChronicleHandoff.DATA + n * 8L;
            BenchNames.createFile(path, size);
            bytes = ChronicleHandoff.map(path, size);
            peer = PeerProcess.start("handoff", "chronicleZeroCopy", Integer.toString(n), path.toString());
            spinner = new Spinner(peer);
        }

        @Override
        public double handoff(long seq) {
            bytes.writeOrderedLong(ChronicleHandoff.REQUEST, seq);
            while (bytes.readVolatileLong(ChronicleHandoff.PUBLISHED) != seq) {
                spinner.spin();
            }
            return Payload.check(sum(bytes, n), n, seq);
        }

        /** The same four-accumulator loop as {@link Payload#sum}, through Chronicle's API. */
        private static double sum(MappedBytes bytes, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            long base = ChronicleHandoff.DATA;
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                long at = base + i * 8L;
                s0 += bytes.readDouble(at);
                s1 += bytes.readDouble(at + 8);
                s2 += bytes.readDouble(at + 16);
                s3 += bytes.readDouble(at + 24);
            }
            for (; i < n; i++) {
                s0 += bytes.readDouble(base + i * 8L);
            }
            return (s0 + s1) + (s2 + s3);
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                bytes.releaseLast();
                BenchNames.deleteQuietly(path);
            }
        }
    }

    static void serve(int n, Path path) {
        MappedBytes bytes = ChronicleHandoff.map(path, ChronicleHandoff.DATA + n * 8L);
        PeerMain.ready("");
        long last = 0;
        long base = ChronicleHandoff.DATA;
        while (PeerMain.running()) {
            long seq = bytes.readVolatileLong(ChronicleHandoff.REQUEST);
            if (seq == last) {
                Thread.onSpinWait();
                continue;
            }
            for (int i = 0; i < n; i++) {
                bytes.writeDouble(base + i * 8L, Payload.value(i, seq));
            }
            bytes.writeOrderedLong(ChronicleHandoff.PUBLISHED, seq);
            last = seq;
        }
        bytes.releaseLast();
    }
}
