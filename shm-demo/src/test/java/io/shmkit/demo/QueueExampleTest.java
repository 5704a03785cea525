package io.shmkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's two-JVM queue example runs, sums correctly, ends by end of stream, and leaves no segment. */
class QueueExampleTest {
    @Test
    void theProducerJvmsTicksAreSummedUntilEndOfStream() throws Exception {
        try (JvmProcess example = JvmProcess.builder(QueueExample.class).args("100000").start()) {
            assertTrue(example.join(Duration.ofMinutes(2)), example::output);
            assertEquals(0, example.exitCode(), example::output);
            assertTrue(example.output().contains("received 100,000 ticks from producer JVM"), example.output());
            assertTrue(example.output().contains("sum of prices: 49950000 (correct)"), example.output());
            try (var left = Files.list(Path.of("/dev/shm"))) {
                assertEquals(0, left.filter(p -> p.getFileName().toString().startsWith("shmkit-demo-" + example.pid())).count());
            }
        }
    }
}
