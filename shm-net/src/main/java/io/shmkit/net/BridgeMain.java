package io.shmkit.net;

import io.shmkit.core.SegmentDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code shm bridge}: runs one half of a bridge until the stream ends ({@code docs/network.md}).
 *
 * <pre>
 * shm bridge send    --queue NAME [--dir DIR] [--data URI] [--control URI] [--aeron-dir DIR] [--window BYTES]
 * shm bridge receive --queue NAME [--dir DIR] [--data URI] [--control URI] [--aeron-dir DIR]
 * </pre>
 *
 * Exit status: 0 when the stream ended (or on SIGTERM/SIGINT), 1 when the link was refused or
 * failed, 2 for a usage error.
 */
public final class BridgeMain {
    private BridgeMain() {}

    static final String USAGE = """
            usage: shm bridge send|receive --queue NAME [--dir DIR] [--data URI] [--control URI]
                                           [--aeron-dir DIR] [--window BYTES]
              send      drain local queue NAME into the data channel
              receive   write what the data channel brings into local queue NAME (it must exist)
              --dir       segment directory (default /dev/shm)
              --data      data channel, to the receiving host (default aeron:udp?endpoint=localhost:40456)
              --control   control channel, to the sending host (default aeron:udp?endpoint=localhost:40457)
              --aeron-dir an external media driver's directory (default: an embedded driver)
              --window    the sender's retransmit window in bytes (default 8388608)""";

    /** Counted down once the bridge has closed: a stop signal's hook waits for it. */
    private static final CountDownLatch CLOSED = new CountDownLatch(1);

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } finally {
            CLOSED.countDown();
        }
        System.exit(status);
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
                BridgeOptions.DEFAULT_CONTROL_STREAM, aeronDir, window, Duration.ofMillis(100));
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

    /** Runs {@code body}; a SIGTERM or SIGINT calls {@code stop} and waits for the body to return. */
    private static void runUntilSignal(Runnable body, Runnable stop) {
        Thread hook = new Thread(() -> {
            stop.run();
            try {
                CLOSED.await(10, TimeUnit.SECONDS); // the queue's role is given back before the JVM ends
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "shm-bridge-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            body.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for this thread to finish closing
            }
        }
    }
}
