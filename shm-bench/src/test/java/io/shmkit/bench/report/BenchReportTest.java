package io.shmkit.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's arithmetic, on JMH result files written by hand. */
class BenchReportTest {

    private static String row(String benchmark, String params, double score, double error) {
        return """
            {"jmhVersion":"1.37","benchmark":"io.shmkit.bench.%s","mode":"avgt","threads":1,"forks":1,
             "jdkVersion":"25.0.3","vmName":"OpenJDK 64-Bit Server VM","vmVersion":"25.0.3+9",
             "warmupIterations":3,"warmupTime":"1 s","measurementIterations":5,"measurementTime":"1 s",
             "params":{%s},
             "primaryMetric":{"score":%s,"scoreError":%s,"scoreUnit":"us/op","rawData":[[1.0,2.0]]}}
            """.formatted(benchmark, params, score, Double.isNaN(error) ? "\"NaN\"" : Double.toString(error));
    }

    /** A run with the headline rows: shmkit's handoff takes 8000, the others as given. */
    private static String rows(double pipe, double serialized, double sumShmkit, double fileLock, double error) {
        List<String> rows = new ArrayList<>();
        for (String n : new String[] {"1024", "8388608"}) {
            double scale = n.equals("1024") ? 0.001 : 1;
            rows.add(row("HandoffBenchmark.handoff", "\"n\":\"" + n + "\",\"transport\":\"shmkit\"", 8000 * scale, error * scale));
            rows.add(row("HandoffBenchmark.handoff", "\"n\":\"" + n + "\",\"transport\":\"pipe\"", pipe * scale, error * scale));
            rows.add(row("HandoffBenchmark.handoff", "\"n\":\"" + n + "\",\"transport\":\"serializedQueue\"", serialized * scale,
                    error * scale));
        }
        rows.add(row("ArrayAccessBenchmark.sumShmkit", "\"n\":\"1048576\"", sumShmkit, error));
        rows.add(row("ArrayAccessBenchmark.sumHeap", "\"n\":\"1048576\"", 1000, error));
        rows.add(row("ArrayAccessBenchmark.sumAgrona", "\"n\":\"1048576\"", 1000, error));
        rows.add(row("UncontendedLockBenchmark.mutex", "", 14, Double.isNaN(error) ? error : 1));
        rows.add(row("UncontendedLockBenchmark.fileLock", "", fileLock, error));
        return "[" + String.join(",", rows) + "]";
    }

    private static Path write(Path dir, String name, String json) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, json);
        return file;
    }

    private static String line(String md, String start) {
        return md.lines().filter(l -> l.startsWith("| " + start)).findFirst().orElseThrow(() -> new AssertionError("no row " + start + ":\n" + md));
    }

    @Test
    void oneRunGivesRatiosButNoVerdictWithoutErrors(@TempDir Path dir) throws Exception {
        BenchReport report = BenchReport.read(write(dir, "main.json", rows(160_000, 200_000, 1000, 731, Double.NaN)));
        String md = report.markdown("cmd", "box");
        assertEquals("| handoff of 8388608 doubles ≥ 10× faster than the (tuned) pipe | 20.00× | one run without errors: no interval"
                + " | inconclusive |", line(md, "handoff of 8388608 doubles ≥ 10×"));
        assertTrue(md.contains("| 8388608 | 8,000 | 160,000 (20.0×) | 200,000 (25.0×) |"), md);
        assertEquals(11, report.size());
    }

    @Test
    void oneRunWithErrorsUsesTheDeltaMethodButGivesNoVerdict(@TempDir Path dir) throws Exception {
        // shmkit's 8000 ± 800 is ±10%, the pipe's 160,000 ± 800 ±0.5%: the ratio's relative error is √(0.1² + 0.005²) ≈ 10%
        String md = BenchReport.read(write(dir, "main.json", rows(160_000, 200_000, 1000, 731, 800))).markdown("cmd", "box");
        String pipe = line(md, "handoff of 8388608 doubles ≥ 10×");
        // one fork's interval clears the goal, yet a verdict needs paired rounds
        assertTrue(pipe.contains("| 20.00× (18.00–22.00) | one run: delta method on JMH's 99.9% errors | inconclusive |"), pipe);
        String serialized = line(md, "handoff of 8388608 doubles ≥ 30×");
        assertTrue(serialized.contains("| 25.00× (22.50–27.50) |") && serialized.endsWith("| inconclusive |"), serialized);
    }

    @Test
    void roundsArePairedAndTheVerdictComesFromTheInterval(@TempDir Path dir) throws Exception {
        Path main = write(dir, "main.json", rows(160_000, 200_000, 1000, 731, Double.NaN));
        Path rounds = Files.createDirectory(dir.resolve("rounds"));
        // pipe ÷ shmkit per round: 11, 12, 13, 12, 12 (met: all above 10); serialized: 29, 31, 30, 30, 30 (inconclusive);
        // heap ÷ shmkit sum: 0.8 every round (missed)
        double[] pipe = {88_000, 96_000, 104_000, 96_000, 96_000};
        double[] serialized = {232_000, 248_000, 240_000, 240_000, 240_000};
        for (int k = 0; k < 5; k++) {
            write(rounds, "round-" + (k + 1) + "-handoff.json", "[" + String.join(",",
                    row("HandoffBenchmark.handoff", "\"n\":\"8388608\",\"transport\":\"shmkit\"", 8000, Double.NaN),
                    row("HandoffBenchmark.handoff", "\"n\":\"8388608\",\"transport\":\"pipe\"", pipe[k], Double.NaN),
                    row("HandoffBenchmark.handoff", "\"n\":\"8388608\",\"transport\":\"serializedQueue\"", serialized[k], Double.NaN))
                    + "]");
            write(rounds, "round-" + (k + 1) + "-access.json", "[" + String.join(",",
                    row("ArrayAccessBenchmark.sumShmkit", "\"n\":\"1048576\"", 1250, Double.NaN),
                    row("ArrayAccessBenchmark.sumHeap", "\"n\":\"1048576\"", 1000, Double.NaN),
                    row("ArrayAccessBenchmark.sumAgrona", "\"n\":\"1048576\"", 1250 * (k % 2 == 0 ? 1.1 : 0.9), Double.NaN)) + "]");
        }
        String md = BenchReport.read(main).withRounds(rounds).markdown("cmd", "box");
        String pipeRow = line(md, "handoff of 8388608 doubles ≥ 10×");
        Ratio expected = Ratio.ofRatios(new double[] {11, 12, 13, 12, 12});
        assertTrue(pipeRow.contains(expected.text()) && pipeRow.contains("5 paired rounds") && pipeRow.endsWith("| met |"), pipeRow);
        assertTrue(line(md, "handoff of 8388608 doubles ≥ 30×").endsWith("| inconclusive |"), md);
        assertTrue(line(md, "sequential sum of 1048576 shared doubles ≥ 0.95×").endsWith("| **missed** |"), md);
        assertTrue(line(md, "sequential sum of 1048576 shared doubles ≥ the speed").endsWith("| inconclusive |"), md);
        assertTrue(md.contains("ran in 5 rounds"), md);
    }

    @Test
    void theIntervalIsTheTIntervalOfTheLogRatios() {
        Ratio same = Ratio.ofRatios(new double[] {3, 3, 3});
        assertEquals(3.0, same.point(), 1e-12);
        assertEquals(3.0, same.lower(), 1e-12);
        assertEquals(Ratio.Verdict.MET, same.against(3));
        // logs ±ln 2: mean 0, s = ln2·√2, half-width t(1)·s/√2 = 12.706·ln 2
        Ratio spread = Ratio.ofRatios(new double[] {0.5, 2});
        assertEquals(1.0, spread.point(), 1e-12);
        assertEquals(Math.exp(-12.706 * Math.log(2)), spread.lower(), 1e-9);
        assertEquals(Ratio.Verdict.INCONCLUSIVE, spread.against(1));
        assertEquals(Ratio.Verdict.MISSED, Ratio.ofRatios(new double[] {0.5, 0.5, 0.5}).against(1));
        Ratio oneFork = Ratio.fromErrors(100, 1, 10, 0.1);
        assertEquals(Ratio.Verdict.INCONCLUSIVE, oneFork.against(3), "one fork's interval never gives a verdict: " + oneFork);
        assertThrows(IllegalArgumentException.class, () -> Ratio.ofRatios(new double[] {1, -1}));
    }

    @Test
    void aSubsetRunSaysWhatItDidNotMeasure(@TempDir Path dir) throws Exception {
        Path json = write(dir, "subset.json", "[" + row("UncontendedLockBenchmark.mutex", "", 14, Double.NaN) + "]");
        BenchReport report = BenchReport.read(json);
        report.write(dir, "cmd", "box");
        String md = Files.readString(dir.resolve("benchmarks.md"));
        assertTrue(line(md, "handoff of ? doubles ≥ 10×").contains("| not in this run | not in this run | not in this run |"), md);
        assertTrue(Files.readString(dir.resolve("benchmarks.svg")).startsWith("<svg"));
    }

    /** A messaging throughput row: messages per second. */
    private static String rate(String transport, String size, double score, double error, String secondary) {
        return """
            {"jmhVersion":"1.37","benchmark":"io.shmkit.bench.MessagingBenchmark.receive","mode":"thrpt","threads":1,"forks":1,
             "warmupIterations":2,"warmupTime":"1 s","measurementIterations":5,"measurementTime":"1 s",
             "params":{"size":"%s","transport":"%s"},
             "primaryMetric":{"score":%s,"scoreError":%s,"scoreUnit":"ops/s","rawData":[[1.0,2.0]]}%s}
            """.formatted(size, transport, score, Double.isNaN(error) ? "\"NaN\"" : Double.toString(error), secondary);
    }

    @Test
    void messagingTargetsDivideShmkitsRateByTheOthersPairedByRound(@TempDir Path dir) throws Exception {
        Path main = write(dir, "main.json", "[" + String.join(",",
                rate("shmkitOffer", "32", 20e6, 0.5e6, ""), rate("agronaWrite", "32", 16e6, 0.4e6, ""),
                rate("shmkitOffer", "65536", 40e3, 1e3, ""), rate("agronaWrite", "65536", 30e3, 1e3, "")) + "]");
        Path rounds = Files.createDirectory(dir.resolve("rounds"));
        for (int k = 0; k < 5; k++) {
            double wobble = k % 2 == 0 ? 1.02 : 0.98;
            write(rounds, "round-" + (k + 1) + "-messaging.json", "[" + String.join(",",
                    rate("shmkitOffer", "32", 20e6 * wobble, Double.NaN, ""), rate("agronaWrite", "32", 16e6, Double.NaN, ""),
                    rate("aeronOffer", "32", 10e6, Double.NaN, ""), rate("shmkitMany2", "32", 5e6 * wobble, Double.NaN, ""),
                    rate("agronaMany2", "32", 6e6, Double.NaN, "")) + "]");
            write(rounds, "round-" + (k + 1) + "-messaging-claim.json", "[" + String.join(",",
                    rate("shmkitClaim", "65536", 50e3 * (k % 2 == 0 ? 1.3 : 0.8), Double.NaN, ""),
                    rate("agronaClaim", "65536", 50e3, Double.NaN, "")) + "]");
        }
        Path allocation = write(dir, "allocation.json", "[" + String.join(",",
                row("MessagingAllocationBenchmark.claimCommitThenRead", "", 20, 1).replace("\"rawData\":[[1.0,2.0]]}",
                        "\"rawData\":[[1.0,2.0]]},\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":0.0002,\"scoreError\":0.0001,\"scoreUnit\":\"B/op\"}}"),
                row("MessagingAllocationBenchmark.offerBytesThenRead", "", 25, 1).replace("\"rawData\":[[1.0,2.0]]}",
                        "\"rawData\":[[1.0,2.0]]},\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":24.0,\"scoreError\":0.1,\"scoreUnit\":\"B/op\"}}"))
                + "]");
        String md = BenchReport.read(main).withRounds(rounds).withAllocation(allocation).markdown("cmd", "box");

        String agrona = line(md, "32 B messages/s between JVMs: shmkit one-producer queue (`offer`) ≥ Agrona");
        Ratio expected = Ratio.ofRatios(new double[] {20.4 / 16, 19.6 / 16, 20.4 / 16, 19.6 / 16, 20.4 / 16});
        assertTrue(agrona.contains(expected.text()) && agrona.contains("5 paired rounds") && agrona.endsWith("| met |"), agrona);
        assertTrue(line(md, "32 B messages/s between JVMs: shmkit one-producer queue (`offer`) ≥ 1.5× Aeron")
                .endsWith("| met |"), md);
        assertTrue(line(md, "32 B messages/s, two producer JVMs").endsWith("| **missed** |"), md);
        assertTrue(line(md, "64 KiB MB/s, zero copy").endsWith("| inconclusive |"), md);

        // the tables: messages/s with errors, MB/s with the rate relative to shmkitOffer's
        assertTrue(md.contains("## Messaging throughput between JVMs"), md);
        assertTrue(md.contains("| transport | 32 B | 64 KiB |"), md);
        assertTrue(md.contains("| `shmkitOffer` | 20.00 M ± 0.50 M | 40.0 k ± 1.0 k |"), md);
        assertTrue(md.contains("| `agronaWrite` | 512 ± 12.8 (0.80×) | 1,966 ± 65.5 (0.75×) |"), md);

        // allocation: 0 B/op below 0.01, anything else missed, and the targets say so
        assertTrue(md.contains("| `claimCommitThenRead` | 0.0002 ± 0.0001 | 20.0 ± 1.00 | met |"), md);
        assertTrue(md.contains("| `offerBytesThenRead` | 24.0000 ± 0.1000 | 25.0 ± 1.00 | **missed** |"), md);
        assertTrue(md.contains("1 of 2 paths at 0 B/op (JMH's gc profiler; see the allocation table): **missed**."), md);
    }

    @Test
    void kernelWaitsOnTheFastPathAreJudgedWithinErrorPairedByRound(@TempDir Path dir) throws Exception {
        String mutex = "KernelWaitBenchmark.mutex";
        String queue = "KernelWaitBenchmark.queueOfferRead";
        Path main = write(dir, "main.json", "[" + String.join(",",
                row(mutex, "\"kernelWaits\":\"false\"", 14, 0.2), row(mutex, "\"kernelWaits\":\"true\"", 14.1, 0.2),
                row(queue, "\"kernelWaits\":\"false\"", 30, 0.5), row(queue, "\"kernelWaits\":\"true\"", 36, 0.5),
                row("KernelWaitBenchmark.readLock", "\"kernelWaits\":\"false\"", 20, 0.2),
                row("KernelWaitBenchmark.readLock", "\"kernelWaits\":\"true\"", 20, 0.2)) + "]");
        Path rounds = Files.createDirectory(dir.resolve("rounds"));
        for (int k = 0; k < 5; k++) {
            double wobble = k % 2 == 0 ? 1.02 : 0.98; // the mutex: on is as fast as off within ±2%; the queue: 20% slower
            write(rounds, "round-" + (k + 1) + "-wake.json", "[" + String.join(",",
                    row(mutex, "\"kernelWaits\":\"false\"", 14, Double.NaN), row(mutex, "\"kernelWaits\":\"true\"", 14 * wobble, Double.NaN),
                    row(queue, "\"kernelWaits\":\"false\"", 30, Double.NaN), row(queue, "\"kernelWaits\":\"true\"", 36 * wobble, Double.NaN))
                    + "]");
        }
        String md = BenchReport.read(main).withRounds(rounds).markdown("cmd", "box");
        String mutexRow = line(md, "uncontended mutex lock+unlock with kernel waits on");
        Ratio expected = Ratio.ofRatios(new double[] {1 / 1.02, 1 / 0.98, 1 / 1.02, 1 / 0.98, 1 / 1.02});
        assertTrue(mutexRow.contains(expected.text()) && mutexRow.contains("5 paired rounds") && mutexRow.endsWith("| met |"), mutexRow);
        assertTrue(line(md, "32-byte queue offer+read (one thread) with kernel waits on").endsWith("| **missed** |"), md);
        // the section: both values side by side, the targets' rows from the rounds, the others from the main run's errors
        assertTrue(md.contains("### The fast path with kernel waits on, nobody asleep"), md);
        assertTrue(line(md, "**`mutex`**").endsWith("| yes |"), md);
        assertTrue(line(md, "**`queueOfferRead`**").endsWith("| **no: slower** |"), md);
        String readLock = line(md, "`readLock`");
        assertTrue(readLock.contains("one run: delta method") && readLock.endsWith("| one fork: no verdict |"), readLock);
        assertTrue(!md.contains("## KernelWaitBenchmark"), "not in the generic tables too");
        assertEquals(Ratio.Verdict.INCONCLUSIVE, Ratio.fromErrors(14, 0.2, 14.1, 0.2).reaches(1), "one fork gives no verdict");
    }

    @Test
    void noCostIsANonInferiorityTestWithAFivePercentMarginNotAnIntervalThatMerelyIncludesOne() {
        Ratio tight = Ratio.ofRatios(new double[] {0.99, 1.01, 0.995, 1.005, 1.0});
        Ratio noisy = Ratio.ofRatios(new double[] {0.90, 1.08, 0.93, 1.06, 0.98}); // includes 1, and a 9% cost
        Ratio slower = Ratio.ofRatios(new double[] {0.85, 0.87, 0.86, 0.88, 0.84});
        assertEquals(Ratio.Verdict.MET, tight.reaches(1), tight.text());
        assertEquals(Ratio.Verdict.INCONCLUSIVE, noisy.reaches(1), noisy.text());
        assertEquals(Ratio.Verdict.MISSED, slower.reaches(1), slower.text());
    }

    @Test
    void aFileThatIsNotJmhOutputIsRefused(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bad.json");
        Files.writeString(json, "{\"benchmark\": 1}");
        assertThrows(IllegalArgumentException.class, () -> BenchReport.read(json));
        Files.writeString(json, "[{\"benchmark\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchReport.read(json));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
