package io.shmkit.net;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * How a bridge link reaches the other host. Both ends of a link take the same two channels:
 * the sender publishes on {@code dataChannel} and subscribes to {@code controlChannel}; the
 * receiver does the reverse. With UDP unicast the data channel's endpoint is the receiving
 * host and the control channel's is the sending host:
 *
 * <pre>{@code
 * BridgeOptions options = BridgeOptions.of("aeron:udp?endpoint=hostB:40456", "aeron:udp?endpoint=hostA:40457");
 * }</pre>
 *
 * @param dataChannel     Aeron channel URI of the data stream (sender to receiver)
 * @param dataStreamId    its stream id
 * @param controlChannel  Aeron channel URI of the control stream (receiver to sender)
 * @param controlStreamId its stream id
 * @param aeronDirectory  an external media driver's directory, as Aeron's {@code aeron.dir}; null
 *                        to launch an embedded driver of this process (the default)
 * @param windowBytes     the most bytes of the local queue the sender has sent and not yet seen
 *                        acknowledged (they stay in the queue until then); with that much in
 *                        flight, the sender stops reading
 * @param handshakeEvery  how often a side repeats a handshake frame that got no answer
 * @param idle            how the bridge's thread, and an embedded driver's, wait when there is no
 *                        work: {@code "backoff"} (the default: spins, yields, then sleeps from 1 µs
 *                        doubling to 1 ms, so an idle bridge costs little CPU), {@code "yield"}
 *                        ({@code Thread.yield()}: lower latency, a busy core), {@code "spin"} (a
 *                        busy spin: lowest latency, a core each, only with cores to spare)
 */
public record BridgeOptions(String dataChannel, int dataStreamId, String controlChannel, int controlStreamId,
                            String aeronDirectory, int windowBytes, Duration handshakeEvery, String idle) {
    /** The idle strategies {@link #idle()} names. */
    public static final List<String> IDLE_STRATEGIES = List.of("backoff", "yield", "spin");

    /** The data stream's port and stream id when none is given. */
    public static final int DEFAULT_DATA_PORT = 40456;
    public static final int DEFAULT_CONTROL_PORT = 40457;
    public static final int DEFAULT_DATA_STREAM = 1001;
    public static final int DEFAULT_CONTROL_STREAM = 1002;
    public static final int DEFAULT_WINDOW_BYTES = 8 << 20;

    public BridgeOptions {
        Objects.requireNonNull(dataChannel, "dataChannel");
        Objects.requireNonNull(controlChannel, "controlChannel");
        Objects.requireNonNull(handshakeEvery, "handshakeEvery");
        if (!dataChannel.startsWith("aeron:") || !controlChannel.startsWith("aeron:")) {
            throw new IllegalArgumentException("channels are Aeron channel URIs (aeron:udp?endpoint=host:port), not '"
                    + dataChannel + "' and '" + controlChannel + "'");
        }
        if (dataChannel.equals(controlChannel) && dataStreamId == controlStreamId) {
            throw new IllegalArgumentException("the data and control streams must differ: " + dataChannel + " stream " + dataStreamId);
        }
        if (windowBytes < 64 << 10) {
            throw new IllegalArgumentException("a window of " + windowBytes + " bytes is below the minimum of 64 KiB");
        }
        if (!IDLE_STRATEGIES.contains(idle)) {
            throw new IllegalArgumentException("unknown idle strategy '" + idle + "'; known: " + IDLE_STRATEGIES);
        }
        if (handshakeEvery.isNegative() || handshakeEvery.isZero()) {
            throw new IllegalArgumentException("handshakeEvery must be positive: " + handshakeEvery);
        }
    }

    /** The two channels, default stream ids, an embedded driver, an 8 MiB window, handshakes every 100 ms. */
    public static BridgeOptions of(String dataChannel, String controlChannel) {
        return new BridgeOptions(dataChannel, DEFAULT_DATA_STREAM, controlChannel, DEFAULT_CONTROL_STREAM, null,
                DEFAULT_WINDOW_BYTES, Duration.ofMillis(100), "backoff");
    }

    /** UDP unicast between {@code sendingHost} and {@code receivingHost} on the default ports. */
    public static BridgeOptions udp(String sendingHost, String receivingHost) {
        return of("aeron:udp?endpoint=" + receivingHost + ":" + DEFAULT_DATA_PORT,
                "aeron:udp?endpoint=" + sendingHost + ":" + DEFAULT_CONTROL_PORT);
    }

    /** The same, using the external media driver whose directory is {@code directory}. */
    public BridgeOptions withAeronDirectory(String directory) {
        return new BridgeOptions(dataChannel, dataStreamId, controlChannel, controlStreamId, directory, windowBytes, handshakeEvery, idle);
    }

    /** The same, with at most {@code bytes} of the local queue in flight (sent, not yet acknowledged). */
    public BridgeOptions withWindowBytes(int bytes) {
        return new BridgeOptions(dataChannel, dataStreamId, controlChannel, controlStreamId, aeronDirectory, bytes, handshakeEvery, idle);
    }

    /** The same, waiting as {@code strategy} says (one of {@link #IDLE_STRATEGIES}). */
    public BridgeOptions withIdle(String strategy) {
        return new BridgeOptions(dataChannel, dataStreamId, controlChannel, controlStreamId, aeronDirectory, windowBytes, handshakeEvery,
                strategy);
    }

    /** A fresh idle strategy of the kind {@link #idle()} names. */
    IdleStrategy newIdleStrategy() {
        return idleStrategy(idle);
    }

    /**
     * A fresh idle strategy of the kind {@code name} names (one of {@link #IDLE_STRATEGIES}), as
     * a bridge makes it: for a program that waits beside bridges the same way.
     *
     * @throws IllegalArgumentException for another name
     */
    public static IdleStrategy idleStrategy(String name) {
        return switch (name) {
            case "yield" -> new YieldingIdleStrategy();
            case "spin" -> new BusySpinIdleStrategy();
            case "backoff" -> new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
            default -> throw new IllegalArgumentException("unknown idle strategy '" + name + "'; known: " + IDLE_STRATEGIES);
        };
    }
}
