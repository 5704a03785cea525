package io.shmkit.bench.latency;

import static io.shmkit.bench.latency.JsonText.doubleOf;
import static io.shmkit.bench.latency.JsonText.intOf;
import static io.shmkit.bench.latency.JsonText.list;
import static io.shmkit.bench.latency.JsonText.longOf;
import static io.shmkit.bench.latency.JsonText.map;
import static io.shmkit.bench.latency.JsonText.objects;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Renders the latency harness's JSON ({@link LatencyHarness}): a markdown section for the
 * suite's report, and the ping-pong targets as {@link TargetVerdict}s with intervals.
 *
 * <p>The targets: "ping-pong p50: shmkit ≤ Agrona mailbox" (the same mailbox design on
 * Agrona's {@code UnsafeBuffer}) and "ping-pong p50: shmkit ≤ Agrona ring-buffer pair"; and,
 * when the messaging transports ran, the shmkit queue pair's: p50 ≤ the Agrona ring-buffer
 * pair's, p50 ≤ 1.3 × the floor's, p99 ≤ 2 × the floor's. Each takes, for every round where
 * both ran, rival closed-loop percentile ÷ shmkit's (paired by round: the two ran within
 * seconds of each other, under the same load), and the 95% interval of
 * {@link TargetVerdict#fromRatios}; a goal "≤ k × the floor" is "floor ÷ shmkit ≥ 1/k".
 */
public final class LatencyReport {
    /** The rivals of the p50 targets, with how the report names them. */
    static final Map<String, String> RIVALS = Map.of("agronaMailbox", "Agrona mailbox", "agronaRingBuffers",
            "Agrona ring-buffer pair");
    static final List<String> TARGET_RIVALS = List.of("agronaMailbox", "agronaRingBuffers");
    /** The goal of every p50 target: rival ÷ shmkit ≥ 1. */
    static final double GOAL = 1.0;

    private static final Map<String, String> WHAT = new LinkedHashMap<>();

    static {
        WHAT.put("shmkit", "shmkit mailbox: a ping and a pong slot in one `SharedLongArray`, release store and acquire load; both sides spin");
        WHAT.put("agronaMailbox", "the same mailbox written on Agrona's `UnsafeBuffer` over a mapped file; both sides spin");
        WHAT.put("floor", "the floor: one sequence word per direction, each on its own cache line (128 bytes apart), no queue and no"
                + " payload, release store and acquire load; both sides spin. The least any shared-memory message can cost");
        WHAT.put("shmkitQueue", "a pair of one-producer shmkit `MessageQueue`s of 64 KiB: the client copies the message in with"
                + " `offer` and spins on `read(handler, 1)`; the echo copies each message from ring to ring in its handler"
                + " (`tryClaim`, copy, `commit`); both sides spin");
        WHAT.put("agronaRingBuffers", "a pair of Agrona `OneToOneRingBuffer`s of 64 KiB in a mapped file (the ring reference): the"
                + " client `write`s, the echo `write`s each message from ring to ring in its handler; both sides spin");
        WHAT.put("aeron", "Aeron IPC, a ping and a pong stream (`ExclusivePublication.offer`, `Subscription.poll(handler, 1)`),"
                + " the echo offering from its handler; media driver embedded in the client's JVM in INVOKER threading (no"
                + " driver thread: the client's thread runs the driver's duty cycle every 256th empty poll), term 2 MiB;"
                + " both sides spin");
        WHAT.put("shmkitPipe", "a duplex shmkit `Pipe`, used as Python's: `send(byte[])` and `recv()` (a new array per message)"
                + " on each side, waiting as the queues' default `LockOptions` say (spin 128, yield 64, then park 1 µs to 1 ms)");
        WHAT.put("pipe", "the peer's stdin and stdout; blocking");
        WHAT.put("unixSocket", "a Unix-domain socket; blocking");
        WHAT.put("unixSocketSpin", "a Unix-domain socket, non-blocking; both sides busy-poll `read`");
        WHAT.put("tcp", "TCP on loopback, Nagle off; blocking");
        WHAT.put("tcpSpin", "TCP on loopback, Nagle off, non-blocking; both sides busy-poll `read`");
    }

    private LatencyReport() {}

    /** The markdown section for the harness's JSON file. */
    public static String markdown(Path json) throws IOException {
        return markdown(read(json));
    }

    /**
     * For the report's chart: per transport, in the harness's order, the closed-loop
     * percentiles of all rounds merged, p50, p90, p99 and p99.9 in ns.
     */
    public static Map<String, double[]> closedLoopPercentiles(Path json) throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map<String, Object> s : series(read(json))) {
            if ("closed".equals(s.get("mode")) && s.get("merged") instanceof Map<?, ?> merged) {
                @SuppressWarnings("unchecked")
                Percentiles p = Percentiles.fromJson((Map<String, Object>) merged);
                out.put((String) s.get("transport"), new double[] {p.p50(), p.p90(), p.p99(), p.p999()});
            }
        }
        return out;
    }

    /** The ping-pong p50 targets, each with its per-round ratios, interval and verdict. */
    public static List<TargetVerdict> targets(Path json) throws IOException {
        return targets(read(json));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path json) throws IOException {
        if (!(JsonText.parse(Files.readString(json)) instanceof Map<?, ?> root)
                || !LatencyHarness.FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException(json + " is not a latency harness result (format " + LatencyHarness.FORMAT + ")");
        }
        return (Map<String, Object>) root;
    }

    static List<TargetVerdict> targets(Map<String, Object> root) {
        List<TargetVerdict> targets = new ArrayList<>();
        if (!roundPercentiles(root, "shmkit", "p50", 0).isEmpty()) {
            for (String rival : TARGET_RIVALS) {
                targets.add(TargetVerdict.fromRatios("ping-pong p50: shmkit ≤ " + RIVALS.get(rival) + " (closed loop)", GOAL,
                        pairedRatios(root, rival, "shmkit", "p50", 0, 0)));
            }
        }
        if (!roundPercentiles(root, QUEUE, "p50", 0).isEmpty()) {
            double clock = machineNanoTimeCost(root);
            long rate = lowestRate(root);
            targets.add(TargetVerdict.fromRatios("32-byte round trip p50: shmkit queue pair ≤ Agrona ring-buffer pair (closed loop)", GOAL,
                    pairedRatios(root, "agronaRingBuffers", QUEUE, "p50", 0, 0)));
            targets.add(TargetVerdict.fromRatios("32-byte round trip p50: shmkit queue pair ≤ 1.3 × the floor (floor ÷ shmkit ≥ 1/1.3;"
                    + " closed loop, the clock's cost taken off both)", 1 / FLOOR_P50_FACTOR, pairedRatios(root, "floor", QUEUE, "p50", 0, clock)));
            targets.add(TargetVerdict.fromRatios("32-byte round trip p99: shmkit queue pair ≤ 2 × the floor (floor ÷ shmkit ≥ 1/2;"
                    + " open loop at " + String.format(Locale.ROOT, "%,d", rate) + " messages/s, corrected for coordinated omission,"
                    + " the clock's cost taken off both)", 1 / FLOOR_P99_FACTOR, pairedRatios(root, "floor", QUEUE, "p99", rate, clock)));
        }
        return targets;
    }

    /** The shmkit transport of the messaging round-trip targets. */
    static final String QUEUE = "shmkitQueue";
    /** The messaging targets: shmkit's queue pair at most this many times the floor's p50, and p99. */
    static final double FLOOR_P50_FACTOR = 1.3;
    static final double FLOOR_P99_FACTOR = 2.0;

    /**
     * Per round where both ran: {@code rival}'s {@code percentile} ÷ {@code shmkit}'s, each less
     * {@code clockNs} (the cost of the {@code nanoTime} call inside every sample: a constant added to
     * both sides pulls a ratio towards 1). {@code rate} 0: the closed loop; else the open loop at that rate.
     */
    static List<Double> pairedRatios(Map<String, Object> root, String rival, String shmkit, String percentile, long rate,
            double clockNs) {
        Map<Integer, Double> ours = roundPercentiles(root, shmkit, percentile, rate);
        Map<Integer, Double> theirs = roundPercentiles(root, rival, percentile, rate);
        List<Double> ratios = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : ours.entrySet()) {
            Double other = theirs.get(e.getKey());
            if (other != null && other - clockNs > 0 && e.getValue() - clockNs > 0) {
                ratios.add((other - clockNs) / (e.getValue() - clockNs));
            }
        }
        return ratios;
    }

    /** The cost of one {@code System.nanoTime()} the run measured, ns; 0 if it did not. */
    static double machineNanoTimeCost(Map<String, Object> root) {
        return map(root.get("machine")).get("nanoTimeCostNs") instanceof Number n ? n.doubleValue() : 0;
    }

    /** The lowest open-loop rate of the run, messages per second (0 if none). */
    static long lowestRate(Map<String, Object> root) {
        long lowest = 0;
        for (Map<String, Object> s : series(root)) {
            if ("open".equals(s.get("mode")) && s.get("ratePerSecond") instanceof Number r && r.longValue() > 0
                    && (lowest == 0 || r.longValue() < lowest)) {
                lowest = r.longValue();
            }
        }
        return lowest;
    }

    /** Round → closed-loop p50 of {@code transport}, for the rounds where it ran. */
    static Map<Integer, Double> roundP50s(Map<String, Object> root, String transport) {
        return roundPercentiles(root, transport, "p50", 0);
    }

    /**
     * Round → {@code percentile} ("p50", "p99", ...) of {@code transport} in the closed loop
     * ({@code rate} 0) or the open loop at {@code rate}, for the rounds where it ran.
     */
    static Map<Integer, Double> roundPercentiles(Map<String, Object> root, String transport, String percentile, long rate) {
        Map<Integer, Double> values = new TreeMap<>();
        for (Map<String, Object> s : series(root)) {
            boolean mode = rate == 0 ? "closed".equals(s.get("mode"))
                    : "open".equals(s.get("mode")) && s.get("ratePerSecond") instanceof Number r && r.longValue() == rate;
            if (transport.equals(s.get("transport")) && mode) {
                for (Map<String, Object> r : rounds(s)) {
                    if ("ok".equals(r.get("status")) && r.get(percentile) instanceof Number value) {
                        values.put(((Number) r.get("round")).intValue(), value.doubleValue());
                    }
                }
            }
        }
        return values;
    }

    // ---------------------------------------------------------------- markdown

    static String markdown(Map<String, Object> root) {
        Map<String, Object> settings = map(root.get("settings"));
        Map<String, Object> machine = map(root.get("machine"));
        StringBuilder md = new StringBuilder();
        md.append("## Ping-pong latency: every round trip recorded\n\n");
        method(md, settings, machine);
        machine(md, root, machine);

        md.append("### Closed loop\n\n")
          .append("Round-trip time in ns, all rounds merged; \"p50 per round\" lists each round's p50 in round order.\n\n")
          .append("| transport | round trips | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 per round | steal |\n")
          .append("|---|--:|--:|--:|--:|--:|--:|--:|---|--:|\n");
        for (Map<String, Object> s : series(root)) {
            if ("closed".equals(s.get("mode"))) {
                row(md, s, true);
            }
        }
        for (Object rate : list(settings.get("ratesPerSecond"))) {
            long r = ((Number) rate).longValue();
            md.append("\n### Open loop at ").append(String.format(Locale.ROOT, "%,d", r)).append(" messages/s\n\n")
              .append("Latency in ns from when each message was due to when its echo arrived, corrected for coordinated\n")
              .append("omission; \"values\" counts the correction's values too, \"sent\" only the messages sent.\n\n")
              .append("| transport | values | sent | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 per round | steal |\n")
              .append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n");
            List<String> skipped = new ArrayList<>();
            for (Map<String, Object> s : series(root)) {
                if ("open".equals(s.get("mode")) && ((Number) s.get("ratePerSecond")).longValue() == r) {
                    row(md, s, false);
                    for (Map<String, Object> round : rounds(s)) {
                        if ("skipped".equals(round.get("status"))) {
                            skipped.add("`" + s.get("transport") + "`, round " + intOf(round.get("round")) + ": "
                                    + round.get("reason"));
                        }
                    }
                }
            }
            if (!skipped.isEmpty()) {
                md.append("\nSkipped, as a rate a transport cannot sustain measures a growing queue, not the transport:\n\n");
                skipped.forEach(s -> md.append("- ").append(s).append('\n'));
            }
        }

        md.append("\n### Targets\n\n")
          .append("| target | rival ÷ shmkit, per round | ratio (95% interval) | goal | verdict |\n")
          .append("|---|---|---|--:|---|\n");
        for (TargetVerdict t : targets(root)) {
            StringJoiner ratios = new StringJoiner(", ");
            t.roundRatios().forEach(x -> ratios.add(String.format(Locale.ROOT, "%.2f", x)));
            md.append("| ").append(t.description()).append(" | ").append(ratios.length() == 0 ? "–" : ratios.toString())
              .append(" | ").append(t.interval()).append(" | ").append(String.format(Locale.ROOT, "≥ %.2f×", t.goal()))
              .append(" | ").append(t.verdict() == TargetVerdict.Verdict.MISSED ? "**missed**" : t.verdict().label())
              .append(" |\n");
        }
        md.append("\nEach ratio is the rival's closed-loop p50 (or what the target names: the p99 of the open loop at its\n")
          .append("lowest rate, corrected for coordinated omission) ÷ shmkit's in the same round (the two ran within\n")
          .append("seconds of each other, so drift affects both), higher being better for shmkit. For the floor targets\n")
          .append("both sides are first reduced by the cost of the `nanoTime` call every sample includes, which would\n")
          .append("otherwise pull the ratio towards 1; a goal\n")
          .append("\"≤ k × the floor\" is \"floor ÷ shmkit ≥ 1/k\". The point estimate is the\n")
          .append("geometric mean of the per-round ratios; the interval is a 95% Student-t interval on their logarithms,\n")
          .append("exp(m ± t₀.₉₇₅,ₙ₋₁ · s/√n), with m and s the mean and standard deviation of the n log-ratios. A target\n")
          .append("is **met** when the lower bound reaches the goal, **missed** when the upper bound stays below it, and\n")
          .append("**inconclusive** otherwise, or with fewer than two rounds (no interval).\n");
        return md.toString();
    }

    private static void method(StringBuilder md, Map<String, Object> settings, Map<String, Object> machine) {
        md.append("A 32-byte message (four longs) goes from a client JVM to an echoing peer JVM and back, and the client\n")
          .append("checks every word of the echo. This is not JMH's `SampleTime` (which samples about one round trip in\n")
          .append("60 and records a stall once): `io.shmkit.bench.latency.LatencyHarness` records **every** round trip\n")
          .append("in an HdrHistogram (").append(intOf(map(settings.get("histogram")).get("significantDigits")))
          .append(" significant digits). Each transport runs in a fresh client JVM with a fresh peer JVM (same heap\n")
          .append("and collector), warmed up with ").append(String.format(Locale.ROOT, "%,d", longOf(settings.get("warmupRoundTrips"))))
          .append(" round trips (at most ").append(seconds(settings.get("warmupMillis"))).append(") through the measured loops, then:\n\n")
          .append("- **closed loop** (").append(seconds(settings.get("closedMillis")))
          .append("): the next message goes when the previous echo is back; a round trip is timed from `System.nanoTime()`\n")
          .append("  before the send to after the checked echo, so it includes about one `nanoTime` call (")
          .append(machine.get("nanoTimeCostNs")).append(" ns here). This is what a ping-pong p50 means.\n")
          .append("- **open loop** (").append(seconds(settings.get("openMillis")))
          .append(" per rate): messages are due at a fixed rate whatever happens to earlier ones; the client spins until\n")
          .append("  one is due, sends it, and records the time from when it was *due* to when its echo arrived with\n")
          .append("  `recordValueWithExpectedInterval(latency, T)`, T the interval between messages. When a round trip\n")
          .append("  overruns the next slots, the messages due in them are not sent in a late burst; the correction\n")
          .append("  records the latencies they would have seen instead (latency − T, latency − 2T, … down to T). So a\n")
          .append("  1 ms stall at 10,000 messages/s counts as the ten requests it delays, not as one sample: this is the\n")
          .append("  correction for *coordinated omission* (Gil Tene), the measuring client's habit of not sending while it\n")
          .append("  waits and so never recording the requests a stall would have delayed. A rate is skipped for a run when\n")
          .append("  it exceeds ").append(percent(settings.get("maxUtilization"))).append(" of what that run's closed loop\n")
          .append("  sustained (1 ÷ its mean round trip): it would measure a queue growing for the whole run.\n")
          .append("- **rounds**: ").append(intOf(settings.get("rounds")))
          .append(" round(s), each running every transport once (forward in odd rounds, backward in even ones), so that\n")
          .append("  drift on a shared machine hits every transport alike. The tables merge the rounds' histograms; the\n")
          .append("  targets use the per-round p50s.\n\n");
        md.append("Transports:\n\n");
        for (Object t : list(settings.get("transports"))) {
            md.append("- `").append(t).append("`: ").append(WHAT.getOrDefault(String.valueOf(t), "")).append('\n');
        }
        if (Boolean.TRUE.equals(settings.get("smoke"))) {
            md.append("\n**Smoke run**: a few tenths of a second per mode, one round, every rate run even above capacity:\n")
              .append("it proves the harness runs, its numbers mean nothing.\n");
        }
        md.append('\n');
    }

    private static void machine(StringBuilder md, Map<String, Object> root, Map<String, Object> machine) {
        List<Double> steals = new ArrayList<>();
        for (Object run : list(root.get("runs"))) {
            if (map(run).get("stealPercent") instanceof Number n) {
                steals.add(n.doubleValue());
            }
        }
        md.append("Machine: ").append(machine.getOrDefault("modelName", "?")).append("; ")
          .append(machine.getOrDefault("topology", "topology unknown")).append(". ").append(machine.getOrDefault("jdk", ""))
          .append(". Steal time (the hypervisor running something else on this guest's vCPUs, % of all CPU time): ")
          .append(pct(machine.get("stealPercent"))).append(" over the whole harness");
        if (!steals.isEmpty()) {
            md.append(", ").append(pct(steals.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)))
              .append(" to ").append(pct(steals.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)))
              .append(" per run");
        }
        md.append(". Elapsed: ").append(String.format(Locale.ROOT, "%.0f s", doubleOf(root.get("elapsedSeconds")))).append(".\n\n");
    }

    private static void row(StringBuilder md, Map<String, Object> s, boolean closed) {
        md.append("| `").append(s.get("transport")).append("` | ");
        List<Map<String, Object>> rounds = rounds(s);
        if (!(s.get("merged") instanceof Map<?, ?> merged)) {
            md.append("skipped in every round |").append(" |".repeat(closed ? 8 : 9)).append('\n');
            return;
        }
        Percentiles p = Percentiles.fromJson(merged);
        md.append(String.format(Locale.ROOT, "%,d", p.count())).append(" | ");
        if (!closed) {
            long sent = 0;
            for (Map<String, Object> r : rounds) {
                sent += r.get("sent") instanceof Number n ? n.longValue() : 0;
            }
            md.append(String.format(Locale.ROOT, "%,d", sent)).append(" | ");
        }
        for (double v : p.values()) {
            md.append(ns(v)).append(" | ");
        }
        StringJoiner perRound = new StringJoiner(", ");
        double minSteal = Double.NaN;
        double maxSteal = Double.NaN;
        for (Map<String, Object> r : rounds) {
            perRound.add("ok".equals(r.get("status")) ? ns(doubleOf(r.get("p50"))) : "skipped");
            if (r.get("stealPercent") instanceof Number n) {
                minSteal = Double.isNaN(minSteal) ? n.doubleValue() : Math.min(minSteal, n.doubleValue());
                maxSteal = Double.isNaN(maxSteal) ? n.doubleValue() : Math.max(maxSteal, n.doubleValue());
            }
        }
        md.append(perRound).append(" | ").append(minSteal == maxSteal ? pct(minSteal) : pct(minSteal) + "–" + pct(maxSteal))
          .append(" |\n");
    }

    // ---------------------------------------------------------------- JSON access

    private static List<Map<String, Object>> series(Map<String, Object> root) {
        return objects(root.get("series"));
    }

    private static List<Map<String, Object>> rounds(Map<String, Object> series) {
        return objects(series.get("rounds"));
    }

    /** Nanoseconds, whole, with thousands separators; "–" for NaN. */
    static String ns(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    /** A percentage with one decimal; "unknown" for NaN. */
    static String pct(Object o) {
        double v = doubleOf(o);
        return Double.isNaN(v) ? "unknown" : String.format(Locale.ROOT, "%.1f%%", v);
    }

    private static String percent(Object fraction) {
        double v = doubleOf(fraction);
        return Double.isNaN(v) || Double.isInfinite(v) ? "any share (never skipped)" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    private static String seconds(Object millis) {
        return String.format(Locale.ROOT, "%.1f s", doubleOf(millis) / 1000);
    }
}
