package io.shmkit.core;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** ctypes {@code c_char} array semantics over memory: value up to the first NUL, NUL padding. */
final class ByteStrings {
    private ByteStrings() {
    }

    /** Bytes from offset up to the first NUL or {@code capacity} bytes. */
    static byte[] value(MemorySegment s, long offset, long capacity) {
        long end = 0;
        while (end < capacity && s.get(JAVA_BYTE, offset + end) != 0) {
            end++;
        }
        return s.asSlice(offset, end).toArray(JAVA_BYTE);
    }

    static String decode(MemorySegment s, long offset, long capacity) {
        return new String(value(s, offset, capacity), StandardCharsets.UTF_8);
    }

    /** Stores bytes (at most capacity) and zero-fills the rest, so a shorter value is NUL-terminated. */
    static void store(MemorySegment s, long offset, long capacity, byte[] bytes) {
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, offset, bytes.length);
        s.asSlice(offset + bytes.length, capacity - bytes.length).fill((byte) 0);
    }
}
