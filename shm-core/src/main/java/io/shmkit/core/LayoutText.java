package io.shmkit.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a layout text from a segment header under the grammar of {@code docs/format.md}, and
 * works out the size and alignment of the element it describes, so that a header whose text
 * is garbage, or disagrees with its own element size, is refused as corrupt instead of being
 * reported as a layout mismatch.
 *
 * <p>Hostile input is bounded: the text is at most {@link SegmentDescriptor#MAX_LAYOUT_LENGTH}
 * bytes, nesting at most {@value #MAX_DEPTH} structs deep, and every size is computed with
 * exact arithmetic.
 */
final class LayoutText {
    static final int MAX_DEPTH = 64;

    /** What a valid text describes. */
    record Shape(long size, long alignment) {
    }

    private final String text;
    private int pos;

    private LayoutText(String text) {
        this.text = text;
    }

    /**
     * Decodes and parses {@code bytes}.
     *
     * @throws IllegalArgumentException saying what is wrong, with the text shown escaped
     */
    static String decode(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return text;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("layout text is not valid UTF-8: " + escape(bytes));
        }
    }

    /**
     * The size and alignment of one element of {@code text}.
     *
     * @throws IllegalArgumentException if it does not parse, naming the position
     */
    static Shape parse(String text) {
        LayoutText parser = new LayoutText(text);
        Shape shape = parser.type(0);
        if (parser.pos != text.length()) {
            throw parser.error("unexpected text after the layout");
        }
        return shape;
    }

    private Shape type(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("structs nested more than " + MAX_DEPTH + " deep");
        }
        Shape base;
        int start = pos;
        String word = identifier();
        if (peek() == '{') {
            base = struct(depth);
        } else if (word.isEmpty()) {
            throw error("expected a scalar type or a struct");
        } else {
            base = scalar(word, start);
        }
        long size = base.size;
        // C order: the innermost dimension is last, so the total is the product whatever the order
        while (peek() == '[') {
            pos++;
            long count = number();
            expect(']');
            size = multiply(size, count);
        }
        return new Shape(size, base.alignment);
    }

    private Shape struct(int depth) {
        expect('{');
        long end = 0;
        long alignment = 1;
        for (boolean first = true; first || peek() == ','; first = false) {
            if (!first) {
                pos++;
            }
            if (identifier().isEmpty()) {
                throw error("expected a field name");
            }
            expect(':');
            Shape field = type(depth + 1);
            expect('@');
            long offset = number();
            if (offset < end) {
                throw error("field at offset " + offset + " overlaps the previous field, which ends at " + end);
            }
            if (offset % field.alignment != 0) {
                throw error("field at offset " + offset + " is not aligned to " + field.alignment);
            }
            end = add(offset, field.size);
            alignment = Math.max(alignment, field.alignment);
        }
        expect('}');
        expect('#');
        long size = number();
        if (size < end || size % alignment != 0) {
            throw error("struct size " + size + " does not hold its fields (" + end + " bytes) at alignment " + alignment);
        }
        return new Shape(size, alignment);
    }

    private Shape scalar(String code, int start) {
        long size = switch (code) {
            case "bool", "i8", "u8", "char" -> 1;
            case "i16", "u16" -> 2;
            case "i32", "f32" -> 4;
            case "i64", "f64" -> 8;
            default -> {
                pos = start;
                throw error("unknown scalar type '" + code + "'");
            }
        };
        return new Shape(size, size);
    }

    private String identifier() {
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
            if (!(letter || (pos > start && c >= '0' && c <= '9'))) {
                break;
            }
            pos++;
        }
        return text.substring(start, pos);
    }

    private long number() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw error("expected a number");
        }
        if (pos - start > 18) {
            pos = start;
            throw error("number too large");
        }
        return Long.parseLong(text, start, pos, 10);
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private long multiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw error("sizes overflow 64 bits");
        }
    }

    private long add(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw error("sizes overflow 64 bits");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("layout text " + escape(text.getBytes(StandardCharsets.UTF_8))
                + " does not parse: " + what + " at index " + pos);
    }

    /** The bytes as a quoted string, non-printable ASCII and non-ASCII as \xNN, cut after 200 bytes. */
    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\"");
        int shown = Math.min(bytes.length, 200);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xFF;
            if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b));
            }
        }
        sb.append('"');
        return bytes.length > shown ? sb + "... (" + bytes.length + " bytes)" : sb.toString();
    }
}
