package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedStruct;
import io.shmkit.process.JvmProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Long runs, only under {@code ./mvnw -B -Pstress verify}: holders SIGKILLed at random points
 * of their lock and unlock paths, over and over, must never wedge a lock or leak a hold.
 * {@code -Dshmkit.stress.rounds=N} sets the number of kills per lock kind (default 40).
 */
@Tag("stress")
class LockStressTest extends SegmentTestSupport {
    private final List<JvmProcess> children = new ArrayList<>();

    private JvmProcess churner(Kind kind) {
        JvmProcess p = JvmProcess.builder(LockChild.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                .args(dir.path().toString(), "increment", kind.name(), Long.toString(Long.MAX_VALUE)).start();
        children.add(p);
        return p;
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
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class)) {
            SharedSemaphore.in(ledger, "semaphore", 1);
            List<JvmProcess> live = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                live.add(churner(kind));
            }
            Thread.sleep(1500); // past JVM start-up, into the lock loops
            for (int round = 0; round < rounds; round++) {
                Thread.sleep(20 + random.nextInt(180));
                JvmProcess victim = live.remove(random.nextInt(live.size()));
                assertTrue(victim.isAlive(), () -> "a churner died by itself:\n" + victim.output());
                victim.kill();
                live.add(churner(kind));
            }
            Thread.sleep(500);
            for (JvmProcess p : live) {
                assertTrue(p.isAlive(), () -> "a churner died by itself (wedged locks time out, exceptions exit):\n" + p.output());
                p.kill();
                p.join(java.time.Duration.ofSeconds(10));
            }

            // every holder is dead now, at whatever point it was: the lock must come back whole
            Kind.Guard guard = (kind == Kind.READ ? Kind.WRITE : kind).guard(ledger, LockChild.OPTIONS.withRecoveryListener(r -> { }));
            // one thread acquires and releases: ownership is per thread
            ExecutorService taker = Executors.newSingleThreadExecutor();
            try {
                taker.submit(() -> {
                    guard.acquire();
                    return null;
                }).get(30, TimeUnit.SECONDS);
                SharedLock lock = guard.lock();
                System.out.printf("%s: %d kills, %d recoveries, consistent=%b, count=%d%n", kind, rounds, lock.recoveries(),
                        lock.isConsistent(), LockChild.COUNT.get(ledger, 0));
                if (lock instanceof SharedReadWriteLock rw) {
                    assertEquals(0, rw.getReadLockCount(), "read holds of dead processes leaked");
                }
                taker.submit(() -> {
                    guard.release();
                    return null;
                }).get(10, TimeUnit.SECONDS);
            } finally {
                taker.shutdownNow();
            }
            SharedLock lock = guard.lock();
            if (lock instanceof SharedSemaphore semaphore) {
                assertEquals(semaphore.permits(), semaphore.availablePermits(), "permits of dead processes leaked");
            }
            if (lock instanceof ExclusiveLock exclusive) {
                assertFalse(exclusive.isLocked());
            }
            assertTrue(lock.recoveries() > 0 || kind == Kind.READ, "no kill ever landed inside the lock");
        }
    }
}
