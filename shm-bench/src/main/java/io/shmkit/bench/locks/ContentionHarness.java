package io.shmkit.bench.locks;

import io.shmkit.bench.BenchFlags;
import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.ExclusiveGuard;
import io.shmkit.bench.ipc.ThinkTime;
import io.shmkit.bench.report.ContentionReport;
import io.shmkit.bench.report.Machine;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Locks under contention, measured as their users feel them: two JVMs run a
 * lock/increment/unlock loop on one shared counter for a fixed time, every acquire timed.
 * For each lock kind, with and without think time, it reports the increments of both JVMs
 * together per second (from the shared counter), each JVM's share of them, and the acquire
 * latency distribution of each JVM and of both (p50, p90, p99, p99.9, max).
 *
 * <p><b>Why not JMH.</b> JMH's {@code SampleTime} mode times only some operations and adds its
 * own overhead to the ones it times; an unfair lock's story is in the tail of the waits, so
 * here every acquire is recorded (HdrHistogram, 3 significant digits), and the throughput is
 * the shared counter's, whoever made the increments. {@code ContendedLockBenchmark} is the
 * JMH view of the same loop without timers.
 *
 * <p><b>Two workers, not this JVM and a peer.</b> The JVM calling {@link #run} only
 * coordinates (it sleeps while the workers run): both contenders are fresh
 * {@link ContentionWorker} JVMs with the same options, the same warm-up and the same code
 * paths, so a share is not biased by one side being the suite's JVM with its own JIT history
 * and heap. It also keeps native access where it is needed: only the pthread mutex's workers
 * get {@code --enable-native-access}; the coordinator and the workers of every shmkit lock run
 * without any flag.
 *
 * <p><b>One run</b> (one lock kind at one think time): the coordinator makes a control segment
 * (counter, phase word, ready count); worker A creates the lock, worker B opens it; warm-up for
 * {@link Settings#warmup()} (same loop, same histogram, then cleared), then the measured window
 * of {@link Settings#measurement()}, then stop. Each worker sends its counts and its histogram
 * back on stdout. The run fails if the counter differs from the sum of both workers'
 * increments (a lost update). The timed acquire includes about the cost of one
 * {@code nanoTime} call (the end of the first read and the start of the second); the loop's
 * throughput includes both reads and the recording, the same for every kind.
 */
public final class ContentionHarness {
    /** The lock kinds, in report order: shmkit's exclusive locks, then the rivals. */
    public static final List<String> LOCKS = List.of("mutex", "reentrant", "writeLock", "semaphore",
            ExclusiveGuard.PTHREAD, "fileLock");
    private static final long WORKER_TIMEOUT_MILLIS = 120_000;

    private ContentionHarness() {}

    /**
     * What to run.
     *
     * @param warmup            contended warm-up before each measured window
     * @param measurement       each measured window
     * @param locks             lock kinds, from {@link #LOCKS}
     * @param thinkSteps        {@link ThinkTime} steps after each unlock in the think-time runs;
     *                          0 runs only the no-think variant
     * @param workerJvmOptions  JVM options for both workers (heap, collector); native access is
     *                          added for the pthread mutex only
     */
    public record Settings(Duration warmup, Duration measurement, List<String> locks, int thinkSteps,
                           List<String> workerJvmOptions) {
        public Settings {
            locks = List.copyOf(locks);
            workerJvmOptions = List.copyOf(workerJvmOptions);
            for (String lock : locks) {
                if (!LOCKS.contains(lock)) {
                    throw new IllegalArgumentException("unknown lock '" + lock + "'; known: " + String.join(", ", LOCKS));
                }
            }
        }

        /** The report's settings: 2 s warm-up and 5 s measured per run, every lock, with and without think time. */
        public static Settings standard() {
            return new Settings(Duration.ofSeconds(2), Duration.ofSeconds(5), LOCKS, ThinkTime.STEPS, List.of());
        }

        /** Proves it runs, never how fast: 100 ms warm-up, 200 ms measured. */
        public static Settings smoke() {
            return new Settings(Duration.ofMillis(100), Duration.ofMillis(200), LOCKS, ThinkTime.STEPS, List.of());
        }

        public Settings withLocks(List<String> kinds) {
            return new Settings(warmup, measurement, kinds, thinkSteps, workerJvmOptions);
        }
    }

    /**
     * Runs every lock of {@code settings} without and with think time, writes the results to
     * {@code json} (see {@link ContentionResults} for the schema) and returns them. Render with
     * {@link ContentionReport#markdown(Path)}.
     */
    public static ContentionResults run(Path json, Settings settings) throws IOException {
        double thinkNanos = ThinkTime.nanosPer(settings.thinkSteps());
        List<ContentionResults.Run> runs = new ArrayList<>();
        List<Integer> thinks = settings.thinkSteps() > 0 ? List.of(0, settings.thinkSteps()) : List.of(0);
        for (int think : thinks) {
            for (String lock : settings.locks()) {
                runs.add(measure(lock, think, settings));
            }
        }
        ContentionResults results = new ContentionResults(new ContentionResults.Header(
                System.getProperty("java.runtime.version", System.getProperty("java.version")),
                System.getProperty("java.vm.name"), Machine.describe(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings.warmup().toMillis(),
                settings.measurement().toMillis(), settings.thinkSteps(), thinkNanos, settings.workerJvmOptions()), runs);
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(json, results.toJson());
        return results;
    }

    /** The name of the lock of the run whose control segment is {@code control}. */
    static String lockName(String control) {
        return control + "-lock";
    }

    /** One run: one lock kind at one think time, two worker JVMs. */
    static ContentionResults.Run measure(String lock, int thinkSteps, Settings settings) {
        SegmentDirectory shm = BenchNames.shm();
        String name = BenchNames.unique("contention");
        boolean nativeAccess = ExclusiveGuard.needsNativeAccess(lock);
        try (SharedLongArray control = SharedLongArray.create(shm, name, ContentionWorker.CONTROL_WORDS);
             JvmProcess a = start(lock, name, "A", thinkSteps, settings, nativeAccess);
             JvmProcess b = start(lock, name, "B", thinkSteps, settings, nativeAccess)) {
            try {
                awaitReady(control, a, b);
                control.setRelease(ContentionWorker.PHASE, ContentionWorker.WARMUP);
                sleep(settings.warmup(), a, b);
                control.setRelease(ContentionWorker.PHASE, ContentionWorker.MEASURE);
                long t0 = System.nanoTime();
                long c0 = control.getVolatile(ContentionWorker.COUNTER);
                sleep(settings.measurement(), a, b);
                long t1 = System.nanoTime();
                long c1 = control.getVolatile(ContentionWorker.COUNTER);
                control.setRelease(ContentionWorker.PHASE, ContentionWorker.STOP);
                Worker ra = Worker.of("A", a);
                Worker rb = Worker.of("B", b);
                long counterFinal = control.getVolatile(ContentionWorker.COUNTER);
                if (counterFinal != ra.allOps + rb.allOps) {
                    throw new IllegalStateException(lock + " lost updates: the counter is " + counterFinal + " but worker A made "
                            + ra.allOps + " and worker B " + rb.allOps + " increments");
                }
                long both = ra.ops + rb.ops;
                Histogram all = ra.histogram.copy();
                all.add(rb.histogram);
                return new ContentionResults.Run(lock, thinkSteps, nativeAccess, t1 - t0, c1 - c0,
                        (c1 - c0) * 1e9 / (t1 - t0), counterFinal, ContentionResults.Latency.of(all),
                        List.of(ra.result(both), rb.result(both)));
            } finally {
                // whatever happened, the workers stop: a stop they see, or a kill when the resources close
                control.setRelease(ContentionWorker.PHASE, ContentionWorker.STOP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring " + lock, e);
        } finally {
            ExclusiveGuard.unlink(lock, lockName(name));
            shm.unlink(name);
        }
    }

    private static JvmProcess start(String lock, String name, String role, int thinkSteps, Settings settings,
                                    boolean nativeAccess) {
        JvmProcess.Builder builder = JvmProcess.builder(ContentionWorker.class)
                .jvmOptions(settings.workerJvmOptions().toArray(String[]::new));
        if (nativeAccess) {
            builder.jvmOptions(BenchFlags.NATIVE);
        }
        return builder.args(lock, name, role, Integer.toString(thinkSteps)).captureOutput().start();
    }

    private static void awaitReady(SharedLongArray control, JvmProcess a, JvmProcess b) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WORKER_TIMEOUT_MILLIS;
        while (control.getVolatile(ContentionWorker.READY) < 2) {
            checkAlive(a, b);
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the workers were not ready within " + WORKER_TIMEOUT_MILLIS + " ms:\n"
                        + a.output() + "\n" + b.output());
            }
            Thread.sleep(2);
        }
    }

    /** Sleeps for {@code time}, checking every 50 ms that both workers still live. */
    private static void sleep(Duration time, JvmProcess a, JvmProcess b) throws InterruptedException {
        long end = System.nanoTime() + time.toNanos();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            Thread.sleep(Math.max(1, Math.min(50, left / 1_000_000)));
            checkAlive(a, b);
        }
    }

    private static void checkAlive(JvmProcess a, JvmProcess b) {
        for (JvmProcess p : List.of(a, b)) {
            if (!p.isAlive()) {
                throw new IllegalStateException(p + " ended early:\n" + p.output());
            }
        }
    }

    /** What a worker printed at the end. */
    private record Worker(String name, long allOps, long ops, long startNanos, long endNanos, long recoveries, long pid,
                          Histogram histogram) {
        static Worker of(String name, JvmProcess p) throws InterruptedException {
            if (!p.join(Duration.ofMillis(WORKER_TIMEOUT_MILLIS))) {
                throw new IllegalStateException(p + " did not stop within " + WORKER_TIMEOUT_MILLIS + " ms");
            }
            String output = p.output();
            if (p.exitCode() != 0) {
                throw new IllegalStateException(p + " failed:\n" + output);
            }
            String line = output.lines().filter(l -> l.startsWith(ContentionWorker.RESULT + " ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(p + " printed no result:\n" + output));
            String[] f = line.split(" ");
            if (f.length != 9) {
                throw new IllegalStateException(p + " printed a malformed result: " + Arrays.toString(f));
            }
            return new Worker(name, Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Long.parseLong(f[5]), Long.parseLong(f[6]), ContentionWorker.decode(f[8]));
        }

        ContentionResults.Jvm result(long bothOps) {
            double window = Math.max(1, endNanos - startNanos);
            return new ContentionResults.Jvm(name, pid, ops, allOps, bothOps == 0 ? Double.NaN : (double) ops / bothOps,
                    ops * 1e9 / window, recoveries, ContentionResults.Latency.of(histogram));
        }
    }

    /**
     * {@code ContentionHarness [--smoke] [--out DIR] [--locks a,b] [--warmup-ms N] [--measure-ms N]
     * [--think-steps N]}: runs the harness, writes {@code DIR/lock-contention.json} and
     * {@code DIR/lock-contention.md} (default DIR: {@code docs}).
     */
    public static void main(String[] args) throws IOException {
        Settings settings = Settings.standard();
        Path out = Path.of("docs");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> settings = Settings.smoke();
                case "--out" -> out = Path.of(args[++i]);
                case "--locks" -> settings = settings.withLocks(List.of(args[++i].split(",")));
                case "--warmup-ms" -> settings = new Settings(Duration.ofMillis(Long.parseLong(args[++i])),
                        settings.measurement(), settings.locks(), settings.thinkSteps(), settings.workerJvmOptions());
                case "--measure-ms" -> settings = new Settings(settings.warmup(),
                        Duration.ofMillis(Long.parseLong(args[++i])), settings.locks(), settings.thinkSteps(),
                        settings.workerJvmOptions());
                case "--think-steps" -> settings = new Settings(settings.warmup(), settings.measurement(), settings.locks(),
                        Integer.parseInt(args[++i]), settings.workerJvmOptions());
                default -> {
                    System.err.println("usage: ContentionHarness [--smoke] [--out DIR] [--locks " + String.join(",", LOCKS)
                            + "] [--warmup-ms N] [--measure-ms N] [--think-steps N]");
                    System.exit(2);
                }
            }
        }
        Path json = out.resolve("lock-contention.json");
        run(json, settings);
        Path md = out.resolve("lock-contention.md");
        Files.writeString(md, "# shmkit locks under contention\n\n" + ContentionReport.markdown(json));
        System.out.println("wrote " + json + " and " + md);
    }
}
