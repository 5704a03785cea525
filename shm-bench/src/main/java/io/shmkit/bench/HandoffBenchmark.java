package io.shmkit.bench;

import io.shmkit.bench.ipc.HandoffConsumer;
import io.shmkit.bench.ipc.Payload;
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
 * to this JVM, which sums them. One operation is one request, one delivery and the sum, with
 * the sum checked against what the producer sent, so a transport that delivers stale or
 * partial data fails instead of winning.
 *
 * <p>Transports: {@code shmkit} (zero copy: the producer's doubles already live in a shared
 * array, handing over is a release store of a sequence number and the sum reads the shared
 * array in place); {@code pipe} (the producer's stdout, raw bytes); {@code unixSocket};
 * {@code serializedQueue} (Java serialization of the {@code double[]} over a pipe, what
 * Python's {@code Queue} does with pickle); {@code agronaRingBuffer} (Agrona
 * OneToOneRingBuffer in a shared file, copy in and out); {@code chronicleBytes} (a shared
 * Chronicle MappedBytes file, copy in and out). {@code localHeap} is no transport but the
 * floor under all of them: the same checked sum over a heap array of this JVM, with no second
 * process; a zero-copy handoff can at best match it.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar Handoff -p n=8388608}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class HandoffBenchmark {
    @Param({"1024", "65536", "1048576", "8388608"})
    public int n;

    @Param({"localHeap", "shmkit", "pipe", "unixSocket", "serializedQueue", "agronaRingBuffer", "chronicleBytes"})
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
        long s = ++seq;
        return Payload.sumChecked(consumer.fetch(s), n, s);
    }
}
