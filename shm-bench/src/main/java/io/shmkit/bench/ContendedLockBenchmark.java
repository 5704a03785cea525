package io.shmkit.bench;

import io.shmkit.bench.ipc.ContendedCounter;
import io.shmkit.bench.ipc.ExclusiveGuard;
import io.shmkit.bench.ipc.ReadMostlyPair;
import io.shmkit.bench.ipc.ThinkTime;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Locks under contention from a second JVM (started in {@code @Setup}) running the same loop.
 * <ul>
 *   <li>{@code increment}: both JVMs increment one shared counter under the lock. <b>The score
 *       is the increments of both JVMs together per µs</b>, read off the shared counter
 *       ({@link ContendedCounter#incrementBatch()}: one operation is one increment by either
 *       JVM), because that is what the users of a lock get: a lock that lets one JVM win
 *       94% of the turns by starving the other would score high on this JVM's own rate and
 *       say nothing of the peer. The secondary metrics {@code thisJvm} and {@code peerJvm}
 *       split the score between the two JVMs (they add up to it); each JVM's share is its
 *       rate ÷ the score. (A share cannot be a JMH counter itself: JMH sums event counters
 *       over iterations.) {@code thinkSteps} = {@value ThinkTime#STEPS} adds a fixed amount of
 *       work, about 200 ns, after each unlock on both sides, the load of a program that does
 *       something besides locking; 0 is the two JVMs doing nothing but fight for the lock.
 *       Kinds: every shm-sync exclusive lock and {@code FileLock};
 *       {@code incrementPthreadMutex} is the same for the robust process-shared pthread mutex,
 *       in a fork of its own with native access. Tear-down checks that no increment was
 *       lost.</li>
 *   <li>{@code readMostly}: both JVMs run a 95% read / 5% write mix on a pair guarded by the
 *       read/write lock, the seqlock or the mutex. Tear-down checks that no read saw a torn
 *       pair.</li>
 * </ul>
 * The acquire-latency distribution under contention (every acquire timed) and per-JVM
 * shares come from {@code io.shmkit.bench.locks.ContentionHarness}, not from JMH, whose
 * sampling mode would time only some operations and add its own overhead to them.
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

        @Param({"0", "" + ThinkTime.STEPS})
        public int thinkSteps;

        ContendedCounter counter;

        @Setup(Level.Trial)
        public void setUp() {
            counter = new ContendedCounter(lock, thinkSteps);
        }

        /** Counts from here: the peer's increments between iterations are no one's score. */
        @Setup(Level.Iteration)
        public void resync() {
            counter.resync();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            counter.close();
        }
    }

    /** The pthread rival's counter: its own state, so that only its fork links native code. */
    @State(Scope.Thread)
    public static class PthreadCounter {
        @Param({"0", "" + ThinkTime.STEPS})
        public int thinkSteps;

        ContendedCounter counter;

        @Setup(Level.Trial)
        public void setUp() {
            counter = new ContendedCounter(ExclusiveGuard.PTHREAD, thinkSteps);
        }

        @Setup(Level.Iteration)
        public void resync() {
            counter.resync();
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

    /**
     * The score split by JVM: increments by this JVM, and by the peer, per µs. JMH resets
     * public fields at each iteration; they must stay the only public members (JMH reports
     * every public non-void method of an {@code @AuxCounters} state as a counter too).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class PerJvm {
        public long thisJvm;
        public long peerJvm;

        void add(int mine) {
            thisJvm += mine;
            peerJvm += ContendedCounter.BATCH - mine;
        }
    }

    @Benchmark
    @OperationsPerInvocation(ContendedCounter.BATCH)
    public long increment(Counter state, PerJvm perJvm) {
        int mine = state.counter.incrementBatch();
        perJvm.add(mine);
        return mine;
    }

    @Benchmark
    @OperationsPerInvocation(ContendedCounter.BATCH)
    @Fork(value = 1, jvmArgsAppend = BenchFlags.NATIVE) // keep value equal to the class's @Fork
    public long incrementPthreadMutex(PthreadCounter state, PerJvm perJvm) {
        int mine = state.counter.incrementBatch();
        perJvm.add(mine);
        return mine;
    }

    @Benchmark
    public long readMostly(Pair state) {
        return state.pair.operate();
    }
}
