package io.shmkit.bench.ipc;

import java.io.IOException;

/**
 * The pinging end of a 32-byte round trip, in the JMH fork; a peer JVM echoes. Not
 * thread-safe: one benchmark thread drives one client.
 */
public interface PingPongClient extends AutoCloseable {
    /** Message size in bytes: four longs, the first of which is the sequence number. */
    int MESSAGE = 32;

    /**
     * Every transport {@link #start} knows, by name: the latency harness
     * ({@code io.shmkit.bench.latency}) runs them all; {@code PingPongBenchmark}'s
     * {@code transport} parameter takes these names. {@code floor} is one sequence word per
     * direction and no payload, the least a shared-memory round trip can cost;
     * {@code agronaMailbox} is shmkit's mailbox written on Agrona; {@code shmkitQueue},
     * {@code agronaRingBuffers} and {@code aeron} are queue pairs (shmkit {@code MessageQueue}s,
     * Agrona {@code OneToOneRingBuffer}s, Aeron IPC), {@code shmkitPipe} shmkit's Python-shaped
     * {@code Pipe}; the {@code ...Spin} sockets busy-poll non-blocking channels where the others block.
     */
    String[] TRANSPORTS = {"floor", "shmkit", "agronaMailbox", "shmkitQueue", "agronaRingBuffers", "aeron", "shmkitPipe",
            "pipe", "unixSocket", "unixSocketSpin", "tcp", "tcpSpin"};

    /**
     * Sends message {@code seq} and waits for its echo.
     *
     * @return the echoed sequence number
     * @throws IllegalStateException if the echo is not the message sent
     */
    long roundTrip(long seq) throws IOException;

    /** Stops the echoing JVM and removes every file this client made. */
    @Override
    void close();

    static PingPongClient start(String transport) throws IOException {
        return switch (transport) {
            case "shmkit" -> new ShmkitPingPong.Client();
            case "agronaMailbox" -> new AgronaMailboxPingPong.Client();
            case "agronaRingBuffers" -> new AgronaPingPong.Client();
            case "floor" -> new FloorPingPong.Client();
            case "shmkitQueue" -> new ShmkitQueuePingPong.Client();
            case "shmkitPipe" -> new ShmkitPipePingPong.Client();
            case "aeron" -> new AeronPingPong.Client();
            case "pipe" -> new StreamPingPong.PipeClient();
            case "unixSocket", "tcp" -> new StreamPingPong.SocketClient(transport);
            case "unixSocketSpin", "tcpSpin" -> new SpinSocketPingPong.Client(transport);
            default -> throw new IllegalArgumentException("unknown ping-pong transport '" + transport
                    + "'; known: " + String.join(", ", TRANSPORTS));
        };
    }

    /** The message's four longs are seq, ~seq, seq * 31, seq ^ 0x5555...; an echo must match. */
    static long word(long seq, int i) {
        return switch (i) {
            case 0 -> seq;
            case 1 -> ~seq;
            case 2 -> seq * 31;
            default -> seq ^ 0x5555_5555_5555_5555L;
        };
    }

    static long check(long seq, long w0, long w1, long w2, long w3) {
        if (w0 != seq || w1 != word(seq, 1) || w2 != word(seq, 2) || w3 != word(seq, 3)) {
            throw new IllegalStateException("echo of message " + seq + " came back as [" + w0 + ", " + w1
                    + ", " + w2 + ", " + w3 + "]");
        }
        return w0;
    }
}
