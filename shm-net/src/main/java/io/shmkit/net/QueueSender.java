package io.shmkit.net;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.StructField;
import io.shmkit.msg.ControlledMessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.sync.LockOptions;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The sending half of a bridge: takes the consumer role of a local queue and forwards every
 * message, in order, to the {@link QueueReceiver} on another host, which writes it into a queue
 * there. Producers of the local queue change nothing; when they have all closed and the
 * receiver has recorded everything, the sender sends end of stream and {@link #run()} returns.
 *
 * <p>Guarantees ({@code docs/network.md} §4): messages arrive in order and at most once; while
 * both bridges live, none is lost (frames lost with an Aeron image are sent again, from the
 * retransmit window, when acknowledgements stop moving or the receiver asks). A receiver that
 * restarts gets again everything it had not recorded. A sender stopped with {@link #stop()}
 * first waits for the receiver to record what it took; a sender killed loses the messages it
 * had taken from the queue and not seen recorded, and its successor tells the receiver, which
 * reports exactly those numbers. When the window is full (the receiver is slow, or its queue is
 * full) the sender stops taking messages, and the local queue fills.
 *
 * <p>Thread-safety: one thread runs it ({@link #run()} or {@link #doWork()}); {@link #stop()}
 * may be called from any thread.
 */
public final class QueueSender implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QueueSender.class.getName());
    private static final int READ_LIMIT = 256;
    private static final int SEND_LIMIT = 256;
    /** How long {@link #run()} waits, after {@link #stop()}, for the receiver to record the window. */
    private static final long DRAIN_NANOS = 5_000_000_000L;
    private static final StructField.OfLong VERSION = StructField.ofLong(SenderState.class, "version");
    private static final StructField.OfLong END_SEQ = StructField.ofLong(SenderState.class, "endSeq");
    private static final StructField.OfLong[] SEQ = {StructField.ofLong(SenderState.class, "seq0"), StructField.ofLong(SenderState.class, "seq1")};
    private static final StructField.OfLong[] HEAD = {StructField.ofLong(SenderState.class, "head0"), StructField.ofLong(SenderState.class, "head1")};

    /**
     * WAITING: no receiver; announcing HELLO 0. HELLO: a receiver asked (JOIN); waiting for its
     * ACCEPT. STREAMING: sending from the window. DONE: END recorded by the receiver.
     */
    private enum Phase { WAITING, HELLO, STREAMING, DONE }

    private final String name;
    private final MessageQueue queue;
    private final QueueConsumer consumer;
    private final SharedStruct<SenderState> state;
    private final long linkId;
    private final int largest;
    private final AeronMedia media;
    private final ExclusivePublication data;
    private final Subscription control;
    private final SenderWindow window;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 << 10]);
    private final FragmentHandler controlHandler = this::onControl;
    private final ControlledMessageHandler taker = this::take;
    private final IdleStrategy idle;
    private final long handshakeNanos;

    private Phase phase = Phase.WAITING;
    private long incarnation;
    /** The control image of the receiver that joined: JOINs from older images are stale. */
    private long session = Long.MIN_VALUE;
    private long lastHandshake;
    private long lastProgress;
    private long progressMark = -1;
    private boolean ended;
    private long recordedHead;
    private boolean unrecorded;
    private volatile boolean stopped;
    private long stoppedAt;
    private long messagesSent;
    /** Why the link cannot go on, found while handling a control frame. */
    private RuntimeException failure;

    private QueueSender(SegmentDirectory directory, String queueName, BridgeOptions options) {
        this.name = queueName;
        this.handshakeNanos = options.handshakeEvery().toNanos();
        this.idle = options.newIdleStrategy();
        String layout = MessageQueue.inspect(directory, queueName).recordLayout();
        this.queue = MessageQueue.openWithLayout(directory, queueName, LockOptions.DEFAULT, layout);
        SharedStruct<SenderState> opened = null;
        AeronMedia started = null;
        try {
            this.consumer = queue.consumer();
            this.largest = layout.isEmpty() ? queue.maxMessageLength() : queue.recordSize();
            opened = openState(directory, stateName(queueName), consumer.position());
            this.state = opened;
            this.linkId = state.get().linkId();
            long endSeq = END_SEQ.getVolatile(state, 0);
            long next = endSeq >= 0 ? endSeq : resumePoint();
            record(next - 1, consumer.position());
            this.window = new SenderWindow(options.windowBytes() & ~7, next);
            if (endSeq >= 0) {
                appendEnd(); // the stream ended under a previous sender: send END again, take nothing
            }
            started = AeronMedia.start(options);
            this.media = started;
            this.data = media.aeron.addExclusivePublication(options.dataChannel(), options.dataStreamId());
            this.control = media.aeron.addSubscription(AeronMedia.controlChannel(options.controlChannel()), options.controlStreamId());
            int needed = BridgeFrames.HEADER_LENGTH + largest;
            if (needed > data.maxMessageLength()) {
                throw new IllegalArgumentException("queue '" + queueName + "' takes messages of up to " + largest
                        + " bytes, but the data channel carries at most " + (data.maxMessageLength() - BridgeFrames.HEADER_LENGTH)
                        + ": raise its term-length (" + options.dataChannel() + ")");
            }
            if (2L * (needed + 16) > window.capacity()) {
                throw new IllegalArgumentException("a window of " + options.windowBytes() + " bytes cannot hold two messages of "
                        + largest + " bytes (queue '" + queueName + "')");
            }
        } catch (RuntimeException e) {
            if (started != null) {
                started.close();
            }
            if (opened != null) {
                opened.close();
            }
            queue.close();
            throw e;
        }
        LOG.log(Level.INFO, "bridge sender for queue ''{0}'': link {1}, numbering from {2,number,#}{3}", queueName,
                Long.toHexString(linkId), window.firstSeq(), ended ? " (the stream has ended: END only)" : "");
    }

    /**
     * Attaches to the local queue {@code queueName} (byte or record messages) as its consumer,
     * and to the media driver; nothing is sent until a receiver joins.
     *
     * @throws SegmentNotFoundException if the queue does not exist
     * @throws IllegalStateException    if another process holds its consumer role
     */
    public static QueueSender open(SegmentDirectory directory, String queueName, BridgeOptions options) {
        return new QueueSender(directory, queueName, options);
    }

    /** The name of the segment where the sender of {@code queueName} records its numbering. */
    public static String stateName(String queueName) {
        return queueName + ".net-out";
    }

    private static SharedStruct<SenderState> openState(SegmentDirectory directory, String name, long head) {
        try {
            return SharedStruct.open(directory, name, SenderState.class);
        } catch (SegmentNotFoundException absent) {
            long linkId = ThreadLocalRandom.current().nextLong() | 1; // never 0: the receiver's "none yet"
            return SharedStruct.create(directory, name, SenderState.class, new SenderState(linkId, 0, -1, head, -1, head, -1));
        }
    }

    /** The next sequence number, from the recorded pair and where the queue's consumer position is now. */
    private long resumePoint() {
        SenderState s = state.get();
        int slot = (int) (s.version() & 1);
        long seq = slot == 0 ? s.seq0() : s.seq1();
        long head = slot == 0 ? s.head0() : s.head1();
        long now = consumer.position();
        if (now == head) {
            return seq + 1;
        }
        if (now > head) {
            // the previous sender committed one more message, or ring padding, and was killed before
            // recording it: a message would be gone with its window, so its number is not reused
            LOG.log(Level.WARNING, "queue ''{0}'': the previous sender was killed after taking one more message ({1,number,#}) or"
                    + " padding, before recording it; number {1,number,#} is skipped, and the receiver reports it lost", name, seq + 1);
            return seq + 2;
        }
        LOG.log(Level.WARNING, "queue ''{0}'' is behind what {1} recorded (it was made again?): numbering on from {2,number,#}",
                name, stateName(name), seq + 1);
        return seq + 1;
    }

    private void record(long seq, long head) {
        long version = VERSION.getVolatile(state, 0);
        int slot = (int) ((version + 1) & 1);
        SEQ[slot].set(state, 0, seq);
        HEAD[slot].set(state, 0, head);
        VERSION.setVolatile(state, 0, version + 1);
        recordedHead = head;
    }

    /**
     * Runs until the stream ended and the receiver recorded it all, or after {@link #stop()},
     * once the receiver has recorded every message taken (or 5 s passed: what is left is lost,
     * logged here and reported by the receiver when the next sender joins it).
     */
    public void run() {
        while (phase != Phase.DONE) {
            if (stopped) {
                if (stoppedAt == 0) {
                    stoppedAt = System.nanoTime();
                }
                if (window.isEmpty() || System.nanoTime() - stoppedAt > DRAIN_NANOS) {
                    if (!window.isEmpty()) {
                        LOG.log(Level.WARNING, "queue ''{0}'': stopped with messages {1,number,#} to {2,number,#} taken and not recorded by the"
                                + " receiver: they are lost", name, window.firstSeq(), window.nextSeq() - 1);
                    }
                    return;
                }
            }
            idle.idle(doWork());
        }
    }

    /** Asks {@link #run()} to stop taking messages and return once the receiver has recorded those taken. Any thread. */
    public void stop() {
        stopped = true;
    }

    /** Whether end of stream was sent and recorded by the receiver: nothing more will be sent. */
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    /** Messages sent (sent again after a receiver's restart count again). */
    public long messagesSent() {
        return messagesSent;
    }

    /**
     * One duty cycle: control frames, then sending from the window, then taking from the queue.
     *
     * @return the work done; 0 if there was none
     * @throws BridgeRefusedException if the receiver refused the link (its queue's layout differs)
     */
    public int doWork() {
        int work = control.poll(controlHandler, 16);
        if (failure != null) {
            throw failure; // raised in the handler: Aeron's poll would have logged and dropped it
        }
        long now = System.nanoTime();
        switch (phase) {
            case WAITING -> {
                if (now - lastHandshake >= handshakeNanos && data.isConnected()) {
                    lastHandshake = now;
                    offerHello(0); // "a sender started": a receiver that was joined to a previous one joins again
                }
            }
            case HELLO -> {
                if (now - lastHandshake >= handshakeNanos) {
                    lastHandshake = now;
                    offerHello(incarnation);
                }
            }
            case STREAMING -> {
                work += send();
                retransmitIfStalled(now);
            }
            case DONE -> {
                return work;
            }
        }
        if (!stopped) {
            work += takeFromQueue();
        }
        if (ended && window.isEmpty()) {
            phase = Phase.DONE;
        }
        return work;
    }

    /**
     * Frames lost with an Aeron image (an outage longer than its liveness timeout) are never
     * retransmitted by Aeron; when everything has been sent and acknowledgements have not moved
     * for three handshake periods, send the window again from its first unacknowledged frame
     * (the receiver drops what it has).
     */
    private void retransmitIfStalled(long now) {
        if (window.isEmpty() || window.hasUnsent()) {
            lastProgress = now;
            return;
        }
        if (window.firstSeq() != progressMark) {
            progressMark = window.firstSeq();
            lastProgress = now;
        } else if (now - lastProgress > 3 * handshakeNanos) {
            window.rewind(window.firstSeq());
            lastProgress = now;
        }
    }

    private int send() {
        int sent = 0;
        while (sent < SEND_LIMIT && window.hasUnsent()) {
            int at = window.unsentOffset();
            long result = data.offer(window.buffer, at, window.frameLength(at));
            if (result > 0) {
                window.sent(at);
                sent++;
                messagesSent++;
            } else if (result == Publication.NOT_CONNECTED) {
                phase = Phase.WAITING; // the receiver went away: a new one joins and says where to resume
                LOG.log(Level.INFO, "queue ''{0}'': the receiver is unreachable; waiting for it to join again", name);
                break;
            } else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                throw new IllegalStateException("queue '" + name + "': the data publication cannot go on ("
                        + Publication.errorString(result) + ")");
            } else {
                break; // back-pressured: the receiver is slower; later
            }
        }
        return sent;
    }

    private int takeFromQueue() {
        if (ended) {
            return 0;
        }
        int taken = consumer.controlledRead(taker, READ_LIMIT);
        recordTaken();
        if (consumer.position() != recordedHead) {
            record(window.nextSeq() - 1, consumer.position()); // the read passed padding only
        }
        if (taken == 0 && consumer.isEndOfStream() && appendEnd()) {
            END_SEQ.setVolatile(state, 0, window.nextSeq() - 1);
            return 1;
        }
        return taken;
    }

    /** Adds END, numbered as the next message would be; false if the window has no room yet. */
    private boolean appendEnd() {
        int at = window.reserve(BridgeFrames.HEADER_LENGTH);
        if (at < 0) {
            return false;
        }
        BridgeFrames.header(window.buffer, at, BridgeFrames.END, 0, window.nextSeq());
        window.commit(at, BridgeFrames.HEADER_LENGTH);
        ended = true;
        return true;
    }

    /** The taker's step after a message's commit: record its number with the position now published. */
    private void recordTaken() {
        if (unrecorded) {
            record(window.nextSeq() - 1, consumer.position());
            unrecorded = false;
        }
    }

    private ControlledMessageHandler.Action take(int type, MemorySegment buffer, long offset, int length) {
        recordTaken(); // the previous message's commit is published now
        int frame = BridgeFrames.HEADER_LENGTH + length;
        int at = window.reserve(frame);
        if (at < 0) {
            return ControlledMessageHandler.Action.ABORT; // the window is full: the queue keeps it
        }
        BridgeFrames.header(window.buffer, at, BridgeFrames.DATA, type, window.nextSeq());
        MemorySegment.copy(buffer, offset, window.segment, at + BridgeFrames.HEADER_LENGTH, length);
        window.commit(at, frame);
        unrecorded = true;
        // one message per commit: after a kill, the queue is at most one message past the record
        return ControlledMessageHandler.Action.COMMIT;
    }

    private void offerHello(long forIncarnation) {
        int length = BridgeFrames.hello(scratch, forIncarnation, linkId, window.firstSeq(), largest, queue.recordLayout());
        data.offer(scratch, 0, length); // lost or refused: the next handshake sends it again
    }

    private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < BridgeFrames.CONTROL_LENGTH && BridgeFrames.type(buffer, offset) != BridgeFrames.REFUSE) {
            return;
        }
        long image = ((Image) header.context()).correlationId();
        long frameIncarnation = BridgeFrames.longArgument(buffer, offset);
        // the incarnation names the receiver; after an outage longer than Aeron's image timeout its
        // frames come on a newer control image, which then becomes the session's
        boolean current = frameIncarnation == incarnation && image >= session;
        if (current) {
            session = image;
        }
        switch (BridgeFrames.type(buffer, offset)) {
            case BridgeFrames.JOIN -> {
                if (image < session) {
                    return; // a JOIN left over from a receiver that has since been replaced
                }
                if (!current) {
                    incarnation = frameIncarnation;
                    session = image;
                    phase = Phase.HELLO;
                }
                if (phase == Phase.HELLO || phase == Phase.DONE) {
                    lastHandshake = System.nanoTime();
                    offerHello(incarnation);
                }
            }
            case BridgeFrames.ACCEPT -> {
                if (current && phase == Phase.HELLO) {
                    long next = BridgeFrames.next(buffer, offset);
                    if (next > window.nextSeq()) {
                        failure = new IllegalStateException("queue '" + name + "': the receiver expects message " + next
                                + " but this link has numbered only up to " + (window.nextSeq() - 1) + "; "
                                + stateName(name) + " does not match the receiver's record (restore it, or remove the"
                                + " receiver's " + QueueReceiver.stateName(name) + " to start the link afresh)");
                        return;
                    }
                    long from = window.rewind(next);
                    LOG.log(Level.INFO, "queue ''{0}'': receiver joined, needs {1,number,#}; sending from {2,number,#}", name, next, from);
                    phase = Phase.STREAMING;
                    lastProgress = System.nanoTime();
                }
            }
            case BridgeFrames.REFUSE -> {
                if (current) {
                    String reason = BridgeFrames.text(buffer, offset, length, BridgeFrames.HEADER_LENGTH,
                            BridgeFrames.intArgument(buffer, offset));
                    failure = new BridgeRefusedException("queue '" + name + "': the receiving bridge refused the link: "
                            + (reason == null ? "(no reason readable)" : reason));
                }
            }
            case BridgeFrames.ACK -> {
                long next = BridgeFrames.next(buffer, offset);
                if (current && phase == Phase.STREAMING && next <= window.nextSeq()) {
                    window.acknowledge(next);
                }
            }
            default -> LOG.log(Level.DEBUG, "queue ''{0}'': ignored a {1} frame on the control stream", name,
                    BridgeFrames.name(BridgeFrames.type(buffer, offset)));
        }
    }

    /** Releases the queue's consumer role, the publication, the subscription and the driver. */
    @Override
    public void close() {
        stopped = true;
        try {
            recordTaken();
            media.close();
        } finally {
            try {
                state.close();
            } finally {
                queue.close();
            }
        }
    }

    @Override
    public String toString() {
        return "QueueSender[" + name + ", " + phase + ", next " + window.nextSeq() + "]";
    }
}
