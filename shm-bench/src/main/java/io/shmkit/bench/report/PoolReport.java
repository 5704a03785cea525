package io.shmkit.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report's section for shm-pool: the pool's cost per empty task ({@code PoolTaskBenchmark})
 * and the three-JVM numeric pipeline ({@code PipelineBenchmark}) in GB/s over shared memory and
 * over pipes, with the zero-copy speedup. Python's figures for the same pool tasks come from
 * {@code tools/bench/pool_overhead.py}, which is not part of a JMH run: the section names the
 * command and leaves them to the text that quotes them.
 */
final class PoolReport {
    /** The benchmark classes this section shows (not the generic tables). */
    static final List<String> CLASSES = List.of("PoolTaskBenchmark", "PipelineBenchmark");

    /** Bytes per pipeline block: {@code PipelineBenchmark.DOUBLES} doubles. */
    static final double BLOCK_BYTES = 65536 * 8.0;

    private PoolReport() {
    }

    static void section(List<BenchResult> results, StringBuilder md) {
        List<BenchResult> pool = results.stream().filter(r -> r.className().equals("PoolTaskBenchmark")).toList();
        List<BenchResult> pipeline = results.stream().filter(r -> r.className().equals("PipelineBenchmark")).toList();
        if (pool.isEmpty() && pipeline.isEmpty()) {
            return;
        }
        md.append("## Warm worker JVMs: the pool and the pipeline\n\n");
        if (!pool.isEmpty()) {
            md.append("The pool's cost per task for a task that does nothing (µs per task, lower is better):\n")
              .append("`roundTrip` is `submit(task, 0).get()`, one task at a time; `mapOneByOne` is\n")
              .append("`map(task, 1000 arguments, chunkSize 1)`, per task. Python's `multiprocessing.Pool` on the same\n")
              .append("task, the same two ways: `python3 tools/bench/pool_overhead.py 1,2 2 5`.\n\n")
              .append("| workers | roundTrip (µs) | mapOneByOne (µs per task) |\n|---:|---:|---:|\n");
            pool.stream().map(r -> r.param("workers")).distinct().forEach(w -> md.append("| ").append(w).append(" | ")
                    .append(score(pool, "roundTrip", "workers", w)).append(" | ")
                    .append(score(pool, "mapOneByOne", "workers", w)).append(" |\n"));
            md.append('\n');
        }
        Optional<BenchResult> shm = find(pipeline, "block", "transport", "sharedMemory");
        Optional<BenchResult> pipes = find(pipeline, "block", "transport", "pipes");
        if (shm.isPresent() || pipes.isPresent()) {
            md.append("The numeric pipeline across three JVMs (generator, in-place transform, reducer) on blocks of\n")
              .append("65,536 doubles: over shared memory the blocks move by index through shm-msg queues and the data\n")
              .append("never moves; over pipes every block is serialized and copied twice. GB/s = 524,288 bytes ÷ the time\n")
              .append("per block.\n\n")
              .append("| transport | µs per block | GB/s |\n|---|---:|---:|\n");
            shm.ifPresent(r -> md.append(row("shared memory", r)));
            pipes.ifPresent(r -> md.append(row("pipes", r)));
            if (shm.isPresent() && pipes.isPresent()) {
                Ratio speedup = Ratio.fromErrors(pipes.get().score(), pipes.get().error(), shm.get().score(), shm.get().error());
                md.append(String.format(Locale.ROOT, "%nZero-copy speedup (pipes' time ÷ shared memory's): %s.%n", speedup.text()));
            }
            md.append('\n');
        }
    }

    private static String row(String name, BenchResult r) {
        return String.format(Locale.ROOT, "| %s | %s | %.2f |%n", name, scoreText(r), BLOCK_BYTES / (r.score() * 1000));
    }

    private static String score(List<BenchResult> rows, String method, String param, String value) {
        return find(rows, method, param, value).map(PoolReport::scoreText).orElse("");
    }

    private static Optional<BenchResult> find(List<BenchResult> rows, String method, String param, String value) {
        return rows.stream().filter(r -> r.method().equals(method) && value.equals(r.param(param))).findFirst();
    }

    private static String scoreText(BenchResult r) {
        return Double.isNaN(r.error()) ? String.format(Locale.ROOT, "%.2f", r.score())
                : String.format(Locale.ROOT, "%.2f ± %.2f", r.score(), r.error());
    }
}
