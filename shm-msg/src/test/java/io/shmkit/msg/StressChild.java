package io.shmkit.msg;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The children of {@link QueueStressTest}: producers and consumers that record, in shared phase
 * words, where they are in each operation, so that the parent can kill them mid-operation and
 * then know from the words where each one died.
 *
 * <p>{@code phases}: for producer incarnation {@code id}, words {@code 4 * id + PHASE} (0 idle,
 * 1 claiming, 2 writing its claim, 3 committed), {@code + SEQ} and {@code + COMMITTED} (messages
 * committed and known to be). Words from {@link #CONSUMER_BASE}: the consumer's phase (1 while
 * a message is in its handler), the stop flag, torn, gaps, duplicates, delivered. {@code seen}:
 * for each producer incarnation, the next sequence number the consumers expect.
 */
public final class StressChild {
    static final int PHASE = 0;
    static final int SEQ = 1;
    static final int COMMITTED = 2;
    static final long CLAIMING = 1;
    static final long WRITING = 2;
    static final long DONE = 3;
    static final int MAX_PRODUCERS = 256;
    static final int CONSUMER_BASE = 4 * MAX_PRODUCERS;
    static final int CONSUMER_PHASE = CONSUMER_BASE;
    static final int STOP = CONSUMER_BASE + 1;
    static final int TORN = CONSUMER_BASE + 2;
    static final int GAPS = CONSUMER_BASE + 3;
    static final int DUPLICATES = CONSUMER_BASE + 4;
    static final int DELIVERED = CONSUMER_BASE + 5;
    static final int WORDS = CONSUMER_BASE + 8;

    private StressChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        switch (args[1]) {
            case "producer" -> produce(dir, Integer.parseInt(args[2]));
            case "consumer" -> consume(dir);
            default -> throw new IllegalArgumentException(args[1]);
        }
    }

    private static void spin(int n) {
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }

    static void produce(SegmentDirectory dir, int id) throws Exception {
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases");
             MessageQueue queue = MessageQueue.open(dir, "q", QueueChild.WAITING);
             QueueProducer producer = queue.producer()) {
            long base = 4L * id;
            MemorySegment scratch = MemorySegment.ofArray(new byte[256]);
            for (long seq = 0; phases.getVolatile(STOP) == 0; seq++) {
                int length = Checksummed.length(seq);
                Checksummed.write(scratch, 0, id, seq, length);
                phases.setVolatile(base + SEQ, seq);
                phases.setVolatile(base + PHASE, CLAIMING);
                Claim claim;
                try {
                    claim = producer.claim(1 + id, length, Duration.ofSeconds(1));
                } catch (QueueFullException full) {
                    phases.setVolatile(base + PHASE, 0);
                    seq--;
                    continue; // the consumer is being replaced; try again
                }
                phases.setVolatile(base + PHASE, WRITING);
                for (int part = 0; part < 4; part++) { // written in four parts, slowly: kills land here
                    int from = part * length / 4;
                    int to = (part + 1) * length / 4;
                    MemorySegment.copy(scratch, from, claim.buffer(), claim.offset() + from, to - from);
                    spin(2000);
                }
                claim.commit();
                phases.setVolatile(base + COMMITTED, seq + 1);
                phases.setVolatile(base + PHASE, DONE);
            }
        }
    }

    static void consume(SegmentDirectory dir) throws Exception {
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases");
             SharedLongArray seen = SharedLongArray.open(dir, "seen");
             MessageQueue queue = MessageQueue.open(dir, "q", QueueChild.WAITING);
             QueueConsumer consumer = queue.consumer()) {
            MessageHandler handler = (type, buffer, offset, length) -> {
                phases.setVolatile(CONSUMER_PHASE, 1);
                phases.getAndAdd(DELIVERED, 1);
                String problem = Checksummed.check(buffer, offset, length);
                if (problem != null) {
                    phases.getAndAdd(TORN, 1);
                    System.out.println("TORN " + problem);
                } else {
                    int producer = Checksummed.producer(buffer, offset);
                    long seq = Checksummed.seq(buffer, offset);
                    long next = seen.getVolatile(producer);
                    if (seq == next) {
                        seen.setVolatile(producer, seq + 1);
                    } else if (seq < next) {
                        phases.getAndAdd(DUPLICATES, 1);
                    } else {
                        phases.getAndAdd(GAPS, 1);
                        System.out.println("GAP producer " + producer + " seq " + seq + " expected " + next);
                        seen.setVolatile(producer, seq + 1);
                    }
                }
                spin(3000); // kills land here, between handing over and publishing the head
                phases.setVolatile(CONSUMER_PHASE, 0);
            };
            for (;;) {
                try {
                    consumer.read(handler, 16, Duration.ofMillis(100));
                } catch (EndOfStreamException end) {
                    if (phases.getVolatile(STOP) != 0) {
                        return;
                    }
                }
            }
        }
    }
}
