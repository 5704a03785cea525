package io.shmkit.bench;

import io.shmkit.bench.report.BenchReport;
import io.shmkit.bench.report.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 *   java -jar benchmarks.jar Handoff -p n=8388608    any JMH options pick a subset
 *   java -jar benchmarks.jar --smoke                 every benchmark once, tiny, no report
 *   java -jar benchmarks.jar --out DIR ...           where the report and results go
 *   java -jar benchmarks.jar --report results.json   only the report, from an earlier run
 *   java -jar benchmarks.jar -h | -l                 JMH's help and list
 * </pre>
 *
 * Results go to {@code DIR/benchmarks.json}, the report to {@code DIR/benchmarks.md} and
 * {@code DIR/benchmarks.svg}. Use JMH's own main for anything else:
 * {@code java -cp benchmarks.jar org.openjdk.jmh.Main}.
 */
public final class ShmBench {
    private ShmBench() {}

    public static void main(String[] args) throws IOException, RunnerException, CommandLineOptionException {
        boolean smoke = false;
        Path out = Path.of("docs");
        Path reportOnly = null;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--report" -> reportOnly = Path.of(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
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
        Path json = out.resolve(smoke ? "smoke.json" : "benchmarks.json");
        Collection<RunResult> results = run(smoke ? smoke(cli) : cli, json);
        if (results.isEmpty()) {
            System.err.println("no benchmark matched " + jmhArgs);
            System.exit(1);
        }
        if (!smoke) {
            BenchReport.read(json).write(out, command, Machine.describe());
            System.out.println("report: " + out.resolve("benchmarks.md") + ", " + out.resolve("benchmarks.svg"));
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
