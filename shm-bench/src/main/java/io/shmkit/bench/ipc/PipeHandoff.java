package io.shmkit.bench.ipc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Handoff through an OS pipe, tuned: the data goes through a named pipe enlarged to 1 MiB
 * ({@link Fifos}), written from and read into direct buffers (no copy in Java, two in the
 * kernel); requests go down the producer's stdin. Two encodings:
 * <ul>
 *   <li>raw: the producer writes the payload's bytes, the consumer reads them into its own
 *       direct buffer and sums them there;</li>
 *   <li>serialized queue: what Python's {@code multiprocessing.Queue} does with pickle. The
 *       producer serializes the {@code double[]} with Java object serialization into one
 *       buffer and writes its length and bytes; the consumer reads them and deserializes a
 *       new {@code double[]}.</li>
 * </ul>
 */
final class PipeHandoff {
    private PipeHandoff() {}

    static final class Consumer implements HandoffConsumer {
        private final int n;
        private final boolean serialized;
        private final Path fifo = BenchNames.file(BenchNames.unique("handoff.fifo"));
        private final PeerProcess peer;
        private final OutputStream requests;
        private final FileChannel replies;
        private final byte[] request = new byte[8];
        private final ByteBuffer requestView = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        private final ByteBuffer header = ByteBuffer.allocate(4);
        private final ByteBuffer received;
        private final MemorySegment view;
        private byte[] pickled = new byte[0];

        Consumer(int n, boolean serialized) throws IOException {
            this.n = n;
            this.serialized = serialized;
            this.received = ByteBuffer.allocateDirect(serialized ? 8 : n * 8).order(ByteOrder.nativeOrder());
            this.view = MemorySegment.ofBuffer(received);
            Fifos.make(fifo);
            peer = PeerProcess.start("handoff", serialized ? "serializedQueue" : "pipe", Integer.toString(n), fifo.toString());
            requests = peer.toPeer();
            replies = FileChannel.open(fifo, StandardOpenOption.READ); // the producer opens its end after READY
            Fifos.enlargeFully(replies);
        }

        @Override
        public double handoff(long seq) throws IOException {
            requestView.putLong(0, seq);
            requests.write(request);
            requests.flush();
            if (!serialized) {
                if (!Streams.readFully(replies, received.clear())) {
                    throw new IOException("the producer closed the pipe");
                }
                return Payload.sumChecked(view, n, seq);
            }
            Streams.readFully(replies, header.clear());
            int length = header.getInt(0);
            if (pickled.length < length) {
                pickled = new byte[length];
            }
            Streams.readFully(replies, ByteBuffer.wrap(pickled, 0, length));
            try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(pickled, 0, length))) {
                double[] values = (double[]) objects.readObject();
                if (values.length != n) {
                    throw new IOException("received " + values.length + " doubles, expected " + n);
                }
                return Payload.sumChecked(MemorySegment.ofArray(values), n, seq);
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                try {
                    replies.close();
                } catch (IOException ignored) {
                    // closing a read end: nothing to lose
                }
                BenchNames.deleteQuietly(fifo);
            }
        }
    }

    /** The producer, in the child: requests on stdin, data into the FIFO, until stdin ends. */
    static void serve(int n, boolean serialized, Path fifo) throws IOException {
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
        ByteBuffer request = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        ByteBuffer data = ByteBuffer.allocateDirect(serialized ? 8 : n * 8).order(ByteOrder.nativeOrder());
        MemorySegment dataView = MemorySegment.ofBuffer(data);
        double[] values = new double[serialized ? n : 0];
        ByteArrayOutputStream pickled = new ByteArrayOutputStream(n * 8 + 64);
        ByteBuffer header = ByteBuffer.allocate(4);
        PeerMain.ready("");
        try (FileChannel out = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
            Fifos.enlarge(out);
            OutputStream stream = java.nio.channels.Channels.newOutputStream(out);
            while (Streams.readFully(in, request.clear())) {
                long seq = request.getLong(0);
                if (!serialized) {
                    Payload.fill(dataView, n, seq);
                    Streams.writeFully(out, data.clear());
                    continue;
                }
                Payload.fill(values, seq);
                pickled.reset();
                try (ObjectOutputStream objects = new ObjectOutputStream(pickled)) {
                    objects.writeObject(values);
                }
                Streams.writeFully(out, header.clear().putInt(0, pickled.size()));
                pickled.writeTo(stream);
            }
        }
    }
}
