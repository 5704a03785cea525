package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.StructField;
import io.shmkit.msg.ControlledMessageHandler.Action;
import io.shmkit.msg.QueueConsumer.Message;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One JVM: the queue's API, its checks and its protocol across many laps of the ring. */
class MessageQueueTest extends SegmentTestSupport {
    record Tick(long time, double price) {
    }

    static final StructField.OfLong TIME = StructField.ofLong(Tick.class, "time");
    static final StructField.OfDouble PRICE = StructField.ofDouble(Tick.class, "price");

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Message> drain(QueueConsumer consumer) {
        List<Message> out = new ArrayList<>();
        for (Message m; (m = consumer.poll()) != null; ) {
            out.add(m);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {QueueDescriptor.ONE_PRODUCER, QueueDescriptor.MANY_PRODUCERS})
    void messagesArriveInOrderWithTheirTypesThroughEveryWriteForm(int producers) {
        QueueOptions options = new QueueOptions(producers, 4096, 256, io.shmkit.sync.LockOptions.DEFAULT);
        try (MessageQueue queue = MessageQueue.create(dir, "q", options);
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            assertTrue(producer.offer(1, text("bytes")));
            assertTrue(producer.offer(2, text("xxslicexx"), 2, 5));
            assertTrue(producer.offer(3, ByteBuffer.wrap(text("buffer"))));
            assertTrue(producer.offer(4, MemorySegment.ofArray(text("segment"))));
            assertTrue(producer.offer(5, new byte[0]));
            Claim claim = producer.tryClaim(6, 8);
            claim.buffer().set(JAVA_LONG_UNALIGNED, claim.offset(), 0x0102030405060708L);
            claim.commit();
            try (Claim aborted = producer.tryClaim(7, 3)) {
                assertTrue(aborted.isOpen());
            } // closing aborts: the consumer skips it
            List<Message> got = drain(consumer);
            assertEquals(List.of(1, 2, 3, 4, 5, 6), got.stream().map(Message::type).toList());
            assertEquals("bytes", new String(got.get(0).payload(), StandardCharsets.UTF_8));
            assertEquals("slice", new String(got.get(1).payload(), StandardCharsets.UTF_8));
            assertEquals("buffer", new String(got.get(2).payload(), StandardCharsets.UTF_8));
            assertEquals("segment", new String(got.get(3).payload(), StandardCharsets.UTF_8));
            assertEquals(0, got.get(4).payload().length);
            assertEquals(0x0102030405060708L, MemorySegment.ofArray(got.get(5).payload()).get(JAVA_LONG_UNALIGNED, 0));
            QueueStatus status = queue.status();
            assertEquals(status.head(), status.tail());
            assertEquals(0, status.depthMessages());
            assertTrue(status.hasLiveConsumer());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {QueueDescriptor.ONE_PRODUCER, QueueDescriptor.MANY_PRODUCERS})
    void manyLapsOfRandomLengthsKeepEveryByteAndFillTheRingExactly(int producers) {
        QueueOptions options = new QueueOptions(producers, 1024, 112, io.shmkit.sync.LockOptions.DEFAULT);
        Random random = new Random(7);
        try (MessageQueue queue = MessageQueue.create(dir, "laps", options);
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            long sent = 0;
            long received = 0;
            List<byte[]> inFlight = new ArrayList<>();
            for (int round = 0; round < 5_000; round++) {
                int burst = random.nextInt(12);
                for (int i = 0; i < burst; i++) {
                    byte[] message = new byte[random.nextInt(113)];
                    random.nextBytes(message);
                    if (!producer.offer(1 + (int) (sent % 1000), message)) {
                        // refused only when the record (and the padding it needs) would not fit
                        QueueStatus status = queue.status();
                        long index = status.tail() & 1023;
                        long aligned = RecordDescriptor.aligned(16 + message.length);
                        long padding = aligned > 1024 - index ? 1024 - index : 0;
                        assertTrue(status.tail() + padding + aligned - status.head() > 1024, status.toString());
                        break;
                    }
                    inFlight.add(message);
                    sent++;
                }
                int take = random.nextInt(12);
                for (int i = 0; i < take; i++) {
                    Message m = consumer.poll();
                    if (m == null) {
                        break;
                    }
                    assertEquals(1 + (int) (received % 1000), m.type());
                    assertArrayEquals(inFlight.remove(0), m.payload(), "message " + received);
                    received++;
                }
            }
            for (Message m; (m = consumer.poll()) != null; received++) {
                assertArrayEquals(inFlight.remove(0), m.payload());
            }
            assertEquals(sent, received);
            assertTrue(queue.status().tail() > 50 * 1024, "the test must lap the ring many times");
        }
    }

    @Test
    void controlledReadsConsumeAndPublishAsTheHandlerSays() {
        try (MessageQueue queue = MessageQueue.create(dir, "c", QueueOptions.oneProducer(4096));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            for (int i = 1; i <= 6; i++) {
                assertTrue(producer.offer(i, new byte[] {(byte) i}));
            }
            List<Integer> seen = new ArrayList<>();
            // ABORT at 3: 1 and 2 consumed, 3 comes again
            assertEquals(2, consumer.controlledRead((type, b, o, l) -> {
                seen.add(type);
                return type == 3 ? Action.ABORT : Action.CONTINUE;
            }, 10));
            // BREAK at 3: consumed, stop
            assertEquals(1, consumer.controlledRead((type, b, o, l) -> {
                seen.add(type);
                return Action.BREAK;
            }, 10));
            // COMMIT publishes the head at once, before the batch ends
            long[] headAtSecond = new long[1];
            assertEquals(3, consumer.controlledRead((type, b, o, l) -> {
                seen.add(type);
                if (type == 5) {
                    headAtSecond[0] = queue.status().head();
                }
                return Action.COMMIT;
            }, 10));
            assertEquals(List.of(1, 2, 3, 3, 4, 5, 6), seen);
            assertEquals(4 * 32, headAtSecond[0], "COMMIT after message 4 published the head past 4 records of 32 bytes");
        }
    }

    @Test
    void readingAheadHandsMessagesOverWithoutConsumingThemUntilConsumeTo() {
        try (MessageQueue queue = MessageQueue.create(dir, "ahead", QueueOptions.oneProducer(1024));
             QueueProducer producer = queue.producer()) {
            QueueConsumer consumer = queue.consumer();
            int sent = 0;
            while (producer.offer(sent + 1, new byte[100])) {
                sent++;
            }
            assertEquals(8, sent, "eight records of 128 bytes fill the ring");
            List<Integer> seen = new ArrayList<>();
            List<Long> ends = new ArrayList<>();
            ControlledMessageHandler note = (type, b, o, l) -> {
                seen.add(type);
                ends.add(consumer.readAheadPosition());
                return type == 6 ? Action.ABORT : Action.CONTINUE;
            };
            assertEquals(3, consumer.readAhead(note, 3));
            assertEquals(List.of(128L, 256L, 384L), ends, "inside the handler: where each message ends");
            assertEquals(0, consumer.position());
            assertEquals(0, queue.status().head(), "nothing consumed");
            assertFalse(producer.offer(9, new byte[100]), "read ahead, not consumed: still no room");
            assertEquals(2, consumer.readAhead(note, 100), "4 and 5, then 6 aborts");
            assertEquals(640, consumer.readAheadPosition(), "an abort leaves the read-ahead at its message");

            consumer.seekReadAhead(256);
            seen.clear();
            assertEquals(1, consumer.readAhead(note, 1));
            assertEquals(List.of(3), seen, "after a seek, message 3 again");
            consumer.consumeTo(256);
            assertEquals(256, queue.status().head());
            assertTrue(producer.offer(9, new byte[100]) && producer.offer(10, new byte[100]), "consumed: room for two");
            assertEquals(384, consumer.readAheadPosition(), "consuming behind the read-ahead leaves it where it was");

            for (long bad : new long[] {128, 256 + 1024 + 16, 250, 320}) { // behind, beyond the furthest, misaligned, inside message 3
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> consumer.consumeTo(bad));
                assertTrue(e.getMessage().contains("'ahead'") && e.getMessage().contains(Long.toString(bad)), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> consumer.seekReadAhead(bad));
            }
            assertEquals(256, queue.status().head(), "a refused call consumes nothing");

            // a whole ring ahead of the position, the read-ahead stops: the next record is its own first, unconsumed
            seen.clear();
            ControlledMessageHandler all = (type, b, o, l) -> {
                seen.add(type);
                return Action.CONTINUE;
            };
            assertEquals(7, consumer.readAhead(all, 100));
            assertEquals(List.of(4, 5, 6, 7, 8, 9, 10), seen);
            assertEquals(256 + 1024, consumer.readAheadPosition());

            // a consumer that goes without consuming leaves what it read ahead to the next
            consumer.close();
            try (QueueConsumer next = queue.consumer()) {
                assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 10), drain(next).stream().map(Message::type).toList());
            }
        }
    }

    @Test
    void theEndOfStreamAheadComesBeforeTheMessagesAreConsumedAndReadsMoveTheReadAheadUp() {
        try (MessageQueue queue = MessageQueue.create(dir, "ahead-end", QueueOptions.oneProducer(4096));
             QueueConsumer consumer = queue.consumer()) {
            try (QueueProducer producer = queue.producer()) {
                for (int i = 1; i <= 4; i++) {
                    producer.offer(i, new byte[] {(byte) i});
                }
                assertEquals(2, consumer.readAhead((type, b, o, l) -> Action.CONTINUE, 2));
                assertFalse(consumer.isEndOfStreamAhead(), "a producer is attached");
            }
            assertFalse(consumer.isEndOfStreamAhead(), "two messages not yet read ahead");
            List<Integer> read = new ArrayList<>();
            assertEquals(1, consumer.controlledRead((type, b, o, l) -> {
                read.add(type);
                return Action.BREAK;
            }, 10));
            assertEquals(List.of(1), read, "a read starts at the position, not the read-ahead");
            assertEquals(64, consumer.readAheadPosition(), "and a read-ahead it did not pass stays");
            assertEquals(2, consumer.read((type, b, o, l) -> read.add(type), 2));
            assertEquals(96, consumer.readAheadPosition(), "one it passed moves up with it");
            assertEquals(1, consumer.readAhead((type, b, o, l) -> Action.CONTINUE, 10));
            assertTrue(consumer.isEndOfStreamAhead(), "every producer closed and all read ahead");
            assertFalse(consumer.isEndOfStream(), "but not all consumed");
            consumer.consumeTo(consumer.readAheadPosition());
            assertTrue(consumer.isEndOfStream());
        }
    }

    @Test
    void aHandlerThatThrowsLeavesItsMessageForTheNextRead() {
        try (MessageQueue queue = MessageQueue.create(dir, "t", QueueOptions.oneProducer(4096));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            for (int i = 1; i <= 3; i++) {
                producer.offer(i, new byte[0]);
            }
            List<Integer> seen = new ArrayList<>();
            assertThrows(IllegalStateException.class, () -> consumer.read((type, b, o, l) -> {
                seen.add(type);
                if (type == 2) {
                    throw new IllegalStateException("handler failed");
                }
            }, 10));
            assertEquals(List.of(2, 3), drain(consumer).stream().map(Message::type).toList());
            assertEquals(List.of(1, 2), seen);
        }
    }

    @Test
    void anOversizeMessageNamesBothSizesAndReservesNothing() {
        try (MessageQueue queue = MessageQueue.create(dir, "big", QueueOptions.oneProducer(4096).withMaxMessageLength(100));
             QueueProducer producer = queue.producer()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> producer.offer(1, new byte[101]));
            assertTrue(e.getMessage().contains("101") && e.getMessage().contains("100") && e.getMessage().contains("'big'"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> producer.tryClaim(1, 4000));
            assertTrue(e.getMessage().contains("4000") && e.getMessage().contains("100"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> producer.offer(0, new byte[1]));
            assertTrue(e.getMessage().contains("type 0"), e.getMessage());
            assertEquals(0, queue.status().tail());
            e = assertThrows(IllegalArgumentException.class, () -> QueueOptions.oneProducer(4096).withMaxMessageLength(4096));
            assertTrue(e.getMessage().contains("496"), e.getMessage());
        }
    }

    @Test
    void aFullQueueRefusesOffersAndTimesOutPutsNamingTheConsumer() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "full", QueueOptions.oneProducer(1024));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            int sent = 0;
            while (producer.offer(1, new byte[100])) {
                sent++;
            }
            assertEquals(1024 / 128, sent);
            QueueFullException e = assertThrows(QueueFullException.class,
                    () -> producer.put(1, new byte[100], Duration.ofMillis(50)));
            assertEquals(ProcessHandle.current().pid(), e.consumerPid());
            assertTrue(e.getMessage().contains("'full'") && e.getMessage().contains("stayed full"), e.getMessage());
            assertNull(producer.tryClaim(1, 1));
            assertNotNull(consumer.poll());
            assertTrue(producer.offer(1, new byte[100]));
        }
    }

    @Test
    void takeTimesOutWithNullAndEndsWhenEveryProducerClosed() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "eos", QueueOptions.manyProducers(4096));
             QueueConsumer consumer = queue.consumer()) {
            assertNull(consumer.take(Duration.ofMillis(20)), "no producer ever attached: just a timeout");
            QueueProducer a = queue.producer();
            QueueProducer b = queue.producer();
            a.offer(1, text("a"));
            a.close();
            assertNotNull(consumer.take(Duration.ofMillis(20)));
            assertNull(consumer.take(Duration.ofMillis(20)), "b is still attached");
            b.offer(2, text("b"));
            b.close();
            assertFalse(consumer.isEndOfStream(), "a message is still waiting");
            assertEquals(2, consumer.take(Duration.ofSeconds(1)).type());
            assertTrue(consumer.isEndOfStream());
            EndOfStreamException e = assertThrows(EndOfStreamException.class, () -> consumer.take(Duration.ofSeconds(10)));
            assertTrue(e.getMessage().contains("'eos'"), e.getMessage());
            try (QueueProducer c = queue.producer()) {
                assertFalse(consumer.isEndOfStream(), "a new producer reopens the stream");
            }
            assertTrue(consumer.isEndOfStream());
        }
    }

    @Test
    void aDetachedProducerGivesItsRoleBackWithoutEndingTheStream() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "detach", QueueOptions.oneProducer(4096));
             QueueConsumer consumer = queue.consumer()) {
            QueueProducer first = queue.producer();
            first.offer(1, text("before"));
            first.detach();
            assertEquals(1, consumer.take(Duration.ofSeconds(1)).type());
            assertFalse(consumer.isEndOfStream(), "detached, not closed: the stream goes on");
            assertNull(consumer.take(Duration.ofMillis(50)), "a waiting read times out instead of ending");
            try (QueueProducer successor = queue.producer()) { // the one-producer role is free again
                successor.offer(2, text("after"));
            }
            assertEquals(2, consumer.take(Duration.ofSeconds(1)).type());
            assertTrue(consumer.isEndOfStream(), "the successor's close ends it");
        }
    }

    @Test
    void rolesAreExclusiveWhereTheySayAndNameTheHolder() {
        try (MessageQueue queue = MessageQueue.create(dir, "roles", QueueOptions.oneProducer(4096));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, queue::consumer);
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()) && e.getMessage().contains("consumer"),
                    e.getMessage());
            e = assertThrows(IllegalStateException.class, queue::producer);
            assertTrue(e.getMessage().contains("a producer"), e.getMessage());
            consumer.close();
            consumer.close();
            try (QueueConsumer again = queue.consumer()) {
                assertNotNull(again);
            }
            assertThrows(IllegalStateException.class, () -> consumer.read((t, b, o, l) -> { }, 1));
        }
    }

    @Test
    void attachingChecksKindLayoutAndShape() {
        try (MessageQueue bytes = MessageQueue.create(dir, "bytes", QueueOptions.oneProducer(4096));
             RecordQueue<Tick> ticks = RecordQueue.create(dir, "ticks", Tick.class, QueueOptions.oneProducer(4096));
             SharedDoubleArray array = SharedDoubleArray.create(dir, "array", 4)) {
            SegmentLayoutException e = assertThrows(SegmentLayoutException.class, () -> RecordQueue.open(dir, "bytes", Tick.class));
            assertTrue(e.getMessage().contains("byte messages"), e.getMessage());
            e = assertThrows(SegmentLayoutException.class, () -> MessageQueue.open(dir, "ticks"));
            assertTrue(e.getMessage().contains("price"), e.getMessage());
            record Other(long time, float price) {
            }
            e = assertThrows(SegmentLayoutException.class, () -> RecordQueue.open(dir, "ticks", Other.class));
            assertTrue(e.getMessage().contains("price") && e.getMessage().contains("f32"), e.getMessage());
            e = assertThrows(SegmentLayoutException.class, () -> MessageQueue.open(dir, "array"));
            assertTrue(e.getMessage().contains("'array'"), e.getMessage());
            e = assertThrows(SegmentLayoutException.class,
                    () -> MessageQueue.openOrCreate(dir, "bytes", QueueOptions.manyProducers(4096)));
            assertTrue(e.getMessage().contains("one producer") && e.getMessage().contains("many producers"), e.getMessage());
        }
    }

    @Test
    void recordQueuesCopyRecordsAndReadAndWriteFieldsInPlace() throws Exception {
        try (RecordQueue<Tick> ticks = RecordQueue.create(dir, "ticks", Tick.class, QueueOptions.oneProducer(4096));
             RecordQueue<Tick>.Producer producer = ticks.producer();
             RecordQueue<Tick>.Consumer consumer = ticks.consumer()) {
            assertTrue(producer.offer(new Tick(1, 99.5)));
            Claim claim = producer.tryClaim();
            TIME.set(claim.buffer(), claim.offset(), 2);
            PRICE.set(claim.buffer(), claim.offset(), 100.25);
            claim.commit();
            producer.put(new Tick(3, 101), Duration.ofSeconds(1));
            assertEquals(new Tick(1, 99.5), consumer.poll());
            double[] sum = new double[1];
            assertEquals(2, consumer.read((buffer, offset) -> sum[0] += PRICE.get(buffer, offset) * TIME.get(buffer, offset), 10));
            assertEquals(2 * 100.25 + 3 * 101, sum[0]);
            assertNull(consumer.take(Duration.ofMillis(10)));
        }
    }

    @Test
    void theSharedQueueFacadeBehavesAsPythonsQueue() throws Exception {
        try (SharedQueue<byte[]> queue = SharedQueue.ofBytes(dir, "py", 1024)) {
            assertTrue(queue.empty());
            assertFalse(queue.full());
            QueueEmptyException empty = assertThrows(QueueEmptyException.class, queue::getNowait);
            assertTrue(empty.getMessage().contains("'py'"), empty.getMessage());
            assertThrows(QueueEmptyException.class, () -> queue.get(Duration.ofMillis(10)));
            queue.put(text("one"));
            queue.putNowait(text("two"));
            assertEquals(2, queue.qsize());
            assertFalse(queue.empty());
            int more = 0;
            try {
                for (; ; more++) {
                    queue.putNowait(new byte[100]);
                }
            } catch (QueueFullException full) {
                assertTrue(full.getMessage().contains("'py'"), full.getMessage());
            }
            assertEquals(7, more, "two records of 32 bytes and seven of 128 leave 64 of 1024 bytes: too few for another");
            assertTrue(queue.full());
            assertEquals(9, queue.qsize());
            assertThrows(QueueFullException.class, () -> queue.put(new byte[100], Duration.ofMillis(10)));
            assertEquals("one", new String(queue.get(), StandardCharsets.UTF_8));
            assertEquals("two", new String(queue.get(Duration.ofSeconds(1)), StandardCharsets.UTF_8));
        }
        try (SharedQueue<Tick> ticks = SharedQueue.ofRecords(dir, "pyt", Tick.class, 4096)) {
            ticks.put(new Tick(5, 6));
            assertEquals(new Tick(5, 6), ticks.get(Duration.ofSeconds(1)));
            assertThrows(NullPointerException.class, () -> ticks.put(null));
        }
    }

    @Test
    void payloadBytesAreExactlyThoseWritten() {
        try (MessageQueue queue = MessageQueue.create(dir, "exact", QueueOptions.oneProducer(4096));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            byte[] message = new byte[37];
            for (int i = 0; i < message.length; i++) {
                message[i] = (byte) (i * 7 + 1);
            }
            producer.offer(9, message);
            byte[][] got = new byte[1][];
            consumer.read((type, buffer, offset, length) -> {
                assertEquals(0, offset % 16, "payloads start 16-aligned in the ring");
                got[0] = buffer.asSlice(offset, length).toArray(JAVA_BYTE);
            }, 1);
            assertArrayEquals(message, got[0]);
        }
    }

    /** A byte queue's descriptor for {@code options}, as a producer of the segment would write it: for tests that forge segments. */
    static void writeDescriptor(MemorySegment data, QueueOptions options) {
        MessageQueue.writeDescriptor(data, options, new byte[0], 0);
    }

    @Test
    void aSharedQueueAttachesByNameOnlyToAManyProducerQueueOfItsKind() throws Exception {
        try (SharedQueue<Tick> ticks = SharedQueue.ofRecords(dir, "attach", Tick.class, 4096);
             SharedQueue<Tick> same = SharedQueue.open(dir, ticks.attachment().name(), Tick.class)) {
            assertEquals(new io.shmkit.core.Attachable.Ref(dir, "attach", Tick.class), ticks.attachment());
            same.put(new Tick(1, 2.5));
            assertEquals(new Tick(1, 2.5), ticks.get(Duration.ofSeconds(10)));
            assertThrows(io.shmkit.core.SegmentLayoutException.class, () -> SharedQueue.open(dir, "attach"),
                    "a record queue is not a byte queue");
        }
        try (MessageQueue one = MessageQueue.create(dir, "one", QueueOptions.oneProducer(4096))) {
            var e = assertThrows(io.shmkit.core.SegmentLayoutException.class, () -> SharedQueue.open(dir, "one"));
            assertEquals("segment 'one' is a one-producer queue; a SharedQueue needs a many-producer one (attach it as a"
                    + " MessageQueue or RecordQueue instead)", e.getMessage());
        }
    }

    @Test
    void closingASharedQueueEndsTheStreamForItsConsumer() throws Exception {
        try (SharedQueue<byte[]> consumerSide = SharedQueue.ofBytes(dir, "sq", 4096)) {
            SharedQueue<byte[]> producerSide = SharedQueue.ofBytes(dir, "sq", 4096);
            producerSide.put(text("last"));
            producerSide.close();
            assertEquals("last", new String(consumerSide.get(Duration.ofSeconds(1)), StandardCharsets.UTF_8));
            EndOfStreamException e = assertThrows(EndOfStreamException.class, () -> consumerSide.get(Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("'sq'"), e.getMessage());
            assertThrows(EndOfStreamException.class, consumerSide::getNowait);
        }
    }

    @Test
    void aBlockedReadAndABlockedPutHonourInterrupts() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "int", QueueOptions.oneProducer(1024));
             QueueProducer producer = queue.producer();
             QueueConsumer consumer = queue.consumer()) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> consumer.take(Duration.ofSeconds(30)));
            assertFalse(Thread.interrupted(), "the interrupt was consumed by the exception");
            while (producer.offer(1, new byte[100])) {
                // fill it
            }
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> producer.put(1, new byte[100], Duration.ofSeconds(30)));
        }
    }

    @Test
    void pipesOfRecordsAndOneWayPipesWorkAsPythonsDo() throws Exception {
        try (Connection<Tick> first = Pipe.ofRecords(dir, "p", Tick.class, Pipe.End.FIRST, true, 4096);
             Connection<Tick> second = Pipe.ofRecords(dir, "p", Tick.class, Pipe.End.SECOND, true, 4096)) {
            first.send(new Tick(1, 2.5));
            assertTrue(second.poll(Duration.ZERO));
            assertEquals(new Tick(1, 2.5), second.recv());
            second.send(new Tick(2, 3.5));
            assertEquals(new Tick(2, 3.5), first.recv(Duration.ofSeconds(1)));
            assertNull(first.recv(Duration.ofMillis(10)));
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> Pipe.ofRecords(dir, "p2", Tick.class, Pipe.End.FIRST, true, 64));
            assertTrue(big.getMessage().contains("capacity") || big.getMessage().contains("1024"), big.getMessage());
        }
        try (Connection<byte[]> reader = Pipe.ofBytes(dir, "oneway", Pipe.End.FIRST, false, 4096);
             Connection<byte[]> writer = Pipe.ofBytes(dir, "oneway", Pipe.End.SECOND, false, 4096)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> reader.send(new byte[1]));
            assertTrue(e.getMessage().contains("only receives"), e.getMessage());
            e = assertThrows(IllegalStateException.class, writer::recv);
            assertTrue(e.getMessage().contains("only sends"), e.getMessage());
            writer.send(text("one way"));
            assertEquals("one way", new String(reader.recv(), StandardCharsets.UTF_8));
            writer.close();
            assertTrue(reader.poll(Duration.ofSeconds(1)), "poll is true at end of stream, as Python's");
            assertThrows(EndOfStreamException.class, reader::recv);
            reader.unlink();
        }
    }
}
