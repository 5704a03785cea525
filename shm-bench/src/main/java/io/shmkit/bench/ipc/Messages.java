package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The messages of the messaging throughput benchmarks, the same for every transport, and the
 * consumer's check of each one.
 *
 * <p>A message is {@code size} bytes (a multiple of 8) of longs: word {@code i} is
 * {@code w0 + i}, where {@code w0 = producer << 56 | seq} and {@code seq} counts that producer's
 * messages from 1. The producer writes every word of every message (into its own buffer before
 * a copy, or in place into a claim), so no transport moves stale data. The consumer reads the
 * first, the middle and the last word of every message: the first names the producer and the
 * sequence number, which must be that producer's next (no loss, no duplicate, per-producer
 * order), the middle word {@code m = size/16} must be {@code w0 + m} and the last
 * {@code w0 + size/8 - 1} (the whole length arrived, with no stale stretch where a copy or a
 * claim missed a part of it), and the length must be {@code size}. Any difference throws, naming
 * the message. Three words, not all: the shared-memory consumers read in place, as their users
 * would, and reading every word would make the benchmark a memory scan.
 */
public final class Messages {
    /** Producers are numbered from 0 in the top byte of word 0. */
    static final int PRODUCER_SHIFT = 56;
    static final long SEQ_MASK = (1L << PRODUCER_SHIFT) - 1;
    /** Every shmkit and Agrona message carries this type id. */
    static final int TYPE = 1;

    private Messages() {}

    /** Word 0 of message {@code seq} (from 1) of producer {@code producer}. */
    static long first(int producer, long seq) {
        return (long) producer << PRODUCER_SHIFT | seq;
    }

    static long last(long first, int size) {
        return first + size / 8 - 1;
    }

    /** Writes a message's words into a memory segment. */
    static void fill(MemorySegment target, long offset, int size, long first) {
        for (int i = 0, words = size >>> 3; i < words; i++) {
            target.set(JAVA_LONG_UNALIGNED, offset + 8L * i, first + i);
        }
    }

    /** Writes a message's words with Agrona's API. */
    static void fill(MutableDirectBuffer target, int index, int size, long first) {
        for (int i = 0, words = size >>> 3; i < words; i++) {
            target.putLong(index + 8 * i, first + i);
        }
    }

    /** Writes a message's words into a (native-order) byte buffer from its absolute {@code index}. */
    static void fill(ByteBuffer target, int index, int size, long first) {
        for (int i = 0, words = size >>> 3; i < words; i++) {
            target.putLong(index + 8 * i, first + i);
        }
    }

    /** Writes a message's words into an array (the serialized transport's object). */
    static void fill(long[] target, long first) {
        for (int i = 0; i < target.length; i++) {
            target[i] = first + i;
        }
    }

    /**
     * The consumer's check: every message in per-producer sequence, whole. Not thread-safe: one
     * per consumer.
     */
    static final class Verifier {
        private final int size;
        private final long[] next;
        private long received;

        Verifier(int size, int producers) {
            this.size = size;
            this.next = new long[producers];
            java.util.Arrays.fill(next, 1);
        }

        /** Checks one message by its first, middle ({@link #middle}) and last words and its length. */
        void check(long first, long middle, long last, int length) {
            int producer = (int) (first >>> PRODUCER_SHIFT);
            if (length != size || producer >= next.length || (first & SEQ_MASK) != next[producer]
                    || last != Messages.last(first, size) || middle != first + middle(length)) {
                throw wrong(first, last, length);
            }
            next[producer]++;
            received++;
        }

        /** The index of the middle word checked in a message of {@code length} bytes. */
        static int middle(int length) {
            return length >>> 4;
        }

        void check(MemorySegment buffer, long offset, int length) {
            check(buffer.get(JAVA_LONG_UNALIGNED, offset), buffer.get(JAVA_LONG_UNALIGNED, offset + 8L * middle(length)),
                    buffer.get(JAVA_LONG_UNALIGNED, offset + length - 8), length);
        }

        void check(DirectBuffer buffer, int index, int length) {
            check(buffer.getLong(index), buffer.getLong(index + 8 * middle(length)), buffer.getLong(index + length - 8), length);
        }

        void check(ByteBuffer buffer, int index, int length) {
            check(buffer.getLong(index), buffer.getLong(index + 8 * middle(length)), buffer.getLong(index + length - 8), length);
        }

        void check(long[] words) {
            check(words[0], words[middle(words.length * 8)], words[words.length - 1], words.length * 8);
        }

        private IllegalStateException wrong(long first, long last, int length) {
            int producer = (int) (first >>> PRODUCER_SHIFT);
            return new IllegalStateException(String.format(
                    "wrong message after %,d good ones: %d bytes (expected %d), producer %d of %d, sequence %d (expected %s),"
                            + " last word %d (expected %d)", received, length, size, producer, next.length, first & SEQ_MASK,
                    producer < next.length ? Long.toString(next[producer]) : "none", last, Messages.last(first, size)));
        }

        /** Messages checked so far. */
        long received() {
            return received;
        }
    }
}
