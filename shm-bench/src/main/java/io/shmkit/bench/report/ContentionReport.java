package io.shmkit.bench.report;

import io.shmkit.bench.locks.ContentionResults;
import io.shmkit.bench.locks.ContentionResults.Header;
import io.shmkit.bench.locks.ContentionResults.Jvm;
import io.shmkit.bench.locks.ContentionResults.Latency;
import io.shmkit.bench.locks.ContentionResults.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the contention harness's JSON ({@code io.shmkit.bench.locks.ContentionHarness},
 * schema in {@link ContentionResults}) as a markdown section: how it was measured, then per
 * lock and think time the throughput of both JVMs with each one's share, and the acquire
 * latency percentiles.
 */
public final class ContentionReport {
    private ContentionReport() {}

    /** The markdown section (starting with a level-2 heading) for the results in {@code json}. */
    public static String markdown(Path json) throws IOException {
        return markdown(read(json));
    }

    /** Reads a file written by the harness. */
    @SuppressWarnings("unchecked")
    public static ContentionResults read(Path json) throws IOException {
        Object parsed = Json.parse(Files.readString(json));
        if (!(parsed instanceof Map<?, ?> root) || !ContentionResults.SCHEMA.equals(root.get("schema"))) {
            throw new IllegalArgumentException(json + " is not a " + ContentionResults.SCHEMA + " file");
        }
        Map<String, Object> r = (Map<String, Object>) root;
        Header header = new Header(text(r, "jdk"), text(r, "vm"), text(r, "machine"), text(r, "date"),
                whole(r, "warmupMillis"), whole(r, "measurementMillis"), (int) whole(r, "thinkSteps"), real(r, "thinkNanos"),
                ((List<Object>) r.get("workerJvmOptions")).stream().map(String::valueOf).toList());
        List<Run> runs = new ArrayList<>();
        for (Object o : (List<Object>) r.get("runs")) {
            Map<String, Object> run = (Map<String, Object>) o;
            List<Jvm> jvms = new ArrayList<>();
            for (Object j : (List<Object>) run.get("jvms")) {
                Map<String, Object> jvm = (Map<String, Object>) j;
                jvms.add(new Jvm(text(jvm, "name"), whole(jvm, "pid"), whole(jvm, "ops"), whole(jvm, "allOps"),
                        real(jvm, "share"), real(jvm, "opsPerSecond"), whole(jvm, "recoveries"),
                        latency((Map<String, Object>) jvm.get("acquireNanos"))));
            }
            runs.add(new Run(text(run, "lock"), (int) whole(run, "thinkSteps"), Boolean.TRUE.equals(run.get("nativeAccess")),
                    whole(run, "windowNanos"), whole(run, "counterIncrements"), real(run, "opsPerSecond"),
                    whole(run, "counterFinal"), latency((Map<String, Object>) run.get("acquireNanos")), jvms));
        }
        return new ContentionResults(header, runs);
    }

    static String markdown(ContentionResults results) {
        Header h = results.header();
        StringBuilder md = new StringBuilder();
        md.append("## Locks under contention, as users feel them\n\n");
        md.append("Two worker JVMs (same options: ").append(h.workerJvmOptions().isEmpty() ? "JVM defaults"
                : "`" + String.join(" ", h.workerJvmOptions()) + "`").append("; the pthread mutex's workers also get ")
          .append("`--enable-native-access=ALL-UNNAMED`, no other worker any flag) each loop: lock, increment one shared ")
          .append("counter, unlock, and in the think-time rows ").append(h.thinkSteps()).append(" steps of fixed work ")
          .append(String.format(Locale.ROOT, "(%.0f ns here)", h.thinkNanos())).append(" after the unlock. Per row: ")
          .append(h.warmupMillis()).append(" ms contended warm-up, then a ").append(h.measurementMillis())
          .append(" ms measured window. A coordinating JVM starts both workers and only sleeps meanwhile.\n\n");
        md.append("- **Both JVMs** is the shared counter's advance over the window ÷ the window: the increments users of the ")
          .append("lock got, whichever JVM made them. Each JVM's **share** is its increments ÷ both JVMs'. A lock that ")
          .append("lets one JVM take almost every turn can have a high total and a share near 0 for the other: read both.\n")
          .append("- **Acquire latency** is `nanoTime` before `lock()` to `nanoTime` after it returns, for every acquire of ")
          .append("the window (no sampling), recorded in an HdrHistogram (3 significant digits), in ns. It includes about ")
          .append("one `nanoTime` read. The loop's throughput includes the two reads and the recording, the same for every ")
          .append("lock; `ContendedLockBenchmark` (JMH) measures the same loop without timers.\n")
          .append("- Every run checks that the counter equals the sum of both JVMs' increments (no lost update).\n")
          .append("- ").append(h.jdk()).append(", ").append(h.vm()).append("; ").append(h.machine()).append("; ")
          .append(h.date()).append(". One run per row: on a shared machine, compare rows of one file, not across files.\n\n");

        md.append("| lock | think | both JVMs (M ops/s) | share A | share B | p50 | p90 | p99 | p99.9 | max |\n")
          .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run run : results.runs()) {
            md.append("| ").append(run.lock()).append(" | ").append(think(run)).append(" | ")
              .append(String.format(Locale.ROOT, "%.2f", run.opsPerSecond() / 1e6)).append(" |");
            for (Jvm jvm : run.jvms()) {
                md.append(String.format(Locale.ROOT, " %.1f%% |", 100 * jvm.share()));
            }
            latencyCells(md, run.acquireNanos());
            md.append('\n');
        }
        md.append("\nLatency columns: ns to acquire, both JVMs' acquires together. Per JVM:\n\n");
        md.append("| lock | think | JVM | M ops/s | acquires | mean | p50 | p90 | p99 | p99.9 | max |\n")
          .append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run run : results.runs()) {
            for (Jvm jvm : run.jvms()) {
                md.append("| ").append(run.lock()).append(" | ").append(think(run)).append(" | ").append(jvm.name())
                  .append(String.format(Locale.ROOT, " | %.2f | %d | %.0f |", jvm.opsPerSecond() / 1e6,
                          jvm.acquireNanos().count(), jvm.acquireNanos().mean()));
                latencyCells(md, jvm.acquireNanos());
                md.append('\n');
            }
        }
        md.append('\n');
        return md.toString();
    }

    private static String think(Run run) {
        return run.thinkSteps() == 0 ? "none" : run.thinkSteps() + " steps";
    }

    private static void latencyCells(StringBuilder md, Latency l) {
        for (long v : new long[] {l.p50(), l.p90(), l.p99(), l.p999(), l.max()}) {
            md.append(String.format(Locale.ROOT, " %,d |", v));
        }
    }

    private static Latency latency(Map<String, Object> m) {
        return new Latency(whole(m, "count"), real(m, "mean"), whole(m, "p50"), whole(m, "p90"), whole(m, "p99"),
                whole(m, "p99.9"), whole(m, "max"));
    }

    private static String text(Map<String, Object> m, String key) {
        return String.valueOf(m.get(key));
    }

    private static long whole(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Double d)) {
            throw new IllegalArgumentException("'" + key + "' is " + v + ", not a number");
        }
        return d.longValue();
    }

    private static double real(Map<String, Object> m, String key) {
        return m.get(key) instanceof Double d ? d : Double.NaN; // null: NaN written as null
    }
}
