package io.shmkit.bench;

import io.shmkit.bench.latency.CpuTimes;
import io.shmkit.bench.latency.LatencyHarness;
import io.shmkit.bench.locks.ContentionHarness;
import io.shmkit.bench.latency.LatencySettings;
import io.shmkit.bench.latency.WakeHarness;
import io.shmkit.bench.latency.WakeSettings;
import io.shmkit.bench.report.BenchReport;
import io.shmkit.bench.report.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmark jar's main: runs the suite (or the subset JMH options select), keeps JMH's
 * JSON results and writes the report from them.
 *
 * <pre>
 *   java -jar benchmarks.jar                         the whole suite, report into ./docs
 *                                                    (anything less: into ./bench-results)
 *   java -jar benchmarks.jar Handoff -p n=8388608    any JMH options pick a subset (no rounds)
 *   java -jar benchmarks.jar --rounds 3 ...          headline rounds (default 5; 0 for none)
 *   java -jar benchmarks.jar --groups messaging      one part of a full run, as the full run runs it
 *   java -jar benchmarks.jar --harnesses false ...   skip (or force) the latency, contention and wake harnesses
 *   java -jar benchmarks.jar --smoke                 every benchmark once, tiny, no report
 *   java -jar benchmarks.jar --out DIR ...           where the report and results go instead
 *   java -jar benchmarks.jar --report results.json   only the report, from an earlier run
 *   java -jar benchmarks.jar -h | -l                 JMH's help and list
 * </pre>
 *
 * <p>A full run has two passes. The <b>main pass</b> runs every benchmark once (one fork, the
 * class's own iterations) for the tables. The <b>headline rounds</b> then run the benchmarks
 * the targets rest on ({@link #HEADLINES}) R more times: each round runs every headline
 * benchmark once, in a fresh fork, one after the other, so that slow drift on a shared machine
 * falls on all of them alike, and each target's ratio is paired round by round ({@code Ratio}).
 * The <b>allocation pass</b> runs {@value #ALLOCATION} with JMH's gc profiler (B/op of
 * shm-msg's hot paths), and the <b>harnesses</b> run last (latency, contention, wake). {@code --groups}
 * restricts all of this to some {@link Group}s: their benchmarks (unless JMH options select
 * others), their headline rounds, their harness transports, their allocation pass, their harnesses.
 *
 * <p>Results go to {@code DIR/benchmarks.json}, {@code DIR/rounds/round-K-GROUP.json},
 * {@code DIR/allocation.json}, {@code DIR/latency.json}, {@code DIR/contention.json} and
 * {@code DIR/wake.json}, the
 * report to {@code DIR/benchmarks.md} and {@code DIR/benchmarks.svg}. Use JMH's own main for
 * anything else: {@code java -cp benchmarks.jar org.openjdk.jmh.Main}.
 */
public final class ShmBench {
    private ShmBench() {}

    /** Where a run that is not the full suite writes without {@code --out}: never docs/, the full run's record. */
    static final String PARTIAL_OUT = "bench-results";

    /** A group of headline benchmarks, run together in each round: one JMH run with these parameters. */
    public record Headline(String name, String include, Map<String, String[]> params) {}

    /**
     * A part of the suite that can run alone ({@code --groups NAME,...}): its JMH benchmarks
     * (a regular expression), the headline rounds its targets rest on, the latency-harness
     * transports it owns, whether it owns the contention harness, the allocation pass and the
     * wake harness ({@link WakeHarness}).
     */
    public record Group(String name, String benchmarks, List<Headline> headlines, List<String> latencyTransports,
                        boolean contention, boolean allocation, boolean wake) {
        /** A group without the wake harness. */
        public Group(String name, String benchmarks, List<Headline> headlines, List<String> latencyTransports,
                     boolean contention, boolean allocation) {
            this(name, benchmarks, headlines, latencyTransports, contention, allocation, false);
        }
    }

    /** The messaging throughput targets' benchmarks: 32-byte messages copied in, and two producers. */
    static final String[] MESSAGING_HEADLINE_TRANSPORTS = {"shmkitOffer", "agronaWrite", "aeronOffer", "shmkitMany2", "agronaMany2"};
    /** The zero-copy target's benchmarks, at 64 KiB. */
    static final String[] CLAIM_HEADLINE_TRANSPORTS = {"shmkitClaim", "agronaClaim"};
    /** The benchmark the allocation pass runs with JMH's gc profiler. */
    static final String ALLOCATION = "MessagingAllocationBenchmark";

    /** The suite's groups, in run order; in smoke mode the handoff runs at its smallest n. */
    static List<Group> groups(boolean smoke) {
        return List.of(
                new Group("handoff", "HandoffBenchmark", List.of(
                        new Headline("handoff", "HandoffBenchmark.handoff$", Map.of("n", new String[] {smoke ? "1024" : "8388608"},
                                "transport", new String[] {"shmkit", "pipe", "serializedQueue", "unixSocket", "agronaZeroCopy",
                                        "chronicleZeroCopy"}))), List.of(), false, false),
                new Group("access", "ArrayAccessBenchmark|LargeArrayBenchmark|StructFieldAccessBenchmark", List.of(
                        new Headline("access", "ArrayAccessBenchmark.(sumShmkit|sumHeap|sumAgrona|randomSumShmkit|randomSumHeap|randomSumAgrona)$",
                                Map.of())), List.of(), false, false),
                new Group("locks", "UncontendedLockBenchmark|TurnTakingLockBenchmark|ContendedLockBenchmark", List.of(
                        new Headline("locks", "UncontendedLockBenchmark.(mutex|fileLock|pthreadMutex|jdkReentrantLock)$", Map.of())),
                        List.of(), true, false),
                new Group("pingpong", null, List.of(), List.of("shmkit", "agronaMailbox", "agronaRingBuffers", "pipe", "unixSocket",
                        "unixSocketSpin", "tcp", "tcpSpin"), false, false),
                new Group("messaging", "MessagingBenchmark|AeronClaimBenchmark|" + ALLOCATION, List.of(
                        new Headline("messaging", "MessagingBenchmark.receive$", Map.of("size", new String[] {"32"},
                                "transport", MESSAGING_HEADLINE_TRANSPORTS)),
                        new Headline("messaging-claim", "MessagingBenchmark.receive$", Map.of("size", new String[] {"65536"},
                                "transport", CLAIM_HEADLINE_TRANSPORTS))),
                        List.of("floor", "shmkitQueue", "agronaRingBuffers", "aeron", "shmkitPipe"), false, true),
                new Group("pool", "PoolTaskBenchmark|PipelineBenchmark", List.of(), List.of(), false, false),
                // issue 16: kernel waits' fast-path cost (JMH, option off and on), wake-up latency and idle CPU (harness)
                new Group("wake", "KernelWaitBenchmark", List.of(
                        new Headline("wake", "KernelWaitBenchmark.(mutex|queueOfferRead)$",
                                Map.of("kernelWaits", new String[] {"false", "true"}))),
                        List.of(), false, false, true));
    }

    /** What the targets rest on: every group's headlines; in smoke mode the handoff runs at its smallest n. */
    static List<Headline> headlines(boolean smoke) {
        return headlines(groups(smoke));
    }

    static List<Headline> headlines(List<Group> groups) {
        return groups.stream().flatMap(g -> g.headlines().stream()).toList();
    }

    /** The headline groups of a full run. */
    public static final List<Headline> HEADLINES = headlines(false);

    /** The groups named in {@code names} (comma-separated), in suite order; all for null. */
    static List<Group> select(String names, boolean smoke) {
        List<Group> all = groups(smoke);
        if (names == null) {
            return all;
        }
        List<String> wanted = List.of(names.split(","));
        for (String name : wanted) {
            if (all.stream().noneMatch(g -> g.name().equals(name))) {
                throw new IllegalArgumentException("unknown group '" + name + "'; known: "
                        + all.stream().map(Group::name).toList());
            }
        }
        return all.stream().filter(g -> wanted.contains(g.name())).toList();
    }

    public static void main(String[] args) throws IOException, RunnerException, CommandLineOptionException {
        boolean smoke = false;
        Path out = null;
        Path reportOnly = null;
        Integer rounds = null;
        Boolean harnesses = null;
        String groupNames = null;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--report" -> reportOnly = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--harnesses" -> harnesses = Boolean.parseBoolean(args[++i]);
                case "--groups" -> groupNames = args[++i];
                default -> jmhArgs.add(args[i]);
            }
        }
        boolean partial = !jmhArgs.isEmpty() || groupNames != null || rounds != null || harnesses != null;
        if (out == null) {
            // docs/ holds the record of a full run: a partial one must never replace it by default
            out = Path.of(partial || smoke ? PARTIAL_OUT : "docs");
        }
        List<Group> groups = select(groupNames, smoke);
        // a subset is a look at some numbers: no rounds unless asked for
        int roundCount = rounds != null ? rounds : smoke ? 2 : jmhArgs.isEmpty() ? 5 : 0;
        boolean runHarnesses = harnesses != null ? harnesses : smoke || jmhArgs.isEmpty();
        String command = "java -jar shm-bench/target/benchmarks.jar " + String.join(" ", args);
        if (reportOnly != null) {
            rewriteReport(reportOnly, out, command);
            return;
        }
        CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
                || cli.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
            return;
        }
        Files.createDirectories(out);
        CpuTimes start = CpuTimes.now();
        Path json = out.resolve(smoke ? "smoke.json" : "benchmarks.json");
        // Without JMH's own selection the run covers the groups (all of them by default): their
        // benchmarks, the allocation benchmark only in its own pass, with the gc profiler.
        boolean asGroups = cli.getIncludes().isEmpty();
        boolean allocationPass = asGroups && groups.stream().anyMatch(Group::allocation);
        Options main = cli;
        boolean ranMain = true;
        if (asGroups) {
            ChainedOptionsBuilder chosen = new OptionsBuilder().parent(cli);
            if (!smoke) {
                chosen.exclude(ALLOCATION); // a smoke run's main pass runs every benchmark, its allocation pass one
            }
            if (groupNames != null) {
                List<String> benchmarks = groups.stream().map(Group::benchmarks).filter(java.util.Objects::nonNull).toList();
                benchmarks.forEach(chosen::include);
                ranMain = !benchmarks.isEmpty();
            }
            main = chosen.build();
        }
        Files.deleteIfExists(json);
        if (ranMain && run(smoke ? smoke(main) : main, json).isEmpty()) {
            System.err.println("no benchmark matched " + jmhArgs);
            System.exit(1);
        }
        Path allocation = out.resolve("allocation.json");
        Files.deleteIfExists(allocation);
        if (allocationPass) {
            runAllocation(allocation, smoke);
        }
        runRounds(out.resolve("rounds"), roundCount, headlines(groups), smoke);
        Path latency = out.resolve("latency.json");
        Path contention = out.resolve("contention.json");
        Path wake = out.resolve("wake.json");
        boolean ranLatency = false;
        boolean ranContention = false;
        boolean ranWake = false;
        if (runHarnesses) {
            List<String> transports = new ArrayList<>();
            groups.forEach(g -> g.latencyTransports().stream().filter(t -> !transports.contains(t)).forEach(transports::add));
            if (!transports.isEmpty()) {
                runLatency(latency, transports, smoke);
                ranLatency = true;
            }
            if (groups.stream().anyMatch(Group::contention)) {
                runContention(contention, smoke);
                ranContention = true;
            }
            if (groups.stream().anyMatch(Group::wake)) {
                runWake(wake, smoke);
                ranWake = true;
            }
        }
        if (!smoke) {
            double steal = CpuTimes.stealPercent(start, CpuTimes.now());
            String machine = Machine.describe() + (Double.isNaN(steal) ? ""
                    : String.format(java.util.Locale.ROOT, "; the hypervisor stole %.1f%% of CPU time during the run", steal));
            BenchReport report = ranMain ? BenchReport.read(json) : BenchReport.empty();
            // only what this run measured: a file left by an earlier run is not read
            report.withRounds(out.resolve("rounds")).withLatency(ranLatency ? latency : null)
                    .withContention(ranContention ? contention : null).withAllocation(allocationPass ? allocation : null)
                    .withWake(ranWake ? wake : null).write(out, command, machine);
            System.out.println("report: " + out.resolve("benchmarks.md") + ", " + out.resolve("benchmarks.svg"));
        }
    }

    /**
     * Writes the report again from an earlier run's results: {@code results} and, beside it, the
     * rounds, latency, contention, allocation and wake files that run left; with the machine and command
     * the earlier report recorded, if {@code out} holds one (the steal time of a run is known only
     * to that run).
     */
    static void rewriteReport(Path results, Path out, String command) throws IOException {
        Path dir = results.toAbsolutePath().getParent();
        Path latency = dir.resolve("latency.json");
        Path contention = dir.resolve("contention.json");
        Path allocation = dir.resolve("allocation.json");
        Path wake = dir.resolve("wake.json");
        Path earlier = out.resolve("benchmarks.md");
        String machine = Files.exists(earlier) ? BenchReport.recorded(earlier, "machine") : null;
        String ran = Files.exists(earlier) ? BenchReport.recorded(earlier, "command") : null;
        BenchReport.read(results).withRounds(dir.resolve("rounds"))
                .withLatency(Files.exists(latency) ? latency : null)
                .withContention(Files.exists(contention) ? contention : null)
                .withAllocation(Files.exists(allocation) ? allocation : null)
                .withWake(Files.exists(wake) ? wake : null)
                .withNet(dir.resolve("net.md"))
                .write(out, ran != null ? ran.replaceAll("^`|`$", "").replace("\\|", "|").replaceAll(" \\(report rewritten by: .*\\)$", "").strip()
                        + " (report rewritten by: " + command + ")"
                        : command + " (report of an earlier run)", machine != null ? machine : Machine.describe());
    }

    /**
     * The latency harness (round-trip latency with every round trip recorded, open and closed
     * loop: {@link LatencyHarness}) over {@code transports}, unless
     * {@code -Dshmbench.latency.transports} names others.
     */
    static void runLatency(Path latency, List<String> transports, boolean smoke) throws IOException {
        List<String> order = List.of(io.shmkit.bench.ipc.PingPongClient.TRANSPORTS);
        List<String> sorted = transports.stream().sorted(java.util.Comparator.comparingInt(order::indexOf)).toList();
        LatencySettings settings = (smoke ? LatencySettings.smokeSettings() : LatencySettings.defaults())
                .with(Map.of("transports", String.join(",", sorted)));
        LatencyHarness.run(smoke ? settings : settings.withSystemProperties(), latency);
    }

    /** The contention harness: two JVMs contending for each lock, each one's share, the acquire-latency distribution. */
    static void runContention(Path contention, boolean smoke) throws IOException {
        ContentionHarness.run(contention, smoke ? ContentionHarness.Settings.smoke() : ContentionHarness.Settings.standard());
    }

    /**
     * The wake harness: wake-up latency of an asleep consumer and CPU of an idle waiter, for
     * kernel waits, today's backoff and a busy spin, two JVMs per strategy and round.
     */
    static void runWake(Path wake, boolean smoke) throws IOException {
        WakeHarness.run(smoke ? WakeSettings.smokeSettings() : WakeSettings.defaults(), wake);
    }

    /**
     * The allocation pass: {@value #ALLOCATION} with JMH's gc profiler, whose
     * {@code gc.alloc.rate.norm} is the bytes allocated per operation (the report's allocation
     * table), into {@code json}. In smoke mode one path only.
     */
    public static Collection<RunResult> runAllocation(Path json, boolean smoke) throws RunnerException {
        // a smoke run's main pass has run every path already: one proves the profiler's plumbing
        Options options = new OptionsBuilder().include(ALLOCATION + (smoke ? ".claimCommitThenRead$" : ""))
                .addProfiler(GCProfiler.class).build();
        return run(smoke ? smoke(options) : options, json);
    }

    /**
     * The headline rounds: {@code count} times, every headline group in turn, one fork each,
     * results in {@code directory/round-K-GROUP.json} (replacing an earlier run's). Even rounds
     * give each parameter's values (the transports) in reverse order.
     */
    public static void runRounds(Path directory, int count, boolean smoke) throws IOException, RunnerException {
        runRounds(directory, count, headlines(smoke), smoke);
    }

    /** As {@link #runRounds(Path, int, boolean)}, for the headline groups given. */
    public static void runRounds(Path directory, int count, List<Headline> headlines, boolean smoke)
            throws IOException, RunnerException {
        if (Files.isDirectory(directory)) {
            try (var old = Files.list(directory)) {
                for (Path file : old.toList()) {
                    Files.delete(file);
                }
            }
        }
        if (count <= 0 || headlines.isEmpty()) {
            return;
        }
        Files.createDirectories(directory);
        for (int round = 1; round <= count; round++) {
            for (Headline group : headlines) {
                ChainedOptionsBuilder options = new OptionsBuilder().include(group.include()).forks(1);
                boolean reversed = round % 2 == 0; // so that drift within a round does not always favour the same side
                group.params().forEach((param, values) -> options.param(param, reversed ? reversed(values) : values));
                Options built = smoke ? smoke(options.build()) : options.build();
                run(built, directory.resolve("round-" + round + "-" + group.name() + ".json"));
            }
        }
    }

    private static String[] reversed(String[] values) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }

    /** Runs JMH with {@code options}, failing on any benchmark error, results as JSON. */
    public static Collection<RunResult> run(Options options, Path json) throws RunnerException {
        ChainedOptionsBuilder builder = new OptionsBuilder().parent(options);
        if (!options.getJvmArgsPrepend().hasValue()) {
            builder.jvmArgsPrepend(BenchFlags.UNSAFE); // JMH's own harness still calls sun.misc.Unsafe
        }
        Options withResults = builder
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString())
                .shouldFailOnError(true)
                .build();
        return new Runner(withResults).run();
    }

    /**
     * Smoke mode: every selected benchmark (all by default) and every transport and lock
     * kind, one fork, no warm-up, one short iteration, sizes at their smallest. It proves
     * each benchmark runs, never how fast.
     */
    public static Options smoke(Options parent) {
        ChainedOptionsBuilder smoke = new OptionsBuilder().parent(parent)
                .forks(1)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("n", "1024");
        if (!parent.getParameter("size").hasValue()) {
            smoke.param("size", SMOKE_SIZE); // every messaging transport once, at a size all take
        }
        return smoke.build();
    }

    /** The message size of a smoke run's messaging benchmarks (unless the options pin another): one that every transport takes. */
    public static final String SMOKE_SIZE = "4096";
}
