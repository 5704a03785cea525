package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentFormatException;
import io.shmkit.core.SegmentKind;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Queues and broadcasts whose bytes no protocol step writes: a reader must throw a clear
 * exception naming the segment and the offset, never read outside the ring, never hang.
 */
class HostileQueueTest extends SegmentTestSupport {
    private static final QueueOptions FAST = QueueOptions.oneProducer(4096).withWaiting(QueueChild.WAITING);

    /** A queue with three 32-byte messages committed at ring offsets 0, 32 and 64. */
    private MessageQueue queueWithThreeMessages(String name) {
        MessageQueue queue = MessageQueue.create(dir, name, FAST);
        try (QueueProducer producer = queue.producer()) {
            for (int i = 1; i <= 3; i++) {
                producer.offer(i, new byte[] {(byte) i});
            }
        }
        return queue;
    }

    private static void setLength(MessageQueue queue, long index, int length) {
        queue.ring.set(JAVA_INT, index + RecordDescriptor.LENGTH_OFFSET, length);
    }

    private static SegmentFormatException assertCorrupt(QueueConsumer consumer, String... parts) {
        SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> consumer.read((t, b, o, l) -> { }, 10));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should name " + part);
        }
        return e;
    }

    @Test
    void aLengthBeyondTheRingThrowsNamingQueueAndOffset() {
        try (MessageQueue queue = queueWithThreeMessages("q"); QueueConsumer consumer = queue.consumer()) {
            setLength(queue, 32, 4096 - 32 + 16);
            int[] before = {0};
            SegmentFormatException e = assertThrows(SegmentFormatException.class,
                    () -> consumer.read((t, b, o, l) -> before[0]++, 10));
            assertTrue(e.getMessage().contains("'q'") && e.getMessage().contains("ring offset 32")
                    && e.getMessage().contains("4080"), e.getMessage());
            assertEquals(1, before[0], "the message before it was delivered");
            setLength(queue, 32, Integer.MAX_VALUE);
            assertCorrupt(consumer, "ring offset 32");
            setLength(queue, 32, 8); // shorter than a header
            assertCorrupt(consumer, "ring offset 32", "length of 8");
        }
    }

    @Test
    void aMessageLongerThanTheQueuesLargestThrows() {
        try (MessageQueue queue = queueWithThreeMessages("q"); QueueConsumer consumer = queue.consumer()) {
            setLength(queue, 0, 16 + queue.maxMessageLength() + 1);
            assertCorrupt(consumer, "'q'", "ring offset 0");
        }
    }

    @Test
    void aNegativeLengthThatNamesNoRecordThrows() {
        try (MessageQueue queue = queueWithThreeMessages("q"); QueueConsumer consumer = queue.consumer()) {
            setLength(queue, 64, -100_000);
            consumer.read((t, b, o, l) -> { }, 2);
            assertCorrupt(consumer, "'q'", "ring offset 64", "-100000");
        }
    }

    @Test
    void typesThatNoProducerWritesThrow() {
        try (MessageQueue queue = queueWithThreeMessages("q"); QueueConsumer consumer = queue.consumer()) {
            queue.ring.set(JAVA_INT, RecordDescriptor.TYPE_OFFSET, 0);
            assertCorrupt(consumer, "'q'", "ring offset 0", "type 0");
            queue.ring.set(JAVA_INT, RecordDescriptor.TYPE_OFFSET, -7);
            assertCorrupt(consumer, "type -7");
        }
    }

    @Test
    void aHalfWrittenRecordOfADeadWriterIsDroppedAndOfALiveOneWaitedForWithoutHanging() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        long deadKey = exited.pid() << 32 | 12345;
        try (MessageQueue queue = queueWithThreeMessages("q"); QueueConsumer consumer = queue.consumer()) {
            setLength(queue, 32, -(16 + 1));
            queue.ring.set(JAVA_LONG, 32 + RecordDescriptor.WRITER_OFFSET, io.shmkit.sync.ProcessKey.self());
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertEquals(1, consumer.read((t, b, o, l) -> { }, 10));
                assertEquals(0, consumer.read((t, b, o, l) -> { }, 10), "a live writer's message is waited for");
                assertNull(consumer.take(Duration.ofMillis(100)), "and a waiting read times out");
            });
            queue.ring.set(JAVA_LONG, 32 + RecordDescriptor.WRITER_OFFSET, deadKey);
            int[] types = new int[4];
            int[] n = {0};
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (n[0] == 0 && System.nanoTime() < deadline) {
                consumer.read((t, b, o, l) -> types[n[0]++] = t, 10);
            }
            assertEquals(1, n[0]);
            assertEquals(3, types[0], "message 2 was dropped, message 3 delivered");
            assertEquals(1, queue.status().unblocked());
        }
    }

    @Test
    void positionsThatBreakTheInvariantAreRefusedOnAttach() {
        long[][] bad = {
            {0, 4096 + 16, 0},   // tail more than a ring ahead of cleared
            {32, 16, 0},         // head ahead of tail
            {32, 64, 48},        // cleared ahead of head
            {8, 8, 0},           // not multiples of 16
            {-16, 0, 0},
        };
        int i = 0;
        for (long[] positions : bad) {
            String name = "p" + i++;
            try (MessageQueue queue = MessageQueue.create(dir, name, FAST)) {
                MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.TAIL, positions[1]);
                MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.HEAD, positions[0]);
                MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.CLEARED, positions[2]);
            }
            SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> MessageQueue.open(dir, name));
            assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains("head " + positions[0])
                    && e.getMessage().contains("tail " + positions[1]), e.getMessage());
        }
    }

    @Test
    void aDescriptorThatIsCorruptOrLiesAboutItsSizeIsRefused() {
        try (MessageQueue queue = MessageQueue.create(dir, "crc", FAST)) {
            queue.data.set(JAVA_LONG, QueueDescriptor.CAPACITY_OFFSET, 8192);
        }
        SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> MessageQueue.open(dir, "crc"));
        assertTrue(e.getMessage().contains("'crc'") && e.getMessage().contains("checksum"), e.getMessage());

        // a descriptor with a valid checksum that claims a ring larger than its segment
        try (SharedMemory liar = SharedMemory.create(dir, "liar", SegmentKind.QUEUE, QueueDescriptor.dataSize(0, 1024),
                data -> {
                    MessageQueueTest.writeDescriptor(data, QueueOptions.oneProducer(1 << 20));
                })) {
            e = assertThrows(SegmentFormatException.class, () -> MessageQueue.open(dir, "liar"));
            assertTrue(e.getMessage().contains("'liar'") && e.getMessage().contains("needs"), e.getMessage());
        }
        try (SharedMemory foreign = SharedMemory.create(dir, "foreign", SegmentKind.QUEUE, 4096, data -> data.fill((byte) 7))) {
            e = assertThrows(SegmentFormatException.class, () -> MessageQueue.open(dir, "foreign"));
            assertTrue(e.getMessage().contains("magic"), e.getMessage());
        }
    }

    @Test
    void randomRingBytesNeverCrashReadOutsideTheRingOrHang() {
        Random random = new Random(11);
        try (MessageQueue queue = MessageQueue.create(dir, "fuzz", FAST)) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int round = 0; round < 2000; round++) {
                    MemorySegment ring = queue.ring;
                    for (int k = 0; k < 8; k++) {
                        long at = random.nextInt((int) ring.byteSize() / 4) * 4L;
                        int value = switch (random.nextInt(4)) {
                            case 0 -> random.nextInt();
                            case 1 -> random.nextInt(300) - 150;
                            case 2 -> 16 * random.nextInt(20);
                            default -> -16 * random.nextInt(20);
                        };
                        ring.set(JAVA_INT, at, value);
                    }
                    long head = 16L * random.nextInt(1000);
                    long tail = head + 16L * random.nextInt(257);
                    MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.HEAD, head);
                    MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.CLEARED, head);
                    MessageQueue.LONG.setVolatile(queue.data, queue.control + QueueDescriptor.TAIL, tail);
                    try (QueueConsumer consumer = queue.consumer()) {
                        consumer.read((t, b, o, l) -> {
                            assertTrue(o >= 16 && o + l <= b.byteSize(), "a message inside the ring");
                            b.asSlice(o, l).toArray(JAVA_BYTE);
                        }, 300);
                    } catch (SegmentFormatException expected) {
                        assertTrue(expected.getMessage().contains("'fuzz'") && expected.getMessage().contains("ring offset"),
                                expected.getMessage());
                    }
                    queue.ring.fill((byte) 0);
                }
            });
        }
    }

    @Test
    void aBroadcastWithInsanePositionsOrRecordsIsRefused() {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 4096); BroadcastTransmitter tx = broadcast.transmitter()) {
            tx.transmit(1, new byte[10]);
            BroadcastReceiver rx = broadcast.receiver();
            broadcast.ring.set(JAVA_INT, BroadcastDescriptor.LENGTH_OFFSET, 1 << 20);
            SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> rx.receive((t, b, o, l) -> { }, 10));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("ring offset 0"), e.getMessage());
            Broadcast.LONG.setVolatile(broadcast.data, BroadcastDescriptor.CONTROL + BroadcastDescriptor.LATEST, 4096L);
        }
        SegmentFormatException e = assertThrows(SegmentFormatException.class, () -> Broadcast.open(dir, "b"));
        assertTrue(e.getMessage().contains("latest 4096"), e.getMessage());
    }
}
