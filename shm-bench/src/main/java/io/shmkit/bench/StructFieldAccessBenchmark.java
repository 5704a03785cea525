package io.shmkit.bench;

import io.shmkit.core.Layouts;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SharedStructArray;
import io.shmkit.core.StructField;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
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
 * Does shmkit's typed access cost anything over hand-written FFM offsets? One pass over
 * {@code size} Point(x, y) structs in a /dev/shm segment (64 Ki structs = 1 MiB, cache-resident
 * so that access overhead, not memory bandwidth, is measured). Compare within one run:
 * {@code fieldSum / handWrittenSum} and {@code fieldScale / handWrittenScale} are the overhead
 * of a {@link StructField} held in a static final, {@code fieldScaleNotStatic} shows what
 * holding it elsewhere costs in a loop that stores; {@code recordSum}
 * shows the allocating record path; {@code arraySum / rawArraySum} the same question for
 * {@link SharedDoubleArray}.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar StructFieldAccess}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StructFieldAccessBenchmark {
    public record Point(double x, double y) {}

    /** As the docs say: field accessors live in static finals, like VarHandles. */
    private static final StructField.OfDouble X = StructField.ofDouble(Point.class, "x");
    /** FFM's own idiom for the same field: a static final VarHandle from the layout. */
    private static final VarHandle X_HANDLE = Layouts.of(Point.class).varHandle(MemoryLayout.PathElement.groupElement("x"));

    @Param({"65536"})
    public int size;

    private SegmentDirectory shm;
    private String pointsName;
    private String arrayName;
    private SharedStructArray<Point> points;
    private SharedDoubleArray doubles;
    private StructField.OfDouble xInField;
    private MemorySegment pointsRaw;
    private MemorySegment doublesRaw;

    @Setup(Level.Trial)
    public void setUp() {
        shm = SegmentDirectory.shm();
        pointsName = "shmkit-bench-points-" + ProcessHandle.current().pid();
        arrayName = "shmkit-bench-doubles-" + ProcessHandle.current().pid();
        points = SharedStructArray.create(shm, pointsName, Point.class, size);
        doubles = SharedDoubleArray.create(shm, arrayName, size);
        for (int i = 0; i < size; i++) {
            points.set(i, new Point(i, -i));
            doubles.set(i, i);
        }
        xInField = StructField.ofDouble(Point.class, "x");
        pointsRaw = points.asSegment();
        doublesRaw = doubles.asSegment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        points.close();
        doubles.close();
        shm.unlink(pointsName);
        shm.unlink(arrayName);
    }

    @Benchmark
    public double fieldSum() {
        SharedStructArray<Point> array = points;
        long n = array.length();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += X.get(array, i);
            s1 += X.get(array, (i + 1));
            s2 += X.get(array, (i + 2));
            s3 += X.get(array, (i + 3));
        }
        return (s0 + s1) + (s2 + s3);
    }


    @Benchmark
    public double handWrittenSum() {
        MemorySegment segment = pointsRaw;
        long n = size;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += segment.get(ValueLayout.JAVA_DOUBLE, i * 16);
            s1 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 1) * 16);
            s2 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 2) * 16);
            s3 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 3) * 16);
        }
        return (s0 + s1) + (s2 + s3);
    }


    @Benchmark
    public double layoutVarHandleSum() {
        MemorySegment segment = pointsRaw;
        long n = size;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += (double) X_HANDLE.get(segment, i * 16);
            s1 += (double) X_HANDLE.get(segment, (i + 1) * 16);
            s2 += (double) X_HANDLE.get(segment, (i + 2) * 16);
            s3 += (double) X_HANDLE.get(segment, (i + 3) * 16);
        }
        return (s0 + s1) + (s2 + s3);
    }


    @Benchmark
    public double recordSum() {
        SharedStructArray<Point> array = points;
        long n = array.length();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += array.get(i).x();
            s1 += array.get((i + 1)).x();
            s2 += array.get((i + 2)).x();
            s3 += array.get((i + 3)).x();
        }
        return (s0 + s1) + (s2 + s3);
    }


    @Benchmark
    public void fieldScale() {
        SharedStructArray<Point> array = points;
        long n = array.length();
        for (long i = 0; i < n; i++) {
            X.set(array, i, X.get(array, i) * 1.0000001);
        }
    }

    /** The same loop with the accessor in an instance field: what not following the docs costs. */
    @Benchmark
    public void fieldScaleNotStatic() {
        SharedStructArray<Point> array = points;
        StructField.OfDouble field = xInField;
        long n = array.length();
        for (long i = 0; i < n; i++) {
            field.set(array, i, field.get(array, i) * 1.0000001);
        }
    }

    @Benchmark
    public void handWrittenScale() {
        MemorySegment segment = pointsRaw;
        long n = size;
        for (long i = 0; i < n; i++) {
            long offset = i * 16;
            segment.set(ValueLayout.JAVA_DOUBLE, offset, segment.get(ValueLayout.JAVA_DOUBLE, offset) * 1.0000001);
        }
    }

    @Benchmark
    public double arraySum() {
        SharedDoubleArray array = doubles;
        long n = array.length();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += array.get(i);
            s1 += array.get((i + 1));
            s2 += array.get((i + 2));
            s3 += array.get((i + 3));
        }
        return (s0 + s1) + (s2 + s3);
    }


    @Benchmark
    public double rawArraySum() {
        MemorySegment segment = doublesRaw;
        long n = size;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long i = 0; i < n; i += 4) { // n is a multiple of 4
            s0 += segment.get(ValueLayout.JAVA_DOUBLE, i * 8);
            s1 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 1) * 8);
            s2 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 2) * 8);
            s3 += segment.get(ValueLayout.JAVA_DOUBLE, (i + 3) * 8);
        }
        return (s0 + s1) + (s2 + s3);
    }

}
