package io.shmkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ParallelSumTest {
    @Test
    void threeWorkerJvmsSumTheSharedArrayAndLeaveNoSegmentBehind() throws Exception {
        try (JvmProcess demo = JvmProcess.builder(ParallelSum.class).args("3", "100001").start()) {
            assertTrue(demo.join(Duration.ofMinutes(2)), demo::output);
            assertEquals(0, demo.exitCode(), demo::output);
            assertTrue(demo.output().contains("total from 3 worker JVMs:  5000150001 (correct)"), demo.output());
            assertTrue(demo.output().contains("0 bytes through pipes"), demo.output());
            try (var left = Files.list(Path.of("/dev/shm"))) {
                assertEquals(0, left.filter(p -> p.getFileName().toString().startsWith("shmkit-demo-" + demo.pid())).count());
            }
        }
    }
}
