package io.shmkit.bench.latency;

import static io.shmkit.bench.latency.JsonText.doubleOf;
import static io.shmkit.bench.latency.JsonText.intOf;
import static io.shmkit.bench.latency.JsonText.list;
import static io.shmkit.bench.latency.JsonText.longOf;
import static io.shmkit.bench.latency.JsonText.map;
import static io.shmkit.bench.latency.JsonText.objects;

import io.shmkit.bench.ipc.WakeConsumer;
import io.shmkit.bench.report.Ratio;
import io.shmkit.bench.report.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Renders the wake harness's JSON ({@link WakeHarness}): a markdown section for the suite's
 * report, and issue 16's targets with intervals from the rounds.
 *
 * <p>The targets, for kernel waits as recommended ({@code LockOptions.KERNEL_WAITS}): an asleep
 * consumer is woken in at most {@value #WAKE_P50_GOAL_NS} ns at p50, and an idle waiter uses
 * less than {@value #IDLE_GOAL_PERCENT}% of a core. Each is a ratio, goal ÷ the round's value,
 * one per round, with the 95% interval of {@link Ratio#ofRatios}: met when its lower bound
 * reaches 1, that is when the interval's upper end of the p50 (or the CPU share) stays within the
 * goal.
 */
public final class WakeReport {
    /** The wake-up target: p50 at most this, ns. */
    public static final double WAKE_P50_GOAL_NS = 20_000;
    /** The idle target: less than this share of one core, %. */
    public static final double IDLE_GOAL_PERCENT = 1.0;

    private WakeReport() {}

    /** The markdown section for the harness's JSON file. */
    public static String markdown(Path json) throws IOException {
        return markdown(read(json));
    }

    /** The targets (and three comparisons without a goal), as rows of the report's targets table. */
    public static List<Targets.Row> targets(Path json) throws IOException {
        return targets(read(json));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path json) throws IOException {
        if (!(JsonText.parse(Files.readString(json)) instanceof Map<?, ?> root) || !WakeHarness.FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException(json + " is not a wake harness result (format " + WakeHarness.FORMAT + ")");
        }
        return (Map<String, Object>) root;
    }

    static List<Targets.Row> targets(Map<String, Object> root) {
        List<Targets.Row> rows = new ArrayList<>();
        String kernel = WakeConsumer.KERNEL;
        rows.add(new Targets.Row(String.format(Locale.ROOT, "wake-up of an asleep consumer, p50 ≤ %.0f µs: kernel waits"
                + " (`KERNEL_WAITS`), %.0f µs ÷ each round's p50 ≥ 1", WAKE_P50_GOAL_NS / 1000, WAKE_P50_GOAL_NS / 1000), 1.0,
                ofGoal(WAKE_P50_GOAL_NS, perRound(root, kernel, WakeReport::p50))));
        rows.add(new Targets.Row(String.format(Locale.ROOT, "idle waiter < %.0f%% of a core: kernel waits (`KERNEL_WAITS`, 100 ms"
                + " owner checks), %.0f%% ÷ each round's share ≥ 1", IDLE_GOAL_PERCENT, IDLE_GOAL_PERCENT), 1.0,
                ofGoal(IDLE_GOAL_PERCENT, perRound(root, kernel, WakeReport::idlePercent))));
        rows.add(new Targets.Row("wake-up p50 of an asleep consumer: today's backoff ÷ kernel waits (`KERNEL_WAITS`)", Double.NaN,
                paired(perRound(root, WakeConsumer.BACKOFF, WakeReport::p50), perRound(root, kernel, WakeReport::p50))));
        rows.add(new Targets.Row("wake-up p50 of an asleep consumer: kernel waits (`KERNEL_WAITS`) ÷ the bare futex floor (no queue,"
                + " no shmkit)", Double.NaN, paired(perRound(root, kernel, WakeReport::p50),
                perRound(root, WakeConsumer.FUTEX_FLOOR, WakeReport::p50))));
        rows.add(new Targets.Row(String.format(Locale.ROOT, "idle waiter, kernel waits with the default 10 ms owner checks:"
                + " %.0f%% ÷ its share of a core", IDLE_GOAL_PERCENT), Double.NaN,
                ofGoal(IDLE_GOAL_PERCENT, perRound(root, WakeConsumer.KERNEL_10MS, WakeReport::idlePercent))));
        return rows;
    }

    /** {@code goal ÷ value} per round, the interval's description saying so; absent without rounds. */
    static Ratio ofGoal(double goal, Map<Integer, Double> values) {
        if (values.isEmpty()) {
            return Ratio.ABSENT;
        }
        // a share of exactly 0 (a thread that never ran) is below any goal: a tiny floor keeps the ratio finite
        Ratio r = Ratio.ofRatios(values.values().stream().mapToDouble(v -> goal / Math.max(v, 1e-9)).toArray());
        return r.rounds() < 2 ? r : new Ratio(r.point(), r.lower(), r.upper(), r.rounds(),
                r.rounds() + " rounds, 95% t-interval on log(goal ÷ value)");
    }

    /** {@code a[k] ÷ b[k]} over the rounds both have; absent if none. */
    static Ratio paired(Map<Integer, Double> a, Map<Integer, Double> b) {
        List<Double> ratios = new ArrayList<>();
        a.forEach((round, value) -> {
            Double other = b.get(round);
            if (other != null && other > 0 && value > 0) {
                ratios.add(value / other);
            }
        });
        return ratios.isEmpty() ? Ratio.ABSENT : Ratio.ofRatios(ratios.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Round → {@code value} of that round's entry, for {@code strategy}. */
    static Map<Integer, Double> perRound(Map<String, Object> root, String strategy, ToDoubleFunction<Map<String, Object>> value) {
        Map<Integer, Double> values = new TreeMap<>();
        for (Map<String, Object> s : series(root)) {
            if (strategy.equals(s.get("strategy"))) {
                for (Map<String, Object> r : objects(s.get("rounds"))) {
                    double v = value.applyAsDouble(r);
                    if (!Double.isNaN(v)) {
                        values.put(((Number) r.get("round")).intValue(), v);
                    }
                }
            }
        }
        return values;
    }

    private static double p50(Map<String, Object> round) {
        return doubleOf(round.get("p50"));
    }

    private static double idlePercent(Map<String, Object> round) {
        return doubleOf(map(round.get("idle")).get("threadCpuPercent"));
    }

    // ---------------------------------------------------------------- markdown

    static String markdown(Map<String, Object> root) {
        Map<String, Object> settings = map(root.get("settings"));
        Map<String, Object> machine = map(root.get("machine"));
        StringBuilder md = new StringBuilder();
        md.append("## Kernel wake-ups: an asleep consumer, an idle waiter\n\n")
          .append("`io.shmkit.bench.latency.WakeHarness`, two JVMs per strategy and round, both with\n")
          .append("`--enable-native-access=ALL-UNNAMED`: a producer JVM creates a one-producer queue of 32-byte messages with\n")
          .append("the strategy's waiting options (its own handle too, so that it wakes a kernel sleeper) and starts the consumer\n")
          .append("JVM, which waits with shmkit's blocking `read(handler, 1, timeout)`. Both first run ")
          .append(String.format(Locale.ROOT, "%,d", longOf(settings.get("warmup"))))
          .append(" warm-up messages (a quarter with\n")
          .append("liveness checks at every step of a wait, to compile the code of the timed wake-ups; the rest with the strategy's\n")
          .append("own options, most back to back, the others after 100 to 300 µs of quiet, so that the consumer sleeps and is\n")
          .append("woken), so that what is measured is compiled code, as in a consumer that has waited many times. Then, ")
          .append(intOf(settings.get("samples"))).append(" times\nper round, the producer waits a quiet spell drawn uniformly from ")
          .append(millis(settings.get("quietMinMicros"))).append(" to ").append(millis(settings.get("quietMaxMicros")))
          .append(" after the previous message's receipt, notes what\n")
          .append("the consumer's waiting thread is doing (`/proc/<pid>/task/<tid>/syscall`) and whether the queue's consumer wake\n")
          .append("word announces a sleep (its bit 0), then stamps `System.nanoTime()` (`CLOCK_MONOTONIC`, one clock for every\n")
          .append("process) into the message and `offer`s it, and naps (50 µs parks) until the consumer has it. The consumer reads\n")
          .append("`nanoTime` first thing in its handler; receipt minus stamp is the wake-up latency, recorded in an HdrHistogram.\n")
          .append("It includes the `offer`, the producer's `FUTEX_WAKE` where the consumer sleeps in the kernel, the scheduler's\n")
          .append("wake-up of the consumer's thread (on a VM, of its halted vCPU: the host's part), and the consumer's re-check\n")
          .append("and read. The producer naps rather than spins because on this 2-vCPU guest a woken thread was seen to wait\n")
          .append("about 2 ms on the run queue of a waker that kept its vCPU busy. Then, after ")
          .append(intOf(settings.get("settleMillis"))).append(" ms, the consumer idles for ")
          .append(millis(Math.round(doubleOf(settings.get("idleMillis")) * 1000)))
          .append(" while the producer reads the waiting thread's\n")
          .append("CPU time (`schedstat`, ns), the whole consumer JVM's, and the thread's voluntary context switches (each a\n")
          .append("sleep) at both ends of the window. ")
          .append(intOf(settings.get("rounds"))).append(" round(s), each running every strategy once in fresh JVMs (forward in\n")
          .append("odd rounds, backward in even ones).\n\n")
          .append("Strategies:\n\n");
        for (Object s : list(settings.get("strategies"))) {
            md.append("- `").append(s).append("`: ").append(WakeConsumer.describe(String.valueOf(s))).append('\n');
        }
        if (Boolean.TRUE.equals(settings.get("smoke"))) {
            md.append("\n**Smoke run**: a few wake-ups and a short idle window: it proves the harness runs, its numbers mean nothing.\n");
        }
        md.append("\nMachine: ").append(machine.getOrDefault("modelName", "?")).append("; ")
          .append(machine.getOrDefault("topology", "topology unknown")).append(". ").append(machine.getOrDefault("jdk", ""))
          .append(". Steal time over the whole harness: ").append(LatencyReport.pct(machine.get("stealPercent")))
          .append(". Elapsed: ").append(String.format(Locale.ROOT, "%.0f s", doubleOf(root.get("elapsedSeconds")))).append(".\n\n");

        md.append("### Wake-up latency of an asleep consumer\n\n")
          .append("Send to receipt in ns, all rounds merged. The last columns say what the consumer's waiting thread was doing\n")
          .append("just before each send: asleep in a shared `FUTEX_WAIT` (shmkit's kernel wait; the JVM's own waits use private\n")
          .append("futexes), parked (a private futex wait: `parkNanos`), running, or otherwise; and how often the queue's\n")
          .append("consumer wake word announced a sleep (bit 0 set). \"Machine busy\" is the share of both vCPUs' time that anything ran while a\n")
          .append("round was measured (`/proc/stat`): these JVMs sleep through most of it, so it is mostly other work, which\n")
          .append("delays a woken thread that finds no idle vCPU.\n\n")
          .append("| strategy | wake-ups | p50 | p90 | p99 | p99.9 | max | p50 per round | p99 per round | machine busy per round |")
          .append(" asleep in a shared futex | parked | running | other | sleep announced |\n")
          .append("|---|--:|--:|--:|--:|--:|--:|---|---|---|--:|--:|--:|--:|--:|\n");
        for (Map<String, Object> s : series(root)) {
            Map<String, Object> merged = map(s.get("merged"));
            Percentiles p = Percentiles.fromJson(merged);
            Map<String, Object> states = map(merged.get("states"));
            md.append("| `").append(s.get("strategy")).append("` | ").append(String.format(Locale.ROOT, "%,d", p.count()));
            for (double v : new double[] {p.p50(), p.p90(), p.p99(), p.p999(), p.max()}) {
                md.append(" | ").append(LatencyReport.ns(v));
            }
            md.append(" | ").append(perRoundText(s, r -> doubleOf(r.get("p50")))).append(" | ")
              .append(perRoundText(s, r -> doubleOf(r.get("p99")))).append(" | ").append(perRoundBusy(s));
            long other = longOf(states.get("other")) + longOf(states.get("unknown"));
            md.append(" | ").append(longOf(states.get("sharedFutexWait"))).append(" | ").append(longOf(states.get("parked")))
              .append(" | ").append(longOf(states.get("running"))).append(" | ").append(other).append(" | ")
              .append(longOf(merged.get("wakeWordSet"))).append(" |\n");
        }

        md.append("\n### CPU of an idle waiter\n\n")
          .append("The waiting thread's CPU time (`/proc/<pid>/task/<tid>/schedstat`) ÷ the wall time of the idle windows,\n")
          .append("as a share of one core; the whole consumer JVM's (every thread: its collector, compiler and periodic tasks)\n")
          .append("beside it; and the waiting thread's sleeps per second (voluntary context switches): the wake-ups it makes\n")
          .append("of its own while nothing comes.\n\n")
          .append("| strategy | idle time | waiting thread, % of a core | per round | consumer JVM, % of a core | sleeps/s |\n")
          .append("|---|--:|--:|---|--:|--:|\n");
        for (Map<String, Object> s : series(root)) {
            Map<String, Object> idle = map(s.get("idle"));
            md.append("| `").append(s.get("strategy")).append("` | ")
              .append(String.format(Locale.ROOT, "%.1f s", doubleOf(idle.get("wallSeconds")))).append(" | ")
              .append(share(doubleOf(idle.get("threadCpuPercent")))).append(" | ")
              .append(perRoundShares(s)).append(" | ")
              .append(share(doubleOf(idle.get("processCpuPercent")))).append(" | ")
              .append(String.format(Locale.ROOT, "%,.0f", doubleOf(idle.get("sleepsPerSecond")))).append(" |\n");
        }

        md.append("\n### Targets\n\n")
          .append("| target | ratio (interval) | how | verdict |\n|---|---|---|---|\n");
        for (Targets.Row row : targets(root)) {
            md.append("| ").append(row.what()).append(" | ").append(row.ratio().text()).append(" | ").append(row.ratio().how())
              .append(" | ").append(row.verdict()).append(" |\n");
        }
        md.append("\nA target is a ratio, the goal ÷ a round's value (20 µs ÷ its p50, 1% ÷ its CPU share), one per round;\n")
          .append("the interval is the 95% t-interval of their logarithms' mean, exponentiated. Met when the lower bound reaches\n")
          .append("1 (the value's upper bound is within the goal), missed when the upper bound stays below 1, inconclusive\n")
          .append("otherwise or with one round.\n");
        return md.toString();
    }

    private static String perRoundText(Map<String, Object> series, ToDoubleFunction<Map<String, Object>> value) {
        StringJoiner out = new StringJoiner(", ");
        objects(series.get("rounds")).forEach(r -> out.add(LatencyReport.ns(value.applyAsDouble(r))));
        return out.toString();
    }

    private static String perRoundBusy(Map<String, Object> series) {
        StringJoiner out = new StringJoiner(", ");
        objects(series.get("rounds")).forEach(r -> out.add(String.format(Locale.ROOT, "%.0f%%", doubleOf(r.get("machineBusyPercent")))));
        return out.toString();
    }

    private static String perRoundShares(Map<String, Object> series) {
        StringJoiner out = new StringJoiner(", ");
        objects(series.get("rounds")).forEach(r -> out.add(share(idlePercent(r))));
        return out.toString();
    }

    private static List<Map<String, Object>> series(Map<String, Object> root) {
        return objects(root.get("series"));
    }

    private static String millis(Object micros) {
        double ms = doubleOf(micros) / 1000;
        return Double.isNaN(ms) ? "?" : String.format(Locale.ROOT, ms == Math.rint(ms) ? "%.0f ms" : "%.1f ms", ms);
    }

    /** A CPU share with the precision a small one needs: "0.012%", "1.3%", "99.8%". */
    private static String share(double percent) {
        if (Double.isNaN(percent)) {
            return "–";
        }
        return String.format(Locale.ROOT, percent < 0.1 ? "%.4f%%" : percent < 10 ? "%.3f%%" : "%.1f%%", percent);
    }
}
