package io.shmkit.bench.ipc;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Aeron IPC as the messaging benchmarks run it: a media driver embedded in the consuming (or
 * pinging) JVM, and an Aeron client in each JVM that publishes or subscribes to
 * {@link #CHANNEL}. The driver's settings, stated in the report:
 * <ul>
 *   <li>{@link ThreadingMode#INVOKER}: the driver has no thread of its own; its agents
 *       (conductor, sender, receiver; for IPC only the conductor has work: it moves each
 *       publication's limit as the subscriber advances and cleans the terms behind it) run
 *       when the consuming (or pinging) thread calls {@link #invoke()}, as Aeron advises for a
 *       machine with few cores. With a driver thread (SHARED mode) Aeron ran three busy
 *       threads on this 2-core machine, the driver's conductor rarely parking because the
 *       subscriber gave it work on every advance, where the rings it is compared with run two.
 *       This JVM's client runs its conductor the same way ({@code useConductorAgentInvoker}):
 *       {@link #invoke()} does the driver's duty cycle, then the client's. How often the
 *       benchmarks invoke is in {@link AeronStream} and {@link AeronPingPong};</li>
 *   <li>{@link #TERM_LENGTH} per term (three terms per publication), a publication window of
 *       {@link #WINDOW} (how far the publisher may run ahead of the subscriber: the
 *       {@link MessageStream#RING} of the rings it is compared with), MTU {@link #MTU} (the
 *       largest Aeron takes, so that offer fragments least and tryClaim takes the largest
 *       messages it can: up to {@code MTU - 32} bytes);</li>
 *   <li>publishers use an {@link ExclusivePublication} (one publishing thread, no CAS on the
 *       tail: the analogue of a one-producer queue); subscribers poll with a
 *       {@code FragmentAssembler}, which hands whole messages over (copying only those that
 *       arrived in several fragments).</li>
 * </ul>
 * While this JVM's thread blocks on a peer JVM (starting it, waiting for it to exit), nothing
 * would drive the driver and the peer's client calls would time out, so {@link #drivenWhile}
 * runs the invoker on a helper thread for that time only, never during a measurement. The peer
 * JVM's client (publisher or echo) runs its conductor on its own thread with Aeron's default
 * idle strategy (sleeping; it only keeps the client alive to the driver). Applications spin or
 * back off as the benchmarks' other transports do.
 */
final class AeronIpc implements AutoCloseable {
    static final String CHANNEL = "aeron:ipc";
    static final int TERM_LENGTH = 2 << 20;
    static final int WINDOW = MessageStream.RING;
    static final int MTU = 65504;
    /** The helper thread of {@link #drivenWhile}: spin 10, yield 20, park 1 µs to 1 ms. */
    private static final long MIN_PARK_NS = 1_000;
    private static final long MAX_PARK_NS = 1_000_000;

    private final Path directory = BenchNames.file(BenchNames.unique("aeron"));
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;

    private AeronIpc() {
        MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(directory.toString())
                .threadingMode(ThreadingMode.INVOKER)
                .ipcTermBufferLength(TERM_LENGTH)
                .ipcPublicationTermWindowLength(WINDOW)
                .ipcMtuLength(MTU)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false);
        MediaDriver launched = MediaDriver.launch(context);
        try {
            // the client's connect and its commands drive the driver while they await its answers
            aeron = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(directory.toString())
                    .driverAgentInvoker(launched.sharedAgentInvoker())
                    .useConductorAgentInvoker(true));
        } catch (RuntimeException e) {
            launched.close();
            BenchNames.deleteQuietly(directory);
            throw e;
        }
        driver = launched;
        driverInvoker = launched.sharedAgentInvoker();
        clientInvoker = aeron.conductorAgentInvoker();
    }

    /** Launches the driver in this JVM and connects a client to it. */
    static AeronIpc launch() {
        return new AeronIpc();
    }

    /** A client of the driver whose directory is {@code directory} (another JVM's, for a peer). */
    static Aeron connect(String directory) {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(directory));
    }

    /**
     * One duty cycle of the driver's agents, then of this JVM's client conductor, on the calling
     * thread: the only thread that may call it (and this JVM's client) while it runs.
     *
     * @return the work done, 0 if there was none
     */
    int invoke() {
        return driverInvoker.invoke() + clientInvoker.invoke();
    }

    /**
     * Runs {@code blocking} (which waits on a peer JVM and makes no call on this JVM's client)
     * while a helper thread drives the driver and the client, so that the peer's client calls
     * get their answers; the helper has stopped when this returns.
     */
    <T> T drivenWhile(Supplier<T> blocking) {
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread helper = new Thread(() -> {
            IdleStrategy idle = new BackoffIdleStrategy(10, 20, MIN_PARK_NS, MAX_PARK_NS);
            try {
                while (!done.get()) {
                    idle.idle(invoke());
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "aeron-invoker-" + directory.getFileName());
        helper.setDaemon(true);
        helper.start();
        try {
            return blocking.get();
        } finally {
            done.set(true);
            boolean interrupted = false;
            while (helper.isAlive()) {
                try {
                    helper.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("Aeron: the driver failed while a peer started or stopped", failure.get());
            }
        }
    }

    /** Drives the driver and this client from the calling thread until {@code ready} holds, for at most 10 s. */
    void awaitDriven(BooleanSupplier ready, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Aeron: " + what + " did not happen within 10 s");
            }
            if (invoke() == 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** This JVM's client. */
    Aeron aeron() {
        return aeron;
    }

    /** The driver's directory: peers connect to it. */
    String directory() {
        return directory.toString();
    }

    /** Whether an offer or claim's result is a transient refusal to retry (not connected yet, back-pressured, admin action). */
    static boolean retry(long result, Publication publication) {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            throw new IllegalStateException("Aeron refused a message on " + publication.channel() + " stream "
                    + publication.streamId() + ": " + Publication.errorString(result));
        }
        return result < 0;
    }

    /** For a peer JVM's client, whose conductor has its own thread: yields until {@code ready} holds, for at most 10 s. */
    static void await(BooleanSupplier ready, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Aeron: " + what + " did not happen within 10 s");
            }
            Thread.yield();
        }
    }

    @Override
    public void close() {
        try {
            aeron.close();
        } finally {
            try {
                driver.close();
            } finally {
                BenchNames.deleteQuietly(directory);
            }
        }
    }
}
