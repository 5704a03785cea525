package io.shmkit.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.PingPongClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's smoke mode, as the test suite runs it: every transport, each in its own client
 * JVM with its real echo peer JVM, closed loop and every open-loop rate, 0.3 s each. Asserts
 * that each produced counts and ordered percentiles, that the JSON holds the machine, the
 * per-round and merged results, and that the report renders from it; and that nothing was left
 * behind: no file in the shared-memory directory, no peer or fork JVM. Never asserts a timing.
 *
 * <p>Other benchmarks may run on the machine at the same time, so a file counts as left behind
 * only if it is new and the process whose pid its name carries ({@link BenchNames}) is gone:
 * a live process's file is never this run's leftover, and is never touched.
 */
public class LatencyHarnessSmokeTest {

    @Test
    void everyTransportRunsEveryModeAndTheJsonHoldsOrderedPercentiles(@TempDir Path out) throws Exception {
        Set<String> before = benchFiles();
        LatencySettings smoke = LatencySettings.smokeSettings();
        Path json;
        try {
            json = LatencyHarness.run(smoke, out.resolve("latency.json"));
        } finally {
            removeNew(before);
        }

        Map<String, Object> root = LatencyReport.read(json);
        Map<?, ?> machine = (Map<?, ?>) root.get("machine");
        for (String key : List.of("modelName", "cpus", "threadsPerCore", "coresPerSocket", "cpusAreHyperthreadSiblings",
                "topology", "jdk", "nanoTimeCostNs", "stealPercent")) {
            assertTrue(machine.containsKey(key), "machine." + key + " is recorded: " + machine);
        }
        assertEquals(PingPongClient.TRANSPORTS.length, ((List<?>) root.get("runs")).size(), "one run per transport");

        List<?> series = (List<?>) root.get("series");
        assertEquals(PingPongClient.TRANSPORTS.length * (1 + smoke.rates().size()), series.size(), "transport × mode");
        for (String transport : PingPongClient.TRANSPORTS) {
            List<Long> rates = new ArrayList<>();
            rates.add(0L);
            rates.addAll(smoke.rates());
            for (long rate : rates) {
                Map<?, ?> s = series.stream().map(Map.class::cast)
                        .filter(m -> transport.equals(m.get("transport")) && ((Number) m.get("ratePerSecond")).longValue() == rate)
                        .findFirst().orElseThrow(() -> new AssertionError("no series for " + transport + " at " + rate));
                String what = transport + (rate == 0 ? " closed loop" : " open loop at " + rate + "/s");
                assertEquals(rate == 0 ? "closed" : "open", s.get("mode"), what);
                List<?> rounds = (List<?>) s.get("rounds");
                assertEquals(1, rounds.size(), what + ": one round");
                Map<?, ?> round = (Map<?, ?>) rounds.getFirst();
                assertEquals("ok", round.get("status"), what + " ran (smoke never skips): " + round);
                assertOrdered(what + ", round 1", round);
                assertInstanceOf(String.class, round.get("histogram"), what + " keeps its histogram");
                if (rate > 0) {
                    assertTrue(((Number) round.get("sent")).longValue() > 0, what + " sent messages");
                }
                Map<?, ?> merged = (Map<?, ?>) s.get("merged");
                assertNotNull(merged, what + " has a merged histogram");
                assertOrdered(what + ", merged", merged);
                assertEquals(((Number) round.get("count")).longValue(), ((Number) merged.get("count")).longValue(),
                        what + ": one round merged is that round");
            }
        }

        String md = LatencyReport.markdown(json);
        assertTrue(md.contains("### Closed loop") && md.contains("### Open loop at 10,000 messages/s"), md);
        for (String transport : PingPongClient.TRANSPORTS) {
            assertTrue(md.contains("| `" + transport + "` |"), "the report has a row for " + transport);
        }
        List<TargetVerdict> targets = LatencyReport.targets(json);
        assertEquals(5, targets.size(), "two ping-pong targets, three messaging round-trip targets: " + targets);
        for (TargetVerdict t : targets) {
            assertEquals(1, t.roundRatios().size(), t.description() + ": one round, one ratio");
            assertEquals(TargetVerdict.Verdict.INCONCLUSIVE, t.verdict(), t.description() + ": one round gives no interval");
        }

        assertEquals(Set.of(), orphans(before), "the harness left files in " + BenchNames.shm().path());
        List<String> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains("io.shmkit.bench.ipc.PeerMain") || c.contains("io.shmkit.bench.latency.LatencyFork"))
                .toList();
        assertEquals(List.of(), left, "peer or fork JVMs outlived the harness");
    }

    static void assertOrdered(String what, Map<?, ?> entry) {
        assertTrue(((Number) entry.get("count")).longValue() > 0, what + ": count > 0");
        double previous = 0;
        for (String key : Percentiles.KEYS) {
            double v = ((Number) entry.get(key)).doubleValue();
            assertTrue(v > 0, what + ": " + key + " = " + v + " is positive");
            assertTrue(v >= previous, what + ": " + key + " = " + v + " is not below the previous percentile " + previous);
            previous = v;
        }
    }

    static void removeNew(Set<String> before) throws IOException {
        for (String name : orphans(before)) {
            System.err.println("removing a leftover of the latency smoke run: " + name);
            Files.deleteIfExists(BenchNames.shm().path().resolve(name));
        }
    }

    /** The benchmark files not in {@code before} whose making process has exited. */
    public static Set<String> orphans(Set<String> before) throws IOException {
        Set<String> orphans = new TreeSet<>();
        for (String name : benchFiles()) {
            if (!before.contains(name) && !makerAlive(name)) {
                orphans.add(name);
            }
        }
        return orphans;
    }

    /** Whether the process whose pid follows {@link BenchNames#PREFIX} in {@code name} still runs. */
    private static boolean makerAlive(String name) {
        String rest = name.substring(BenchNames.PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not named by BenchNames: not ours to judge
        }
    }

    public static Set<String> benchFiles() throws IOException {
        try (Stream<Path> files = Files.list(BenchNames.shm().path())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(BenchNames.PREFIX))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
