package io.shmkit.core;

/**
 * The rules for segment names. A name is 1 to {@value #MAX_LENGTH} characters from
 * {@code [A-Za-z0-9._-]}, starts with a letter, a digit or {@code _}, and contains no
 * {@code ..}. So a name is always one plain file name inside its directory: no separator, no
 * traversal, no hidden file, nothing a shell or {@code shm_open} treats specially; the same
 * name works with Python's {@code SharedMemory(name=...)}.
 */
public final class SegmentNames {
    /** Longest name accepted; leaves room under NAME_MAX (255) for the creation suffix. */
    public static final int MAX_LENGTH = 200;

    private SegmentNames() {
    }

    /**
     * Returns {@code name} if it is valid.
     *
     * @throws IllegalArgumentException naming the rule the name breaks
     * @throws NullPointerException if name is null
     */
    public static String validate(String name) {
        if (name == null) {
            throw new NullPointerException("segment name is null");
        }
        if (name.isEmpty()) {
            throw invalid(name, "it is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid(name, "it has " + name.length() + " characters, at most " + MAX_LENGTH + " are allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isNameChar(c)) {
                String what = c == '/' || c == '\\' ? "a path separator" : c == 0 ? "a NUL character" : "a character outside [A-Za-z0-9._-]";
                throw invalid(name, "it contains " + what + " (" + describe(c) + ") at index " + i);
            }
        }
        char first = name.charAt(0);
        if (first == '.' || first == '-') {
            throw invalid(name, "it starts with '" + first + "'; names start with a letter, a digit or '_'");
        }
        if (name.contains("..")) {
            throw invalid(name, "it contains '..'");
        }
        return name;
    }

    /** Whether {@code name} is valid, without throwing. */
    public static boolean isValid(String name) {
        try {
            validate(name);
            return true;
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static IllegalArgumentException invalid(String name, String why) {
        return new IllegalArgumentException("invalid segment name '" + printable(name) + "': " + why);
    }

    static String printable(String name) {
        StringBuilder sb = new StringBuilder();
        name.codePoints().limit(MAX_LENGTH + 20L).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return name.length() > MAX_LENGTH + 20 ? sb + "..." : sb.toString();
    }
}
