package io.shmkit.bench.ipc;

import java.io.IOException;

/**
 * The consumer's end of an array handoff, in the JMH fork; the producer is a peer JVM.
 * Implementations are not thread-safe: one benchmark thread drives one consumer.
 */
public interface HandoffConsumer extends AutoCloseable {

    /**
     * The transports, by the names the benchmark's {@code transport} parameter takes.
     * <ul>
     *   <li>zero copy, the consumer sums the producer's memory in place: {@code shmkit},
     *       {@code agronaZeroCopy} (the same design on an Agrona {@code UnsafeBuffer} over a
     *       mapped file), {@code chronicleZeroCopy} (on a Chronicle {@code MappedBytes});</li>
     *   <li>copies through the kernel: {@code pipe} (a FIFO enlarged to 1 MiB),
     *       {@code serializedQueue} (Java serialization over that FIFO: Python's
     *       {@code Queue}), {@code unixSocket} (blocking, 4 MiB socket buffers),
     *       {@code unixSocketSpin} (non-blocking, both sides busy-polling);</li>
     *   <li>copies through shared memory: {@code agronaRingBuffer} (copy into a ring, copy
     *       out), {@code chronicleBytes} (copy in, copy out);</li>
     *   <li>{@code localHeap}: no transport and no second process, the floor: this JVM writes
     *       the payload into its own heap array and sums it.</li>
     * </ul>
     */
    String[] TRANSPORTS = {"localHeap", "shmkit", "agronaZeroCopy", "chronicleZeroCopy", "pipe", "serializedQueue",
            "unixSocket", "unixSocketSpin", "agronaRingBuffer", "chronicleBytes"};

    /**
     * Asks the producer for handoff {@code seq} (increasing from 1), waits for it, and sums
     * its n doubles where this process can read them, checking the sum.
     *
     * @throws IllegalStateException if the data is not handoff {@code seq}'s payload
     */
    double handoff(long seq) throws IOException;

    /** Stops the producer JVM and removes every file this consumer made. */
    @Override
    void close();

    /** Starts the producer JVM for {@code transport} and connects to it. */
    static HandoffConsumer start(String transport, int n) throws IOException {
        return switch (transport) {
            case "localHeap" -> new LocalHeapBaseline(n);
            case "shmkit" -> new ShmkitHandoff.Consumer(n);
            case "agronaZeroCopy" -> new AgronaZeroCopyHandoff.Consumer(n);
            case "chronicleZeroCopy" -> new ChronicleZeroCopyHandoff.Consumer(n);
            case "pipe" -> new PipeHandoff.Consumer(n, false);
            case "serializedQueue" -> new PipeHandoff.Consumer(n, true);
            case "unixSocket" -> new SocketHandoff.Consumer(n, false);
            case "unixSocketSpin" -> new SocketHandoff.Consumer(n, true);
            case "agronaRingBuffer" -> new AgronaHandoff.Consumer(n);
            case "chronicleBytes" -> new ChronicleHandoff.Consumer(n);
            default -> throw new IllegalArgumentException("unknown handoff transport '" + transport
                    + "'; known: " + String.join(", ", TRANSPORTS));
        };
    }
}
