package io.shmkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.demo.pipeline.Blocks;
import io.shmkit.demo.pipeline.PipePipeline;
import io.shmkit.demo.pipeline.SharedMemoryPipeline;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The three-JVM pipeline, over shared memory and over pipes: its result, and its back-pressure. */
class PipelineTest {
    private static final int SIZE = 4096;

    @Test
    void bothTransportsComputeWhatOneJvmComputes() throws Exception {
        Blocks.Stats expected = Blocks.inOneJvm(300, SIZE);
        try (var shm = new SharedMemoryPipeline(SIZE, 8, Duration.ZERO)) {
            shm.push(100);
            shm.push(200);
            assertEquals(expected, shm.finish());
        }
        try (var pipes = new PipePipeline(SIZE)) {
            pipes.push(100);
            pipes.push(200);
            assertEquals(expected, pipes.finish());
        }
        assertEquals(300 * SIZE, expected.count());
        assertTrue(Math.abs(expected.sum()) < 1e-6 * expected.count(), "normalized blocks sum to about 0: " + expected);
    }

    @Test
    void aSlowReducerSlowsTheGeneratorAndNothingIsDropped() throws Exception {
        int buffers = 4;
        try (var shm = new SharedMemoryPipeline(SIZE, buffers, Duration.ofMillis(5))) {
            // push returns once the reducer has folded the block in: both stage JVMs are up. Without this, the generator
            // would fill every buffer while they start, and the assertion below would hold whatever the reducer's pace.
            shm.push(1);
            assertTrue(shm.mostInFlight() <= 1, "one block in flight during start-up, no buffer filled ahead: " + shm.mostInFlight());
            shm.push(59);
            // the generator never got more than the pool of buffers ahead of the reducer: it waited for free buffers
            assertTrue(shm.mostInFlight() <= buffers, "in flight: " + shm.mostInFlight() + " of " + buffers + " buffers");
            // and it got that far ahead while both stages ran, not while they started: with every buffer taken, the next
            // block had to wait for the reducer to free one
            assertEquals(buffers, shm.mostInFlight(), "the generator filled every buffer while the reducer lagged");
            assertEquals(Blocks.inOneJvm(60, SIZE), shm.finish(), "every block reduced, once, in order");
        }
    }
}
