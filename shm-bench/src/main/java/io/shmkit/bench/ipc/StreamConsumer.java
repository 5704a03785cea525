package io.shmkit.bench.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What every {@link MessageStream} shares: its producer peers, the receive loop with its
 * idling, and the stop protocol that checks nothing was lost. A transport supplies
 * {@link #poll()} and {@link #release()}.
 */
abstract class StreamConsumer implements MessageStream {
    /** The check every message passes. */
    final Messages.Verifier verifier;
    final int size;
    private final List<PeerProcess> producers = new ArrayList<>();
    private long target;

    StreamConsumer(int size, int producers) {
        this.size = size;
        this.verifier = new Messages.Verifier(size, producers);
    }

    /**
     * Takes what is waiting: up to {@link #READ_LIMIT} messages (or fragments), or one read of
     * a byte stream, each checked by {@link #verifier}.
     *
     * @return 0 if nothing was waiting, else a positive amount of work done
     */
    abstract int poll() throws IOException;

    /** Frees the transport's resources and removes its files; the producers have exited. */
    abstract void release();

    /** Starts {@code count} producer JVMs ({@code PeerMain produce transport size index endpoint}), in turn. */
    final void startProducers(String transport, String endpoint, int count) {
        for (int i = 0; i < count; i++) {
            producers.add(PeerProcess.start("produce", transport, Integer.toString(size), Integer.toString(i), endpoint));
        }
    }

    @Override
    public final long receive(int count) throws IOException {
        target += count;
        int idle = 0;
        while (verifier.received() < target) {
            if (poll() > 0) {
                idle = 0;
            } else {
                idle(idle++);
            }
        }
        return verifier.received();
    }

    /**
     * The idling of both sides of every throughput transport: spin 64 times, then yield, so
     * that a side that waits gives its core to the other on this 2-core machine (three JVMs
     * with two producers). A producer is checked for life every 2^16 idle attempts.
     */
    private void idle(int attempt) {
        Backoff.idle(attempt);
        if ((attempt & 0xFFFF) == 0xFFFF) {
            producers.forEach(PeerProcess::checkAlive);
        }
    }

    @Override
    public final void close() {
        try {
            producers.forEach(PeerProcess::requestStop);
            // keep consuming while they stop: a producer may be blocked on a full ring or pipe
            long deadline = System.nanoTime() + 60_000_000_000L;
            int attempt = 0;
            while (producers.stream().anyMatch(PeerProcess::isAlive)) {
                if (poll() == 0) {
                    Backoff.idle(attempt++);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("producers of " + this + " did not stop within 60 s");
                }
            }
            long sent = 0;
            for (PeerProcess producer : producers) {
                sent += sentBy(producer, producer.stop());
            }
            while (verifier.received() < sent && System.nanoTime() - deadline < 0) {
                if (poll() == 0) {
                    Backoff.idle(attempt++);
                }
            }
            if (verifier.received() != sent) {
                throw new IllegalStateException(this + ": the producers sent " + sent + " messages, the consumer received "
                        + verifier.received());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(this + ": cannot drain", e);
        } finally {
            producers.forEach(PeerProcess::close);
            release();
        }
    }

    private static long sentBy(PeerProcess producer, String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith("sent ")) {
                return Long.parseLong(line.substring(5).trim());
            }
        }
        throw new IllegalStateException(producer + " did not report what it sent: '" + output + "'");
    }

    /** The producers' end of the loop: the idling of {@link StreamConsumer#idle}. */
    static final class Backoff {
        static final int SPINS = 64;

        private Backoff() {}

        static void idle(int attempt) {
            if (attempt < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + size + " bytes, " + producers.size() + " producer(s)]";
    }
}
