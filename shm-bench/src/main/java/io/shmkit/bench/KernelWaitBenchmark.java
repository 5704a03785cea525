package io.shmkit.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.sync.Futex;
import io.shmkit.sync.LockOptions;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of kernel waits on the fast path (issue 16): every shm-sync lock kind, uncontended
 * (the methods of {@link SharedLockBenchmarks}, as {@link UncontendedLockBenchmark} runs them), and a 32-byte message through a one-producer
 * queue ({@code offer}, then {@code read} in the same thread), with
 * {@code LockOptions.withKernelWaits} off and on. Nobody ever sleeps here, so what the option
 * adds is what every release and every message pays to learn that: a load of the wake word
 * (and a full fence where the kernel lacks {@code membarrier}'s global expedited command; after
 * a CAS, nothing more). The report divides the two, paired by round for the headline rows.
 *
 * <p>Every fork runs with {@code --enable-native-access=ALL-UNNAMED}, both values alike, so that
 * "on" really is on: a fork where {@code kernelWaits=true} finds kernel waits unavailable fails
 * its trial rather than measure the polling fallback. With the option off no restricted method
 * is called, as without the flag.
 *
 * <p>Run: {@code java -jar shm-bench/target/benchmarks.jar KernelWait}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchFlags.NATIVE)
public class KernelWaitBenchmark extends SharedLockBenchmarks {
    /** The queue's ring: the message is read back in the same operation, so it never fills. */
    static final long RING = 1 << 16;

    @Param({"false", "true"})
    public boolean kernelWaits;

    private final SegmentDirectory shm = BenchNames.shm();
    private final String name = BenchNames.unique("kernelwait");
    private MessageQueue queue;
    private QueueProducer producer;
    private QueueConsumer consumer;
    private Arena arena;
    private MemorySegment message;
    private long seq;
    private long sum;
    private final MessageHandler handler = (type, buffer, offset, length) -> sum += buffer.get(JAVA_LONG_UNALIGNED, offset);

    @Setup(Level.Trial)
    public void setUp() {
        if (kernelWaits && !Futex.isAvailable()) {
            throw new IllegalStateException("kernelWaits=true, but this fork cannot make kernel waits: "
                    + Futex.unavailableReason().orElse("?"));
        }
        LockOptions options = LockOptions.DEFAULT.withKernelWaits(kernelWaits);
        openLocks(shm, name + ".", options);
        queue = MessageQueue.create(shm, name + ".queue", QueueOptions.oneProducer(RING).withWaiting(options));
        // what is measured must be what the parameter says: every handle on, or every one off
        for (boolean on : new boolean[] {mutex.sleepsInKernel(), reentrant.sleepsInKernel(), rw.sleepsInKernel(),
                semaphore.sleepsInKernel(), seqlock.sleepsInKernel(), queue.sleepsInKernel()}) {
            if (on != kernelWaits) {
                throw new IllegalStateException("kernelWaits=" + kernelWaits + ", but a lock or the queue has them "
                        + (on ? "on" : "off"));
            }
        }
        System.out.println("kernel waits " + (kernelWaits ? "on; wakers " + (Futex.wakersSkipTheirFence()
                ? "skip their fence (membarrier registered)" : "fence (no membarrier)") : "off"));
        producer = queue.producer();
        consumer = queue.consumer();
        arena = Arena.ofConfined();
        message = arena.allocate(32, 8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        producer.close();
        consumer.close();
        queue.close();
        arena.close();
        shm.unlink(name + ".queue");
        closeLocks();
    }

    /** One 32-byte message copied in ({@code offer}) and read back ({@code read}): the queue's throughput is its inverse. */
    @Benchmark
    public long queueOfferRead() {
        message.set(JAVA_LONG_UNALIGNED, 0, ++seq);
        if (!producer.offer(1, message)) {
            throw new IllegalStateException("full");
        }
        if (consumer.read(handler, 16) != 1) {
            throw new IllegalStateException("the message sent was not read back");
        }
        return sum;
    }
}
