package io.shmkit.bench.ipc;

import java.io.IOException;

/**
 * The consuming end of a messaging throughput benchmark, in the JMH fork; its producers are
 * peer JVMs that send {@link Messages} as fast as the transport takes them, from
 * {@code @Setup} until {@link #close()}. The consumer checks every message ({@link Messages}).
 * Not thread-safe: one benchmark thread drives one stream.
 *
 * <p>What each transport does per message, producer side then consumer side:
 * <ul>
 *   <li>{@code shmkitOffer}: a one-producer {@code MessageQueue}; the producer writes the
 *       message into its own buffer and copies it in with {@code offer(type, MemorySegment)};
 *       the consumer's {@code read(handler, 256)} hands each message over in place.</li>
 *   <li>{@code shmkitClaim}: the same queue; {@code tryClaim(type, size)}, the words written
 *       in place, {@code commit()}.</li>
 *   <li>{@code shmkitMany1}, {@code shmkitMany2}: a many-producer {@code MessageQueue} (the
 *       claimer CAS on every reservation) with one or two producer JVMs, each copying in with
 *       {@code offer}.</li>
 *   <li>{@code agronaWrite}, {@code agronaClaim}: Agrona's {@code OneToOneRingBuffer} in a file
 *       both JVMs map, {@code write} from the producer's buffer, or {@code tryClaim}, in place,
 *       {@code commit}; the consumer's {@code read(handler, 256)}.</li>
 *   <li>{@code agronaMany1}, {@code agronaMany2}: Agrona's {@code ManyToOneRingBuffer}, one or
 *       two producer JVMs, {@code write}.</li>
 *   <li>{@code aeronOffer}, {@code aeronClaim}: Aeron IPC ({@link AeronIpc}: an embedded
 *       media driver in the consumer's JVM, in INVOKER mode, driven by the consumer's thread), an {@code ExclusivePublication}'s {@code offer}
 *       from the producer's buffer or {@code tryClaim}, in place, {@code commit} (up to the
 *       MTU only); the consumer's {@code Subscription.poll(FragmentAssembler, 256)}.</li>
 *   <li>{@code pipe}, {@code unixSocket}: a FIFO enlarged to 1 MiB ({@link Fifos}), a
 *       Unix-domain socket with 4 MiB buffers, both blocking: the producer writes each message
 *       (an 8-byte header, length and type, then the payload) with one {@code write} from a
 *       direct buffer; the consumer reads up to 1 MiB at a time into a direct buffer and checks
 *       every whole message in it.</li>
 *   <li>{@code serializedPipe}: Python's {@code Queue} done in Java: the producer serializes
 *       each message, a {@code long[]} of its words, with a fresh {@code ObjectOutputStream}
 *       (pickle's {@code dumps}) and writes header and bytes to the FIFO; the consumer
 *       deserializes each into a new {@code long[]}.</li>
 * </ul>
 * Rings (shmkit, Agrona) are {@link #RING} bytes; the Aeron publication's window is as large.
 */
public interface MessageStream extends AutoCloseable {
    /** Every transport, in report order. */
    String[] TRANSPORTS = {"shmkitOffer", "shmkitClaim", "shmkitMany1", "shmkitMany2", "agronaWrite", "agronaClaim",
            "agronaMany1", "agronaMany2", "aeronOffer", "aeronClaim", "pipe", "unixSocket", "serializedPipe"};
    /** Payload sizes measured, bytes. */
    int[] SIZES = {32, 256, 4096, 65536};
    /** Ring capacity of the shmkit and Agrona queues, bytes (Aeron: its publication window). */
    int RING = 1 << 20;
    /** Messages a consumer's read may take at once (shmkit, Agrona), fragments a poll (Aeron). */
    int READ_LIMIT = 256;
    /** Bytes a kernel transport's consumer reads at once. */
    int STREAM_READ = 1 << 20;
    /** Aeron's settings, for the report ({@link AeronIpc}). */
    String AERON_SETTINGS = "Aeron IPC runs an embedded media driver in the consumer's JVM in INVOKER threading mode (no"
            + " driver thread: the consumer's thread runs the driver's duty cycle, and its own client conductor's, after every"
            + " poll that finds nothing and after every " + AeronStream.INVOKE_EVERY + "th that finds fragments; the producer's"
            + " client conductor keeps its own, sleeping, thread), terms of "
            + (AeronIpc.TERM_LENGTH >> 20) + " MiB, a publication window of " + (AeronIpc.WINDOW >> 20) + " MiB, MTU "
            + AeronIpc.MTU + " bytes (its largest), an `ExclusivePublication`, and a subscriber polling at most " + READ_LIMIT
            + " fragments at a time through a `FragmentAssembler`";

    /**
     * Receives and checks messages until {@code count} more than at the previous call's target
     * have arrived (the excess of a read that took more counts towards the next call).
     *
     * @return messages received so far
     * @throws IllegalStateException if a message is not what its producer sent, or a producer died
     */
    long receive(int count) throws IOException;

    /**
     * Stops the producers, receives what they sent before they stopped, checks that every
     * message sent was received exactly once, and removes every file this stream made.
     *
     * @throws IllegalStateException if the counts differ
     */
    @Override
    void close();

    /** How many producer JVMs {@code transport} has. */
    static int producers(String transport) {
        return transport.endsWith("Many2") ? 2 : 1;
    }

    /** Starts the producer JVM(s) of {@code transport} for {@code size}-byte messages and connects to them. */
    static MessageStream start(String transport, int size) throws IOException {
        if (size < 16 || size % 8 != 0) {
            throw new IllegalArgumentException("message size " + size + " is not a multiple of 8 of at least 16");
        }
        return switch (transport) {
            case "shmkitOffer", "shmkitClaim", "shmkitMany1", "shmkitMany2" -> new ShmkitStream(transport, size);
            case "agronaWrite", "agronaClaim", "agronaMany1", "agronaMany2" -> new AgronaStream(transport, size);
            case "aeronOffer", "aeronClaim" -> new AeronStream(transport, size);
            case "pipe", "unixSocket", "serializedPipe" -> new KernelStream(transport, size);
            default -> throw new IllegalArgumentException("unknown messaging transport '" + transport + "'; known: "
                    + String.join(", ", TRANSPORTS));
        };
    }
}
