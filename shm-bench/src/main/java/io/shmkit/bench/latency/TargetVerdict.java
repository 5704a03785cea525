package io.shmkit.bench.latency;

import io.shmkit.bench.report.Ratio;
import java.util.List;
import java.util.Locale;

/**
 * A target checked against an interval, not a point estimate. The ratio is oriented so that
 * higher is better for shmkit and the goal is a lower bound: "shmkit's p50 ≤ the rival's"
 * becomes "rival p50 ÷ shmkit p50 ≥ 1".
 *
 * <p>From n paired per-round ratios r<sub>i</sub>: with l<sub>i</sub> = ln r<sub>i</sub>, mean
 * m and sample standard deviation s, the point estimate is e<sup>m</sup> (the geometric mean of
 * the ratios) and the 95% interval e<sup>m ± t·s/√n</sup>, t the 97.5% quantile of Student's t
 * with n − 1 degrees of freedom. Logs, because a ratio's errors are multiplicative (2× and ½×
 * are equally far from 1) and the interval of a ratio must stay positive.
 *
 * @param description what the target says, e.g. "ping-pong p50: shmkit ≤ Agrona mailbox"
 * @param goal        the ratio the target needs, e.g. 1
 * @param roundRatios the paired per-round ratios the interval is computed from
 * @param ratio       the point estimate (NaN without ratios)
 * @param lower       the interval's lower bound (NaN with fewer than 2 ratios)
 * @param upper       its upper bound (NaN with fewer than 2 ratios)
 * @param verdict     {@code MET} when {@code lower ≥ goal}, {@code MISSED} when
 *                    {@code upper < goal}, {@code INCONCLUSIVE} otherwise or without an interval
 */
public record TargetVerdict(String description, double goal, List<Double> roundRatios, double ratio, double lower,
                            double upper, Verdict verdict) {
    public enum Verdict {
        MET, MISSED, INCONCLUSIVE;

        /** Lower-case, as the report prints it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TargetVerdict {
        roundRatios = List.copyOf(roundRatios);
    }

    /** The verdict from paired per-round ratios (rival ÷ shmkit: higher is better for shmkit); the arithmetic is {@link Ratio}'s. */
    public static TargetVerdict fromRatios(String description, double goal, List<Double> ratios) {
        Ratio r;
        try {
            r = Ratio.ofRatios(ratios.stream().mapToDouble(Double::doubleValue).toArray());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(description + ": " + e.getMessage(), e);
        }
        Verdict verdict = switch (r.against(goal)) {
            case MET -> Verdict.MET;
            case MISSED -> Verdict.MISSED;
            case INCONCLUSIVE -> Verdict.INCONCLUSIVE;
        };
        return new TargetVerdict(description, goal, ratios, r.point(), r.lower(), r.upper(), verdict);
    }

    /** The 97.5% quantile of Student's t with {@code df} degrees of freedom. */
    static double t975(int df) {
        return Ratio.t975(df);
    }

    /** "1.23× (1.10–1.38)", or what is missing. */
    public String interval() {
        if (Double.isNaN(ratio)) {
            return "not measured";
        }
        if (Double.isNaN(lower)) {
            return String.format(Locale.ROOT, "%.2f× (no interval from %d round)", ratio, roundRatios.size());
        }
        return String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", ratio, lower, upper);
    }
}
