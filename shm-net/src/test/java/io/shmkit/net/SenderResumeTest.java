package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SharedStruct;
import io.shmkit.msg.ControlledMessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.msg.RecordDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a restarted sender resumes, for each record a predecessor can leave (or a user can
 * forge), over a queue whose next message follows ring padding: the record is read and queue A
 * consumed (or not) before anything is sent, so one JVM and no receiver show it.
 */
class SenderResumeTest {
    static final long RING = 16 << 10;
    static final int PAYLOAD = 1200;
    static final long RECORD = RecordDescriptor.aligned(RecordDescriptor.HEADER_LENGTH + PAYLOAD);
    /** Records that fit before the ring's end; the next one follows padding. */
    static final long BEFORE_PADDING = RING / RECORD;
    /** Where the first record after the padding starts (the ring's second lap) and ends. */
    static final long AFTER_PADDING = RING;
    static final long FIRST_AFTER_PADDING_ENDS = RING + RECORD;

    private Endpoints hosts;
    private SegmentDirectory a;

    @BeforeEach
    void setUp() throws Exception {
        hosts = new Endpoints();
        a = hosts.a();
    }

    @AfterEach
    void tearDown() throws Exception {
        hosts.close();
    }

    /**
     * Queue {@code name}: messages 0 to BEFORE_PADDING - 1 consumed (the head at the padding),
     * then a padding record to the ring's end, and two messages after it, numbered
     * BEFORE_PADDING and BEFORE_PADDING + 1 by the link.
     */
    private MessageQueue queueWithPadding(String name) {
        MessageQueue queue = MessageQueue.create(a, name, QueueOptions.oneProducer(RING).withMaxMessageLength(PAYLOAD));
        try (QueueProducer producer = queue.producer()) {
            byte[] message = new byte[PAYLOAD];
            for (int i = 0; i < BEFORE_PADDING; i++) {
                assertTrue(producer.offer(1, message));
            }
            try (QueueConsumer consumer = queue.consumer()) {
                assertEquals(BEFORE_PADDING, consumer.read((type, buffer, offset, length) -> { }, 100));
            }
            assertTrue(producer.offer(2, message) && producer.offer(3, message));
            producer.detach();
        }
        assertEquals(BEFORE_PADDING * RECORD, queue.status().head());
        assertEquals(FIRST_AFTER_PADDING_ENDS + RECORD, queue.status().tail(), "padding, then two records");
        return queue;
    }

    private void record(MessageQueue queue, long seq, long head, long endSeq) {
        SharedStruct.create(a, QueueSender.stateName(queue.name()), SenderState.class,
                new SenderState(0x5eed, 0, seq, head, seq, head, endSeq, queue.instanceId(), seq)).close();
    }

    private SenderState state(String queue) {
        try (SharedStruct<SenderState> s = SharedStruct.open(a, QueueSender.stateName(queue), SenderState.class)) {
            return s.get();
        }
    }

    private QueueSender open(String queue) {
        return QueueSender.open(a, queue, BridgeOptions.of(hosts.data, hosts.control));
    }

    @Test
    void killedBetweenRecordingAndConsumingAMessageAfterPaddingTheSuccessorConsumesUpToTheRecord() {
        try (MessageQueue queue = queueWithPadding("after")) {
            record(queue, BEFORE_PADDING, FIRST_AFTER_PADDING_ENDS, -1); // the first message after the padding acknowledged
            try (QueueSender sender = open("after")) {
                assertTrue(sender.toString().contains("acknowledged " + BEFORE_PADDING + ", next " + (BEFORE_PADDING + 1)), sender.toString());
                assertEquals(FIRST_AFTER_PADDING_ENDS, queue.status().head(), "consumed over the padding and that message");
            }
            assertEquals(queue.instanceId(), state("after").queueInstance(), "no renumbering");
        }
    }

    @Test
    void aRecordPastTrailingPaddingAsTheLastBeforeEndLeavesItIsReachedExactly() {
        try (MessageQueue queue = queueWithPadding("padding")) {
            // the last message before the padding, recorded with the position past the padding
            record(queue, BEFORE_PADDING - 1, AFTER_PADDING, -1);
            try (QueueSender sender = open("padding")) {
                assertTrue(sender.toString().contains("acknowledged " + (BEFORE_PADDING - 1)), sender.toString());
                assertEquals(AFTER_PADDING, queue.status().head(), "the padding consumed, the message after it not");
            }
            assertEquals(queue.instanceId(), state("padding").queueInstance());
        }
    }

    @Test
    void aRecordInsideAMessageIsNoAcknowledgement() {
        try (MessageQueue queue = queueWithPadding("inside")) {
            record(queue, BEFORE_PADDING, AFTER_PADDING + 64, -1);
            try (QueueSender sender = open("inside")) {
                assertEquals(BEFORE_PADDING * RECORD, queue.status().head(), "nothing consumed");
                assertEquals(0, state("inside").queueInstance(), "renumbering pending until a receiver says where it stands");
            }
            // the message is still there for a reader
            try (QueueConsumer consumer = queue.consumer()) {
                int[] types = new int[2];
                int[] n = {0};
                assertEquals(2, consumer.controlledRead((type, buffer, offset, length) -> {
                    types[n[0]++] = type;
                    return ControlledMessageHandler.Action.CONTINUE;
                }, 10));
                assertEquals(2, types[0]);
            }
        }
    }

    @Test
    void aRecordThatNoLongerMatchesAnEndedStreamRefusesToStartNamingTheRecord() {
        try (MessageQueue queue = queueWithPadding("ended")) {
            record(queue, BEFORE_PADDING, AFTER_PADDING + 64, BEFORE_PADDING + 2);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("ended"));
            assertTrue(e.getMessage().contains("a new stream needs a new link") && e.getMessage().contains("ended.net-out"),
                    e.getMessage());
            assertEquals(BEFORE_PADDING * RECORD, queue.status().head(), "nothing consumed");
            assertTrue(queue.status().consumer().isEmpty(), "the consumer role given back");
        }
    }

    record OlderRecord(long linkId, long version) {}

    @Test
    void aRecordOfAnotherLayoutIsRefusedSayingHowToStartANewLink() {
        try (MessageQueue queue = queueWithPadding("older")) {
            SharedStruct.create(a, QueueSender.stateName("older"), OlderRecord.class, new OlderRecord(1, 0)).close();
            SegmentLayoutException e = assertThrows(SegmentLayoutException.class, () -> open("older"));
            assertTrue(e.getMessage().contains("older.net-out") && e.getMessage().contains("Remove it"), e.getMessage());
            assertTrue(queue.status().consumer().isEmpty(), "the consumer role given back");
        }
    }
}
