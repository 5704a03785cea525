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
