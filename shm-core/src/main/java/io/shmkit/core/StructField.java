package io.shmkit.core;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Zero-allocation access to one scalar field of every struct in a {@link SharedStructArray}
 * (or the one struct of a {@link SharedStruct}, at index 0): the hot-loop path. A field is
 * resolved once, from a path such as {@code "x"}, {@code "from.y"} or {@code "samples[3]"}; each
 * access is then one bounds check and one load or store at {@code offset + index * stride},
 * the code one would write by hand.
 *
 * <pre>{@code
 * StructField.OfDouble x = points.doubleField("x");
 * for (long i = 0; i < points.length(); i++) {
 *     x.set(i, x.get(i) * 2);
 * }
 * }</pre>
 *
 * <p>Thread-safe and process-safe with the orderings of each method (plain get/set are plain
 * accesses). Misuse throws, naming the segment: an index outside {@code [0, length)} throws
 * {@link IndexOutOfBoundsException}, a write to a read-only attachment
 * {@link UnsupportedOperationException}, any access after close {@link IllegalStateException}.
 */
public abstract sealed class StructField {
    final SegmentFile file;
    final MemorySegment data;
    final long offset;
    final long stride;
    final long length;
    private final String path;

    StructField(SegmentFile file, MemorySegment data, long offset, long stride, long length, String path) {
        this.file = file;
        this.data = data;
        this.offset = offset;
        this.stride = stride;
        this.length = length;
        this.path = path;
    }

    /** The path this field was resolved from. */
    public final String path() {
        return path;
    }

    /** Byte offset of the field inside one struct. */
    public final long offset() {
        return offset;
    }

    /** Number of structs this field can index. */
    public final long length() {
        return length;
    }

    final long at(long index) {
        return offset + Objects.checkIndex(index, length) * stride;
    }

    /**
     * Resolves a field path to its byte offset, checking that it names a naturally aligned
     * scalar of the given carrier type.
     */
    static long resolve(String segment, StructLayout layout, String path, Class<?> carrier) {
        MemoryLayout selected = select(segment, layout, path);
        long offset = offsetOf(segment, layout, path);
        if (!(selected instanceof ValueLayout value) || value.carrier() != carrier) {
            throw new IllegalArgumentException("segment '" + segment + "': field '" + path + "' is "
                    + (selected instanceof ValueLayout || selected instanceof SequenceLayout ? Layouts.describe(selected) : "a struct")
                    + ", not " + carrier.getSimpleName());
        }
        if (offset % value.byteSize() != 0 || layout.byteSize() % value.byteSize() != 0) {
            throw new IllegalArgumentException("segment '" + segment + "': field '" + path + "' at offset " + offset
                    + " is not naturally aligned; use asSegment() with an unaligned layout");
        }
        return offset;
    }

    /** Byte offset of any member (scalar, struct or array) named by a path. */
    static long offsetOf(String segment, StructLayout layout, String path) {
        MemoryLayout.PathElement[] elements = parse(segment, path);
        try {
            return layout.byteOffset(elements);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw noSuchField(segment, layout, path, e);
        }
    }

    private static MemoryLayout select(String segment, StructLayout layout, String path) {
        // select() takes only open sequence elements: the type is the same at every index
        MemoryLayout.PathElement[] elements = parse(segment, path);
        for (int i = 0; i < elements.length; i++) {
            if (elements[i].toString().startsWith("sequenceElement(")) {
                elements[i] = MemoryLayout.PathElement.sequenceElement();
            }
        }
        try {
            return layout.select(elements);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw noSuchField(segment, layout, path, e);
        }
    }

    private static IllegalArgumentException noSuchField(String segment, StructLayout layout, String path, RuntimeException e) {
        return new IllegalArgumentException("segment '" + segment + "': no field '" + path + "' in " + Layouts.describe(layout), e);
    }

    private static MemoryLayout.PathElement[] parse(String segment, String path) {
        List<MemoryLayout.PathElement> out = new ArrayList<>();
        for (String part : path.split("\\.", -1)) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("segment '" + segment + "': malformed field path '" + path + "'");
            }
            out.add(MemoryLayout.PathElement.groupElement(name));
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                if (close < 0) {
                    throw new IllegalArgumentException("segment '" + segment + "': malformed field path '" + path + "'");
                }
                try {
                    out.add(MemoryLayout.PathElement.sequenceElement(Long.parseLong(part.substring(bracket + 1, close))));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("segment '" + segment + "': bad index in field path '" + path + "'", e);
                }
                bracket = part.indexOf('[', close);
                if (bracket < 0 && close != part.length() - 1) {
                    throw new IllegalArgumentException("segment '" + segment + "': malformed field path '" + path + "'");
                }
            }
        }
        return out.toArray(MemoryLayout.PathElement[]::new);
    }

    /** A {@code boolean} ({@code c_bool}) field. */
    public static final class OfBoolean extends StructField {
        OfBoolean(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public boolean get(long index) {
            try {
                return data.get(ValueLayout.JAVA_BOOLEAN, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, boolean value) {
            try {
                data.set(ValueLayout.JAVA_BOOLEAN, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code byte} ({@code c_byte}) field. */
    public static final class OfByte extends StructField {
        OfByte(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public byte get(long index) {
            try {
                return data.get(ValueLayout.JAVA_BYTE, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, byte value) {
            try {
                data.set(ValueLayout.JAVA_BYTE, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code short} ({@code c_short}) field. */
    public static final class OfShort extends StructField {
        OfShort(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public short get(long index) {
            try {
                return data.get(ValueLayout.JAVA_SHORT, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, short value) {
            try {
                data.set(ValueLayout.JAVA_SHORT, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code char} ({@code c_uint16}) field. */
    public static final class OfChar extends StructField {
        OfChar(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public char get(long index) {
            try {
                return data.get(ValueLayout.JAVA_CHAR, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, char value) {
            try {
                data.set(ValueLayout.JAVA_CHAR, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** An {@code int} ({@code c_int32}) field, with atomic operations. */
    public static final class OfInt extends StructField {
        private static final VarHandle VH = ValueLayout.JAVA_INT.varHandle();

        OfInt(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public int get(long index) {
            try {
                return data.get(ValueLayout.JAVA_INT, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, int value) {
            try {
                data.set(ValueLayout.JAVA_INT, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Volatile read. */
        public int getVolatile(long index) {
            try {
                return (int) VH.getVolatile(data, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Atomically sets to {@code value} if it is {@code expected}, with volatile semantics. */
        public boolean compareAndSet(long index, int expected, int value) {
            try {
                return VH.compareAndSet(data, at(index), expected, value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Atomically adds {@code delta}, with volatile semantics; returns the previous value. */
        public int getAndAdd(long index, int delta) {
            try {
                return (int) VH.getAndAdd(data, at(index), delta);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code long} ({@code c_int64}) field, with atomic operations. */
    public static final class OfLong extends StructField {
        private static final VarHandle VH = ValueLayout.JAVA_LONG.varHandle();

        OfLong(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public long get(long index) {
            try {
                return data.get(ValueLayout.JAVA_LONG, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, long value) {
            try {
                data.set(ValueLayout.JAVA_LONG, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Volatile read. */
        public long getVolatile(long index) {
            try {
                return (long) VH.getVolatile(data, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Atomically sets to {@code value} if it is {@code expected}, with volatile semantics. */
        public boolean compareAndSet(long index, long expected, long value) {
            try {
                return VH.compareAndSet(data, at(index), expected, value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Atomically adds {@code delta}, with volatile semantics; returns the previous value. */
        public long getAndAdd(long index, long delta) {
            try {
                return (long) VH.getAndAdd(data, at(index), delta);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code float} ({@code c_float}) field. */
    public static final class OfFloat extends StructField {
        OfFloat(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public float get(long index) {
            try {
                return data.get(ValueLayout.JAVA_FLOAT, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, float value) {
            try {
                data.set(ValueLayout.JAVA_FLOAT, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }

    /** A {@code double} ({@code c_double}) field. */
    public static final class OfDouble extends StructField {
        OfDouble(SegmentFile f, MemorySegment d, long o, long s, long n, String p) {
            super(f, d, o, s, n, p);
        }

        /** Plain read of the field of struct {@code index}. */
        public double get(long index) {
            try {
                return data.get(ValueLayout.JAVA_DOUBLE, at(index));
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(long index, double value) {
            try {
                data.set(ValueLayout.JAVA_DOUBLE, at(index), value);
            } catch (RuntimeException e) {
                throw file.failure(e);
            }
        }
    }
}
