package io.shmkit.bench.latency;

import io.shmkit.bench.ipc.PingPongClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One run of the latency harness: one transport, one round, in a JVM of its own that
 * {@link LatencyHarness} starts (as JMH forks a benchmark), so that every run's JIT sees one
 * {@link PingPongClient} class only and no run is slowed by the profile another transport
 * left behind. Not an API: its arguments and output are the harness's protocol.
 *
 * <pre>
 *   LatencyFork transport warmupRoundTrips warmupMillis closedMillis openMillis maxUtilization rate...
 * </pre>
 *
 * It starts the transport's echo peer, warms up, measures the closed loop and then the open
 * loop at each rate, and prints one line per measurement ({@link ModeResult#toLine()}) and a
 * final {@code RUN} line on stdout; everything else goes to stderr. It exits when its stdin
 * ends, so it never outlives the harness (its peer then sees its own stdin end and stops).
 */
public final class LatencyFork {
    static final String WARMUP = "WARMUP";
    static final String RUN = "RUN";
    /**
     * An open-loop client waiting for a send slot spins with {@link Thread#onSpinWait()} until
     * this close to it, then on {@code nanoTime} alone, so that it is late by at most about one
     * {@code nanoTime} call, not by a pause instruction.
     */
    private static final long QUIET_SPIN_NS = 2_000;

    private final PingPongClient client;
    private long seq;

    private LatencyFork(PingPongClient client) {
        this.client = client;
    }

    public static void main(String[] args) throws IOException {
        PrintStream protocol = System.out;
        System.setOut(System.err); // nothing but the protocol reaches the harness through stdout
        Thread watchdog = new Thread(LatencyFork::exitAtEndOfInput, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        String transport = args[0];
        long warmupRoundTrips = Long.parseLong(args[1]);
        long warmupNanos = Long.parseLong(args[2]) * 1_000_000;
        long closedNanos = Long.parseLong(args[3]) * 1_000_000;
        long openNanos = Long.parseLong(args[4]) * 1_000_000;
        double maxUtilization = Double.parseDouble(args[5]);
        List<Long> rates = new ArrayList<>();
        for (int i = 6; i < args.length; i++) {
            rates.add(Long.parseLong(args[i]));
        }

        CpuTimes runStart = CpuTimes.now();
        long runStartNs = System.nanoTime();
        try (PingPongClient client = PingPongClient.start(transport)) {
            LatencyFork fork = new LatencyFork(client);
            // The warm-up runs the very loops that are measured, so that what is measured is
            // their compiled code, not an on-stack replacement made mid-measurement.
            long warmStart = System.nanoTime();
            long warmed = fork.closedLoop(Percentiles.newHistogram(), warmupRoundTrips, warmupNanos);
            if (!rates.isEmpty()) {
                fork.openLoop(Percentiles.newHistogram(), rates.getFirst(), warmupNanos / 10);
            }
            protocol.println(WARMUP + " " + warmed + " " + (System.nanoTime() - warmStart));

            ModeResult closed = fork.measure("closed", 0, closedNanos);
            protocol.println(closed.toLine());
            double closedMean = closed.histogram().getMean();
            for (long rate : rates) {
                String skip = skipReason(closedMean, rate, maxUtilization);
                protocol.println((skip != null ? ModeResult.skipped(rate, skip) : fork.measure("open", rate, openNanos)).toLine());
            }
        }
        protocol.println(RUN + " " + (System.nanoTime() - runStartNs) + " " + CpuTimes.stealPercent(runStart, CpuTimes.now()));
        protocol.flush();
        System.exit(0); // do not wait for the watchdog
    }

    /**
     * Why an open loop at {@code rate} is not run, or null to run it: when rate × the mean
     * closed-loop round trip exceeds {@code maxUtilization}, the transport cannot keep up (or
     * only with a queue that grows for the whole measurement), and the histogram would
     * measure the length of the run rather than the transport.
     */
    static String skipReason(double closedMeanNs, long rate, double maxUtilization) {
        double utilization = closedMeanNs * rate / 1e9;
        if (utilization <= maxUtilization) {
            return null;
        }
        return String.format(java.util.Locale.ROOT,
                "cannot sustain %,d/s: its closed-loop mean round trip of %,.0f ns allows at most %,.0f/s, so this rate "
                        + "would keep it busy %.0f%% of the time (limit %.0f%%)",
                rate, closedMeanNs, 1e9 / closedMeanNs, 100 * utilization, 100 * maxUtilization);
    }

    private ModeResult measure(String mode, long rate, long nanos) throws IOException {
        Histogram histogram = Percentiles.newHistogram();
        long gcCount = gcCount();
        long gcMillis = gcMillis();
        CpuTimes cpu = CpuTimes.now();
        long start = System.nanoTime();
        long sent;
        long scheduled = 0;
        if (rate == 0) {
            sent = closedLoop(histogram, Long.MAX_VALUE, nanos);
        } else {
            sent = openLoop(histogram, rate, nanos);
            scheduled = nanos / (1_000_000_000L / rate);
        }
        long elapsed = System.nanoTime() - start;
        return new ModeResult(mode, rate, null, histogram, elapsed, CpuTimes.stealPercent(cpu, CpuTimes.now()),
                scheduled, sent, gcCount() - gcCount, gcMillis() - gcMillis);
    }

    /**
     * Closed loop: the next message goes as soon as the previous echo is back, and every round
     * trip is recorded: {@code nanoTime} before the send, {@code nanoTime} after the checked
     * echo. Runs until {@code maxRoundTrips} or {@code nanos} is reached.
     *
     * @return the round trips made
     */
    long closedLoop(Histogram histogram, long maxRoundTrips, long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        long count = 0;
        long now;
        do {
            long start = System.nanoTime();
            client.roundTrip(++seq);
            now = System.nanoTime();
            histogram.recordValue(Percentiles.clamp(now - start));
        } while (++count < maxRoundTrips && now < end);
        return count;
    }

    /**
     * Open loop at {@code rate} messages per second: message k is due at {@code start + k·T}
     * ({@code T = 1 s / rate}). The client spins until a message is due, sends it, and records
     * its latency from when it was due to when its checked echo arrived, with
     * {@code recordValueWithExpectedInterval(latency, T)}. When a round trip overruns the next
     * slots, those messages are not sent late in a burst: they are skipped, and the correction
     * stands in for them, recording latency − T, latency − 2T, … (down to T) as the latencies
     * the requests due during the stall would have seen. This is the coordinated-omission
     * correction: a stall counts as many times as requests were due during it, not once.
     *
     * @return the messages sent
     */
    long openLoop(Histogram histogram, long rate, long nanos) throws IOException {
        long interval = 1_000_000_000L / rate;
        long slot = System.nanoTime() + interval;
        long end = slot + nanos;
        long sent = 0;
        while (slot < end) {
            long now;
            while ((now = System.nanoTime()) < slot) {
                if (slot - now > QUIET_SPIN_NS) {
                    Thread.onSpinWait();
                }
            }
            client.roundTrip(++seq);
            long done = System.nanoTime();
            histogram.recordValueWithExpectedInterval(Percentiles.clamp(done - slot), interval);
            sent++;
            slot += interval;
            if (slot < done) {
                slot += (done - slot + interval - 1) / interval * interval; // the first slot not yet past
            }
        }
        return sent;
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionTime());
        }
        return n;
    }

    private static void exitAtEndOfInput() {
        try (InputStream in = System.in) {
            while (in.read() >= 0) {
                // the harness sends nothing; only the end matters
            }
        } catch (IOException e) {
            // a broken stdin means the harness is gone
        }
        System.err.println("latency fork: the harness is gone; stopping");
        System.exit(3); // shutdown hooks remove this run's files; the peer sees its stdin end
    }
}
