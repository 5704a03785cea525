package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jdi.ThreadReference;
import io.shmkit.core.SegmentTestSupport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Interleavings whose windows are nanoseconds wide, replayed exactly: a child JVM runs under
 * a debugger that stops one thread at a method entry while another thread does its worst
 * ({@link Debugged}). Each test first proves from the child's stacks or state that the other
 * thread really ran during the stop.
 */
class InterleavingTest extends SegmentTestSupport {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Issue 10, defect 1: a take-over must not let in a thread whose id equals the dead holder's. */
    @Test
    void aTakeOverStoppedRightAfterItsCasLetsNoOtherThreadOfItsProcessIn() throws Exception {
        try (Debugged child = new Debugged(InterleavingChild.class, List.of(dir.path().toString(), "takeover"),
                "io.shmkit.sync.OwnerWord", "takeOver", "main")) {
            ThreadReference taker = child.awaitPaused(TIMEOUT);
            // the precondition: the second thread is in the lock's wait loop, or already got in
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!child.isIn("second", "acquireSlow") && !child.staticBoolean(InterleavingChild.class.getName(), "secondEntered")) {
                assertTrue(System.nanoTime() < deadline, "the second thread never reached the lock:\n" + child.output());
                Thread.sleep(5);
            }
            Thread.sleep(200); // it polls the lock words all this time, millions of times
            child.release(taker);
            int code = child.join(TIMEOUT);
            assertEquals(0, code, child::output);
            assertTrue(child.output().contains("EXCLUSIVE"), child::output);
        }
    }

    /** Issue 10, defect 9: two threads over-releasing together must not give back permits and then throw. */
    @Test
    void aReleaseStoppedAfterItsCheckIsNotOvertakenByAnother() throws Exception {
        try (Debugged child = new Debugged(InterleavingChild.class, List.of(dir.path().toString(), "over-release"),
                "io.shmkit.sync.ProcessSlots", "remove", "first")) {
            ThreadReference first = child.awaitPaused(TIMEOUT);
            child.setStaticBoolean(InterleavingChild.class.getName(), "go", true);
            // the precondition: the second release has finished, or is blocked behind the first
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!child.staticBoolean(InterleavingChild.class.getName(), "secondDone") && !child.isIn("second", "release")) {
                assertTrue(System.nanoTime() < deadline, "the second release never ran:\n" + child.output());
                Thread.sleep(5);
            }
            Thread.sleep(200);
            child.release(first);
            int code = child.join(TIMEOUT);
            assertEquals(0, code, child::output);
        }
    }
}
