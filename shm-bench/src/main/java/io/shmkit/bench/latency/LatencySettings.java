package io.shmkit.bench.latency;

import io.shmkit.bench.ipc.PingPongClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the latency harness runs and for how long.
 *
 * @param rounds           rounds; each runs every transport once, so drift hits all alike
 * @param warmupRoundTrips warm-up of each run: this many round trips, or {@code warmupMillis},
 *                         whichever ends first
 * @param warmupMillis     the warm-up's time limit
 * @param closedMillis     length of each closed-loop measurement
 * @param openMillis       length of each open-loop measurement, per rate
 * @param rates            open-loop send rates, messages per second
 * @param maxUtilization   an open-loop rate is skipped for a run when rate × the closed-loop
 *                         mean round trip of the same run exceeds this (infinity: never skip)
 * @param transports       {@link PingPongClient#TRANSPORTS} names, in run order
 * @param smoke            whether this is the test suite's smoke run (proves it runs, not how fast)
 */
public record LatencySettings(int rounds, long warmupRoundTrips, long warmupMillis, long closedMillis,
                              long openMillis, List<Long> rates, double maxUtilization, List<String> transports,
                              boolean smoke) {
    /** Prefix of the system properties {@link #withSystemProperties()} reads. */
    public static final String PROPERTY = "shmbench.latency.";
    /** The option names, as system-property suffixes and as {@link #with} keys. */
    public static final List<String> OPTIONS = List.of("rounds", "warmupRoundTrips", "warmupMillis", "closedMillis",
            "openMillis", "rates", "maxUtilization", "transports");

    public LatencySettings {
        rates = List.copyOf(rates);
        transports = List.copyOf(transports);
        if (rounds < 1 || warmupRoundTrips < 0 || warmupMillis < 0 || closedMillis < 1 || openMillis < 1
                || !(maxUtilization > 0) || transports.isEmpty() || rates.stream().anyMatch(r -> r < 1 || r > 1_000_000_000)) {
            throw new IllegalArgumentException("invalid latency settings: rounds " + rounds + ", warm-up "
                    + warmupRoundTrips + " round trips or " + warmupMillis + " ms, closed " + closedMillis + " ms, open "
                    + openMillis + " ms at " + rates + "/s, max utilization " + maxUtilization + ", transports " + transports);
        }
        List<String> known = List.of(PingPongClient.TRANSPORTS);
        for (String t : transports) {
            if (!known.contains(t)) {
                throw new IllegalArgumentException("unknown transport '" + t + "'; known: " + known);
            }
        }
    }

    /**
     * The full run: 5 rounds of every transport, each run warmed up with 200,000 round trips
     * (at most 5 s), then 5 s closed loop and 5 s open loop at 10,000/s and at 50,000/s,
     * skipping a rate above 90% of what the transport's closed loop sustained. About 16 minutes
     * for all 12 transports on the 2-core VM (about 15 s per transport and round), 7 for the
     * messaging group's 5.
     */
    public static LatencySettings defaults() {
        return new LatencySettings(5, 200_000, 5_000, 5_000, 5_000, List.of(10_000L, 50_000L), 0.9,
                List.of(PingPongClient.TRANSPORTS), false);
    }

    /**
     * The test suite's run: every transport, one round, 0.3 s per mode after a short warm-up,
     * every rate run even above capacity (so both loops are exercised for every transport).
     */
    public static LatencySettings smokeSettings() {
        return new LatencySettings(1, 20_000, 300, 300, 300, List.of(10_000L, 50_000L), Double.POSITIVE_INFINITY,
                List.of(PingPongClient.TRANSPORTS), true);
    }

    /**
     * These settings with any {@code shmbench.latency.*} system property applied:
     * {@code rounds}, {@code warmupRoundTrips}, {@code warmupMillis}, {@code closedMillis},
     * {@code openMillis}, {@code rates} (comma-separated), {@code maxUtilization},
     * {@code transports} (comma-separated).
     */
    public LatencySettings withSystemProperties() {
        Map<String, String> options = new LinkedHashMap<>();
        for (String key : OPTIONS) {
            String value = System.getProperty(PROPERTY + key);
            if (value != null) {
                options.put(key, value);
            }
        }
        return with(options);
    }

    /** These settings with the named options (the keys of {@link #withSystemProperties()}) replaced. */
    public LatencySettings with(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw new IllegalArgumentException("unknown latency option '" + key + "'; known: " + OPTIONS);
            }
        }
        return new LatencySettings(
                options.containsKey("rounds") ? Integer.parseInt(options.get("rounds")) : rounds,
                options.containsKey("warmupRoundTrips") ? Long.parseLong(options.get("warmupRoundTrips")) : warmupRoundTrips,
                options.containsKey("warmupMillis") ? Long.parseLong(options.get("warmupMillis")) : warmupMillis,
                options.containsKey("closedMillis") ? Long.parseLong(options.get("closedMillis")) : closedMillis,
                options.containsKey("openMillis") ? Long.parseLong(options.get("openMillis")) : openMillis,
                options.containsKey("rates") ? list(options.get("rates")).stream().map(Long::parseLong).toList() : rates,
                options.containsKey("maxUtilization") ? Double.parseDouble(options.get("maxUtilization")) : maxUtilization,
                options.containsKey("transports") ? list(options.get("transports")) : transports,
                smoke);
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The arguments {@link LatencyFork} takes for one run of {@code transport}. */
    List<String> forkArgs(String transport) {
        List<String> args = new ArrayList<>(List.of(transport, Long.toString(warmupRoundTrips),
                Long.toString(warmupMillis), Long.toString(closedMillis), Long.toString(openMillis),
                Double.toString(maxUtilization)));
        rates.forEach(r -> args.add(Long.toString(r)));
        return args;
    }

    /** The longest a run may take before the harness gives up on it: its planned time and 2 minutes. */
    long runDeadlineMillis() {
        return warmupMillis + closedMillis + openMillis * rates.size() + 120_000;
    }
}
