package io.shmkit.bench;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.MappedBytes;
import org.agrona.concurrent.UnsafeBuffer;
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
 * Element access to n doubles, one thread: a shmkit {@link SharedDoubleArray} through its API
 * ({@code get}/{@code set}, each checking the index and that the segment is open) and through
 * its zero-copy {@code asSegment()} view, against a heap {@code double[]}, an Agrona
 * {@link UnsafeBuffer} and a Chronicle {@link MappedBytes}, the last two mapping the same
 * shmkit segment file at its data offset. Each sum keeps four independent running sums, so
 * that the loop is bound by the accesses, not by the 4-cycle latency of one chain of dependent
 * floating-point additions (which would hide any access overhead behind it and make every
 * variant equal); a fill; and a sum at random indexes (the same four sums, indexes from a
 * fixed random permutation with repeats), where each access is a cache miss at n = 1M.
 *
 * <p>Mapping the file with Chronicle grows it to a whole number of pages (33,344 bytes became
 * 36,864 when tried), after which shmkit refuses to attach it again ("trailing bytes"): fine
 * for this segment, which only this benchmark uses and which tear-down removes, but a reason
 * not to map a live shmkit segment with Chronicle Bytes.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar ArrayAccess}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class ArrayAccessBenchmark {
    @Param({"4096", "1048576"})
    public int n;

    private final SegmentDirectory shm = BenchNames.shm();
    private final String name = BenchNames.unique("access");
    private SharedDoubleArray shared;
    private MemorySegment view;
    private double[] heap;
    private UnsafeBuffer agrona;
    private MappedBytes chronicle;
    private long chronicleBase;
    private int[] randomIndexes;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        shared = SharedDoubleArray.create(shm, name, n);
        view = shared.asSegment();
        heap = new double[n];
        for (int i = 0; i < n; i++) {
            heap[i] = i;
            shared.set(i, i);
        }
        long dataOffset = shared.info().dataOffset();
        Path file = shm.pathOf(name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, dataOffset + n * 8L);
            agrona = new UnsafeBuffer(mapped, (int) dataOffset, n * 8);
        }
        try {
            chronicle = MappedBytes.singleMappedBytes(file.toFile(), dataOffset + n * 8L);
            chronicle.singleThreadedCheckDisabled(true);
        } catch (FileNotFoundException e) {
            throw new IOException(e);
        }
        chronicleBase = dataOffset;
        randomIndexes = new SplittableRandom(42).ints(n, 0, n).toArray(); // n is a multiple of 4
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        chronicle.releaseLast();
        shared.close();
        shm.unlink(name);
    }

    @Benchmark
    public double sumShmkit() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) {
            s0 += shared.get(i);
            s1 += shared.get(i + 1);
            s2 += shared.get(i + 2);
            s3 += shared.get(i + 3);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double sumShmkitSegment() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) {
            s0 += view.getAtIndex(JAVA_DOUBLE, i);
            s1 += view.getAtIndex(JAVA_DOUBLE, i + 1);
            s2 += view.getAtIndex(JAVA_DOUBLE, i + 2);
            s3 += view.getAtIndex(JAVA_DOUBLE, i + 3);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double sumHeap() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i += 4) {
            s0 += heap[i];
            s1 += heap[i + 1];
            s2 += heap[i + 2];
            s3 += heap[i + 3];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double sumAgrona() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i += 4) {
            s0 += agrona.getDouble((i) * 8);
            s1 += agrona.getDouble((i + 1) * 8);
            s2 += agrona.getDouble((i + 2) * 8);
            s3 += agrona.getDouble((i + 3) * 8);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double sumChronicle() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) {
            s0 += chronicle.readDouble(chronicleBase + (i) * 8);
            s1 += chronicle.readDouble(chronicleBase + (i + 1) * 8);
            s2 += chronicle.readDouble(chronicleBase + (i + 2) * 8);
            s3 += chronicle.readDouble(chronicleBase + (i + 3) * 8);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public void fillShmkit() {
        for (long i = 0; i < n; i++) {
            shared.set(i, 1.5);
        }
    }

    @Benchmark
    public void fillShmkitSegment() {
        for (long i = 0; i < n; i++) {
            view.setAtIndex(JAVA_DOUBLE, i, 1.5);
        }
    }

    @Benchmark
    public void fillHeap() {
        for (int i = 0; i < n; i++) {
            heap[i] = 1.5;
        }
    }

    @Benchmark
    public void fillAgrona() {
        for (int i = 0; i < n; i++) {
            agrona.putDouble(i * 8, 1.5);
        }
    }

    @Benchmark
    public void fillChronicle() {
        for (long i = 0; i < n; i++) {
            chronicle.writeDouble(chronicleBase + i * 8, 1.5);
        }
    }

    @Benchmark
    public double randomSumShmkit() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int[] at = randomIndexes;
        for (int i = 0; i < at.length; i += 4) {
            s0 += shared.get(at[i]);
            s1 += shared.get(at[i + 1]);
            s2 += shared.get(at[i + 2]);
            s3 += shared.get(at[i + 3]);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double randomSumShmkitSegment() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int[] at = randomIndexes;
        for (int i = 0; i < at.length; i += 4) {
            s0 += view.getAtIndex(JAVA_DOUBLE, at[i]);
            s1 += view.getAtIndex(JAVA_DOUBLE, at[i + 1]);
            s2 += view.getAtIndex(JAVA_DOUBLE, at[i + 2]);
            s3 += view.getAtIndex(JAVA_DOUBLE, at[i + 3]);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double randomSumHeap() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int[] at = randomIndexes;
        for (int i = 0; i < at.length; i += 4) {
            s0 += heap[at[i]];
            s1 += heap[at[i + 1]];
            s2 += heap[at[i + 2]];
            s3 += heap[at[i + 3]];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Benchmark
    public double randomSumAgrona() {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int[] at = randomIndexes;
        for (int i = 0; i < at.length; i += 4) {
            s0 += agrona.getDouble(at[i] * 8);
            s1 += agrona.getDouble(at[i + 1] * 8);
            s2 += agrona.getDouble(at[i + 2] * 8);
            s3 += agrona.getDouble(at[i + 3] * 8);
        }
        return (s0 + s1) + (s2 + s3);
    }
}
