package io.shmkit.net;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.StructField;
import io.shmkit.msg.ControlledMessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.RecordDescriptor;
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
 * <p><b>The queue is the window.</b> The sender {@linkplain QueueConsumer#readAhead reads ahead}
 * and sends each message straight from the queue's ring; it {@linkplain QueueConsumer#consumeTo
 * consumes} messages only once the receiver acknowledges that it has recorded them, so until
 * then they stay in the queue, in shared memory, whatever happens to this process. Numbers are
 * bound to messages by their place in the queue (the message after the last acknowledged one,
 * recorded in {@code <queue>.net-out}, has the next number), so a successor numbers them again
 * the same way, and the receiver, which records the next number it needs, takes each once.
 *
 * <p>Guarantees ({@code docs/network.md} §4): in order and exactly once across stops, kills and
 * restarts of this sender, outages included; a receiver that restarts gets again everything it
 * had not recorded. Messages sent and not acknowledged keep their room in the queue, at most
 * {@link BridgeOptions#windowBytes()} of it: when that much is in flight (the receiver is slow,
 * or its queue is full) the sender stops reading, and the local queue fills.
 *
 * <p>Thread-safety: one thread runs it ({@link #run()} or {@link #doWork()}); {@link #stop()}
 * may be called from any thread.
 */
public final class QueueSender implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QueueSender.class.getName());
    private static final int SEND_LIMIT = 256;
    /** A duty cycle that begins this long after the last one follows a pause: its round-trip samples would hold the pause. */
    private static final long LATE_CYCLE_NANOS = 10_000_000;
    /** The most messages in flight, whatever the window's bytes: bounds {@link #ends}. */
    private static final int MAX_IN_FLIGHT = 1 << 20;
    /** How long {@link #run()} waits, after {@link #stop()}, for acknowledgements of what is in flight. */
    private static final long DRAIN_NANOS = 1_000_000_000L;
    private static final StructField.OfLong VERSION = StructField.ofLong(SenderState.class, "version");
    private static final StructField.OfLong END_SEQ = StructField.ofLong(SenderState.class, "endSeq");
    private static final StructField.OfLong QUEUE_INSTANCE = StructField.ofLong(SenderState.class, "queueInstance");
    private static final StructField.OfLong SENT = StructField.ofLong(SenderState.class, "sent");
    private static final StructField.OfLong[] SEQ = {StructField.ofLong(SenderState.class, "seq0"), StructField.ofLong(SenderState.class, "seq1")};
    private static final StructField.OfLong[] HEAD = {StructField.ofLong(SenderState.class, "head0"), StructField.ofLong(SenderState.class, "head1")};

    /**
     * WAITING: no receiver; announcing HELLO 0. HELLO: a receiver asked (JOIN); waiting for its
     * ACCEPT. STREAMING: sending. DONE: END recorded by the receiver.
     */
    private enum Phase { WAITING, HELLO, STREAMING, DONE }

    private final String name;
    private final MessageQueue queue;
    private final QueueConsumer consumer;
    private final SharedStruct<SenderState> state;
    private final long linkId;
    private final int largest;
    private final long windowBytes;
    private final AeronMedia media;
    private final ExclusivePublication data;
    private final Subscription control;
    /** Where each message in flight ends in the queue: {@code ends[seq & mask]}, for seq in (acked, highest]. */
    private final long[] ends;
    private final int mask;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 << 10]);
    private final UnsafeBuffer frameHeader = new UnsafeBuffer(new byte[BridgeFrames.HEADER_LENGTH]);
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private final FragmentHandler controlHandler = this::onControl;
    private final ControlledMessageHandler sender = this::sendOne;
    private final IdleStrategy idle;
    private final long handshakeNanos;

    private Phase phase = Phase.WAITING;
    private long incarnation;
    /** The control image of the receiver that joined: JOINs from older images are stale. */
    private long session = Long.MIN_VALUE;
    private long lastHandshake;
    private long lastProgress;
    private long progressMark;
    private final RoundTrip roundTrip = new RoundTrip();
    /** HELLOs Aeron took for this session, and when the first went: a round-trip sample at ACCEPT if it was the only one. */
    private int hellos;
    private long firstHelloAt;
    /** The one number being timed for a round-trip sample, at the ACK that covers it (-1: none), and when it went. */
    private long timedSeq = -1;
    private long timedAt;
    /** When the last duty cycle began, and whether this one began late (a pause of this process): no sample then. */
    private long cycleAt;
    private boolean lateCycle;
    /** The last number the receiver recorded: the queue is consumed up to the end of that message. */
    private long acked;
    /** The number of the next message read ahead. */
    private long nextSeq;
    /** The highest number read ahead: where the messages after {@link #acked} end is known up to it. */
    private long highest;
    /** The last number the receiver has said it recorded: messages up to it are read ahead, not sent. */
    private long receiverHas;
    /** END's number once the stream ended, else -1: nothing after it is read. */
    private long endSeq;
    private boolean endSent;
    /** The queue is not the one the record was made with: a receiver ahead of the record gets new numbers after its own. */
    private boolean renumber;
    /** The last send stopped on back-pressure: the receiver is slower, not missing frames. */
    private boolean backPressured;
    private volatile boolean stopped;
    private long stoppedAt;
    private long messagesSent;
    /** Why the link cannot go on, found while handling a frame. */
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
            this.windowBytes = Math.min(options.windowBytes(), queue.capacity());
            // every message takes at least one aligned header of the ring; past a million in flight, wait
            int inFlight = (int) Math.min(windowBytes / RecordDescriptor.ALIGNMENT, MAX_IN_FLIGHT);
            this.ends = new long[1 << (32 - Integer.numberOfLeadingZeros(inFlight - 1))];
            this.mask = ends.length - 1;
            opened = openState(directory, stateName(queueName), consumer.position(), queue.instanceId());
            this.state = opened;
            this.linkId = state.get().linkId();
            resume();
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
                Long.toHexString(linkId), acked + 1, endSeq >= 0 ? " (the stream ended at " + endSeq + ")" : "");
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

    private static SharedStruct<SenderState> openState(SegmentDirectory directory, String name, long head, long queueInstance) {
        try {
            return SharedStruct.open(directory, name, SenderState.class);
        } catch (SegmentLayoutException older) {
            throw new SegmentLayoutException(name, "is not the record this sender keeps (" + older.getMessage() + "); a record of"
                    + " an earlier shmkit? Remove it to start a new link: the receiver then numbers afresh, and the messages in"
                    + " the queue are sent from its position", older);
        } catch (SegmentNotFoundException absent) {
            long linkId = ThreadLocalRandom.current().nextLong() | 1; // never 0: the receiver's "none yet"
            return SharedStruct.create(directory, name, SenderState.class,
                    new SenderState(linkId, 0, -1, head, -1, head, -1, queueInstance, -1));
        }
    }

    /**
     * Where numbering stands, from the recorded pair (the last acknowledged number, where its
     * message ends in the queue) and where the queue's consumer position is now.
     */
    private void resume() {
        SenderState s = state.get();
        int slot = (int) (s.version() & 1);
        long seq = slot == 0 ? s.seq0() : s.seq1();
        long head = slot == 0 ? s.head0() : s.head1();
        long now = consumer.position();
        acked = seq;
        endSeq = s.endSeq();
        String why = null;
        if (s.queueInstance() != queue.instanceId()) {
            why = s.queueInstance() == 0 ? "a predecessor was stopped before it could number it after the receiver's last"
                    : "it was made again since " + stateName(name) + " was recorded";
        } else if (now - head < 0 && !consumeAcknowledged(head)) {
            why = stateName(name) + " records position " + head + ", where none of its messages ends (it is at " + now + ")";
        } else if (now - head > 0) {
            why = "another consumer took messages from it since " + stateName(name) + " was recorded";
        }
        if (why != null && endSeq >= 0) {
            throw new IllegalStateException("queue '" + name + "': the link's stream ended at number " + endSeq + " (recorded in "
                    + stateName(name) + "), and " + why + ": a new stream needs a new link; remove " + stateName(name)
                    + " to start one (the receiver then numbers afresh)");
        }
        if (why != null) {
            LOG.log(Level.WARNING, "queue ''{0}'': {1}: its messages are numbered after the last the receiver has (from"
                    + " {2,number,#} if it has less)", name, why, seq + 1);
            renumber = true;
            // no queue is 0: until the receiver's number is known, a successor renumbers too
            QUEUE_INSTANCE.setVolatile(state, 0, 0);
        }
        record(acked, consumer.position());
        SENT.set(state, 0, acked);
        nextSeq = acked + 1;
        highest = acked;
        receiverHas = acked;
        progressMark = acked;
    }

    /**
     * The predecessor recorded an acknowledgement and was killed before consuming up to it:
     * consume to {@code head}, walking message by message to check that one ends there.
     */
    private boolean consumeAcknowledged(long head) {
        // one message at a time, stopping before any that ends past the record: the read-ahead then
        // stands at the record if a message (or padding, after END) ends there, else somewhere else
        ControlledMessageHandler step = (type, buffer, offset, length) -> consumer.readAheadPosition() - head > 0
                ? ControlledMessageHandler.Action.ABORT : ControlledMessageHandler.Action.CONTINUE;
        while (consumer.readAheadPosition() - head < 0 && consumer.readAhead(step, 1) == 1) {
            // on to the next
        }
        if (consumer.readAheadPosition() != head) {
            consumer.seekReadAhead(consumer.position());
            return false;
        }
        consumer.consumeTo(head);
        return true;
    }

    private void record(long seq, long head) {
        long version = VERSION.getVolatile(state, 0);
        int slot = (int) ((version + 1) & 1);
        SEQ[slot].set(state, 0, seq);
        HEAD[slot].set(state, 0, head);
        VERSION.setVolatile(state, 0, version + 1);
    }

    /**
     * Runs until the stream ended and the receiver recorded it all, or after {@link #stop()},
     * once the receiver has acknowledged what was sent (or a second passed: what it has not
     * acknowledged stays in the queue for the next sender).
     */
    public void run() {
        while (phase != Phase.DONE) {
            if (stopped) {
                if (stoppedAt == 0) {
                    stoppedAt = System.nanoTime();
                }
                if (!isInFlight() || System.nanoTime() - stoppedAt > DRAIN_NANOS) {
                    if (isInFlight()) {
                        LOG.log(Level.INFO, "queue ''{0}'': stopped with messages from {1,number,#} sent and not acknowledged: they"
                                + " stay in the queue, and the next sender sends those the receiver lacks", name, acked + 1);
                    }
                    return;
                }
            }
            idle.idle(doWork());
        }
    }

    /** Asks {@link #run()} to stop sending and return once the receiver has acknowledged what was sent. Any thread. */
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
     * One duty cycle: control frames, then sending what the queue holds.
     *
     * @return the work done; 0 if there was none
     * @throws BridgeRefusedException if the receiver refused the link (its queue's layout differs)
     */
    public int doWork() {
        long now = System.nanoTime(); // one clock read per cycle: the control poll takes microseconds
        lateCycle = cycleAt != 0 && now - cycleAt > LATE_CYCLE_NANOS;
        cycleAt = now;
        int work = control.poll(controlHandler, 16);
        if (failure != null) {
            throw failure; // raised in the handler: Aeron's poll would have logged and dropped it
        }
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
                if (!stopped) {
                    work += send();
                } else {
                    backPressured = false; // nothing is offered any more: only a stall can matter
                }
                retransmitIfStalled(now);
            }
            case DONE -> {
            }
        }
        if (failure != null) {
            throw failure;
        }
        return work;
    }

    /** Whether messages (or END) were sent and not yet acknowledged. */
    private boolean isInFlight() {
        return highest != acked || endSent;
    }

    /**
     * Frames lost with an Aeron image (an outage longer than its liveness timeout) are never
     * retransmitted by Aeron; when frames are in flight, sending is not held back, and
     * acknowledgements have not moved for the {@link RoundTrip stall period} (at least three
     * handshake periods), send again from the first unacknowledged message (the receiver drops
     * what it has).
     */
    private void retransmitIfStalled(long now) {
        if (!isInFlight() || backPressured || acked != progressMark) {
            progressMark = acked;
            lastProgress = now;
        } else if (now - lastProgress > roundTrip.stallNanos(3 * handshakeNanos)) {
            roundTrip.resent();
            rewind();
            lastProgress = now;
        }
    }

    /** Reads ahead again from the first unacknowledged message: those the receiver has are numbered, not sent. */
    private void rewind() {
        consumer.seekReadAhead(consumer.position());
        nextSeq = acked + 1;
        endSent = false;
        timedSeq = -1; // the ACK that covers it may now answer a resend: no sample (Karn's rule)
    }

    /** Reads ahead and sends; then END, once every producer has closed and all was read. */
    private int send() {
        int work = 0;
        backPressured = false;
        if (endSeq < 0 || nextSeq < endSeq) {
            long before = highest;
            work = consumer.readAhead(sender, SEND_LIMIT);
            if (highest != before) {
                SENT.set(state, 0, highest);
                if (timedSeq < 0 && highest > receiverHas && !backPressured) {
                    timedSeq = highest; // one number timed at a time, as TCP times one segment
                    timedAt = System.nanoTime();
                }
            }
            if (work == 0 && endSeq < 0 && phase == Phase.STREAMING && !backPressured && consumer.isEndOfStreamAhead()) {
                endSeq = nextSeq;
                END_SEQ.setVolatile(state, 0, endSeq);
            }
        }
        if (endSeq >= 0 && nextSeq == endSeq && !endSent && receiverHas < endSeq && phase == Phase.STREAMING) {
            BridgeFrames.header(frameHeader, 0, BridgeFrames.END, 0, endSeq);
            endSent = offer(frameHeader, BridgeFrames.HEADER_LENGTH, null, 0);
            work += endSent ? 1 : 0;
        }
        applyAcknowledgements();
        return work;
    }

    /** The read-ahead's handler: numbers the message, and sends it unless the receiver has it. */
    private ControlledMessageHandler.Action sendOne(int type, MemorySegment buffer, long offset, int length) {
        long seq = nextSeq;
        long end = consumer.readAheadPosition();
        if (seq != acked + 1 && (seq - acked > ends.length || end - consumer.position() > windowBytes)
                || endSeq >= 0 && seq >= endSeq) {
            return ControlledMessageHandler.Action.ABORT; // the window is full (or the stream ended here)
        }
        if (seq > receiverHas) {
            BridgeFrames.header(frameHeader, 0, BridgeFrames.DATA, type, seq);
            payload.wrap(buffer.address() + offset, length);
            if (!offer(frameHeader, BridgeFrames.HEADER_LENGTH, payload, length)) {
                return ControlledMessageHandler.Action.ABORT; // it stays at the read-ahead position: sent later
            }
            messagesSent++;
        }
        ends[(int) seq & mask] = end;
        nextSeq = seq + 1;
        if (seq > highest) {
            highest = seq;
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    /** Offers a frame of a header and, unless null, a payload; false if it must be offered again later. */
    private boolean offer(UnsafeBuffer header, int headerLength, UnsafeBuffer body, int bodyLength) {
        long result = body == null ? data.offer(header, 0, headerLength) : data.offer(header, 0, headerLength, body, 0, bodyLength);
        if (result > 0) {
            return true;
        }
        if (result == Publication.NOT_CONNECTED) {
            phase = Phase.WAITING; // the receiver went away: a new one joins and says where to resume
            LOG.log(Level.INFO, "queue ''{0}'': the receiver is unreachable; waiting for it to join again", name);
        } else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            failure = new IllegalStateException("queue '" + name + "': the data publication cannot go on ("
                    + Publication.errorString(result) + ")");
        } else {
            backPressured = true; // the receiver is slower: later
            timedSeq = -1; // an acknowledgement now waits behind the publication's window, not only on the link: no sample
        }
        return false;
    }

    /**
     * Consumes what the receiver has recorded, as far as it has been read ahead (where each
     * message ends is known only then); once it has recorded END too, the link is done.
     */
    private void applyAcknowledgements() {
        long upTo = Math.min(receiverHas, endSeq >= 0 ? Math.min(highest, endSeq - 1) : highest);
        if (upTo > acked) {
            // record first: a kill before the queue is consumed leaves it behind the record, and the successor consumes up to it
            long end = ends[(int) upTo & mask];
            record(upTo, end);
            consumer.consumeTo(end);
            acked = upTo;
            if (nextSeq <= upTo) {
                nextSeq = upTo + 1; // reading again after a rewind, and the receiver had these: go on after them
            }
        }
        if (endSeq >= 0 && receiverHas >= endSeq && acked == endSeq - 1 && phase != Phase.DONE) {
            if (nextSeq == endSeq) {
                long end = consumer.readAheadPosition(); // past any padding after the last message
                record(acked, end);
                consumer.consumeTo(end);
            }
            endSent = false;
            phase = Phase.DONE;
            LOG.log(Level.INFO, "queue ''{0}'': end of stream recorded by the receiver after message {1,number,#}; round trip"
                    + " estimate {2,number,#} microseconds", name, acked, roundTrip.smoothed() / 1000);
        }
    }

    private void offerHello(long forIncarnation) {
        int length = BridgeFrames.hello(scratch, forIncarnation, linkId, acked + 1, largest, queue.recordLayout());
        // lost or refused: the next handshake sends it again
        if (data.offer(scratch, 0, length) > 0 && forIncarnation != 0 && hellos++ == 0) {
            firstHelloAt = System.nanoTime();
        }
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
                    hellos = 0; // the HELLO sent just below starts this session's handshake sample
                }
                if (phase == Phase.HELLO || phase == Phase.DONE) {
                    lastHandshake = System.nanoTime();
                    offerHello(incarnation);
                }
            }
            case BridgeFrames.ACCEPT -> {
                if (current && phase == Phase.HELLO) {
                    accept(BridgeFrames.next(buffer, offset));
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
                if (current && phase == Phase.STREAMING && next - 1 > receiverHas) {
                    if (timedSeq >= 0 && next - 1 >= timedSeq) {
                        if (!lateCycle) {
                            roundTrip.sample(System.nanoTime() - timedAt);
                        }
                        timedSeq = -1;
                    }
                    receiverHas = next - 1;
                    applyAcknowledgements();
                }
            }
            default -> LOG.log(Level.DEBUG, "queue ''{0}'': ignored a {1} frame on the control stream", name,
                    BridgeFrames.name(BridgeFrames.type(buffer, offset)));
        }
    }

    /** A receiver joined, needing message {@code next}: send from the first it lacks. */
    private void accept(long next) {
        roundTrip.newSession();
        if (hellos == 1 && !lateCycle) {
            roundTrip.sample(System.nanoTime() - firstHelloAt); // one HELLO, so the ACCEPT answers it (Karn's rule)
        }
        hellos = 0;
        timedSeq = -1;
        if (renumber) {
            if (next - 1 > acked) {
                // the receiver's numbers are not those of this queue's messages: number them after the receiver's
                LOG.log(Level.WARNING, "queue ''{0}'': the receiver has numbers up to {1,number,#}; this queue''s messages are"
                        + " numbered from {2,number,#}", name, next - 1, next);
                acked = next - 1;
                highest = acked;
                record(acked, consumer.position());
                SENT.set(state, 0, acked);
            }
            QUEUE_INSTANCE.setVolatile(state, 0, queue.instanceId()); // after the record: killed between, a successor renumbers again
            renumber = false;
        }
        // what the receiver has is acknowledged; messages it has that were not read ahead yet (a
        // predecessor sent them) are read ahead, to number them, and not sent
        receiverHas = next - 1;
        rewind();
        phase = Phase.STREAMING;
        applyAcknowledgements();
        LOG.log(Level.INFO, "queue ''{0}'': receiver joined, needs {1,number,#}; sending from {2,number,#}", name, next,
                Math.max(next, acked + 1));
        progressMark = acked;
        lastProgress = System.nanoTime();
    }

    /** Releases the queue's consumer role, the publication, the subscription and the driver. */
    @Override
    public void close() {
        stopped = true;
        try {
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
        return "QueueSender[" + name + ", " + phase + ", acknowledged " + acked + ", next " + nextSeq + "]";
    }
}
