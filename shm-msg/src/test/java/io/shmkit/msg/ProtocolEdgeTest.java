package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentFormatException;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.sync.CountingIdle;
import io.shmkit.sync.ProcessKey;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The states a death or a race leaves at the edges of the protocols, set up directly: each test
 * here failed on an earlier version of the code, found by an adversarial review.
 */
class ProtocolEdgeTest extends SegmentTestSupport {
    private static final QueueOptions FAST = QueueOptions.manyProducers(1024).withWaiting(QueueChild.WAITING);

    @Test
    void attachingToABusyQueueOrBroadcastNeverMistakesMovingPositionsForCorruption() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024));
             Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = List.of(
                    Thread.ofPlatform().start(() -> {
                        try (QueueProducer p = queue.producer()) {
                            while (!stop.get()) {
                                p.offer(1, new byte[8]);
                            }
                        }
                    }),
                    Thread.ofPlatform().start(() -> {
                        try (QueueConsumer c = queue.consumer()) {
                            while (!stop.get()) {
                                c.read((t, b, o, l) -> { }, 1);
                            }
                        }
                    }),
                    Thread.ofPlatform().start(() -> {
                        try (BroadcastTransmitter t = broadcast.transmitter()) {
                            while (!stop.get()) {
                                t.transmit(1, new byte[8]);
                            }
                        }
                    }));
            try {
                for (int i = 0; i < 1500; i++) {
                    MessageQueue.open(dir, "q").close();
                    Broadcast.open(dir, "b").close();
                }
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
            }
            assertTrue(queue.status().tail() > 0 && broadcast.position() > 0, "both were busy");
        }
    }

    @Test
    void aStalePaddingHeaderAtTheTailIsNeverTakenForACommittedRecord() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST);
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            for (int i = 0; i < 15; i++) {
                assertTrue(producer.offer(1, new byte[48]));
            }
            assertEquals(15, consumer.read((t, b, o, l) -> { }, 100));
            assertEquals(960, queue.status().tail());
            // a producer that dies after writing the padding header (R3) and before the tail (R5)
            // leaves exactly this: the padding is negative until the tail covers it
            queue.ring.set(JAVA_LONG, 960 + RecordDescriptor.WRITER_OFFSET, 1L << 32);
            queue.ring.set(JAVA_INT, 960 + RecordDescriptor.TYPE_OFFSET, RecordDescriptor.PADDING);
            queue.ring.set(JAVA_INT, 960 + RecordDescriptor.LENGTH_OFFSET, -64);
            assertEquals(0, consumer.read((t, b, o, l) -> { }, 10), "nothing at or above the tail is read");
            // a successor reserving at the same tail, without padding
            assertTrue(producer.offer(2, new byte[] {1}));
            assertTrue(producer.offer(3, new byte[] {2}));
            List<Integer> types = new ArrayList<>();
            assertEquals(2, consumer.read((t, b, o, l) -> types.add(t * 10 + b.get(JAVA_BYTE, o)), 10));
            assertEquals(List.of(21, 32), types);
        }
    }

    @Test
    void aProducerPublishesPaddingOnlyAfterTheTailCoversIt() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST);
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            for (int i = 0; i < 15; i++) {
                producer.offer(1, new byte[48]);
            }
            consumer.read((t, b, o, l) -> { }, 100);
            Claim claim = producer.tryClaim(2, 100); // needs 64 bytes of padding at 960, lands at 0
            assertEquals(16, claim.offset());
            assertEquals(64, queue.ring.get(JAVA_INT, 960), "committed padding, below the tail");
            assertEquals(RecordDescriptor.PADDING, queue.ring.get(JAVA_INT, 960 + 4));
            assertEquals(1024 + 128, queue.status().tail());
            claim.commit();
            assertEquals(1, consumer.read((t, b, o, l) -> assertEquals(100, l), 10));
        }
    }

    @Test
    void paddingOrLengthsThatNoProducerWritesAreReportedNotWaitedOn() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST);
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            producer.offer(1, new byte[1]);
            producer.offer(1, new byte[1]);
            // padding that ends past the tail (64): committed padding is only ever below it
            queue.ring.set(JAVA_INT, RecordDescriptor.TYPE_OFFSET, RecordDescriptor.PADDING);
            queue.ring.set(JAVA_INT, 0, 96);
            SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> consumer.read((t, b, o, l) -> { }, 10));
            assertTrue(e.getMessage().contains("past the tail") && e.getMessage().contains("ring offset 0"), e.getMessage());
            // lengths whose alignment would overflow an int
            for (int length : new int[] {0x7FFFFFF8, 0x7FFFFFFF, Integer.MIN_VALUE, -0x7FFFFFF8}) {
                queue.ring.set(JAVA_INT, 0, length);
                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                    SegmentFormatException overflow = assertThrows(SegmentFormatException.class,
                            () -> consumer.read((t, b, o, l) -> { }, 10));
                    assertTrue(overflow.getMessage().contains("ring offset 0"), overflow.getMessage());
                    queue.status(); // counting the messages terminates too
                }, "length " + length);
            }
        }
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024); BroadcastTransmitter tx = broadcast.transmitter()) {
            BroadcastReceiver rx = broadcast.receiver();
            tx.transmit(1, new byte[8]);
            broadcast.ring.set(JAVA_INT, BroadcastDescriptor.TYPE_OFFSET, BroadcastDescriptor.PADDING);
            broadcast.ring.set(JAVA_INT, BroadcastDescriptor.LENGTH_OFFSET, 0x7FFFFFF9);
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                SegmentFormatException e = assertThrows(SegmentFormatException.class,
                        () -> rx.receive((t, b, o, l) -> { }, 10, Duration.ofMillis(100)));
                assertTrue(e.getMessage().contains("'b'"), e.getMessage());
            });
        }
    }

    @Test
    void aLiveProcessHoldingTheClaimerWordNeverMakesATryFormWaitNorATimedFormOverstay() throws Exception {
        CountingIdle idle = new CountingIdle();
        QueueOptions counted = FAST.withWaiting(FAST.waiting().withIdleStrategy(idle));
        try (MessageQueue queue = MessageQueue.create(dir, "q", counted); QueueProducer producer = queue.producer()) {
            // as if another thread of a live process stopped (SIGSTOP, a debugger) holding the word
            MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.CLAIMER, ProcessKey.self());
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                assertFalse(producer.offer(1, new byte[1]));
                assertNull(producer.tryClaim(1, 1));
            });
            long start = System.nanoTime();
            QueueFullException full = assertThrows(QueueFullException.class, () -> producer.put(1, new byte[1], Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
            assertTrue(full.getMessage().contains("claimer word held by pid " + ProcessHandle.current().pid()), full.getMessage());
            CompletableFuture<Throwable> waiting = new CompletableFuture<>();
            int idledBefore = idle.calls();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    producer.put(1, new byte[1], Duration.ofMinutes(5));
                    waiting.complete(null);
                } catch (Throwable t) {
                    waiting.complete(t);
                }
            });
            idle.awaitMoreThan(idledBefore, Duration.ofSeconds(30)); // the put is waiting for the word, not yet at the door
            waiter.interrupt();
            assertTrue(waiting.get(10, TimeUnit.SECONDS) instanceof InterruptedException);
            MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.CLAIMER, 0L);
            assertTrue(producer.offer(1, new byte[1]), "free again");
        }
    }

    @Test
    void endOfStreamIsOnlyEverRaisedAndNeverSeenWhileAProducerHoldsARole() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST); QueueConsumer consumer = queue.consumer()) {
            QueueProducer a = queue.producer();
            QueueProducer b = queue.producer();
            b.close();
            a.close();
            assertTrue(queue.isEndOfStream());
            // a slow closer that read an older attach count stores it after a newer one: ignored
            queue.endStreamAt(1);
            assertTrue(queue.isEndOfStream());
            // a producer that has taken its role but not yet counted itself: not the end
            QueueProducer c = queue.producer();
            MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.END_OF_STREAM_AT,
                    (long) MessageQueue.LONG.getVolatile(queue.data, queue.control + QueueDescriptor.ATTACHES));
            assertFalse(queue.isEndOfStream());
            c.close();
            assertTrue(queue.isEndOfStream());
        }
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            broadcast.transmitter().close();
            broadcast.endStreamAt(0);
            assertTrue(broadcast.isClosedByTransmitter());
        }
    }

    @Test
    void aTransmitterTakingOverNeverLowersTheIntentSoAPartialOverwriteIsStillSeenAsALap() {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            BroadcastTransmitter dead = broadcast.transmitter();
            BroadcastReceiver rx = broadcast.receiver();
            for (int i = 0; i < 16; i++) {
                dead.transmit(1, new byte[56]); // 64-byte records: the ring is full
            }
            // the predecessor began message 17 over record 1 and died before its payload
            long tail = broadcast.position();
            Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.TAIL_INTENT, tail + 64);
            broadcast.ring.asSlice(8, 56).fill((byte) 0x5A);
            dead.close(); // gives the role back as a death would, through the role's reclaim
            try (BroadcastTransmitter next = broadcast.transmitter()) {
                List<Byte> firstBytes = new ArrayList<>();
                rx.receive((t, b, o, l) -> firstBytes.add(b.get(JAVA_BYTE, o)), 100);
                assertEquals(1, rx.lapped(), "the record the dead transmitter was overwriting counts as overwritten");
                assertFalse(firstBytes.contains((byte) 0x5A), "its torn bytes were never handed over");
                next.transmit(1, new byte[56]);
                assertEquals(1, rx.receive((t, b, o, l) -> { }, 10));
            }
        }
    }

    @Test
    void aTransmitterThatDiedBetweenPublishingLatestAndTheTailLeavesABroadcastOthersCanOpenAndFinish() {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            try (BroadcastTransmitter tx = broadcast.transmitter()) {
                tx.transmit(1, new byte[] {1});
                // the next record complete and latest published (T3), the tail not (T4)
                long tail = broadcast.position();
                MemorySegment ring = broadcast.ring;
                ring.set(JAVA_INT, tail + BroadcastDescriptor.TYPE_OFFSET, 2);
                ring.set(JAVA_INT, tail + BroadcastDescriptor.LENGTH_OFFSET, 9);
                ring.set(JAVA_BYTE, tail + 8, (byte) 2);
                Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.TAIL_INTENT, tail + 16);
                Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.LATEST, tail);
            }
            try (Broadcast again = Broadcast.open(dir, "b")) {
                BroadcastReceiver late = again.receiver();
                assertEquals(0, late.receive((t, b, o, l) -> { }, 10), "not published yet");
                try (BroadcastTransmitter next = again.transmitter()) {
                    List<Integer> types = new ArrayList<>();
                    assertEquals(1, late.receive((t, b, o, l) -> types.add(t), 10));
                    assertEquals(List.of(2), types, "the new transmitter finished the dead one's tail store");
                    next.transmit(3, new byte[1]);
                    assertEquals(1, late.receive((t, b, o, l) -> types.add(t), 10));
                }
            }
        }
    }

    @Test
    void aReadWhoseLimitExceedsAFullRingHandsEachMessageOverOnce() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 8; i++) { // 8 records of 16 + 112 bytes fill the ring exactly
                    byte[] payload = new byte[112];
                    payload[0] = (byte) i;
                    assertTrue(producer.offer(1, payload), "message " + i + " of round " + round);
                }
                List<Integer> seen = new ArrayList<>();
                MessageHandler collect = (t, b, o, l) -> seen.add((int) b.get(JAVA_BYTE, o));
                int count = round == 1
                        ? consumer.controlledRead((t, b, o, l) -> {
                            collect.onMessage(t, b, o, l);
                            return ControlledMessageHandler.Action.CONTINUE;
                        }, 16)
                        : consumer.read(collect, 16);
                assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), seen, "round " + round);
                assertEquals(8, count);
                assertEquals(0, consumer.read(collect, 16), "nothing is left in round " + round);
            }
        }
    }

    /**
     * Whether a read passed the ring's end depends on the producer refilling the ring while the
     * read runs, which a busy machine may not schedule: each attempt checks every message, and
     * attempts repeat (up to a deadline) until one proves its precondition, a read that handed
     * over more messages than the ring holds.
     */
    @Test
    void readsThatGoRoundTheRingWhileAProducerKeepsWritingHandEachMessageOverOnceInOrder() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long longest = 0;
        for (int attempt = 1; longest <= 16; attempt++) {
            assertTrue(System.nanoTime() < deadline, "in " + attempt + " attempts no read went round the ring, so the"
                    + " test proved nothing: the longest took " + longest + " messages");
            longest = Math.max(longest, readRoundTheRing("q" + attempt, deadline));
        }
        System.out.println("wrap: the longest read handed over " + longest + " messages (a ring holds 16)");
    }

    /** One attempt: 200,000 messages through a 16-message ring, each checked; returns the longest read. */
    private long readRoundTheRing(String name, long deadline) throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, name, QueueOptions.oneProducer(1024));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            long total = 200_000;
            Thread writer = Thread.ofPlatform().start(() -> {
                byte[] payload = new byte[48]; // 64-byte records: 16 fill the ring, a read of 64 may pass it 4 times
                for (long seq = 0; seq < total; ) {
                    java.nio.ByteBuffer.wrap(payload).putLong(0, seq);
                    if (producer.offer(1, payload)) {
                        seq++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            });
            long[] next = {0};
            long longest = 0;
            MessageHandler check = (t, b, o, l) -> {
                long seq = b.get(JAVA_LONG.withOrder(java.nio.ByteOrder.BIG_ENDIAN), o);
                if (seq != next[0]) {
                    throw new AssertionError("message " + seq + " where " + next[0] + " was due");
                }
                next[0]++;
            };
            while (next[0] < total) {
                assertTrue(System.nanoTime() < deadline, "stuck at message " + next[0]);
                longest = Math.max(longest, consumer.read(check, 64));
            }
            writer.join();
            assertEquals(0, consumer.read(check, 64), "nothing after the last message");
            return longest;
        }
    }

    @Test
    void closingTheQueueFirstGivesTheRolesBackAndAbortsAnOpenClaim() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024))) {
            QueueProducer producer = queue.producer();
            QueueConsumer consumer = queue.consumer();
            producer.offer(1, new byte[1]);
            Claim open = producer.tryClaim(2, 4);
            assertTrue(open.isOpen());
            queue.close();
            producer.close(); // no-op now, no exception
            consumer.close();
            assertFalse(open.isOpen(), "the open claim was aborted");
        }
        try (MessageQueue queue = MessageQueue.open(dir, "q");
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            List<Integer> types = new ArrayList<>();
            consumer.read((t, b, o, l) -> types.add(t), 10);
            assertEquals(List.of(1), types, "the aborted claim is skipped, not waited on");
            assertTrue(producer.offer(3, new byte[1]));
        }
    }

    @Test
    void aTakeOverFinishesADeadTransmittersTailAtTheEndOfItsRecordNotAtARaisedIntent() {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            long start;
            try (BroadcastTransmitter tx = broadcast.transmitter()) {
                tx.transmit(1, new byte[] {1});
                start = broadcast.position(); // 16
                // an earlier transmitter died mid-record with its intent at start + 400; the next wrote a complete
                // 16-byte record at start and died between publishing latest (T3) and the tail (T4)
                broadcast.ring.set(JAVA_INT, start + BroadcastDescriptor.TYPE_OFFSET, 5);
                broadcast.ring.set(JAVA_INT, start + BroadcastDescriptor.LENGTH_OFFSET, 16);
                broadcast.ring.set(JAVA_LONG, start + 8, 0x0505050505050505L);
                broadcast.ring.set(JAVA_INT, start + 16 + BroadcastDescriptor.TYPE_OFFSET, 7); // a half-written later record
                broadcast.ring.set(JAVA_INT, start + 16 + BroadcastDescriptor.LENGTH_OFFSET, 9);
                Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.TAIL_INTENT, start + 400);
                Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.LATEST, start);
            }
            BroadcastReceiver rx = broadcast.receiver();
            try (BroadcastTransmitter next = broadcast.transmitter()) {
                assertEquals(start + 16, broadcast.position(), "the tail ends where the record at latest ends");
                List<Integer> types = new ArrayList<>();
                rx.receive((t, b, o, l) -> types.add(t), 10);
                assertEquals(List.of(5), types, "the complete record, and nothing of the half-written one");
                next.transmit(9, new byte[1]);
                rx.receive((t, b, o, l) -> types.add(t), 10);
                assertEquals(List.of(5, 9), types);
            }
        }
    }

    @Test
    void closingAProducerAbortsOnlyItsOwnThreadsClaimAndThoseOfEndedThreads() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST); QueueConsumer consumer = queue.consumer()) {
            QueueProducer producer = queue.producer();
            CompletableFuture<Claim> opened = new CompletableFuture<>();
            CompletableFuture<Void> commit = new CompletableFuture<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                Claim claim = producer.tryClaim(3, 1);
                opened.complete(claim);
                commit.join();
                claim.buffer().set(JAVA_BYTE, claim.offset(), (byte) 42);
                claim.commit();
            });
            Thread ended = Thread.ofPlatform().start(() -> producer.tryClaim(4, 1)); // opens a claim and ends
            ended.join();
            Claim live = opened.get(10, TimeUnit.SECONDS);
            Claim mine = producer.tryClaim(5, 1);
            producer.close();
            assertTrue(live.isOpen(), "another live thread's claim is left to it");
            assertFalse(mine.isOpen(), "the closing thread's claim was aborted");
            commit.complete(null);
            writer.join();
            List<Integer> got = new ArrayList<>();
            consumer.read((t, b, o, l) -> got.add(t * 100 + b.get(JAVA_BYTE, o)), 10);
            assertEquals(List.of(342), got, "the live thread's message arrives; the aborted and orphaned ones are skipped");
        }
    }

    @Test
    void aHostileRingOfPaddingNeverKeepsAReadFromReturning() {
        try (MessageQueue queue = MessageQueue.create(dir, "q", FAST);
             QueueConsumer consumer = queue.consumer();
             Broadcast broadcast = Broadcast.create(dir, "b", 1024)) {
            for (long at = 0; at < 1024; at += 16) {
                queue.ring.set(JAVA_INT, at + RecordDescriptor.TYPE_OFFSET, RecordDescriptor.PADDING);
                queue.ring.set(JAVA_INT, at, 16);
            }
            MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.TAIL, 1L << 40);
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(0, consumer.read((t, b, o, l) -> { }, 10)));
            BroadcastReceiver rx = broadcast.receiver();
            for (long at = 0; at < 1024; at += 8) {
                broadcast.ring.set(JAVA_INT, at + BroadcastDescriptor.TYPE_OFFSET, BroadcastDescriptor.PADDING);
                broadcast.ring.set(JAVA_INT, at, 8);
            }
            Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.TAIL, 1L << 40);
            Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.TAIL_INTENT, 512L);
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(0, rx.receive((t, b, o, l) -> { }, 10)));
        }
    }
}
