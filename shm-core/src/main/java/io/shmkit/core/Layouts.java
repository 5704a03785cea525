package io.shmkit.core;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.RecordComponent;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * C layouts for Java types, and the canonical layout text stored in segment headers.
 *
 * <p><b>Records as structs.</b> {@link #of(Class)} lays a record out exactly as ctypes lays out
 * the {@code Structure} with the same fields in the same order on x86-64 and AArch64: each field
 * at the next offset that is a multiple of its alignment (its size for scalars, the largest
 * member alignment for structs, the element's for arrays), and the struct's size rounded up to
 * its own alignment. Component types: the eight primitives, nested records, and with
 * {@link Length} arrays of primitives or records and {@code String} as a {@code c_char} array.
 * {@code docs/layouts.md} has the ctypes equivalents and worked examples.
 *
 * <p><b>Layout text.</b> {@link #describe(MemoryLayout)} renders a layout in the grammar of
 * {@code docs/format.md}, e.g. {@code Point{x:f64@0,y:f64@8}#16}: struct name, fields as
 * {@code name:type@offset}, and {@code #size}; nested structs are unnamed, as in
 * {@code Line{from:{x:f64@0,y:f64@8}#16@0,to:{x:f64@0,y:f64@8}#16@16}#32}. Two layouts are interchangeable exactly when
 * their texts are equal.
 */
public final class Layouts {
    /** Element name that marks a byte sequence as a {@code c_char} string rather than {@code i8[n]}. */
    public static final String CHAR = "char";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private Layouts() {
    }

    /** The scalar layout of a primitive type, native byte order and natural alignment. */
    public static ValueLayout scalar(Class<?> primitive) {
        if (primitive == boolean.class) return JAVA_BOOLEAN;
        if (primitive == byte.class) return JAVA_BYTE;
        if (primitive == short.class) return JAVA_SHORT;
        if (primitive == char.class) return JAVA_CHAR;
        if (primitive == int.class) return JAVA_INT;
        if (primitive == long.class) return JAVA_LONG;
        if (primitive == float.class) return JAVA_FLOAT;
        if (primitive == double.class) return JAVA_DOUBLE;
        throw new IllegalArgumentException(primitive + " is not a primitive type");
    }

    /** A {@code c_char * length} string layout. */
    public static SequenceLayout chars(long length) {
        return MemoryLayout.sequenceLayout(length, JAVA_BYTE.withName(CHAR));
    }

    /**
     * The C struct layout of a record type, named by the record's simple name.
     *
     * @throws IllegalArgumentException if a component's type cannot be laid out, naming it
     */
    public static StructLayout of(Class<? extends Record> type) {
        return structOf(type, new ArrayList<>());
    }

    private static StructLayout structOf(Class<?> type, List<Class<?>> enclosing) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        if (enclosing.contains(type)) {
            throw new IllegalArgumentException("record " + type.getName() + " contains itself");
        }
        RecordComponent[] components = type.getRecordComponents();
        if (components.length == 0) {
            throw new IllegalArgumentException("record " + type.getName() + " has no components to lay out");
        }
        enclosing.add(type);
        List<MemoryLayout> members = new ArrayList<>();
        long offset = 0;
        long maxAlignment = 1;
        for (RecordComponent component : components) {
            MemoryLayout field = componentLayout(type, component, enclosing);
            long aligned = SegmentDescriptor.align(offset, field.byteAlignment());
            if (aligned > offset) {
                members.add(MemoryLayout.paddingLayout(aligned - offset));
            }
            members.add(field.withName(component.getName()));
            offset = aligned + field.byteSize();
            maxAlignment = Math.max(maxAlignment, field.byteAlignment());
        }
        long size = SegmentDescriptor.align(offset, maxAlignment);
        if (size > offset) {
            members.add(MemoryLayout.paddingLayout(size - offset));
        }
        enclosing.remove(type);
        return MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new)).withName(type.getSimpleName());
    }

    private static MemoryLayout componentLayout(Class<?> owner, RecordComponent component, List<Class<?>> enclosing) {
        Class<?> type = component.getType();
        Length length = component.getAnnotation(Length.class);
        String where = owner.getSimpleName() + "." + component.getName();
        if (type.isArray() || type == String.class) {
            if (length == null) {
                throw new IllegalArgumentException(where + " (" + type.getSimpleName() + ") needs @Length(n): a struct has a fixed size");
            }
            if (length.value() < 1) {
                throw new IllegalArgumentException(where + " has @Length(" + length.value() + "); it must be at least 1");
            }
            if (type == String.class) {
                return chars(length.value());
            }
            Class<?> element = type.getComponentType();
            if (element.isArray() || element == String.class) {
                throw new IllegalArgumentException(where + " is " + type.getSimpleName() + "; arrays of arrays or strings are not supported");
            }
            return MemoryLayout.sequenceLayout(length.value(), element.isPrimitive() ? scalar(element) : structOf(element, enclosing));
        }
        if (length != null) {
            throw new IllegalArgumentException(where + " has @Length but is not an array or String");
        }
        if (type.isPrimitive()) {
            return scalar(type);
        }
        if (type.isRecord()) {
            return structOf(type, enclosing);
        }
        throw new IllegalArgumentException(where + " has type " + type.getName()
                + "; a struct holds primitives, records, and @Length arrays and Strings");
    }

    /**
     * The canonical text of a layout (grammar in {@code docs/format.md}).
     *
     * @throws IllegalArgumentException for layouts a segment cannot hold: unions, addresses,
     *                                  non-native byte order, unnamed or oddly named struct members
     */
    public static String describe(MemoryLayout layout) {
        StringBuilder sb = new StringBuilder();
        describe(layout, sb, true);
        return sb.toString();
    }

    /**
     * Only the outermost struct is named: in FFM a member's name is its field name, so nested
     * structs are described by their fields alone, as C sees them.
     */
    private static void describe(MemoryLayout layout, StringBuilder sb, boolean outermost) {
        switch (layout) {
            case ValueLayout value -> sb.append(scalarCode(value));
            case SequenceLayout sequence -> {
                List<Long> dims = new ArrayList<>();
                MemoryLayout element = sequence;
                while (element instanceof SequenceLayout s) {
                    dims.add(s.elementCount());
                    element = s.elementLayout();
                }
                describe(element, sb, outermost);
                dims.forEach(n -> sb.append('[').append(n).append(']'));
            }
            case StructLayout struct -> {
                String name = outermost ? struct.name().orElse("") : "";
                if (!name.isEmpty()) {
                    checkIdentifier(name, "struct name");
                }
                sb.append(name).append('{');
                long offset = 0;
                boolean first = true;
                for (MemoryLayout member : struct.memberLayouts()) {
                    if (!(member instanceof PaddingLayout)) {
                        String field = member.name().orElseThrow(() -> new IllegalArgumentException(
                                "member of " + (name.isEmpty() ? "a struct" : name) + " has no name: " + member));
                        checkIdentifier(field, "field name in " + name);
                        sb.append(first ? "" : ",").append(field).append(':');
                        describe(member, sb, false);
                        sb.append('@').append(offset);
                        first = false;
                    }
                    offset += member.byteSize();
                }
                if (first) {
                    throw new IllegalArgumentException("struct " + layout + " has no named fields");
                }
                sb.append("}#").append(struct.byteSize());
            }
            case GroupLayout union -> throw new IllegalArgumentException("unions are not supported: " + union);
            case PaddingLayout padding -> throw new IllegalArgumentException("a padding layout holds no data: " + padding);
        }
    }

    private static String scalarCode(ValueLayout value) {
        if (value instanceof AddressLayout) {
            throw new IllegalArgumentException("addresses mean nothing in another process: " + value);
        }
        if (value.order() != ByteOrder.nativeOrder() && value.byteSize() > 1) {
            throw new IllegalArgumentException(value + " is not in native byte order");
        }
        Class<?> carrier = value.carrier();
        if (carrier == byte.class) return CHAR.equals(value.name().orElse(null)) ? "char" : "i8";
        if (carrier == boolean.class) return "bool";
        if (carrier == short.class) return "i16";
        if (carrier == char.class) return "u16";
        if (carrier == int.class) return "i32";
        if (carrier == long.class) return "i64";
        if (carrier == float.class) return "f32";
        if (carrier == double.class) return "f64";
        throw new IllegalArgumentException("unsupported value layout " + value);
    }

    private static void checkIdentifier(String name, String what) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name + "' is not an identifier [A-Za-z_$][A-Za-z0-9_$]*");
        }
    }

    /**
     * What differs between two layout texts, top-level field by field, e.g.
     * {@code "field 'z' (f64@16) is missing in the segment"}; empty if nothing can be said
     * beyond the texts themselves.
     */
    public static String difference(String have, String want) {
        Map<String, String> haveFields = topLevelFields(have);
        Map<String, String> wantFields = topLevelFields(want);
        if (haveFields == null || wantFields == null) {
            return "";
        }
        List<String> out = new ArrayList<>();
        wantFields.forEach((field, type) -> {
            String other = haveFields.get(field);
            if (other == null) {
                out.add("field '" + field + "' (" + type + ") is missing in the segment");
            } else if (!other.equals(type)) {
                out.add("field '" + field + "' is " + other + " in the segment, " + type + " requested");
            }
        });
        haveFields.forEach((field, type) -> {
            if (!wantFields.containsKey(field)) {
                out.add("the segment has field '" + field + "' (" + type + ") that was not requested");
            }
        });
        if (out.isEmpty()) {
            String haveName = have.substring(0, have.indexOf('{'));
            String wantName = want.substring(0, want.indexOf('{'));
            if (!haveName.equals(wantName)) {
                out.add("struct name is " + haveName + " in the segment, " + wantName + " requested");
            } else {
                out.add("struct size differs");
            }
        }
        return String.join("; ", out);
    }

    /** Top-level "name" to "type@offset" of a struct layout text, in order, or null if not a struct. */
    private static Map<String, String> topLevelFields(String text) {
        int open = text.indexOf('{');
        int close = text.lastIndexOf('}');
        if (open < 0 || close < open) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int depth = 0;
        int start = open + 1;
        for (int i = open + 1; i <= close; i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            } else if ((c == ',' && depth == 0) || i == close) {
                String field = text.substring(start, i);
                int colon = field.indexOf(':');
                if (colon > 0) {
                    fields.put(field.substring(0, colon), field.substring(colon + 1));
                }
                start = i + 1;
            }
        }
        return fields;
    }
}
