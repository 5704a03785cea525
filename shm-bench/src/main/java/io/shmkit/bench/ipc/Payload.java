package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The doubles an array handoff moves, and the consumer's work on them. Element {@code i} is
 * {@code i}, except element 0, which the producer sets to the request's sequence number
 * before each handoff, so every handoff is checked to carry fresh and complete data: the sum
 * must be {@code n(n-1)/2 + seq}, exact in a double for every n used here (below 2^53).
 *
 * <p>All transports end with the same {@link #sumChecked} over a {@link MemorySegment}: the
 * shared array itself for shmkit (zero copy), the consumer's own copy for the others, so the
 * benchmarks differ only in how the data got there.
 */
public final class Payload {
    private Payload() {}

    /** Writes the payload into {@code n} doubles at the start of {@code target}. */
    public static void fill(MemorySegment target, long n) {
        for (long i = 0; i < n; i++) {
            target.set(JAVA_DOUBLE_UNALIGNED, i * 8, i);
        }
    }

    /**
     * Sums {@code n} doubles and checks the sum.
     *
     * @throws IllegalStateException if the data is not the payload of handoff {@code seq}
     */
    public static double sumChecked(MemorySegment data, long n, long seq) {
        double sum = sum(data, n);
        double expected = n * (n - 1) / 2 + seq;
        if (sum != expected) {
            throw new IllegalStateException("handoff " + seq + " delivered wrong data: sum " + sum
                    + ", expected " + expected + " (element 0 = " + data.get(JAVA_DOUBLE_UNALIGNED, 0) + ")");
        }
        return sum;
    }

    /**
     * Four independent sums, so the loop is bound by memory, not by the 4-cycle latency of
     * one chain of dependent additions (a reduction the JIT may not reorder on its own).
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
