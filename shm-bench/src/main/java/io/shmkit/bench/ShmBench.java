package io.shmkit.bench;

import io.shmkit.bench.latency.CpuTimes;
import io.shmkit.bench.latency.LatencyHarness;
import io.shmkit.bench.locks.ContentionHarness;
import io.shmkit.bench.latency.LatencySettings;
import io.shmkit.bench.report.BenchReport;
import io.shmkit.bench.report.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
 *   java -jar benchmarks.jar Handoff -p n=8388608    any JMH options pick a subset (no rounds)
 *   java -jar benchmarks.jar --rounds 3 ...          headline rounds (default 5; 0 for none)
 *   java -jar benchmarks.jar --smoke                 every benchmark once, tiny, no report
 *   java -jar benchmarks.jar --out DIR ...           where the report and results go
 *   java -jar benchmarks.jar --report results.json   only the report, from an earlier run
 *   java -jar benchmarks.jar -h | -l                 JMH's help and list
 * </pre>
 *
 * <p>A full run has two passes. The <b>main pass</b> runs every benchmark once (one fork, the
 * class's own iterations) for the tables. The <b>headline rounds</b> then run the benchmarks
 * the targets rest on ({@link #HEADLINES}) R more times: each round runs every headline
 * benchmark once, in a fresh fork, one after the other, so that slow drift on a shared machine
 * falls on all of them alike, and each target's ratio is paired round by round ({@code Ratio}).
 *
 * <p>Results go to {@code DIR/benchmarks.json} and {@code DIR/rounds/round-K-GROUP.json}, the
 * report to {@code DIR/benchmarks.md} and {@code DIR/benchmarks.svg}. Use JMH's own main for
 * anything else: {@code java -cp benchmarks.jar org.openjdk.jmh.Main}.
 */
public final class ShmBench {
    private ShmBench() {}

    /** A group of headline benchmarks, run together in each round: one JMH run with these parameters. */
    public record Headline(String name, String include, Map<String, String[]> params) {}

    /** What the targets rest on; in smoke mode the handoff runs at its smallest n. */
    static List<Headline> headlines(boolean smoke) {
        return List.of(
                new Headline("handoff", "HandoffBenchmark.handoff$", Map.of("n", new String[] {smoke ? "1024" : "8388608"},
                        "transport", new String[] {"shmkit", "pipe", "serializedQueue", "unixSocket", "agronaZeroCopy",
                                "chronicleZeroCopy"})),
                new Headline("access", "ArrayAccessBenchmark.(sumShmkit|sumHeap|sumAgrona|randomSumShmkit|randomSumHeap|randomSumAgrona)$",
                        Map.of()),
                new Headline("locks", "UncontendedLockBenchmark.(mutex|fileLock|pthreadMutex|jdkReentrantLock)$", Map.of()));
    }

    /** The headline groups of a full run. */
    public static final List<Headline> HEADLINES = headlines(false);

    public static void main(String[] args) throws IOException, RunnerException, CommandLineOptionException {
        boolean smoke = false;
        Path out = Path.of("docs");
        Path reportOnly = null;
        Integer rounds = null;
        Boolean harnesses = null;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--report" -> reportOnly = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--harnesses" -> harnesses = Boolean.parseBoolean(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
        // a subset is a look at some numbers: no rounds unless asked for
        int roundCount = rounds != null ? rounds : smoke ? 2 : jmhArgs.isEmpty() ? 5 : 0;
        boolean runHarnesses = harnesses != null ? harnesses : smoke || jmhArgs.isEmpty();
        String command = "java -jar shm-bench/target/benchmarks.jar " + String.join(" ", args);
        if (reportOnly != null) {
            BenchReport.read(reportOnly).write(out, command + " (report of an earlier run)", Machine.describe());
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
        Collection<RunResult> results = run(smoke ? smoke(cli) : cli, json);
        if (results.isEmpty()) {
            System.err.println("no benchmark matched " + jmhArgs);
            System.exit(1);
        }
        runRounds(out.resolve("rounds"), roundCount, smoke);
        Path latency = out.resolve("latency.json");
        Path contention = out.resolve("contention.json");
        if (runHarnesses) {
            runHarnesses(latency, contention, smoke);
        }
        if (!smoke) {
            double steal = CpuTimes.stealPercent(start, CpuTimes.now());
            String machine = Machine.describe() + (Double.isNaN(steal) ? ""
                    : String.format(java.util.Locale.ROOT, "; the hypervisor stole %.1f%% of CPU time during the run", steal));
            BenchReport.read(json).withRounds(out.resolve("rounds")).withLatency(latency).withContention(contention)
                    .write(out, command, machine);
            System.out.println("report: " + out.resolve("benchmarks.md") + ", " + out.resolve("benchmarks.svg"));
        }
    }

    /**
     * The two harnesses JMH cannot be: round-trip latency with every round trip recorded, open
     * and closed loop ({@link LatencyHarness}), and two JVMs contending for each lock, with each
     * one's share and the acquire-latency distribution (ContentionHarness).
     */
    public static void runHarnesses(Path latency, Path contention, boolean smoke) throws IOException {
        LatencyHarness.run(smoke ? LatencySettings.smokeSettings() : LatencySettings.defaults().withSystemProperties(), latency);
        ContentionHarness.run(contention, smoke ? ContentionHarness.Settings.smoke() : ContentionHarness.Settings.standard());
    }

    /**
     * The headline rounds: {@code count} times, every headline group in turn, one fork each,
     * results in {@code directory/round-K-GROUP.json} (replacing an earlier run's).
     */
    public static void runRounds(Path directory, int count, boolean smoke) throws IOException, RunnerException {
        if (Files.isDirectory(directory)) {
            try (var old = Files.list(directory)) {
                for (Path file : old.toList()) {
                    Files.delete(file);
                }
            }
        }
        if (count <= 0) {
            return;
        }
        Files.createDirectories(directory);
        for (int round = 1; round <= count; round++) {
            for (Headline group : headlines(smoke)) {
                ChainedOptionsBuilder options = new OptionsBuilder().include(group.include()).forks(1);
                group.params().forEach(options::param);
                Options built = smoke ? smoke(options.build()) : options.build();
                run(built, directory.resolve("round-" + round + "-" + group.name() + ".json"));
            }
        }
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
        return new OptionsBuilder().parent(parent)
                .forks(1)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("n", "1024")
                .build();
    }
}
