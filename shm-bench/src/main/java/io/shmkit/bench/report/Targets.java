package io.shmkit.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's performance targets, each a ratio of two benchmark scores with its interval
 * and a verdict: met only when the interval's lower bound reaches the goal, missed when its
 * upper bound does not, inconclusive otherwise ({@link Ratio}). A target is computed from the
 * interleaved headline rounds when the run has them, else from the main run (one fork, marked
 * so); comparisons without a goal are reported the same way, for the reader.
 */
public final class Targets {
    private static final Pattern ROUND_FILE = Pattern.compile("round-(\\d+)-.*\\.json");

    /**
     * One line of the targets table.
     *
     * @param withinError whether the goal is "no cost within error" ({@link Ratio#reaches}: the
     *                    interval must reach the goal) rather than a lower bound ({@link Ratio#against})
     */
    public record Row(String what, double goal, Ratio ratio, boolean withinError) {
        /** A row whose goal is a lower bound. */
        public Row(String what, double goal, Ratio ratio) {
            this(what, goal, ratio, false);
        }

        /** The verdict, or "—" for a comparison without a goal. */
        public String verdict() {
            return Double.isNaN(goal) ? "—" : Double.isNaN(ratio.point()) ? "not in this run"
                    : (withinError ? ratio.reaches(goal) : ratio.against(goal)).toString();
        }
    }

    /** The fast-path benchmarks of kernel waits that the targets rest on: method, and what it does. */
    static final String[][] KERNEL_WAIT_HEADLINES = {{"mutex", "uncontended mutex lock+unlock"},
            {"queueOfferRead", "32-byte queue offer+read (one thread)"}};

    private final List<BenchResult> main;
    /** Per combination (benchmark and parameters), its score in each round, by round number. */
    private final Map<String, TreeMap<Integer, BenchResult>> rounds;

    private Targets(List<BenchResult> main, Map<String, TreeMap<Integer, BenchResult>> rounds) {
        this.main = main;
        this.rounds = rounds;
    }

    /** The targets of a run: its main results, and the round files in {@code roundsDirectory} if it exists. */
    static Targets of(List<BenchResult> main, Path roundsDirectory) throws IOException {
        Map<String, TreeMap<Integer, BenchResult>> rounds = new LinkedHashMap<>();
        if (roundsDirectory != null && Files.isDirectory(roundsDirectory)) {
            try (var files = Files.list(roundsDirectory)) {
                for (Path file : files.sorted().toList()) {
                    Matcher m = ROUND_FILE.matcher(file.getFileName().toString());
                    if (m.matches()) {
                        int round = Integer.parseInt(m.group(1));
                        for (BenchResult r : BenchReport.read(file).results()) {
                            rounds.computeIfAbsent(key(r.shortName(), r.params()), k -> new TreeMap<>()).put(round, r);
                        }
                    }
                }
            }
        }
        return new Targets(main, rounds);
    }

    /** How many rounds the run has (0 without rounds). */
    int roundCount() {
        return rounds.values().stream().mapToInt(TreeMap::size).max().orElse(0);
    }

    private static String key(String shortName, Map<String, String> params) {
        return shortName + new TreeMap<>(params);
    }

    /** {@code numerator / denominator}: from the rounds both appear in, else from the main run. */
    Ratio ratio(String numerator, Map<String, String> numeratorParams, String denominator, Map<String, String> denominatorParams) {
        TreeMap<Integer, BenchResult> a = rounds.get(key(numerator, numeratorParams));
        TreeMap<Integer, BenchResult> b = rounds.get(key(denominator, denominatorParams));
        if (a != null && b != null) {
            List<Double> top = new ArrayList<>();
            List<Double> bottom = new ArrayList<>();
            a.forEach((round, r) -> {
                BenchResult other = b.get(round);
                if (other != null) {
                    top.add(r.score());
                    bottom.add(other.score());
                }
            });
            if (top.size() >= 2) {
                return Ratio.paired(top.stream().mapToDouble(Double::doubleValue).toArray(),
                        bottom.stream().mapToDouble(Double::doubleValue).toArray());
            }
        }
        BenchResult x = find(numerator, numeratorParams);
        BenchResult y = find(denominator, denominatorParams);
        return x == null || y == null ? Ratio.ABSENT : Ratio.fromErrors(x.score(), x.error(), y.score(), y.error());
    }

    private BenchResult find(String shortName, Map<String, String> params) {
        return main.stream().filter(r -> r.shortName().equals(shortName) && r.params().entrySet().containsAll(params.entrySet()))
                .findFirst().orElse(null);
    }

    /** The smallest value of {@code param} of {@code benchmark} in the main run; "32" if none. */
    String smallest(String benchmark, String param) {
        return main.stream().filter(r -> r.shortName().equals(benchmark) && r.param(param) != null)
                .map(r -> r.param(param)).min((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b))).orElse("32");
    }

    /** The largest value of {@code param} of {@code benchmark} in the rounds, else in the main run; "?" if none. */
    String largest(String benchmark, String param) {
        long best = -1;
        for (var entry : rounds.entrySet()) {
            BenchResult any = entry.getValue().firstEntry().getValue();
            if (any.shortName().equals(benchmark) && any.param(param) != null) {
                best = Math.max(best, Long.parseLong(any.param(param)));
            }
        }
        if (best < 0) {
            for (BenchResult r : main) {
                if (r.shortName().equals(benchmark) && r.param(param) != null) {
                    best = Math.max(best, Long.parseLong(r.param(param)));
                }
            }
        }
        return best < 0 ? "?" : Long.toString(best);
    }

    /** The rows, in the order the report shows them. Speed ratios are the other's time ÷ shmkit's. */
    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String n = largest("HandoffBenchmark.handoff", "n");
        String handoff = "HandoffBenchmark.handoff";
        rows.add(new Row("handoff of " + n + " doubles ≥ 10× faster than the (tuned) pipe", 10,
                ratio(handoff, Map.of("n", n, "transport", "pipe"), handoff, Map.of("n", n, "transport", "shmkit"))));
        rows.add(new Row("handoff of " + n + " doubles ≥ 30× faster than the serialized queue", 30,
                ratio(handoff, Map.of("n", n, "transport", "serializedQueue"), handoff, Map.of("n", n, "transport", "shmkit"))));
        for (String access : accessSizes()) {
            Map<String, String> at = Map.of("n", access);
            rows.add(new Row("sequential sum of " + access + " shared doubles ≥ 0.95× the speed of a heap `double[]`", 0.95,
                    ratio("ArrayAccessBenchmark.sumHeap", at, "ArrayAccessBenchmark.sumShmkit", at)));
            rows.add(new Row("sequential sum of " + access + " shared doubles ≥ the speed of Agrona `UnsafeBuffer`", 1.0,
                    ratio("ArrayAccessBenchmark.sumAgrona", at, "ArrayAccessBenchmark.sumShmkit", at)));
        }
        String random = largest("ArrayAccessBenchmark.randomSumShmkit", "n");
        rows.add(new Row("random-index sum of " + random + " shared doubles ≥ the speed of Agrona `UnsafeBuffer`", 1.0,
                ratio("ArrayAccessBenchmark.randomSumAgrona", Map.of("n", random), "ArrayAccessBenchmark.randomSumShmkit",
                        Map.of("n", random))));
        rows.add(new Row("uncontended mutex lock+unlock ≥ 50× faster than `FileLock`", 50,
                ratio("UncontendedLockBenchmark.fileLock", Map.of(), "UncontendedLockBenchmark.mutex", Map.of())));
        // kernel waits on, nobody asleep (issue 16): the option-off time ÷ the option-on time, i.e. speed on ÷ off
        for (String[] fast : KERNEL_WAIT_HEADLINES) {
            String benchmark = "KernelWaitBenchmark." + fast[0];
            rows.add(new Row(fast[1] + " with kernel waits on, nobody asleep: speed ÷ with them off, no cost"
                    + " (shown to be under 5%: the interval's lower bound ≥ 0.95)", 1.0, ratio(benchmark, Map.of("kernelWaits", "false"), benchmark,
                    Map.of("kernelWaits", "true")), true));
        }
        // messaging throughput: rates, so shmkit's is the numerator (the other's time per message ÷ shmkit's)
        rows.add(new Row("32 B messages/s between JVMs: shmkit one-producer queue (`offer`) ≥ Agrona `OneToOneRingBuffer` (`write`)",
                1.0, messaging("shmkitOffer", "agronaWrite", "32")));
        rows.add(new Row("32 B messages/s between JVMs: shmkit one-producer queue (`offer`) ≥ 1.5× Aeron IPC (`offer`)",
                1.5, messaging("shmkitOffer", "aeronOffer", "32")));
        rows.add(new Row("32 B messages/s, two producer JVMs: shmkit many-producer queue ≥ Agrona `ManyToOneRingBuffer`",
                1.0, messaging("shmkitMany2", "agronaMany2", "32")));
        rows.add(new Row("64 KiB MB/s, zero copy: shmkit `tryClaim` ≥ Agrona `OneToOneRingBuffer.tryClaim`",
                1.0, messaging("shmkitClaim", "agronaClaim", "65536")));
        // comparisons without a goal: the same zero-copy idea on other libraries' APIs, and the native rival
        for (String t : new String[] {"agronaZeroCopy", "chronicleZeroCopy", "unixSocket"}) {
            rows.add(new Row("handoff of " + n + " doubles: " + t + " time ÷ shmkit's", Double.NaN,
                    ratio(handoff, Map.of("n", n, "transport", t), handoff, Map.of("n", n, "transport", "shmkit"))));
        }
        rows.add(new Row("uncontended lock+unlock: robust process-shared pthread mutex time ÷ shmkit mutex's", Double.NaN,
                ratio("UncontendedLockBenchmark.pthreadMutex", Map.of(), "UncontendedLockBenchmark.mutex", Map.of())));
        rows.add(new Row("uncontended lock+unlock: JDK `ReentrantLock` (one process) time ÷ shmkit mutex's", Double.NaN,
                ratio("UncontendedLockBenchmark.jdkReentrantLock", Map.of(), "UncontendedLockBenchmark.mutex", Map.of())));
        String small = smallest("MessagingBenchmark.receive", "size");
        String bytes = BenchReport.bytesText(small);
        rows.add(new Row(bytes + " messages/s: shmkit `tryClaim` ÷ Agrona `tryClaim`", Double.NaN,
                messaging("shmkitClaim", "agronaClaim", small)));
        rows.add(new Row(bytes + " messages/s, one producer JVM: shmkit many-producer queue ÷ Agrona `ManyToOneRingBuffer`",
                Double.NaN, messaging("shmkitMany1", "agronaMany1", small)));
        rows.add(new Row(bytes + " messages/s: shmkit `offer` ÷ the pipe", Double.NaN, messaging("shmkitOffer", "pipe", small)));
        rows.add(new Row(bytes + " messages/s: shmkit `offer` ÷ Java serialization over the pipe (Python's `Queue`)", Double.NaN,
                messaging("shmkitOffer", "serializedPipe", small)));
        return rows;
    }

    /** {@code shmkit}'s messages/s ÷ {@code other}'s at {@code size} bytes ({@code MessagingBenchmark.receive}). */
    private Ratio messaging(String shmkit, String other, String size) {
        String benchmark = "MessagingBenchmark.receive";
        return ratio(benchmark, Map.of("size", size, "transport", shmkit), benchmark, Map.of("size", size, "transport", other));
    }

    private List<String> accessSizes() {
        List<String> sizes = new ArrayList<>();
        for (var entry : rounds.values()) {
            BenchResult any = entry.firstEntry().getValue();
            if (any.shortName().equals("ArrayAccessBenchmark.sumShmkit") && !sizes.contains(any.param("n"))) {
                sizes.add(any.param("n"));
            }
        }
        if (sizes.isEmpty()) {
            main.stream().filter(r -> r.shortName().equals("ArrayAccessBenchmark.sumShmkit")).map(r -> r.param("n"))
                    .filter(Objects::nonNull).distinct().forEach(sizes::add);
        }
        sizes.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        return sizes.isEmpty() ? List.of("?") : sizes;
    }

    /** The markdown table of {@code rows}, with how its intervals were computed. */
    static String table(List<Row> rows, int roundCount) {
        StringBuilder md = new StringBuilder("| target | ratio (interval) | how | verdict |\n|---|---|---|---|\n");
        for (Row row : rows) {
            md.append("| ").append(row.what()).append(" | ").append(row.ratio().text()).append(" | ")
              .append(row.ratio().how()).append(" | ").append(row.verdict()).append(" |\n");
        }
        md.append('\n').append(String.format(Locale.ROOT,
                "A ratio is the other's time ÷ shmkit's (for messaging, shmkit's messages/s ÷ the other's: the same thing;"
                + " higher is better for shmkit). The headline benchmarks ran in %d"
                + " rounds: each round runs every one of them once, in a fresh JMH fork, so drift on this shared machine"
                + " falls on all of them alike; the ratio of a round pairs the two scores of that round, and the interval"
                + " is the 95%% t-interval of the mean of the rounds' log ratios, exponentiated. A target is met only when"
                + " the interval's lower bound reaches the goal, missed when its upper bound does not, inconclusive"
                + " otherwise; a \"no cost\" target (an option on ÷ off) is a non-inferiority test with a 5%% margin: met when the"
                + " interval's lower bound reaches 0.95 (any cost is shown to be under 5%%), missed when its upper bound"
                + " stays below 0.95, inconclusive otherwise (an interval that merely includes 1 would reward noise). A row computed from the main run alone (one fork) says so: its interval comes from JMH's"
                + " 99.9%% errors by the delta method and is too weak for a verdict to rest on, so it is inconclusive.%n%n",
                roundCount));
        return md.toString();
    }
}
