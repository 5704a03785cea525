package io.shmkit.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.latency.TargetVerdict.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's arithmetic on hand-made results with known numbers: paired per-round ratios,
 * the t-interval on their logarithms, met / missed / inconclusive; and the small pieces the
 * harness computes from (skip rule, steal, topology, JSON).
 */
class LatencyReportTest {
    private static final double SHMKIT_P50 = 1000;

    /**
     * log(ratio) per round 0.1 … 0.5: mean 0.3, sd √0.025, n 5, t(4) 2.776, so the interval is
     * exp(0.3 ± 2.776·0.158114/√5) = exp(0.3 ± 0.196292) = 1.10928 … 1.64262 around 1.34986.
     */
    @Test
    void ratioIntervalIsATIntervalOnTheLogsOfThePerRoundRatios(@TempDir Path dir) throws Exception {
        Path json = write(dir, logs(0.1, 0.2, 0.3, 0.4, 0.5), logs(-0.1, -0.2, -0.3, -0.4, -0.5));
        List<TargetVerdict> targets = LatencyReport.targets(json);
        assertEquals(2, targets.size());

        TargetVerdict mailbox = targets.get(0);
        assertEquals("ping-pong p50: shmkit ≤ Agrona mailbox (closed loop)", mailbox.description());
        assertEquals(5, mailbox.roundRatios().size());
        assertEquals(Math.exp(0.1), mailbox.roundRatios().getFirst(), 1e-9, "rival ÷ shmkit, round 1");
        assertEquals(Math.exp(0.3), mailbox.ratio(), 1e-9);
        assertEquals(Math.exp(0.3 - 0.196292), mailbox.lower(), 1e-5);
        assertEquals(Math.exp(0.3 + 0.196292), mailbox.upper(), 1e-5);
        assertEquals(1.0, mailbox.goal());
        assertEquals(Verdict.MET, mailbox.verdict(), "the lower bound 1.109 reaches the goal 1");

        TargetVerdict ring = targets.get(1);
        assertEquals("ping-pong p50: shmkit ≤ Agrona ring-buffer pair (closed loop)", ring.description());
        assertEquals(Math.exp(-0.3), ring.ratio(), 1e-9);
        assertEquals(Math.exp(-0.3 + 0.196292), ring.upper(), 1e-5);
        assertEquals(Verdict.MISSED, ring.verdict(), "the upper bound 0.90 stays below the goal 1");

        String md = LatencyReport.markdown(json);
        assertTrue(md.contains("| ping-pong p50: shmkit ≤ Agrona mailbox (closed loop) | 1.11, 1.22, 1.35, 1.49, 1.65 | 1.35× (1.11–1.64) | ≥ 1.00× | met |"), md);
        assertTrue(md.contains("| ping-pong p50: shmkit ≤ Agrona ring-buffer pair (closed loop) | 0.90, 0.82, 0.74, 0.67, 0.61 | 0.74× (0.61–0.90) | ≥ 1.00× | **missed** |"), md);
        assertTrue(md.contains("Student-t interval on their logarithms"), "the report states the method");
    }

    @Test
    void anIntervalAcrossTheGoalIsInconclusive() {
        TargetVerdict t = TargetVerdict.fromRatios("x", 1.0, ratios(-0.2, 0.2, -0.1, 0.1, 0.0));
        assertEquals(1.0, t.ratio(), 1e-12);
        assertTrue(t.lower() < 1 && t.upper() > 1, t.interval());
        assertEquals(Verdict.INCONCLUSIVE, t.verdict());
    }

    @Test
    void theVerdictComparesTheBoundsNotThePointEstimate() {
        // a point estimate of 1.05 whose interval still reaches below 1: not "met"
        TargetVerdict wide = TargetVerdict.fromRatios("x", 1.0, List.of(0.9, 1.2, 1.05));
        assertTrue(wide.ratio() > 1);
        assertEquals(Verdict.INCONCLUSIVE, wide.verdict());
        // identical ratios: a zero-width interval at the ratio, on the goal exactly counts as met
        TargetVerdict exact = TargetVerdict.fromRatios("x", 1.0, List.of(1.0, 1.0, 1.0));
        assertEquals(1.0, exact.lower(), 1e-12);
        assertEquals(Verdict.MET, exact.verdict());
    }

    @Test
    void fewerThanTwoRoundsGiveNoInterval() {
        TargetVerdict one = TargetVerdict.fromRatios("x", 1.0, List.of(3.0));
        assertEquals(3.0, one.ratio(), 1e-12);
        assertTrue(Double.isNaN(one.lower()) && Double.isNaN(one.upper()));
        assertEquals(Verdict.INCONCLUSIVE, one.verdict(), "even at 3×: one round proves nothing");
        TargetVerdict none = TargetVerdict.fromRatios("x", 1.0, List.of());
        assertTrue(Double.isNaN(none.ratio()));
        assertEquals(Verdict.INCONCLUSIVE, none.verdict());
        assertEquals("not measured", none.interval());
        assertThrows(IllegalArgumentException.class, () -> TargetVerdict.fromRatios("x", 1.0, List.of(1.0, 0.0)));
    }

    @Test
    void ratiosArePairedByRoundOverTheRoundsBothRan(@TempDir Path dir) throws Exception {
        List<Double> mailbox = logs(0.1, 0.2, 0.3, 0.4, 0.5);
        mailbox.set(2, null); // round 3 of the mailbox has no p50
        Path json = write(dir, mailbox, logs(0, 0, 0, 0, 0));
        TargetVerdict t = LatencyReport.targets(json).getFirst();
        double[] expected = {0.1, 0.2, 0.4, 0.5};
        assertEquals(expected.length, t.roundRatios().size(), t.roundRatios().toString());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Math.exp(expected[i]), t.roundRatios().get(i), 1e-9);
        }
        assertEquals(Math.exp(0.3), t.ratio(), 1e-9);
        assertTrue(LatencyReport.markdown(json).contains("| 1,105, 1,221, skipped, 1,492, 1,649 |"),
                "the per-round p50s show the missing round");
    }

    @Test
    void skippedRatesAreListedWithTheirReason(@TempDir Path dir) throws Exception {
        String md = LatencyReport.markdown(write(dir, logs(0, 0, 0, 0, 0), logs(0, 0, 0, 0, 0)));
        assertTrue(md.contains("### Open loop at 50,000 messages/s"), md);
        assertTrue(md.contains("| `agronaRingBuffers` | skipped in every round |"), md);
        assertTrue(md.contains("- `agronaRingBuffers`, round 2: cannot sustain 50,000/s (hand-made)"), md);
    }

    @Test
    void studentTQuantiles() {
        assertEquals(12.706, TargetVerdict.t975(1), 1e-9);
        assertEquals(2.776, TargetVerdict.t975(4), 1e-9);
        assertEquals(2.042, TargetVerdict.t975(30), 1e-9);
        assertEquals(2.0395, TargetVerdict.t975(31), 1e-3);
        assertEquals(2.0086, TargetVerdict.t975(50), 1e-3);
        assertEquals(1.9623, TargetVerdict.t975(1000), 1e-3);
    }

    @Test
    void aRateIsSkippedOnlyAboveTheUtilizationLimit() {
        assertNull(LatencyFork.skipReason(10_000, 50_000, 0.9), "10 µs at 50,000/s is 50% busy");
        String reason = LatencyFork.skipReason(25_000, 50_000, 0.9);
        assertNotNull(reason, "25 µs at 50,000/s would be 125% busy");
        assertTrue(reason.contains("50,000/s") && reason.contains("125%"), reason);
        assertNull(LatencyFork.skipReason(1e9, 1_000_000, Double.POSITIVE_INFINITY), "smoke never skips");
    }

    @Test
    void stealIsAShareOfAllCpuTime() {
        CpuTimes a = CpuTimes.parse("cpu  367499 0 46170 286675 480 0 181 3905 0 0");
        assertEquals(3905, a.steal());
        assertEquals(367499 + 46170 + 286675 + 480 + 181 + 3905, a.total());
        CpuTimes b = new CpuTimes(a.steal() + 5, a.total() + 200);
        assertEquals(2.5, CpuTimes.stealPercent(a, b), 1e-12);
        assertTrue(Double.isNaN(CpuTimes.stealPercent(a, a)), "no tick elapsed");
        assertTrue(Double.isNaN(CpuTimes.stealPercent(null, b)), "not Linux");
        assertNull(CpuTimes.parse("cpu  1 2 3 4 5 6 7"), "no steal column");
    }

    @Test
    void hyperthreadSiblingsFromLscpuOrSysfs() {
        assertEquals(Boolean.TRUE, MachineInfo.hyperthreadSiblings(2, List.of()));
        assertEquals(Boolean.TRUE, MachineInfo.hyperthreadSiblings(null, List.of("0-1", "0-1")));
        assertEquals(Boolean.TRUE, MachineInfo.hyperthreadSiblings(null, List.of("0,2", "1,3", "0,2", "1,3")));
        assertEquals(Boolean.FALSE, MachineInfo.hyperthreadSiblings(1, List.of("0", "1")));
        assertNull(MachineInfo.hyperthreadSiblings(null, List.of()));
        Map<String, String> lscpu = MachineInfo.parseLscpu("Model name:   AMD EPYC\nThread(s) per core:  2\nFlags: a b:c\n");
        assertEquals("AMD EPYC", lscpu.get("Model name"));
        assertEquals("2", lscpu.get("Thread(s) per core"));
        assertEquals("a b:c", lscpu.get("Flags"));
        assertTrue(MachineInfo.describe(2, 2, 1, "KVM", true).contains("hyperthread siblings of one core"));
    }

    @Test
    void jsonRoundTripsAndHistogramsSurviveEncoding() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "a \"quoted\"\nline ≤");
        value.put("n", 12345678901L);
        value.put("d", 0.1234567);
        value.put("nan", Double.NaN);
        value.put("list", List.of(1, 2.5, "x"));
        value.put("nested", List.of(Map.of("k", true)));
        Map<?, ?> back = (Map<?, ?>) JsonText.parse(JsonText.write(value));
        assertEquals("a \"quoted\"\nline ≤", back.get("s"));
        assertEquals(12345678901.0, back.get("n"));
        assertEquals(0.1234567, back.get("d"));
        assertNull(back.get("nan"), "JSON has no NaN");
        assertTrue(back.containsKey("nan"));
        assertEquals(List.of(1.0, 2.5, "x"), back.get("list"));
        assertEquals(List.of(Map.of("k", true)), back.get("nested"));

        Histogram h = Percentiles.newHistogram();
        for (long v = 1; v <= 10_000; v++) {
            h.recordValue(v * 100);
        }
        Histogram decoded = Percentiles.decode(Percentiles.encode(h));
        assertEquals(Percentiles.of(h), Percentiles.of(decoded));
        assertFalse(Percentiles.encode(h).contains(" "), "one token of the fork's result line");
    }

    // ---------------------------------------------------------------- hand-made results

    private static List<Double> logs(double... logRatios) {
        List<Double> list = new ArrayList<>();
        for (double l : logRatios) {
            list.add(l);
        }
        return list;
    }

    private static List<Double> ratios(double... logRatios) {
        return logs(logRatios).stream().map(Math::exp).toList();
    }

    /**
     * A result file of five rounds with shmkit's closed-loop p50 at 1000 ns in every round and
     * each rival's at 1000·e^log (null: that round was skipped).
     */
    private static Path write(Path dir, List<Double> mailboxLogs, List<Double> ringLogs) throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", LatencyHarness.FORMAT);
        root.put("elapsedSeconds", 1.0);
        root.put("machine", Map.of("modelName", "test CPU", "topology", "2 test cores", "nanoTimeCostNs", 20.0,
                "stealPercent", 0.5));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("rounds", 5);
        settings.put("transports", List.of("shmkit", "agronaMailbox", "agronaRingBuffers"));
        settings.put("warmupRoundTrips", 1000);
        settings.put("warmupMillis", 100);
        settings.put("closedMillis", 100);
        settings.put("openMillis", 100);
        settings.put("ratesPerSecond", List.of(50_000));
        settings.put("maxUtilization", 0.9);
        settings.put("histogram", Map.of("significantDigits", 3));
        root.put("settings", settings);
        root.put("runs", List.of());
        root.put("series", List.of(series("shmkit", logs(0, 0, 0, 0, 0)), series("agronaMailbox", mailboxLogs),
                series("agronaRingBuffers", ringLogs), skippedOpenLoop("agronaRingBuffers", 50_000)));
        Path json = dir.resolve("hand-made.json");
        Files.writeString(json, JsonText.write(root));
        return json;
    }

    private static Map<String, Object> skippedOpenLoop(String transport, long rate) {
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            rounds.add(Map.of("round", i, "status", "skipped", "reason", "cannot sustain " + String.format(Locale.ROOT, "%,d", rate)
                    + "/s (hand-made)"));
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("transport", transport);
        s.put("mode", "open");
        s.put("ratePerSecond", rate);
        s.put("rounds", rounds);
        s.put("merged", null);
        return s;
    }

    private static Map<String, Object> series(String transport, List<Double> logRatios) {
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (int i = 0; i < logRatios.size(); i++) {
            Map<String, Object> round = new LinkedHashMap<>();
            round.put("round", i + 1);
            if (logRatios.get(i) == null) {
                round.put("status", "skipped");
                round.put("reason", "hand-made");
            } else {
                double p50 = SHMKIT_P50 * Math.exp(logRatios.get(i));
                round.put("status", "ok");
                round.putAll(new Percentiles(1000, p50, 2 * p50, 3 * p50, 4 * p50, 5 * p50, 6 * p50, p50).toJson());
                round.put("stealPercent", 0.1);
            }
            rounds.add(round);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("transport", transport);
        s.put("mode", "closed");
        s.put("ratePerSecond", 0);
        s.put("rounds", rounds);
        s.put("merged", new Percentiles(5000, SHMKIT_P50, 2000, 3000, 4000, 5000, 6000, 1000).toJson());
        return s;
    }
}
