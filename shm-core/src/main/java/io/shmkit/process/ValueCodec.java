package io.shmkit.process;

import io.shmkit.core.Attachable;
import io.shmkit.core.SegmentDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The compact binary form in which arguments (and, for a pool, results) cross to another JVM:
 * never Java serialization, so nothing but the value kinds below can cross, and decoding runs
 * no code but record constructors of classes the receiver already has.
 *
 * <pre>
 * value   := tag:u8 body                      (big-endian, as DataOutput)
 *   'N'                                       null
 *   'Z' u8 | 'B' i8 | 'S' i16 | 'C' u16 | 'I' i32 | 'J' i64 | 'F' f32 | 'D' f64
 *   'T' len:i32 utf8[len]                     String
 *   'b' len:i32 u8[len]                       byte[]   ('i' int[], 'j' long[], 'd' double[] alike)
 *   'R' class:str count:u16 value[count]      a record, by its canonical constructor
 *   'O' class:str directory name:str type:str a shmkit object ({@link Attachable}), by name
 *   'P' directory                             a {@link SegmentDirectory}
 * directory := path:str perms:str flags:u8    flags: 1 follow links, 2 trust other users, 4 reserve space
 * str     := len:i32 utf8[len]
 * </pre>
 *
 * <p>A shmkit object is decoded by attaching it: its class's static
 * {@code open(SegmentDirectory, String[, Class])} is called, and the attachment is added to a
 * list the caller closes when done. Stateless and thread-safe.
 */
public final class ValueCodec {
    private static final int FOLLOW_LINKS = 1, TRUST_OTHERS = 2, RESERVE = 4;

    private ValueCodec() {
    }

    /**
     * Encodes one value.
     *
     * @throws IllegalArgumentException naming the value's class if it (or a record component) cannot cross
     */
    public static byte[] encode(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, value, "argument");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Encodes several values in order, for {@link #decodeAll}. */
    public static byte[] encodeAll(List<?> values) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(values.size());
            for (int i = 0; i < values.size(); i++) {
                write(out, values.get(i), "argument " + i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes what {@link #encode} made. Classes are loaded through {@code loader}; shmkit
     * objects are attached and added to {@code attached}, which the caller closes.
     *
     * @throws IllegalArgumentException if the bytes are not a value of this form
     */
    public static Object decode(byte[] encoded, ClassLoader loader, List<AutoCloseable> attached) {
        return decode(encoded, loader, Attacher.openingInto(attached));
    }

    /** Decodes what {@link #encode} made, attaching shmkit objects through {@code attacher}. */
    public static Object decode(byte[] encoded, ClassLoader loader, Attacher attached) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            return read(in, loader, attached);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an encoded value: " + e, e);
        }
    }

    /** Decodes what {@link #encodeAll} made; see {@link #decode}. */
    public static List<Object> decodeAll(byte[] encoded, ClassLoader loader, List<AutoCloseable> attached) {
        return decodeAll(encoded, loader, Attacher.openingInto(attached));
    }

    /** Decodes what {@link #encodeAll} made, attaching shmkit objects through {@code attacher}. */
    public static List<Object> decodeAll(byte[] encoded, ClassLoader loader, Attacher attached) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int n = in.readInt();
            if (n < 0 || n > encoded.length) {
                throw new IOException("bad count " + n);
            }
            List<Object> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(read(in, loader, attached));
            }
            return values;
        } catch (IOException e) {
            throw new IllegalArgumentException("not encoded values: " + e, e);
        }
    }

    /**
     * Writes one value to {@code out}, for messages that carry values among other fields.
     *
     * @throws IllegalArgumentException naming {@code what} if the value cannot cross
     */
    public static void writeValue(DataOutputStream out, Object value, String what) throws IOException {
        write(out, value, what);
    }

    /**
     * Reads one value that {@link #writeValue} wrote.
     *
     * @throws IOException if the bytes are not a value of this form
     */
    public static Object readValue(DataInputStream in, ClassLoader loader, Attacher attacher) throws IOException {
        return read(in, loader, attacher);
    }

    private static void write(DataOutputStream out, Object value, String what) throws IOException {
        switch (value) {
            case null -> out.writeByte('N');
            case Boolean v -> { out.writeByte('Z'); out.writeBoolean(v); }
            case Byte v -> { out.writeByte('B'); out.writeByte(v); }
            case Short v -> { out.writeByte('S'); out.writeShort(v); }
            case Character v -> { out.writeByte('C'); out.writeChar(v); }
            case Integer v -> { out.writeByte('I'); out.writeInt(v); }
            case Long v -> { out.writeByte('J'); out.writeLong(v); }
            case Float v -> { out.writeByte('F'); out.writeInt(Float.floatToRawIntBits(v)); }
            case Double v -> { out.writeByte('D'); out.writeLong(Double.doubleToRawLongBits(v)); }
            case String v -> { out.writeByte('T'); writeString(out, v); }
            case byte[] v -> { out.writeByte('b'); out.writeInt(v.length); out.write(v); }
            case int[] v -> {
                out.writeByte('i');
                out.writeInt(v.length);
                for (int x : v) out.writeInt(x);
            }
            case long[] v -> {
                out.writeByte('j');
                out.writeInt(v.length);
                for (long x : v) out.writeLong(x);
            }
            case double[] v -> {
                out.writeByte('d');
                out.writeInt(v.length);
                for (double x : v) out.writeDouble(x);
            }
            case Record r -> {
                RecordComponent[] components = r.getClass().getRecordComponents();
                out.writeByte('R');
                writeString(out, r.getClass().getName());
                out.writeShort(components.length);
                for (RecordComponent c : components) {
                    Method accessor = c.getAccessor();
                    Object component;
                    try {
                        accessor.setAccessible(true);
                        component = accessor.invoke(r);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        throw new IllegalArgumentException(what + ": cannot read component " + c.getName() + " of "
                                + r.getClass().getName() + ": " + e + ModuleAccess.hint(r.getClass(), ValueCodec.class.getModule()), e);
                    }
                    write(out, component, what + "." + c.getName());
                }
            }
            case Attachable a -> {
                Attachable.Ref ref;
                try {
                    ref = a.attachment();
                } catch (IllegalStateException e) {
                    throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
                }
                out.writeByte('O');
                writeString(out, a.getClass().getName());
                writeDirectory(out, ref.directory());
                writeString(out, ref.name());
                writeString(out, ref.recordType() == null ? "" : ref.recordType().getName());
            }
            case SegmentDirectory d -> {
                out.writeByte('P');
                writeDirectory(out, d);
            }
            default -> throw new IllegalArgumentException(what + " is a " + value.getClass().getName()
                    + ", which cannot cross to another JVM: pass primitives, String, byte[], int[], long[], double[],"
                    + " records of those, a SegmentDirectory, or shmkit objects (which pass by name)");
        }
    }

    private static Object read(DataInputStream in, ClassLoader loader, Attacher attached) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case 'N' -> null;
            case 'Z' -> in.readBoolean();
            case 'B' -> in.readByte();
            case 'S' -> in.readShort();
            case 'C' -> in.readChar();
            case 'I' -> in.readInt();
            case 'J' -> in.readLong();
            case 'F' -> Float.intBitsToFloat(in.readInt());
            case 'D' -> Double.longBitsToDouble(in.readLong());
            case 'T' -> readString(in);
            case 'b' -> in.readNBytes(length(in));
            case 'i' -> {
                int[] v = new int[length(in)];
                for (int i = 0; i < v.length; i++) v[i] = in.readInt();
                yield v;
            }
            case 'j' -> {
                long[] v = new long[length(in)];
                for (int i = 0; i < v.length; i++) v[i] = in.readLong();
                yield v;
            }
            case 'd' -> {
                double[] v = new double[length(in)];
                for (int i = 0; i < v.length; i++) v[i] = in.readDouble();
                yield v;
            }
            case 'R' -> readRecord(in, loader, attached);
            case 'O' -> attach(in, loader, attached);
            case 'P' -> readDirectory(in);
            default -> throw new IOException("unknown tag 0x" + Integer.toHexString(tag));
        };
    }

    private static Object readRecord(DataInputStream in, ClassLoader loader, Attacher attached) throws IOException {
        Class<?> type = load(readString(in), loader);
        if (!type.isRecord()) {
            throw new IOException(type.getName() + " is not a record");
        }
        RecordComponent[] components = type.getRecordComponents();
        int n = in.readUnsignedShort();
        if (n != components.length) {
            throw new IOException(type.getName() + " has " + components.length + " components here, " + n + " in the sender");
        }
        Object[] values = new Object[n];
        Class<?>[] types = new Class<?>[n];
        for (int i = 0; i < n; i++) {
            values[i] = read(in, loader, attached);
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            return canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("the constructor of " + type.getName() + " refused the values sent: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("cannot build a " + type.getName() + " from the values sent: " + e
                    + ModuleAccess.hint(type, ValueCodec.class.getModule()), e);
        }
    }

    private static Object attach(DataInputStream in, ClassLoader loader, Attacher attacher) throws IOException {
        Class<?> type = load(readString(in), loader);
        SegmentDirectory dir = readDirectory(in);
        String name = readString(in);
        String recordType = readString(in);
        Class<?> record = recordType.isEmpty() ? null : load(recordType, loader);
        if (record != null && !record.isRecord()) {
            throw new IOException(recordType + " is not a record");
        }
        if (!Attachable.class.isAssignableFrom(type)) {
            throw new IOException(type.getName() + " is not a shmkit object (Attachable)");
        }
        @SuppressWarnings("unchecked")
        Class<? extends Record> recordClass = (Class<? extends Record>) record;
        return attacher.attach(type, new Attachable.Ref(dir, name, recordClass));
    }

    /** How a decoder attaches the shmkit objects it meets. */
    @FunctionalInterface
    public interface Attacher {
        /**
         * Returns the object of class {@code type} at {@code ref}: attached now, or one attached
         * before and kept (a pool worker keeps its attachments).
         */
        Object attach(Class<?> type, Attachable.Ref ref);

        /** Attaches every object anew with {@link #open} and adds it to {@code opened}, for the caller to close. */
        static Attacher openingInto(List<AutoCloseable> opened) {
            return (type, ref) -> {
                Object o = open(type, ref);
                if (o instanceof AutoCloseable c) {
                    opened.add(c);
                }
                return o;
            };
        }
    }

    /**
     * Attaches the object of class {@code type} at {@code ref} with the class's static
     * {@code open(SegmentDirectory, String)}, or {@code open(SegmentDirectory, String, Class)} when
     * the ref names a record type.
     *
     * @throws IllegalArgumentException if {@code type} is not an {@link Attachable} with such a method
     * @throws RuntimeException         what {@code open} throws, naming the segment
     */
    public static Object open(Class<?> type, Attachable.Ref ref) {
        if (!Attachable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(type.getName() + " is not a shmkit object (Attachable)");
        }
        boolean typed = ref.recordType() != null;
        try {
            Method open = typed
                    ? type.getMethod("open", SegmentDirectory.class, String.class, Class.class)
                    : type.getMethod("open", SegmentDirectory.class, String.class);
            if (!Modifier.isStatic(open.getModifiers()) || !type.isAssignableFrom(open.getReturnType())) {
                throw new NoSuchMethodException("open is not a static factory of " + type.getName());
            }
            return typed ? open.invoke(null, ref.directory(), ref.name(), ref.recordType())
                    : open.invoke(null, ref.directory(), ref.name());
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // the segment's own error, naming it
            }
            throw new IllegalArgumentException("cannot attach " + type.getSimpleName() + " '" + ref.name() + "': "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " has no public static open(SegmentDirectory, String"
                    + (typed ? ", Class" : "") + "): it cannot be attached by name", e);
        }
    }

    private static void writeDirectory(DataOutputStream out, SegmentDirectory dir) throws IOException {
        writeString(out, dir.path().toString());
        writeString(out, PosixFilePermissions.toString(dir.permissions()));
        out.writeByte((dir.followsLinks() ? FOLLOW_LINKS : 0) | (dir.trustsOtherUsers() ? TRUST_OTHERS : 0)
                | (dir.reservesSpace() ? RESERVE : 0));
    }

    /** A directory crosses without {@link SegmentDirectory#temporary()}: the child must not unlink what it creates. */
    private static SegmentDirectory readDirectory(DataInputStream in) throws IOException {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(readString(in)))
                .withPermissions(PosixFilePermissions.fromString(readString(in)));
        int flags = in.readUnsignedByte();
        if ((flags & FOLLOW_LINKS) != 0) dir = dir.followingLinks();
        if ((flags & TRUST_OTHERS) != 0) dir = dir.trustingOtherUsers();
        if ((flags & RESERVE) != 0) dir = dir.reservingSpace();
        return dir;
    }

    private static Class<?> load(String name, ClassLoader loader) throws IOException {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class " + name + " of a value sent is not on this JVM's class path"
                    + " nor in a module of its boot layer", e);
        }
    }

    private static int length(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad length " + n);
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(length(in)), StandardCharsets.UTF_8);
    }

    private static String nameOf(Attachable a) {
        try {
            return a.attachment().name();
        } catch (IllegalStateException e) {
            return "?";
        }
    }

    static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case Attachable a -> a.getClass().getSimpleName() + " '" + nameOf(a) + "'";
            case String s -> '"' + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + '"';
            case byte[] b -> "byte[" + b.length + "]";
            case int[] a -> "int[" + a.length + "]";
            case long[] a -> "long[" + a.length + "]";
            case double[] a -> "double[" + a.length + "]";
            default -> Objects.toString(value).length() > 60 ? value.getClass().getSimpleName() : value.toString();
        };
    }
}
