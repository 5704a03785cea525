package io.shmkit.bench.ipc;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Zero-copy handoff written with Agrona as an expert would: an {@link UnsafeBuffer} over a
 * file both JVMs map, the producer writing its doubles in place with {@code putDouble}, then a
 * {@code putLongOrdered} of the sequence; the consumer sums in place with {@code getDouble}
 * after a {@code getLongVolatile} sees the sequence. shmkit's design, on Agrona's API: the row
 * that compares the APIs, not the idea. Request at 0, published sequence at 64, data at 128.
 */
final class AgronaZeroCopyHandoff {
    static final int REQUEST = 0;
    static final int PUBLISHED = 64;
    static final int DATA = 128;

    private AgronaZeroCopyHandoff() {}

    static UnsafeBuffer map(Path path, long size) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            return new UnsafeBuffer(mapped);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot map " + path, e);
        }
    }

    static final class Consumer implements HandoffConsumer {
        private final Path path = BenchNames.file(BenchNames.unique("handoff.agrona0"));
        private final UnsafeBuffer buffer;
        private final PeerProcess peer;
        private final Spinner spinner;
        private final int n;

        Consumer(int n) {
            this.n = n;
            BenchNames.createFile(path, DATA + n * 8L);
            buffer = map(path, DATA + n * 8L);
            peer = PeerProcess.start("handoff", "agronaZeroCopy", Integer.toString(n), path.toString());
            spinner = new Spinner(peer);
        }

        @Override
        public double handoff(long seq) {
            buffer.putLongOrdered(REQUEST, seq);
            while (buffer.getLongVolatile(PUBLISHED) != seq) {
                spinner.spin();
            }
            return Payload.check(sum(buffer, n), n, seq);
        }

        /** The same four-accumulator loop as {@link Payload#sum}, through Agrona's API. */
        private static double sum(UnsafeBuffer buffer, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                int at = DATA + i * 8;
                s0 += buffer.getDouble(at);
                s1 += buffer.getDouble(at + 8);
                s2 += buffer.getDouble(at + 16);
                s3 += buffer.getDouble(at + 24);
            }
            for (; i < n; i++) {
                s0 += buffer.getDouble(DATA + i * 8);
            }
            return (s0 + s1) + (s2 + s3);
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                BenchNames.deleteQuietly(path);
            }
        }
    }

    static void serve(int n, Path path) {
        UnsafeBuffer buffer = map(path, DATA + n * 8L);
        PeerMain.ready("");
        long last = 0;
        while (PeerMain.running()) {
            long seq = buffer.getLongVolatile(REQUEST);
            if (seq == last) {
                Thread.onSpinWait();
                continue;
            }
            for (int i = 0; i < n; i++) {
                buffer.putDouble(DATA + i * 8, Payload.value(i, seq));
            }
            buffer.putLongOrdered(PUBLISHED, seq);
            last = seq;
        }
    }
}
