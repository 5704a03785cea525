package io.shmkit.msg;

import static io.shmkit.msg.Broadcast.LONG;
import static io.shmkit.msg.BroadcastDescriptor.ATTACHES;
import static io.shmkit.msg.BroadcastDescriptor.CONTROL;
import static io.shmkit.msg.BroadcastDescriptor.HEADER_LENGTH;
import static io.shmkit.msg.BroadcastDescriptor.LATEST;
import static io.shmkit.msg.BroadcastDescriptor.LENGTH_OFFSET;
import static io.shmkit.msg.BroadcastDescriptor.PADDING;
import static io.shmkit.msg.BroadcastDescriptor.TAIL;
import static io.shmkit.msg.BroadcastDescriptor.TAIL_INTENT;
import static io.shmkit.msg.BroadcastDescriptor.TYPE_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The transmitter of a {@link Broadcast}: it holds the transmitter role until {@link #close()}.
 * A transmit never waits and never fails for want of room: the oldest messages are overwritten.
 *
 * <p><b>Protocol</b> ({@code docs/messaging.md} §6): announce the new end (tail intent, then a
 * store-store fence, so that no receiver can see the overwritten bytes without seeing the
 * intent), write the record (a padding record first if it would not fit before the ring's end),
 * then publish its start (latest) and its end (tail, release). A transmitter that dies at any
 * step leaves the tail naming complete records; the next transmitter finishes the tail if only
 * that store was missing, and never announces an intent lower than the one it found.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class BroadcastTransmitter implements AutoCloseable {
    private final Broadcast broadcast;
    private final MemorySegment ring;
    private final MemorySegment data;
    private final long mask;
    private final long capacity;
    private long tail;
    /** The tail intent found on taking the role: never announced lower. */
    private final long intentFloor;
    private boolean closed;

    BroadcastTransmitter(Broadcast broadcast) {
        this.broadcast = broadcast;
        this.ring = broadcast.ring;
        this.data = broadcast.data;
        this.capacity = broadcast.capacity;
        this.mask = capacity - 1;
        Roles.take(broadcast.transmitterRole, broadcast.waiting, "broadcast", broadcast.name, "a transmitter");
        long ignored = (long) LONG.getAndAdd(data, CONTROL + ATTACHES, 1L);
        long intent = broadcast.word(TAIL_INTENT);
        long tail = broadcast.word(TAIL);
        long latest = broadcast.word(LATEST);
        if (latest - tail >= 0 && latest - intent < 0 && latest != 0) {
            // the predecessor died between publishing latest (its record complete) and the tail: finish its
            // T4, at the end of the record at latest (the intent may lie beyond it, raised by an earlier death)
            long index = latest & mask;
            int length = ring.get(JAVA_INT, index + LENGTH_OFFSET);
            int type = ring.get(JAVA_INT, index + TYPE_OFFSET);
            long end = latest + BroadcastDescriptor.aligned(length);
            if (length >= HEADER_LENGTH && type >= 1 && length - HEADER_LENGTH <= broadcast.maxMessage
                    && BroadcastDescriptor.aligned(length) <= capacity - index && end - intent <= 0) {
                LONG.setRelease(data, CONTROL + TAIL, end);
                tail = end;
            }
        }
        this.tail = tail;
        // a predecessor that died mid-record may have overwritten bytes up to its intent: receivers must go on
        // seeing them as overwritten, so the intent never goes back
        this.intentFloor = intent;
        broadcast.opened(this);
    }

    /**
     * Sends a copy of {@code message} to every receiver.
     *
     * @param type a message type id, 1 or more
     * @throws IllegalArgumentException for a type below 1 or a message over the largest, naming both sizes
     */
    public void transmit(int type, byte[] message) {
        transmit(type, MemorySegment.ofArray(message));
    }

    /** Sends a copy of the whole of {@code message}; see {@link #transmit(int, byte[])}. */
    public void transmit(int type, MemorySegment message) {
        if (closed) {
            throw new IllegalStateException("the transmitter of broadcast '" + broadcast.name + "' is closed");
        }
        if (type < 1) {
            throw new IllegalArgumentException("broadcast '" + broadcast.name + "': message type " + type
                    + " is reserved; types are 1 and up");
        }
        if (message.byteSize() > broadcast.maxMessage) {
            throw new IllegalArgumentException("broadcast '" + broadcast.name + "': a message of " + message.byteSize()
                    + " bytes exceeds its largest, " + broadcast.maxMessage + " bytes");
        }
        int length = HEADER_LENGTH + (int) message.byteSize();
        long aligned = BroadcastDescriptor.aligned(length);
        long index = tail & mask;
        long toEnd = capacity - index;
        long padding = aligned > toEnd ? toEnd : 0;
        long start = tail + padding;
        long next = start + aligned;
        LONG.setOpaque(data, CONTROL + TAIL_INTENT, Math.max(next, intentFloor));
        VarHandle.storeStoreFence();
        if (padding > 0) {
            ring.set(JAVA_INT, index + TYPE_OFFSET, PADDING);
            ring.set(JAVA_INT, index + LENGTH_OFFSET, (int) padding);
            index = 0;
        }
        ring.set(JAVA_INT, index + TYPE_OFFSET, type);
        ring.set(JAVA_INT, index + LENGTH_OFFSET, length);
        MemorySegment.copy(message, 0, ring, index + HEADER_LENGTH, message.byteSize());
        if (aligned > length) {
            ring.asSlice(index + length, aligned - length).fill((byte) 0);
        }
        LONG.setRelease(data, CONTROL + LATEST, start);
        LONG.setRelease(data, CONTROL + TAIL, next);
        tail = next;
    }

    /** The broadcast this transmitter writes to. */
    public Broadcast broadcast() {
        return broadcast;
    }

    /**
     * Gives the transmitter role back; receivers see end of stream once they have read
     * everything (until another transmitter attaches). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // raised before the role is given back: a transmitter dying between the two leaves a dead holder,
            // which receivers find, not a stream that never ends
            broadcast.endStreamAt(broadcast.word(ATTACHES));
            broadcast.transmitterRole.release();
        } finally {
            broadcast.closed(this);
        }
    }

    @Override
    public String toString() {
        return "BroadcastTransmitter[" + broadcast.name + (closed ? ", closed" : "") + "]";
    }
}
