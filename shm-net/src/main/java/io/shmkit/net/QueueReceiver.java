package io.shmkit.net;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.StructField;
import io.shmkit.msg.Claim;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueProducer;
import io.shmkit.sync.LockDescriptor;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.SemaphoreState;
import io.shmkit.sync.SharedSemaphore;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The receiving half of a bridge: takes a producer role of a local queue and writes into it,
 * in order, every message a {@link QueueSender} on another host forwards. Consumers of the
 * local queue change nothing. The queue must exist, with the sending queue's record layout
 * (checked at connect: a difference refuses the link, naming the field) and room for its
 * largest message.
 *
 * <p>It records in segment {@link #stateName(String) &lt;queue&gt;.net-in} the next sequence number
 * it needs, so that after a restart it asks the sender for exactly that; it holds that segment's
 * role permit, so one receiver writes into a queue at a time. Numbers a sender says at the
 * handshake it can no longer send (only records restored from an older copy make that happen)
 * are reported: a WARNING log line, and the counts and last range in {@link ReceiverState}. A receiver killed
 * while writing one message writes it again after its restart: that one message may be in the
 * queue twice, and is reported as such. When its queue is full it stops reading the stream;
 * Aeron's flow control then holds the sender back. Stopped ({@link #stop()}, {@link #close()}),
 * it gives its producer role back without ending the queue's stream: the queue's consumers wait
 * for its successor.
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

    /**
     * JOINING: asking a sender for {@link #next}, nothing written. JOINED: a sender accepted;
     * writing its DATA in order. ENDED: END written; answering the sender until it has seen that.
     */
    private enum Phase { JOINING, JOINED, ENDED }

    private final SegmentDirectory directory;
    private final String name;
    private final SharedStruct<ReceiverState> state;
    private final SharedSemaphore role;
    private final AeronMedia media;
    private final Subscription data;
    private final ExclusivePublication control;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onData);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 << 10]);
    private final IdleStrategy idle;
    private final long handshakeNanos;
    private byte[] copy = new byte[4096];
    /** The last ByteBuffer Aeron handed a frame in, and a segment over all of it. */
    private ByteBuffer viewed;
    private MemorySegment sourceView;

    private MessageQueue queue;
    private QueueProducer producer;
    private Phase phase = Phase.JOINING;
    private long incarnation = newIncarnation();
    /** The data image of the sender that accepted this incarnation: frames of any other are ignored. */
    private long session = Long.MIN_VALUE;
    private long next;
    private long lastHandshake;
    private boolean acceptPending;
    private long acked = -1;
    private long lastAck;
    private long endedAt;
    private volatile boolean stopped;
    private RuntimeException failure;
    private long messagesWritten;

    private QueueReceiver(SegmentDirectory directory, String queueName, BridgeOptions options) {
        this.directory = directory;
        this.name = queueName;
        this.handshakeNanos = options.handshakeEvery().toNanos();
        this.idle = options.newIdleStrategy();
        MessageQueue.inspect(directory, queueName); // the queue must exist before anything is made
        this.state = openState(directory, stateName(queueName));
        SharedSemaphore taken = null;
        AeronMedia started = null;
        try {
            SharedSemaphore permit = SharedSemaphore.in(state, "role", 1);
            takeRole(permit, queueName);
            taken = permit;
            this.role = permit;
            this.next = NEXT.getVolatile(state, 0);
            if (PENDING.get(state, 0) == next) {
                DUPLICATES.set(state, 0, DUPLICATES.get(state, 0) + 1);
                PENDING.set(state, 0, next - 1);
                LOG.log(Level.WARNING, "queue ''{0}'': the previous receiver was killed while writing message {1,number,#}; it is"
                        + " written again, and may be in the queue twice", queueName, next);
            }
            started = AeronMedia.start(options);
            this.media = started;
            this.data = media.aeron.addSubscription(options.dataChannel(), options.dataStreamId());
            this.control = media.aeron.addExclusivePublication(AeronMedia.controlChannel(options.controlChannel()),
                    options.controlStreamId());
        } catch (RuntimeException e) {
            if (started != null) {
                started.close();
            }
            if (taken != null) {
                taken.release();
            }
            state.close();
            throw e;
        }
        LOG.log(Level.INFO, "bridge receiver for queue ''{0}'': needs message {1,number,#}", queueName, next);
    }

    /**
     * Starts receiving into the local queue {@code queueName}; it joins the sender and opens the
     * queue (checking its layout against the sender's) once the sender answers.
     *
     * @throws SegmentNotFoundException if the queue does not exist
     * @throws IllegalStateException    if a live process receives into the queue already
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
            SemaphoreState unset = new SemaphoreState(0, 0, 0, 0, 0, 0, 0, 0, new long[3], new long[LockDescriptor.SLOT_COUNT]);
            return SharedStruct.create(directory, name, ReceiverState.class, new ReceiverState(0, 0, -1, 0, 0, -1, -1, 0, 0, unset));
        }
    }

    /** Takes the one permit now, or after taking it back from a dead process; else throws naming its holder. */
    private static void takeRole(SharedSemaphore role, String queueName) {
        try {
            if (role.tryAcquire() || role.reclaimDeadHolders(2, TimeUnit.SECONDS) > 0 && role.tryAcquire()) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("queue '" + queueName + "' already has a receiving bridge: "
                + role.holders().stream().map(h -> "pid " + h.pid() + (h.alive() ? "" : " (dead)")).toList());
    }

    private static long newIncarnation() {
        return ThreadLocalRandom.current().nextLong() | 1; // never 0: HELLO 0 is a sender's "join me"
    }

    /**
     * Runs until the stream ended (every producer of the sending queue closed, all written here,
     * and the sender told) or {@link #stop()}.
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

    /**
     * Whether the stream is over here: END was written (the local queue's producer role is
     * closed) and this receiver has lingered long enough to answer a sender that missed the
     * acknowledgement.
     */
    public boolean isEnded() {
        return phase == Phase.ENDED && System.nanoTime() - endedAt > 5 * handshakeNanos;
    }

    /** Messages written into the local queue by this receiver. */
    public long messagesWritten() {
        return messagesWritten;
    }

    /** One duty cycle; returns the work done, 0 if none. */
    public int doWork() {
        throwIfFailed();
        int work = data.controlledPoll(assembler, 64);
        throwIfFailed();
        long now = System.nanoTime();
        if (phase == Phase.JOINING && now - lastHandshake >= handshakeNanos) {
            lastHandshake = now;
            offerControl(BridgeFrames.JOIN, next);
        }
        if (acceptPending && offerControl(BridgeFrames.ACCEPT, next)) {
            acceptPending = false;
            work++;
        }
        if (phase != Phase.JOINING && next != acked
                && (now - lastAck >= ACK_EVERY_NANOS || next - acked >= ACK_EVERY_MESSAGES || phase == Phase.ENDED)
                && offerControl(BridgeFrames.ACK, next)) {
            acked = next;
            lastAck = now;
            work++;
        }
        return work;
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }

    private boolean offerControl(int type, long value) {
        int length = BridgeFrames.control(scratch, type, incarnation, value);
        return control.offer(scratch, 0, length) > 0;
    }

    /** Asks the sender again, from {@link #next}: a new incarnation, so that frames of the old session are ignored. */
    private void rejoin(String why) {
        LOG.log(Level.INFO, "queue ''{0}'': joins the sender again at {1,number,#}: {2}", name, next, why);
        phase = Phase.JOINING;
        incarnation = newIncarnation();
        session = Long.MIN_VALUE;
        acceptPending = false;
        lastHandshake = 0;
    }

    private ControlledFragmentHandler.Action onData(DirectBuffer buffer, int offset, int length, Header header) {
        try {
            if (length < BridgeFrames.HEADER_LENGTH) {
                return ControlledFragmentHandler.Action.CONTINUE;
            }
            long image = ((Image) header.context()).correlationId();
            int type = BridgeFrames.type(buffer, offset);
            if ((type == BridgeFrames.DATA || type == BridgeFrames.END) && image > session && phase != Phase.JOINING) {
                // the sender's frames come on a newer image (Aeron made one after an outage longer than
                // its image timeout): the old session is gone; join again, and the sender rewinds
                rejoin("its frames come on a new image");
                return ControlledFragmentHandler.Action.BREAK;
            }
            return switch (type) {
                case BridgeFrames.HELLO -> onHello(buffer, offset, length, image);
                case BridgeFrames.DATA -> image == session && phase == Phase.JOINED ? onMessage(buffer, offset, length)
                        : ControlledFragmentHandler.Action.CONTINUE;
                case BridgeFrames.END -> image == session && phase != Phase.JOINING ? onEnd(buffer, offset)
                        : ControlledFragmentHandler.Action.CONTINUE;
                default -> ControlledFragmentHandler.Action.CONTINUE;
            };
        } catch (RuntimeException e) {
            failure = e; // Aeron's poll would log it and drop the frame
            return ControlledFragmentHandler.Action.ABORT;
        }
    }

    private ControlledFragmentHandler.Action onHello(DirectBuffer buffer, int offset, int length, long image) {
        long frameIncarnation = BridgeFrames.longArgument(buffer, offset);
        if (frameIncarnation == 0) {
            // HELLO 0 after our accepted HELLO, on that image or a newer one: the sender lost the
            // session (it restarted, or found the publication not connected after an outage or a
            // pause): join it again. An older image's is a leftover.
            if (image >= session && phase != Phase.JOINING) {
                rejoin("it announced a new session");
            }
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (frameIncarnation != incarnation) {
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (phase != Phase.JOINING) {
            acceptPending = image == session; // our ACCEPT was lost: the sender asks again
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        int version = BridgeFrames.intArgument(buffer, offset);
        if (version != BridgeFrames.VERSION) {
            return refuse("the sender speaks bridge protocol version " + version + ", this receiver version " + BridgeFrames.VERSION);
        }
        String layout = length < BridgeFrames.HELLO_LAYOUT_OFFSET ? null : BridgeFrames.text(buffer, offset, length,
                BridgeFrames.HELLO_LAYOUT_OFFSET, buffer.getInt(offset + BridgeFrames.HELLO_LAYOUT_LENGTH_OFFSET, BridgeFrames.ORDER));
        if (layout == null) {
            return refuse("a malformed HELLO of " + length + " bytes");
        }
        long linkId = buffer.getLong(offset + BridgeFrames.HELLO_LINK_OFFSET, BridgeFrames.ORDER);
        long firstSeq = buffer.getLong(offset + BridgeFrames.HELLO_FIRST_OFFSET, BridgeFrames.ORDER);
        int largest = buffer.getInt(offset + BridgeFrames.HELLO_MAX_MESSAGE_OFFSET, BridgeFrames.ORDER);
        String problem = checkQueue(layout, largest);
        if (problem != null) {
            return refuse(problem);
        }
        long recorded = LINK.get(state, 0);
        if (recorded != linkId) {
            if (recorded != 0) {
                LOG.log(Level.WARNING, "queue ''{0}'': a new link (its sender''s record was made again); numbering restarts"
                        + " at {1,number,#}", name, firstSeq);
            }
            LINK.set(state, 0, linkId);
            ENDED.set(state, 0, 0);
            GAP_FROM.set(state, 0, -1);
            GAP_TO.set(state, 0, -1);
            PENDING.set(state, 0, firstSeq - 1);
            NEXT.setVolatile(state, 0, firstSeq);
            next = firstSeq;
        } else if (firstSeq > next) {
            gap(next, firstSeq - 1); // the sender no longer holds them: they are lost, and said so now
        }
        acked = -1;
        session = image;
        if (ENDED.get(state, 0) != 0) {
            phase = Phase.ENDED; // a sender that missed our acknowledgement of END: ACCEPT tells it
            endedAt = System.nanoTime();
        } else {
            if (producer == null) {
                producer = queue.producer();
            }
            phase = Phase.JOINED;
        }
        acceptPending = true;
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    /** Opens the queue with the sender's layout (once); null if it fits, else why not. */
    private String checkQueue(String layout, int largest) {
        try {
            if (queue == null) {
                queue = MessageQueue.openWithLayout(directory, name, LockOptions.DEFAULT, layout);
            } else if (!queue.recordLayout().equals(layout)) {
                return "queue '" + name + "' holds records of " + queue.recordLayout() + ", the sender's queue " + layout;
            }
        } catch (SegmentLayoutException e) {
            return e.getMessage();
        }
        // a record queue's messages are its records; a byte queue's, up to its largest
        if (layout.isEmpty() && largest > queue.maxMessageLength()) {
            return "queue '" + name + "' takes messages of up to " + queue.maxMessageLength() + " bytes, the sender's up to "
                    + largest;
        }
        return null;
    }

    private ControlledFragmentHandler.Action refuse(String reason) {
        int length = BridgeFrames.refuse(scratch, incarnation, reason);
        for (int i = 0; i < 1000 && control.offer(scratch, 0, length) <= 0; i++) {
            Thread.onSpinWait(); // best effort: the sender learns why; this side fails either way
        }
        failure = new BridgeRefusedException("queue '" + name + "': refused the sender's link: " + reason);
        return ControlledFragmentHandler.Action.BREAK;
    }

    private ControlledFragmentHandler.Action onMessage(DirectBuffer buffer, int offset, int length) {
        long seq = BridgeFrames.longArgument(buffer, offset);
        if (seq < next) {
            return ControlledFragmentHandler.Action.CONTINUE; // sent again after a rewind: written already
        }
        if (seq > next) {
            // frames went missing in this session (Aeron made a new image after an outage): ask
            // again from next; only the sender can say whether they are gone
            rejoin("message " + seq + " came before " + next);
            return ControlledFragmentHandler.Action.BREAK;
        }
        PENDING.set(state, 0, seq);
        if (!write(BridgeFrames.intArgument(buffer, offset), buffer, offset + BridgeFrames.HEADER_LENGTH,
                length - BridgeFrames.HEADER_LENGTH)) {
            PENDING.set(state, 0, seq - 1);
            return ControlledFragmentHandler.Action.ABORT; // the queue is full: this frame comes again
        }
        NEXT.setVolatile(state, 0, seq + 1);
        next = seq + 1;
        messagesWritten++;
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    /**
     * Writes a message into queue B with one copy: from Aeron's buffer straight into a claimed
     * record when that buffer is a ByteBuffer's (log terms and the fragment assembler's are), else
     * through a byte array. False if the queue is full.
     */
    private boolean write(int type, DirectBuffer buffer, int index, int length) {
        MemorySegment source = view(buffer);
        if (source == null) {
            if (copy.length < length) {
                copy = new byte[Math.max(length, copy.length * 2)];
            }
            buffer.getBytes(index, copy, 0, length);
            return producer.offer(type, copy, 0, length);
        }
        Claim claim = producer.tryClaim(type, length);
        if (claim == null) {
            return false;
        }
        MemorySegment.copy(source, (long) buffer.wrapAdjustment() + index, claim.buffer(), claim.offset(), length);
        claim.commit();
        return true;
    }

    /** The whole ByteBuffer under {@code buffer} as a segment (its indices offset by its wrap adjustment), or null; one per buffer seen. */
    private MemorySegment view(DirectBuffer buffer) {
        ByteBuffer bytes = buffer.byteBuffer();
        if (bytes != viewed) {
            viewed = bytes;
            sourceView = bytes == null ? null : MemorySegment.ofBuffer(bytes.duplicate().clear());
        }
        return sourceView;
    }

    private ControlledFragmentHandler.Action onEnd(DirectBuffer buffer, int offset) {
        long seq = BridgeFrames.longArgument(buffer, offset);
        if (seq < next) {
            acked = -1; // END sent again: the sender missed our acknowledgement
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (seq > next) {
            rejoin("END " + seq + " came before " + next);
            return ControlledFragmentHandler.Action.BREAK;
        }
        producer.close(); // the local consumers see end of stream once they have read everything
        producer = null;
        ENDED.setVolatile(state, 0, 1);
        NEXT.setVolatile(state, 0, seq + 1);
        next = seq + 1;
        phase = Phase.ENDED;
        endedAt = System.nanoTime();
        return ControlledFragmentHandler.Action.BREAK;
    }

    /** Records lost numbers {@code from..to}; recording the same gap again (after a kill inside this) changes nothing. */
    private void gap(long from, long to) {
        if (GAP_FROM.get(state, 0) != from || GAP_TO.get(state, 0) != to) {
            GAP_FROM.set(state, 0, from);
            GAP_TO.set(state, 0, to);
            LOST.set(state, 0, LOST.get(state, 0) + (to - from + 1));
            GAPS.setVolatile(state, 0, GAPS.get(state, 0) + 1);
        }
        LOG.log(Level.WARNING, "queue ''{0}'': messages {1,number,#} to {2,number,#} never arrived ({3,number,#} lost): the sending bridge lost them"
                + " (its first unacknowledged number is past them: was a record restored from an older copy?)", name, from, to, to - from + 1);
        PENDING.set(state, 0, to);
        NEXT.setVolatile(state, 0, to + 1);
        next = to + 1;
    }

    /** What the receiver recorded: where the stream stands and the gaps seen. */
    public ReceiverState state() {
        return state.get();
    }

    /**
     * Gives the local producer role back without ending the queue's stream (unless END was
     * written), then closes the streams, the driver and the receiver's role.
     */
    @Override
    public void close() {
        stopped = true;
        try {
            media.close();
        } finally {
            try {
                if (producer != null) {
                    producer.detach(); // a restarted receiver goes on with the same stream
                }
                if (queue != null) {
                    queue.close();
                }
            } finally {
                try {
                    role.release();
                } finally {
                    state.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "QueueReceiver[" + name + ", " + phase + ", next " + next + "]";
    }
}
