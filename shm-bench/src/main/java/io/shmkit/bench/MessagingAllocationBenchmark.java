package io.shmkit.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.StructField;
import io.shmkit.msg.Claim;
import io.shmkit.msg.ControlledMessageHandler;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.msg.RecordQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
 * Allocation on shm-msg's hot paths, for JMH's gc profiler ({@code -prof gc}: its
 * {@code gc.alloc.rate.norm} is the bytes this thread allocated per operation). The issue asks
 * for 0 B/op on the claim, commit, read and offer paths. Each benchmark sends one 32-byte
 * message through a queue in this process and reads it back in the same operation, so the
 * queue never fills and every path runs once per operation: a sum of non-negative
 * allocations, so 0 B/op for the sum is 0 B/op for each call in it. One path sends 4 KiB, which
 * the consumer zeroes in bulk.
 *
 * <p>One process suffices (allocation is per thread, the other process does not change what
 * this one allocates) and no JVM flag is set: shm-msg needs none. The full run runs this class
 * with the gc profiler ({@code ShmBench}'s allocation pass); by hand:
 * {@code java -jar shm-bench/target/benchmarks.jar MessagingAllocation -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MessagingAllocationBenchmark {
    static final int SIZE = 32;
    static final int LARGE = 4096;
    static final long RING = 1 << 16;

    /** A record for the record queue's in-place path. */
    public record Tick(long time, double price) {}

    private static final StructField.OfLong TIME = StructField.ofLong(Tick.class, "time");
    private static final StructField.OfDouble PRICE = StructField.ofDouble(Tick.class, "price");

    private final SegmentDirectory shm = BenchNames.shm();
    private final String name = BenchNames.unique("alloc");
    private MessageQueue one;
    private MessageQueue many;
    private RecordQueue<Tick> ticks;
    private QueueProducer oneProducer;
    private QueueConsumer oneConsumer;
    private QueueProducer manyProducer;
    private QueueConsumer manyConsumer;
    private RecordQueue<Tick>.Producer tickProducer;
    private RecordQueue<Tick>.Consumer tickConsumer;
    private Arena arena;
    private MemorySegment message;
    private final byte[] bytes = new byte[SIZE];
    private long seq;
    private long sum;
    private final MessageHandler handler = (type, buffer, offset, length) -> sum += buffer.get(JAVA_LONG_UNALIGNED, offset);
    private final ControlledMessageHandler controlled = (type, buffer, offset, length) -> {
        sum += buffer.get(JAVA_LONG_UNALIGNED, offset);
        return ControlledMessageHandler.Action.CONTINUE;
    };
    private final RecordQueue.RecordHandler onTick = (buffer, offset) -> sum += TIME.get(buffer, offset);

    @Setup(Level.Trial)
    public void setUp() {
        one = MessageQueue.create(shm, name + ".one", QueueOptions.oneProducer(RING));
        many = MessageQueue.create(shm, name + ".many", QueueOptions.manyProducers(RING));
        ticks = RecordQueue.create(shm, name + ".ticks", Tick.class, QueueOptions.oneProducer(RING));
        oneProducer = one.producer();
        oneConsumer = one.consumer();
        manyProducer = many.producer();
        manyConsumer = many.consumer();
        tickProducer = ticks.producer();
        tickConsumer = ticks.consumer();
        arena = Arena.ofConfined();
        message = arena.allocate(SIZE, 8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        oneProducer.close();
        oneConsumer.close();
        manyProducer.close();
        manyConsumer.close();
        tickProducer.close();
        tickConsumer.close();
        one.close();
        many.close();
        ticks.close();
        arena.close();
        for (String suffix : new String[] {".one", ".many", ".ticks"}) {
            shm.unlink(name + suffix);
        }
    }

    private static void expectOne(int read) {
        if (read != 1) {
            throw new IllegalStateException("read " + read + " messages, expected 1");
        }
    }

    /** {@code QueueProducer.offer(int, MemorySegment)}, then {@code QueueConsumer.read}. */
    @Benchmark
    public long offerSegmentThenRead() {
        message.set(JAVA_LONG_UNALIGNED, 0, ++seq);
        if (!oneProducer.offer(1, message)) {
            throw new IllegalStateException("full");
        }
        expectOne(oneConsumer.read(handler, 16));
        return sum;
    }

    /** {@code QueueProducer.offer(int, byte[])}, then {@code QueueConsumer.read}. */
    @Benchmark
    public long offerBytesThenRead() {
        bytes[0] = (byte) ++seq;
        if (!oneProducer.offer(1, bytes)) {
            throw new IllegalStateException("full");
        }
        expectOne(oneConsumer.read(handler, 16));
        return sum;
    }

    /** {@code tryClaim}, four words written in place, {@code commit}, then {@code read}. */
    @Benchmark
    public long claimCommitThenRead() {
        Claim claim = oneProducer.tryClaim(1, SIZE);
        MemorySegment ring = claim.buffer();
        long at = claim.offset();
        for (int i = 0; i < 4; i++) {
            ring.set(JAVA_LONG_UNALIGNED, at + 8L * i, seq + i);
        }
        seq++;
        claim.commit();
        expectOne(oneConsumer.read(handler, 16));
        return sum;
    }

    /** As {@link #claimCommitThenRead}, read with {@code controlledRead}. */
    @Benchmark
    public long claimCommitThenControlledRead() {
        Claim claim = oneProducer.tryClaim(1, SIZE);
        claim.buffer().set(JAVA_LONG_UNALIGNED, claim.offset(), ++seq);
        claim.commit();
        expectOne(oneConsumer.controlledRead(controlled, 16));
        return sum;
    }

    /** The many-producer queue: {@code tryClaim} (the claimer CAS, the thread's claim), {@code commit}, {@code read}. */
    @Benchmark
    public long manyProducerClaimCommitThenRead() {
        Claim claim = manyProducer.tryClaim(1, SIZE);
        claim.buffer().set(JAVA_LONG_UNALIGNED, claim.offset(), ++seq);
        claim.commit();
        expectOne(manyConsumer.read(handler, 16));
        return sum;
    }

    /** The many-producer queue's {@code offer(int, MemorySegment)}, then {@code read}. */
    @Benchmark
    public long manyProducerOfferThenRead() {
        message.set(JAVA_LONG_UNALIGNED, 0, ++seq);
        if (!manyProducer.offer(1, message)) {
            throw new IllegalStateException("full");
        }
        expectOne(manyConsumer.read(handler, 16));
        return sum;
    }

    /**
     * {@code tryClaim} of a 4 KiB message, its first word written, {@code commit}, {@code read}:
     * the consumer zeroes a record this large with a bulk fill of a slice of the ring rather than
     * word by word, another path.
     */
    @Benchmark
    public long largeClaimCommitThenRead() {
        Claim claim = oneProducer.tryClaim(1, LARGE);
        claim.buffer().set(JAVA_LONG_UNALIGNED, claim.offset(), ++seq);
        claim.commit();
        expectOne(oneConsumer.read(handler, 16));
        return sum;
    }

    /** A record queue's zero-allocation path: {@code tryClaim}, fields set in place, {@code commit}, {@code read(RecordHandler)}. */
    @Benchmark
    public long recordClaimCommitThenRead() {
        Claim claim = tickProducer.tryClaim();
        TIME.set(claim.buffer(), claim.offset(), ++seq);
        PRICE.set(claim.buffer(), claim.offset(), 0.5);
        claim.commit();
        expectOne(tickConsumer.read(onTick, 16));
        return sum;
    }
}
