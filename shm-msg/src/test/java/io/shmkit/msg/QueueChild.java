package io.shmkit.msg;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.sync.LockOptions;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of the cross-process queue tests: {@code QueueChild <dir> <command> <args...>}.
 * Progress that the parent waits for is written to the {@code phases} segment (a
 * SharedLongArray the parent creates); the exit code is 0 when the child's own checks passed.
 */
public final class QueueChild {
    /** Fast owner checks, so that deaths are found within a few milliseconds. */
    static final LockOptions WAITING = LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ofMillis(10))
            .withRecoveryListener(r -> { });

    /** Phase words. */
    static final int PHASE = 0;
    static final int ARG = 1;
    static final int BATCH_START = 2;
    static final int COUNT = 3;
    /** The parent's start signal to gated producers. */
    static final int GO = 4;
    static final long HOLDING_CLAIM = 1;
    static final long STUCK_IN_HANDLER = 2;

    private QueueChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        String command = args[1];
        switch (command) {
            case "produce" -> produce(dir, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), false);
            case "produce-mutant" -> produce(dir, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), true);
            case "die-mid-payload" -> dieMidPayload(dir, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
            case "produce-then-offer" -> produceThenOffer(dir, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
            case "consume" -> consume(dir, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
            case "transmit" -> transmit(dir, args[2], Long.parseLong(args[3]));
            case "pipe-echo" -> pipeEcho(dir, args[2]);
            case "consume-until-end" -> consumeUntilEnd(dir, args[2]);
            case "produce-one-and-close" -> produceOneAndClose(dir, args[2]);
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }

    /** Sends {@code count} checksummed messages as producer {@code id}, then closes. */
    static void produce(SegmentDirectory dir, String name, int id, long count, boolean mutant) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, WAITING); QueueProducer producer = queue.producer()) {
            awaitGo(dir);
            for (long seq = 0; seq < count; seq++) {
                int length = Checksummed.length(seq);
                if (mutant) {
                    // the bug the cross-process test must catch: the length is published before the payload
                    long at;
                    while ((at = producer.reserve(1 + id, length)) < 0) {
                        Thread.onSpinWait();
                    }
                    producer.commit(at, length);
                    for (int i = 0; i < 200; i++) {
                        Thread.onSpinWait();
                    }
                    Checksummed.write(producer.ring(), at + RecordDescriptor.HEADER_LENGTH, id, seq, length);
                } else {
                    Claim claim = producer.claim(1 + id, length, Duration.ofSeconds(60));
                    Checksummed.write(claim.buffer(), claim.offset(), id, seq, length);
                    claim.commit();
                }
            }
        }
    }

    /** Waits, holding its role, until the parent says go (so that producers overlap), if the parent made a phases segment. */
    static void awaitGo(SegmentDirectory dir) throws InterruptedException {
        if (!java.nio.file.Files.exists(dir.path().resolve("phases"))) {
            return;
        }
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases")) {
            while (phases.getVolatile(GO) == 0) {
                Thread.sleep(1);
            }
        }
    }

    /** Sends {@code count} messages, then claims one more, writes half of it, says so, and waits to be killed. */
    static void dieMidPayload(SegmentDirectory dir, String name, int id, long count) throws Exception {
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases");
             MessageQueue queue = MessageQueue.open(dir, name, WAITING)) {
            QueueProducer producer = queue.producer();
            for (long seq = 0; seq < count; seq++) {
                int length = Checksummed.length(seq);
                Claim claim = producer.claim(1 + id, length, Duration.ofSeconds(60));
                Checksummed.write(claim.buffer(), claim.offset(), id, seq, length);
                claim.commit();
            }
            int length = Checksummed.length(count);
            Claim claim = producer.claim(1 + id, length, Duration.ofSeconds(60));
            MemorySegment half = MemorySegment.ofArray(new byte[length]);
            Checksummed.write(half, 0, id, count, length);
            MemorySegment.copy(half, 0, claim.buffer(), claim.offset(), length / 2);
            phases.setVolatile(ARG, claim.offset() - RecordDescriptor.HEADER_LENGTH);
            phases.setVolatile(PHASE, HOLDING_CLAIM);
            for (;;) {
                Thread.sleep(1000);
            }
        }
    }

    /**
     * Sends {@code count} messages, then offers one more; the parent's debugger stops it inside
     * that offer (in {@code QueueProducer.reserveAt}, holding the claimer word of a many-producer
     * queue, before any header is written) and kills it there.
     */
    static void produceThenOffer(SegmentDirectory dir, String name, int id, long count) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, WAITING)) {
            QueueProducer producer = queue.producer();
            for (long seq = 0; seq <= count; seq++) {
                int length = Checksummed.length(seq);
                Claim claim = producer.claim(1 + id, length, Duration.ofSeconds(60));
                Checksummed.write(claim.buffer(), claim.offset(), id, seq, length);
                claim.commit();
            }
        }
        System.exit(3); // the debugger should have stopped the last one
    }

    /**
     * Consumes and checks messages in batches of up to 16, recording the first message of each
     * batch and the one being handled; at producer 0's message {@code stuckAt} it says so and
     * waits in the handler to be killed.
     */
    static void consume(SegmentDirectory dir, String name, int producers, long stuckAt) throws Exception {
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases");
             MessageQueue queue = MessageQueue.open(dir, name, WAITING)) {
            QueueConsumer consumer = queue.consumer();
            Verifier verifier = new Verifier(producers);
            boolean[] batchStart = {true};
            MessageHandler handler = (type, buffer, offset, length) -> {
                verifier.onMessage(type, buffer, offset, length);
                long seq = Checksummed.seq(buffer, offset);
                if (batchStart[0]) {
                    phases.setVolatile(BATCH_START, seq);
                    batchStart[0] = false;
                }
                phases.setVolatile(COUNT, verifier.total);
                if (seq == stuckAt) {
                    phases.setVolatile(ARG, seq);
                    phases.setVolatile(PHASE, STUCK_IN_HANDLER);
                    for (;;) {
                        Thread.onSpinWait();
                    }
                }
            };
            for (;;) {
                batchStart[0] = true;
                consumer.read(handler, 16, Duration.ofSeconds(60));
                if (verifier.torn + verifier.gaps + verifier.duplicates > 0) {
                    System.out.println("BAD " + verifier);
                    System.exit(4);
                }
            }
        }
    }

    /** Transmits checksummed messages as fast as it can (producer 0), counting them in phase word COUNT. */
    static void transmit(SegmentDirectory dir, String name, long count) throws Exception {
        try (SharedLongArray phases = SharedLongArray.open(dir, "phases");
             Broadcast broadcast = Broadcast.open(dir, name, WAITING)) {
            BroadcastTransmitter transmitter = broadcast.transmitter();
            MemorySegment message = MemorySegment.ofArray(new byte[Checksummed.length(0) + 200]);
            for (long seq = 0; count < 0 || seq < count; seq++) {
                int length = Checksummed.length(seq);
                Checksummed.write(message, 0, 0, seq, length);
                transmitter.transmit(1, message.asSlice(0, length));
                phases.setRelease(COUNT, seq + 1);
            }
            transmitter.close();
        }
    }

    /** The second end of a duplex byte pipe: echoes each message back reversed until the first end closes. */
    static void pipeEcho(SegmentDirectory dir, String name) throws Exception {
        try (Connection<byte[]> connection = Pipe.ofBytes(dir, name, Pipe.End.SECOND, true, 1 << 16)) {
            for (long replies = 0; ; replies++) {
                byte[] message;
                try {
                    message = connection.recv();
                } catch (EndOfStreamException ended) {
                    System.out.println("REPLIES " + replies); // one per message: the parent checks none was extra
                    return;
                }
                byte[] reply = new byte[message.length];
                for (int i = 0; i < message.length; i++) {
                    reply[i] = message[message.length - 1 - i];
                }
                connection.send(reply);
            }
        }
    }

    /** Reads until end of stream, printing each message's type and then END. */
    static void consumeUntilEnd(SegmentDirectory dir, String name) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, WAITING); QueueConsumer consumer = queue.consumer()) {
            try {
                for (;;) {
                    consumer.read((type, buffer, offset, length) -> System.out.println("READ " + type), 16, Duration.ofSeconds(60));
                }
            } catch (EndOfStreamException end) {
                System.out.println("END " + end.getMessage());
            }
        }
    }

    /** Sends one message and closes its producer (a debugger may stop it inside close). */
    static void produceOneAndClose(SegmentDirectory dir, String name) throws Exception {
        try (MessageQueue queue = MessageQueue.open(dir, name, WAITING); QueueProducer producer = queue.producer()) {
            producer.offer(7, new byte[] {7});
        }
        System.out.println("CLOSED");
    }
}
