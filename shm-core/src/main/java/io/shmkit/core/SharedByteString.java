package io.shmkit.core;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A named {@code c_char} array with the semantics of Python's {@code multiprocessing.Array('c', ...)}
 * across JVMs: {@code create(dir, name, "hello world")} holds 11 bytes, as
 * {@code Array('c', b'hello world')} does (no room for a terminator; ctypes'
 * {@code create_string_buffer} would add one). {@link #value()} is the bytes up to the first NUL
 * (or all of them); {@link #setValue(byte[])} stores bytes and a NUL after them when there is
 * room, leaving the bytes after that as they were (so {@code value = b'hi'} on
 * {@code b'hello world'} leaves {@link #raw()} {@code b'hi\x00lo world'}, as Python's
 * {@code .raw} shows); {@link #raw()} is every byte.
 *
 * <p>Reads and writes are plain, byte by byte: a reader concurrent with a writer can see a mix
 * of old and new bytes, so guard changing strings with a lock. Thread- and process-safety,
 * closing and read-only rules are those of {@link SharedObject}.
 */
public final class SharedByteString extends SharedArray {
    private static final SegmentSpec SPEC = new SegmentSpec(SegmentKind.ARRAY, "char", 1, 1, -1);

    private SharedByteString(SegmentFile file) {
        super(file);
    }

    /** Creates a string of {@code capacity} bytes, all NUL. */
    public static SharedByteString create(SegmentDirectory directory, String name, long capacity) {
        return new SharedByteString(SegmentFile.create(directory, name, SPEC.withCount(capacity)));
    }

    /** Creates a string holding exactly {@code initial}'s bytes, as {@code Array('c', b'hello')} does. */
    public static SharedByteString create(SegmentDirectory directory, String name, byte[] initial) {
        byte[] copy = initial.clone();
        return new SharedByteString(SegmentFile.create(directory, name, SPEC.withCount(copy.length),
                data -> MemorySegment.copy(copy, 0, data, JAVA_BYTE, 0, copy.length)));
    }

    /** Creates a string holding exactly {@code initial} encoded as UTF-8 (its length is the number of bytes). */
    public static SharedByteString create(SegmentDirectory directory, String name, String initial) {
        return create(directory, name, initial.getBytes(StandardCharsets.UTF_8));
    }

    /** Attaches read-write. */
    public static SharedByteString open(SegmentDirectory directory, String name) {
        return open(directory, name, Access.READ_WRITE);
    }

    /**
     * Attaches with the given access.
     *
     * @throws SegmentLayoutException if the segment is not a {@code c_char} array
     */
    public static SharedByteString open(SegmentDirectory directory, String name, Access access) {
        return new SharedByteString(SegmentFile.open(directory, name, access, SPEC));
    }

    /** Attaches if the name exists (checking the capacity), else creates it. */
    public static SharedByteString openOrCreate(SegmentDirectory directory, String name, long capacity) {
        return new SharedByteString(SegmentFile.openOrCreate(directory, name, SPEC.withCount(capacity)));
    }

    /** The bytes before the first NUL, or all bytes if there is none ({@code .value} in ctypes). */
    public byte[] value() {
        try {
            return ByteStrings.value(data, 0, length);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    /** {@link #value()} decoded as UTF-8. */
    public String valueAsString() {
        return new String(value(), StandardCharsets.UTF_8);
    }

    /**
     * Stores {@code bytes}, then a NUL if they are shorter than {@link #length()}; the bytes after
     * that NUL are left as they were, as ctypes' {@code .value = ...} leaves them. A value of
     * exactly {@link #length()} bytes has no terminator.
     *
     * @throws IllegalArgumentException if {@code bytes} is longer than the array ("byte string too long" in ctypes)
     */
    public void setValue(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > length) {
            throw new IllegalArgumentException("segment '" + name() + "' holds at most " + length + " bytes; the value has "
                    + bytes.length);
        }
        try {
            MemorySegment.copy(bytes, 0, data, JAVA_BYTE, 0, bytes.length);
            if (bytes.length < length) {
                data.set(JAVA_BYTE, bytes.length, (byte) 0);
            }
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    /** Stores {@code value} encoded as UTF-8; see {@link #setValue(byte[])}. */
    public void setValue(String value) {
        setValue(value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Every byte, NULs included ({@code .raw} in ctypes).
     *
     * @throws UnsupportedOperationException if longer than a Java array
     */
    public byte[] raw() {
        if (length > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException("segment '" + name() + "' is too long for a Java array");
        }
        try {
            return data.toArray(JAVA_BYTE);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    /** Byte {@code index}. */
    public byte get(long index) {
        try {
            return data.get(JAVA_BYTE, Objects.checkIndex(index, length));
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    /** Sets byte {@code index}. */
    public void set(long index, byte value) {
        try {
            data.set(JAVA_BYTE, Objects.checkIndex(index, length), value);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    @Override
    String preview() {
        byte[] v = ByteStrings.value(data, 0, Math.min(length, 64));
        StringBuilder sb = new StringBuilder("b'");
        for (byte b : v) {
            sb.append(b >= 0x20 && b < 0x7f && b != '\'' && b != '\\' ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.append('\'').append(v.length == 64 ? "..." : "").toString();
    }
}
