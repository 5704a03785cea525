package io.shmkit.core;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * What {@link SharedStruct} and {@link SharedStructArray} share: the record codec, and what
 * the zero-allocation {@link StructField} accessors need.
 *
 * @param <T> the record type
 */
public abstract sealed class SharedStructBase<T extends Record> extends SharedObject permits SharedStruct, SharedStructArray {
    final RecordCodec<T> codec;
    final MemorySegment data;
    final long stride;
    final long count;
    final String layoutText;

    SharedStructBase(SegmentFile file, RecordCodec<T> codec) {
        super(file);
        this.codec = codec;
        this.data = file.data;
        this.stride = file.info.elementSize();
        this.count = file.info.elementCount();
        this.layoutText = file.info.layout().intern();
    }

    static <T extends Record> RecordCodec<T> codec(Class<T> type, StructLayout layout) {
        return layout == null ? RecordCodec.of(type) : RecordCodec.of(type, layout);
    }

    /** The record type. */
    public final Class<T> type() {
        return codec.type;
    }

    @Override
    final Class<? extends Record> recordType() {
        return codec.type;
    }

    /** The C layout of one struct. */
    public final StructLayout layout() {
        return codec.layout;
    }

    /** Bytes from one struct to the next: the layout's size, trailing padding included. */
    public final long stride() {
        return stride;
    }

    /**
     * Byte offset of a field inside one struct, for a path such as {@code "x"},
     * {@code "from.y"} or {@code "samples[3]"}.
     */
    public final long fieldOffset(String path) {
        try {
            return StructField.offsetOf(codec.layout, path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("segment '" + name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * The layout of a field inside one struct, for the same paths as {@link #fieldOffset}; at
     * an array index the element's layout. Lets code that places its own words in a struct
     * field (shm-sync's locks) check that the field has the layout it needs.
     */
    public final MemoryLayout fieldLayout(String path) {
        try {
            return StructField.select(codec.layout, path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("segment '" + name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * The number of structs, after checking that a {@link StructField} made for
     * {@code layoutText} fits this segment. Interned texts make the check one comparison.
     */
    final long count(String accessorLayoutText) {
        if (accessorLayoutText != layoutText && !accessorLayoutText.equals(layoutText)) {
            throw new IllegalArgumentException("segment '" + name() + "' holds " + layoutText + "; the field accessor is for "
                    + accessorLayoutText);
        }
        return count;
    }

    final T read(long index) {
        try {
            return codec.read(data, java.util.Objects.checkIndex(index, count) * stride);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    private String cannotStore(long index, RuntimeException why) {
        return "segment '" + name() + "': cannot store a " + codec.type.getSimpleName() + " at index " + index + ": "
                + why.getMessage();
    }

    /**
     * Encodes into a scratch buffer first, so that a record that cannot be stored (a string too
     * long, an array of the wrong length) leaves the shared struct untouched.
     */
    final void write(long index, T value) {
        try {
            long offset = java.util.Objects.checkIndex(index, count) * stride;
            MemorySegment scratch = MemorySegment.ofArray(new long[(int) ((stride + 7) >>> 3)]);
            try {
                codec.write(scratch, 0, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(cannotStore(index, e), e);
            } catch (NullPointerException e) {
                NullPointerException named = new NullPointerException(cannotStore(index, e));
                named.initCause(e);
                throw named;
            }
            MemorySegment.copy(scratch, 0, data, offset, stride);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }
}
