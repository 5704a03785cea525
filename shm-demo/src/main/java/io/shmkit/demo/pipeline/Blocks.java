package io.shmkit.demo.pipeline;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.io.Serializable;
import java.lang.foreign.MemorySegment;

/**
 * What the three stages compute, the same in every transport: the generator's values, the
 * transform (each block normalized in place to mean 0 and standard deviation 1) and the
 * reducer's statistics, so that every transport's result can be checked against one JVM's. A
 * block is a {@link MemorySegment} of doubles: a slice of the shared pool of buffers, or
 * {@code MemorySegment.ofArray(double[])} for a block that came through a pipe, so every
 * transport runs the same loops.
 */
public final class Blocks {
    private Blocks() {
    }

    /** Fills {@code block} with the values of block number {@code sequence}: an LCG, seeded by the sequence. */
    public static void generate(long sequence, MemorySegment block) {
        long x = sequence * 0x9E3779B97F4A7C15L + 1;
        long n = block.byteSize() / Double.BYTES;
        for (long i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            block.setAtIndex(JAVA_DOUBLE, i, (x >>> 11) * 0x1.0p-53 * 100.0 + (sequence % 7));
        }
    }

    /** Normalizes {@code block} in place: mean 0, standard deviation 1 (two passes). */
    public static void normalize(MemorySegment block) {
        long n = block.byteSize() / Double.BYTES;
        double sum = 0;
        for (long i = 0; i < n; i++) {
            sum += block.getAtIndex(JAVA_DOUBLE, i);
        }
        double mean = sum / n;
        double squares = 0;
        for (long i = 0; i < n; i++) {
            double d = block.getAtIndex(JAVA_DOUBLE, i) - mean;
            squares += d * d;
        }
        double scale = squares == 0 ? 1 : 1 / Math.sqrt(squares / n);
        for (long i = 0; i < n; i++) {
            block.setAtIndex(JAVA_DOUBLE, i, (block.getAtIndex(JAVA_DOUBLE, i) - mean) * scale);
        }
    }

    /** The reducer's statistics: blocks, values, their sum, sum of squares, minimum and maximum. */
    public record Stats(long blocks, long count, double sum, double sumOfSquares, double min, double max)
            implements Serializable {
        /** No block seen yet. */
        public static final Stats EMPTY = new Stats(0, 0, 0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);

        /** These statistics with one more block. */
        public Stats add(MemorySegment block) {
            long n = block.byteSize() / Double.BYTES;
            double s = 0;
            double q = 0;
            double lo = min;
            double hi = max;
            for (long i = 0; i < n; i++) {
                double v = block.getAtIndex(JAVA_DOUBLE, i);
                s += v;
                q += v * v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            return new Stats(blocks + 1, count + n, sum + s, sumOfSquares + q, lo, hi);
        }
    }

    /** The statistics one JVM computes for blocks 0 to {@code blocks - 1} of {@code size} doubles. */
    public static Stats inOneJvm(long blocks, int size) {
        MemorySegment block = MemorySegment.ofArray(new double[size]);
        Stats stats = Stats.EMPTY;
        for (long s = 0; s < blocks; s++) {
            generate(s, block);
            normalize(block);
            stats = stats.add(block);
        }
        return stats;
    }
}
