package io.shmkit.bench.latency;

import io.shmkit.bench.BenchFlags;
import io.shmkit.bench.ipc.WakeConsumer;
import io.shmkit.process.JvmProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The wake harness (issue 16's benchmarks): how long a consumer that was <em>asleep</em> takes
 * to see a message, and how much CPU a waiter uses while nothing comes, for each waiting
 * strategy of {@link WakeConsumer#STRATEGIES}: kernel waits as recommended
 * ({@code LockOptions.KERNEL_WAITS}, 100 ms owner checks), kernel waits with the default 10 ms
 * owner checks, today's backoff ({@code LockOptions.DEFAULT}) and a busy spin.
 *
 * <h2>What is measured</h2>
 * For each strategy and round a fresh producer JVM ({@link WakeFork}, with
 * {@code --enable-native-access}) starts a fresh consumer JVM (its child, with it too) that
 * waits on an empty 32-byte-message queue with shmkit's blocking {@code read}. The producer
 * waits a quiet spell (5 to 20 ms by default, drawn at random so that no rhythm can line up
 * with the sleeper's timed wake-ups), notes what the consumer's waiting thread is doing
 * ({@code /proc/<pid>/task/<tid>/syscall}: asleep in a shared {@code FUTEX_WAIT}, parked,
 * running) and whether the queue's consumer wake word announces a sleep (bit 0), stamps {@code System.nanoTime()}
 * ({@code CLOCK_MONOTONIC}, one clock for the machine) into the message and offers it; the
 * consumer reads {@code nanoTime} first thing in its handler, and the difference, send to
 * receipt, goes into an HdrHistogram. Then the consumer idles while the producer reads the
 * waiting thread's CPU time ({@code schedstat}) over a window: its share of one core.
 *
 * <h2>Rounds</h2>
 * {@link WakeSettings#rounds()} rounds, each running every strategy once, forward in odd rounds
 * and backward in even ones. Per round: the p50, p99 and the idle share of each strategy; the
 * targets ({@link WakeReport#targets}) take their intervals from the rounds.
 *
 * <pre>
 *   java -cp benchmarks.jar io.shmkit.bench.latency.WakeHarness [--smoke] [--out FILE.json] [--rounds N]
 *        [--samples N] [--strategies kernel,kernel10ms,backoff,busySpin]
 * </pre>
 * The report is {@link WakeReport}.
 */
public final class WakeHarness {
    /** The {@code format} field of the JSON. */
    public static final String FORMAT = "shm-bench-wake/1";
    /** Memory settings of the producer JVM; the consumer copies them. */
    public static final List<String> FORK_JVM_OPTIONS = LatencyHarness.FORK_JVM_OPTIONS;

    private WakeHarness() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench-results", "wake.json");
        WakeSettings settings = WakeSettings.defaults();
        for (int i = 0; i < args.length; i++) {
            WakeSettings s = settings;
            switch (args[i]) {
                case "--smoke" -> settings = WakeSettings.smokeSettings();
                case "--out" -> out = Path.of(args[++i]);
                case "--rounds" -> settings = new WakeSettings(Integer.parseInt(args[++i]), s.samples(), s.warmup(),
                        s.quietMinMicros(), s.quietMaxMicros(), s.idleMillis(), s.strategies(), s.smoke());
                case "--samples" -> settings = new WakeSettings(s.rounds(), Integer.parseInt(args[++i]), s.warmup(),
                        s.quietMinMicros(), s.quietMaxMicros(), s.idleMillis(), s.strategies(), s.smoke());
                case "--strategies" -> settings = new WakeSettings(s.rounds(), s.samples(), s.warmup(), s.quietMinMicros(),
                        s.quietMaxMicros(), s.idleMillis(), List.of(args[++i].split(",")), s.smoke());
                default -> {
                    System.err.println("unknown argument '" + args[i] + "'; usage: WakeHarness [--smoke] [--out FILE.json]"
                            + " [--rounds N] [--samples N] [--strategies " + String.join(",", WakeConsumer.STRATEGIES) + "]");
                    System.exit(2);
                }
            }
        }
        run(settings, out);
        System.out.println();
        System.out.println(WakeReport.markdown(out));
        System.out.println("wake results: " + out);
    }

    /**
     * Runs every round and writes the results to {@code json} (directories created); progress on stdout.
     *
     * @return {@code json}
     * @throws IllegalStateException if a run fails (with its output)
     */
    public static Path run(WakeSettings settings, Path json) throws IOException {
        return ForkedRounds.run(json, FORMAT, settingsJson(settings), settings.rounds(), settings.strategies(),
                (strategy, round, order) -> fork(settings, strategy, round, order), run -> run.summary(settings.rounds()),
                Run::toJson, runs -> settings.strategies().stream()
                        .map(strategy -> series(strategy, runs.stream().filter(r -> r.strategy.equals(strategy)).toList())).toList());
    }

    private static Map<String, Object> settingsJson(WakeSettings s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rounds", s.rounds());
        json.put("samples", s.samples());
        json.put("warmup", s.warmup());
        json.put("quietMinMicros", s.quietMinMicros());
        json.put("quietMaxMicros", s.quietMaxMicros());
        json.put("idleMillis", s.idleMillis());
        json.put("settleMillis", WakeFork.SETTLE_MILLIS);
        json.put("strategies", s.strategies());
        json.put("smoke", s.smoke());
        json.put("messageBytes", WakeConsumer.MESSAGE);
        json.put("histogram", Percentiles.settingsJson());
        json.put("forkJvmOptions", FORK_JVM_OPTIONS);
        return json;
    }

    /** One strategy: its rounds, their histograms merged, and the idle windows of all rounds together. */
    private static Map<String, Object> series(String strategy, List<Run> runs) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("strategy", strategy);
        entry.put("options", WakeConsumer.describe(strategy));
        List<Map<String, Object>> rounds = new ArrayList<>();
        Histogram merged = Percentiles.newHistogram();
        long[] states = new long[ThreadProbe.State.values().length];
        long wordSet = 0;
        long wall = 0;
        long thread = 0;
        long process = 0;
        long sleeps = 0;
        for (Run run : runs.stream().sorted((a, b) -> Integer.compare(a.round, b.round)).toList()) {
            rounds.add(run.roundJson());
            merged.add(run.histogram);
            for (int i = 0; i < states.length; i++) {
                states[i] += run.states[i];
            }
            wordSet += run.wordSet;
            wall += run.idleWallNs;
            thread += run.idleThreadNs;
            process += run.idleProcessNs;
            sleeps += run.idleSleeps;
        }
        entry.put("rounds", rounds);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rounds", runs.size());
        m.putAll(Percentiles.of(merged).toJson());
        m.put("states", statesJson(states));
        m.put("wakeWordSet", wordSet);
        m.put("histogram", Percentiles.encode(merged));
        entry.put("merged", m);
        entry.put("idle", idleJson(wall, thread, process, sleeps));
        return entry;
    }

    /** The states counted before the sends, by name: {@code sharedFutexWait}, {@code parked}, {@code running}, {@code other}, {@code unknown}. */
    static Map<String, Object> statesJson(long[] states) {
        Map<String, Object> json = new LinkedHashMap<>();
        for (ThreadProbe.State s : ThreadProbe.State.values()) {
            json.put(stateKey(s), states[s.ordinal()]);
        }
        return json;
    }

    static String stateKey(ThreadProbe.State s) {
        String[] words = s.name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder key = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            key.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return key.toString();
    }

    private static Map<String, Object> idleJson(long wallNs, long threadNs, long processNs, long sleeps) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("wallSeconds", wallNs / 1e9);
        json.put("threadCpuPercent", 100.0 * threadNs / wallNs);
        json.put("processCpuPercent", 100.0 * processNs / wallNs);
        json.put("sleepsPerSecond", sleeps * 1e9 / wallNs);
        return json;
    }

    /** Runs one strategy for one round in a {@link WakeFork} JVM and reads its results. */
    static Run fork(WakeSettings settings, String strategy, int round, int order) {
        String what = "wake run " + order + " (" + strategy + ", round " + round + ")";
        try (JvmProcess process = JvmProcess.builder(WakeFork.class)
                .jvmOptions(BenchFlags.NATIVE)
                .jvmOptions(FORK_JVM_OPTIONS.toArray(String[]::new))
                .args(settings.forkArgs(strategy, 31L * order + round).toArray(String[]::new))
                .captureOutput()
                .start()) {
            if (!process.join(Duration.ofMillis(settings.runDeadlineMillis()))) {
                throw new IllegalStateException(what + " did not finish within " + settings.runDeadlineMillis() + " ms:\n"
                        + process.output());
            }
            if (process.exitCode() != 0) {
                throw new IllegalStateException(what + " failed with exit code " + process.exitCode() + ":\n" + process.output());
            }
            return Run.parse(strategy, round, order, process.output());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }

    /** One strategy's run in one round: its wake-ups, the states before them, its idle window. */
    record Run(String strategy, int round, int order, Histogram histogram, long[] states, long wordSet, double measureSteal,
               double measureBusy, long idleWallNs, long idleThreadNs, long idleProcessNs, long idleSleeps, long elapsedNs,
               double stealPercent) {
        static Run parse(String strategy, int round, int order, String output) {
            String[] wake = null;
            String[] idle = null;
            String[] run = null;
            for (String line : output.split("\n")) {
                String[] f = line.strip().split(" ");
                switch (f[0]) {
                    case WakeFork.WAKE -> wake = f;
                    case WakeFork.IDLE -> idle = f;
                    case WakeFork.RUN -> run = f;
                    default -> { } // the JVMs' own output (stderr is merged)
                }
            }
            int n = ThreadProbe.State.values().length;
            if (wake == null || idle == null || run == null || wake.length != n + 7 || idle.length != 5 || run.length != 3) {
                throw new IllegalStateException("wake run of " + strategy + " round " + round + " ended without its results:\n" + output);
            }
            long[] states = new long[n];
            for (int i = 0; i < n; i++) {
                states[i] = Long.parseLong(wake[2 + i]);
            }
            return new Run(strategy, round, order, Percentiles.decode(wake[n + 6]), states, Long.parseLong(wake[n + 2]),
                    Double.parseDouble(wake[n + 4]), Double.parseDouble(wake[n + 5]), Long.parseLong(idle[1]), Long.parseLong(idle[2]), Long.parseLong(idle[3]),
                    Long.parseLong(idle[4]), Long.parseLong(run[1]), Double.parseDouble(run[2]));
        }

        double idleThreadPercent() {
            return 100.0 * idleThreadNs / idleWallNs;
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("order", order);
            json.put("round", round);
            json.put("strategy", strategy);
            json.put("elapsedSeconds", elapsedNs / 1e9);
            json.put("stealPercent", stealPercent);
            return json;
        }

        Map<String, Object> roundJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("round", round);
            json.putAll(Percentiles.of(histogram).toJson());
            json.put("states", statesJson(states));
            json.put("wakeWordSet", wordSet);
            json.put("stealPercent", measureSteal);
            json.put("machineBusyPercent", measureBusy);
            json.put("histogram", Percentiles.encode(histogram));
            json.put("idle", idleJson(idleWallNs, idleThreadNs, idleProcessNs, idleSleeps));
            return json;
        }

        String summary(int rounds) {
            Percentiles p = Percentiles.of(histogram);
            return String.format(Locale.ROOT, "wake round %d/%d %-10s  p50 %,.0f p99 %,.0f max %,.0f ns; asleep in a shared futex"
                    + " before %d of %d sends, sleep announced before %d; idle: thread %.3f%% of a core, process %.3f%%, %.0f sleeps/s"
                    + "  (machine busy %.0f%%, steal %.1f%%)", round, rounds, strategy, p.p50(), p.p99(), p.max(),
                    states[ThreadProbe.State.SHARED_FUTEX_WAIT.ordinal()], histogram.getTotalCount(), wordSet, idleThreadPercent(),
                    100.0 * idleProcessNs / idleWallNs, idleSleeps * 1e9 / idleWallNs, measureBusy, stealPercent);
        }
    }
}
