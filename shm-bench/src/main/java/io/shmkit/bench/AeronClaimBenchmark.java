package io.shmkit.bench;

import io.shmkit.bench.ipc.MessageStream;
import java.io.IOException;
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
 * {@link MessagingBenchmark} for Aeron's zero-copy path, {@code ExclusivePublication.tryClaim},
 * which takes a message only up to the MTU less its 32-byte header (at most 65,472 bytes): so
 * it runs at the sizes below 64 KiB only, with the same settings as {@link MessagingBenchmark}.
 * A class of its own because JMH crosses every parameter with every other.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class AeronClaimBenchmark {
    @Param({"32", "256", "4096"})
    public int size;

    @Param({"aeronClaim"})
    public String transport;

    private MessageStream stream;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        stream = MessageStream.start(transport, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.close();
    }

    @Benchmark
    @OperationsPerInvocation(MessagingBenchmark.BATCH)
    public long receive() throws IOException {
        return stream.receive(MessagingBenchmark.BATCH);
    }
}
