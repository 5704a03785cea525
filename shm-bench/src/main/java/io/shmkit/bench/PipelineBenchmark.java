package io.shmkit.bench;

import io.shmkit.demo.pipeline.PipePipeline;
import io.shmkit.demo.pipeline.PipelineRun;
import io.shmkit.demo.pipeline.SharedMemoryPipeline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * shm-demo's three-JVM numeric pipeline (generator in this fork, transform and reducer in two
 * child JVMs), over shared memory and over pipes with serialization. The score is the time per
 * block of {@value #DOUBLES} doubles (524,288 bytes), from generation to the reducer's fold, in
 * microseconds: the throughput in GB/s is 524.288 divided by the score. Both
 * transports run the same generation, transform and reduction loops (shm-demo's {@code Blocks});
 * only how a block moves differs. By hand: {@code java -jar shm-bench/target/benchmarks.jar Pipeline}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {
    static final int DOUBLES = 65536;
    static final int BATCH = 16;

    @Param({"sharedMemory", "pipes"})
    public String transport;

    private PipelineRun run;

    @Setup
    public void start() throws Exception {
        run = transport.equals("pipes") ? new PipePipeline(DOUBLES) : new SharedMemoryPipeline(DOUBLES, 32, Duration.ZERO);
    }

    @TearDown
    public void stop() throws Exception {
        run.finish();
        run.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void block() throws Exception {
        run.push(BATCH);
    }
}
