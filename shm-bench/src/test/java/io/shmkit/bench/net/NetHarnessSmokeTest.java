package io.shmkit.bench.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.latency.LatencyHarnessSmokeTest;
import io.shmkit.process.JvmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network harness in smoke mode, in a JVM of its own with Aeron's flag as its command says:
 * every transport and size runs once, tiny, with its real peer processes and bridges, and the
 * report has a row for each; it leaves nothing in the shared-memory directory (and what a
 * failing run leaves is removed). Never asserts a timing.
 */
class NetHarnessSmokeTest {
    @Test
    void everyTransportRunsOnceAndTheSectionIsWritten(@TempDir Path out) throws Exception {
        Set<String> before = LatencyHarnessSmokeTest.benchFiles();
        Set<String> left;
        try (JvmProcess harness = JvmProcess.builder(NetHarness.class)
                .jvmOptions("--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
                .args("--smoke", "--out", out.toString()).captureOutput().start()) {
            harness.joinChecked(Duration.ofMinutes(5));
        } finally {
            left = LatencyHarnessSmokeTest.orphans(before);
            for (String name : left) {
                deleteTree(BenchNames.shm().path().resolve(name));
            }
        }
        assertEquals(Set.of(), left, "the harness left these in " + BenchNames.shm().path());
        String md = Files.readString(out.resolve("net.md"));
        for (String transport : NetHarness.TRANSPORTS) {
            for (int size : NetHarness.SIZES) {
                assertTrue(md.contains("| " + transport + " | " + size + " B |"), transport + " " + size + ":\n" + md);
            }
        }
        List<String> rows = Files.readAllLines(out.resolve("net.tsv"));
        assertEquals(1 + NetHarness.TRANSPORTS.length * NetHarness.SIZES.length, rows.size(), String.join("\n", rows));
    }

    private static void deleteTree(Path path) throws IOException {
        try (var all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
