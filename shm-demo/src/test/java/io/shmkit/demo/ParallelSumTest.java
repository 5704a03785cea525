package io.shmkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ParallelSumTest {
    @Test
    void aWarmPoolSumsTheSharedArrayCorrectlyAndLeavesNoSegmentBehind() throws Exception {
        Set<String> before = shmNames();
        try (JvmProcess demo = JvmProcess.builder(ParallelSum.class).args("3", "100001", "2", "2").captureOutput().start()) {
            demo.joinChecked(Duration.ofMinutes(3));
            String out = demo.output();
            assertTrue(out.contains("one JVM:") && out.contains("totals correct"), out);
            assertTrue(out.contains("warm pool of 2 worker JVMs:") && out.contains("totals correct: [5000150001, 5000150001, 5000150001]"), out);
            assertTrue(out.contains("speedup of the warm pool:"), out);
            assertTrue(out.contains("pool start-up (cold, shown apart"), out);
            assertTrue(out.contains("bytes of the data copied between processes: 0"), out);
        }
        Set<String> after = shmNames();
        after.removeAll(before);
        assertEquals(Set.of(), after.stream().filter(n -> n.startsWith("numbers-") || n.startsWith("pool-")).collect(Collectors.toSet()));
    }

    private static Set<String> shmNames() throws java.io.IOException {
        try (var files = Files.list(Path.of("/dev/shm"))) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
