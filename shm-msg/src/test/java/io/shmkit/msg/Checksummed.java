package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The test messages: sequence number, producer, length, bytes derived from all three, and an
 * FNV-1a hash of everything before it. A message that is torn, shifted, truncated, or another
 * message's bytes fails {@link #check}.
 *
 * <pre>
 *   0x00 seq (i64)   0x08 producer (i32)   0x0C length (i32)   0x10 fill...   length-8: hash (i64)
 * </pre>
 */
final class Checksummed {
    static final int MIN_LENGTH = 24;

    private Checksummed() {
    }

    /** A length from 24 to 120 bytes that varies with the sequence number, so records straddle lines and wrap points. */
    static int length(long seq) {
        return MIN_LENGTH + (int) Math.floorMod(seq * 7919, 97);
    }

    static void write(MemorySegment buffer, long offset, int producer, long seq, int length) {
        buffer.set(JAVA_LONG_UNALIGNED, offset, seq);
        buffer.set(JAVA_INT_UNALIGNED, offset + 8, producer);
        buffer.set(JAVA_INT_UNALIGNED, offset + 12, length);
        for (int i = 16; i < length - 8; i++) {
            buffer.set(JAVA_BYTE, offset + i, fill(producer, seq, i));
        }
        buffer.set(JAVA_LONG_UNALIGNED, offset + length - 8, hash(buffer, offset, length - 8));
    }

    static byte fill(int producer, long seq, int i) {
        return (byte) (seq * 31 + producer * 17 + i);
    }

    static long hash(MemorySegment buffer, long offset, int n) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < n; i++) {
            h ^= buffer.get(JAVA_BYTE, offset + i) & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    static long seq(MemorySegment buffer, long offset) {
        return buffer.get(JAVA_LONG_UNALIGNED, offset);
    }

    static int producer(MemorySegment buffer, long offset) {
        return buffer.get(JAVA_INT_UNALIGNED, offset + 8);
    }

    /** Null if the message is intact, else what is wrong with it. */
    static String check(MemorySegment buffer, long offset, int length) {
        if (length < MIN_LENGTH) {
            return "a message of " + length + " bytes";
        }
        long seq = seq(buffer, offset);
        int producer = producer(buffer, offset);
        int stated = buffer.get(JAVA_INT_UNALIGNED, offset + 12);
        if (stated != length || stated != length(seq)) {
            return "seq " + seq + " of producer " + producer + " is " + length + " bytes, states " + stated + ", should be "
                    + length(seq);
        }
        for (int i = 16; i < length - 8; i++) {
            if (buffer.get(JAVA_BYTE, offset + i) != fill(producer, seq, i)) {
                return "seq " + seq + " of producer " + producer + " has a wrong byte at " + i;
            }
        }
        if (buffer.get(JAVA_LONG_UNALIGNED, offset + length - 8) != hash(buffer, offset, length - 8)) {
            return "seq " + seq + " of producer " + producer + " fails its hash";
        }
        return null;
    }
}
