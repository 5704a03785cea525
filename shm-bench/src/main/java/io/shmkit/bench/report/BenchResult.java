package io.shmkit.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of a JMH result file: a benchmark method with its parameters, its primary score
 * and error (99.9% confidence half-width, NaN with a single iteration) and, for sampled
 * modes, its percentiles keyed as JMH writes them ("50.0", "99.9").
 */
record BenchResult(String benchmark, Map<String, String> params, String mode, double score, double error,
                   String unit, Map<String, Double> percentiles, long samples, Map<String, Secondary> secondaries,
                   String settings) {

    /** A secondary metric, such as an {@code @AuxCounters} field. */
    record Secondary(double score, double error, String unit) {}

    /** {@code HandoffBenchmark.handoff} from {@code io.shmkit.bench.HandoffBenchmark.handoff}. */
    String shortName() {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }

    String className() {
        return shortName().substring(0, shortName().indexOf('.'));
    }

    String method() {
        return shortName().substring(shortName().indexOf('.') + 1);
    }

    String param(String name) {
        return params.get(name);
    }

    double percentile(String key) {
        Double value = percentiles.get(key);
        return value == null ? Double.NaN : value;
    }

    @SuppressWarnings("unchecked")
    static BenchResult of(Map<String, Object> row) {
        Map<String, String> params = new LinkedHashMap<>();
        Object rawParams = row.get("params");
        if (rawParams instanceof Map<?, ?> map) {
            map.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
        }
        Map<String, Object> metric = (Map<String, Object>) row.get("primaryMetric");
        Map<String, Double> percentiles = new LinkedHashMap<>();
        if (metric.get("scorePercentiles") instanceof Map<?, ?> map) {
            map.forEach((k, v) -> percentiles.put((String) k, number(v)));
        }
        long samples = 0;
        if (metric.get("rawDataHistogram") instanceof List<?> forks) {
            for (Object fork : forks) {
                for (Object iteration : (List<?>) fork) {
                    for (Object bucket : (List<?>) iteration) {
                        samples += (long) number(((List<?>) bucket).get(1));
                    }
                }
            }
        } else if (metric.get("rawData") instanceof List<?> forks) {
            for (Object fork : forks) {
                samples += ((List<?>) fork).size();
            }
        }
        Map<String, Secondary> secondaries = new LinkedHashMap<>();
        if (row.get("secondaryMetrics") instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                Map<String, Object> m = (Map<String, Object>) v;
                secondaries.put((String) k, new Secondary(number(m.get("score")), number(m.get("scoreError")),
                        (String) m.get("scoreUnit")));
            });
        }
        String settings = "forks " + whole(row.get("forks")) + ", warm-up " + whole(row.get("warmupIterations")) + " × "
                + row.getOrDefault("warmupTime", "?") + ", measurement " + whole(row.get("measurementIterations")) + " × "
                + row.getOrDefault("measurementTime", "?");
        return new BenchResult((String) row.get("benchmark"), params, (String) row.get("mode"),
                number(metric.get("score")), number(metric.get("scoreError")), (String) metric.get("scoreUnit"),
                percentiles, samples, secondaries, settings);
    }

    private static String whole(Object value) {
        return value instanceof Double d ? Long.toString(d.longValue()) : String.valueOf(value);
    }

    private static double number(Object value) {
        if (value instanceof Double d) {
            return d;
        }
        return Double.NaN; // JMH writes "NaN" (a string) for an error it could not compute
    }
}
