package io.shmkit.bench.latency;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * The summary of one latency histogram that the report quotes, in nanoseconds, and the
 * histograms' shape and encoding.
 *
 * @param count every value recorded, synthetic ones of the coordinated-omission correction included
 */
record Percentiles(long count, double p50, double p90, double p99, double p999, double p9999, double max, double mean) {
    /** The JSON keys of the quoted percentiles, in order. */
    static final String[] KEYS = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
    /** The percentile levels of {@link #KEYS}. */
    static final double[] LEVELS = {50, 90, 99, 99.9, 99.99, 100};
    /**
     * The largest value a histogram tracks, 10 s: a longer round trip is recorded as 10 s
     * (the peer-liveness checks fail a run long before a round trip could last that long).
     */
    static final long HIGHEST_NS = 10_000_000_000L;
    /** Three significant digits: a recorded value is within 0.1% of the measured one. */
    static final int DIGITS = 3;

    /** A histogram for 1 ns to {@link #HIGHEST_NS}, allocated whole so recording never allocates. */
    static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_NS, DIGITS);
    }

    /** The histograms' shape, for a harness's settings in its JSON. */
    static Map<String, Object> settingsJson() {
        Map<String, Object> histogram = new LinkedHashMap<>();
        histogram.put("lowestNs", 1);
        histogram.put("highestNs", HIGHEST_NS);
        histogram.put("significantDigits", DIGITS);
        return histogram;
    }

    /** Clamps a measured duration into the histogram's range. */
    static long clamp(long nanos) {
        return Math.max(1, Math.min(nanos, HIGHEST_NS));
    }

    static Percentiles of(Histogram h) {
        return new Percentiles(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getValueAtPercentile(99.99),
                h.getMaxValue(), h.getMean());
    }

    /** The quoted values in {@link #KEYS} order. */
    double[] values() {
        return new double[] {p50, p90, p99, p999, p9999, max};
    }

    /** {@code count}, the {@link #KEYS} and {@code mean}, as JSON fields. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("count", count);
        double[] values = values();
        for (int i = 0; i < KEYS.length; i++) {
            json.put(KEYS[i], values[i]);
        }
        json.put("mean", mean);
        return json;
    }

    static Percentiles fromJson(Map<?, ?> json) {
        return new Percentiles(Math.round(number(json, "count")), number(json, "p50"), number(json, "p90"),
                number(json, "p99"), number(json, "p99.9"), number(json, "p99.99"), number(json, "max"),
                number(json, "mean"));
    }

    private static double number(Map<?, ?> json, String key) {
        return json.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** HdrHistogram's compressed encoding in base64: the JSON keeps every histogram whole. */
    static String encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), HIGHEST_NS);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }
}
