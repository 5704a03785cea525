package io.shmkit.bench.ipc;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.MappedBytes;

/**
 * Handoff through a Chronicle Bytes {@link MappedBytes} file both JVMs map, copying: the
 * producer writes each handoff's payload into its own memory and copies it in, then makes a
 * release store of the sequence; the consumer copies it out into its own memory and sums that.
 * {@link ChronicleZeroCopyHandoff} is the zero-copy design. Request at offset 0, published
 * sequence at 64, data at 128.
 */
final class ChronicleHandoff {
    static final long REQUEST = 0;
    static final long PUBLISHED = 64;
    static final long DATA = 128;

    private ChronicleHandoff() {}

    static MappedBytes map(Path path, long size) {
        try {
            MappedBytes bytes = MappedBytes.singleMappedBytes(path.toFile(), size);
            bytes.singleThreadedCheckDisabled(true); // JMH sets up and measures on different threads
            return bytes;
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException("cannot map " + path, e);
        }
    }

    static final class Consumer implements HandoffConsumer {
        private final Path path = BenchNames.file(BenchNames.unique("handoff.chronicle"));
        private final PeerProcess peer;
        private final Spinner spinner;
        private final MappedBytes bytes;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment received;
        private final long length;
        private final int n;

        Consumer(int n) {
            this.n = n;
            length = n * 8L;
            received = arena.allocate(length, 64);
            BenchNames.createFile(path, DATA + length);
            bytes = map(path, DATA + length);
            peer = PeerProcess.start("handoff", "chronicleBytes", Integer.toString(n), path.toString());
            spinner = new Spinner(peer);
        }

        @Override
        public double handoff(long seq) {
            bytes.writeOrderedLong(REQUEST, seq);
            while (bytes.readVolatileLong(PUBLISHED) != seq) {
                spinner.spin();
            }
            bytes.nativeRead(DATA, received.address(), length);
            return Payload.sumChecked(received, n, seq);
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                bytes.releaseLast();
                arena.close();
                BenchNames.deleteQuietly(path);
            }
        }
    }

    static void serve(int n, Path path) {
        long length = n * 8L;
        MappedBytes bytes = map(path, DATA + length);
        MemorySegment local = Arena.ofAuto().allocate(length, 64);
        PeerMain.ready("");
        long last = 0;
        while (PeerMain.running()) {
            long seq = bytes.readVolatileLong(REQUEST);
            if (seq == last) {
                Thread.onSpinWait();
                continue;
            }
            Payload.fill(local, n, seq);
            bytes.nativeWrite(local.address(), DATA, length);
            bytes.writeOrderedLong(PUBLISHED, seq);
            last = seq;
        }
        bytes.releaseLast();
    }
}
