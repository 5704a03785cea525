package io.shmkit.bench.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Throughput through an Agrona ring buffer of {@link MessageStream#RING} bytes in a file both
 * JVMs map (as Aeron shares its rings between processes): {@code agronaWrite} and
 * {@code agronaClaim} on a {@link OneToOneRingBuffer}, {@code agronaMany1}/{@code agronaMany2}
 * on a {@link ManyToOneRingBuffer} with one or two producer JVMs. The consumer reads in place,
 * {@link MessageStream#READ_LIMIT} messages at most per {@code read}, as shmkit's does.
 */
final class AgronaStream extends StreamConsumer {
    private final Path path = BenchNames.file(BenchNames.unique("msg.agrona"));
    private final RingBuffer ring;
    private final MessageHandler handler;
    private final int limit;

    AgronaStream(String transport, int size) {
        super(size, MessageStream.producers(transport));
        limit = MessageStream.READ_LIMIT;
        BenchNames.createFile(path, RING + RingBufferDescriptor.TRAILER_LENGTH);
        try {
            ring = ring(transport, map(path));
            handler = (type, buffer, index, length) -> {
                if (type != Messages.TYPE) {
                    throw new IllegalStateException("message of type " + type);
                }
                verifier.check(buffer, index, length);
            };
            startProducers(transport, path.toString(), MessageStream.producers(transport));
        } catch (RuntimeException e) {
            BenchNames.deleteQuietly(path);
            throw e;
        }
    }

    static RingBuffer ring(String transport, UnsafeBuffer buffer) {
        return transport.startsWith("agronaMany") ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }

    /** The whole ring file, mapped; the mapping lives as long as the buffer. */
    static UnsafeBuffer map(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, RING + RingBufferDescriptor.TRAILER_LENGTH));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path, e);
        }
    }

    @Override
    int poll() {
        return ring.read(handler, limit);
    }

    @Override
    void release() {
        BenchNames.deleteQuietly(path);
    }

    /** A producer JVM: messages as fast as the ring takes them, until stdin ends. */
    static void produce(String transport, int size, int producer, Path path) {
        RingBuffer ring = ring(transport, map(path));
        boolean claim = transport.equals("agronaClaim");
        UnsafeBuffer local = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        PeerMain.ready("");
        long seq = 0;
        int attempt = 0;
        send:
        while (PeerMain.running()) {
            long first = Messages.first(producer, seq + 1);
            if (claim) {
                int index = ring.tryClaim(Messages.TYPE, size);
                if (index < 0) {
                    StreamConsumer.Backoff.idle(attempt++);
                    continue;
                }
                Messages.fill(ring.buffer(), index, size, first);
                ring.commit(index);
            } else {
                Messages.fill(local, 0, size, first);
                while (!ring.write(Messages.TYPE, local, 0, size)) {
                    if (!PeerMain.running()) {
                        break send;
                    }
                    StreamConsumer.Backoff.idle(attempt++);
                }
            }
            attempt = 0;
            seq++;
        }
        PeerMain.result("sent " + seq);
    }
}
