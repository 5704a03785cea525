package io.shmkit.msg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentFormatException;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.Debugged;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.CountingIdle;
import io.shmkit.sync.ProcessKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Queues between real JVMs: many producers at once, and producers and consumers killed
 * (SIGKILL) at the moments the protocol must survive. Each kill waits for the child to say, in
 * the phases segment or by the debugger stopping it, that it is exactly where the test needs it.
 */
class CrossProcessQueueTest extends SegmentTestSupport {
    private static final Duration START = Duration.ofSeconds(90);
    /** How long a dead writer may hold the consumer up, after the consumer first met its message: the owner-check interval plus a liveness read, with room for a busy machine. */
    private static final Duration UNBLOCK_BOUND = Duration.ofSeconds(2);
    private static final LockOptions WAITING = QueueChild.WAITING;

    private final List<JvmProcess> children = new ArrayList<>();
    private final List<AutoCloseable> debugged = new ArrayList<>();
    private SharedLongArray phases;

    @BeforeEach
    void phases() {
        phases = SharedLongArray.create(dir, "phases", 8);
    }

    @AfterEach
    void killChildren() throws Exception {
        children.forEach(JvmProcess::close);
        for (AutoCloseable d : debugged) {
            d.close();
        }
        phases.close();
    }

    private JvmProcess child(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = dir.path().toString();
        System.arraycopy(args, 0, all, 1, args.length);
        JvmProcess p = JvmProcess.builder(QueueChild.class).jvmOptions("-Xmx128m", "-XX:+UseSerialGC").args(all).captureOutput().start();
        children.add(p);
        return p;
    }

    /** Reads into {@code verifier} until it has {@code total} messages. */
    private static void readUntil(QueueConsumer consumer, Verifier verifier, long total, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (verifier.total < total) {
            consumer.read(verifier, 256, Duration.ofMillis(100));
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + verifier);
            }
        }
    }

    @Test
    void twoProducerJvmsDeliverEveryMessageExactlyOnceInOrderAndNeverTorn() throws Exception {
        long each = 1_000_000;
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(1 << 16).withWaiting(WAITING));
             QueueConsumer consumer = queue.consumer()) {
            JvmProcess a = child("produce", "q", "0", Long.toString(each));
            JvmProcess b = child("produce", "q", "1", Long.toString(each));
            Children.await("both producers to attach", START, () -> queue.status().producerList().size() == 2, a, b);
            phases.setVolatile(QueueChild.GO, 1);
            Verifier verifier = new Verifier(2);
            int[] switches = {0};
            int[] last = {-1};
            MessageHandler counting = (type, buffer, offset, length) -> {
                verifier.onMessage(type, buffer, offset, length);
                if (type != last[0]) {
                    switches[0]++;
                    last[0] = type;
                }
            };
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (verifier.total < 2 * each && System.nanoTime() < deadline) {
                consumer.read(counting, 256, Duration.ofMillis(100));
            }
            assertEquals(0, verifier.torn, verifier.toString());
            assertEquals(0, verifier.duplicates, verifier.toString());
            assertEquals(0, verifier.gaps, verifier.toString());
            assertArrayEquals(new long[] {each, each}, verifier.next, verifier.toString());
            assertTrue(a.join(Duration.ofSeconds(60)) && a.exitCode() == 0, a.output());
            assertTrue(b.join(Duration.ofSeconds(60)) && b.exitCode() == 0, b.output());
            assertTrue(switches[0] > 100, "the producers must have interleaved, not taken turns: " + switches[0] + " switches");
            assertEquals(0, queue.status().unblocked());
            assertTrue(consumer.isEndOfStream(), "both producers closed and all was read");
        }
    }

    @Test
    void theVerifierCatchesAProducerThatPublishesTheLengthBeforeThePayload() throws Exception {
        long each = 200_000;
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(1 << 16).withWaiting(WAITING));
             QueueConsumer consumer = queue.consumer()) {
            JvmProcess a = child("produce-mutant", "q", "0", Long.toString(each));
            JvmProcess b = child("produce-mutant", "q", "1", Long.toString(each));
            Children.await("both producers to attach", START, () -> queue.status().producerList().size() == 2, a, b);
            phases.setVolatile(QueueChild.GO, 1);
            Verifier verifier = new Verifier(2);
            SegmentFormatException corrupt = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            try {
                while (verifier.torn == 0 && verifier.total < 2 * each && System.nanoTime() < deadline) {
                    consumer.read(verifier, 256, Duration.ofMillis(100));
                }
            } catch (SegmentFormatException e) {
                corrupt = e; // stale bytes the mutant wrote late, read as a record
            }
            assertTrue(verifier.torn > 0 || corrupt != null, "the mutation went unnoticed: " + verifier);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {QueueDescriptor.ONE_PRODUCER, QueueDescriptor.MANY_PRODUCERS})
    void aProducerKilledMidPayloadIsDroppedWithinTheBoundAndNothingCommittedIsLost(int producers) throws Exception {
        QueueOptions options = new QueueOptions(producers, 1 << 18, 1024, WAITING); // room for all 2000 messages
        try (MessageQueue queue = MessageQueue.create(dir, "q", options); QueueConsumer consumer = queue.consumer()) {
            JvmProcess victim = child("die-mid-payload", "q", "0", "1000");
            Children.await("the victim to hold a half-written claim", START, () -> phases.getVolatile(QueueChild.PHASE) == QueueChild.HOLDING_CLAIM, victim);
            Verifier verifier = new Verifier(2);
            readUntil(consumer, verifier, 1000, Duration.ofSeconds(30));
            assertEquals(0, consumer.read(verifier, 16), "the consumer waits at the half-written message while its writer lives");
            assertTrue(consumer.read(verifier, 16, Duration.ofMillis(100)) == 0, "and keeps waiting: its writer is alive");

            JvmProcess second = null;
            QueueProducer parentProducer = null;
            if (producers == QueueDescriptor.MANY_PRODUCERS) {
                phases.setVolatile(QueueChild.GO, 1);
                second = child("produce", "q", "1", "1000");
                Children.await("the second producer to attach", START, () -> queue.status().producerList().size() == 2, second);
            }
            victim.kill();
            assertTrue(victim.join(Duration.ofSeconds(30)));
            long killed = System.nanoTime();
            if (producers == QueueDescriptor.ONE_PRODUCER) {
                parentProducer = queue.producer(); // the dead producer's role is taken back
                for (long seq = 0; seq < 1000; seq++) {
                    int length = Checksummed.length(seq);
                    Claim claim = parentProducer.claim(2, length, Duration.ofSeconds(10));
                    Checksummed.write(claim.buffer(), claim.offset(), 1, seq, length);
                    claim.commit();
                }
            }
            consumer.read(verifier, 1, Duration.ofSeconds(30));
            long unblockedAfter = System.nanoTime() - killed;
            readUntil(consumer, verifier, 2000, Duration.ofSeconds(60));
            System.out.printf("unblocked %d producers after the kill in %.1f ms%n", producers, unblockedAfter / 1e6);
            assertTrue(unblockedAfter < UNBLOCK_BOUND.toNanos(), "the consumer was held up " + unblockedAfter / 1e6 + " ms");
            assertEquals(0, verifier.torn, verifier.toString());
            assertEquals(0, verifier.gaps + verifier.duplicates, verifier.toString());
            assertArrayEquals(new long[] {1000, 1000}, verifier.next, "every committed message, once; the half-written one never");
            assertEquals(1, queue.status().unblocked());
            if (parentProducer != null) {
                parentProducer.close();
            }
            if (second != null) {
                assertTrue(second.join(Duration.ofSeconds(30)) && second.exitCode() == 0, second.output());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {QueueDescriptor.ONE_PRODUCER, QueueDescriptor.MANY_PRODUCERS})
    void aProducerKilledAfterWinningItsClaimBeforeWritingAHeaderLeavesNothingToRead(int producers) throws Exception {
        QueueOptions options = new QueueOptions(producers, 1 << 16, 1024, WAITING);
        try (MessageQueue queue = MessageQueue.create(dir, "q", options); QueueConsumer consumer = queue.consumer()) {
            // stopped on entering the reserve step of its 101st message: the claimer word is held, no header written
            Debugged child = new Debugged(QueueChild.class, List.of(dir.path().toString(), "produce-then-offer", "q", "0", "100"),
                    "io.shmkit.msg.QueueProducer", "reserveAt", "main", 101);
            debugged.add(child);
            child.awaitPaused(START);
            long tailBefore = queue.status().tail();
            long claimer = (long) MessageQueue.LONG.getVolatile(queue.data, queue.control + QueueDescriptor.CLAIMER);
            if (producers == QueueDescriptor.MANY_PRODUCERS) {
                assertEquals(child.pid(), ProcessKey.pid(claimer), "the child holds the claimer word");
            } else {
                assertEquals(0, claimer);
            }
            child.kill();
            long killed = System.nanoTime();
            Verifier verifier = new Verifier(2);
            readUntil(consumer, verifier, 100, Duration.ofSeconds(30));
            assertEquals(0, consumer.read(verifier, 16), "nothing of the dead producer's last message is visible");
            assertEquals(tailBefore, queue.status().tail());
            try (QueueProducer producer = queue.producer()) { // takes the dead one's role (one producer) or claimer word (many)
                for (long seq = 0; seq < 100; seq++) {
                    int length = Checksummed.length(seq);
                    Claim claim = producer.claim(2, length, Duration.ofSeconds(10));
                    Checksummed.write(claim.buffer(), claim.offset(), 1, seq, length);
                    claim.commit();
                    if (seq == 0) {
                        System.out.printf("first claim after the kill, %d producers: %.1f ms%n", producers,
                                (System.nanoTime() - killed) / 1e6);
                    }
                }
            }
            readUntil(consumer, verifier, 200, Duration.ofSeconds(30));
            assertEquals(0, verifier.torn + verifier.gaps + verifier.duplicates, verifier.toString());
            assertArrayEquals(new long[] {100, 100}, verifier.next);
            QueueStatus status = queue.status();
            assertEquals(0, status.unblocked(), "no message was half-written");
            assertEquals(producers == QueueDescriptor.MANY_PRODUCERS ? 1 : 0, status.claimTakeovers(), status.toString());
        }
    }

    @Test
    void aConsumerKilledMidBatchIsNamedToWaitingProducersThenTakenOverAndItsBatchRedelivered() throws Exception {
        CountingIdle idle = new CountingIdle();
        QueueOptions options = QueueOptions.oneProducer(4096).withWaiting(WAITING.withIdleStrategy(idle));
        try (MessageQueue queue = MessageQueue.create(dir, "q", options); QueueProducer producer = queue.producer()) {
            long stuckAt = 150;
            JvmProcess victim = child("consume", "q", "1", Long.toString(stuckAt));
            long seq = 0;
            while (phases.getVolatile(QueueChild.PHASE) != QueueChild.STUCK_IN_HANDLER) {
                int length = Checksummed.length(seq);
                Claim claim = producer.tryClaim(1, length);
                if (claim == null) {
                    assertTrue(victim.isAlive(), victim.output());
                    Thread.onSpinWait();
                    continue;
                }
                Checksummed.write(claim.buffer(), claim.offset(), 0, seq, length);
                claim.commit();
                seq++;
            }
            long batchStart = phases.getVolatile(QueueChild.BATCH_START);
            assertTrue(batchStart <= stuckAt && batchStart > stuckAt - 16, "batch starts at " + batchStart);

            IllegalStateException refused = assertThrows(IllegalStateException.class, queue::consumer);
            assertTrue(refused.getMessage().contains("pid " + victim.pid()), refused.getMessage());

            while (true) { // fill the ring so that the next put waits for the dead consumer
                int length = Checksummed.length(seq);
                Claim claim = producer.tryClaim(1, length);
                if (claim == null) {
                    break;
                }
                Checksummed.write(claim.buffer(), claim.offset(), 0, seq, length);
                claim.commit();
                seq++;
            }
            long sent = seq;
            int idledBefore = idle.calls();
            CompletableFuture<QueueFullException> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    producer.put(1, new byte[Checksummed.length(sent)], Duration.ofMinutes(5));
                    return null;
                } catch (QueueFullException e) {
                    return e;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            idle.awaitMoreThan(idledBefore, Duration.ofSeconds(30)); // the put found the ring full and waits
            assertFalse(waiting.isDone(), "the producer waits while the consumer lives");
            victim.kill();
            assertTrue(victim.join(Duration.ofSeconds(30)));
            long killed = System.nanoTime();
            QueueFullException full = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
            long named = System.nanoTime() - killed;
            assertTrue(full != null && full.consumerPid() == victim.pid() && full.getMessage().contains("pid " + victim.pid())
                    && full.getMessage().contains("dead"), String.valueOf(full));
            assertTrue(named < UNBLOCK_BOUND.toNanos(), "named the dead consumer after " + named / 1e6 + " ms");

            try (QueueConsumer successor = queue.consumer()) {
                long[] first = {-1};
                Verifier verifier = new Verifier(1);
                verifier.next[0] = batchStart;
                MessageHandler handler = (type, buffer, offset, length) -> {
                    if (first[0] < 0) {
                        first[0] = Checksummed.seq(buffer, offset);
                    }
                    verifier.onMessage(type, buffer, offset, length);
                };
                while (verifier.total < sent - batchStart) {
                    assertTrue(successor.read(handler, 64, Duration.ofSeconds(10)) > 0, verifier.toString());
                }
                assertEquals(batchStart, first[0], "the dead consumer's whole batch comes again, from its first message");
                assertEquals(0, verifier.torn + verifier.gaps + verifier.duplicates, verifier.toString());
                assertEquals(sent, verifier.next[0], "nothing is lost");
                assertEquals(0, successor.read(handler, 1));
            }
        }
    }

    @Test
    void aDuplexPipeCarriesMessagesBothWaysAndEndsWhenAnEndCloses() throws Exception {
        try (Connection<byte[]> first = Pipe.ofBytes(dir, "pipe", Pipe.End.FIRST, true, 1 << 16)) {
            JvmProcess echo = child("pipe-echo", "pipe");
            for (int i = 0; i < 1000; i++) {
                byte[] message = ("message " + i).getBytes();
                first.send(message, Duration.ofSeconds(60));
                assertTrue(first.poll(Duration.ofSeconds(60)));
                byte[] reply = first.recv();
                assertEquals(new StringBuilder("message " + i).reverse().toString(), new String(reply));
            }
            assertFalse(first.poll(Duration.ofMillis(20)));
            IllegalStateException taken = assertThrows(IllegalStateException.class,
                    () -> Pipe.ofBytes(dir, "pipe", Pipe.End.SECOND, true, 1 << 16));
            assertTrue(taken.getMessage().contains("pid " + echo.pid()), taken.getMessage());
            first.close(); // the echo's recv ends, and it closes its end, which ends ours
            assertTrue(echo.join(Duration.ofSeconds(60)) && echo.exitCode() == 0, echo.output());
            assertTrue(echo.output().contains("REPLIES 1000\n"), "one reply per message, none extra:\n" + echo.output());
        }
        try (Connection<byte[]> again = Pipe.ofBytes(dir, "pipe", Pipe.End.FIRST, true, 1 << 16)) {
            assertThrows(EndOfStreamException.class, () -> again.recv(Duration.ofSeconds(10)));
            again.unlink();
        }
    }

    @Test
    void aConsumerNeverSeesTheEndWhileAProducerThatAttachedDuringItsCheckHasAMessageWaiting() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(4096).withWaiting(WAITING))) {
            queue.producer().close(); // the stream has ended: one producer attached and closed
            // the consumer is stopped on entering its end-of-stream check
            Debugged child = new Debugged(QueueChild.class, List.of(dir.path().toString(), "consume-until-end", "q"),
                    "io.shmkit.sync.SharedSemaphore", "availablePermits", "main", 1);
            debugged.add(child);
            var stopped = child.awaitPaused(START);
            try (QueueProducer late = queue.producer()) {
                late.offer(3, new byte[1]);
            }
            child.release(stopped);
            assertEquals(0, child.join(Duration.ofSeconds(60)), child.output());
            assertTrue(child.output().contains("READ 3\nEND"), "the message first, then the end: " + child.output());
        }
    }

    @Test
    void aProducerKilledInsideCloseLeavesAStreamThatEndsForItsConsumer() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(4096).withWaiting(WAITING));
             QueueConsumer consumer = queue.consumer()) {
            Debugged child = new Debugged(QueueChild.class, List.of(dir.path().toString(), "produce-one-and-close", "q"),
                    "io.shmkit.msg.MessageQueue", "endStreamAt", "main", 1);
            debugged.add(child);
            child.awaitPaused(START);
            child.kill();
            List<Integer> got = new ArrayList<>();
            EndOfStreamException end = assertThrows(EndOfStreamException.class, () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                    consumer.read((t, b, o, l) -> got.add(t), 16, Duration.ofSeconds(1));
                }
            }, "the stream must end once the only producer is found dead");
            assertEquals(List.of(7), got);
            assertTrue(end.getMessage().contains("died") && end.getMessage().contains(Long.toString(child.pid())), end.getMessage());
        }
    }
}
