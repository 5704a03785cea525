package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.Claim;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Throughput through a shmkit {@link MessageQueue} of {@link MessageStream#RING} bytes:
 * {@code shmkitOffer} (one producer, copy in), {@code shmkitClaim} (one producer, in place),
 * {@code shmkitMany1}/{@code shmkitMany2} (a many-producer queue, one or two producer JVMs,
 * copy in). The consumer reads in place, {@link MessageStream#READ_LIMIT} messages at most per
 * {@code read}.
 */
final class ShmkitStream extends StreamConsumer {
    private final SegmentDirectory shm = BenchNames.shm();
    private final String name = BenchNames.unique("msg");
    private final MessageQueue queue;
    private final QueueConsumer consumer;
    private final MessageHandler handler;
    private final int limit;

    ShmkitStream(String transport, int size) {
        super(size, MessageStream.producers(transport));
        limit = MessageStream.READ_LIMIT;
        QueueOptions options = transport.startsWith("shmkitMany") ? QueueOptions.manyProducers(RING)
                : QueueOptions.oneProducer(RING);
        queue = MessageQueue.create(shm, name, options);
        try {
            consumer = queue.consumer();
            handler = (type, buffer, offset, length) -> {
                if (type != Messages.TYPE) {
                    throw new IllegalStateException("message of type " + type);
                }
                verifier.check(buffer, offset, length);
            };
            startProducers(transport, name, MessageStream.producers(transport));
        } catch (RuntimeException e) {
            queue.close();
            shm.unlink(name);
            throw e;
        }
    }

    @Override
    int poll() {
        return consumer.read(handler, limit);
    }

    @Override
    void release() {
        try {
            consumer.close();
        } finally {
            queue.close();
            shm.unlink(name);
        }
    }

    /** A producer JVM: messages as fast as the queue takes them, until stdin ends. */
    static void produce(String transport, int size, int producer, String name) {
        boolean claim = transport.equals("shmkitClaim");
        try (MessageQueue queue = MessageQueue.open(BenchNames.shm(), name);
             QueueProducer out = queue.producer();
             Arena arena = Arena.ofConfined()) {
            MemorySegment local = arena.allocate(size, 64);
            PeerMain.ready("");
            long seq = 0;
            int attempt = 0;
            send:
            while (PeerMain.running()) {
                long first = Messages.first(producer, seq + 1);
                if (claim) {
                    Claim c = out.tryClaim(Messages.TYPE, size);
                    if (c == null) {
                        StreamConsumer.Backoff.idle(attempt++);
                        continue;
                    }
                    Messages.fill(c.buffer(), c.offset(), size, first);
                    c.commit();
                } else {
                    Messages.fill(local, 0, size, first);
                    while (!out.offer(Messages.TYPE, local)) {
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
}
