package io.shmkit.bench;

import io.shmkit.pool.Pool;
import io.shmkit.pool.Task;
import java.util.Collections;
import java.util.List;
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
 * The pool's cost per task, for a task that does nothing: what shm-pool adds to any task, to
 * compare with Python's {@code multiprocessing.Pool} on the same task
 * ({@code tools/bench/pool_overhead.py} measures that, the same two ways).
 *
 * <ul>
 *   <li>{@code roundTrip}: {@code submit(Empty, 0).get()}, one task at a time: the latency of a
 *       task through the pool and back (Python: {@code pool.apply_async(f, (0,)).get()}).</li>
 *   <li>{@code mapOneByOne}: {@code map(Empty, 1000 arguments, chunkSize 1)}, per task: the
 *       throughput when tasks queue up (Python: {@code pool.map(f, range(1000), chunksize=1)}).</li>
 * </ul>
 *
 * <p>The pool's worker JVMs start once per fork and are warmed up before measurement; no JVM
 * flag is set (shm-pool needs none). By hand:
 * {@code java -jar shm-bench/target/benchmarks.jar PoolTask}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PoolTaskBenchmark {
    static final int BATCH = 1000;

    /** Does nothing: the pool's cost alone. */
    public static final class Empty implements Task<Integer, Integer> {
        @Override
        public Integer apply(Integer x) {
            return x;
        }
    }

    @Param({"1", "2"})
    public int workers;

    private Pool pool;
    private final List<Integer> batch = Collections.nCopies(BATCH, 0);

    @Setup
    public void start() throws InterruptedException {
        pool = Pool.builder().workers(workers).warmUp(Empty.class, 0, 20_000).start();
    }

    @TearDown
    public void close() {
        pool.close();
    }

    @Benchmark
    public Integer roundTrip() throws Exception {
        return pool.submit(Empty.class, 0).get();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<Integer> mapOneByOne() throws InterruptedException {
        return pool.map(Empty.class, batch, 1);
    }
}
