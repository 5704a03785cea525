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

/** The report's arithmetic, on a JMH result file written by hand. */
class BenchReportTest {

    private static String row(String benchmark, String mode, String params, double score, String extra) {
        return """
            {"jmhVersion":"1.37","benchmark":"io.shmkit.bench.%s","mode":"%s","threads":1,"forks":1,
             "jdkVersion":"25.0.3","vmName":"OpenJDK 64-Bit Server VM","vmVersion":"25.0.3+9",
             "warmupIterations":3,"warmupTime":"1 s","measurementIterations":5,"measurementTime":"1 s",
             "params":{%s},
             "primaryMetric":{"score":%s,"scoreError":"NaN","scoreUnit":"us/op"%s,"rawData":[[1.0,2.0]]}}
            """.formatted(benchmark, mode, params, score, extra);
    }

    private static String pings(double shmkitP50, double agronaP50) {
        String shm = ",\"scorePercentiles\":{\"50.0\":%s,\"90.0\":400.0,\"99.0\":900.0,\"99.9\":5000.0}".formatted(shmkitP50);
        String agr = ",\"scorePercentiles\":{\"50.0\":%s,\"90.0\":500.0,\"99.0\":700.0,\"99.9\":4000.0}".formatted(agronaP50);
        return row("PingPongBenchmark.roundTrip", "sample", "\"transport\":\"shmkit\"", 900, shm) + ","
                + row("PingPongBenchmark.roundTrip", "sample", "\"transport\":\"agronaRingBuffers\"", 800, agr);
    }

    private static Path file(Path dir, double pipe, double serialized, double sumShmkit, double p50) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String n : new String[] {"1024", "8388608"}) {
            double scale = n.equals("1024") ? 0.001 : 1;
            rows.add(row("HandoffBenchmark.handoff", "avgt", "\"n\":\"" + n + "\",\"transport\":\"shmkit\"", 8000 * scale, ""));
            rows.add(row("HandoffBenchmark.handoff", "avgt", "\"n\":\"" + n + "\",\"transport\":\"pipe\"", pipe * scale, ""));
            rows.add(row("HandoffBenchmark.handoff", "avgt", "\"n\":\"" + n + "\",\"transport\":\"serializedQueue\"", serialized * scale, ""));
        }
        rows.add(row("ArrayAccessBenchmark.sumShmkit", "avgt", "\"n\":\"1048576\"", sumShmkit, ""));
        rows.add(row("ArrayAccessBenchmark.sumHeap", "avgt", "\"n\":\"1048576\"", 1000, ""));
        rows.add(row("ArrayAccessBenchmark.sumAgrona", "avgt", "\"n\":\"1048576\"", 1000, ""));
        rows.add(pings(p50, 384));
        rows.add(row("UncontendedLockBenchmark.mutex", "avgt", "", 14, ""));
        rows.add(row("UncontendedLockBenchmark.fileLock", "avgt", "", 731, ""));
        Path json = dir.resolve("r" + System.nanoTime() + ".json");
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        return json;
    }

    @Test
    void targetsAreRatiosWithinTheFile(@TempDir Path dir) throws Exception {
        BenchReport report = BenchReport.read(file(dir, 160_000, 200_000, 1000, 325));
        String md = report.markdown("cmd", "box");
        assertTrue(md.contains("| handoff of 8388608 doubles ≥ 10× faster than the pipe | 20.00× | met |"), md);
        assertTrue(md.contains("| handoff of 8388608 doubles ≥ 30× faster than the serialized queue | 25.00× | **missed** |"), md);
        assertTrue(md.contains("the speed of a heap `double[]` | 1.00× | met |"), md);
        assertTrue(md.contains("(325 ns vs 384 ns) | 1.18× | met |"), md);
        assertTrue(md.contains("faster than `FileLock` | 52.21× | met |"), md);
        assertTrue(md.contains("| 8388608 | 8,000 | 160,000 (20.0×) | 200,000 (25.0×) |"), md);
        assertTrue(md.contains("| shmkit | 325 | 400 | 900 | 5,000 | 900 | 2 |"), md);
        assertEquals(13, report.size());
    }

    @Test
    void missedTargetsSayMissed(@TempDir Path dir) throws Exception {
        String md = BenchReport.read(file(dir, 50_000, 400_000, 1100, 400)).markdown("cmd", "box");
        assertTrue(md.contains("faster than the pipe | 6.25× | **missed** |"), md);
        assertTrue(md.contains("faster than the serialized queue | 50.00× | met |"), md);
        assertTrue(md.contains("the speed of a heap `double[]` | 0.91× | **missed** |"), md);
        assertTrue(md.contains("(400 ns vs 384 ns) | 0.96× | **missed** |"), md);
    }

    @Test
    void aSubsetRunSaysWhatItDidNotMeasure(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("subset.json");
        Files.writeString(json, "[" + pings(300, 384) + "]");
        BenchReport report = BenchReport.read(json);
        report.write(dir, "cmd", "box");
        String md = Files.readString(dir.resolve("benchmarks.md"));
        assertTrue(md.contains("faster than the pipe | not in this run |"), md);
        assertTrue(md.contains("(300 ns vs 384 ns) | 1.28× | met |"), md);
        String svg = Files.readString(dir.resolve("benchmarks.svg"));
        assertTrue(svg.contains("ping-pong") && svg.contains("<title>shmkit p50: 300</title>"), svg);
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
