package io.shmkit.bench.latency;

import io.shmkit.bench.BenchFlags;
import io.shmkit.bench.ipc.PingPongClient;
import io.shmkit.process.JvmProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The ping-pong latency harness: the round-trip latency of a 32-byte message between two JVMs
 * over every {@link PingPongClient} transport, measured as latency is quoted, with every round
 * trip recorded in an HdrHistogram, not sampled.
 *
 * <h2>What is measured</h2>
 * A round trip is: this side writes message {@code seq} (four longs), the peer JVM reads it and
 * writes it back, this side reads the echo and checks all four words. For each transport and
 * round, a fresh client JVM ({@link LatencyFork}, with the peer libraries' flags) starts a fresh
 * echo peer JVM, warms up ({@link LatencySettings#warmupRoundTrips()} round trips or
 * {@link LatencySettings#warmupMillis()}, whichever ends first, through the measured loops
 * themselves), then measures:
 * <ul>
 *   <li><b>closed loop</b>: for {@link LatencySettings#closedMillis()}, the next message goes as
 *       soon as the previous echo is back; every round trip is recorded, from {@code nanoTime}
 *       before the send to {@code nanoTime} after the checked echo (so each includes about one
 *       {@code nanoTime} call, whose cost the JSON records). This is the latency of a client
 *       that waits for each answer, and what a ping-pong p50 means.</li>
 *   <li><b>open loop</b> at each rate R of {@link LatencySettings#rates()}: messages are due
 *       every T = 1/R s whatever happens to earlier ones; the single client thread spins until a
 *       message is due, sends it, and records the time from when it was <i>due</i> to when its
 *       echo arrived with {@code recordValueWithExpectedInterval(latency, T)}. A round trip that
 *       overruns the following slots delays the requests due in them: those are not sent late
 *       but skipped, and the correction records the latencies they would have seen (latency − T,
 *       latency − 2T, … down to T). So a 1 ms stall at 10,000/s counts as the ten requests it
 *       delays, not as one sample: the coordinated-omission correction Gil Tene describes, which
 *       a closed loop or JMH's {@code SampleTime} lacks. The count is therefore about R × the
 *       measurement time, synthetic values included; {@code sent} says how many were real. A
 *       rate above {@link LatencySettings#maxUtilization()} of what the run's closed loop
 *       sustained (1 ÷ its mean) is skipped and the output says so: it would measure a queue
 *       growing for the whole run, not the transport.</li>
 * </ul>
 * Percentiles p50, p90, p99, p99.9, p99.99 and the maximum are reported per transport, mode and
 * round, and for the rounds' histograms merged.
 *
 * <h2>Rounds</h2>
 * {@link LatencySettings#rounds()} rounds, each running every transport once (its closed loop,
 * then each rate), forward in odd rounds and backward in even ones, so that drift on a noisy
 * machine hits every transport alike. The per-round p50s give {@link LatencyReport#targets}
 * paired ratios, hence a confidence interval.
 *
 * <h2>The machine</h2>
 * The JSON records the CPU topology ({@code lscpu}, sysfs: are the vCPUs hyperthreads of one
 * core?) and steal time ({@code /proc/stat}) for the whole harness, each run and each
 * measurement.
 *
 * <pre>
 *   java -cp benchmarks.jar io.shmkit.bench.latency.LatencyHarness [--smoke] [--out FILE.json]
 *        [--rounds N] [--warmupRoundTrips N] [--warmupMillis MS] [--closedMillis MS] [--openMillis MS]
 *        [--rates R1,R2] [--maxUtilization U] [--transports T1,T2]
 * </pre>
 * The same options are read from system properties {@code -Dshmbench.latency.rounds=3} etc.;
 * the command line wins. The report is {@link LatencyReport}.
 */
public final class LatencyHarness {
    /** The {@code format} field of the JSON. */
    public static final String FORMAT = "shm-bench-latency/1";
    /**
     * Memory settings of each run's client JVM; its peer copies them (same heap, same
     * collector). The measured loops allocate nothing, so the heap only needs to be fixed.
     */
    public static final List<String> FORK_JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m");

    private LatencyHarness() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of("docs", "latency.json");
        boolean smoke = false;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--smoke")) {
                smoke = true;
            } else if (arg.equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            } else if (arg.startsWith("--") && LatencySettings.OPTIONS.contains(arg.substring(2)) && i + 1 < args.length) {
                options.put(arg.substring(2), args[++i]);
            } else {
                System.err.println("unknown argument '" + arg + "'; usage: LatencyHarness [--smoke] [--out FILE.json] "
                        + "[--OPTION VALUE]..., OPTION one of " + LatencySettings.OPTIONS);
                System.exit(2);
            }
        }
        LatencySettings settings = (smoke ? LatencySettings.smokeSettings() : LatencySettings.defaults())
                .withSystemProperties().with(options);
        run(settings, out);
        System.out.println();
        System.out.println(LatencyReport.markdown(out));
        System.out.println("latency results: " + out);
    }

    /**
     * Runs every round and writes the results to {@code json} (directories created).
     * Progress and skipped rates are printed on stdout.
     *
     * @return {@code json}
     * @throws IllegalStateException if a run fails (its stderr, and its peer's, are above)
     */
    public static Path run(LatencySettings settings, Path json) throws IOException {
        return ForkedRounds.run(json, FORMAT, settingsJson(settings), settings.rounds(), settings.transports(),
                (transport, round, order) -> fork(settings, transport, round, order), run -> run.summary(settings.rounds()),
                Run::toJson, runs -> series(settings, runs));
    }

    private static Map<String, Object> settingsJson(LatencySettings s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rounds", s.rounds());
        json.put("transports", s.transports());
        json.put("warmupRoundTrips", s.warmupRoundTrips());
        json.put("warmupMillis", s.warmupMillis());
        json.put("closedMillis", s.closedMillis());
        json.put("openMillis", s.openMillis());
        json.put("ratesPerSecond", s.rates());
        json.put("maxUtilization", s.maxUtilization());
        json.put("smoke", s.smoke());
        json.put("messageBytes", PingPongClient.MESSAGE);
        json.put("histogram", Percentiles.settingsJson());
        json.put("forkJvmOptions", FORK_JVM_OPTIONS);
        return json;
    }

    /** One entry per transport × mode (closed, then each rate): its rounds and their merged histogram. */
    private static List<Map<String, Object>> series(LatencySettings settings, List<Run> runs) {
        List<Map<String, Object>> series = new ArrayList<>();
        for (String transport : settings.transports()) {
            List<Long> rates = new ArrayList<>();
            rates.add(0L);
            rates.addAll(settings.rates());
            for (long rate : rates) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("transport", transport);
                entry.put("mode", rate == 0 ? "closed" : "open");
                entry.put("ratePerSecond", rate);
                List<Map<String, Object>> rounds = new ArrayList<>();
                Histogram merged = Percentiles.newHistogram();
                int ran = 0;
                for (Run run : runs.stream().filter(r -> r.transport.equals(transport))
                        .sorted((a, b) -> Integer.compare(a.round, b.round)).toList()) {
                    for (ModeResult m : run.modes) {
                        if (m.rate() == rate) {
                            rounds.add(m.toJson(run.round));
                            if (m.ran()) {
                                merged.add(m.histogram());
                                ran++;
                            }
                        }
                    }
                }
                entry.put("rounds", rounds);
                if (ran == 0) {
                    entry.put("merged", null);
                } else {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rounds", ran);
                    m.putAll(Percentiles.of(merged).toJson());
                    m.put("histogram", Percentiles.encode(merged));
                    entry.put("merged", m);
                }
                series.add(entry);
            }
        }
        return series;
    }

    /** Runs one transport for one round in a {@link LatencyFork} JVM and reads its results. */
    static Run fork(LatencySettings settings, String transport, int round, int order) {
        List<String> command = JvmProcess.builder(LatencyFork.class)
                .jvmOptions(BenchFlags.PEER_LIBRARIES.toArray(String[]::new))
                .jvmOptions(FORK_JVM_OPTIONS.toArray(String[]::new))
                .args(settings.forkArgs(transport).toArray(String[]::new))
                .command();
        String what = "latency run " + order + " (" + transport + ", round " + round + ")";
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the JVM of " + what, e);
        }
        // The fork's stdin stays open until it is done: its end tells the fork this JVM is gone.
        OutputStream keepAlive = process.getOutputStream();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = Thread.ofPlatform().daemon().name("output of " + what).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the fork is gone; what was read is kept and checked below
            }
        });
        try {
            if (!process.waitFor(settings.runDeadlineMillis(), TimeUnit.MILLISECONDS)) {
                process.destroy(); // SIGTERM: the fork's shutdown hooks remove its files
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                throw new IllegalStateException(what + " did not finish within " + settings.runDeadlineMillis() + " ms");
            }
            reader.join(10_000);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(what + " failed with exit code " + process.exitValue()
                        + " (its stderr and its peer's are above)");
            }
            return Run.parse(transport, round, order, List.copyOf(lines));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        } finally {
            try {
                keepAlive.close();
            } catch (IOException ignored) {
                // the fork is gone already
            }
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** One transport's run in one round: its warm-up, measurements and steal. */
    record Run(String transport, int round, int order, long warmupRoundTrips, long warmupNs, long elapsedNs,
               double stealPercent, List<ModeResult> modes) {
        static Run parse(String transport, int round, int order, List<String> lines) {
            long warmed = -1;
            long warmNs = 0;
            long elapsed = -1;
            double steal = Double.NaN;
            List<ModeResult> modes = new ArrayList<>();
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case LatencyFork.WARMUP -> {
                        warmed = Long.parseLong(f[1]);
                        warmNs = Long.parseLong(f[2]);
                    }
                    case ModeResult.LINE -> modes.add(ModeResult.parse(line));
                    case LatencyFork.RUN -> {
                        elapsed = Long.parseLong(f[1]);
                        steal = Double.parseDouble(f[2]);
                    }
                    default -> throw new IllegalStateException("latency run of " + transport + " printed '" + line + "'");
                }
            }
            if (warmed < 0 || elapsed < 0 || modes.isEmpty()) {
                throw new IllegalStateException("latency run of " + transport + " round " + round
                        + " ended without its results: " + lines);
            }
            return new Run(transport, round, order, warmed, warmNs, elapsed, steal, List.copyOf(modes));
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("order", order);
            json.put("round", round);
            json.put("transport", transport);
            json.put("warmupRoundTrips", warmupRoundTrips);
            json.put("warmupSeconds", warmupNs / 1e9);
            json.put("elapsedSeconds", elapsedNs / 1e9);
            json.put("stealPercent", stealPercent);
            return json;
        }

        String summary(int rounds) {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "latency round %d/%d %-18s", round, rounds, transport));
            for (ModeResult m : modes) {
                String label = m.rate() == 0 ? "closed" : String.format(Locale.ROOT, "open %,d/s", m.rate());
                if (m.ran()) {
                    Percentiles p = Percentiles.of(m.histogram());
                    s.append(String.format(Locale.ROOT, "  %s p50 %,.0f p99 %,.0f max %,.0f ns", label, p.p50(), p.p99(), p.max()));
                } else {
                    s.append("  ").append(label).append(" SKIPPED: ").append(m.skipReason());
                }
            }
            return s.append(String.format(Locale.ROOT, "  (steal %.1f%%)", stealPercent)).toString();
        }
    }
}
