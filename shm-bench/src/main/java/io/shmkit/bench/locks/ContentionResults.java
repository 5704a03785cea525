package io.shmkit.bench.locks;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one run of {@link ContentionHarness} measured: the content of its JSON file, which
 * {@link #toJson()} writes and {@code io.shmkit.bench.report.ContentionReport} reads back.
 *
 * <pre>{@code
 * {
 *   "schema": "shmkit-lock-contention/1",
 *   "jdk": "25+36-LTS", "vm": "OpenJDK 64-Bit Server VM", "machine": "AMD EPYC, 2 cores, ...",
 *   "date": "2025-01-31T12:00:00Z",
 *   "warmupMillis": 2000, "measurementMillis": 5000,     // per run
 *   "thinkSteps": 100,                                  // ThinkTime steps of the think-time runs
 *   "thinkNanos": 190.0,                                // what those steps took here (median)
 *   "workerJvmOptions": [],                             // both workers' options (+ native access for pthreadMutex)
 *   "runs": [{
 *     "lock": "mutex",                                  // mutex|reentrant|writeLock|semaphore|pthreadMutex|fileLock
 *     "thinkSteps": 0,                                  // 0, or the think-time steps after each unlock
 *     "nativeAccess": false,                            // whether the workers had --enable-native-access
 *     "windowNanos": 5000123456,                        // the measured window, by the coordinator's clock
 *     "counterIncrements": 98765432,                    // the shared counter's advance in that window
 *     "opsPerSecond": 1.975e7,                          // = counterIncrements / window: both JVMs together
 *     "counterFinal": 123456789,                        // the counter at the end = the sum of both allOps
 *     "acquireNanos": {<latency>},                      // every measured acquire of both JVMs
 *     "jvms": [{
 *       "name": "A", "pid": 4242,
 *       "ops": 49382716,                                // its increments in its measured window
 *       "allOps": 61728395,                             // its increments in warm-up and measurement
 *       "share": 0.5,                                   // ops / (ops of A + ops of B)
 *       "opsPerSecond": 9.87e6,                         // ops / its own measured window
 *       "recoveries": 0,                                // dead holders taken over (pthread EOWNERDEAD)
 *       "acquireNanos": {"count": 49382716, "mean": 45.2, "p50": 38, "p90": 61, "p99": 250,
 *                        "p99.9": 1210, "max": 2500000}
 *     }, {"name": "B", ...}]
 *   }, ...]
 * }
 * }</pre>
 *
 * Latencies are in ns, from an HdrHistogram with 3 significant digits: a percentile is the
 * highest value equivalent to the recorded ones at that rank, so within 0.1%.
 */
public record ContentionResults(Header header, List<Run> runs) {
    /** The schema name and version written into every file. */
    public static final String SCHEMA = "shmkit-lock-contention/1";

    public ContentionResults {
        runs = List.copyOf(runs);
    }

    /** How the runs were made. */
    public record Header(String jdk, String vm, String machine, String date, long warmupMillis, long measurementMillis,
                         int thinkSteps, double thinkNanos, List<String> workerJvmOptions) {
        public Header {
            workerJvmOptions = List.copyOf(workerJvmOptions);
        }
    }

    /** One lock kind at one think time: both JVMs' results. */
    public record Run(String lock, int thinkSteps, boolean nativeAccess, long windowNanos, long counterIncrements,
                      double opsPerSecond, long counterFinal, Latency acquireNanos, List<Jvm> jvms) {
        public Run {
            jvms = List.copyOf(jvms);
        }
    }

    /** One worker JVM's side of a run. */
    public record Jvm(String name, long pid, long ops, long allOps, double share, double opsPerSecond, long recoveries,
                      Latency acquireNanos) {}

    /** An acquire-latency distribution, ns. */
    public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, Double.NaN, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                    h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
        }
    }

    /** The JSON document described above. */
    public String toJson() {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("schema").value(SCHEMA);
        w.name("jdk").value(header.jdk());
        w.name("vm").value(header.vm());
        w.name("machine").value(header.machine());
        w.name("date").value(header.date());
        w.name("warmupMillis").value(header.warmupMillis());
        w.name("measurementMillis").value(header.measurementMillis());
        w.name("thinkSteps").value(header.thinkSteps());
        w.name("thinkNanos").value(header.thinkNanos());
        w.name("workerJvmOptions").values(header.workerJvmOptions());
        w.name("runs").beginArray();
        for (Run run : runs) {
            w.beginObject();
            w.name("lock").value(run.lock());
            w.name("thinkSteps").value(run.thinkSteps());
            w.name("nativeAccess").value(run.nativeAccess());
            w.name("windowNanos").value(run.windowNanos());
            w.name("counterIncrements").value(run.counterIncrements());
            w.name("opsPerSecond").value(run.opsPerSecond());
            w.name("counterFinal").value(run.counterFinal());
            latency(w.name("acquireNanos"), run.acquireNanos());
            w.name("jvms").beginArray();
            for (Jvm jvm : run.jvms()) {
                w.beginObject();
                w.name("name").value(jvm.name());
                w.name("pid").value(jvm.pid());
                w.name("ops").value(jvm.ops());
                w.name("allOps").value(jvm.allOps());
                w.name("share").value(jvm.share());
                w.name("opsPerSecond").value(jvm.opsPerSecond());
                w.name("recoveries").value(jvm.recoveries());
                latency(w.name("acquireNanos"), jvm.acquireNanos());
                w.endObject();
            }
            w.endArray();
            w.endObject();
        }
        w.endArray();
        return w.endObject().toString();
    }

    private static void latency(JsonWriter w, Latency l) {
        w.beginObject();
        w.name("count").value(l.count());
        w.name("mean").value(l.mean());
        w.name("p50").value(l.p50());
        w.name("p90").value(l.p90());
        w.name("p99").value(l.p99());
        w.name("p99.9").value(l.p999());
        w.name("max").value(l.max());
        w.endObject();
    }
}
