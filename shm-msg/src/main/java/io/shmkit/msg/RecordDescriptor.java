package io.shmkit.msg;

/**
 * The byte layout of one message in a queue's ring ({@link QueueDescriptor}). Messages start at
 * ring offsets that are multiples of {@link #ALIGNMENT} and never wrap around the end of the
 * ring: where one would not fit, a padding record fills the rest of the ring.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+ 0x00
 *  |  Length (i32): 0 = nothing written here; negative = -(header  |
 *  |  + payload) while being written; positive = committed         |
 *  +---------------------------------------------------------------+ 0x04
 *  |  Type (i32): 1 and up a message type id; -1 padding (to the    |
 *  |  ring's end, or an aborted or dropped record): skipped        |
 *  +---------------------------------------------------------------+ 0x08
 *  |  Writer (u64): the owner key of the writing process,          |
 *  |  pid &lt;&lt; 32 | start tag (docs/locks.md §2)               |
 *  +---------------------------------------------------------------+ 0x10
 *  |  Payload (length - 16 bytes), then zeros up to the next       |
 *  |  multiple of 16                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A writer stores the writer key and type, then the negative length (release), then advances
 * the tail past the record (release), then writes the payload, then stores the positive length
 * (release). A padding record is written the same way, negative, and made positive only after
 * the tail has moved past it. So every record below the tail has a non-zero length and names its
 * writer, a positive length is found only below the tail, and it means the whole payload is there.
 * The consumer zeroes what it consumed before it lets producers reuse the space, so a producer
 * always finds zeros ahead of it. ({@code docs/messaging.md} §3 and §4.)
 */
public final class RecordDescriptor {
    public static final long LENGTH_OFFSET = 0x00;
    public static final long TYPE_OFFSET = 0x04;
    public static final long WRITER_OFFSET = 0x08;
    /** Header size: where the payload starts. */
    public static final int HEADER_LENGTH = 0x10;
    /** Records start at multiples of this. */
    public static final int ALIGNMENT = 16;

    /** The type of a padding record, which fills the ring to its end and carries nothing. */
    public static final int PADDING = -1;

    private RecordDescriptor() {
    }

    /** The space a record of {@code length} bytes (header and payload) takes in the ring; long, so that no length overflows it. */
    public static long aligned(long length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
