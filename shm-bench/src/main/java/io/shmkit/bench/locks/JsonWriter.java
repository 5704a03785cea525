package io.shmkit.bench.locks;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A small JSON writer, two-space indented, one member or element per line, for the
 * harness's result files (no library is worth a dependency for that). Numbers that JSON cannot
 * hold (NaN, infinities) are written as {@code null}. Not thread-safe.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder();
    /** Per open container: whether it has no element yet. */
    private final Deque<Boolean> empty = new ArrayDeque<>();
    private boolean afterName;

    JsonWriter beginObject() {
        return open('{');
    }

    JsonWriter endObject() {
        return close('}');
    }

    JsonWriter beginArray() {
        return open('[');
    }

    JsonWriter endArray() {
        return close(']');
    }

    JsonWriter name(String name) {
        element();
        string(name);
        out.append(": ");
        afterName = true;
        return this;
    }

    JsonWriter value(String value) {
        element();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonWriter value(long value) {
        element();
        out.append(value);
        return this;
    }

    JsonWriter value(double value) {
        element();
        out.append(Double.isFinite(value) ? Double.toString(value) : "null");
        return this;
    }

    JsonWriter value(boolean value) {
        element();
        out.append(value);
        return this;
    }

    JsonWriter values(List<String> strings) {
        beginArray();
        strings.forEach(this::value);
        return endArray();
    }

    /** The document; every container must be closed. */
    @Override
    public String toString() {
        if (!empty.isEmpty()) {
            throw new IllegalStateException(empty.size() + " containers still open");
        }
        return out + "\n";
    }

    private JsonWriter open(char bracket) {
        element();
        out.append(bracket);
        empty.push(true);
        return this;
    }

    private JsonWriter close(char bracket) {
        boolean wasEmpty = empty.pop();
        if (!wasEmpty) {
            newline();
        }
        out.append(bracket);
        return this;
    }

    /** Separates and indents a new member or element, unless it is the value after a name. */
    private void element() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (empty.isEmpty()) {
            return; // the top-level value
        }
        if (!empty.pop()) {
            out.append(',');
        }
        empty.push(false);
        newline();
    }

    private void newline() {
        out.append('\n').append("  ".repeat(empty.size()));
    }

    private void string(String s) {
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
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
