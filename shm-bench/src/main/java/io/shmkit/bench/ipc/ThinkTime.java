package io.shmkit.bench.ipc;

/**
 * Think time: a fixed amount of computation a lock user does between two critical sections,
 * so that a contention benchmark measures a lock under the load applications put on it, not
 * only the degenerate case of two processes doing nothing but fight for it.
 *
 * <p>The work is a fixed number of xorshift steps, a chain of dependent shifts and xors that
 * the JIT can neither vectorise nor fold. It is work, not a deadline: a spin until
 * {@code nanoTime} passes a mark would make think time free for a descheduled process and
 * would add a timer read per operation. {@link #STEPS} steps take about 200 ns on a 3 GHz
 * core (1.7-2 ns a step); {@link #nanosPer(int)} measures it on the machine at hand so that
 * reports can state what the steps cost there.
 */
public final class ThinkTime {
    /** The think-time variant's steps: about 200 ns of work outside the lock. */
    public static final int STEPS = 100;

    private ThinkTime() {}

    /**
     * Runs {@code steps} xorshift steps from {@code seed}. Callers must consume the result
     * (add it to a field, return it to a blackhole), or the JIT may drop the work.
     */
    public static long work(long seed, int steps) {
        long x = seed | 1; // xorshift never leaves 0
        for (int i = 0; i < steps; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    /**
     * The time one call of {@code work(_, steps)} takes here, in ns: the median of several
     * timed rounds, after enough calls for the JIT to compile it.
     */
    public static double nanosPer(int steps) {
        if (steps <= 0) {
            return 0;
        }
        long sink = 0;
        int calls = Math.max(1, 2_000_000 / steps);
        double[] rounds = new double[9];
        for (int warm = 0; warm < 10; warm++) { // enough calls for C2, even on a busy machine
            for (int i = 0; i < calls; i++) {
                sink += work(sink + i, steps);
            }
        }
        for (int r = 0; r < rounds.length; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                sink += work(sink + i, steps);
            }
            rounds[r] = (double) (System.nanoTime() - start) / calls;
        }
        java.util.Arrays.sort(rounds);
        if (sink == 42) { // keeps the work alive; practically never true
            System.err.print("");
        }
        return rounds[rounds.length / 2];
    }
}
