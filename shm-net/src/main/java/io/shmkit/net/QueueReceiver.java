package io.shmkit.net;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.StructField;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueProducer;
import io.shmkit.sync.LockOptions;
import java.lang.System.Logger.Level;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The receiving half of a bridge: takes a producer role of a local queue and writes into it,
 * in order, every message a {@link QueueSender} on another host forwards. Consumers of the
 * local queue change nothing. The queue must exist, with the sending queue's record layout
 * (checked at connect: a difference refuses the link, naming the field) and room for its
 * largest message.
 *
 * <p>It records in segment {@link #stateName(String) <queue>.net-in} the next sequence number
 * it needs, so that after a restart it asks the sender for exactly that. Numbers that never
 * arrive (the sender was killed with them in its window) are reported: a WARNING log line, and
 * the counts and last range in {@link ReceiverState}. A receiver killed while writing one
 * message writes it again after its restart: that one message may be in the queue twice, and
 * is reported as such. When its queue is full it stops reading the stream; Aeron's flow control
 * then holds the sender back.
 *
 * <p>Thread-safety: one thread runs it ({@link #run()} or {@link #doWork()}); {@link #stop()}
 * may be called from any thread.
 */
public final class QueueReceiver implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QueueReceiver.class.getName());
    private static final long ACK_EVERY_NANOS = 1_000_000;
    private static final int ACK_EVERY_MESSAGES = 1024;
    private static final StructField.OfLong LINK = StructField.ofLong(ReceiverState.class, "linkId");
    private static final StructField.OfLong NEXT = StructField.ofLong(ReceiverState.class, "next");
    private static final StructField.OfLong PENDING = StructField.ofLong(ReceiverState.class, "pending");
    private static final StructField.OfLong LOST = StructField.ofLong(ReceiverState.class, "lost");
    private static final StructField.OfLong GAPS = StructField.ofLong(ReceiverState.class, "gaps");
    private static final StructField.OfLong GAP_FROM = StructField.ofLong(ReceiverState.class, "lastGapFrom");
    private static final StructField.OfLong GAP_TO = StructField.ofLong(ReceiverState.class, "lastGapTo");
    private static final StructField.OfLong DUPLICATES = StructField.ofLong(ReceiverState.class, "duplicates");
    private static final StructField.OfLong ENDED = StructField.ofLong(ReceiverState.class, "ended");

    private enum Phase { JOINING, JOINED, ENDED }

    private final SegmentDirectory directory;
    private final String name;
    private final SharedStruct<ReceiverState> state;
    private final AeronMedia media;
    private final Subscription data;
    private final ExclusivePublication control;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onData);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 << 10]);
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    private final long handshakeNanos;
    private byte[] copy = new byte[4096];

    private MessageQueue queue;
    private QueueProducer producer;
    private Phase phase = Phase.JOINING;
    private long incarnation = newIncarnation();
    private long next;
    private long lastHandshake;
    private boolean acceptPending;
    private long acked = -1;
    private long lastAck;
    private volatile boolean stopped;
    private RuntimeException refused;
    private long messagesWritten;

    private QueueReceiver(SegmentDirectory directory, String queueName, BridgeOptions options) {
        this.directory = directory;
        this.name = queueName;
        this.handshakeNanos = options.handshakeEvery().toNanos();
        MessageQueue.inspect(directory, queueName); // the queue must exist before anything is made
        this.state = openState(directory, stateName(queueName));
        try {
            this.next = NEXT.getVolatile(state, 0);
            if (PENDING.get(state, 0) == next) {
                DUPLICATES.set(state, 0, DUPLICATES.get(state, 0) + 1);
                PENDING.set(state, 0, next - 1);
                LOG.log(Level.WARNING, "queue ''{0}'': the previous receiver was killed while writing message {1}; it is"
                        + " written again, and may be in the queue twice", queueName, next);
            }
            if (ENDED.get(state, 0) != 0) {
                phase = Phase.ENDED;
            }
            this.media = AeronMedia.start(options);
            this.data = media.aeron.addSubscription(options.dataChannel(), options.dataStreamId());
            this.control = media.aeron.addExclusivePublication(options.controlChannel(), options.controlStreamId());
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
        LOG.log(Level.INFO, "bridge receiver for queue ''{0}'': needs message {1}", queueName, next);
    }

    /**
     * Starts receiving into the local queue {@code queueName}; it joins the sender and opens the
     * queue (checking its layout against the sender's) once the sender answers.
     *
     * @throws SegmentNotFoundException if the queue does not exist
     */
    public static QueueReceiver open(SegmentDirectory directory, String queueName, BridgeOptions options) {
        return new QueueReceiver(directory, queueName, options);
    }

    /** The name of the segment where the receiver into {@code queueName} records where the stream stands. */
    public static String stateName(String queueName) {
        return queueName + ".net-in";
    }

    private static SharedStruct<ReceiverState> openState(SegmentDirectory directory, String name) {
        try {
            return SharedStruct.open(directory, name, ReceiverState.class);
        } catch (SegmentNotFoundException absent) {
            return SharedStruct.create(directory, name, ReceiverState.class, new ReceiverState(0, 0, -1, 0, 0, -1, -1, 0, 0));
        }
    }

    private static long newIncarnation() {
        return ThreadLocalRandom.current().nextLong() | 1; // never 0: HELLO 0 is a sender's "join me"
    }

    /**
     * Runs until the stream ended (every producer of the sending queue closed, all written here)
     * or {@link #stop()}.
     *
     * @throws BridgeRefusedException if this side refused the link (layouts differ)
     */
    public void run() {
        while (!stopped && !isEnded()) {
            idle.idle(doWork());
        }
    }

    /** Asks {@link #run()} to return. Any thread. */
    public void stop() {
        stopped = true;
    }

    /** Whether the END frame was written: the local queue's producer role is closed. */
    public boolean isEnded() {
        return phase == Phase.ENDED && acked == next;
    }

    /** Messages written into the local queue by this receiver. */
    public long messagesWritten() {
        return messagesWritten;
    }

    /** One duty cycle; returns the work done, 0 if none. */
    public int doWork() {
        if (refused != null) {
            throw refused;
        }
        int work = phase == Phase.ENDED ? 0 : data.controlledPoll(assembler, 64);
        if (refused != null) {
            throw refused;
        }
        long now = System.nanoTime();
        if (phase == Phase.JOINING && now - lastHandshake >= handshakeNanos) {
            lastHandshake = now;
            offerControl(BridgeFrames.JOIN, next);
        }
        if (acceptPending && offerControl(BridgeFrames.ACCEPT, next)) {
            acceptPending = false;
            work++;
        }
        if (next != acked && (now - lastAck >= ACK_EVERY_NANOS || next - acked >= ACK_EVERY_MESSAGES || phase == Phase.ENDED)
                && offerControl(BridgeFrames.ACK, next)) {
            acked = next;
            lastAck = now;
            work++;
        }
        return work;
    }

    private boolean offerControl(int type, long value) {
        int length = BridgeFrames.control(scratch, type, incarnation, value);
        return control.offer(scratch, 0, length) > 0;
    }

    private ControlledFragmentHandler.Action onData(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < BridgeFrames.HEADER_LENGTH) {
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        int type = BridgeFrames.type(buffer, offset);
        return switch (type) {
            case BridgeFrames.DATA -> phase == Phase.JOINED ? onMessage(buffer, offset, length) : ControlledFragmentHandler.Action.CONTINUE;
            case BridgeFrames.END -> phase == Phase.JOINED ? onEnd(buffer, offset) : ControlledFragmentHandler.Action.CONTINUE;
            case BridgeFrames.HELLO -> onHello(buffer, offset, length);
            default -> ControlledFragmentHandler.Action.CONTINUE;
        };
    }

    private ControlledFragmentHandler.Action onHello(DirectBuffer buffer, int offset, int length) {
        long frameIncarnation = BridgeFrames.longArgument(buffer, offset);
        if (frameIncarnation == 0) {
            if (phase == Phase.JOINED) {
                // a sender (re)started: join it afresh; frames of the old session are ignored from here
                phase = Phase.JOINING;
                incarnation = newIncarnation();
                lastHandshake = 0;
            }
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (frameIncarnation != incarnation || phase == Phase.ENDED || length < BridgeFrames.HELLO_LAYOUT_OFFSET) {
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (phase == Phase.JOINED) {
            acceptPending = true; // our ACCEPT was lost: the sender asks again
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        int version = BridgeFrames.intArgument(buffer, offset);
        long linkId = buffer.getLong(offset + BridgeFrames.HELLO_LINK_OFFSET, BridgeFrames.ORDER);
        long firstSeq = buffer.getLong(offset + BridgeFrames.HELLO_FIRST_OFFSET, BridgeFrames.ORDER);
        int maxMessage = buffer.getInt(offset + BridgeFrames.HELLO_MAX_MESSAGE_OFFSET, BridgeFrames.ORDER);
        String layout = BridgeFrames.text(buffer, offset, length, BridgeFrames.HELLO_LAYOUT_OFFSET,
                buffer.getInt(offset + BridgeFrames.HELLO_LAYOUT_LENGTH_OFFSET, BridgeFrames.ORDER));
        if (version != BridgeFrames.VERSION || layout == null) {
            return refuse("the sender speaks bridge protocol version " + version + ", this receiver version " + BridgeFrames.VERSION);
        }
        String problem = openQueue(layout, maxMessage);
        if (problem != null) {
            return refuse(problem);
        }
        long recorded = LINK.get(state, 0);
        if (recorded != linkId) {
            if (recorded != 0) {
                LOG.log(Level.WARNING, "queue ''{0}'': a new link (its sender''s record was made again); numbering restarts"
                        + " at {1}", name, firstSeq);
            }
            LINK.set(state, 0, linkId);
            PENDING.set(state, 0, firstSeq - 1);
            NEXT.setVolatile(state, 0, firstSeq);
            next = firstSeq;
            acked = -1;
        }
        phase = Phase.JOINED;
        acceptPending = true;
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    /** Opens the queue with the sender's layout (once); null if it fits, else why not. */
    private String openQueue(String layout, int maxMessage) {
        try {
            if (queue == null) {
                queue = MessageQueue.openWithLayout(directory, name, LockOptions.DEFAULT, layout);
            } else if (!queue.recordLayout().equals(layout)) {
                return "queue '" + name + "' holds records of " + queue.recordLayout() + ", the sender's queue " + layout;
            }
        } catch (SegmentLayoutException e) {
            return e.getMessage();
        }
        if (maxMessage > queue.maxMessageLength()) {
            return "queue '" + name + "' takes messages of up to " + queue.maxMessageLength() + " bytes, the sender's up to "
                    + maxMessage;
        }
        if (producer == null) {
            producer = queue.producer();
        }
        return null;
    }

    private ControlledFragmentHandler.Action refuse(String reason) {
        int length = BridgeFrames.refuse(scratch, incarnation, reason);
        for (int i = 0; i < 1000 && control.offer(scratch, 0, length) <= 0; i++) {
            Thread.onSpinWait(); // best effort: the sender learns why; this side fails either way
        }
        refused = new BridgeRefusedException("queue '" + name + "': refused the sender's link: " + reason);
        return ControlledFragmentHandler.Action.BREAK;
    }

    private ControlledFragmentHandler.Action onMessage(DirectBuffer buffer, int offset, int length) {
        long seq = BridgeFrames.longArgument(buffer, offset);
        if (seq < next) {
            return ControlledFragmentHandler.Action.CONTINUE; // sent again after a rewind: written already
        }
        if (seq > next) {
            gap(next, seq - 1);
        }
        int payload = length - BridgeFrames.HEADER_LENGTH;
        if (copy.length < payload) {
            copy = new byte[Math.max(payload, copy.length * 2)];
        }
        buffer.getBytes(offset + BridgeFrames.HEADER_LENGTH, copy, 0, payload);
        PENDING.set(state, 0, seq);
        if (!producer.offer(BridgeFrames.intArgument(buffer, offset), copy, 0, payload)) {
            PENDING.set(state, 0, seq - 1);
            return ControlledFragmentHandler.Action.ABORT; // the queue is full: this frame comes again
        }
        NEXT.setVolatile(state, 0, seq + 1);
        next = seq + 1;
        messagesWritten++;
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    private ControlledFragmentHandler.Action onEnd(DirectBuffer buffer, int offset) {
        long seq = BridgeFrames.longArgument(buffer, offset);
        if (seq < next) {
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (seq > next) {
            gap(next, seq - 1);
        }
        producer.close(); // the local consumers see end of stream once they have read everything
        ENDED.setVolatile(state, 0, 1);
        NEXT.setVolatile(state, 0, seq + 1);
        next = seq + 1;
        phase = Phase.ENDED;
        return ControlledFragmentHandler.Action.BREAK;
    }

    private void gap(long from, long to) {
        LOST.set(state, 0, LOST.get(state, 0) + (to - from + 1));
        GAPS.set(state, 0, GAPS.get(state, 0) + 1);
        GAP_FROM.set(state, 0, from);
        GAP_TO.setVolatile(state, 0, to);
        LOG.log(Level.WARNING, "queue ''{0}'': messages {1} to {2} never arrived ({3} lost): the sending bridge was killed"
                + " with them taken from its queue and not yet delivered", name, from, to, to - from + 1);
        PENDING.set(state, 0, to);
        NEXT.setVolatile(state, 0, to + 1);
        next = to + 1;
    }

    /** What the receiver recorded: where the stream stands and the gaps seen. */
    public ReceiverState state() {
        return state.get();
    }

    /** Closes the local producer (the local consumers then see end of stream), the streams and the driver. */
    @Override
    public void close() {
        stopped = true;
        try {
            media.close();
        } finally {
            try {
                if (queue != null) {
                    queue.close();
                }
            } finally {
                state.close();
            }
        }
    }

    @Override
    public String toString() {
        return "QueueReceiver[" + name + ", " + phase + ", next " + next + "]";
    }
}
