package io.shmkit.demo;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.StructField;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.RecordQueue;
import io.shmkit.process.JvmProcess;
import java.time.Duration;

/**
 * Two JVMs, a typed queue, end of stream: this JVM makes a queue of {@code Tick} records and
 * starts a producer JVM, which sends {@code count} ticks (a million by default) and closes; this JVM sums the prices in
 * place (no copy, no allocation per message) until the queue says end of stream.
 *
 * <p>Run: {@code ./mvnw -B -q -Pdemo verify -Ddemo.main=io.shmkit.demo.QueueExample}.
 */
public final class QueueExample {
    /** One message: laid out as the C struct {@code {int64 seq; double price;}}, checked on attach. */
    public record Tick(long seq, double price) {
    }

    static final StructField.OfDouble PRICE = StructField.ofDouble(Tick.class, "price");

    private QueueExample() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory shm = SegmentDirectory.shm();
        if (args.length == 3 && args[0].equals("producer")) {
            produce(shm, args[1], Long.parseLong(args[2]));
            return;
        }
        // [count], or the demo profile's [workers count] (one producer here, so workers is ignored)
        long count = args.length == 0 ? 1_000_000 : Long.parseLong(args[args.length - 1]);
        String name = "shmkit-demo-" + ProcessHandle.current().pid() + "-ticks";
        try (RecordQueue<Tick> ticks = RecordQueue.create(shm, name, Tick.class, QueueOptions.oneProducer(1 << 20));
             RecordQueue<Tick>.Consumer consumer = ticks.consumer();
             JvmProcess producer = JvmProcess.builder(QueueExample.class).args("producer", name, Long.toString(count))
                     .inheritOutput().start()) {
            double[] sum = {0};
            long received = 0;
            long start = System.nanoTime();
            try {
                for (;;) {
                    received += consumer.read((buffer, offset) -> sum[0] += PRICE.get(buffer, offset), 256, Duration.ofSeconds(60));
                }
            } catch (EndOfStreamException end) {
                // the producer closed and everything it sent was read
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long expected = count / 1000 * 499_500 + (count % 1000) * (count % 1000 - 1) / 2; // prices are i % 1000: exact in a double
            System.out.printf("received %,d ticks from producer JVM %d until end of stream, in %.2f s%n", received, producer.pid(),
                    seconds);
            System.out.printf("sum of prices: %.0f (%s)%n", sum[0], sum[0] == expected ? "correct" : "WRONG, expected " + expected);
            producer.join(Duration.ofSeconds(30));
            if (received != count || sum[0] != expected || producer.exitCode() != 0) {
                System.exit(1);
            }
        } finally {
            shm.unlink(name);
        }
    }

    /** The producer JVM: attaches (its Tick must match the queue's layout), sends, closes. */
    static void produce(SegmentDirectory shm, String name, long count) throws InterruptedException {
        try (RecordQueue<Tick> ticks = RecordQueue.open(shm, name, Tick.class);
             RecordQueue<Tick>.Producer producer = ticks.producer()) {
            for (long i = 0; i < count; i++) {
                producer.put(new Tick(i, i % 1000), Duration.ofSeconds(60));
            }
        } // closing the producer ends the stream once the consumer has read everything
    }
}
