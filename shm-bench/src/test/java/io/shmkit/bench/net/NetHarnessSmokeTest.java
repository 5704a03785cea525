package io.shmkit.bench.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network harness in smoke mode, in a JVM of its own with Aeron's flag as its command says:
 * every transport and size runs once, tiny, with its real peer processes and bridges, and the
 * report has a row for each. Never asserts a timing.
 */
class NetHarnessSmokeTest {
    @Test
    void everyTransportRunsOnceAndTheSectionIsWritten(@TempDir Path out) throws Exception {
        try (JvmProcess harness = JvmProcess.builder(NetHarness.class)
                .jvmOptions("--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
                .args("--smoke", "--out", out.toString()).captureOutput().start()) {
            harness.joinChecked(Duration.ofMinutes(5));
            String md = Files.readString(out.resolve("net.md"));
            for (String transport : NetHarness.TRANSPORTS) {
                for (int size : NetHarness.SIZES) {
                    assertTrue(md.contains("| " + transport + " | " + size + " B |"), transport + " " + size + ":\n" + md);
                }
            }
            List<String> rows = Files.readAllLines(out.resolve("net.tsv"));
            assertEquals(1 + NetHarness.TRANSPORTS.length * NetHarness.SIZES.length, rows.size(), String.join("\n", rows));
        }
    }
}
