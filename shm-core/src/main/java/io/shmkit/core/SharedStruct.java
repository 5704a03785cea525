package io.shmkit.core;

import java.lang.foreign.StructLayout;

/**
 * One named C struct laid out from a record: Python's {@code multiprocessing.Value(Point)}
 * across JVMs. The {@link StructField} accessors of a single struct take index 0.
 *
 * <p>{@link #get}/{@link #set} copy the whole record with plain accesses. Thread- and
 * process-safety, closing and read-only rules are those of {@link SharedObject}.
 *
 * @param <T> the record type
 */
public final class SharedStruct<T extends Record> extends SharedStructBase<T> {

    private SharedStruct(SegmentFile file, RecordCodec<T> codec) {
        super(file, codec);
    }

    /**
     * Creates a zero-filled struct laid out from {@code type}.
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for an invalid name or a record that cannot be laid out
     */
    public static <T extends Record> SharedStruct<T> create(SegmentDirectory directory, String name, Class<T> type) {
        return create(directory, name, type, (StructLayout) null);
    }

    /** Creates a zero-filled struct with an explicit layout; components are matched by name. */
    public static <T extends Record> SharedStruct<T> create(SegmentDirectory directory, String name, Class<T> type, StructLayout layout) {
        RecordCodec<T> codec = codec(type, layout);
        return new SharedStruct<>(SegmentFile.create(directory, name, spec(codec)), codec);
    }

    /** Creates a struct holding {@code initial} before any other process can see it; if it cannot be stored, nothing is created. */
    public static <T extends Record> SharedStruct<T> create(SegmentDirectory directory, String name, Class<T> type, T initial) {
        RecordCodec<T> codec = codec(type, null);
        return new SharedStruct<>(SegmentFile.create(directory, name, spec(codec), data -> codec.write(data, 0, initial)), codec);
    }

    /**
     * Attaches read-write to an existing struct of {@code type}.
     *
     * @throws SegmentNotFoundException if the name does not exist
     * @throws SegmentFormatException   if the file is not a valid segment
     * @throws SegmentLayoutException   if it holds anything but one struct of this layout
     */
    public static <T extends Record> SharedStruct<T> open(SegmentDirectory directory, String name, Class<T> type) {
        return open(directory, name, type, null, Access.READ_WRITE);
    }

    /** Attaches with the given access. */
    public static <T extends Record> SharedStruct<T> open(SegmentDirectory directory, String name, Class<T> type, Access access) {
        return open(directory, name, type, null, access);
    }

    /** Attaches with an explicit layout ({@code null} for the record's own) and access. */
    public static <T extends Record> SharedStruct<T> open(SegmentDirectory directory, String name, Class<T> type,
            StructLayout layout, Access access) {
        RecordCodec<T> codec = codec(type, layout);
        return new SharedStruct<>(SegmentFile.open(directory, name, access, spec(codec)), codec);
    }

    /** Attaches if the name exists (checking the layout), else creates it zero-filled. */
    public static <T extends Record> SharedStruct<T> openOrCreate(SegmentDirectory directory, String name, Class<T> type) {
        RecordCodec<T> codec = codec(type, null);
        return new SharedStruct<>(SegmentFile.openOrCreate(directory, name, spec(codec)), codec);
    }

    private static SegmentSpec spec(RecordCodec<?> codec) {
        return SegmentSpec.of(SegmentKind.STRUCT, codec.layout, 1);
    }

    /** A new record holding the struct. */
    public T get() {
        return read(0);
    }

    /** Copies {@code value} in; if it cannot be stored, throws and leaves the struct as it was. */
    public void set(T value) {
        write(0, value);
    }

    @Override
    String preview() {
        return String.valueOf(read(0));
    }
}
