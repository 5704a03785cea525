package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.sync.Futex;
import io.shmkit.sync.IdleStrategy;
import io.shmkit.sync.LockOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The consumer JVM of the wake harness ({@code io.shmkit.bench.latency.WakeHarness}): it waits
 * on an empty one-producer queue as one waiting strategy says, with shmkit's own blocking read
 * ({@code QueueConsumer.read(handler, 1, timeout)}, no spin loop of its own), and for every
 * message reads {@code System.nanoTime()} first thing in its handler and stores the receipt
 * time minus the send stamp the message carries into slot {@code seq} of a shared results
 * array, which is also the producer's acknowledgement.
 *
 * <p>Message: 32 bytes, {@code seq}, the producer's {@code nanoTime} just before its
 * {@code offer}, two zero words; type {@link #DATA}. A message of type {@link #STOP} ends the
 * wait. {@code System.nanoTime()} is {@code CLOCK_MONOTONIC} on Linux, one clock for every
 * process of the machine, so the two stamps compare across the JVMs.
 *
 * <p><b>Warm-up.</b> It first consumes with the strategy's options but owner checks at every
 * step ({@link #warmupOptions}): each sleep then lasts at most 50 µs and every step of a wait
 * checks the producers' liveness, so that the warm-up compiles the code of the timed wake-ups
 * and liveness checks too, which the measured options run only every 10 or 100 ms. A message of
 * type {@link #SWITCH} ends that phase: the consumer closes its handles, attaches again with the
 * strategy's own options, and only then acknowledges it (slot {@code seq} set to 1). The rest of
 * the warm-up, and the measurement, run on those.
 *
 * <p><b>The floor</b> ({@link #FUTEX_FLOOR}) has no queue and no shmkit wait: a word in a
 * shared segment ({@link #FLOOR_WORDS} longs), on which the consumer sleeps in a bare
 * {@code FUTEX_WAIT} and the producer, having written the message's type, stamp and sequence
 * number (plus one) beside it, stores 0 and calls {@code FUTEX_WAKE}: what the kernel and the machine
 * cost, under every kernel wait.
 *
 * <p>Its ready line is {@code READY <pid> <tid>}, the tid of the waiting thread, so that the
 * producer can read that thread's state and CPU time in {@code /proc}.
 */
public final class WakeConsumer {
    /** Kernel waits as recommended: {@link LockOptions#KERNEL_WAITS} (owner checks every 100 ms). */
    public static final String KERNEL = "kernel";
    /** Kernel waits with the default 10 ms owner checks: {@code LockOptions.DEFAULT.withKernelWaits(true)}. */
    public static final String KERNEL_10MS = "kernel10ms";
    /** Today's default: {@link LockOptions#DEFAULT}, spin, yield, then park 1 µs doubling to 1 ms. */
    public static final String BACKOFF = "backoff";
    /** {@link IdleStrategy#busySpin()}: never leaves the core. */
    public static final String BUSY_SPIN = "busySpin";
    /** The floor: a bare futex wait and wake between the two JVMs, no queue, no shmkit. */
    public static final String FUTEX_FLOOR = "futexFloor";
    /** Every strategy, in report order. */
    public static final List<String> STRATEGIES = List.of(KERNEL, KERNEL_10MS, BACKOFF, BUSY_SPIN, FUTEX_FLOOR);
    /** The floor's words (longs): the futex word (the low 4 bytes of the first), the type, the stamp, the sequence number. */
    public static final int FLOOR_TYPE = 1;
    public static final int FLOOR_STAMP = 2;
    public static final int FLOOR_SEQ = 3;
    public static final int FLOOR_WORDS = 4;
    /** The floor's futex word, an int at byte 0 of its segment. */
    public static final VarHandle FLOOR_WORD = JAVA_INT.varHandle();
    /** The message types. */
    public static final int DATA = 1;
    public static final int STOP = 2;
    public static final int SWITCH = 3;
    /** Bytes per message. */
    public static final int MESSAGE = 32;

    private WakeConsumer() {}

    /** The waiting options of {@code strategy}, the same for the queue's producer and its consumer. */
    public static LockOptions options(String strategy) {
        return switch (strategy) {
            case KERNEL, FUTEX_FLOOR -> LockOptions.KERNEL_WAITS; // the floor: for its 100 ms sleeps and the futex check
            case KERNEL_10MS -> LockOptions.DEFAULT.withKernelWaits(true);
            case BACKOFF -> LockOptions.DEFAULT;
            case BUSY_SPIN -> LockOptions.DEFAULT.withIdleStrategy(IdleStrategy.busySpin());
            default -> throw new IllegalArgumentException("unknown waiting strategy '" + strategy + "'; known: " + STRATEGIES);
        };
    }

    /** The options of the warm-up: the strategy's, with a liveness check at every step of a wait. */
    public static LockOptions warmupOptions(String strategy) {
        return options(strategy).withOwnerCheckInterval(Duration.ZERO);
    }

    /** The strategy's options in words, for the report. */
    public static String describe(String strategy) {
        return switch (strategy) {
            case KERNEL -> "`LockOptions.KERNEL_WAITS`: backoff's first 192 attempts (spin, yield), then `FUTEX_WAIT` on the"
                    + " queue's wake word, each sleep at most 100 ms (the owner-check interval)";
            case KERNEL_10MS -> "`LockOptions.DEFAULT.withKernelWaits(true)`: the same with the default 10 ms owner checks, so"
                    + " each sleep at most 10 ms";
            case BACKOFF -> "`LockOptions.DEFAULT` (today's default): spin 128, yield 64, then `parkNanos` from 1 µs doubling to 1 ms";
            case BUSY_SPIN -> "`LockOptions.DEFAULT.withIdleStrategy(IdleStrategy.busySpin())`: `Thread.onSpinWait()` without end";
            case FUTEX_FLOOR -> "the floor, no queue and no shmkit: the consumer stores 1 in a word of a shared segment and calls"
                    + " `FUTEX_WAIT` (100 ms timeout) at once; the producer writes the stamp beside it, stores 0 and calls"
                    + " `FUTEX_WAKE`. What the kernel and this machine cost; shmkit's kernel waits add their spin phase, the"
                    + " announcement's barrier, the queue and the re-checks";
            default -> strategy;
        };
    }

    /** The handler: stores each data message's latency, notes a stop or switch message. */
    private static final class Receiver implements MessageHandler {
        private final SharedLongArray results;
        /** The type of the stop or switch message received, 0 before one. */
        int ended;
        long switchSeq;

        Receiver(SharedLongArray results) {
            this.results = results;
        }

        @Override
        public void onMessage(int type, MemorySegment buffer, long offset, int length) {
            long now = System.nanoTime();
            receive(type, buffer.asSlice(offset, length), now);
        }

        /** A message received at {@code now}: its seq and stamp are its first two words. */
        void receive(int type, MemorySegment message, long now) {
            long seq = message.get(JAVA_LONG_UNALIGNED, 0);
            if (type != DATA) {
                ended = type;
                switchSeq = seq;
                return;
            }
            long stamp = message.get(JAVA_LONG_UNALIGNED, 8);
            results.setRelease(seq, Math.max(1, now - stamp)); // never 0: 0 means "not yet received"
        }
    }

    /**
     * {@code PeerMain wake <strategy> <queue> <results>}: the warm-up, then the measured
     * consumption, until a stop message or the end of its stdin.
     */
    static void consume(String strategy, String queueName, String resultsName) throws InterruptedException {
        SegmentDirectory shm = BenchNames.shm();
        try (SharedLongArray results = SharedLongArray.open(shm, resultsName)) {
            Receiver receiver = new Receiver(results);
            String ids = ProcessHandle.current().pid() + " " + threadId();
            if (strategy.equals(FUTEX_FLOOR)) {
                floor(shm, queueName, receiver, ids);
                return;
            }
            if (receive(shm, queueName, warmupOptions(strategy), receiver, () -> PeerMain.ready(ids)) == SWITCH) {
                receive(shm, queueName, options(strategy), receiver, () -> results.setRelease(receiver.switchSeq, 1));
            }
        }
    }

    /**
     * Attaches as the consumer with {@code options}, runs {@code attached}, and waits for
     * messages one by one until a stop or switch message (or the end of stdin).
     *
     * @return the type of the message that ended it, 0 for the end of stdin
     */
    private static int receive(SegmentDirectory shm, String queueName, LockOptions options, Receiver receiver, Runnable attached)
            throws InterruptedException {
        try (MessageQueue queue = MessageQueue.open(shm, queueName, options);
             QueueConsumer consumer = queue.consumer()) {
            attached.run();
            receiver.ended = 0;
            Duration forever = Duration.ofSeconds(Long.MAX_VALUE); // one wait per message: no timeout restarts it
            while (receiver.ended == 0 && PeerMain.running()) {
                consumer.read(receiver, 1, forever);
            }
            return receiver.ended;
        }
    }

    /**
     * The floor's consumer: announce (1), re-check, {@code FUTEX_WAIT} for at most the owner-check
     * interval; on a new sequence number, the receipt time first, then the message to the receiver.
     */
    private static void floor(SegmentDirectory shm, String floorName, Receiver receiver, String ids) {
        long sleep = options(FUTEX_FLOOR).ownerCheckInterval().toNanos();
        try (SharedLongArray floor = SharedLongArray.open(shm, floorName)) {
            MemorySegment words = floor.asSegment();
            MemorySegment message = MemorySegment.ofArray(new long[MESSAGE / 8]);
            long seen = 0; // FLOOR_SEQ holds seq + 1: 0 before the first message
            PeerMain.ready(ids);
            while (receiver.ended != STOP && PeerMain.running()) {
                FLOOR_WORD.setVolatile(words, 0L, 1);
                if (floor.getVolatile(FLOOR_SEQ) == seen) {
                    Futex.await(words, 0, 1, sleep);
                }
                long now = System.nanoTime();
                long seq = floor.getVolatile(FLOOR_SEQ);
                if (seq != seen) {
                    seen = seq;
                    int type = (int) floor.getVolatile(FLOOR_TYPE);
                    if (type == SWITCH) {
                        receiver.results.setRelease(seq - 1, 1); // the floor has no options to switch to
                        continue;
                    }
                    message.set(JAVA_LONG_UNALIGNED, 0, seq - 1);
                    message.set(JAVA_LONG_UNALIGNED, 8, floor.getVolatile(FLOOR_STAMP));
                    receiver.receive(type, message, now);
                }
            }
        }
    }

    /** The calling thread's Linux tid, from {@code /proc/thread-self}; -1 where there is none. */
    static long threadId() {
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
            return Long.parseLong(self.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
