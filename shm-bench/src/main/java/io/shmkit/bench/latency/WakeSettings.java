package io.shmkit.bench.latency;

import io.shmkit.bench.ipc.WakeConsumer;
import java.util.List;

/**
 * What the wake harness ({@link WakeHarness}) runs and for how long.
 *
 * @param rounds          rounds; each runs every strategy once, in a fresh pair of JVMs, so drift hits all alike
 * @param samples         measured wake-ups per strategy and round
 * @param warmup          messages sent before them, unmeasured, in two phases, most back to back, the
 *                        others after quiet spells of 100 to 300 µs, so that both JVMs run compiled
 *                        code on the very paths measured (the sleeping one included; see {@link WakeFork})
 * @param quietMinMicros  shortest quiet spell before a measured send, µs
 * @param quietMaxMicros  longest; each spell is drawn uniformly in between
 * @param idleMillis      the idle window per strategy and round, in which the consumer waits and nothing is sent
 * @param strategies      {@link WakeConsumer#STRATEGIES} names, in run order
 * @param smoke           whether this is the test suite's smoke run (proves it runs, not how fast)
 */
public record WakeSettings(int rounds, int samples, int warmup, long quietMinMicros, long quietMaxMicros, long idleMillis,
                           List<String> strategies, boolean smoke) {
    public WakeSettings {
        strategies = List.copyOf(strategies);
        if (rounds < 1 || samples < 1 || warmup < 0 || quietMinMicros < 0 || quietMaxMicros < quietMinMicros || idleMillis < 1
                || strategies.isEmpty()) {
            throw new IllegalArgumentException("invalid wake settings: " + rounds + " rounds of " + samples + " samples after "
                    + warmup + ", quiet " + quietMinMicros + "–" + quietMaxMicros + " µs, idle " + idleMillis + " ms, " + strategies);
        }
        strategies.forEach(WakeConsumer::options); // throws for an unknown one
    }

    /**
     * The full run: 5 rounds of every strategy, each 200 wake-ups after quiet spells of 5 to
     * 15 ms (long enough for a kernel waiter to pass its spin phase, some tens of µs, and for
     * the backoff to reach its 1 ms parks, after about 2 ms), after 16,000 warm-up messages,
     * then 1.5 s idle: 1,000 wake-ups and 7.5 s idle per strategy, about 3 minutes in all on the
     * 2-core VM.
     */
    public static WakeSettings defaults() {
        return new WakeSettings(5, 200, 16_000, 5_000, 15_000, 1_500, WakeConsumer.STRATEGIES, false);
    }

    /** The test suite's run: one round, 20 wake-ups after 2 to 4 ms, 300 ms idle; a few seconds per strategy. */
    public static WakeSettings smokeSettings() {
        return new WakeSettings(1, 20, 200, 2_000, 4_000, 300, WakeConsumer.STRATEGIES, true);
    }

    /** The arguments {@link WakeFork} takes for one run of {@code strategy}. */
    List<String> forkArgs(String strategy, long seed) {
        return List.of(strategy, Integer.toString(samples), Integer.toString(warmup), Long.toString(quietMinMicros),
                Long.toString(quietMaxMicros), Long.toString(idleMillis), Long.toString(seed));
    }

    /** The longest a run may take before the harness gives up on it: its planned time and 2 minutes. */
    long runDeadlineMillis() {
        return (warmup * 1_000L + samples * quietMaxMicros) / 1000 + idleMillis + 120_000;
    }
}
