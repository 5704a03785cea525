package io.shmkit.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.WakeConsumer;
import io.shmkit.bench.report.Targets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wake harness's smoke mode, as the test suite runs it: every strategy in its own producer
 * and consumer JVMs, a few wake-ups and a short idle window. Asserts that each produced ordered
 * percentiles, a state for every send and an idle window; that the kernel waiters were seen
 * asleep in a shared {@code FUTEX_WAIT} with their wake word set (so the forks really had kernel
 * waits: without native access they would poll) and the others never; that the report renders;
 * and that nothing was left behind. Never asserts a timing.
 */
class WakeHarnessSmokeTest {

    @Test
    void everyStrategyIsWokenAndIdlesAndTheReportRendersFromTheJson(@TempDir Path out) throws Exception {
        Set<String> before = LatencyHarnessSmokeTest.benchFiles();
        WakeSettings smoke = WakeSettings.smokeSettings();
        Path json;
        try {
            json = WakeHarness.run(smoke, out.resolve("wake.json"));
        } finally {
            LatencyHarnessSmokeTest.removeNew(before);
        }

        Map<String, Object> root = WakeReport.read(json);
        Map<?, ?> machine = (Map<?, ?>) root.get("machine");
        for (String key : List.of("modelName", "topology", "jdk", "stealPercent")) {
            assertTrue(machine.containsKey(key), "machine." + key + " is recorded: " + machine);
        }
        assertEquals(WakeConsumer.STRATEGIES.size(), ((List<?>) root.get("runs")).size(), "one run per strategy");
        List<?> series = (List<?>) root.get("series");
        assertEquals(WakeConsumer.STRATEGIES, series.stream().map(s -> ((Map<?, ?>) s).get("strategy")).toList());
        for (Object o : series) {
            Map<?, ?> s = (Map<?, ?>) o;
            String strategy = (String) s.get("strategy");
            Map<?, ?> merged = (Map<?, ?>) s.get("merged");
            assertEquals(smoke.samples(), ((Number) merged.get("count")).longValue(), strategy + ": every wake-up recorded");
            LatencyHarnessSmokeTest.assertOrdered(strategy, merged);
            Map<?, ?> states = (Map<?, ?>) merged.get("states");
            long seen = states.values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
            assertEquals(smoke.samples(), seen, strategy + ": a state before every send: " + states);
            long asleep = ((Number) states.get("sharedFutexWait")).longValue();
            long wordSet = ((Number) merged.get("wakeWordSet")).longValue();
            if (WakeConsumer.options(strategy).kernelWaits()) {
                assertTrue(asleep > 0 && wordSet > 0, strategy + " slept in the kernel on the queue's wake word: " + states
                        + ", word set before " + wordSet + " sends");
            } else {
                assertEquals(0, asleep, strategy + " never sleeps in a shared futex: " + states);
                assertEquals(0, wordSet, strategy + " never announces a sleep");
            }
            Map<?, ?> idle = (Map<?, ?>) s.get("idle");
            assertTrue(((Number) idle.get("wallSeconds")).doubleValue() > 0, strategy + ": " + idle);
            double share = ((Number) idle.get("threadCpuPercent")).doubleValue();
            assertTrue(share >= 0 && share <= 101, strategy + ": a share of one core: " + idle);
        }

        String md = WakeReport.markdown(json);
        assertTrue(md.contains("### Wake-up latency of an asleep consumer") && md.contains("### CPU of an idle waiter"), md);
        for (String strategy : WakeConsumer.STRATEGIES) {
            assertTrue(md.contains("| `" + strategy + "` |"), "the report has rows for " + strategy + ":\n" + md);
        }
        List<Targets.Row> targets = WakeReport.targets(json);
        assertEquals(5, targets.size(), "two targets, three comparisons: " + targets);
        for (Targets.Row row : targets) {
            assertEquals(1, row.ratio().rounds(), row.what() + ": one round, one ratio");
            assertEquals(Double.isNaN(row.goal()) ? "—" : "inconclusive", row.verdict(), row.what() + ": one round gives no interval");
        }

        assertEquals(Set.of(), LatencyHarnessSmokeTest.orphans(before), "the harness left files in " + BenchNames.shm().path());
        List<String> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains("io.shmkit.bench.ipc.PeerMain") || c.contains(WakeFork.class.getName()))
                .toList();
        assertEquals(List.of(), left, "producer or consumer JVMs outlived the harness");
    }
}
