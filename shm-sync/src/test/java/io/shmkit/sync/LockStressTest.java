package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.core.SharedStruct;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Long runs, only under {@code ./mvnw -B -Pstress verify}: churner JVMs lock and unlock in a
 * loop and are SIGKILLed over and over; the lock must never wedge nor leak a hold.
 * {@code -Dshmkit.stress.rounds=N} sets the number of kills per lock kind (default 40).
 *
 * <p>The test proves its own precondition instead of hoping: a churner is killed only after
 * it has been through the lock since it started (its progress counter moved), every other kill
 * is aimed at the process the lock words name as holder, and after each kill the lock words
 * say whether the victim died holding the lock. Those kills are counted; each must have been
 * recovered. A run in which no kill landed inside the lock proves nothing, and reports itself
 * skipped rather than passed.
 */
@Tag("stress")
class LockStressTest extends SegmentTestSupport {
    private static final int CHURNERS = 3;
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(120);
    private final List<JvmProcess> children = new ArrayList<>();
    private int nextIndex;

    private record Churner(JvmProcess process, int index) {
    }

    private Churner churner(Kind kind) {
        int index = nextIndex++;
        JvmProcess p = JvmProcess.builder(LockChild.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                .args(dir.path().toString(), "churn", kind.name(), Integer.toString(index)).start();
        children.add(p);
        return new Churner(p, index);
    }

    @AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
    }

    @ParameterizedTest
    @EnumSource(names = {"MUTEX", "REENTRANT", "WRITE", "READ", "PERMIT"})
    void holdersKilledAtRandomPointsNeverWedgeTheLockNorLeakAHold(Kind kind) throws Exception {
        int rounds = Integer.getInteger("shmkit.stress.rounds", 40);
        Random random = new Random(42);
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class);
             SharedLongArray progress = SharedLongArray.create(dir, "progress", rounds + CHURNERS + 1)) {
            SharedSemaphore.in(ledger, "semaphore", 1);
            SharedLock lock = kind.guard(ledger, LockChild.OPTIONS.withRecoveryListener(r -> { })).lock();
            List<Churner> live = new ArrayList<>();
            for (int i = 0; i < CHURNERS; i++) {
                live.add(churner(kind));
            }
            Set<Long> landedPids = new HashSet<>();
            List<Long> victims = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Churner victim = null;
                if (round % 2 == 1) {
                    victim = currentHolder(lock, live);
                }
                if (victim == null) {
                    victim = live.get(random.nextInt(live.size()));
                }
                awaitProgress(progress, victim);
                if (round % 2 == 1) {
                    Churner holder = awaitHolder(lock, live, progress);
                    victim = holder != null ? holder : victim;
                }
                Churner dying = victim;
                assertTrue(dying.process.isAlive(), () -> "a churner died by itself:\n" + dying.process.output());
                dying.process.kill();
                assertTrue(dying.process.join(Duration.ofSeconds(30)), "a killed churner did not exit");
                victims.add(dying.process.pid());
                if (heldBy(lock, kind).contains(dying.process.pid())) {
                    landedPids.add(dying.process.pid()); // it died holding: the words still name it
                }
                live.remove(dying);
                live.add(churner(kind));
            }
            for (Churner c : live) {
                awaitProgress(progress, c); // the lock still works for every survivor
                assertTrue(c.process.isAlive(), () -> "a churner died by itself (exceptions exit):\n" + c.process.output());
                c.process.kill();
                c.process.join(Duration.ofSeconds(30));
            }

            // a victim a survivor recovered before the words were read died holding too
            String reports = children.stream().map(JvmProcess::output).reduce("", String::concat);
            for (long pid : victims) {
                if (reports.contains("RECOVERED pid=" + pid + " ")) {
                    landedPids.add(pid);
                }
            }
            int landed = landedPids.size();

            // every holder is dead now, at whatever point it was: the lock must come back whole
            Kind.Guard guard = (kind == Kind.READ ? Kind.WRITE : kind).guard(ledger, LockChild.OPTIONS.withRecoveryListener(r -> { }));
            ExecutorService taker = Executors.newSingleThreadExecutor(); // ownership is per thread
            try {
                taker.submit(() -> {
                    guard.acquire();
                    return null;
                }).get(30, TimeUnit.SECONDS);
                SharedLock whole = guard.lock();
                System.out.printf("%s: %d kills, %d landed inside the lock, %d recoveries, consistent=%b, count=%d%n", kind,
                        rounds, landed, whole.recoveries(), whole.isConsistent(), LockChild.COUNT.get(ledger, 0));
                if (whole instanceof SharedReadWriteLock rw) {
                    assertEquals(0, rw.getReadLockCount(), "read holds of dead processes leaked");
                }
                // every death inside was taken back and counted (the final kills add more)
                assertTrue(whole.recoveries() >= landed, landed + " kills landed inside the lock, only "
                        + whole.recoveries() + " recoveries");
                if (landed > 0 && (kind == Kind.MUTEX || kind == Kind.REENTRANT || kind == Kind.PERMIT)) {
                    assertFalse(whole.isConsistent(), "holders died inside the lock and it still says the data is consistent");
                }
                taker.submit(() -> {
                    guard.release();
                    return null;
                }).get(10, TimeUnit.SECONDS);
            } finally {
                taker.shutdownNow();
            }
            SharedLock whole = guard.lock();
            if (whole instanceof SharedSemaphore semaphore) {
                assertEquals(semaphore.permits(), semaphore.availablePermits(), "permits of dead processes leaked");
            }
            if (whole instanceof ExclusiveLock exclusive) {
                assertFalse(exclusive.isLocked());
            }
            int inside = landed;
            Assumptions.assumeTrue(inside > 0, () -> "no kill landed inside the lock in " + rounds + " rounds: this run proves nothing");
        }
    }

    /** Waits until the churner has been through the lock since it started. */
    private static void awaitProgress(SharedLongArray progress, Churner churner) throws InterruptedException {
        long deadline = System.nanoTime() + PROGRESS_TIMEOUT.toNanos();
        while (progress.getVolatile(churner.index) == 0) {
            assertTrue(churner.process.isAlive(), () -> "a churner died before its first round:\n" + churner.process.output());
            assertTrue(System.nanoTime() < deadline, "a churner made no progress in " + PROGRESS_TIMEOUT + ": the lock is wedged");
            Thread.sleep(2);
        }
    }

    /** For up to a second: the live churner the lock words name as holder, once it has made progress. */
    private static Churner awaitHolder(SharedLock lock, List<Churner> live, SharedLongArray progress) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Churner holder = currentHolder(lock, live);
            if (holder != null && progress.getVolatile(holder.index) > 0) {
                return holder;
            }
            Thread.onSpinWait();
        }
        return null;
    }

    private static Churner currentHolder(SharedLock lock, List<Churner> live) {
        Set<Long> holders = heldBy(lock, null);
        for (Churner c : live) {
            if (holders.contains(c.process.pid())) {
                return c;
            }
        }
        return null;
    }

    /**
     * The pids the lock words name as holding what {@code kind} takes: the owner word for the
     * exclusive kinds, the reader slots for READ, the permit slots for PERMIT (the semaphore's
     * internal word is held only for a moment and its death is silent); all of them for null.
     */
    private static Set<Long> heldBy(SharedLock lock, Kind kind) {
        Set<Long> pids = new HashSet<>();
        long owner = (long) LockWords.LONG.getVolatile(lock.words.segment, LockDescriptor.OWNER_OFFSET);
        if (owner != 0 && kind != Kind.READ && kind != Kind.PERMIT) {
            pids.add(Owners.pid(owner));
        }
        if ((lock instanceof SharedReadWriteLock || lock instanceof SharedSemaphore) && kind != Kind.WRITE) {
            for (int i = 0; i < LockDescriptor.SLOT_COUNT; i++) {
                long slot = (long) LockWords.LONG.getVolatile(lock.words.segment, LockDescriptor.SLOTS_OFFSET + 8L * i);
                if (slot != 0) {
                    pids.add(Owners.pid(slot));
                }
            }
        }
        return pids;
    }
}
