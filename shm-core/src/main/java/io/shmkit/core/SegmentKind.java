package io.shmkit.core;

/**
 * What a segment holds, recorded in its header so that attaching with the wrong kind of object
 * fails before any data is read.
 */
public enum SegmentKind {
    /** One scalar, as {@code multiprocessing.Value('d')}. */
    VALUE(1),
    /** A fixed-length array of scalars, as {@code multiprocessing.Array('d', n)}; a {@code c_char} array is one too. */
    ARRAY(2),
    /** One struct, as {@code multiprocessing.Value(Point)}. */
    STRUCT(3),
    /** A fixed-length array of structs, as {@code multiprocessing.Array(Point, n)}. */
    STRUCT_ARRAY(4),
    /** Untyped bytes, as {@code multiprocessing.shared_memory.SharedMemory(size=n)}. */
    BYTES(5),
    /**
     * A message queue of shm-msg: bytes whose first part is a queue descriptor
     * ({@code io.shmkit.msg.QueueDescriptor}, {@code docs/messaging.md}); layout {@code u8}.
     */
    QUEUE(6),
    /** A broadcast buffer of shm-msg: bytes, as {@link #QUEUE}, with a broadcast descriptor. */
    BROADCAST(7);

    private final int code;

    SegmentKind(int code) {
        this.code = code;
    }

    /** The number stored in the header's kind field. */
    public int code() {
        return code;
    }

    /** The kind for a header code, or {@code null} if the code is unknown. */
    static SegmentKind ofCode(int code) {
        for (SegmentKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return null;
    }
}
