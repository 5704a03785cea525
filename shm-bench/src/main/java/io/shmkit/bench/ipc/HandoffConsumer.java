package io.shmkit.bench.ipc;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The consumer's end of an array handoff, in the JMH fork; the producer is a peer JVM.
 * Implementations are not thread-safe: one benchmark thread drives one consumer.
 */
public interface HandoffConsumer extends AutoCloseable {

    /**
     * The transports, by the names the benchmark's {@code transport} parameter takes, and
     * {@code localHeap}, the floor: the same sum over a heap array of this JVM, no transport.
     */
    String[] TRANSPORTS = {"localHeap", "shmkit", "pipe", "unixSocket", "serializedQueue", "agronaRingBuffer", "chronicleBytes"};

    /**
     * Asks the producer for handoff {@code seq} (increasing from 1) and returns its doubles
     * where this process can read them: the shared array itself when zero-copy, else this
     * process's copy. The segment stays valid until the next call.
     */
    MemorySegment fetch(long seq) throws IOException;

    /** Stops the producer JVM and removes every file this consumer made. */
    @Override
    void close();

    /** Starts the producer JVM for {@code transport} and connects to it. */
    static HandoffConsumer start(String transport, int n) throws IOException {
        return switch (transport) {
            case "localHeap" -> new LocalHeapBaseline(n);
            case "shmkit" -> new ShmkitHandoff.Consumer(n);
            case "pipe" -> new PipeHandoff.Consumer(n, false);
            case "serializedQueue" -> new PipeHandoff.Consumer(n, true);
            case "unixSocket" -> new SocketHandoff.Consumer(n);
            case "agronaRingBuffer" -> new AgronaHandoff.Consumer(n);
            case "chronicleBytes" -> new ChronicleHandoff.Consumer(n);
            default -> throw new IllegalArgumentException("unknown handoff transport '" + transport
                    + "'; known: " + String.join(", ", TRANSPORTS));
        };
    }
}
