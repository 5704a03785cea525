package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The doubles an array handoff moves, and the consumer's work on them. For handoff
 * {@code seq}, element {@code i} is {@code i + seq}: the producer writes every element for
 * every handoff, so every transport moves n freshly written doubles (a consumer never sums
 * data already in its own cache from an earlier handoff), and the consumer checks the whole
 * sum, {@code n(n-1)/2 + n*seq}, exact in a double for every n and seq used here (below 2^53),
 * so a transport that delivers stale, partial or torn data fails instead of winning.
 */
public final class Payload {
    private Payload() {}

    /** Element {@code i} of handoff {@code seq}. */
    public static double value(long i, long seq) {
        return i + seq;
    }

    /** Writes handoff {@code seq}'s payload into {@code n} doubles at the start of {@code target}. */
    public static void fill(MemorySegment target, long n, long seq) {
        for (long i = 0; i < n; i++) {
            target.set(JAVA_DOUBLE_UNALIGNED, i * 8, i + seq);
        }
    }

    /** Writes handoff {@code seq}'s payload into {@code values}. */
    public static void fill(double[] values, long seq) {
        for (int i = 0; i < values.length; i++) {
            values[i] = i + seq;
        }
    }

    /** The exact sum of handoff {@code seq}'s payload. */
    public static double expected(long n, long seq) {
        return n * (n - 1) / 2 + (double) n * seq;
    }

    /**
     * Sums {@code n} doubles and checks the sum.
     *
     * @throws IllegalStateException if the data is not the payload of handoff {@code seq}
     */
    public static double sumChecked(MemorySegment data, long n, long seq) {
        return check(sum(data, n), n, seq);
    }

    /**
     * Checks a sum computed elsewhere (by a transport that reads with its own library's API).
     *
     * @throws IllegalStateException if it is not the sum of handoff {@code seq}'s payload
     */
    public static double check(double sum, long n, long seq) {
        double expected = expected(n, seq);
        if (sum != expected) {
            throw new IllegalStateException("handoff " + seq + " delivered wrong data: sum " + sum + ", expected " + expected);
        }
        return sum;
    }

    /**
     * Four independent sums, so the loop is bound by memory, not by the latency of one chain of
     * dependent additions (a reduction the JIT may not reorder on its own).
     */
    static double sum(MemorySegment data, long n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long i = 0;
        for (; i + 4 <= n; i += 4) {
            long at = i * 8;
            s0 += data.get(JAVA_DOUBLE_UNALIGNED, at);
            s1 += data.get(JAVA_DOUBLE_UNALIGNED, at + 8);
            s2 += data.get(JAVA_DOUBLE_UNALIGNED, at + 16);
            s3 += data.get(JAVA_DOUBLE_UNALIGNED, at + 24);
        }
        for (; i < n; i++) {
            s0 += data.get(JAVA_DOUBLE_UNALIGNED, i * 8);
        }
        return (s0 + s1) + (s2 + s3);
    }
}
