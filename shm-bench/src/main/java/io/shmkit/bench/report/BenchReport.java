package io.shmkit.bench.report;

import io.shmkit.bench.ipc.HandoffConsumer;
import io.shmkit.bench.ipc.MessageStream;
import io.shmkit.bench.latency.LatencyReport;
import io.shmkit.bench.latency.TargetVerdict;
import io.shmkit.bench.latency.WakeReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns one JMH JSON result file into {@code benchmarks.md} (tables with score ± error, the
 * machine, JDK, date and command, and the project's targets checked) and
 * {@code benchmarks.svg} (zero-copy speedups and round-trip percentiles). Every ratio is taken
 * between rows of the same file, i.e. the same run: never across runs.
 */
public final class BenchReport {
    static final String[] HANDOFF_TRANSPORTS = HandoffConsumer.TRANSPORTS;
    static final String[] MESSAGING_TRANSPORTS = MessageStream.TRANSPORTS;
    /** The messaging throughput benchmarks: the classes the messaging section shows (not the generic one). */
    static final List<String> MESSAGING_CLASSES = List.of("MessagingBenchmark", "AeronClaimBenchmark");
    /** The fast-path benchmark of kernel waits, which the kernel wake-ups section shows. */
    static final String KERNEL_WAIT_CLASS = "KernelWaitBenchmark";
    /** The allocation table's verdict: 0 B/op means below this (one 16-byte object per 1,600 operations). */
    static final double ZERO_BYTES_PER_OP = 0.01;

    private final List<BenchResult> results;
    private final Map<String, Object> first;
    private Path roundsDirectory;
    private Path latencyJson;
    private Path contentionJson;
    private Path allocationJson;
    private Path wakeJson;
    private Path netMarkdown;

    private BenchReport(List<BenchResult> results, Map<String, Object> first) {
        this.results = results;
        this.first = first;
    }

    /** Computes the targets from the headline rounds in {@code directory} ({@code round-K-GROUP.json}) where present. */
    public BenchReport withRounds(Path directory) {
        this.roundsDirectory = directory;
        return this;
    }

    /** Adds the latency harness's results ({@code latency.json}) where the file exists. */
    public BenchReport withLatency(Path json) {
        this.latencyJson = json != null && Files.isRegularFile(json) ? json : null;
        return this;
    }

    /** Adds the contention harness's results ({@code contention.json}) where the file exists. */
    public BenchReport withContention(Path json) {
        this.contentionJson = json != null && Files.isRegularFile(json) ? json : null;
        return this;
    }

    /** Adds the allocation pass's JMH results ({@code allocation.json}, run with the gc profiler) where the file exists. */
    public BenchReport withAllocation(Path json) {
        this.allocationJson = json != null && Files.isRegularFile(json) ? json : null;
        return this;
    }

    /** Adds the wake harness's results ({@code wake.json}) where the file exists. */
    public BenchReport withWake(Path json) {
        this.wakeJson = json != null && Files.isRegularFile(json) ? json : null;
        return this;
    }

    /**
     * Adds the network harness's section ({@code net.md}, written by {@code NetHarness}, which runs
     * on its own) where the file exists: it is included as it stands, with its own targets.
     */
    public BenchReport withNet(Path markdown) {
        this.netMarkdown = markdown != null && Files.isRegularFile(markdown) ? markdown : null;
        return this;
    }

    /** The value of row {@code field} ("machine", "command") of the header table of an earlier report, or null. */
    public static String recorded(Path markdown, String field) throws IOException {
        String prefix = "| " + field + " | ";
        for (String line : Files.readAllLines(markdown)) {
            if (line.startsWith(prefix) && line.endsWith(" |")) {
                return line.substring(prefix.length(), line.length() - 2);
            }
        }
        return null;
    }

    /** A report of no JMH result, for a run of harnesses only. */
    public static BenchReport empty() {
        return new BenchReport(List.of(), Map.of());
    }

    List<BenchResult> results() {
        return results;
    }

    /** Reads a JMH JSON result file. */
    @SuppressWarnings("unchecked")
    public static BenchReport read(Path json) throws IOException {
        Object parsed = Json.parse(Files.readString(json));
        if (!(parsed instanceof List<?> rows)) {
            throw new IllegalArgumentException(json + " is not a JMH result file (expected a JSON array)");
        }
        List<BenchResult> results = new ArrayList<>();
        for (Object row : rows) {
            results.add(BenchResult.of((Map<String, Object>) row));
        }
        return new BenchReport(results, rows.isEmpty() ? Map.of() : (Map<String, Object>) rows.get(0));
    }

    /** The rows read, in file order. */
    public int size() {
        return results.size();
    }

    /** The distinct benchmark methods in the file ({@code Class.method}). */
    public Set<String> benchmarks() {
        Set<String> names = new LinkedHashSet<>();
        results.forEach(r -> names.add(r.shortName()));
        return names;
    }

    /** Writes {@code benchmarks.md} and {@code benchmarks.svg} into {@code directory}. */
    public void write(Path directory, String command, String machine) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("benchmarks.md"), markdown(command, machine));
        Files.writeString(directory.resolve("benchmarks.svg"), svg());
    }

    // ---------------------------------------------------------------- markdown

    String markdown(String command, String machine) {
        StringBuilder md = new StringBuilder();
        md.append("# shmkit benchmarks\n\n");
        md.append("Generated by `io.shmkit.bench.report.BenchReport` from one JMH run; every ratio below is taken\n")
          .append("between results of that run. Regenerate with the command below; scores are machine-specific.\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| date | ").append(LocalDate.now()).append(" |\n");
        md.append("| machine | ").append(machine).append(" |\n");
        md.append("| JDK | ").append(first.getOrDefault("vmName", "?")).append(' ')
          .append(first.getOrDefault("jdkVersion", "?")).append(" (").append(first.getOrDefault("vmVersion", "?")).append(") |\n");
        md.append("| JMH | ").append(first.getOrDefault("jmhVersion", "?"))
          .append("; each section states its forks and iterations; the headline rounds run each headline benchmark once")
          .append(" more per round, one fork each |\n");
        md.append("| command | `").append(command.replace("|", "\\|")).append("` |\n\n");
        md.append("Errors are JMH's 99.9% confidence half-widths (blank with a single iteration). The machine is\n")
          .append("shared and noisy: read ratios, not absolute numbers.\n\n");
        md.append("![zero-copy speedups and round-trip percentiles](benchmarks.svg)\n\n");
        targets(md);
        handoff(md);
        messaging(md);
        allocation(md);
        latency(md);
        contention(md);
        wake(md);
        PoolReport.section(results, md);
        if (netMarkdown != null) {
            try {
                md.append(Files.readString(netMarkdown).replaceFirst("^### ", "## ")).append('\n');
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        for (String cls : classes()) {
            if (!cls.equals("HandoffBenchmark") && !MESSAGING_CLASSES.contains(cls) && !cls.equals(KERNEL_WAIT_CLASS)
                    && !PoolReport.CLASSES.contains(cls)) {
                generic(md, cls);
            }
        }
        return md.toString();
    }

    private void targets(StringBuilder md) {
        md.append("## Targets\n\n");
        try {
            Targets targets = Targets.of(results, roundsDirectory);
            List<Targets.Row> rows = new ArrayList<>(targets.rows());
            if (latencyJson != null) {
                for (TargetVerdict t : LatencyReport.targets(latencyJson)) {
                    Ratio ratio = t.roundRatios().isEmpty() ? Ratio.ABSENT
                            : Ratio.ofRatios(t.roundRatios().stream().mapToDouble(Double::doubleValue).toArray());
                    rows.add(new Targets.Row(t.description() + " (latency harness)", t.goal(), ratio));
                }
            }
            if (wakeJson != null) {
                for (Targets.Row row : WakeReport.targets(wakeJson)) {
                    rows.add(new Targets.Row(row.what() + " (wake harness)", row.goal(), row.ratio(), row.withinError()));
                }
            }
            md.append(Targets.table(rows, targets.roundCount()));
            if (allocationJson != null) {
                List<BenchResult> paths = BenchReport.read(allocationJson).results();
                long zero = paths.stream().filter(BenchReport::allocatesNothing).count();
                md.append(String.format(Locale.ROOT, "Allocation on shm-msg's hot paths (claim, commit, read, offer): %d of %d paths at"
                        + " 0 B/op (JMH's gc profiler; see the allocation table): %s.%n%n", zero, paths.size(),
                        zero == paths.size() && zero > 0 ? "met" : "**missed**"));
            }
        } catch (IOException e) {
            md.append("The headline rounds could not be read: ").append(e).append("\n\n");
        }
    }

    private void handoff(StringBuilder md) {
        List<String> sizes = paramValues("HandoffBenchmark.handoff", "n");
        if (sizes.isEmpty()) {
            return;
        }
        md.append("## Array handoff between two JVMs\n\n")
          .append("Time for a producer JVM to hand n doubles to this JVM and for this JVM to sum them (µs per handoff,\n")
          .append("lower is better), and in brackets how many times longer it takes than shmkit's zero-copy handoff.\n")
          .append("`localHeap` is no transport but the floor: the consuming JVM writes the payload into its own heap\n")
          .append("array and sums it. Zero copy: shmkit, agronaZeroCopy, chronicleZeroCopy (the consumer sums the\n")
          .append("producer's memory in place); kernel copies: pipe (a FIFO enlarged to 1 MiB), serializedQueue (Java\n")
          .append("serialization over it), unixSocket (blocking), unixSocketSpin (busy-polling); shared-memory copies:\n")
          .append("agronaRingBuffer, chronicleBytes (copy in, copy out).\n\n")
          .append(settings(results.stream().filter(r -> r.shortName().equals("HandoffBenchmark.handoff")).toList()));
        md.append("| n |");
        List<String> transports = present("HandoffBenchmark.handoff", "transport", HANDOFF_TRANSPORTS);
        transports.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append("\n|---:|");
        transports.forEach(t -> md.append("---:|"));
        md.append('\n');
        for (String n : sizes) {
            md.append("| ").append(n).append(" |");
            double shm = handoff(n, "shmkit");
            for (String t : transports) {
                BenchResult r = find(x -> x.shortName().equals("HandoffBenchmark.handoff") && n.equals(x.param("n"))
                        && t.equals(x.param("transport")));
                md.append(' ').append(r == null ? "" : scoreText(r));
                if (r != null && !t.equals("shmkit") && !Double.isNaN(shm)) {
                    md.append(String.format(Locale.ROOT, " (%.1f×)", r.score() / shm));
                }
                md.append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------- messaging

    /** Rows of the messaging throughput benchmarks (both classes), by transport and size. */
    private BenchResult messagingResult(String transport, String size) {
        return find(r -> MESSAGING_CLASSES.contains(r.className()) && r.method().equals("receive")
                && transport.equals(r.param("transport")) && size.equals(r.param("size")));
    }

    private void messaging(StringBuilder md) {
        List<BenchResult> rows = results.stream().filter(r -> MESSAGING_CLASSES.contains(r.className())).toList();
        if (rows.isEmpty()) {
            return;
        }
        List<String> sizes = new ArrayList<>(new LinkedHashSet<>(rows.stream().map(r -> r.param("size")).toList()));
        sizes.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        List<String> transports = new ArrayList<>();
        for (String t : MESSAGING_TRANSPORTS) {
            if (rows.stream().anyMatch(r -> t.equals(r.param("transport")))) {
                transports.add(t);
            }
        }
        md.append("## Messaging throughput between JVMs\n\n")
          .append("Producer JVMs send messages of the given payload size as fast as the transport takes them; this JVM\n")
          .append("receives them and checks every one (producer, sequence number, first, middle and last word), so no side can\n")
          .append("skip work. The score is messages received per second (higher is better); MB/s is that × the payload\n")
          .append("size / 10⁶. Per message: `shmkitOffer` copies from the producer's buffer into a one-producer queue\n")
          .append("(`offer`), `shmkitClaim` writes in place (`tryClaim`, `commit`); `shmkitMany1`/`shmkitMany2` copy into a\n")
          .append("many-producer queue from one or two producer JVMs; `agronaWrite`/`agronaClaim` are Agrona's\n")
          .append("`OneToOneRingBuffer` `write` and `tryClaim`, `agronaMany1`/`agronaMany2` its `ManyToOneRingBuffer`\n")
          .append("`write`; `aeronOffer`/`aeronClaim` are an Aeron IPC `ExclusivePublication`'s `offer` and `tryClaim`\n")
          .append("(`tryClaim` only up to the MTU: no 64 KiB row); `pipe` and `unixSocket` write each message (8-byte header\n")
          .append("and payload) with one blocking `write` and read up to 1 MiB at a time; `serializedPipe` serializes\n")
          .append("each message (a `long[]`) with a fresh `ObjectOutputStream` over that pipe, as Python's `Queue`\n")
          .append("pickles. shmkit and Agrona rings are ").append(MessageStream.RING >> 20)
          .append(" MiB and their consumers read at most ").append(MessageStream.READ_LIMIT)
          .append(" messages per call; ").append(MessageStream.AERON_SETTINGS).append(".\n\n")
          .append(settings(rows));
        md.append("Messages per second:\n\n");
        header(md, sizes);
        for (String t : transports) {
            md.append("| `").append(t).append("` |");
            for (String size : sizes) {
                BenchResult r = messagingResult(t, size);
                md.append(' ').append(r == null ? "n/a" : rate(r.score(), r.error())).append(" |");
            }
            md.append('\n');
        }
        md.append("\nMB/s of payload (and, in brackets, the rate ÷ `shmkitOffer`'s at that size):\n\n");
        header(md, sizes);
        for (String t : transports) {
            md.append("| `").append(t).append("` |");
            for (String size : sizes) {
                BenchResult r = messagingResult(t, size);
                BenchResult base = messagingResult("shmkitOffer", size);
                double bytes = Long.parseLong(size) / 1e6;
                md.append(' ');
                if (r == null) {
                    md.append("n/a");
                } else {
                    md.append(Chart.format(r.score() * bytes));
                    if (!Double.isNaN(r.error())) {
                        md.append(" ± ").append(Chart.format(r.error() * bytes));
                    }
                    if (base != null && !t.equals("shmkitOffer")) {
                        md.append(String.format(Locale.ROOT, " (%.2f×)", r.score() / base.score()));
                    }
                }
                md.append(" |");
            }
            md.append('\n');
        }
        md.append("\nn/a: not measured (Aeron's `tryClaim` takes at most the MTU less its header, 65,472 bytes).\n\n");
    }

    private static void header(StringBuilder md, List<String> sizes) {
        md.append("| transport |");
        sizes.forEach(size -> md.append(' ').append(bytesText(size)).append(" |"));
        md.append("\n|---|");
        sizes.forEach(size -> md.append("---:|"));
        md.append('\n');
    }

    /** "32 B", "4 KiB", "64 KiB". */
    static String bytesText(String size) {
        long n = Long.parseLong(size);
        return n >= 1024 && n % 1024 == 0 ? n / 1024 + " KiB" : n + " B";
    }

    /** Messages per second and its error in the score's unit: "12.35 M ± 0.40 M", "842.1 k ± 12.0 k", "950 ± 3". */
    static String rate(double score, double error) {
        if (Double.isNaN(score)) {
            return "?";
        }
        String format = Math.abs(score) >= 1e6 ? "%.2f M" : Math.abs(score) >= 1e3 ? "%.1f k" : "%.0f";
        double unit = Math.abs(score) >= 1e6 ? 1e6 : Math.abs(score) >= 1e3 ? 1e3 : 1;
        String text = String.format(Locale.ROOT, format, score / unit);
        return Double.isNaN(error) ? text : text + " ± " + String.format(Locale.ROOT, format, error / unit);
    }

    // ---------------------------------------------------------------- allocation

    /** JMH's gc profiler's bytes per operation. */
    static final String NORM = "gc.alloc.rate.norm";

    static boolean allocatesNothing(BenchResult r) {
        BenchResult.Secondary norm = r.secondaries().get(NORM);
        return norm != null && norm.score() < ZERO_BYTES_PER_OP;
    }

    private void allocation(StringBuilder md) {
        if (allocationJson == null) {
            return;
        }
        try {
            List<BenchResult> rows = BenchReport.read(allocationJson).results();
            md.append("## Allocation on shm-msg's hot paths\n\n")
              .append("`MessagingAllocationBenchmark` with JMH's gc profiler (`-prof gc`): each operation sends one 32-byte message\n")
              .append("through a queue in one process and reads it back, so the paths named run once per operation; B/op is\n")
              .append("`").append(NORM).append("`, the bytes this thread allocated per operation. The issue asks for 0 B/op; a path\n")
              .append(String.format(Locale.ROOT, "counts as 0 below %.2f B/op (one 16-byte object per %,d operations: the harness's own", ZERO_BYTES_PER_OP,
                      Math.round(16 / ZERO_BYTES_PER_OP)))
              .append(" per-iteration\nbookkeeping, divided by millions of operations). No JVM flag is set on this fork.\n\n")
              .append(settings(rows))
              .append("| path | B/op | time (ns/op) | 0 B/op |\n|---|---:|---:|---|\n");
            for (BenchResult r : rows) {
                BenchResult.Secondary norm = r.secondaries().get(NORM);
                md.append("| `").append(r.method()).append("` | ")
                  .append(norm == null ? "not measured" : String.format(Locale.ROOT, "%.4f", norm.score())
                          + (Double.isNaN(norm.error()) ? "" : String.format(Locale.ROOT, " ± %.4f", norm.error())))
                  .append(" | ").append(scoreText(r)).append(" | ").append(allocatesNothing(r) ? "met" : "**missed**").append(" |\n");
            }
            md.append('\n');
        } catch (IOException | RuntimeException e) {
            md.append("## Allocation on shm-msg's hot paths\n\nThe allocation pass's results could not be read: ").append(e)
              .append("\n\n");
        }
    }

    private void latency(StringBuilder md) {
        if (latencyJson == null) {
            return;
        }
        try {
            md.append(LatencyReport.markdown(latencyJson)).append('\n');
        } catch (IOException | RuntimeException e) {
            md.append("## Ping-pong latency\n\nThe latency harness's results could not be read: ").append(e).append("\n\n");
        }
    }

    private void contention(StringBuilder md) {
        if (contentionJson == null) {
            return;
        }
        try {
            md.append(ContentionReport.markdown(contentionJson)).append('\n');
        } catch (IOException | RuntimeException e) {
            md.append("## Two JVMs contending\n\nThe contention harness's results could not be read: ").append(e).append("\n\n");
        }
    }

    private void wake(StringBuilder md) {
        List<BenchResult> rows = results.stream().filter(r -> r.className().equals(KERNEL_WAIT_CLASS)).toList();
        if (rows.isEmpty() && wakeJson == null) {
            return;
        }
        md.append("## Kernel wake-ups (opt-in futex waits)\n\n");
        if (!rows.isEmpty()) {
            fastPath(md, rows);
        }
        if (wakeJson != null) {
            try {
                md.append(WakeReport.markdown(wakeJson).replaceFirst("^## ", "### ").replace("\n### ", "\n#### ")).append('\n');
            } catch (IOException | RuntimeException e) {
                md.append("The wake harness's results could not be read: ").append(e).append("\n\n");
            }
        }
    }

    /** The fast path with kernel waits on and nobody asleep, beside the option off: {@code KernelWaitBenchmark}. */
    private void fastPath(StringBuilder md, List<BenchResult> rows) {
        md.append("### The fast path with kernel waits on, nobody asleep\n\n")
          .append("`").append(KERNEL_WAIT_CLASS).append("`: one thread, one process, nobody ever asleep; each shm-sync lock kind\n")
          .append("acquired and released uncontended, and a 32-byte message `offer`ed into a one-producer queue and `read` back\n")
          .append("(ns per message: the inverse of that thread's throughput), with `LockOptions.withKernelWaits` off and on (for\n")
          .append("the queue: in its `QueueOptions.withWaiting`). With it on, a release or a commit also loads the wake word to\n")
          .append("learn that nobody sleeps (after a full fence, unless the kernel offers `membarrier`'s global expedited command).\n")
          .append("Both values run in forks with `--enable-native-access=ALL-UNNAMED`, and a fork whose option is on but cannot\n")
          .append("make kernel waits fails instead of measuring the polling fallback. The speed ratio is the time off ÷ the time\n")
          .append("on: below 1, the option costs. Rows in **bold** are the targets' (paired by round where the run has rounds);\n")
          .append("the others come from the main run's one fork (delta method on JMH's errors, too wide for a verdict).\n\n")
          .append(settings(rows))
          .append("| operation | off | on | speed on ÷ off (interval) | how | 1 within the interval |\n")
          .append("|---|--:|--:|---|---|---|\n");
        Targets targets;
        try {
            targets = Targets.of(results, roundsDirectory);
        } catch (IOException e) {
            md.append("The headline rounds could not be read: ").append(e).append("\n\n");
            return;
        }
        List<String> headlines = java.util.Arrays.stream(Targets.KERNEL_WAIT_HEADLINES).map(h -> h[0]).toList();
        for (String method : new LinkedHashSet<>(rows.stream().map(BenchResult::method).toList())) {
            String benchmark = KERNEL_WAIT_CLASS + "." + method;
            BenchResult off = find(r -> r.shortName().equals(benchmark) && "false".equals(r.param("kernelWaits")));
            BenchResult on = find(r -> r.shortName().equals(benchmark) && "true".equals(r.param("kernelWaits")));
            Ratio ratio = targets.ratio(benchmark, Map.of("kernelWaits", "false"), benchmark, Map.of("kernelWaits", "true"));
            String name = headlines.contains(method) ? "**`" + method + "`**" : "`" + method + "`";
            md.append("| ").append(name).append(" | ").append(off == null ? "–" : scoreText(off) + " " + off.unit())
              .append(" | ").append(on == null ? "–" : scoreText(on) + " " + on.unit()).append(" | ").append(ratio.text())
              .append(" | ").append(ratio.how()).append(" | ").append(includesOne(ratio)).append(" |\n");
        }
        md.append('\n');
    }

    /**
     * Whether 1 lies within the interval of paired rounds: "yes", "no: slower", "no: faster"; or
     * why that cannot be said (one fork's interval from JMH's errors is too wide to mean anything).
     */
    static String includesOne(Ratio ratio) {
        if (Double.isNaN(ratio.point())) {
            return "not in this run";
        }
        if (ratio.rounds() < 2 || Double.isNaN(ratio.lower()) || Double.isNaN(ratio.upper())) {
            return "one fork: no verdict";
        }
        return ratio.upper() < 1 ? "**no: slower**" : ratio.lower() > 1 ? "no: faster" : "yes";
    }

    /** The JMH settings the rows ran with, e.g. "forks 1, warm-up 3 × 1 s, measurement 5 × 1 s". */
    private static String settings(List<BenchResult> rows) {
        return "JMH: " + String.join("; ", rows.stream().map(BenchResult::settings).distinct().toList()) + ".\n\n";
    }

    private void generic(StringBuilder md, String cls) {
        md.append("## ").append(cls).append("\n\n");
        List<BenchResult> rows = results.stream().filter(r -> r.className().equals(cls)).toList();
        md.append(settings(rows));
        Set<String> paramNames = new LinkedHashSet<>();
        rows.forEach(r -> r.params().forEach((k, v) -> paramNames.add(k)));
        md.append("| benchmark |");
        paramNames.forEach(p -> md.append(' ').append(p).append(" |"));
        md.append(" score ± error | unit |\n|---|");
        paramNames.forEach(p -> md.append("---|"));
        md.append("---:|---|\n");
        for (BenchResult r : rows) {
            md.append("| ").append(r.method()).append(" |");
            paramNames.forEach(p -> md.append(' ').append(Objects.requireNonNullElse(r.param(p), "")).append(" |"));
            md.append(' ').append(scoreText(r)).append(" | ").append(r.unit()).append(" |\n");
            r.secondaries().forEach((metric, m) -> {
                md.append("| ").append(r.method()).append(':').append(metric).append(" |");
                paramNames.forEach(p -> md.append(' ').append(Objects.requireNonNullElse(r.param(p), "")).append(" |"));
                md.append(' ').append(scoreText(m.score(), m.error())).append(" | ").append(m.unit()).append(" |\n");
            });
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------- chart

    String svg() {
        StringBuilder body = new StringBuilder();
        int top = 10;
        int width = 600;
        List<String> sizes = paramValues("HandoffBenchmark.handoff", "n");
        List<String> others = new ArrayList<>(present("HandoffBenchmark.handoff", "transport", HANDOFF_TRANSPORTS));
        others.remove("shmkit");
        others.remove("localHeap");
        if (!sizes.isEmpty() && !others.isEmpty()) {
            List<Chart.Group> groups = new ArrayList<>();
            for (String n : sizes) {
                double shm = handoff(n, "shmkit");
                groups.add(new Chart.Group("n = " + n, others.stream().mapToDouble(t -> handoff(n, t) / shm).toArray()));
            }
            width = Math.max(width, Chart.panel(top,
                    "Array handoff: how many times longer than shmkit zero-copy (log scale)", "× shmkit time", others, groups, body));
            top += Chart.panelHeight(others.size()) + 20;
        }
        List<String> messagingSizes = paramValues("MessagingBenchmark.receive", "size");
        List<String> messagingTransports = present("MessagingBenchmark.receive", "transport", MESSAGING_TRANSPORTS);
        List<String> withClaim = new ArrayList<>();
        for (String t : MESSAGING_TRANSPORTS) {
            if (messagingTransports.contains(t) || find(r -> r.shortName().equals("AeronClaimBenchmark.receive")
                    && t.equals(r.param("transport"))) != null) {
                withClaim.add(t);
            }
        }
        if (!messagingSizes.isEmpty() && !withClaim.isEmpty()) {
            List<Chart.Group> groups = new ArrayList<>();
            for (String size : messagingSizes) {
                double bytes = Long.parseLong(size) / 1e6;
                groups.add(new Chart.Group(bytesText(size), withClaim.stream().mapToDouble(t -> {
                    BenchResult r = messagingResult(t, size);
                    return r == null ? Double.NaN : r.score() * bytes;
                }).toArray()));
            }
            width = Math.max(width, Chart.panel(top, "Messaging throughput between JVMs, MB/s of payload (log scale)", "MB/s",
                    withClaim, groups, body));
            top += Chart.panelHeight(withClaim.size()) + 20;
        }
        Map<String, double[]> latency = Map.of();
        if (latencyJson != null) {
            try {
                latency = LatencyReport.closedLoopPercentiles(latencyJson);
            } catch (IOException | RuntimeException e) {
                latency = Map.of();
            }
        }
        if (!latency.isEmpty()) {
            List<Chart.Group> groups = new ArrayList<>();
            latency.forEach((transport, values) -> groups.add(new Chart.Group(transport, values)));
            width = Math.max(width, Chart.panel(top, "32-byte ping-pong round trip between two JVMs, closed loop, ns (log scale)",
                    "ns", List.of("p50", "p90", "p99", "p99.9"), groups, body));
            top += Chart.panelHeight(4) + 20;
        }
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n%s</svg>%n",
                width, Math.max(top, 40), body);
    }

    // ---------------------------------------------------------------- lookups

    private List<String> classes() {
        Set<String> names = new LinkedHashSet<>();
        results.forEach(r -> names.add(r.className()));
        return List.copyOf(names);
    }

    private BenchResult find(Predicate<BenchResult> which) {
        return results.stream().filter(which).findFirst().orElse(null);
    }

    private double score(Predicate<BenchResult> which) {
        BenchResult r = find(which);
        return r == null ? Double.NaN : r.score();
    }

    private double handoff(String n, String transport) {
        return score(r -> r.shortName().equals("HandoffBenchmark.handoff") && Objects.equals(n, r.param("n"))
                && transport.equals(r.param("transport")));
    }

    private List<String> paramValues(String benchmark, String param) {
        Set<String> values = new LinkedHashSet<>();
        results.stream().filter(r -> r.shortName().equals(benchmark) && r.param(param) != null)
               .forEach(r -> values.add(r.param(param)));
        List<String> sorted = new ArrayList<>(values);
        sorted.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        return sorted;
    }


    private List<String> present(String benchmark, String param, String[] order) {
        List<String> out = new ArrayList<>();
        for (String t : order) {
            if (find(r -> r.shortName().equals(benchmark) && t.equals(r.param(param))) != null) {
                out.add(t);
            }
        }
        return out;
    }

    private static String scoreText(BenchResult r) {
        return scoreText(r.score(), r.error());
    }

    private static String scoreText(double value, double error) {
        String score = Chart.format(value);
        return Double.isNaN(error) ? score : score + " ± " + Chart.format(error);
    }



    /** {@code main(json, outDir, command...)}: the report alone, from an existing result file. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchReport <jmh-result.json> <output directory> [command that produced it]");
            System.exit(2);
        }
        BenchReport report = read(Path.of(args[0]));
        String command = args.length > 2 ? String.join(" ", List.of(args).subList(2, args.length)) : "(not recorded)";
        report.write(Path.of(args[1]), command, Machine.describe());
        System.out.println("wrote " + Path.of(args[1]).resolve("benchmarks.md") + " and benchmarks.svg from "
                + report.size() + " results");
    }

}
