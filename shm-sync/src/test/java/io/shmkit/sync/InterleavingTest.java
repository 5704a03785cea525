package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
            while (!child.staticBoolean(InterleavingChild.class.getName(), "secondDone") && !child.isBlockedOnMonitor("second")) {
                assertTrue(System.nanoTime() < deadline, "the second release never ran:\n" + child.output());
                Thread.sleep(5);
            }
            Thread.sleep(200);
            child.release(first);
            int code = child.join(TIMEOUT);
            assertEquals(0, code, child::output);
        }
    }

    /** A pid that no process has: a dead holder. */
    private static long deadPid() throws Exception {
        long pidMax;
        try (var in = new java.io.FileInputStream("/proc/sys/kernel/pid_max")) { // procfs: read sequentially
            pidMax = Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
        }
        long pid = pidMax - 1;
        while (java.nio.file.Files.exists(java.nio.file.Path.of("/proc", Long.toString(pid)))) {
            pid--;
        }
        return pid;
    }

    /** Issue 10, defect 4: a reader that backs off takes its hold from exactly the slot it added it to. */
    @Test
    void aReaderStoppedBetweenItsAddAndItsRecheckBacksOffFromItsOwnSlot() throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(dir, "rw");
             Debugged child = new Debugged(InterleavingChild.class, List.of(dir.path().toString(), "rw-backoff"),
                     "io.shmkit.sync.OwnerWord", "ownerKey", "reader", 2)) {
            long childPid = child.pid();
            int home = ProcessSlots.homeOf(childPid, LockDescriptor.SLOT_COUNT);
            long homeAt = LockDescriptor.SLOTS_OFFSET + 8L * home;
            // the child's home slot is taken by another live process (this one), so its hold goes elsewhere
            LockTestSupport.forge(rw, homeAt, Owners.SELF_SLOT | 1);
            child.awaitClass(InterleavingChild.class.getName(), TIMEOUT);
            child.setStaticBoolean(InterleavingChild.class.getName(), "go", true);
            ThreadReference reader = child.awaitPaused(TIMEOUT);
            long childSlot = Owners.slotIdentity(childPid, (int) io.shmkit.core.ProcessLiveness.startTicks(childPid));
            long addedAt = -1;
            for (int i = 0; i < LockDescriptor.SLOT_COUNT; i++) {
                long at = LockDescriptor.SLOTS_OFFSET + 8L * i;
                if ((long) LockWords.LONG.getVolatile(rw.words.segment, at) == (childSlot | 1)) {
                    addedAt = at;
                }
            }
            assertTrue(addedAt >= 0 && addedAt != homeAt, "the reader's hold is not where the replay needs it:\n" + child.output());
            // meanwhile another thread of the child (its hold in the home slot) reads, and a writer claims the lock
            LockTestSupport.forge(rw, homeAt, childSlot | 1);
            LockTestSupport.forge(rw, LockDescriptor.OWNER_OFFSET, Owners.SELF_KEY);
            child.release(reader);
            assertEquals(0, child.join(TIMEOUT), child::output);
            assertTrue(child.output().contains("READ TRYLOCK=false"), child::output);
            assertEquals(childSlot | 1, (long) LockWords.LONG.getVolatile(rw.words.segment, homeAt),
                    "the backing-off reader took the other reader's hold: a writer that scanned past its slot would miss it");
            assertEquals(0L, (long) LockWords.LONG.getVolatile(rw.words.segment, addedAt));
            LockTestSupport.forge(rw, homeAt, 0);
            LockTestSupport.forge(rw, LockDescriptor.OWNER_OFFSET, 0);
        }
    }

    /** Issue 10, defect 8: a reclaimer killed while freeing a dead holder's permits leaves the lock inconsistent. */
    @Test
    void aReclaimerKilledWhileRecordingTheDeathLeavesTheSemaphoreInconsistent() throws Exception {
        try (SharedSemaphore semaphore = SharedSemaphore.create(dir, "s", 1)) {
            LockTestSupport.forge(semaphore, LockDescriptor.SLOTS_OFFSET + 8 * 5, Owners.slotIdentity(deadPid(), 77) | 1);
            try (Debugged child = new Debugged(InterleavingChild.class, List.of(dir.path().toString(), "sem-reclaim"),
                    "io.shmkit.sync.OwnerWord", "recordRecovery", "main")) {
                child.awaitPaused(TIMEOUT);
                child.kill();
            }
            assertFalse(semaphore.isConsistent(), "the reclaimer died and the death of the permit's holder was lost");
        }
    }

    /**
     * Issue 10, defect 1 (its review): a taker killed at each step of a take-over of a seqlock
     * whose writer died mid-write: the next taker must still be told the data is inconsistent.
     */
    @Test
    void aTakerKilledAtAnyStepOfTheTakeOverLeavesTheDataMarkedInconsistent() throws Exception {
        int killed = 0;
        for (String step : List.of("setFlagsAtomically", "recordRecovery", "enter", "report")) {
            try (SharedSeqLock seq = SharedSeqLock.create(dir, "seq")) {
                LockTestSupport.forge(seq, LockDescriptor.OWNER_OFFSET, Owners.ownerKey(deadPid(), 77));
                LockTestSupport.forgeInt(seq, LockDescriptor.FLAGS_OFFSET, LockDescriptor.FLAG_ACTIVE);
                LockTestSupport.forge(seq, LockDescriptor.SEQUENCE_OFFSET, 3);
                try (Debugged child = new Debugged(InterleavingChild.class, List.of(dir.path().toString(), "seq-takeover"),
                        "io.shmkit.sync.OwnerWord", step, "main")) {
                    try {
                        child.awaitPaused(TIMEOUT);
                    } catch (java.util.concurrent.ExecutionException notOnThePath) {
                        continue; // this version of the take-over does not call it
                    }
                    child.kill();
                    killed++;
                }
                SharedSeqLock next = seq.withOptions(LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ZERO)
                        .withRecoveryListener(r -> { }));
                next.writeLock();
                boolean consistent = next.isConsistent();
                next.unlockWrite();
                assertFalse(consistent, "killed at " + step + ": the writer's death mid-write was forgotten");
                assertThrows(OwnerDiedException.class, () -> next.read(() -> 1));
            } finally {
                dir.unlink("seq");
            }
        }
        assertTrue(killed >= 2, "the take-over reached too few of its steps: " + killed);
    }
}
