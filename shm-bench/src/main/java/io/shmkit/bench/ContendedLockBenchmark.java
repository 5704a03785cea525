package io.shmkit.bench;

import io.shmkit.bench.ipc.ContendedCounter;
import io.shmkit.bench.ipc.ReadMostlyPair;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Locks under contention from a second JVM (started in {@code @Setup}) running the same loop.
 * The score is this JVM's operations per microsecond while the peer competes. The locks are
 * not fair, so one JVM may win most of an iteration; {@code increment:bothJvms} therefore also
 * reports the increments both JVMs made together, read off the shared counter.
 * <ul>
 *   <li>{@code increment}: both JVMs increment one shared counter under the lock, as fast as
 *       they can. Kinds: every shm-sync exclusive lock and {@code FileLock}. Tear-down checks
 *       that no increment was lost.</li>
 *   <li>{@code readMostly}: both JVMs run a 95% read / 5% write mix on a pair guarded by the
 *       read/write lock, the seqlock or the mutex. Tear-down checks that no read saw a torn
 *       pair.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar ContendedLock}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ContendedLockBenchmark {

    @State(Scope.Thread)
    public static class Counter {
        @Param({"mutex", "reentrant", "writeLock", "semaphore", "fileLock"})
        public String lock;

        ContendedCounter counter;

        @Setup(Level.Trial)
        public void setUp() {
            counter = new ContendedCounter(lock);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            counter.close();
        }
    }

    @State(Scope.Thread)
    public static class Pair {
        @Param({"rwLock", "seqLock", "mutex"})
        public String guard;

        ReadMostlyPair pair;

        @Setup(Level.Trial)
        public void setUp() {
            pair = new ReadMostlyPair(guard);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pair.close();
        }
    }

    /** Increments by both JVMs during the iteration, from the shared counter's value. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class BothJvms {
        public long bothJvms;
        long start;

        @Setup(Level.Iteration)
        public void reset() {
            bothJvms = 0;
            start = -1;
        }
    }

    @Benchmark
    public void increment(Counter state, BothJvms both) {
        long value = state.counter.increment();
        if (both.start < 0) {
            both.start = value - 1;
        }
        both.bothJvms = value - both.start;
    }

    @Benchmark
    public long readMostly(Pair state) {
        return state.pair.operate();
    }
}
