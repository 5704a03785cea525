package io.shmkit.msg;

/**
 * The byte layout of a queue segment's data (segment kind {@code QUEUE}; the segment header of
 * {@code docs/format.md} comes first and is not repeated here). All multi-byte fields are in the
 * native byte order the segment header records; {@code docs/messaging.md} states the same
 * layout and every protocol on it for implementers in other languages.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+ 0x000
 *  |                  Magic "SHMKQUE1" (8 bytes)                   |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+ 0x008
 *  |  Producers (u32): 1 one, 2 many |        Reserved, zero       |
 *  +-------------------------------+-------------------------------+ 0x010
 *  |          Capacity of the ring in bytes (u64, a power of two)  |
 *  +-------------------------------+-------------------------------+ 0x018
 *  |  Max message length (u32)     |  Record size (u32), 0: bytes  |
 *  +-------------------------------+-------------------------------+ 0x020
 *  |  Record layout length (u32)   |  CRC-32 of 0x000-0x023 and    |
 *  |                               |  the record layout text (u32) |
 *  +-------------------------------+-------------------------------+ 0x028
 *  |                    Reserved, zero (24 bytes)                  |
 *  +---------------------------------------------------------------+ 0x040
 *  |  Record layout text (UTF-8; empty for byte messages), then    |
 *  |  zero padding up to C = align(0x40 + its length, 128)         |
 *  +---------------------------------------------------------------+ C
 *  |  Tail (u64): the producers' position, bytes ever reserved     |
 *  +---------------------------------------------------------------+ C + 0x008
 *  |  Claimer (u64): owner key of the process reserving now (many  |
 *  |  producers; 0 = nobody), on the tail's line on purpose        |
 *  +---------------------------------------------------------------+ C + 0x080
 *  |  Head (u64): the consumer's position, bytes ever consumed     |
 *  +---------------------------------------------------------------+ C + 0x088
 *  |  Cleared (u64): bytes ever zeroed behind the head; producers  |
 *  |  may write up to cleared + capacity                           |
 *  +---------------------------------------------------------------+ C + 0x100
 *  |  Consumer role: a 1-permit SharedSemaphore (320 bytes)        |
 *  +---------------------------------------------------------------+ C + 0x280
 *  |  Producer role: a SharedSemaphore (320 bytes), 1 permit for   |
 *  |  one producer, {@link #MANY_PRODUCER_PERMITS} for many        |
 *  +---------------------------------------------------------------+ C + 0x400
 *  |  Unblocked (u64): messages a dead producer left half-written  |
 *  +---------------------------------------------------------------+ C + 0x408
 *  |  Producer attaches (u64): how many producers ever attached    |
 *  +---------------------------------------------------------------+ C + 0x410
 *  |  End of stream at (u64): the attach count when the last       |
 *  |  producer closed; end of stream while it equals the count     |
 *  +---------------------------------------------------------------+ C + 0x418
 *  |  Claim take-overs (u64): claimer words taken from dead        |
 *  |  processes                                                    |
 *  +---------------------------------------------------------------+ C + 0x480
 *  | Consumer wake word (u32):     | Producers' wake word (u32):   |
 *  | bit 0: the consumer may sleep | bit 0: producers may sleep    |
 *  | in the kernel for data; bits  | for room; bits 1-31 an epoch  |
 *  | 1-31 an epoch (locks.md §9)   | ({@link io.shmkit.sync.WakeWord}) |
 *  +---------------------------------------------------------------+ C + 0x500
 *  |  The ring: capacity bytes of records ({@link RecordDescriptor})|
 *  +---------------------------------------------------------------+ C + 0x500 + capacity
 * </pre>
 *
 * <p>The descriptor (0x000 to C) is written before the segment's name appears and never
 * changes. Tail, head and cleared only grow, all multiples of 16; a byte position {@code p}
 * lies at ring offset {@code p & (capacity - 1)}, and
 * {@code cleared <= head <= tail <= cleared + capacity}. The producers' words (tail, claimer)
 * and the consumer's (head, cleared) sit on lines of their own, 128 bytes apart so that
 * adjacent-line prefetch does not pair them.
 */
public final class QueueDescriptor {
    /** The eight bytes that open a queue's data. */
    public static final byte[] MAGIC = {'S', 'H', 'M', 'K', 'Q', 'U', 'E', '1'};

    public static final long MAGIC_OFFSET = 0x000;
    public static final long PRODUCERS_OFFSET = 0x008;
    public static final long CAPACITY_OFFSET = 0x010;
    public static final long MAX_MESSAGE_OFFSET = 0x018;
    public static final long RECORD_SIZE_OFFSET = 0x01C;
    public static final long LAYOUT_LENGTH_OFFSET = 0x020;
    public static final long CHECKSUM_OFFSET = 0x024;
    public static final long LAYOUT_OFFSET = 0x040;

    /** Largest record layout text. */
    public static final int MAX_LAYOUT_LENGTH = 4096;

    /** Offsets inside the control area, from C. */
    public static final long TAIL = 0x000;
    public static final long CLAIMER = 0x008;
    public static final long HEAD = 0x080;
    public static final long CLEARED = 0x088;
    public static final long CONSUMER_ROLE = 0x100;
    public static final long PRODUCER_ROLE = 0x280;
    public static final long UNBLOCKED = 0x400;
    public static final long ATTACHES = 0x408;
    public static final long END_OF_STREAM_AT = 0x410;
    public static final long CLAIM_TAKEOVERS = 0x418;
    /** The consumer's wake word: a {@link io.shmkit.sync.WakeWord} the consumer sleeps on when the ring is empty. */
    public static final long CONSUMER_WAKE = 0x480;
    /** The producers' wake word: producers sleep on it when the ring is full. */
    public static final long PRODUCERS_WAKE = 0x484;
    /** Where the ring starts, from C. */
    public static final long RING = 0x500;

    /** Producer counts. */
    public static final int ONE_PRODUCER = 1;
    public static final int MANY_PRODUCERS = 2;
    /** Permits of the producer role of a many-producer queue: how many producers may be attached at once. */
    public static final int MANY_PRODUCER_PERMITS = 4096;
    /** How many processes may hold producer roles of one many-producer queue at once: the semaphore's process slots. */
    public static final int MAX_PRODUCER_PROCESSES = 32;

    /** Smallest and largest ring. */
    public static final long MIN_CAPACITY = 1024;
    public static final long MAX_CAPACITY = 1L << 30;

    private QueueDescriptor() {
    }

    /** C: where the control area starts for a record layout text of {@code layoutLength} bytes. */
    public static long control(int layoutLength) {
        return (LAYOUT_OFFSET + layoutLength + 127) & -128L;
    }

    /** The data size of a queue: descriptor, control area and ring. */
    public static long dataSize(int layoutLength, long capacity) {
        return control(layoutLength) + RING + capacity;
    }
}
