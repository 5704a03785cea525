package io.shmkit.bench;

import io.shmkit.bench.ipc.PingPongClient;
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
 * Round trip of a 32-byte message to a peer JVM (started in {@code @Setup}) and back, sampled
 * per operation so that JMH reports percentiles (p50, p90, p99, p99.9), not only the mean.
 * Every echo is checked against the message sent.
 *
 * <p>Transports: {@code shmkit} (a ping and a pong slot in one shared segment, each a message
 * and a sequence word published with a release store; both sides spin), an Agrona
 * OneToOneRingBuffer pair (both sides spin), the peer's stdin/stdout {@code pipe}, a
 * {@code unixSocket} and {@code tcp} loopback (blocking reads).
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar PingPong}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class PingPongBenchmark {
    @Param({"shmkit", "agronaRingBuffers", "pipe", "unixSocket", "tcp"})
    public String transport;

    private PingPongClient client;
    private long seq;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        client = PingPongClient.start(transport);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
    }

    @Benchmark
    public long roundTrip() throws IOException {
        return client.roundTrip(++seq);
    }
}
