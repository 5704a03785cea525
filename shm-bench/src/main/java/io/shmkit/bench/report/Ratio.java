package io.shmkit.bench.report;

import java.util.Locale;

/**
 * A ratio of two scores with a confidence interval, and the verdict of a target on it.
 *
 * <p>From rounds ({@link #paired}): each round ran both benchmarks once, close in time, so the
 * two are paired by round; the interval is the 95% t-interval of the mean of the logarithms
 * of the per-round ratios, exponentiated. Working on logarithms treats a ratio and its inverse
 * alike and keeps the interval positive. From one run ({@link #fromErrors}): the delta method
 * on the two scores' JMH errors (99.9% half-widths), which assumes the two are independent;
 * marked as such, since one fork is too few for a verdict a skeptic would accept.
 *
 * @param point  the ratio of the means (rounds: the geometric mean of the per-round ratios)
 * @param lower  lower bound
 * @param upper  upper bound
 * @param rounds how many paired rounds, or 1 for a single run
 * @param how    how the interval was computed, for the report
 */
public record Ratio(double point, double lower, double upper, int rounds, String how) {
    /** Two-sided 97.5% quantiles of Student's t for 1 to 30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
            2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
            2.048, 2.045, 2.042};

    /** What a target's verdict can be. */
    public enum Verdict {
        MET, MISSED, INCONCLUSIVE;

        @Override
        public String toString() {
            return switch (this) {
                case MET -> "met";
                case MISSED -> "**missed**";
                case INCONCLUSIVE -> "inconclusive";
            };
        }
    }

    /** Not measured in this run. */
    public static final Ratio ABSENT = new Ratio(Double.NaN, Double.NaN, Double.NaN, 0, "not in this run");

    /**
     * The ratio {@code numerator[k] / denominator[k]} over rounds k, with its 95% interval.
     *
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public static Ratio paired(double[] numerator, double[] denominator) {
        if (numerator.length != denominator.length) {
            throw new IllegalArgumentException("rounds differ: " + numerator.length + " vs " + denominator.length);
        }
        double[] ratios = new double[numerator.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = numerator[i] / denominator[i];
        }
        return ofRatios(ratios);
    }

    /**
     * The geometric mean of per-round ratios with its 95% interval.
     *
     * @throws IllegalArgumentException if a ratio is not positive and finite
     */
    public static Ratio ofRatios(double[] ratios) {
        int k = ratios.length;
        if (k == 0) {
            return ABSENT;
        }
        double[] logs = new double[k];
        double mean = 0;
        for (int i = 0; i < k; i++) {
            if (!(ratios[i] > 0) || Double.isInfinite(ratios[i])) {
                throw new IllegalArgumentException("a ratio must be positive and finite, not " + ratios[i]);
            }
            logs[i] = Math.log(ratios[i]);
            mean += logs[i];
        }
        mean /= k;
        if (k == 1) {
            return new Ratio(Math.exp(mean), Double.NaN, Double.NaN, 1, "one round: no interval");
        }
        double variance = 0;
        for (double l : logs) {
            variance += (l - mean) * (l - mean);
        }
        variance /= k - 1;
        double half = t975(k - 1) * Math.sqrt(variance / k);
        return new Ratio(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), k,
                k + " paired rounds, 95% t-interval on log ratios");
    }

    /** {@code a / b} from one run's scores and JMH errors (99.9% half-widths), by the delta method. */
    public static Ratio fromErrors(double a, double errorA, double b, double errorB) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return ABSENT;
        }
        double ratio = a / b;
        if (Double.isNaN(errorA) || Double.isNaN(errorB)) {
            return new Ratio(ratio, Double.NaN, Double.NaN, 1, "one run without errors: no interval");
        }
        double relative = Math.sqrt(Math.pow(errorA / a, 2) + Math.pow(errorB / b, 2));
        return new Ratio(ratio, ratio * Math.max(0, 1 - relative), ratio * (1 + relative), 1,
                "one run: delta method on JMH's 99.9% errors");
    }

    /**
     * The 97.5% quantile of Student's t with {@code df} degrees of freedom: the table up to 30,
     * then the Cornish-Fisher expansion around the normal quantile (error below 10^-3).
     */
    public static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959964;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    /**
     * Met only when the lower bound reaches the goal, missed when the upper bound does not;
     * inconclusive without paired rounds (one fork's errors are too weak for a verdict).
     */
    public Verdict against(double goal) {
        if (rounds < 2 || Double.isNaN(lower) || Double.isNaN(upper)) {
            return Verdict.INCONCLUSIVE;
        }
        if (lower >= goal) {
            return Verdict.MET;
        }
        return upper < goal ? Verdict.MISSED : Verdict.INCONCLUSIVE;
    }

    /** How far below its goal a "no cost" ratio may be shown to lie and still count as no cost: 5%. */
    public static final double NO_COST_MARGIN = 0.05;

    /**
     * For a target that the ratio must not fall short of ("no cost"), as a non-inferiority test
     * with a {@value #NO_COST_MARGIN} margin: met when the interval's lower bound reaches
     * {@code goal × (1 - margin)} (any cost is shown to be under 5%), missed when its upper bound
     * stays below it (a cost of more than 5% is shown), inconclusive otherwise, and without paired
     * rounds, as {@link #against}. A wide interval that merely includes the goal is not enough:
     * that would reward noise.
     */
    public Verdict reaches(double goal) {
        if (rounds < 2 || Double.isNaN(lower) || Double.isNaN(upper)) {
            return Verdict.INCONCLUSIVE;
        }
        double floor = goal * (1 - NO_COST_MARGIN);
        if (lower >= floor) {
            return Verdict.MET;
        }
        return upper < floor ? Verdict.MISSED : Verdict.INCONCLUSIVE;
    }

    /** E.g. {@code 13.9× (9.7–19.8)}. */
    public String text() {
        if (Double.isNaN(point)) {
            return "not in this run";
        }
        String p = String.format(Locale.ROOT, "%.2f×", point);
        return Double.isNaN(lower) ? p : p + String.format(Locale.ROOT, " (%.2f–%.2f)", lower, upper);
    }
}
