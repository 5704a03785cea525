package io.shmkit.bench;

import io.shmkit.bench.ipc.ExclusiveGuard;
import io.shmkit.bench.ipc.LockTurns;
import java.util.concurrent.TimeUnit;
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
 * Uncontended, with the cache line moving: two JVMs take turns at a lock ({@link LockTurns}).
 * This JVM waits for its turn, locks, increments a shared counter, unlocks and hands the turn
 * to a peer JVM through a shared word; the peer does the same and hands it back. Nobody ever
 * waits for the lock, but every acquire finds its cache line in the other core's cache: the
 * common uncontended case between processes, which {@code UncontendedLockBenchmark} (one
 * process, the line always in its own cache) does not show.
 *
 * <p>Score: ns per turn (one lock + increment + unlock + hand-over; an invocation is a round of
 * two turns, this JVM's and the peer's). {@code noLock} is the same round without the lock: the
 * hand-over and the counter's line moving. A lock's cost per turn is its row minus
 * {@code noLock}. Rows: the shmkit mutex, {@code FileLock}, and the robust process-shared
 * pthread mutex ({@code turnPthreadMutex}, in a fork of its own with native access).
 *
 * <p>Why JMH and not the contention harness: the score is one steady-state time per turn, as
 * for the single-process rows, and JMH gives it forks, warm-up, error bars and a place in the
 * report; there is no distribution to record, since no turn ever waits for the lock. The peer
 * spins on the turn word, so the two JVMs need a core each.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar TurnTakingLock}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TurnTakingLockBenchmark {

    @State(Scope.Thread)
    public static class Turns {
        @Param({"noLock", "mutex", "fileLock"})
        public String lock;

        LockTurns turns;

        @Setup(Level.Trial)
        public void setUp() {
            turns = new LockTurns(lock);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            turns.close();
        }
    }

    /** The pthread rival: its own state, so that only its fork links native code. */
    @State(Scope.Thread)
    public static class PthreadTurns {
        LockTurns turns;

        @Setup(Level.Trial)
        public void setUp() {
            turns = new LockTurns(ExclusiveGuard.PTHREAD);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            turns.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public long turn(Turns state) {
        return state.turns.round();
    }

    @Benchmark
    @OperationsPerInvocation(2)
    @Fork(value = 1, jvmArgsAppend = BenchFlags.NATIVE) // keep value equal to the class's @Fork
    public long turnPthreadMutex(PthreadTurns state) {
        return state.turns.round();
    }
}
