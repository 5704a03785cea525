package io.shmkit.bench.locks;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.ExclusiveGuard;
import io.shmkit.bench.ipc.ThinkTime;
import io.shmkit.core.SharedLongArray;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.HdrHistogram.Histogram;

/**
 * One of the two JVMs of a {@link ContentionHarness} run, started by the harness:
 * {@code ContentionWorker <lock kind> <control segment> <A|B> <think steps>}.
 *
 * <p>Worker A creates the lock, B opens it once A is ready. Both then follow the phase word
 * the harness sets in the control segment: warm-up, measurement, stop. In both running phases
 * each loops: read {@code nanoTime}, {@code lock()}, read {@code nanoTime} (the difference is
 * the acquire latency), increment the shared counter, {@code unlock()}, record the latency in
 * an HdrHistogram, then the think work if any. The warm-up runs the same code into the same
 * histogram, which is then cleared, so that the measurement runs compiled code. At stop it
 * prints one line to stdout, {@code RESULT <allOps> <ops> <startNanos> <endNanos> <recoveries>
 * <pid> <sink> <histogram>}, the histogram compressed and in Base64, and exits.
 */
public final class ContentionWorker {
    static final String RESULT = "RESULT";
    static final String CREATOR = "A";
    /** Control words, a cache line (and more) apart so that phase reads do not share the counter's line. */
    static final int COUNTER = 0;
    static final int PHASE = 16;
    static final int READY = 32;
    static final int CONTROL_WORDS = 48;
    static final long STARTING = 0;
    static final long WARMUP = 1;
    static final long MEASURE = 2;
    static final long STOP = 3;
    /** Longest acquire recorded as itself: longer ones (10 s) are recorded as this. */
    static final long HIGHEST_NANOS = 10_000_000_000L;
    private static final long START_TIMEOUT_NANOS = 120_000_000_000L;

    private final SharedLongArray control;
    private final ExclusiveGuard guard;
    private final int thinkSteps;
    private final Histogram histogram = new Histogram(HIGHEST_NANOS, 3);
    private long sink;

    private ContentionWorker(SharedLongArray control, ExclusiveGuard guard, int thinkSteps) {
        this.control = control;
        this.guard = guard;
        this.thinkSteps = thinkSteps;
    }

    public static void main(String[] args) throws InterruptedException {
        PrintStream stdout = System.out;
        System.setOut(System.err); // nothing but the result line reaches stdout
        String kind = args[0];
        String name = args[1];
        boolean creator = args[2].equals(CREATOR);
        int thinkSteps = Integer.parseInt(args[3]);
        try (SharedLongArray control = SharedLongArray.open(BenchNames.shm(), name)) {
            if (!creator) {
                await(control, READY, 1); // the creator has made (and initialised) the lock
            }
            try (ExclusiveGuard guard = ExclusiveGuard.of(kind, ContentionHarness.lockName(name), creator)) {
                control.getAndAdd(READY, 1);
                await(control, PHASE, WARMUP);
                ContentionWorker worker = new ContentionWorker(control, guard, thinkSteps);
                long warm = worker.run(WARMUP);
                worker.histogram.reset();
                long start = System.nanoTime();
                long measured = worker.run(MEASURE);
                long end = System.nanoTime();
                String histogram = encode(worker.histogram);
                stdout.println(String.join(" ", RESULT, Long.toString(warm + measured), Long.toString(measured),
                        Long.toString(start), Long.toString(end), Long.toString(guard.recoveries()),
                        Long.toString(ProcessHandle.current().pid()), Long.toString(worker.sink), histogram));
                stdout.flush();
            }
        }
        System.exit(0);
    }

    /** Lock, increment, unlock (and think) while the phase lasts; returns the increments made. */
    private long run(long phase) {
        long ops = 0;
        // the phase word's line is written only at phase changes: this read hits this core's cache
        while (control.getAcquire(PHASE) == phase) {
            long start = System.nanoTime();
            guard.lock();
            long acquired = System.nanoTime();
            long value;
            try {
                value = control.get(COUNTER) + 1;
                control.set(COUNTER, value);
            } finally {
                guard.unlock();
            }
            histogram.recordValue(Math.min(acquired - start, HIGHEST_NANOS));
            ops++;
            if (thinkSteps > 0) {
                sink += ThinkTime.work(value, thinkSteps);
            }
        }
        return ops;
    }

    /** Waits, sleeping, until {@code word} reaches {@code value}: nothing here is timed. */
    private static void await(SharedLongArray control, int word, long value) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (control.getVolatile(word) < value) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the harness did not start this worker within 120 s");
            }
            Thread.sleep(1);
        }
    }

    static String encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("not a compressed histogram", e);
        }
    }
}
