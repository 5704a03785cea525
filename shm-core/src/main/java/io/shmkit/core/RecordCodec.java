package io.shmkit.core;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Copies records to and from struct layouts: the codec behind {@link SharedStruct} and
 * {@link SharedStructArray}, public for other modules that keep records in memory of their own
 * (shm-msg's record queues). Each record component is matched by name to a member of the
 * layout, which must have a compatible type; this is checked once, when the codec is made.
 * Reading a record allocates it; hot loops use {@link StructField} instead.
 *
 * <p>Immutable and thread-safe. {@link #write} of a record that cannot be stored (a string
 * too long for its {@link Length}, an array of the wrong length, a null component) throws
 * {@link IllegalArgumentException} or {@link NullPointerException} naming the field, having
 * possibly written the fields before it: encode into scratch memory first where that matters.
 *
 * @param <T> the record type
 */
public final class RecordCodec<T extends Record> {
    final Class<T> type;
    final StructLayout layout;
    private final MethodHandle constructor; // (Object[]) -> Object
    private final MethodHandle[] accessors; // (Object) -> Object
    private final long[] offsets;
    private final FieldCodec[] codecs;

    private RecordCodec(Class<T> type, StructLayout layout) {
        this.type = type;
        this.layout = layout;
        RecordComponent[] components = type.getRecordComponents();
        accessors = new MethodHandle[components.length];
        offsets = new long[components.length];
        codecs = new FieldCodec[components.length];
        Class<?>[] parameterTypes = new Class<?>[components.length];
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (int i = 0; i < components.length; i++) {
                RecordComponent c = components[i];
                parameterTypes[i] = c.getType();
                String where = type.getSimpleName() + "." + c.getName();
                MemoryLayout.PathElement path = MemoryLayout.PathElement.groupElement(c.getName());
                MemoryLayout member;
                try {
                    member = layout.select(path);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + " has no member named '" + c.getName() + "' in layout "
                            + Layouts.describe(layout));
                }
                offsets[i] = layout.byteOffset(path);
                codecs[i] = codecFor(c.getType(), member, where);
                var accessor = c.getAccessor();
                accessor.setAccessible(true);
                accessors[i] = lookup.unreflect(accessor).asType(MethodType.methodType(Object.class, Object.class));
            }
            Constructor<T> canonical = type.getDeclaredConstructor(parameterTypes);
            canonical.setAccessible(true);
            constructor = lookup.unreflectConstructor(canonical)
                    .asType(MethodType.methodType(Object.class, parameterTypes))
                    .asSpreader(Object[].class, components.length);
        } catch (ReflectiveOperationException | InaccessibleObjectException e) {
            Module module = type.getModule();
            Module self = RecordCodec.class.getModule();
            String to = self.isNamed() ? self.getName() : "ALL-UNNAMED";
            throw new IllegalArgumentException("cannot access record " + type.getName() + " (make it accessible to "
                    + (self.isNamed() ? "module " + to : "shmkit") + (module.isNamed() ? ": add 'opens " + type.getPackageName()
                    + (self.isNamed() ? " to " + to : "") + ";' to module " + module.getName() + "'s module-info.java, or run"
                    + " with --add-opens " + module.getName() + "/" + type.getPackageName() + "=" + to : "") + "): " + e, e);
        }
    }

    /**
     * The codec of a record laid out as C lays out the equivalent struct ({@link Layouts#of}).
     *
     * @throws IllegalArgumentException if the record cannot be laid out, naming the component
     */
    public static <T extends Record> RecordCodec<T> of(Class<T> type) {
        return new RecordCodec<>(type, Layouts.of(type));
    }

    /** The codec of a record in an explicit struct layout; components are matched by name. */
    public static <T extends Record> RecordCodec<T> of(Class<T> type, StructLayout layout) {
        Layouts.describe(layout); // rejects layouts a segment cannot hold, with the reason
        return new RecordCodec<>(type, layout);
    }

    /** The record type. */
    public Class<T> type() {
        return type;
    }

    /** The struct layout. */
    public StructLayout layout() {
        return layout;
    }

    /** The layout's canonical text ({@link Layouts#describe}). */
    public String layoutText() {
        return Layouts.describe(layout);
    }

    /** A new record read from the struct at byte {@code base} of {@code segment}. */
    public T read(MemorySegment segment, long base) {
        Object[] args = new Object[codecs.length];
        for (int i = 0; i < codecs.length; i++) {
            args[i] = codecs[i].read(segment, base + offsets[i]);
        }
        try {
            return type.cast((Object) constructor.invokeExact(args));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("constructor of " + type.getName() + " threw", t);
        }
    }

    /** Writes {@code value} into the struct at byte {@code base} of {@code segment}. */
    public void write(MemorySegment segment, long base, T value) {
        Objects.requireNonNull(value, () -> "cannot store a null " + type.getSimpleName());
        for (int i = 0; i < codecs.length; i++) {
            Object component;
            try {
                component = (Object) accessors[i].invokeExact((Object) value);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("accessor of " + type.getName() + " threw", t);
            }
            codecs[i].write(segment, base + offsets[i], component);
        }
    }

    private void writeObject(MemorySegment segment, long base, Object value) {
        write(segment, base, type.cast(value));
    }

    /** How one field moves between memory and a boxed Java value. */
    private interface FieldCodec {
        Object read(MemorySegment s, long offset);

        void write(MemorySegment s, long offset, Object value);
    }

    private static FieldCodec codecFor(Class<?> javaType, MemoryLayout member, String where) {
        if (javaType.isPrimitive()) {
            if (!(member instanceof ValueLayout value) || value.carrier() != javaType) {
                throw mismatch(where, javaType, member);
            }
            return scalarCodec(value);
        }
        if (javaType.isRecord()) {
            if (!(member instanceof StructLayout struct)) {
                throw mismatch(where, javaType, member);
            }
            @SuppressWarnings({"unchecked", "rawtypes"})
            RecordCodec<?> nested = new RecordCodec(javaType.asSubclass(Record.class), struct);
            return codec(nested::read, (s, offset, value) -> {
                Objects.requireNonNull(value, () -> where + " is null");
                nested.writeObject(s, offset, value);
            });
        }
        if (javaType == String.class) {
            if (!(member instanceof SequenceLayout seq) || !(seq.elementLayout() instanceof ValueLayout.OfByte)) {
                throw mismatch(where, javaType, member);
            }
            return new CharsCodec(seq.elementCount(), where);
        }
        if (javaType.isArray() && member instanceof SequenceLayout seq) {
            return new ArrayCodec(javaType.getComponentType(), seq, codecFor(javaType.getComponentType(), seq.elementLayout(), where + "[]"), where);
        }
        throw mismatch(where, javaType, member);
    }

    private static IllegalArgumentException mismatch(String where, Class<?> javaType, MemoryLayout member) {
        return new IllegalArgumentException(where + " is " + javaType.getSimpleName() + " but the layout member is " + member);
    }

    private static FieldCodec scalarCodec(ValueLayout value) {
        return switch (value) {
            case ValueLayout.OfBoolean l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Boolean) v));
            case ValueLayout.OfByte l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Byte) v));
            case ValueLayout.OfShort l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Short) v));
            case ValueLayout.OfChar l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Character) v));
            case ValueLayout.OfInt l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Integer) v));
            case ValueLayout.OfLong l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Long) v));
            case ValueLayout.OfFloat l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Float) v));
            case ValueLayout.OfDouble l -> codec((s, o) -> s.get(l, o), (s, o, v) -> s.set(l, o, (Double) v));
            default -> throw new IllegalArgumentException("unsupported scalar " + value);
        };
    }

    private interface Reader {
        Object read(MemorySegment s, long offset);
    }

    private interface Writer {
        void write(MemorySegment s, long offset, Object value);
    }

    private static FieldCodec codec(Reader reader, Writer writer) {
        return new FieldCodec() {
            @Override
            public Object read(MemorySegment s, long offset) {
                return reader.read(s, offset);
            }

            @Override
            public void write(MemorySegment s, long offset, Object value) {
                writer.write(s, offset, value);
            }
        };
    }

    /** {@code c_char[n]}: UTF-8 up to the first NUL; shorter strings are NUL-padded to n. */
    private record CharsCodec(long length, String where) implements FieldCodec {
        @Override
        public Object read(MemorySegment s, long offset) {
            return ByteStrings.decode(s, offset, length);
        }

        @Override
        public void write(MemorySegment s, long offset, Object value) {
            Objects.requireNonNull(value, () -> where + " is null");
            byte[] bytes = ((String) value).getBytes(StandardCharsets.UTF_8);
            if (bytes.length > length) {
                throw new IllegalArgumentException(where + " holds at most " + length + " bytes; \"" + value + "\" is "
                        + bytes.length + " bytes in UTF-8");
            }
            ByteStrings.store(s, offset, length, bytes);
        }
    }

    private record ArrayCodec(Class<?> elementType, SequenceLayout layout, FieldCodec element, String where) implements FieldCodec {
        @Override
        public Object read(MemorySegment s, long offset) {
            int n = (int) layout.elementCount();
            Object array = Array.newInstance(elementType, n);
            if (elementType.isPrimitive()) {
                MemorySegment.copy(s, (ValueLayout) layout.elementLayout(), offset, array, 0, n);
            } else {
                long stride = layout.elementLayout().byteSize();
                for (int i = 0; i < n; i++) {
                    Array.set(array, i, element.read(s, offset + i * stride));
                }
            }
            return array;
        }

        @Override
        public void write(MemorySegment s, long offset, Object value) {
            Objects.requireNonNull(value, () -> where + " is null");
            int n = Array.getLength(value);
            if (n != layout.elementCount()) {
                throw new IllegalArgumentException(where + " has length " + n + "; the layout holds exactly "
                        + layout.elementCount() + (elementType.isPrimitive() ? "" : " (" + Arrays.toString((Object[]) value) + ")"));
            }
            if (elementType.isPrimitive()) {
                MemorySegment.copy(value, 0, s, (ValueLayout) layout.elementLayout(), offset, n);
            } else {
                long stride = layout.elementLayout().byteSize();
                for (int i = 0; i < n; i++) {
                    element.write(s, offset + i * stride, Array.get(value, i));
                }
            }
        }
    }
}
