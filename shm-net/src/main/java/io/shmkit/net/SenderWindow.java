package io.shmkit.net;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The sender's retransmit window: the DATA and END frames of messages taken from the local
 * queue and not yet acknowledged by the receiver, in sequence order, each stored exactly as it
 * goes on the wire, so that a receiver that restarts gets them again from the number it asks
 * for. A ring of entries {@code [int frame length][frame][pad to 8]}; an entry never wraps
 * (a negative length marks the end of the ring as skipped). Positions are byte counts that only
 * grow: {@code acked <= sent <= tail}. One thread.
 */
final class SenderWindow {
    private static final int LENGTH_PREFIX = 8; // 4 used; 8 keeps frames 8-aligned

    private final int capacity;
    final UnsafeBuffer buffer;
    final MemorySegment segment;
    private long acked;
    private long sent;
    private long tail;
    /** The sequence number of the entry at {@link #acked}, and the next one to be added. */
    private long ackedSeq;
    private long nextSeq;

    SenderWindow(int capacity, long firstSeq) {
        this.capacity = capacity;
        ByteBuffer memory = ByteBuffer.allocateDirect(capacity);
        this.buffer = new UnsafeBuffer(memory);
        this.segment = MemorySegment.ofBuffer(memory);
        this.ackedSeq = firstSeq;
        this.nextSeq = firstSeq;
    }

    int capacity() {
        return capacity;
    }

    /** The oldest sequence number still held (the next to be added if none is). */
    long firstSeq() {
        return ackedSeq;
    }

    long nextSeq() {
        return nextSeq;
    }

    boolean isEmpty() {
        return acked == tail;
    }

    boolean hasUnsent() {
        return sent < tail;
    }

    /**
     * Room for a frame of {@code frameLength} bytes: its buffer offset, having skipped the end of
     * the ring if the frame does not fit there; -1 if the window is full.
     */
    int reserve(int frameLength) {
        int entry = align(LENGTH_PREFIX + frameLength);
        int at = (int) (tail % capacity);
        int toEnd = capacity - at;
        long needed = entry <= toEnd ? entry : toEnd + (long) entry;
        if (tail + needed - acked > capacity) {
            return -1;
        }
        if (entry > toEnd) {
            buffer.putInt(at, -toEnd, BridgeFrames.ORDER);
            tail += toEnd;
            at = 0;
        }
        return at + LENGTH_PREFIX;
    }

    /** Adds the frame written at {@code offset} (from {@link #reserve}); it takes the next sequence number. */
    void commit(int offset, int frameLength) {
        buffer.putInt(offset - LENGTH_PREFIX, frameLength, BridgeFrames.ORDER);
        tail += align(LENGTH_PREFIX + frameLength);
        nextSeq++;
    }

    /** The offset of the next unsent frame (skipping a wrap marker); its length is {@link #frameLength}. */
    int unsentOffset() {
        int at = (int) (sent % capacity);
        int length = buffer.getInt(at, BridgeFrames.ORDER);
        if (length < 0) {
            sent += -length;
            at = 0;
        }
        return at + LENGTH_PREFIX;
    }

    int frameLength(int offset) {
        return buffer.getInt(offset - LENGTH_PREFIX, BridgeFrames.ORDER);
    }

    /** The frame at {@code offset} (from {@link #unsentOffset}) went out. */
    void sent(int offset) {
        sent += align(LENGTH_PREFIX + frameLength(offset));
    }

    /** Frees every entry numbered below {@code next}: the receiver has recorded them. */
    void acknowledge(long next) {
        while (ackedSeq < next && acked < tail) {
            int at = (int) (acked % capacity);
            int length = buffer.getInt(at, BridgeFrames.ORDER);
            if (length < 0) {
                acked += -length;
                continue;
            }
            acked += align(LENGTH_PREFIX + length);
            ackedSeq++;
        }
        if (sent < acked) {
            sent = acked;
        }
    }

    /**
     * Sends again from sequence number {@code from} (a receiver that restarted asks for it);
     * numbers below it are acknowledged. A number below {@link #firstSeq()} is gone: it starts
     * from the first held. Returns the number it sends from.
     */
    long rewind(long from) {
        acknowledge(from);
        sent = acked;
        return ackedSeq;
    }

    private static int align(int length) {
        return (length + 7) & ~7;
    }
}
