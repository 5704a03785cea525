package io.shmkit.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * What {@link SharedStruct} and {@link SharedStructArray} share: the record codec and the
 * zero-allocation {@link StructField} accessors.
 *
 * @param <T> the record type
 */
public abstract sealed class SharedStructBase<T extends Record> extends SharedObject permits SharedStruct, SharedStructArray {
    final RecordCodec<T> codec;
    final MemorySegment data;
    final long stride;
    final long count;

    SharedStructBase(SegmentFile file, RecordCodec<T> codec) {
        super(file);
        this.codec = codec;
        this.data = file.data;
        this.stride = file.info.elementSize();
        this.count = file.info.elementCount();
    }

    static <T extends Record> RecordCodec<T> codec(Class<T> type, StructLayout layout) {
        return layout == null ? RecordCodec.of(type) : RecordCodec.of(type, layout);
    }

    static SegmentFile attach(SegmentFile file, SegmentSpec spec) {
        try {
            file.expect(spec);
            return file;
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The record type. */
    public final Class<T> type() {
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
        return StructField.offsetOf(name(), codec.layout, path);
    }

    /** A {@code boolean} field accessor; see {@link StructField}. */
    public final StructField.OfBoolean booleanField(String path) {
        return new StructField.OfBoolean(file, data, StructField.resolve(name(), codec.layout, path, boolean.class), stride, count, path);
    }

    /** A {@code byte} field accessor; see {@link StructField}. */
    public final StructField.OfByte byteField(String path) {
        return new StructField.OfByte(file, data, StructField.resolve(name(), codec.layout, path, byte.class), stride, count, path);
    }

    /** A {@code short} field accessor; see {@link StructField}. */
    public final StructField.OfShort shortField(String path) {
        return new StructField.OfShort(file, data, StructField.resolve(name(), codec.layout, path, short.class), stride, count, path);
    }

    /** A {@code char} field accessor; see {@link StructField}. */
    public final StructField.OfChar charField(String path) {
        return new StructField.OfChar(file, data, StructField.resolve(name(), codec.layout, path, char.class), stride, count, path);
    }

    /** An {@code int} field accessor; see {@link StructField}. */
    public final StructField.OfInt intField(String path) {
        return new StructField.OfInt(file, data, StructField.resolve(name(), codec.layout, path, int.class), stride, count, path);
    }

    /** A {@code long} field accessor; see {@link StructField}. */
    public final StructField.OfLong longField(String path) {
        return new StructField.OfLong(file, data, StructField.resolve(name(), codec.layout, path, long.class), stride, count, path);
    }

    /** A {@code float} field accessor; see {@link StructField}. */
    public final StructField.OfFloat floatField(String path) {
        return new StructField.OfFloat(file, data, StructField.resolve(name(), codec.layout, path, float.class), stride, count, path);
    }

    /** A {@code double} field accessor; see {@link StructField}. */
    public final StructField.OfDouble doubleField(String path) {
        return new StructField.OfDouble(file, data, StructField.resolve(name(), codec.layout, path, double.class), stride, count, path);
    }

    final T read(long index) {
        long offset = java.util.Objects.checkIndex(index, count) * stride;
        try {
            return codec.read(data, offset);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }

    /**
     * Encodes into a scratch buffer first, so that a record that cannot be stored (a string too
     * long, an array of the wrong length) leaves the shared struct untouched.
     */
    final void write(long index, T value) {
        long offset = java.util.Objects.checkIndex(index, count) * stride;
        MemorySegment scratch = MemorySegment.ofArray(new long[(int) ((stride + 7) >>> 3)]);
        codec.write(scratch, 0, value);
        try {
            MemorySegment.copy(scratch, 0, data, offset, stride);
        } catch (RuntimeException e) {
            throw file.failure(e);
        }
    }
}
