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
 * Messaging throughput between JVMs: producer JVMs (started in {@code @Setup}) send
 * {@code size}-byte messages as fast as the transport takes them; this JVM receives them and
 * checks every one (its producer, its sequence number, its first and last word: see
 * {@code Messages}), so a transport that loses, repeats, reorders or tears a message fails. One
 * operation is one message received, so the score is messages per second; MB/s is that times
 * the payload size (the report shows both). What each transport does per message is in
 * {@link MessageStream}; Aeron's {@code tryClaim}, which takes messages up to its MTU only, is
 * {@link AeronClaimBenchmark}.
 *
 * <p>Rings (shmkit, Agrona) are 1 MiB, and the consumer takes at most 256 messages per read;
 * Aeron's publication window is 1 MiB and its subscriber polls at most 256 fragments at a time.
 * Both sides of the shared-memory transports spin 64 times, then yield, when they must wait.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar MessagingBenchmark -p size=32}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.OPEN_MISC, BenchFlags.OPEN_NIO_CH, BenchFlags.OPEN_LANG,
        BenchFlags.OPEN_REFLECT, BenchFlags.OPEN_IO, BenchFlags.OPEN_UTIL, BenchFlags.EXPORT_REF,
        BenchFlags.NATIVE, BenchFlags.UNSAFE, BenchFlags.NO_ANALYTICS, BenchFlags.QUIET_SLF4J})
public class MessagingBenchmark {
    /** Messages per benchmark call: the operations of one invocation. */
    public static final int BATCH = 1024;

    @Param({"32", "256", "4096", "65536"})
    public int size;

    @Param({"shmkitOffer", "shmkitClaim", "shmkitMany1", "shmkitMany2", "agronaWrite", "agronaClaim", "agronaMany1",
            "agronaMany2", "aeronOffer", "pipe", "unixSocket", "serializedPipe"})
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
    @OperationsPerInvocation(BATCH)
    public long receive() throws IOException {
        return stream.receive(BATCH);
    }
}
