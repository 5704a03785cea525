package io.shmkit.net;

import io.shmkit.core.SegmentDirectory;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code shm bridge}: runs one half of a bridge until the stream ends ({@code docs/network.md}).
 *
 * <pre>
 * shm bridge send    --queue NAME [--dir DIR] [--data URI] [--control URI] [--aeron-dir DIR] [--window BYTES] [--idle KIND]
 * shm bridge receive --queue NAME [--dir DIR] [--data URI] [--control URI] [--aeron-dir DIR] [--idle KIND]
 * </pre>
 *
 * Exit status: 0 when the stream ended, or after SIGTERM/SIGINT (the bridge stops, a sender once
 * the receiver has recorded what it took, at most 5 s later); 1 when the link was refused or
 * failed; 2 for a usage error.
 */
public final class BridgeMain {
    private BridgeMain() {}

    static final String USAGE = """
            usage: shm bridge send|receive --queue NAME [--dir DIR] [--data URI] [--control URI]
                                           [--aeron-dir DIR] [--window BYTES] [--idle backoff|yield|spin]
              send      drain local queue NAME into the data channel
              receive   write what the data channel brings into local queue NAME (it must exist)
              --dir       segment directory (default /dev/shm)
              --data      data channel, to the receiving host (default aeron:udp?endpoint=localhost:40456)
              --control   control channel, to the sending host (default aeron:udp?endpoint=localhost:40457)
              --aeron-dir an external media driver's directory (default: an embedded driver)
              --window    most bytes of the local queue sent and not yet acknowledged (default 8388608)
              --idle      how the bridge and its embedded driver wait for work: backoff (default; sleeps
                          up to 1 ms when idle), yield, spin (a core each)""";

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || !(args[0].equals("send") || args[0].equals("receive"))) {
            System.err.println(USAGE);
            return 2;
        }
        String queue = null;
        String dir = null;
        String dataChannel = "aeron:udp?endpoint=localhost:" + BridgeOptions.DEFAULT_DATA_PORT;
        String controlChannel = "aeron:udp?endpoint=localhost:" + BridgeOptions.DEFAULT_CONTROL_PORT;
        String aeronDir = null;
        int window = BridgeOptions.DEFAULT_WINDOW_BYTES;
        String idle = "backoff";
        try {
            for (int i = 1; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--queue" -> queue = value;
                    case "--dir" -> dir = value;
                    case "--data" -> dataChannel = value;
                    case "--control" -> controlChannel = value;
                    case "--aeron-dir" -> aeronDir = value;
                    case "--window" -> window = Integer.parseInt(value);
                    case "--idle" -> idle = value;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (queue == null) {
                throw new IllegalArgumentException("--queue is required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("shm bridge: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        SegmentDirectory directory = dir == null ? SegmentDirectory.shm() : SegmentDirectory.of(Path.of(dir));
        BridgeOptions options = new BridgeOptions(dataChannel, BridgeOptions.DEFAULT_DATA_STREAM, controlChannel,
                BridgeOptions.DEFAULT_CONTROL_STREAM, aeronDir, window, Duration.ofMillis(100), idle);
        try {
            if (args[0].equals("send")) {
                try (QueueSender sender = QueueSender.open(directory, queue, options)) {
                    runUntilSignal(sender::run, sender::stop);
                    System.out.println("sent " + sender.messagesSent() + " messages" + (sender.isDone() ? "; end of stream" : ""));
                }
            } else {
                try (QueueReceiver receiver = QueueReceiver.open(directory, queue, options)) {
                    runUntilSignal(receiver::run, receiver::stop);
                    ReceiverState s = receiver.state();
                    System.out.println("wrote " + receiver.messagesWritten() + " messages; next " + s.next() + ", lost " + s.lost()
                            + " in " + s.gaps() + " gaps, possibly twice " + s.duplicates()
                            + (receiver.isEnded() ? "; end of stream" : ""));
                }
            }
            return 0;
        } catch (RuntimeException e) {
            System.err.println("shm bridge: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Runs {@code body}; a SIGTERM or SIGINT calls {@code stop}, and the body returns in its own
     * time (a sender first waits for the receiver to record what it took), so that the bridge
     * closes normally and exits 0. Signal handlers, not a shutdown hook: a JVM that exits from a
     * hook ends with 128 + the signal.
     */
    private static void runUntilSignal(Runnable body, Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
        }
        body.run();
    }
}
