package io.shmkit.bench.latency;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The latency harness's JSON, both ways, for its own files only. Writing: {@code Map}s (in
 * their iteration order), {@code List}s, strings, numbers, booleans and null; a non-finite
 * double becomes {@code null}, since JSON has no NaN. Reading: objects become
 * {@code LinkedHashMap}s, arrays {@code List}s, numbers {@code Double}s. Not a general-purpose
 * JSON library (no surrogate-pair checks); the module has none and needs none.
 */
final class JsonText {
    private final String text;
    private int at;

    private JsonText(String text) {
        this.text = text;
    }

    // ---------------------------------------------------------------- writing

    /** {@code value} as indented JSON text, ending with a newline. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(out, s);
            case Boolean b -> out.append(b);
            case Double d -> number(out, d);
            case Float f -> number(out, f.doubleValue());
            case Number n -> out.append(n.longValue());
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                String sep = "\n";
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append(sep);
                    indent(out, depth + 1);
                    quote(out, String.valueOf(e.getKey()));
                    out.append(": ");
                    write(out, e.getValue(), depth + 1);
                    sep = ",\n";
                }
                out.append('\n');
                indent(out, depth);
                out.append('}');
            }
            case List<?> list -> {
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                // lists of plain values stay on one line: the per-round numbers read as a row
                boolean flat = list.stream().noneMatch(v -> v instanceof Map || v instanceof List);
                out.append('[');
                String sep = flat ? "" : "\n";
                for (Object v : list) {
                    out.append(sep);
                    if (!flat) {
                        indent(out, depth + 1);
                    }
                    write(out, v, depth + 1);
                    sep = flat ? ", " : ",\n";
                }
                if (!flat) {
                    out.append('\n');
                    indent(out, depth);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private static void number(StringBuilder out, double d) {
        if (!Double.isFinite(d)) {
            out.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            out.append((long) d);
        } else {
            out.append(d); // the shortest text that reads back as the same double; its exponent form is valid JSON
        }
    }

    private static void indent(StringBuilder out, int depth) {
        out.append("  ".repeat(depth));
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---------------------------------------------------------------- reading

    /** Parses JSON text into maps, lists, strings, doubles, booleans and nulls. */
    static Object parse(String text) {
        JsonText json = new JsonText(text);
        Object value = json.value();
        json.space();
        if (json.at != text.length()) {
            throw json.error("trailing characters");
        }
        return value;
    }

    private Object value() {
        space();
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        char c = text.charAt(at);
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return string();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (text.startsWith(word, at)) {
                at += word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        return number();
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        at++;
        space();
        if (peek('}')) {
            return map;
        }
        do {
            space();
            String key = string();
            space();
            expect(':');
            map.put(key, value());
            space();
        } while (peek(','));
        expect('}');
        return map;
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        at++;
        space();
        if (peek(']')) {
            return list;
        }
        do {
            list.add(value());
            space();
        } while (peek(','));
        expect(']');
        return list;
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = text.charAt(at++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> out.append(e);
            }
        }
    }

    private Double number() {
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
        if (start == at) {
            throw error("unexpected character '" + text.charAt(at) + "'");
        }
        return Double.valueOf(text.substring(start, at));
    }

    private void space() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private boolean peek(char c) {
        if (at < text.length() && text.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
    }

    // ---------------------------------------------------------------- reading what was parsed

    /** {@code o} as an object, or an empty one if it is not. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** {@code o} as an array, or an empty one if it is not. */
    static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    /** {@code o} as an array of objects (a harness's series, their rounds), or an empty one. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Object o) {
        return (List<Map<String, Object>>) (List<?>) list(o);
    }

    /** {@code o} as a number, NaN if it is not one. */
    static double doubleOf(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** {@code o} as a whole number, 0 if it is not one. */
    static long longOf(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    /** {@code o} as a whole number's text, "?" if it is not one. */
    static String intOf(Object o) {
        return o instanceof Number n ? Long.toString(n.longValue()) : "?";
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not valid JSON at character " + at + ": " + what);
    }
}
