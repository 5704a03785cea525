package io.shmkit.bench.locks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.bench.ipc.ExclusiveGuard;
import io.shmkit.bench.report.ContentionReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contention harness in smoke mode, every lock kind with and without think time, in real
 * worker JVMs: its JSON reads back to what it measured, totals are positive, the shares add up
 * to 1, percentiles are ordered, every acquire is in the histograms, and both JVMs' increments
 * add up to the shared counter (no lost update). Never asserts a timing.
 */
class ContentionHarnessTest {

    @AfterEach
    void nothingLeft() {
        LockTestSupport.assertNothingLeft();
    }

    @Test
    void smokeRunOfEveryLockWritesConsistentJsonAndItsReport(@TempDir Path out) throws Exception {
        Path json = out.resolve("lock-contention.json");
        ContentionHarness.Settings settings = ContentionHarness.Settings.smoke();
        ContentionResults results = ContentionHarness.run(json, settings);

        assertEquals(results, ContentionReport.read(json), "the JSON file reads back to what was measured");
        assertEquals(settings.thinkSteps(), results.header().thinkSteps());
        List<String> expected = new ArrayList<>();
        for (int think : List.of(0, settings.thinkSteps())) {
            for (String lock : ContentionHarness.LOCKS) {
                expected.add(lock + "/" + think);
            }
        }
        assertEquals(expected, results.runs().stream().map(r -> r.lock() + "/" + r.thinkSteps()).toList());

        for (ContentionResults.Run run : results.runs()) {
            String what = run.lock() + " think " + run.thinkSteps();
            assertTrue(run.windowNanos() > 0 && run.counterIncrements() > 0 && run.opsPerSecond() > 0, what + ": " + run);
            assertEquals(ExclusiveGuard.needsNativeAccess(run.lock()), run.nativeAccess(), what);
            assertEquals(2, run.jvms().size(), what);
            long allOps = 0;
            long ops = 0;
            double shares = 0;
            for (ContentionResults.Jvm jvm : run.jvms()) {
                assertTrue(jvm.allOps() >= jvm.ops() && jvm.ops() >= 0, what + ": " + jvm);
                assertTrue(jvm.share() >= 0 && jvm.share() <= 1, what + ": " + jvm);
                assertEquals(jvm.ops(), jvm.acquireNanos().count(), what + ": every measured acquire is recorded");
                assertEquals(0, jvm.recoveries(), what + ": no holder died");
                if (jvm.ops() > 0) {
                    assertOrdered(jvm.acquireNanos(), what + " JVM " + jvm.name());
                }
                allOps += jvm.allOps();
                ops += jvm.ops();
                shares += jvm.share();
            }
            assertEquals(1.0, shares, 1e-9, what + ": shares");
            assertEquals(run.counterFinal(), allOps, what + ": both JVMs' increments make the shared counter");
            assertEquals(ops, run.acquireNanos().count(), what + ": the combined histogram holds both JVMs' acquires");
            assertOrdered(run.acquireNanos(), what);
        }

        String md = ContentionReport.markdown(json);
        assertTrue(md.startsWith("## "), md);
        for (String lock : ContentionHarness.LOCKS) {
            assertTrue(md.contains("| " + lock + " | none |"), lock + " has a row without think time:\n" + md);
            assertTrue(md.contains("| " + lock + " | " + settings.thinkSteps() + " steps |"), lock + " with think time:\n" + md);
        }
        assertTrue(Files.readString(json).contains("\"p99.9\""));
    }

    private static void assertOrdered(ContentionResults.Latency l, String what) {
        assertTrue(l.count() > 0, what + ": no acquire");
        assertTrue(0 <= l.p50() && l.p50() <= l.p90() && l.p90() <= l.p99() && l.p99() <= l.p999() && l.p999() <= l.max(),
                what + ": percentiles out of order: " + l);
    }
}
