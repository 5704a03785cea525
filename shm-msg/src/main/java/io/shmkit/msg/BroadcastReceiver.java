package io.shmkit.msg;

import static io.shmkit.msg.BroadcastDescriptor.HEADER_LENGTH;
import static io.shmkit.msg.BroadcastDescriptor.LATEST;
import static io.shmkit.msg.BroadcastDescriptor.LENGTH_OFFSET;
import static io.shmkit.msg.BroadcastDescriptor.PADDING;
import static io.shmkit.msg.BroadcastDescriptor.TAIL;
import static io.shmkit.msg.BroadcastDescriptor.TAIL_INTENT;
import static io.shmkit.msg.BroadcastDescriptor.TYPE_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.shmkit.core.SegmentFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A receiver of a {@link Broadcast}: it starts at the latest message (the first, if none was
 * sent yet) and reads at its own pace, telling nobody. Receivers take no role, so any number
 * may read, and a dead one leaves nothing behind.
 *
 * <p>Each message is copied into this receiver's own buffer and handed to the handler only
 * after checking that the transmitter did not overwrite it during the copy: a message is never
 * torn. A receiver that fell a whole ring behind is lapped: it counts it ({@link #lapped()},
 * {@link #lappedBytes()}) and jumps to the latest message. Bytes that no protocol step writes
 * (a record length beyond the ring, a type of 0) throw {@link SegmentFormatException} naming the
 * broadcast and the offset, and nothing outside the ring is read.
 *
 * <p>Not thread-safe: one thread at a time. Closing it is optional (it holds no shared state).
 */
public final class BroadcastReceiver implements AutoCloseable {
    private final Broadcast broadcast;
    private final MemorySegment ring;
    private final long mask;
    private final long capacity;
    /** This receiver's copy of the message being received: grown to the largest message seen, so a forged maximum costs nothing up front. */
    private MemorySegment copy = MemorySegment.ofArray(new byte[256]);
    private long cursor;
    private long lapped;
    private long lappedBytes;
    private long received;

    BroadcastReceiver(Broadcast broadcast) {
        this.broadcast = broadcast;
        this.ring = broadcast.ring;
        this.capacity = broadcast.capacity;
        this.mask = capacity - 1;
        this.cursor = broadcast.word(TAIL) == 0 ? 0 : broadcast.word(LATEST);
    }

    /**
     * Hands up to {@code limit} messages to {@code handler}, each a copy in this receiver's
     * buffer (valid until the next message), in order.
     *
     * @return how many were handed over (0 if none was waiting)
     */
    public int receive(MessageHandler handler, int limit) {
        int count = 0;
        int laps = 0;
        long walked = 0;
        long tail = broadcast.word(TAIL); // read again only when the cursor reaches it: the transmitter writes its line
        while (count < limit) {
            if (tail - cursor <= 0) {
                tail = broadcast.word(TAIL);
                if (tail - cursor <= 0) {
                    break;
                }
            }
            long index = cursor & mask;
            int length = ring.get(JAVA_INT, index + LENGTH_OFFSET);
            int type = ring.get(JAVA_INT, index + TYPE_OFFSET);
            long payload = (long) length - HEADER_LENGTH;
            boolean sane = length >= HEADER_LENGTH && BroadcastDescriptor.aligned(length) <= capacity - index
                    && (type == PADDING || type >= 1 && payload <= broadcast.maxMessage);
            if (sane && type != PADDING) {
                if (payload > copy.byteSize()) {
                    copy = MemorySegment.ofArray(new byte[(int) Math.min(broadcast.maxMessage, Math.max(payload, 2 * copy.byteSize()))]);
                }
                MemorySegment.copy(ring, index + HEADER_LENGTH, copy, 0, payload);
            }
            // the header and the copy are read before the intent that says whether any of it was being overwritten:
            // if it was, they may be anything (which is why the sanity check is acted on only after this)
            VarHandle.loadLoadFence();
            if (overwritten()) {
                if (++laps > MAX_LAPS_PER_CALL) {
                    throw Broadcast.corrupt(broadcast.name, "lapped " + laps + " times in one receive without a message: the"
                            + " record at latest (position " + cursor + ") is not one a transmitter writes");
                }
                continue;
            }
            if (!sane) {
                throw Broadcast.corrupt(broadcast.name, "a record of length " + length + " and type " + type + " at ring offset "
                        + index + " (position " + cursor + ")");
            }
            long aligned = BroadcastDescriptor.aligned(length);
            cursor += aligned;
            if (type != PADDING) {
                received++;
                count++;
                handler.onMessage(type, copy, 0, (int) payload);
            } else if ((walked += aligned) > 2 * capacity) {
                break; // only forged records make a call walk this much padding: return, and walk on next call
            }
        }
        return count;
    }

    /** Being lapped again and again within one call, without a message between, is not a race but a forged record. */
    private static final int MAX_LAPS_PER_CALL = 1000;

    /** If the transmitter has announced writing over the record at the cursor, jumps to the latest record and counts the lap. */
    private boolean overwritten() {
        long intent = broadcast.word(TAIL_INTENT);
        if (intent - cursor <= capacity) {
            return false;
        }
        long latest = broadcast.word(LATEST);
        lapped++;
        lappedBytes += latest - cursor;
        cursor = latest;
        return true;
    }

    /**
     * As {@link #receive(MessageHandler, int)}, waiting up to {@code timeout} for a message if
     * none is waiting.
     *
     * @return how many were handed over, 0 if none came in time
     * @throws EndOfStreamException if everything was read and the transmitter closed or died
     * @throws InterruptedException if interrupted while waiting
     */
    public int receive(MessageHandler handler, int limit, Duration timeout) throws InterruptedException {
        int count = receive(handler, limit);
        if (count > 0) {
            return count;
        }
        Waiter wait = new Waiter(broadcast.waiting, timeout);
        for (;;) {
            long endedAt = broadcast.endedAt(); // the role first, then the tail, then the attach count again
            if (endedAt >= 0 && broadcast.word(TAIL) == cursor && broadcast.stillEndedAt(endedAt)) {
                throw new EndOfStreamException("broadcast '" + broadcast.name + "': the transmitter closed and all was read");
            }
            if (wait.checkDue() && broadcast.word(TAIL) == cursor && broadcast.isTransmitterGone()
                    && broadcast.word(TAIL) == cursor) {
                throw new EndOfStreamException("broadcast '" + broadcast.name + "': the transmitter, "
                        + broadcast.transmitterHolder().map(h -> "pid " + h.pid()).orElse("gone") + ", died; all was read");
            }
            if (!wait.idle()) {
                return 0;
            }
            count = receive(handler, limit);
            if (count > 0) {
                return count;
            }
        }
    }

    /** How many times this receiver was lapped (fell a whole ring behind and jumped to the latest message). */
    public long lapped() {
        return lapped;
    }

    /** Bytes of messages this receiver skipped because it was lapped. */
    public long lappedBytes() {
        return lappedBytes;
    }

    /** Messages handed over so far. */
    public long received() {
        return received;
    }

    /** This receiver's position: bytes of the broadcast's history behind it. */
    public long position() {
        return cursor;
    }

    /** The broadcast this receiver reads. */
    public Broadcast broadcast() {
        return broadcast;
    }

    @Override
    public void close() {
        // holds nothing shared
    }

    @Override
    public String toString() {
        return "BroadcastReceiver[" + broadcast.name + " at " + cursor + ", lapped " + lapped + "]";
    }
}
