package io.shmkit.bench.ipc;

import io.shmkit.bench.BenchFlags;
import io.shmkit.process.JvmProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer JVM of an inter-process benchmark: this JVM's {@code java} and class path running
 * {@link PeerMain}, started in a benchmark's {@code @Setup} and stopped in its
 * {@code @TearDown}. Its stdin and stdout are pipes to this JVM (the pipe transports use them
 * as the channel; the others only for the start handshake and the stop signal), its stderr is
 * inherited so that a failing peer is seen in the JMH log.
 *
 * <p>Stopping closes the peer's stdin: every peer treats end-of-input as "stop", so a peer
 * never outlives a JMH fork that dies. Not thread-safe.
 */
public final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final OutputStream toPeer;
    private final InputStream fromPeer;
    private final String description;
    private String readyInfo = "";

    private PeerProcess(Process process, String description) {
        this.process = process;
        this.toPeer = process.getOutputStream();
        this.fromPeer = process.getInputStream();
        this.description = description;
    }

    /**
     * Starts a peer running {@code PeerMain args} and waits for its ready line.
     *
     * @return the peer; {@link #readyInfo()} is what followed "READY" on its ready line
     */
    public static PeerProcess start(String... args) {
        // JvmProcess builds the command (this JVM's java and class path); the streams are
        // wired here, because the pipe transports need the peer's raw stdin and stdout.
        List<String> command = JvmProcess.builder(PeerMain.class)
                .jvmOptions(BenchFlags.PEER_LIBRARIES.toArray(String[]::new))
                .jvmOptions(sameMemorySettings().toArray(String[]::new))
                .args(args)
                .command();
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            PeerProcess peer = new PeerProcess(pb.start(), "peer JVM " + String.join(" ", args));
            peer.readReadyLine();
            return peer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the peer JVM for " + String.join(" ", args), e);
        }
    }

    /**
     * This JVM's heap size and garbage collector flags, so that the peer runs with the same
     * memory settings as the benchmark's fork: a peer on another collector would make the two
     * sides of a comparison differ in more than the transport.
     */
    static List<String> sameMemorySettings() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Xmn")
                        || a.matches("-XX:[+-]Use\\w*GC") || a.startsWith("-XX:MaxHeapSize") || a.startsWith("-XX:InitialHeapSize"))
                .toList();
    }

    private void readReadyLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = fromPeer.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException(description + " exited before it was ready (exit code "
                        + waitForExit() + "; its stderr is above)");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.US_ASCII);
        if (!text.startsWith(PeerMain.READY)) {
            throw new IOException(description + " printed '" + text + "' instead of its ready line");
        }
        readyInfo = text.substring(PeerMain.READY.length()).trim();
    }

    private int waitForExit() {
        try {
            return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** What the peer printed after "READY" (a port number, say). */
    public String readyInfo() {
        return readyInfo;
    }

    /** The peer's stdin: a pipe from this JVM. */
    public OutputStream toPeer() {
        return toPeer;
    }

    /** The peer's stdout: a pipe to this JVM. */
    public InputStream fromPeer() {
        return fromPeer;
    }

    /**
     * Throws if the peer has exited: called from spin loops so that a dead peer fails the
     * benchmark instead of hanging it.
     */
    public void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(description + " died (exit code " + process.exitValue()
                    + "; its stderr is above)");
        }
    }

    /**
     * Signals stop (closes the peer's stdin) without waiting: for a peer that may be blocked on
     * a full channel, which the benchmark must keep draining until the peer has exited.
     */
    public void requestStop() {
        try {
            toPeer.close();
        } catch (IOException e) {
            // the peer is gone already: it has stopped
        }
    }

    /** Whether the peer process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Signals stop (closes the peer's stdin) and returns what the peer printed before it
     * exited, such as its final count.
     */
    public String stop() {
        try {
            toPeer.close();
            byte[] rest = fromPeer.readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(description + " did not stop within 30 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(description + " failed with exit code " + process.exitValue());
            }
            return new String(rest, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(description + ": cannot stop it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(description + ": interrupted while stopping it", e);
        } finally {
            process.destroyForcibly();
        }
    }

    /** Kills the peer if it still runs; safe to call after {@link #stop()}. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return description + " (pid " + process.pid() + ")";
    }
}
