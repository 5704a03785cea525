package io.shmkit.net;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueFullException;
import io.shmkit.msg.QueueProducer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The producer and consumer JVMs of the bridge tests. Messages are 48 bytes (64-byte records, so
 * that a full 64 KiB queue holds exactly 1024 and is full when its depth is its capacity):
 * producer sequence number, four words derived from it, and a hash of the five, so a torn or
 * shifted one fails.
 *
 * <pre>
 * produce DIR QUEUE COUNT [first N FILE]  the same, but after the first N messages waits until FILE exists
 * produce DIR QUEUE COUNT [all]  offers; prints "FULL at SEQ" when an offer finds the queue full (the first
 *                                time, or every time with "all"), then waits for room; while the queue's
 *                                consumer (the sending bridge) is dead it retries, as a producer that
 *                                knows its consumer restarts does
 * consume DIR QUEUE           reads to end of stream; prints every anomaly and a RESULT line
 * </pre>
 */
public final class NetChild {
    static final int TYPE = 7;
    static final int LENGTH = 48;

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[1]));
        switch (args[0]) {
            case "produce" -> produce(dir, args[2], Long.parseLong(args[3]), args.length > 4 && args[4].equals("all"),
                    args.length > 6 && args[4].equals("first") ? Long.parseLong(args[5]) : -1,
                    args.length > 6 ? Path.of(args[6]) : null);
            case "consume" -> consume(dir, args[2]);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static long word(long seq, int i) {
        return switch (i) {
            case 0 -> seq;
            case 1 -> seq * seq;
            case 2 -> ~seq;
            case 3 -> seq * 3 + 1;
            default -> seq ^ 0x5555_5555_5555_5555L;
        };
    }

    static long hash(long seq) {
        long h = 0;
        for (int i = 0; i < 5; i++) {
            h = (h ^ word(seq, i)) * 0x9E3779B97F4A7C15L;
        }
        return h;
    }

    private static void produce(SegmentDirectory dir, String name, long count, boolean everyFull, long pauseAt, Path resume)
            throws InterruptedException {
        try (MessageQueue queue = MessageQueue.open(dir, name); QueueProducer producer = queue.producer(); Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(LENGTH, 8);
            boolean full = false;
            for (long seq = 0; seq < count; seq++) {
                while (seq == pauseAt && !java.nio.file.Files.exists(resume)) {
                    Thread.sleep(1);
                }
                for (int i = 0; i < 5; i++) {
                    m.set(ValueLayout.JAVA_LONG, 8L * i, word(seq, i));
                }
                m.set(ValueLayout.JAVA_LONG, 40, hash(seq));
                if (!producer.offer(TYPE, m)) {
                    if (!full || everyFull) {
                        full = true;
                        System.out.println("FULL at " + seq);
                        System.out.flush();
                    }
                    for (boolean written = false; !written; ) {
                        try {
                            producer.put(TYPE, m, Duration.ofMinutes(5));
                            written = true;
                        } catch (QueueFullException consumerDead) {
                            Thread.sleep(1);
                        }
                    }
                }
            }
        }
        System.out.println("PRODUCED " + count);
    }

    private static void consume(SegmentDirectory dir, String name) throws InterruptedException {
        long expected = 0;
        long count = 0;
        long bad = 0;
        long lost = 0;
        long twice = 0;
        try (MessageQueue queue = MessageQueue.open(dir, name); QueueConsumer consumer = queue.consumer()) {
            for (;;) {
                QueueConsumer.Message message = consumer.poll();
                if (message == null) {
                    if (consumer.isEndOfStream()) {
                        break;
                    }
                    Thread.sleep(0, 100_000);
                    continue;
                }
                MemorySegment m = MemorySegment.ofArray(message.payload());
                long seq = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                boolean intact = message.type() == TYPE && message.payload().length == LENGTH
                        && m.get(ValueLayout.JAVA_LONG_UNALIGNED, 40) == hash(seq);
                for (int i = 1; i < 5 && intact; i++) {
                    intact = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i) == word(seq, i);
                }
                if (!intact) {
                    bad++;
                    System.out.println("BAD message after " + (expected - 1));
                    continue;
                }
                count++;
                if (seq > expected) {
                    System.out.println("GAP " + expected + " " + (seq - 1));
                    lost += seq - expected;
                } else if (seq < expected) {
                    System.out.println("TWICE " + seq);
                    twice++;
                    continue;
                }
                expected = seq + 1;
            }
        } catch (EndOfStreamException e) {
            // the same end, seen by a blocking call
        }
        System.out.println("RESULT count=" + count + " last=" + (expected - 1) + " lost=" + lost + " twice=" + twice + " bad=" + bad);
    }
}
