package io.shmkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.report.BenchReport;
import io.shmkit.core.SegmentDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Smoke mode, as the test suite runs it: every benchmark of the jar, with every transport and
 * lock kind, in a real JMH fork with its real flags and its real peer JVM, once and tiny.
 * Asserts that each ran and produced a result, that the report is written from the results,
 * and that nothing was left behind: no segment or file in the shared-memory directory and no
 * peer JVM. Never asserts a timing.
 */
class BenchmarkSmokeTest {
    /** Parameters a smoke run pins to one value ({@link ShmBench#smoke}). */
    private static final Set<String> PINNED = Set.of("n", "size");

    @Test
    void everyBenchmarkRunsOnceAndTheReportIsWrittenFromItsResults(@TempDir Path out) throws Exception {
        Set<String> before = benchFiles();
        List<BenchmarkListEntry> entries = new ArrayList<>(BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of()));
        assertTrue(entries.size() >= 45, "the jar lists " + entries.size() + " benchmarks: is JMH's processor declared?");

        Path json = out.resolve("smoke.json");
        Collection<RunResult> results;
        try {
            results = ShmBench.run(ShmBench.smoke(new OptionsBuilder().verbosity(VerboseMode.NORMAL).build()), json);
            ShmBench.runRounds(out.resolve("rounds"), 2, true);
            ShmBench.runAllocation(out.resolve("allocation.json"), true);
        } finally {
            removeNew(before); // a failing benchmark must not leave segments behind either
        }

        for (BenchmarkListEntry entry : entries) {
            String name = entry.getUsername();
            int expected = 1;
            if (entry.getParams().hasValue()) {
                for (Map.Entry<String, String[]> param : entry.getParams().get().entrySet()) {
                    expected *= PINNED.contains(param.getKey()) ? 1 : param.getValue().length; // smoke pins n and size
                }
            }
            List<RunResult> runs = results.stream().filter(r -> r.getParams().getBenchmark().equals(name)).toList();
            assertEquals(expected, runs.size(), name + ": one result per parameter combination");
            for (RunResult run : runs) {
                double score = run.getPrimaryResult().getScore();
                String what = name + " " + run.getParams();
                assertTrue(Double.isFinite(score) && score > 0, what + " scored " + score);
                assertTrue(run.getPrimaryResult().getSampleCount() > 0, what + " has no samples");
            }
        }

        BenchReport report = BenchReport.read(json);
        assertEquals(results.size(), report.size());
        report.withRounds(out.resolve("rounds")).withAllocation(out.resolve("allocation.json")).write(out, "smoke test", "test machine");
        String md = Files.readString(out.resolve("benchmarks.md"));
        String svg = Files.readString(out.resolve("benchmarks.svg"));
        for (String cls : entries.stream().map(e -> e.getUserClassQName().replaceAll(".*\\.", ""))
                .collect(Collectors.toCollection(TreeSet::new))) {
            String section = switch (cls) {
                case "HandoffBenchmark" -> "## Array handoff";
                case "MessagingBenchmark", "AeronClaimBenchmark" -> "## Messaging throughput between JVMs";
                case "KernelWaitBenchmark" -> "### The fast path with kernel waits on, nobody asleep";
                case "PoolTaskBenchmark" -> "| workers | roundTrip (µs) | mapOneByOne (µs per task) |";
                case "PipelineBenchmark" -> "| transport | µs per block | GB/s |";
                default -> "## " + cls;
            };
            assertTrue(md.contains(section), "report has a section for " + cls);
        }
        // every messaging transport has a row; the targets' sizes come from the rounds
        for (String transport : io.shmkit.bench.ipc.MessageStream.TRANSPORTS) {
            assertTrue(md.contains("| `" + transport + "` |"), "the messaging tables have a row for " + transport);
        }
        assertTrue(md.lines().filter(l -> l.startsWith("| 32 B messages/s between JVMs: shmkit one-producer queue"))
                .allMatch(l -> l.contains("2 paired rounds")), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| 64 KiB MB/s, zero copy: shmkit `tryClaim`") && l.contains("2 paired rounds")), md);
        // the allocation pass: every hot path with its B/op from the gc profiler, and the verdict in the targets
        assertTrue(md.contains("## Allocation on shm-msg's hot paths"), md);
        assertTrue(md.contains("| `claimCommitThenRead` | ") && md.contains("Allocation on shm-msg's hot paths (claim, commit,"), md);
        // the headline targets come from the two rounds, paired, with an interval and a verdict
        assertTrue(md.contains("| handoff of 1024 doubles ≥ 10× faster than the (tuned) pipe | "), md);
        assertTrue(md.lines().filter(l -> l.startsWith("| handoff of 1024 doubles ≥ 10×"))
                .allMatch(l -> l.contains("2 paired rounds") && l.matches(".*\\| (met|\\*\\*missed\\*\\*|inconclusive) \\|$")), md);
        // kernel waits' fast path: both values ran, paired by the two rounds, with a verdict on "no cost within error"
        for (String row : new String[] {"| uncontended mutex lock+unlock with kernel waits on", "| 32-byte queue offer+read (one thread) with kernel waits on"}) {
            assertTrue(md.lines().anyMatch(l -> l.startsWith(row) && l.contains("2 paired rounds")
                    && l.matches(".*\\| (met|\\*\\*missed\\*\\*|inconclusive) \\|$")), row + ":\n" + md);
        }
        assertFalse(md.contains("not in this run"), "every target is computed from a full smoke run:\n" + md);
        assertTrue(svg.startsWith("<svg") && svg.contains("<rect x="), "the chart has bars");

        assertEquals(before, benchFiles(), "benchmarks left files in " + BenchNames.shm().path());
        List<String> peers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("io.shmkit.bench.ipc.PeerMain"))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
        assertEquals(List.of(), peers, "peer JVMs outlived their benchmarks");
    }

    /** Removes what this run left: files made since it began by processes that are gone (never a live run's). */
    private static void removeNew(Set<String> before) throws IOException {
        for (String name : benchFiles()) {
            if (!before.contains(name) && !creatorAlive(name)) {
                System.err.println("removing a leftover of the smoke run: " + name);
                Files.deleteIfExists(BenchNames.shm().path().resolve(name));
            }
        }
    }

    /** Whether the process whose pid is in the name ({@code shmkit-bench-<pid>-...}) still runs. */
    private static boolean creatorAlive(String name) {
        try {
            String rest = name.substring(BenchNames.PREFIX.length());
            long pid = Long.parseLong(rest.substring(0, rest.indexOf('-')));
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (RuntimeException notOurs) {
            return true; // a name we cannot read: leave it
        }
    }

    private static Set<String> benchFiles() throws IOException {
        SegmentDirectory shm = BenchNames.shm();
        try (Stream<Path> files = Files.list(shm.path())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(BenchNames.PREFIX))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
