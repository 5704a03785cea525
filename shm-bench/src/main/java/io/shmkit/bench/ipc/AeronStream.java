package io.shmkit.bench.ipc;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Throughput over Aeron IPC ({@link AeronIpc}: the media driver embedded in this, the
 * consuming, JVM): {@code aeronOffer} copies each message in from the producer's buffer with
 * {@link ExclusivePublication#offer}, {@code aeronClaim} writes it in place with
 * {@link ExclusivePublication#tryClaim} and commits (Aeron's zero-copy path, which takes
 * messages up to the MTU only). The consumer polls {@link MessageStream#READ_LIMIT} fragments
 * at most at a time, through a {@link FragmentAssembler}, and drives the driver (its
 * {@link ThreadingMode#INVOKER INVOKER} mode: no driver thread) from the same thread: after
 * every poll that finds nothing, and after every {@link #INVOKE_EVERY}th poll that finds
 * fragments, so that the publication's limit keeps moving while the consumer is busy and the
 * producer is not held back until the consumer has drained the whole window.
 */
final class AeronStream extends StreamConsumer {
    static final int STREAM = 1001;
    /**
     * Polls with fragments between two duty cycles of the driver: at most 16 × 256 fragments,
     * 256 KiB of log (a quarter of the window) for 32-byte messages (64-byte frames). In short
     * runs at 32 bytes this beat invoking only on empty polls (the producer stalls at the limit
     * until the consumer has drained the window) and invoking on every poll.
     */
    static final int INVOKE_EVERY = 16;

    private final AeronIpc ipc;
    private final Subscription subscription;
    private final FragmentAssembler handler;
    private int busyPolls;

    AeronStream(String transport, int size) {
        super(size, 1);
        if (transport.equals("aeronClaim") && size > AeronIpc.MTU - 32) {
            throw new IllegalArgumentException("Aeron's tryClaim takes messages up to its MTU less the 32-byte header ("
                    + (AeronIpc.MTU - 32) + " bytes), not " + size);
        }
        ipc = AeronIpc.launch();
        try {
            subscription = ipc.aeron().addSubscription(AeronIpc.CHANNEL, STREAM);
            handler = new FragmentAssembler((buffer, offset, length, header) -> verifier.check(buffer, offset, length));
            ipc.drivenWhile(() -> {
                startProducers(transport, ipc.directory(), 1);
                return null;
            });
        } catch (RuntimeException e) {
            ipc.close();
            throw e;
        }
    }

    @Override
    int poll() {
        int fragments = subscription.poll(handler, READ_LIMIT);
        if (fragments == 0 || ++busyPolls == INVOKE_EVERY) {
            busyPolls = 0;
            ipc.invoke();
        }
        return fragments;
    }

    @Override
    void release() {
        try {
            subscription.close();
        } finally {
            ipc.close();
        }
    }

    /** A producer JVM: messages as fast as the publication takes them, until stdin ends. */
    static void produce(String transport, int size, int producer, String directory) {
        boolean claim = transport.equals("aeronClaim");
        try (Aeron aeron = AeronIpc.connect(directory);
             ExclusivePublication publication = aeron.addExclusivePublication(AeronIpc.CHANNEL, STREAM)) {
            AeronIpc.await(publication::isConnected, "the subscriber's connection");
            UnsafeBuffer local = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
            BufferClaim bufferClaim = new BufferClaim();
            PeerMain.ready("");
            long seq = 0;
            int attempt = 0;
            send:
            while (PeerMain.running()) {
                long first = Messages.first(producer, seq + 1);
                if (claim) {
                    if (AeronIpc.retry(publication.tryClaim(size, bufferClaim), publication)) {
                        StreamConsumer.Backoff.idle(attempt++);
                        continue;
                    }
                    Messages.fill(bufferClaim.buffer(), bufferClaim.offset(), size, first);
                    bufferClaim.commit();
                } else {
                    Messages.fill(local, 0, size, first);
                    while (AeronIpc.retry(publication.offer(local, 0, size), publication)) {
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
