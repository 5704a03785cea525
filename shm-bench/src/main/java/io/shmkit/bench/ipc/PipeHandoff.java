package io.shmkit.bench.ipc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Handoff through an OS pipe: the producer is a child JVM, requests go down its stdin and the
 * data comes up its stdout. Two encodings:
 * <ul>
 *   <li>raw: the producer writes its doubles' bytes from a direct buffer (no copy in Java),
 *       the consumer reads them into its own {@code byte[]};</li>
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
        private final PeerProcess peer;
        private final OutputStream requests;
        private final InputStream replies;
        private final byte[] request = new byte[8];
        private final ByteBuffer requestView = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        private final byte[] header = new byte[4];
        private final ByteBuffer headerView = ByteBuffer.wrap(header);
        private byte[] received;
        private MemorySegment view;

        Consumer(int n, boolean serialized) {
            this.n = n;
            this.serialized = serialized;
            this.received = new byte[serialized ? 0 : n * 8];
            this.view = MemorySegment.ofArray(received);
            peer = PeerProcess.start("handoff", serialized ? "serializedQueue" : "pipe", Integer.toString(n), "-");
            requests = peer.toPeer();
            replies = peer.fromPeer();
        }

        @Override
        public MemorySegment fetch(long seq) throws IOException {
            requestView.putLong(0, seq);
            requests.write(request);
            requests.flush();
            if (!serialized) {
                Streams.readFully(replies, received, 0, received.length);
                return view;
            }
            Streams.readFully(replies, header, 0, 4);
            int length = headerView.getInt(0);
            if (received.length < length) {
                received = new byte[length];
            }
            Streams.readFully(replies, received, 0, length);
            try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(received, 0, length))) {
                double[] values = (double[]) objects.readObject();
                if (values.length != n) {
                    throw new IOException("received " + values.length + " doubles, expected " + n);
                }
                return MemorySegment.ofArray(values);
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            peer.stop();
        }
    }

    /** The producer, in the child: requests on stdin, data on stdout, until stdin ends. */
    static void serve(int n, boolean serialized) throws IOException {
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
        FileOutputStream outStream = new FileOutputStream(FileDescriptor.out);
        FileChannel out = outStream.getChannel();
        ByteBuffer request = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        ByteBuffer data = ByteBuffer.allocateDirect(serialized ? 8 : n * 8).order(ByteOrder.nativeOrder());
        double[] values = new double[serialized ? n : 0];
        if (serialized) {
            Payload.fill(MemorySegment.ofArray(values), n);
        } else {
            Payload.fill(MemorySegment.ofBuffer(data), n);
        }
        PeerMain.ready("");
        ByteArrayOutputStream pickled = new ByteArrayOutputStream(n * 8 + 64);
        ByteBuffer header = ByteBuffer.allocate(4);
        while (Streams.readFully(in, request.clear())) {
            long seq = request.getLong(0);
            if (!serialized) {
                data.putDouble(0, seq);
                Streams.writeFully(out, data.clear());
                continue;
            }
            values[0] = seq;
            pickled.reset();
            try (ObjectOutputStream objects = new ObjectOutputStream(pickled)) {
                objects.writeObject(values);
            }
            Streams.writeFully(out, header.clear().putInt(0, pickled.size()));
            pickled.writeTo(outStream);
        }
    }
}
