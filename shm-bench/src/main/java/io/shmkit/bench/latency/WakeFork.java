package io.shmkit.bench.latency;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.PeerProcess;
import io.shmkit.bench.ipc.WakeConsumer;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.core.SharedMemory;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueDescriptor;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.sync.Futex;
import io.shmkit.sync.LockOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One run of the wake harness: one waiting strategy, one round, in a JVM of its own that
 * {@link WakeHarness} starts with native access. This JVM is the producer: it creates a
 * one-producer queue whose waiting options are the strategy's ({@link WakeConsumer#options}),
 * starts the consumer JVM ({@code PeerMain wake}, its child, with native access too) and then
 * <ol>
 *   <li>warms up with {@link WakeSettings#warmup()} messages in two phases. First a quarter of
 *       them, each after 100 to 300 µs of quiet (past a kernel waiter's spin phase, so that it
 *       sleeps and is woken), the consumer on its warm-up options
 *       ({@link WakeConsumer#warmupOptions}: a liveness check at every step, sleeps of 50 µs),
 *       which compiles the code of the timed wake-ups and liveness checks that the measured
 *       options run only every 10 or 100 ms. Then a switch message, after which the consumer
 *       waits with the strategy's own options, and the rest: two thirds back to back, one third
 *       after 100 to 300 µs of quiet, so that the compiled code's profile is that of the options
 *       measured (code compiled on the first phase's profile alone is thrown away at the first
 *       branch it never took, and runs interpreted for a while). So both JVMs run compiled code
 *       on the paths measured, as a consumer that has waited many times does; a fresh JVM
 *       interprets them, and an interpreted {@code offer} and futex call take tens to hundreds
 *       of µs;</li>
 *   <li>measures {@link WakeSettings#samples()} wake-ups: a quiet spell drawn uniformly from
 *       the settings' range, counted from the consumer's receipt of the previous message; then
 *       what the consumer's waiting thread is doing ({@link ThreadProbe#state()}) and whether the
 *       queue's consumer wake word has its announcement bit (bit 0) set; then {@code nanoTime} into the
 *       message and {@code offer} (the floor: the stamp written beside its futex word, then
 *       {@code FUTEX_WAKE}). The consumer stores receipt minus stamp in the results array, which
 *       this JVM waits for, napping, before the next quiet spell, and records in an HdrHistogram;</li>
 *   <li>lets the consumer idle {@value #SETTLE_MILLIS} ms (every strategy reaches its steady
 *       state: the backoff its 1 ms parks, a kernel waiter its sleep), then for
 *       {@link WakeSettings#idleMillis()} reads the waiting thread's CPU time
 *       ({@code schedstat}), the whole consumer process's, and the thread's voluntary context
 *       switches (its sleeps), at both ends of the window;</li>
 *   <li>sends a stop message and waits for the consumer's exit.</li>
 * </ol>
 * Not an API: its arguments and output are the harness's protocol. It prints a {@link #WAKE},
 * an {@link #IDLE} and a {@link #RUN} line on stdout; everything else goes to stderr.
 *
 * <pre>
 *   WakeFork strategy samples warmup quietMinMicros quietMaxMicros idleMillis seed
 * </pre>
 */
public final class WakeFork {
    static final String WAKE = "WAKE";
    static final String IDLE = "IDLE";
    static final String RUN = "RUN";
    /** The queue's ring: far more than one message, so the producer never waits for room. */
    static final int RING = 1 << 16;
    /** The quiet spells of the second half of the warm-up, ns. */
    private static final long WARMUP_QUIET_MIN = 100_000;
    private static final long WARMUP_QUIET_MAX = 300_000;
    /** How long the consumer idles before the idle window opens. */
    static final long SETTLE_MILLIS = 200;
    /** The longest a message may take to arrive before the run fails. */
    private static final long ACK_TIMEOUT_NANOS = 10_000_000_000L;
    /**
     * The producer naps this long between looks for the consumer's receipt. It must not spin: on
     * the 2-vCPU VM, a producer that keeps its vCPU busy after a wake-up made the woken consumer
     * wait on that vCPU's run queue for about 2 ms (its scheduler slice) in a trial, the guest's
     * scheduler preferring the waker's busy vCPU to the other, halted in the host.
     */
    private static final long ACK_NAP_NANOS = 50_000;
    private static final VarHandle WORD = JAVA_INT.varHandle();
    /** A wake word's bit 0: a sleep announced since the last wake (bits 1 to 31 are an epoch); the floor's word is 0 or 1. */
    private static final int ANNOUNCED = 1;

    private final QueueProducer producer;
    private final SharedLongArray floor;
    private final SharedLongArray results;
    private final PeerProcess consumer;
    private final MemorySegment message;
    /** Where the consumer's wake word is: the queue's (read through a read-only view) or the floor's. */
    private final MemorySegment wordSegment;
    private final long wordOffset;
    private final ThreadProbe probe;
    private long seq;

    /** A run through {@code producer}'s queue, whose read-only view is {@code view}; or, with {@code floor}, the floor's words. */
    private WakeFork(QueueProducer producer, SharedMemory view, SharedLongArray floor, SharedLongArray results, PeerProcess consumer,
                     MemorySegment message) {
        this.producer = producer;
        this.floor = floor;
        this.results = results;
        this.consumer = consumer;
        this.message = message;
        if (floor != null) {
            wordSegment = floor.asSegment();
            wordOffset = 0;
        } else {
            wordSegment = view.asSegment();
            // C for this queue's layout (none: a byte queue), then the consumer's wake word in its control area
            wordOffset = QueueDescriptor.control(wordSegment.get(JAVA_INT, QueueDescriptor.LAYOUT_LENGTH_OFFSET))
                    + QueueDescriptor.CONSUMER_WAKE;
        }
        String[] ids = consumer.readyInfo().split(" ");
        this.probe = new ThreadProbe(Long.parseLong(ids[0]), Long.parseLong(ids[1]));
    }

    public static void main(String[] args) throws IOException {
        PrintStream protocol = System.out;
        System.setOut(System.err); // nothing but the protocol reaches the harness through stdout
        String strategy = args[0];
        int samples = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        long quietMin = Long.parseLong(args[3]) * 1000;
        long quietMax = Long.parseLong(args[4]) * 1000;
        long idleNanos = Long.parseLong(args[5]) * 1_000_000;
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[6]));

        LockOptions options = WakeConsumer.options(strategy);
        if (options.kernelWaits() && !Futex.isAvailable()) {
            // the run would measure timed-out sleeps, not wake-ups: fail it instead
            throw new IllegalStateException("strategy " + strategy + " needs kernel waits, which this JVM cannot make: "
                    + Futex.unavailableReason().orElse("?"));
        }
        CpuTimes runStart = CpuTimes.now();
        long runStartNs = System.nanoTime();
        SegmentDirectory shm = BenchNames.shm();
        String queueName = BenchNames.unique("wake");
        String resultsName = BenchNames.unique("wake-results");
        boolean bare = strategy.equals(WakeConsumer.FUTEX_FLOOR);
        // the floor has no queue: its consumer sleeps on a word of a segment of that name
        try (MessageQueue queue = bare ? null : MessageQueue.create(shm, queueName, QueueOptions.oneProducer(RING).withWaiting(options));
             QueueProducer producer = bare ? null : queue.producer();
             SharedMemory view = bare ? null : SharedMemory.openReadOnlyView(shm, queueName);
             SharedLongArray floor = bare ? SharedLongArray.create(shm, queueName, WakeConsumer.FLOOR_WORDS) : null;
             SharedLongArray results = SharedLongArray.create(shm, resultsName, warmup + samples + 2L);
             Arena arena = Arena.ofConfined();
             PeerProcess consumer = PeerProcess.start("wake", strategy, queueName, resultsName)) {
            WakeFork fork = new WakeFork(producer, view, floor, results, consumer, arena.allocate(WakeConsumer.MESSAGE, 8));
            int first = warmup / 4;
            int backToBack = (warmup - first) * 2 / 3;
            for (int i = 0; i < warmup; i++) {
                if (i == first) {
                    fork.send(WakeConsumer.SWITCH); // returns once the consumer waits with the strategy's own options
                }
                if (i < first || i >= first + backToBack) {
                    quiet(random.nextLong(WARMUP_QUIET_MIN, WARMUP_QUIET_MAX + 1));
                }
                fork.send(WakeConsumer.DATA);
            }
            if (warmup == 0) {
                fork.send(WakeConsumer.SWITCH);
            }
            protocol.println(fork.measure(samples, random, quietMin, quietMax));
            protocol.println(fork.idle(idleNanos));
            fork.stop();
        } finally {
            shm.unlink(queueName);
            shm.unlink(resultsName);
        }
        protocol.println(RUN + " " + (System.nanoTime() - runStartNs) + " " + CpuTimes.stealPercent(runStart, CpuTimes.now()));
        protocol.flush();
        System.exit(0);
    }

    /**
     * The measured wake-ups: {@code WAKE count sharedFutexWait parked running other unknown
     * wordSet elapsedNs stealPercent busyPercent histogram}, the five states counted as
     * {@link ThreadProbe.State} orders them, busy how busy the machine's vCPUs were meanwhile
     * ({@link CpuTimes#busyPercent}: these two JVMs mostly sleep, so that is mostly other work).
     */
    private String measure(int samples, SplittableRandom random, long quietMin, long quietMax) {
        Histogram histogram = Percentiles.newHistogram();
        long[] states = new long[ThreadProbe.State.values().length];
        long wordSet = 0;
        CpuTimes cpu = CpuTimes.now();
        long start = System.nanoTime();
        for (int i = 0; i < samples; i++) {
            quiet(random.nextLong(quietMin, quietMax + 1));
            states[probe.state().ordinal()]++;
            if (((int) WORD.getVolatile(wordSegment, wordOffset) & ANNOUNCED) != 0) {
                wordSet++;
            }
            histogram.recordValue(Percentiles.clamp(send(WakeConsumer.DATA)));
        }
        long elapsed = System.nanoTime() - start;
        CpuTimes end = CpuTimes.now();
        StringBuilder line = new StringBuilder(WAKE).append(' ').append(histogram.getTotalCount());
        for (long n : states) {
            line.append(' ').append(n);
        }
        return line.append(' ').append(wordSet).append(' ').append(elapsed).append(' ')
                .append(CpuTimes.stealPercent(cpu, end)).append(' ').append(CpuTimes.busyPercent(cpu, end)).append(' ')
                .append(Percentiles.encode(histogram)).toString();
    }

    /** The idle window: {@code IDLE wallNs threadCpuNs processCpuNs voluntarySwitches}. */
    private String idle(long nanos) throws IOException {
        quiet(SETTLE_MILLIS * 1_000_000);
        long wall = System.nanoTime();
        long thread = probe.cpuNanos();
        long process = probe.processCpuNanos();
        long switches = probe.voluntarySwitches();
        quiet(nanos);
        thread = probe.cpuNanos() - thread;
        process = probe.processCpuNanos() - process;
        switches = probe.voluntarySwitches() - switches;
        wall = System.nanoTime() - wall;
        consumer.checkAlive();
        return IDLE + " " + wall + " " + thread + " " + process + " " + switches;
    }

    /**
     * Sends the next message of {@code type}, stamped just before the {@code offer}, and returns
     * what the consumer stored for it: the latency of a data message.
     */
    private long send(int type) {
        long s = seq++;
        if (floor != null) {
            long stamp = System.nanoTime();
            floor.setVolatile(WakeConsumer.FLOOR_TYPE, type);
            floor.setVolatile(WakeConsumer.FLOOR_STAMP, stamp);
            floor.setVolatile(WakeConsumer.FLOOR_SEQ, s + 1); // 0 is "nothing sent yet"
            WORD.setVolatile(wordSegment, 0L, 0);
            Futex.wake(wordSegment, 0, 1);
        } else {
            message.set(JAVA_LONG_UNALIGNED, 0, s);
            long stamp = System.nanoTime();
            message.set(JAVA_LONG_UNALIGNED, 8, stamp);
            if (!producer.offer(type, message)) {
                throw new IllegalStateException("the queue is full: the consumer does not read");
            }
        }
        return type == WakeConsumer.STOP ? 0 : awaitReceipt(s);
    }

    /** Waits until the consumer has stored message {@code s}'s latency, napping ({@link #ACK_NAP_NANOS}) between looks. */
    private long awaitReceipt(long s) {
        long start = System.nanoTime();
        long latency;
        while ((latency = results.getAcquire(s)) == 0) {
            consumer.checkAlive();
            if (System.nanoTime() - start > ACK_TIMEOUT_NANOS) {
                throw new IllegalStateException("message " + s + " was not received within 10 s");
            }
            LockSupport.parkNanos(ACK_NAP_NANOS);
        }
        return latency;
    }

    private void stop() {
        message.fill((byte) 0);
        send(WakeConsumer.STOP);
        consumer.stop();
    }

    /** Sleeps {@code nanos}, however often the park returns early. */
    private static void quiet(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }
}
