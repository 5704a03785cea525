package io.shmkit.core;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Zero-allocation access to one scalar field of the structs in a {@link SharedStructArray} (or
 * the one struct of a {@link SharedStruct}, at index 0): the hot-loop path. Like an FFM
 * {@link VarHandle}, a field accessor belongs to a layout, not to a segment: create it once,
 * keep it in a {@code static final} field, and pass the struct array to each access.
 *
 * <pre>{@code
 * static final StructField.OfDouble X = StructField.ofDouble(Point.class, "x");
 * ...
 * for (long i = 0; i < points.length(); i++) {
 *     X.set(points, i, X.get(points, i) * 2);
 * }
 * }</pre>
 *
 * <p><b>Why static final.</b> Accessors are records, whose final fields the JIT trusts; held in
 * a {@code static final} field, their offset and stride become constants, so the JIT removes
 * the range checks from the loop and knows that consecutive structs do not overlap. A loop then
 * costs what hand-written offsets cost ({@code StructFieldAccessBenchmark} in shm-bench measures
 * it). Held anywhere else an accessor works the same, more slowly in loops that store.
 *
 * <p>Paths name a scalar: {@code "x"}, {@code "from.y"}, {@code "samples[3]"},
 * {@code "corners[1].x"}. Each access checks that the struct array has this accessor's layout
 * (one reference comparison) and the index; misuse throws naming the segment: another layout
 * {@link IllegalArgumentException}, an index outside {@code [0, length)}
 * {@link IndexOutOfBoundsException}, a write to a read-only attachment
 * {@link UnsupportedOperationException}, any access after close {@link IllegalStateException}.
 * Thread-safe and process-safe with the orderings of each method (get/set are plain accesses).
 * The canonical constructors check that their components describe a real naturally aligned
 * field of the layout, so no accessor can reach outside its field.
 */
public sealed interface StructField {
    /** The layout of one struct. */
    StructLayout layout();

    /** The path this field was resolved from. */
    String path();

    /** Byte offset of the field inside one struct. */
    long offset();

    /** Bytes from one struct to the next. */
    long stride();

    /** The canonical layout text of the struct ({@link Layouts#describe}), interned. */
    String layoutText();

    /** A {@code boolean} field of a record; see {@link StructField}. */
    static OfBoolean ofBoolean(Class<? extends Record> type, String path) {
        return ofBoolean(Layouts.of(type), path);
    }

    /** A {@code boolean} field of an explicit struct layout. */
    static OfBoolean ofBoolean(StructLayout layout, String path) {
        return new OfBoolean(layout, path, resolve(layout, path, boolean.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code byte} field of a record; see {@link StructField}. */
    static OfByte ofByte(Class<? extends Record> type, String path) {
        return ofByte(Layouts.of(type), path);
    }

    /** A {@code byte} field of an explicit struct layout. */
    static OfByte ofByte(StructLayout layout, String path) {
        return new OfByte(layout, path, resolve(layout, path, byte.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code short} field of a record; see {@link StructField}. */
    static OfShort ofShort(Class<? extends Record> type, String path) {
        return ofShort(Layouts.of(type), path);
    }

    /** A {@code short} field of an explicit struct layout. */
    static OfShort ofShort(StructLayout layout, String path) {
        return new OfShort(layout, path, resolve(layout, path, short.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code char} field of a record; see {@link StructField}. */
    static OfChar ofChar(Class<? extends Record> type, String path) {
        return ofChar(Layouts.of(type), path);
    }

    /** A {@code char} field of an explicit struct layout. */
    static OfChar ofChar(StructLayout layout, String path) {
        return new OfChar(layout, path, resolve(layout, path, char.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** An {@code int} field of a record; see {@link StructField}. */
    static OfInt ofInt(Class<? extends Record> type, String path) {
        return ofInt(Layouts.of(type), path);
    }

    /** An {@code int} field of an explicit struct layout. */
    static OfInt ofInt(StructLayout layout, String path) {
        return new OfInt(layout, path, resolve(layout, path, int.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code long} field of a record; see {@link StructField}. */
    static OfLong ofLong(Class<? extends Record> type, String path) {
        return ofLong(Layouts.of(type), path);
    }

    /** A {@code long} field of an explicit struct layout. */
    static OfLong ofLong(StructLayout layout, String path) {
        return new OfLong(layout, path, resolve(layout, path, long.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code float} field of a record; see {@link StructField}. */
    static OfFloat ofFloat(Class<? extends Record> type, String path) {
        return ofFloat(Layouts.of(type), path);
    }

    /** A {@code float} field of an explicit struct layout. */
    static OfFloat ofFloat(StructLayout layout, String path) {
        return new OfFloat(layout, path, resolve(layout, path, float.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /** A {@code double} field of a record; see {@link StructField}. */
    static OfDouble ofDouble(Class<? extends Record> type, String path) {
        return ofDouble(Layouts.of(type), path);
    }

    /** A {@code double} field of an explicit struct layout. */
    static OfDouble ofDouble(StructLayout layout, String path) {
        return new OfDouble(layout, path, resolve(layout, path, double.class), layout.byteSize(), Layouts.describe(layout).intern());
    }

    /**
     * A {@code boolean} ({@code c_bool}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfBoolean(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfBoolean {
            layoutText = validate(layout, path, offset, stride, layoutText, boolean.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public boolean get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_BOOLEAN, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, boolean value) {
            try {
                structs.data.set(ValueLayout.JAVA_BOOLEAN, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /**
     * A {@code byte} ({@code c_int8}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfByte(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfByte {
            layoutText = validate(layout, path, offset, stride, layoutText, byte.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public byte get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_BYTE, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, byte value) {
            try {
                structs.data.set(ValueLayout.JAVA_BYTE, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /**
     * A {@code short} ({@code c_int16}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfShort(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfShort {
            layoutText = validate(layout, path, offset, stride, layoutText, short.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public short get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_SHORT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, short value) {
            try {
                structs.data.set(ValueLayout.JAVA_SHORT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /**
     * A {@code char} ({@code c_uint16}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfChar(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfChar {
            layoutText = validate(layout, path, offset, stride, layoutText, char.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public char get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_CHAR, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, char value) {
            try {
                structs.data.set(ValueLayout.JAVA_CHAR, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /**
     * An {@code int} ({@code c_int32}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfInt(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        private static final VarHandle VH = ValueLayout.JAVA_INT.varHandle();

        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfInt {
            layoutText = validate(layout, path, offset, stride, layoutText, int.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public int get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_INT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, int value) {
            try {
                structs.data.set(ValueLayout.JAVA_INT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Volatile read. */
        public int getVolatile(SharedStructBase<?> structs, long index) {
            try {
                return (int) VH.getVolatile(structs.data, at(structs, index));
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Volatile write. */
        public void setVolatile(SharedStructBase<?> structs, long index, int value) {
            try {
                VH.setVolatile(structs.data, at(structs, index), value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Atomically sets to {@code value} if it is {@code expected}, with volatile semantics. */
        public boolean compareAndSet(SharedStructBase<?> structs, long index, int expected, int value) {
            try {
                return VH.compareAndSet(structs.data, at(structs, index), expected, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Atomically adds {@code delta}, with volatile semantics; returns the previous value. */
        public int getAndAdd(SharedStructBase<?> structs, long index, int delta) {
            try {
                return (int) VH.getAndAdd(structs.data, at(structs, index), delta);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        private long at(SharedStructBase<?> structs, long index) {
            return offset + Objects.checkIndex(index, structs.count(layoutText)) * stride;
        }
    }

    /**
     * A {@code long} ({@code c_int64}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfLong(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        private static final VarHandle VH = ValueLayout.JAVA_LONG.varHandle();

        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfLong {
            layoutText = validate(layout, path, offset, stride, layoutText, long.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public long get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_LONG, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, long value) {
            try {
                structs.data.set(ValueLayout.JAVA_LONG, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Volatile read. */
        public long getVolatile(SharedStructBase<?> structs, long index) {
            try {
                return (long) VH.getVolatile(structs.data, at(structs, index));
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Volatile write. */
        public void setVolatile(SharedStructBase<?> structs, long index, long value) {
            try {
                VH.setVolatile(structs.data, at(structs, index), value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Atomically sets to {@code value} if it is {@code expected}, with volatile semantics. */
        public boolean compareAndSet(SharedStructBase<?> structs, long index, long expected, long value) {
            try {
                return VH.compareAndSet(structs.data, at(structs, index), expected, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Atomically adds {@code delta}, with volatile semantics; returns the previous value. */
        public long getAndAdd(SharedStructBase<?> structs, long index, long delta) {
            try {
                return (long) VH.getAndAdd(structs.data, at(structs, index), delta);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        private long at(SharedStructBase<?> structs, long index) {
            return offset + Objects.checkIndex(index, structs.count(layoutText)) * stride;
        }
    }

    /**
     * A {@code float} ({@code c_float}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfFloat(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfFloat {
            layoutText = validate(layout, path, offset, stride, layoutText, float.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public float get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_FLOAT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, float value) {
            try {
                structs.data.set(ValueLayout.JAVA_FLOAT, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /**
     * A {@code double} ({@code c_double}) field accessor.
     *
     * @param layout     the struct layout
     * @param path       the field's path
     * @param offset     the field's byte offset in one struct
     * @param stride     the struct size
     * @param layoutText the layout's canonical text
     */
    record OfDouble(StructLayout layout, String path, long offset, long stride, String layoutText) implements StructField {
        /** Checks that the components describe a real field, so no accessor reaches outside its field. */
        public OfDouble {
            layoutText = validate(layout, path, offset, stride, layoutText, double.class);
        }

        /** Plain read of the field of struct {@code index}. */
        public double get(SharedStructBase<?> structs, long index) {
            try {
                return structs.data.get(ValueLayout.JAVA_DOUBLE, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }

        /** Plain write of the field of struct {@code index}. */
        public void set(SharedStructBase<?> structs, long index, double value) {
            try {
                structs.data.set(ValueLayout.JAVA_DOUBLE, offset + Objects.checkIndex(index, structs.count(layoutText)) * stride, value);
            } catch (RuntimeException e) {
                throw structs.file.failure(e);
            }
        }
    }

    /** Checks an accessor's components against its layout; returns the interned layout text. */
    private static String validate(StructLayout layout, String path, long offset, long stride, String layoutText, Class<?> carrier) {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(path, "path");
        String text = Layouts.describe(layout);
        if (!text.equals(layoutText) || stride != layout.byteSize() || offset != resolve(layout, path, carrier)) {
            throw new IllegalArgumentException("field '" + path + "' of " + text + " is at offset " + resolve(layout, path, carrier)
                    + " with stride " + layout.byteSize() + ", not " + offset + " and " + stride + " (" + layoutText + ")");
        }
        return text.intern();
    }

    /**
     * Resolves a field path to its byte offset, checking that it names a naturally aligned
     * scalar of the given carrier type.
     */
    static long resolve(StructLayout layout, String path, Class<?> carrier) {
        MemoryLayout selected = select(layout, path);
        long offset = offsetOf(layout, path);
        if (!(selected instanceof ValueLayout value) || value.carrier() != carrier) {
            throw new IllegalArgumentException("field '" + path + "' of " + Layouts.describe(layout) + " is "
                    + (selected instanceof ValueLayout || selected instanceof SequenceLayout ? Layouts.describe(selected) : "a struct")
                    + ", not " + carrier.getSimpleName());
        }
        if (offset % value.byteSize() != 0 || layout.byteSize() % value.byteSize() != 0) {
            throw new IllegalArgumentException("field '" + path + "' at offset " + offset
                    + " is not naturally aligned; use asSegment() with an unaligned layout");
        }
        return offset;
    }

    /** Byte offset of any member (scalar, struct or array) named by a path. */
    static long offsetOf(StructLayout layout, String path) {
        MemoryLayout.PathElement[] elements = parse(path);
        try {
            return layout.byteOffset(elements);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw noSuchField(layout, path, e);
        }
    }

    private static MemoryLayout select(StructLayout layout, String path) {
        // select() takes only open sequence elements: the type is the same at every index
        MemoryLayout.PathElement[] elements = parse(path);
        for (int i = 0; i < elements.length; i++) {
            if (elements[i].toString().startsWith("sequenceElement(")) {
                elements[i] = MemoryLayout.PathElement.sequenceElement();
            }
        }
        try {
            return layout.select(elements);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw noSuchField(layout, path, e);
        }
    }

    private static IllegalArgumentException noSuchField(StructLayout layout, String path, RuntimeException e) {
        return new IllegalArgumentException("no field '" + path + "' in " + Layouts.describe(layout), e);
    }

    private static MemoryLayout.PathElement[] parse(String path) {
        List<MemoryLayout.PathElement> out = new ArrayList<>();
        for (String part : path.split("\\.", -1)) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("malformed field path '" + path + "'");
            }
            out.add(MemoryLayout.PathElement.groupElement(name));
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                if (close < 0) {
                    throw new IllegalArgumentException("malformed field path '" + path + "'");
                }
                try {
                    out.add(MemoryLayout.PathElement.sequenceElement(Long.parseLong(part.substring(bracket + 1, close))));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bad index in field path '" + path + "'", e);
                }
                bracket = part.indexOf('[', close);
                if (bracket < 0 && close != part.length() - 1) {
                    throw new IllegalArgumentException("malformed field path '" + path + "'");
                }
            }
        }
        return out.toArray(MemoryLayout.PathElement[]::new);
    }
}
