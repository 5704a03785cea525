package io.shmkit.bench;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.PthreadMutex;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.sync.LockOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One uncontended acquire and release of every shm-sync lock, one thread, one process (the
 * methods of {@link SharedLockBenchmarks}, with the default options), against the JDK's
 * inter-process lock ({@link FileLock} on a file in /dev/shm), the native
 * inter-process lock (a robust process-shared pthread mutex in a mapped file,
 * {@link PthreadMutex}) and an in-JVM {@link ReentrantLock} for reference. The seqlock rows
 * are an optimistic read of a two-double struct (stamp, copy, validate) and a write of it.
 * Compare as ratios within one run.
 *
 * <p>The pthread rows run in forks of their own with {@code --enable-native-access} (their
 * own {@code @Fork}): every other row's fork runs shmkit without any flag. {@code pthreadMutex}
 * is the mutex as {@link PthreadMutex} calls it, a critical trylock and a critical unlock;
 * {@code pthreadMutexPlainDowncalls} makes the same calls as normal downcalls, to show what the
 * critical calls save (see {@link PthreadMutex} for why only these calls may be critical).
 * The cache line never leaves this core here; {@code TurnTakingLockBenchmark} moves it.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar UncontendedLock}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UncontendedLockBenchmark extends SharedLockBenchmarks {
    private final String prefix = "shmkit-bench-lock-" + ProcessHandle.current().pid() + "-";
    private SegmentDirectory shm;
    private final ReentrantLock jdkLock = new ReentrantLock();
    private static final VarHandle FLOOR_WORD = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    private SharedLongArray floor;
    private MemorySegment floorWord;
    private Path lockFile;
    private FileChannel channel;

    /** The pthread mutex: its own state, so that only the pthread rows' forks link native code. */
    @State(Scope.Thread)
    public static class Pthread {
        Path file;
        PthreadMutex mutex;

        @Setup(Level.Trial)
        public void setUp() {
            file = BenchNames.file(BenchNames.unique("pthread"));
            mutex = PthreadMutex.create(file);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            mutex.close();
            BenchNames.deleteQuietly(file);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        shm = SegmentDirectory.shm();
        openLocks(shm, prefix, LockOptions.DEFAULT);
        floor = SharedLongArray.create(shm, prefix + "floor", 8);
        floorWord = floor.asSegment();
        lockFile = shm.path().resolve(prefix + "filelock");
        channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        closeLocks();
        shm.unlink(prefix + "floor");
        floor.close();
        channel.close();
        Files.deleteIfExists(lockFile);
    }

    /**
     * The floor under any lock in shared memory: one CAS that takes a word and one release
     * store that frees it, with no owner check, no thread record and no recovery.
     */
    @Benchmark
    public void casFloor() {
        if (!(boolean) FLOOR_WORD.compareAndSet(floorWord, 0L, 0L, 1L)) {
            throw new IllegalStateException("the floor word was not free");
        }
        FLOOR_WORD.setRelease(floorWord, 0L, 0L);
    }

    @Benchmark
    public void jdkReentrantLock() {
        jdkLock.lock();
        jdkLock.unlock();
    }

    @Benchmark
    public void fileLock() throws IOException {
        FileLock lock = channel.lock();
        lock.release();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = BenchFlags.NATIVE) // keep value equal to the class's @Fork
    public void pthreadMutex(Pthread state) {
        state.mutex.lock();
        state.mutex.unlock();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = BenchFlags.NATIVE) // keep value equal to the class's @Fork
    public void pthreadMutexPlainDowncalls(Pthread state) {
        state.mutex.lockPlain();
        state.mutex.unlockPlain();
    }
}
