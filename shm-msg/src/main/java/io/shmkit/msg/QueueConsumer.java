package io.shmkit.msg;

import static io.shmkit.msg.MessageQueue.INT;
import static io.shmkit.msg.MessageQueue.LONG;
import static io.shmkit.msg.QueueDescriptor.CLEARED;
import static io.shmkit.msg.QueueDescriptor.HEAD;
import static io.shmkit.msg.QueueDescriptor.UNBLOCKED;
import static io.shmkit.msg.RecordDescriptor.HEADER_LENGTH;
import static io.shmkit.msg.RecordDescriptor.LENGTH_OFFSET;
import static io.shmkit.msg.RecordDescriptor.PADDING;
import static io.shmkit.msg.RecordDescriptor.TYPE_OFFSET;
import static io.shmkit.msg.RecordDescriptor.WRITER_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.shmkit.core.SegmentFormatException;
import io.shmkit.sync.ProcessKey;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The consumer of a {@link MessageQueue}: it holds the consumer role until {@link #close()}.
 *
 * <p><b>Reading.</b> {@link #read} hands each message to a handler in place (zero copy, no
 * allocation); {@link #controlledRead} lets the handler decide what is consumed and when the
 * position is published; {@link #poll} copies one message out; {@link #take} waits for one.
 * A message is consumed when its handler returns: one whose handler throws is delivered again.
 *
 * <p><b>Protocol</b> ({@code docs/messaging.md} §4). At the head: a positive length is a
 * committed message (or padding, skipped once the tail has passed it); zero is nothing yet;
 * negative is a message being written. After a batch the consumer publishes the head (release:
 * the batch is consumed, even if this process dies the next instant), zeroes the bytes it
 * consumed, and publishes the cleared position (release), up to which producers may reuse the
 * ring; so producers and this consumer always find zeros ahead of the tail. A consumer that
 * dies between the two stores leaves the zeroing to the next one, which finishes it on attach. A message that
 * stays half-written for an owner-check interval has its writer (named in its header) checked:
 * if that process is certainly dead, the message is dropped (turned into padding, counted in
 * {@link QueueStatus#unblocked()}) and reading goes on; so a dead producer delays the consumer by
 * at most about one owner-check interval. Anything at the head that no protocol step writes
 * (a length beyond the ring, a type of 0) throws {@link SegmentFormatException} naming the queue
 * and the offset, and nothing outside the ring is read.
 *
 * <p><b>Delivery.</b> Every committed message is delivered, in the order of the tail
 * reservations, once to a consumer that lives: a consumer that dies while a batch is being
 * handed over (before the head is published) leaves the whole batch to be delivered again to
 * the next consumer, so a message is delivered at least once, and exactly once when no
 * consumer dies.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class QueueConsumer implements AutoCloseable {
    private final MessageQueue queue;
    private final MemorySegment ring;
    private final long mask;
    private final long capacity;
    private long head;
    /** When the message at the head was first seen half-written, or 0. */
    private long stuckSince;
    private long stuckAt = -1;
    private final long checkIntervalNanos;
    private volatile boolean closed;

    QueueConsumer(MessageQueue queue) {
        this.queue = queue;
        this.ring = queue.ring;
        this.mask = queue.mask;
        this.capacity = queue.capacity;
        this.checkIntervalNanos = queue.waiting.ownerCheckInterval().toNanos();
        queue.takeRole(queue.consumerRole, "a consumer");
        this.head = queue.head();
        long cleared = (long) LONG.getAcquire(queue.data, queue.control + CLEARED);
        if (cleared != head) {
            // the previous consumer died between publishing its head and its cleared position
            clear(cleared, head);
        }
        queue.opened(this);
    }

    /** The queue this consumer reads. */
    public MessageQueue queue() {
        return queue;
    }

    /**
     * The consumer's published position: bytes consumed since the queue was made, counting
     * headers and padding. It moves when a read ends, and inside a
     * {@link #controlledRead controlled read} when a handler returns {@code COMMIT}; every
     * message behind it stays consumed if this process dies, none in front of it does. A process
     * that must know after a restart whether one message was consumed (a bridge that numbers
     * messages) records it, after each commit, beside the number of the last message it took; a
     * successor compares it with the queue's position to learn whether one more was taken.
     */
    public long position() {
        return head;
    }

    /**
     * Hands up to {@code limit} waiting messages to {@code handler}, in order, in place.
     *
     * @return how many were handed over (0 if none was waiting)
     */
    public int read(MessageHandler handler, int limit) {
        return consume(handler, null, limit);
    }

    /** As {@link #read}, the handler deciding after each message what happens; see {@link ControlledMessageHandler.Action}. */
    public int controlledRead(ControlledMessageHandler handler, int limit) {
        return consume(null, handler, limit);
    }

    /** The read loop of docs/messaging.md §4, handing messages to {@code plain} or, if it is null, to {@code controlled}. */
    private int consume(MessageHandler plain, ControlledMessageHandler controlled, int limit) {
        checkOpen();
        long position = head;
        long start = position;
        int count = 0;
        long skipped = 0;
        try {
            while (count < limit) {
                if (position - start >= capacity) {
                    // a batch that went once round the ring comes to its own records, consumed but not yet
                    // cleared (a producer cannot pass the head we have not published): clear them first
                    publish(start, position);
                    start = position;
                }
                long index = position & mask;
                int length = (int) INT.getAcquire(ring, index + LENGTH_OFFSET);
                if (length <= 0) {
                    if (length < 0 && unblock(index, position, length)) {
                        continue; // a dead writer's message became padding
                    }
                    break;
                }
                int type = checkedType(index, position, length);
                long next = position + RecordDescriptor.aligned(length);
                if (type == PADDING) {
                    position = next;
                    if ((skipped += RecordDescriptor.aligned(length)) > 2 * capacity) {
                        break; // only forged records make a call skip this much: return, and go on at the next call
                    }
                    continue;
                }
                if (plain != null) {
                    plain.onMessage(type, ring, index + HEADER_LENGTH, length - HEADER_LENGTH);
                    position = next;
                    count++;
                    continue;
                }
                ControlledMessageHandler.Action action = controlled.onMessage(type, ring, index + HEADER_LENGTH, length - HEADER_LENGTH);
                if (action == ControlledMessageHandler.Action.ABORT) {
                    break;
                }
                position = next;
                count++;
                if (action == ControlledMessageHandler.Action.BREAK) {
                    break;
                }
                if (action == ControlledMessageHandler.Action.COMMIT) {
                    publish(start, position);
                    start = position;
                }
            }
        } finally {
            publish(start, position);
        }
        return count;
    }

    /**
     * As {@link #read(MessageHandler, int)}, but if no message is waiting, waits up to
     * {@code timeout} for one (zero or negative: not at all; {@code Duration.ofSeconds(Long.MAX_VALUE)}:
     * without end).
     *
     * @return how many were handed over, 0 if none came in time
     * @throws EndOfStreamException if nothing is waiting and nothing will come: every producer
     *         closed, or every producer still attached is dead
     * @throws InterruptedException if interrupted while waiting
     */
    public int read(MessageHandler handler, int limit, Duration timeout) throws InterruptedException {
        int count = read(handler, limit);
        // one consumer: a message await saw waiting is still there for this read
        return count > 0 || !await(timeout) ? count : read(handler, limit);
    }

    /**
     * Whether a message is waiting now, without consuming it (dropping a dead writer's message
     * and passing padding on the way, as a read would).
     */
    public boolean isMessageWaiting() {
        return controlledRead(peek, 1) == 0 && peeked();
    }

    /**
     * Waits up to {@code timeout} until a message is waiting, without consuming it.
     *
     * @return false if none came in time
     * @throws EndOfStreamException as {@link #read(MessageHandler, int, Duration)}
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        if (isMessageWaiting()) {
            return true;
        }
        Waiter wait = new Waiter(queue.waiting, timeout);
        for (;;) {
            if (wait.checkDue()) {
                queue.checkAbandoned();
            } else {
                queue.checkEndOfStream();
            }
            if (!wait.idle(queue.consumerWake, this::isMessageWaitingOrEnded)) {
                return false;
            }
            if (isMessageWaiting()) {
                return true;
            }
        }
    }

    /** What ends a sleeping consumer's wait: a message, or the end of the stream (which the loop then throws). */
    private boolean isMessageWaitingOrEnded() {
        return isMessageWaiting() || queue.isEndOfStream();
    }

    private boolean peekedOne;
    /** Stops at the first message without consuming it, noting that it saw one. */
    private final ControlledMessageHandler peek = (type, buffer, offset, length) -> {
        peekedOne = true;
        return ControlledMessageHandler.Action.ABORT;
    };

    private boolean peeked() {
        boolean seen = peekedOne;
        peekedOne = false;
        return seen;
    }

    /** One message copied out, if one is waiting; else null. */
    public Message poll() {
        copier.message = null;
        read(copier, 1);
        return copier.take();
    }

    /**
     * Waits up to {@code timeout} for a message and copies it out.
     *
     * @return the message, or null if none came in time
     * @throws EndOfStreamException as {@link #read(MessageHandler, int, Duration)}
     * @throws InterruptedException if interrupted while waiting
     */
    public Message take(Duration timeout) throws InterruptedException {
        copier.message = null;
        read(copier, 1, timeout);
        return copier.take();
    }

    private final Copier copier = new Copier();

    /** Copies the message it is handed. */
    private static final class Copier implements MessageHandler {
        Message message;

        @Override
        public void onMessage(int type, MemorySegment buffer, long offset, int length) {
            message = new Message(type, buffer.asSlice(offset, length).toArray(JAVA_BYTE));
        }

        Message take() {
            Message out = message;
            message = null;
            return out;
        }
    }

    /** Whether every producer has closed and everything was consumed. */
    public boolean isEndOfStream() {
        return queue.isEndOfStream();
    }

    /** A message copied out of the queue: its type and its bytes. */
    public record Message(int type, byte[] payload) {
    }

    // ------------------------------------------------------------------ the protocol


    /**
     * The type of the committed record of {@code length} bytes at {@code index} (position
     * {@code position}), after checking that a producer could have written it: so that nothing
     * outside the ring is ever read and no hostile length stops the consumer silently.
     */
    private int checkedType(long index, long position, int length) {
        int type = ring.get(JAVA_INT, index + TYPE_OFFSET);
        if (length < HEADER_LENGTH || RecordDescriptor.aligned(length) > capacity - index) {
            throw corrupt(index, "a record length of " + length + " bytes (" + (capacity - index) + " to the ring's end)");
        }
        if (type == PADDING) {
            // committed padding (or an aborted or dropped record) is found only below the tail
            long tail = queue.tail();
            if (tail - (position + length) < 0) {
                throw corrupt(index, "a padding record of " + length + " bytes that ends past the tail, " + tail);
            }
        } else if (type < 1) {
            throw corrupt(index, "message type " + type);
        } else if (length - HEADER_LENGTH > queue.maxMessage) {
            throw corrupt(index, "a message of " + (length - HEADER_LENGTH) + " bytes; the queue's largest is " + queue.maxMessage);
        }
        return type;
    }

    /**
     * A message half-written at the head: once it has stayed so for an owner-check interval,
     * drops it if its writer is certainly dead and it lies below the tail (a claim that was never
     * published belongs to the next writer, which overwrites it).
     *
     * @return true if it was dropped (reading may go on)
     */
    private boolean unblock(long index, long position, int negativeLength) {
        long length = -(long) negativeLength;
        if (length < HEADER_LENGTH || RecordDescriptor.aligned(length) > capacity - index) {
            if (queue.tail() - position > 0) {
                throw corrupt(index, "a record length of " + negativeLength + " bytes");
            }
            return false;
        }
        long now = System.nanoTime();
        if (stuckAt != position) {
            stuckAt = position;
            stuckSince = now;
            return false;
        }
        if (now - stuckSince < checkIntervalNanos || queue.tail() - position <= 0) {
            return false; // above the tail it is no one's yet: the next reservation there overwrites it
        }
        stuckSince = now;
        long writer = ring.get(JAVA_LONG, index + WRITER_OFFSET);
        if (ProcessKey.isAlive(writer, queue.privateToUser)) {
            return false;
        }
        boolean message = ring.get(JAVA_INT, index + TYPE_OFFSET) != PADDING; // padding its writer had not yet made positive
        ring.set(JAVA_INT, index + TYPE_OFFSET, PADDING);
        if (INT.compareAndSet(ring, index + LENGTH_OFFSET, negativeLength, (int) length)) {
            if (message) {
                long ignored = (long) LONG.getAndAdd(queue.data, queue.control + UNBLOCKED, 1L);
            }
            return true;
        }
        return false;
    }

    /** Publishes the head at {@code end}, having consumed from {@code start}, and clears behind it. */
    private void publish(long start, long end) {
        if (end == start) {
            return;
        }
        LONG.setRelease(queue.data, queue.control + HEAD, end);
        head = end;
        clear(start, end);
    }

    /** Zeroes ring positions {@code [start, end)} and publishes the cleared position there. */
    private void clear(long start, long end) {
        long from = start & mask;
        long bytes = Math.min(end - start, capacity); // more only when forged padding was skipped: the ring at most once
        long first = Math.min(bytes, capacity - from);
        zero(from, first);
        if (bytes > first) {
            zero(0, bytes - first);
        }
        LONG.setRelease(queue.data, queue.control + CLEARED, end);
        queue.producersWake.wakeAfterStore();
    }

    /** Zeroes {@code bytes} (a multiple of 16) of the ring from {@code from}: a few stores for small records, a bulk fill for large ones. */
    private void zero(long from, long bytes) {
        if (bytes <= 256) {
            for (long at = from, stop = from + bytes; at < stop; at += 8) {
                ring.set(JAVA_LONG, at, 0L);
            }
        } else {
            ring.asSlice(from, bytes).fill((byte) 0);
        }
    }

    private SegmentFormatException corrupt(long index, String what) {
        return MessageQueue.corrupt(queue.name, what + " at ring offset " + index + " (position " + (head) + ")");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the consumer of queue '" + queue.name + "' is closed");
        }
    }

    /** Gives the consumer role back; what was not consumed stays for the next consumer. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                queue.consumerRole.release();
            } finally {
                queue.closed(this);
            }
        }
    }

    @Override
    public String toString() {
        return "QueueConsumer[" + queue.name + (closed ? ", closed" : "") + "]";
    }
}
