package io.shmkit.bench.ipc;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * Handoff through Agrona {@link OneToOneRingBuffer}s in a shared file: copy in, copy out, the
 * way a message-passing design moves an array. A small ring carries requests; the data ring
 * (1 MiB) carries the doubles in 64 KiB messages, since a ring's largest message is an eighth
 * of its capacity. The producer writes each handoff's payload into its own buffer and copies
 * it into the ring; the consumer copies each message out into its own buffer before the ring
 * slot is reused, and sums that. {@link AgronaZeroCopyHandoff} is the zero-copy design.
 */
final class AgronaHandoff {
    static final int REQUEST_RING = 4096;
    static final int DATA_RING = 1 << 20;
    static final int CHUNK = 64 * 1024;
    static final int MSG = 1;

    private AgronaHandoff() {}

    static final class Consumer implements HandoffConsumer {
        private final Path path = BenchNames.file(BenchNames.unique("handoff.agrona"));
        private final PeerProcess peer;
        private final Spinner spinner;
        private final OneToOneRingBuffer requests;
        private final OneToOneRingBuffer data;
        private final UnsafeBuffer request = new UnsafeBuffer(ByteBuffer.allocateDirect(8));
        private final UnsafeBuffer received;
        private final MemorySegment view;
        private final int bytes;
        private int position;
        private final MessageHandler copyOut;
        private final int n;

        Consumer(int n) {
            this.n = n;
            bytes = n * 8;
            ByteBuffer local = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            received = new UnsafeBuffer(local);
            view = MemorySegment.ofBuffer(local);
            copyOut = (type, buffer, index, length) -> {
                received.putBytes(position, buffer, index, length);
                position += length;
            };
            BenchNames.createFile(path, AgronaFiles.size(REQUEST_RING, DATA_RING));
            OneToOneRingBuffer[] rings = AgronaFiles.map(path, REQUEST_RING, DATA_RING);
            requests = rings[0];
            data = rings[1];
            peer = PeerProcess.start("handoff", "agronaRingBuffer", Integer.toString(n), path.toString());
            spinner = new Spinner(peer);
        }

        @Override
        public double handoff(long seq) {
            request.putLong(0, seq);
            while (!requests.write(MSG, request, 0, 8)) {
                Thread.onSpinWait();
            }
            position = 0;
            while (position < bytes) {
                if (data.read(copyOut) == 0) {
                    spinner.spin();
                }
            }
            return Payload.sumChecked(view, n, seq);
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
        OneToOneRingBuffer[] rings = AgronaFiles.map(path, REQUEST_RING, DATA_RING);
        OneToOneRingBuffer requests = rings[0];
        OneToOneRingBuffer data = rings[1];
        int bytes = n * 8;
        ByteBuffer local = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        MemorySegment localView = MemorySegment.ofBuffer(local);
        UnsafeBuffer source = new UnsafeBuffer(local);
        long[] seq = {0};
        MessageHandler onRequest = (type, buffer, index, length) -> seq[0] = buffer.getLong(index);
        PeerMain.ready("");
        while (PeerMain.running()) {
            if (requests.read(onRequest, 1) == 0) {
                Thread.onSpinWait();
                continue;
            }
            Payload.fill(localView, n, seq[0]);
            for (int offset = 0; offset < bytes; offset += CHUNK) {
                int length = Math.min(CHUNK, bytes - offset);
                while (!data.write(MSG, source, offset, length)) {
                    Thread.onSpinWait();
                    if (!PeerMain.running()) {
                        return;
                    }
                }
            }
        }
    }
}
