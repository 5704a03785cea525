package io.shmkit.bench;

import io.shmkit.bench.ipc.HandoffConsumer;
import java.io.IOException;
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
 * Array handoff between two JVMs: a producer JVM (started in {@code @Setup}) hands N doubles
 * to this JVM, which sums them. One operation is one request, the producer writing all n
 * doubles of that handoff (element i is i + seq), the delivery, and the consumer's sum, checked
 * against the exact expected value, so a transport that delivers stale, partial or torn data
 * fails instead of winning, and every transport moves freshly written data between cores.
 *
 * <p>Transports ({@link HandoffConsumer#TRANSPORTS}), in three groups that answer different
 * questions:
 * <ul>
 *   <li><b>zero copy</b>: {@code shmkit} (the producer writes into a shared array, a release
 *       store publishes, the consumer sums in place), and the same design written with other
 *       libraries, {@code agronaZeroCopy} ({@code UnsafeBuffer} over a mapped file) and
 *       {@code chronicleZeroCopy} ({@code MappedBytes}): shmkit's API against theirs;</li>
 *   <li><b>kernel copies</b>: {@code pipe} (a FIFO enlarged to 1 MiB, direct buffers),
 *       {@code serializedQueue} (Java serialization over that FIFO: Python's {@code Queue}
 *       with pickle), {@code unixSocket} (4 MiB buffers, blocking) and {@code unixSocketSpin}
 *       (non-blocking, busy-polling): shared memory against the kernel;</li>
 *   <li><b>copies through shared memory</b>: {@code agronaRingBuffer} and
 *       {@code chronicleBytes}, copy in and copy out, as a message-passing design does.</li>
 * </ul>
 * {@code localHeap} is no transport but the floor: this JVM writes the payload into its own
 * heap array and sums it, the same work with no second process.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar Handoff -p n=8388608}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2) // 2 s: at 8M doubles a kernel transport takes ~100 ms per handoff
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class HandoffBenchmark {
    @Param({"1024", "65536", "1048576", "8388608"})
    public int n;

    @Param({"localHeap", "shmkit", "agronaZeroCopy", "chronicleZeroCopy", "pipe", "serializedQueue", "unixSocket",
            "unixSocketSpin", "agronaRingBuffer", "chronicleBytes"})
    public String transport;

    private HandoffConsumer consumer;
    private long seq;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        consumer = HandoffConsumer.start(transport, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        consumer.close();
    }

    @Benchmark
    public double handoff() throws IOException {
        return consumer.handoff(++seq);
    }
}
