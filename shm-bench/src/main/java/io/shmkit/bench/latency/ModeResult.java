package io.shmkit.bench.latency;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measurement of one run: the closed loop, or the open loop at one rate. Travels from
 * {@link LatencyFork} to {@link LatencyHarness} as one line of text.
 *
 * @param mode         {@code closed} or {@code open}
 * @param rate         the open loop's send rate per second; 0 for the closed loop
 * @param skipReason   why the open loop did not run at this rate, or null if it ran
 * @param histogram    every round trip (open loop: with its correction values); null if skipped
 * @param elapsedNs    length of the measurement
 * @param stealPercent steal during the measurement, % of all CPU time of the machine (NaN if unknown)
 * @param scheduled    open loop: the send slots in the measurement (rate × length); 0 for closed
 * @param sent         messages actually sent (the others' slots were overrun by a late echo)
 * @param gcCount      garbage collections in the client JVM during the measurement
 * @param gcMillis     their accumulated time
 */
record ModeResult(String mode, long rate, String skipReason, Histogram histogram, long elapsedNs,
                  double stealPercent, long scheduled, long sent, long gcCount, long gcMillis) {
    static final String LINE = "MODE";

    static ModeResult skipped(long rate, String reason) {
        return new ModeResult("open", rate, reason, null, 0, Double.NaN, 0, 0, 0, 0);
    }

    boolean ran() {
        return skipReason == null;
    }

    /** One line, no newline: the reason, having spaces, comes last. */
    String toLine() {
        if (!ran()) {
            return LINE + " " + mode + " " + rate + " skipped " + skipReason.replace('\n', ' ');
        }
        return LINE + " " + mode + " " + rate + " ok " + elapsedNs + " " + stealPercent + " " + scheduled + " " + sent
                + " " + gcCount + " " + gcMillis + " " + Percentiles.encode(histogram);
    }

    static ModeResult parse(String line) {
        String[] f = line.split(" ", 5);
        if (f.length < 5 || !f[0].equals(LINE)) {
            throw new IllegalArgumentException("not a result line: " + line);
        }
        long rate = Long.parseLong(f[2]);
        if (f[3].equals("skipped")) {
            return skipped(rate, f[4]);
        }
        String[] v = f[4].split(" ");
        return new ModeResult(f[1], rate, null, Percentiles.decode(v[6]), Long.parseLong(v[0]), Double.parseDouble(v[1]),
                Long.parseLong(v[2]), Long.parseLong(v[3]), Long.parseLong(v[4]), Long.parseLong(v[5]));
    }

    /** The per-round JSON entry of this measurement. */
    Map<String, Object> toJson(int round) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("round", round);
        if (!ran()) {
            json.put("status", "skipped");
            json.put("reason", skipReason);
            return json;
        }
        json.put("status", "ok");
        json.putAll(Percentiles.of(histogram).toJson());
        json.put("elapsedSeconds", elapsedNs / 1e9);
        json.put("stealPercent", stealPercent);
        if (mode.equals("open")) {
            json.put("scheduled", scheduled);
            json.put("sent", sent);
        }
        json.put("gcCount", gcCount);
        json.put("gcMillis", gcMillis);
        json.put("histogram", Percentiles.encode(histogram));
        return json;
    }
}
