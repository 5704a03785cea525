package io.shmkit.msg;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedLongArray;
import io.shmkit.sync.Futex;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.SharedMutex;
import io.shmkit.sync.SharedReadWriteLock;
import io.shmkit.sync.SharedReentrantLock;
import io.shmkit.sync.SharedSemaphore;
import io.shmkit.sync.SharedSeqLock;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link KernelWaitTest}: {@code KernelWaitChild <dir> <command> <args...>}.
 * Its waiting thread has a name the parent finds in {@code /proc}; it exits 0 when its own
 * checks passed.
 */
public final class KernelWaitChild {
    /** The recommended kernel-wait options (100 ms owner checks), quiet about recoveries. */
    static final LockOptions KERNEL = LockOptions.KERNEL_WAITS.withRecoveryListener(r -> { });
    static final String CONSUMER_THREAD = "kw-consumer";
    static final String PRODUCER_THREAD = "kw-producer";

    private KernelWaitChild() {
    }

    public record Point(double x, double y) {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        String name = args.length > 2 ? args[2] : "";
        switch (args[1]) {
            case "consume" -> inThread(CONSUMER_THREAD, () -> consume(dir, name, Long.parseLong(args[3]), Boolean.parseBoolean(args[4])));
            case "produce" -> inThread(PRODUCER_THREAD, () -> produce(dir, name, Long.parseLong(args[3]), Boolean.parseBoolean(args[4])));
            case "pipe-poll" -> inThread(CONSUMER_THREAD, () -> pipePoll(dir, name));
            case "pipe-send" -> pipeSend(dir, name);
            case "everything" -> everything(dir, Boolean.parseBoolean(args[2]));
            case "race-consume" -> inThread(CONSUMER_THREAD, () -> raceConsume(dir, name, Long.parseLong(args[3])));
            case "race-produce" -> inThread(PRODUCER_THREAD, () -> raceProduce(dir, name, Long.parseLong(args[3])));
            default -> throw new IllegalArgumentException("unknown command " + args[1]);
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} in a thread named {@code name}; a failure exits non-zero. */
    static void inThread(String name, Body body) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, name);
        t.start();
        t.join();
        if (failure[0] != null) {
            failure[0].printStackTrace();
            System.exit(1);
        }
    }

    /** Reads {@code count} 8-byte messages 0, 1, 2... in order, each waited for up to a minute. */
    static void consume(SegmentDirectory dir, String name, long count, boolean kernel) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, kernel ? KERNEL : QueueChild.WAITING);
             QueueConsumer consumer = queue.consumer()) {
            for (long expected = 0; expected < count; expected++) {
                QueueConsumer.Message m = consumer.take(Duration.ofSeconds(60));
                if (m == null) {
                    throw new AssertionError("no message " + expected + " within a minute");
                }
                long got = java.nio.ByteBuffer.wrap(m.payload()).order(java.nio.ByteOrder.nativeOrder()).getLong();
                if (got != expected) {
                    throw new AssertionError("message " + expected + " was " + got);
                }
            }
            System.out.println("received " + count + ", kernel waits " + (queue.consumerWake.isOn() ? "on" : "off"));
        }
    }

    /** Sends 8-byte messages 0 to count - 1, each waiting up to a minute for room. */
    static void produce(SegmentDirectory dir, String name, long count, boolean kernel) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, kernel ? KERNEL : QueueChild.WAITING);
             QueueProducer producer = queue.producer()) {
            byte[] message = new byte[8];
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(message).order(java.nio.ByteOrder.nativeOrder());
            for (long seq = 0; seq < count; seq++) {
                b.putLong(0, seq);
                producer.put(1, message, Duration.ofSeconds(60));
            }
            System.out.println("sent " + count);
        }
    }

    /**
     * Kernel waits whose bounded sleep is 30 s: a wake-up lost to a race between an announcement
     * and a commit would hold a ping-pong up for 30 s instead of microseconds.
     */
    static final LockOptions SLOW_CHECKS = KERNEL.withOwnerCheckInterval(Duration.ofSeconds(30));

    /**
     * How many times the other side's commits found this side's sleep announced and woke it: the
     * epoch (bits 1 to 31) of the wake word this side's consumer sleeps on, which only a waker
     * advances, and only when it clears an ANNOUNCED bit that {@link io.shmkit.sync.WakeWord#sleep}
     * set on its way into {@code FUTEX_WAIT}. Each one is a commit that raced a sleep; none means
     * this side never announced a kernel sleep, and the run proved nothing about lost wake-ups.
     */
    static long announcedSleepsWoken(io.shmkit.sync.WakeWord word, int before) {
        if (!word.isOn()) {
            throw new AssertionError("kernel waits are off: " + word);
        }
        return ((word.value() >>> 1) - (before >>> 1)) & 0x7FFF_FFFFL;
    }

    /**
     * Echoes {@code count} messages from queue {@code name} to queue {@code name.back}; prints how
     * many of its announced sleeps on {@code name} the producer's commits woke after the first exchange.
     */
    static void raceConsume(SegmentDirectory dir, String name, long count) throws Exception {
        try (MessageQueue in = MessageQueue.open(dir, name, SLOW_CHECKS); QueueConsumer consumer = in.consumer();
             MessageQueue back = MessageQueue.open(dir, name + ".back", SLOW_CHECKS); QueueProducer echo = back.producer()) {
            echo.put(1, consumer.take(Duration.ofSeconds(120)).payload(), Duration.ofSeconds(120));
            int before = in.consumerWake.value(); // counted after the first exchange, which waits for the other JVM's start
            for (long i = 1; i < count; i++) {
                echo.put(1, consumer.take(Duration.ofSeconds(120)).payload(), Duration.ofSeconds(120));
            }
            System.out.println("echo: announced sleeps woken " + announcedSleepsWoken(in.consumerWake, before));
        }
    }

    /**
     * Sends {@code count} messages, each after a gap from none to a few milliseconds and each
     * waiting for its echo: the other side is caught spinning, announcing, and asleep, and a
     * lost wake-up in either direction stalls the exchange. Prints the longest round trip, and
     * how many of its announced sleeps on {@code name.back} the echo's commits woke after the first exchange.
     */
    static void raceProduce(SegmentDirectory dir, String name, long count) throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        try (MessageQueue out = MessageQueue.open(dir, name, SLOW_CHECKS); QueueProducer producer = out.producer();
             MessageQueue back = MessageQueue.open(dir, name + ".back", SLOW_CHECKS); QueueConsumer echoes = back.consumer()) {
            byte[] message = new byte[8];
            long longest = 0;
            int before = 0;
            for (long i = 0; i < count; i++) {
                if (i == 1) {
                    before = back.consumerWake.value(); // counted after the first exchange, as the echo counts
                }
                int gap = random.nextInt(100);
                if (gap < 3) {
                    Thread.sleep(1 + random.nextInt(2));
                } else if (gap < 80) {
                    long until = System.nanoTime() + random.nextInt(100_000);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
                long t0 = System.nanoTime();
                producer.put(1, message, Duration.ofSeconds(120));
                if (echoes.take(Duration.ofSeconds(120)) == null) {
                    throw new AssertionError("no echo of message " + i);
                }
                longest = Math.max(longest, System.nanoTime() - t0);
            }
            System.out.println("longest round trip " + longest / 1_000_000 + " ms over " + count);
            System.out.println("producer: announced sleeps woken " + announcedSleepsWoken(back.consumerWake, before));
        }
    }

    /** Polls a one-way pipe's receiving end with kernel waits until a message comes, and checks it. */
    static void pipePoll(SegmentDirectory dir, String name) throws Exception {
        try (Connection<byte[]> end = Pipe.ofBytes(dir, name, Pipe.End.FIRST, false, 4096, KERNEL)) {
            if (!end.poll(Duration.ofSeconds(60))) {
                throw new AssertionError("poll saw nothing within a minute");
            }
            System.out.println("polled " + new String(end.recv()));
        }
    }

    static void pipeSend(SegmentDirectory dir, String name) throws Exception {
        try (Connection<byte[]> end = Pipe.ofBytes(dir, name, Pipe.End.SECOND, false, 4096, KERNEL)) {
            end.send("wake up".getBytes());
        }
    }

    /**
     * Takes and releases every kind of lock, and sends and receives through a queue, a record
     * queue and a pipe, with kernel waits on or off as asked; prints whether futexes are available.
     */
    static void everything(SegmentDirectory dir, boolean kernel) throws Exception {
        LockOptions options = kernel ? KERNEL : QueueChild.WAITING;
        try (SharedMutex mutex = SharedMutex.create(dir, "mutex").withOptions(options);
             SharedReentrantLock reentrant = SharedReentrantLock.create(dir, "reentrant").withOptions(options);
             SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw").withOptions(options);
             SharedSemaphore semaphore = SharedSemaphore.create(dir, "semaphore", 2).withOptions(options);
             SharedSeqLock seq = SharedSeqLock.create(dir, "seq").withOptions(options);
             SharedLong value = SharedLong.create(dir, "value", 0)) {
            mutex.lock();
            mutex.unlock();
            reentrant.lock();
            reentrant.lock();
            reentrant.unlock();
            reentrant.unlock();
            rw.readLock().lock();
            rw.readLock().unlock();
            rw.writeLock().lock();
            rw.writeLock().unlock();
            semaphore.acquire();
            semaphore.release();
            seq.write(() -> value.set(1));
            SharedReentrantLock builtIn = SharedReentrantLock.of(value).withOptions(options);
            builtIn.lock();
            value.set(2);
            builtIn.unlock();
        }
        try (MessageQueue queue = MessageQueue.create(dir, "queue", QueueOptions.oneProducer(4096).withWaiting(options));
             QueueProducer producer = queue.producer(); QueueConsumer consumer = queue.consumer()) {
            producer.put(1, new byte[] {1}, Duration.ofSeconds(5));
            if (consumer.take(Duration.ofSeconds(5)) == null) {
                throw new AssertionError("queue lost a message");
            }
        }
        try (RecordQueue<Point> points = RecordQueue.create(dir, "points", Point.class, QueueOptions.manyProducers(4096).withWaiting(options));
             RecordQueue<Point>.Producer producer = points.producer(); RecordQueue<Point>.Consumer consumer = points.consumer()) {
            producer.put(new Point(1, 2), Duration.ofSeconds(5));
            if (!new Point(1, 2).equals(consumer.take(Duration.ofSeconds(5)))) {
                throw new AssertionError("record queue lost a record");
            }
        }
        try (Connection<byte[]> first = Pipe.ofBytes(dir, "pipe", Pipe.End.FIRST, true, 4096, options);
             Connection<byte[]> second = Pipe.ofBytes(dir, "pipe", Pipe.End.SECOND, true, 4096, options)) {
            second.send(new byte[] {7});
            if (!first.poll(Duration.ofSeconds(5)) || first.recv()[0] != 7) {
                throw new AssertionError("pipe lost a message");
            }
        }
        System.out.println("futex available: " + Futex.isAvailable() + "; everything worked");
    }
}
