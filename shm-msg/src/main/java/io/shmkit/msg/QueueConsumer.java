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
 * <p><b>Reading ahead.</b> {@link #readAhead} hands messages over from a read-ahead position
 * without consuming them: they stay in the ring, and producers cannot reuse their room, until
 * {@link #consumeTo} consumes them; {@link #seekReadAhead} hands them over again. A process that
 * forwards messages and must not lose them if it dies (a bridge to another host) reads ahead,
 * sends, and consumes what the far side has acknowledged: its successor finds the rest still in
 * the queue. {@link #read} and {@link #controlledRead} always start at {@link #position()}; a
 * read-ahead position they pass moves up with them.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class QueueConsumer implements AutoCloseable {
    private final MessageQueue queue;
    private final MemorySegment ring;
    private final long mask;
    private final long capacity;
    private long head;
    /** Where {@link #readAhead} goes on from; never behind {@link #head}. */
    private long ahead;
    /** The furthest position the read-ahead (or a read) has reached: consumeTo and seekReadAhead stay within it. */
    private long aheadLimit;
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
        this.ahead = head;
        this.aheadLimit = head;
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
     * that reads ahead and consumes later ({@link #consumeTo}) can record a position before it
     * consumes up to it, and a successor compare it with the queue's position to learn whether
     * it was reached.
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
        return consume(handler, null, limit, false);
    }

    /** As {@link #read}, the handler deciding after each message what happens; see {@link ControlledMessageHandler.Action}. */
    public int controlledRead(ControlledMessageHandler handler, int limit) {
        return consume(null, handler, limit, false);
    }

    /**
     * Hands up to {@code limit} messages to {@code handler}, in order, in place, from the
     * read-ahead position, without consuming any: each stays in the ring until
     * {@link #consumeTo} passes it. The handler's action decides as in {@link #controlledRead},
     * except that nothing is published: {@code COMMIT} acts as {@code CONTINUE}. Stops, whatever
     * the limit, when the read-ahead is a whole ring ahead of the position.
     *
     * @return how many were handed over
     */
    public int readAhead(ControlledMessageHandler handler, int limit) {
        return consume(null, handler, limit, true);
    }

    /**
     * The read-ahead position: where the next {@link #readAhead} starts, in the units of
     * {@link #position()}. Inside a {@code readAhead}'s handler it is the position just past the
     * message being handed over, so a handler that notes it knows where each message ends (if
     * the handler aborts, it goes back to that message's start).
     */
    public long readAheadPosition() {
        return ahead;
    }

    /**
     * Moves the read-ahead position back, or forward again, to {@code position}: a message
     * boundary between {@link #position()} and the furthest the read-ahead has reached (messages
     * from there are handed over again).
     *
     * @throws IllegalArgumentException if {@code position} is behind {@link #position()}, beyond
     *         the furthest read-ahead, or not where a record starts (checked by walking the
     *         records from {@link #position()})
     */
    public void seekReadAhead(long position) {
        checkOpen();
        checkBoundary(position, "move the read-ahead to");
        ahead = position;
    }

    /**
     * Consumes every message before {@code position}, a message boundary between
     * {@link #position()} and the furthest the read-ahead has reached: publishes it as the
     * consumer's position (producers may then reuse that room; the messages stay consumed if
     * this process dies the next instant). The read-ahead position moves up to it if it was
     * behind.
     *
     * @throws IllegalArgumentException as {@link #seekReadAhead}
     */
    public void consumeTo(long position) {
        checkOpen();
        checkBoundary(position, "consume to");
        publish(head, position);
        ahead = Math.max(ahead, position);
    }

    /**
     * Whether the stream has ended as far as the read-ahead is concerned: every producer closed
     * and the read-ahead reached the last message (which may not all be consumed yet).
     */
    public boolean isEndOfStreamAhead() {
        return queue.isEndOfStream(ahead);
    }

    /**
     * Checks that {@code position} lies between the head and the furthest read-ahead and that a
     * record starts there, by walking the records from the head: they were all read ahead, so
     * they are committed and no producer can touch them. A consumer position inside a record
     * would make the next read hand over bytes of a message as if they were a header.
     */
    private void checkBoundary(long position, String what) {
        long at = head;
        if (position - head >= 0 && position - aheadLimit <= 0) {
            while (at - position < 0) {
                int length = ring.get(JAVA_INT, (at & mask) + LENGTH_OFFSET);
                if (length < HEADER_LENGTH) {
                    break;
                }
                at += RecordDescriptor.aligned(length);
            }
        }
        if (at != position) {
            throw new IllegalArgumentException("queue '" + queue.name + "': cannot " + what + " position " + position
                    + ": it is not where a record starts between the consumer's position " + head
                    + " and the furthest its read-ahead has reached, " + aheadLimit);
        }
    }

    /**
     * The read loop of docs/messaging.md §4, handing messages to {@code plain} or, if it is null,
     * to {@code controlled}; reading {@code ahead}, it starts at the read-ahead position, stops a
     * ring ahead of the head (there are its own unconsumed records) and publishes nothing.
     */
    private int consume(MessageHandler plain, ControlledMessageHandler controlled, int limit, boolean ahead) {
        checkOpen();
        long position = ahead ? this.ahead : head;
        long start = position;
        int count = 0;
        long skipped = 0;
        try {
            while (count < limit) {
                if (ahead ? position - head >= capacity : position - start >= capacity) {
                    if (ahead) {
                        break;
                    }
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
                if (ahead) {
                    this.ahead = next; // readAheadPosition() for the handler: where this message ends
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
                if (action == ControlledMessageHandler.Action.COMMIT && !ahead) {
                    publish(start, position);
                    start = position;
                }
            }
        } finally {
            if (ahead) {
                this.ahead = position;
                aheadLimit = Math.max(aheadLimit, position);
            } else {
                publish(start, position);
                this.ahead = Math.max(this.ahead, head);
                aheadLimit = Math.max(aheadLimit, head);
            }
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
            throw corrupt(index, position, "a record length of " + length + " bytes (" + (capacity - index) + " to the ring's end)");
        }
        if (type == PADDING) {
            // committed padding (or an aborted or dropped record) is found only below the tail
            long tail = queue.tail();
            if (tail - (position + length) < 0) {
                throw corrupt(index, position, "a padding record of " + length + " bytes that ends past the tail, " + tail);
            }
        } else if (type < 1) {
            throw corrupt(index, position, "message type " + type);
        } else if (length - HEADER_LENGTH > queue.maxMessage) {
            throw corrupt(index, position, "a message of " + (length - HEADER_LENGTH) + " bytes; the queue's largest is " + queue.maxMessage);
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
                throw corrupt(index, position, "a record length of " + negativeLength + " bytes");
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

    private SegmentFormatException corrupt(long index, long position, String what) {
        return MessageQueue.corrupt(queue.name, what + " at ring offset " + index + " (position " + position + ")");
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
