package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SharedStruct;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SharedSemaphore in one process: counting, atomic multi-permit takes, ownership, dead holders. */
class SemaphoreTest extends LockTestSupport {
    @Test
    void permitsAreCountedAcrossTakesAndReleases() throws Exception {
        try (SharedSemaphore s = SharedSemaphore.create(dir, "pool", 3)) {
            assertEquals(3, s.permits());
            s.acquire();
            assertTrue(s.tryAcquire(2));
            assertEquals(0, s.availablePermits());
            assertEquals(3, s.heldPermits());
            assertFalse(s.tryAcquire());
            assertFalse(s.tryAcquire(30, TimeUnit.MILLISECONDS));
            CountingIdle idle = new CountingIdle();
            SharedSemaphore waiting = s.withOptions(LockOptions.DEFAULT.withIdleStrategy(idle));
            Future<Boolean> waiter = inThread(() -> waiting.tryAcquire(2, 30, TimeUnit.SECONDS));
            idle.awaitMoreThan(0, java.time.Duration.ofSeconds(30));
            s.release();
            // two idles after the release began: the attempt between them saw one permit free, and waited on
            idle.awaitMoreThan(idle.calls() + 1, java.time.Duration.ofSeconds(30));
            assertFalse(waiter.isDone(), "two permits were taken when one was free");
            s.release();
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
            s.release(3);
            assertEquals(3, s.availablePermits());
            assertTrue(s.toString().contains("3 of 3 permits free"), s.toString());
        }
    }

    @Test
    void aProcessReleasesOnlyWhatItHolds() throws Exception {
        try (SharedSemaphore s = SharedSemaphore.create(dir, "pool", 2)) {
            var none = assertThrows(IllegalStateException.class, s::release);
            assertTrue(none.getMessage().contains("holds 0"), none.getMessage());
            s.acquire();
            onOtherThread(() -> {
                s.release(); // permits belong to the process: any of its threads may release
                return null;
            });
            assertEquals(2, s.availablePermits());
            assertThrows(IllegalArgumentException.class, () -> s.acquire(3));
            assertThrows(IllegalArgumentException.class, () -> s.release(0));
            assertThrows(IllegalMonitorStateException.class, s::markConsistent);
        }
    }

    @Test
    void permitCountsAreCheckedOnCreateAndAttach() {
        assertThrows(IllegalArgumentException.class, () -> SharedSemaphore.create(dir, "zero", 0));
        try (SharedSemaphore s = SharedSemaphore.openOrCreate(dir, "pool", 4);
             SharedSemaphore same = SharedSemaphore.openOrCreate(dir, "pool", 4);
             SharedSemaphore opened = SharedSemaphore.open(dir, "pool")) {
            assertEquals(4, same.permits());
            assertEquals(4, opened.permits());
            var e = assertThrows(IllegalArgumentException.class, () -> SharedSemaphore.openOrCreate(dir, "pool", 5));
            assertTrue(e.getMessage().contains("has 4 permits"), e.getMessage());
        }
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class)) {
            SharedSemaphore s = SharedSemaphore.in(ledger, "semaphore", 2);
            assertEquals(2, SharedSemaphore.at(ledger, ledger.fieldOffset("semaphore"), 2).permits());
            assertThrows(IllegalArgumentException.class, () -> SharedSemaphore.in(ledger, "semaphore", 1));
            assertEquals(2, s.availablePermits());
        }
    }

    @Test
    void theSlotsOfADeadHolderAreFreedReportedAndMarkTheDataInconsistent() throws Exception {
        try (SharedSemaphore s = SharedSemaphore.create(dir, "pool", 2).withOptions(fast)) {
            forge(s, LockDescriptor.SLOTS_OFFSET + 8 * 7, deadSlot(2));
            assertEquals(0, s.availablePermits());
            assertFalse(s.tryAcquire(), "tryAcquire must not free slots");
            assertTrue(s.tryAcquire(2, 5, TimeUnit.SECONDS));
            assertEquals(1, recoveries.size());
            assertEquals(LockRecovery.Role.PERMITS, recoveries.get(0).role());
            assertEquals(2, recoveries.get(0).holds());
            assertFalse(s.isConsistent());
            s.markConsistent();
            assertTrue(s.isConsistent());
            s.release(2);
        }
    }

    @Test
    void aProcessThatDiedInsideTheBookkeepingIsTakenOverSilently() throws Exception {
        try (SharedSemaphore s = SharedSemaphore.create(dir, "pool", 1).withOptions(fast)) {
            forge(s, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            assertTrue(s.tryAcquire(5, TimeUnit.SECONDS));
            assertTrue(s.isConsistent(), "the slots were whole: nothing the permit guards was touched");
            assertTrue(recoveries.isEmpty());
            s.release();
        }
    }
}
