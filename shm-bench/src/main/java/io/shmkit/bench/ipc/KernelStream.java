package io.shmkit.bench.ipc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Throughput through the kernel: {@code pipe} (a FIFO enlarged to 1 MiB, {@link Fifos}),
 * {@code unixSocket} (a Unix-domain socket with 4 MiB buffers, {@link SocketHandoff#tune}),
 * both blocking, and {@code serializedPipe} (Java serialization over that FIFO: Python's
 * {@code multiprocessing.Queue}, which pickles every message and writes it to a pipe).
 *
 * <p>Each message is an 8-byte header (payload length and type, native ints) and the payload;
 * the producer writes each message with one {@code write} (a message-at-a-time send, as
 * Python's {@code Connection.send_bytes} does), the consumer reads up to
 * {@link MessageStream#STREAM_READ} bytes at a time and checks every whole message in them.
 * For {@code serializedPipe} the payload is a {@code long[]} of the message's words written by
 * a fresh {@code ObjectOutputStream} (as {@code pickle.dumps} starts afresh for every message),
 * and the consumer deserializes each into a new {@code long[]} before checking it.
 */
final class KernelStream extends StreamConsumer {
    static final int HEADER = 8;
    private static final byte[] NO_HEADER_YET = new byte[HEADER];

    private final String transport;
    private final Path path;
    private final ByteChannel channel;
    private final ByteBuffer in;
    private final boolean serialized;
    private boolean ended;

    KernelStream(String transport, int size) throws IOException {
        super(size, 1);
        this.transport = transport;
        this.serialized = transport.equals("serializedPipe");
        boolean socket = transport.equals("unixSocket");
        this.path = BenchNames.file(BenchNames.unique(socket ? "msg.sock" : "msg.fifo"));
        // serialized messages are read from a heap array, as ObjectInputStream needs one
        this.in = (serialized ? ByteBuffer.allocate(STREAM_READ) : ByteBuffer.allocateDirect(STREAM_READ))
                .order(ByteOrder.nativeOrder());
        try {
            if (!socket) {
                Fifos.make(path);
            }
            startProducers(transport, path.toString(), 1);
            if (socket) {
                SocketChannel connected = SocketChannel.open(UnixDomainSocketAddress.of(path));
                SocketHandoff.tune(connected, false);
                channel = connected;
            } else {
                FileChannel read = FileChannel.open(path, StandardOpenOption.READ); // the producer opens its end after READY
                channel = read;
                Fifos.enlargeFully(read);
            }
        } catch (IOException | RuntimeException e) {
            BenchNames.deleteQuietly(path);
            throw e;
        }
    }

    @Override
    int poll() throws IOException {
        if (ended) {
            return 0;
        }
        int got = channel.read(in);
        if (got < 0) {
            ended = true;
            return 0;
        }
        in.flip();
        int count = 0;
        while (in.remaining() >= HEADER) {
            int at = in.position();
            int length = in.getInt(at);
            if (length < 0 || length > STREAM_READ - HEADER) {
                throw new IllegalStateException(transport + ": a message header says " + length + " bytes");
            }
            if (in.remaining() < HEADER + length) {
                break;
            }
            if (in.getInt(at + 4) != Messages.TYPE) {
                throw new IllegalStateException(transport + ": message of type " + in.getInt(at + 4));
            }
            if (serialized) {
                verifier.check(deserialize(in.array(), at + HEADER, length));
            } else {
                verifier.check(in, at + HEADER, length);
            }
            in.position(at + HEADER + length);
            count++;
        }
        in.compact();
        return Math.max(count, got); // bytes read is work too: a partial message is progress
    }

    private long[] deserialize(byte[] bytes, int offset, int length) throws IOException {
        try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes, offset, length))) {
            return (long[]) objects.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException(e);
        }
    }

    @Override
    void release() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            BenchNames.deleteQuietly(path);
        }
    }

    /** A producer JVM: one write per message, as fast as the kernel takes them, until stdin ends. */
    static void produce(String transport, int size, int producer, Path path) throws IOException {
        if (transport.equals("unixSocket")) {
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(path));
                PeerMain.ready("");
                try (SocketChannel channel = server.accept()) {
                    SocketHandoff.tune(channel, false);
                    send(channel, transport, size, producer);
                }
            } finally {
                BenchNames.deleteQuietly(path);
            }
        } else {
            PeerMain.ready("");
            try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
                Fifos.enlarge(out);
                send(out, transport, size, producer);
            }
        }
    }

    private static void send(ByteChannel out, String transport, int size, int producer) throws IOException {
        long seq = 0;
        if (transport.equals("serializedPipe")) {
            long[] words = new long[size / 8];
            Frame frame = new Frame(size + 1024);
            while (PeerMain.running()) {
                Messages.fill(words, Messages.first(producer, seq + 1));
                frame.reset();
                frame.write(NO_HEADER_YET, 0, HEADER); // the header's place, filled in below
                try (ObjectOutputStream objects = new ObjectOutputStream(frame)) {
                    objects.writeObject(words);
                }
                ByteBuffer message = frame.buffer();
                message.putInt(0, message.limit() - HEADER).putInt(4, Messages.TYPE);
                Streams.writeFully(out, message);
                seq++;
            }
        } else {
            ByteBuffer message = ByteBuffer.allocateDirect(HEADER + size).order(ByteOrder.nativeOrder());
            message.putInt(0, size).putInt(4, Messages.TYPE);
            while (PeerMain.running()) {
                Messages.fill(message, HEADER, size, Messages.first(producer, seq + 1));
                Streams.writeFully(out, message.clear());
                seq++;
            }
        }
        PeerMain.result("sent " + seq);
    }

    /** A reusable byte stream whose bytes can be written out without copying them to a new array. */
    private static final class Frame extends ByteArrayOutputStream {
        Frame(int size) {
            super(size);
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(buf, 0, count).order(ByteOrder.nativeOrder());
        }
    }
}
