package io.shmkit.msg;

/**
 * The byte layout of a broadcast segment's data (segment kind {@code BROADCAST}; the segment
 * header of {@code docs/format.md} comes first and is not repeated here): one transmitter
 * writes records into a ring that any number of receivers read without telling anyone, each at
 * its own pace; a receiver that falls a whole ring behind is lapped and jumps to the latest
 * record. Native byte order; {@code docs/messaging.md} §6 states the same layout and protocol.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+ 0x000
 *  |                  Magic "SHMKBRD1" (8 bytes)                   |
 *  |                                                               |
 *  +---------------------------------------------------------------+ 0x008
 *  |          Capacity of the ring in bytes (u64, a power of two)  |
 *  +-------------------------------+-------------------------------+ 0x010
 *  |  Max message length (u32)     |  CRC-32 of 0x000-0x013 (u32)  |
 *  +-------------------------------+-------------------------------+ 0x018
 *  |                  Reserved, zero (104 bytes)                   |
 *  +---------------------------------------------------------------+ 0x080 (C)
 *  |  Tail intent (u64): where the record being written ends       |
 *  +---------------------------------------------------------------+ C + 0x008
 *  |  Tail (u64): where the last complete record ends              |
 *  +---------------------------------------------------------------+ C + 0x010
 *  |  Latest (u64): where the last complete record starts          |
 *  +---------------------------------------------------------------+ C + 0x080
 *  |  Transmitter role: a 1-permit SharedSemaphore (320 bytes)     |
 *  +---------------------------------------------------------------+ C + 0x200
 *  |  Transmitter attaches (u64)                                   |
 *  +---------------------------------------------------------------+ C + 0x208
 *  |  End of stream at (u64): the attach count when the            |
 *  |  transmitter closed; ended while it equals the count          |
 *  +---------------------------------------------------------------+ C + 0x280
 *  |  Waiters (u32): reserved for kernel wake-ups; zero            |
 *  +---------------------------------------------------------------+ C + 0x300
 *  |  The ring: capacity bytes of records                          |
 *  +---------------------------------------------------------------+ C + 0x300 + capacity
 * </pre>
 *
 * <p>A record is an 8-byte header, length (i32: header and payload) and type (i32: 1 and up, or
 * -1 for padding to the ring's end), then the payload, then zeros up to a multiple of 8. Records
 * never wrap. Tail intent, tail and latest only grow, all multiples of 8, with
 * {@code latest < tail <= tail intent <= tail + capacity}, or all zero before the first record.
 */
public final class BroadcastDescriptor {
    /** The eight bytes that open a broadcast's data. */
    public static final byte[] MAGIC = {'S', 'H', 'M', 'K', 'B', 'R', 'D', '1'};

    public static final long MAGIC_OFFSET = 0x000;
    public static final long CAPACITY_OFFSET = 0x008;
    public static final long MAX_MESSAGE_OFFSET = 0x010;
    public static final long CHECKSUM_OFFSET = 0x014;
    /** C: the control area. */
    public static final long CONTROL = 0x080;

    /** Offsets from C. */
    public static final long TAIL_INTENT = 0x000;
    public static final long TAIL = 0x008;
    public static final long LATEST = 0x010;
    public static final long TRANSMITTER_ROLE = 0x080;
    public static final long ATTACHES = 0x200;
    public static final long END_OF_STREAM_AT = 0x208;
    public static final long WAITERS = 0x280;
    public static final long RING = 0x300;

    /** Record header: length, then type; records start at multiples of {@link #ALIGNMENT}. */
    public static final long LENGTH_OFFSET = 0;
    public static final long TYPE_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;
    public static final int ALIGNMENT = 8;
    public static final int PADDING = -1;

    public static final long MIN_CAPACITY = 1024;
    public static final long MAX_CAPACITY = 1L << 30;

    private BroadcastDescriptor() {
    }

    /** The data size of a broadcast with a ring of {@code capacity} bytes. */
    public static long dataSize(long capacity) {
        return CONTROL + RING + capacity;
    }

    /** The space a record of {@code length} bytes (header and payload) takes in the ring. */
    public static long aligned(long length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** The largest payload a ring of {@code capacity} bytes takes: an eighth of it, less the header. */
    public static int largestMessage(long capacity) {
        return (int) Math.min(Integer.MAX_VALUE - 64, capacity / 8 - HEADER_LENGTH);
    }
}
