package io.shmkit.core;

import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A named, fixed-length array of C structs, each laid out from a record as ctypes lays out the
 * equivalent {@code Structure}: Python's {@code multiprocessing.Array(Point, n)} across JVMs.
 *
 * <pre>{@code
 * record Point(double x, double y) {}
 * static final StructField.OfDouble X = StructField.ofDouble(Point.class, "x");
 *
 * try (var points = SharedStructArray.create(SegmentDirectory.shm(), "points", Point.class, 3)) {
 *     points.set(0, new Point(1, -6));           // copies the record in
 *     Point p = points.get(0);                   // copies a new record out
 *     X.set(points, 0, X.get(points, 0) * 2);    // in place, no allocation
 * }
 * }</pre>
 *
 * <p>{@link #get}/{@link #set} copy whole records (plain, non-atomic accesses; a concurrent
 * writer can be observed half-done, so guard with a lock or use atomic fields). Thread- and
 * process-safety, closing and read-only rules are those of {@link SharedObject}; an index
 * outside {@code [0, length)} throws {@link IndexOutOfBoundsException} naming the segment.
 *
 * @param <T> the record type
 */
public final class SharedStructArray<T extends Record> extends SharedStructBase<T> implements Iterable<T> {

    private SharedStructArray(SegmentFile file, RecordCodec<T> codec) {
        super(file, codec);
    }

    /**
     * Creates a zero-filled array of {@code length} structs laid out from {@code type} (see
     * {@link Layouts#of}).
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for an invalid name, a negative or overflowing length, or a
     *                                  record that cannot be laid out
     */
    public static <T extends Record> SharedStructArray<T> create(SegmentDirectory directory, String name, Class<T> type, long length) {
        return create(directory, name, type, null, length);
    }

    /**
     * Creates a zero-filled array with an explicit struct layout, for C structs with padding or
     * field order of their own. Each record component is matched by name to a layout member of
     * the same type.
     */
    public static <T extends Record> SharedStructArray<T> create(SegmentDirectory directory, String name, Class<T> type,
            StructLayout layout, long length) {
        RecordCodec<T> codec = codec(type, layout);
        return new SharedStructArray<>(SegmentFile.create(directory, name, spec(codec, length)), codec);
    }

    /**
     * Creates an array holding {@code values}, as {@code Array(Point, [(1, -6), (-5, 2)])}; the
     * name appears only once every struct is written, and not at all if one cannot be stored.
     */
    public static <T extends Record> SharedStructArray<T> create(SegmentDirectory directory, String name, Class<T> type,
            List<? extends T> values) {
        List<T> copy = List.copyOf(values);
        RecordCodec<T> codec = codec(type, null);
        long stride = codec.layout.byteSize();
        return new SharedStructArray<>(SegmentFile.create(directory, name, spec(codec, copy.size()), data -> {
            for (int i = 0; i < copy.size(); i++) {
                codec.write(data, i * stride, copy.get(i));
            }
        }), codec);
    }

    /**
     * Attaches read-write to an existing array of structs of {@code type}, of whatever length it has.
     *
     * @throws SegmentNotFoundException if the name does not exist
     * @throws SegmentFormatException   if the file is not a valid segment
     * @throws SegmentLayoutException   if it holds anything but an array of this layout
     */
    public static <T extends Record> SharedStructArray<T> open(SegmentDirectory directory, String name, Class<T> type) {
        return open(directory, name, type, null, Access.READ_WRITE);
    }

    /** Attaches with the given access; see {@link #open(SegmentDirectory, String, Class)}. */
    public static <T extends Record> SharedStructArray<T> open(SegmentDirectory directory, String name, Class<T> type, Access access) {
        return open(directory, name, type, null, access);
    }

    /** Attaches with an explicit layout ({@code null} for the record's own) and access. */
    public static <T extends Record> SharedStructArray<T> open(SegmentDirectory directory, String name, Class<T> type,
            StructLayout layout, Access access) {
        RecordCodec<T> codec = codec(type, layout);
        return new SharedStructArray<>(SegmentFile.open(directory, name, access, spec(codec, -1)), codec);
    }

    /**
     * Attaches if the name exists (checking layout and length), else creates it; safe when
     * several processes race to do the same.
     */
    public static <T extends Record> SharedStructArray<T> openOrCreate(SegmentDirectory directory, String name, Class<T> type, long length) {
        RecordCodec<T> codec = codec(type, null);
        return new SharedStructArray<>(SegmentFile.openOrCreate(directory, name, spec(codec, length)), codec);
    }

    private static SegmentSpec spec(RecordCodec<?> codec, long length) {
        return SegmentSpec.of(SegmentKind.STRUCT_ARRAY, codec.layout, length);
    }

    /** Number of structs. */
    public long length() {
        return count;
    }

    /** A new record holding struct {@code index}. */
    public T get(long index) {
        return read(index);
    }

    /**
     * Copies {@code value} into struct {@code index}. If the record cannot be stored (a string
     * too long for its {@link Length}, an array of the wrong length, a null component) this
     * throws and the struct is left as it was.
     */
    public void set(long index, T value) {
        write(index, value);
    }

    /**
     * Replaces struct {@code index} by {@code operator} applied to a copy of it
     * ({@code a[i] = f(a[i])}): a plain copy out and a plain copy in, not atomic (guard it with a
     * lock when other processes may write the struct meanwhile). To change one field in place,
     * with no record allocated, use {@link StructField.OfDouble#update} and its kin.
     *
     * @return the record stored
     * @throws IllegalArgumentException if the result cannot be stored (see {@link #set}); the struct is left as it was
     */
    public T update(long index, UnaryOperator<T> operator) {
        T value = Objects.requireNonNull(operator.apply(read(index)), "the operator returned null");
        write(index, value);
        return value;
    }

    /**
     * The structs in index order, each a new record copied out when reached: a loop sees a
     * struct as it is when the loop reaches it. Changing a record changes nothing in the
     * segment; use {@link #set} or {@link #update}.
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public T next() {
                if (next >= count) {
                    throw new NoSuchElementException("segment '" + name() + "' has " + count + " structs");
                }
                return read(next++);
            }
        };
    }

    /** All structs as new records. */
    public List<T> toList() {
        List<T> out = new ArrayList<>(Math.toIntExact(count));
        for (long i = 0; i < count; i++) {
            out.add(read(i));
        }
        return out;
    }

    @Override
    String preview() {
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < Math.min(count, PREVIEW_ELEMENTS); i++) {
            sb.append(i == 0 ? "" : ", ").append(Objects.toString(read(i)));
        }
        return sb + previewSuffix(count);
    }
}
