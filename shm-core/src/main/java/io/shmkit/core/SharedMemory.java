package io.shmkit.core;

import java.nio.ByteBuffer;

/**
 * A named block of untyped bytes: Python's
 * {@code multiprocessing.shared_memory.SharedMemory(name, create, size)} with a shmkit header
 * in front (so Python attaches through {@code shmkit.py}, which skips it). Read and write it
 * through {@link #asSegment()} or {@link #asByteBuffer()}.
 *
 * <p>Thread- and process-safety, closing and read-only rules are those of {@link SharedObject}.
 */
public final class SharedMemory extends SharedObject {
    private static final SegmentSpec BYTES = new SegmentSpec(SegmentKind.BYTES, "u8", 1, 1, -1);

    /** The kinds whose data is untyped bytes that another module gives a structure: plain bytes, queues, broadcasts. */
    private static SegmentSpec bytesOf(SegmentKind kind) {
        if (kind != SegmentKind.BYTES && kind != SegmentKind.QUEUE && kind != SegmentKind.BROADCAST) {
            throw new IllegalArgumentException(kind + " is not a kind of untyped bytes (BYTES, QUEUE, BROADCAST)");
        }
        return new SegmentSpec(kind, "u8", 1, 1, -1);
    }

    private SharedMemory(SegmentFile file) {
        super(file);
    }

    /**
     * Creates a zero-filled block of {@code size} bytes.
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for an invalid name or a negative size
     */
    public static SharedMemory create(SegmentDirectory directory, String name, long size) {
        return new SharedMemory(SegmentFile.create(directory, name, BYTES.withCount(size)));
    }

    /** Attaches read-write to an existing block, of whatever size it has. */
    public static SharedMemory open(SegmentDirectory directory, String name) {
        return open(directory, name, Access.READ_WRITE);
    }

    /**
     * Attaches with the given access.
     *
     * @throws SegmentNotFoundException if the name does not exist
     * @throws SegmentLayoutException   if the segment holds typed data rather than raw bytes
     */
    public static SharedMemory open(SegmentDirectory directory, String name, Access access) {
        return new SharedMemory(SegmentFile.open(directory, name, access, BYTES));
    }

    /** Attaches if the name exists (checking the size), else creates it. */
    public static SharedMemory openOrCreate(SegmentDirectory directory, String name, long size) {
        return new SharedMemory(SegmentFile.openOrCreate(directory, name, BYTES.withCount(size)));
    }

    /**
     * Creates a block of {@code size} bytes of {@code kind} (BYTES, or QUEUE and BROADCAST for
     * shm-msg), whose bytes {@code initializer} writes before the name appears: no process can
     * ever see the block without them. If the initializer throws, nothing is created.
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for another kind, an invalid name or a negative size
     */
    public static SharedMemory create(SegmentDirectory directory, String name, SegmentKind kind, long size,
            java.util.function.Consumer<java.lang.foreign.MemorySegment> initializer) {
        return new SharedMemory(SegmentFile.create(directory, name, bytesOf(kind).withCount(size), initializer));
    }

    /**
     * Attaches to a block of {@code kind}, of whatever size it has.
     *
     * @throws SegmentLayoutException if the segment is of another kind
     */
    public static SharedMemory open(SegmentDirectory directory, String name, SegmentKind kind, Access access) {
        return new SharedMemory(SegmentFile.open(directory, name, access, bytesOf(kind)));
    }

    /**
     * Attaches read-only to any segment, whatever its kind and layout, as untyped bytes: for
     * tools that show what a segment holds (the {@code shm} command), reading its header through
     * {@link #info()}. Its lock area is readable through {@link #lockArea()}; nothing can be
     * written through it.
     *
     * @throws SegmentNotFoundException if there is none
     * @throws SegmentFormatException   if it is not a valid segment
     */
    public static SharedMemory openReadOnlyView(SegmentDirectory directory, String name) {
        return new SharedMemory(SegmentFile.open(directory, name, Access.READ_ONLY));
    }

    /** The kind the header records: BYTES, QUEUE or BROADCAST (any kind for {@link #openReadOnlyView}). */
    public SegmentKind kind() {
        return file.info.kind();
    }

    /** Size of the block in bytes. */
    public long size() {
        return file.info.dataSize();
    }

    /**
     * The block as a native-order {@link ByteBuffer}, without copying.
     *
     * @throws UnsupportedOperationException if the block is larger than a buffer can address
     *                                       (2 GiB - 1); use {@link #asSegment()}
     */
    public ByteBuffer asByteBuffer() {
        return nativeByteBuffer();
    }

    @Override
    String preview() {
        long n = Math.min(size(), 16);
        StringBuilder sb = new StringBuilder(size() + " bytes");
        for (long i = 0; i < n; i++) {
            sb.append(i == 0 ? ": " : " ").append(String.format("%02x", file.data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)));
        }
        return sb + (size() > n ? " ..." : "");
    }
}
