package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.Access;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedStruct;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SharedMutex and SharedReentrantLock in one process: the Lock contract, owner checks, misuse, take-over. */
class ExclusiveLockTest extends LockTestSupport {
    @Test
    void lockExcludesOtherThreadsUntilUnlocked() throws Exception {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            assertTrue(mutex.isLocked());
            assertTrue(mutex.isHeldByCurrentThread());
            assertFalse(otherThread(mutex::tryLock));
            assertFalse(otherThread(mutex::isHeldByCurrentThread));
            mutex.unlock();
            assertFalse(mutex.isLocked());
            assertTrue(otherThread(() -> {
                boolean got = mutex.tryLock();
                mutex.unlock();
                return got;
            }));
        }
    }

    @Test
    void aWaiterGetsTheLockWhenTheHolderUnlocks() throws Exception {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            CountingIdle idle = new CountingIdle();
            SharedMutex waiting = mutex.withOptions(LockOptions.DEFAULT.withIdleStrategy(idle));
            Future<Boolean> waiter = inThread(() -> {
                waiting.lock();
                boolean held = waiting.isHeldByCurrentThread();
                waiting.unlock();
                return held;
            });
            idle.awaitMoreThan(0, Duration.ofSeconds(30)); // it found the lock held, and waits
            assertFalse(waiter.isDone(), "the waiter got a held lock");
            mutex.unlock();
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void timedTryLockGivesUpAfterItsTimeout() throws Exception {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            long start = System.nanoTime();
            assertFalse(otherThread(() -> mutex.tryLock(100, TimeUnit.MILLISECONDS)));
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= 100, "gave up after " + waitedMs + " ms");
            assertFalse(otherThread(() -> mutex.tryLock(0, TimeUnit.SECONDS)));
            mutex.unlock();
        }
    }

    @Test
    void lockInterruptiblyEndsOnInterruptAndLockKeepsWaitingThenRestoresTheFlag() throws Exception {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            // each waiter idles through a counting strategy: the interrupt is sent once it is waiting, not at the door
            CountingIdle idle = new CountingIdle();
            SharedMutex waiting = mutex.withOptions(LockOptions.DEFAULT.withIdleStrategy(idle));
            Thread[] waiter = new Thread[1];
            Future<Boolean> interruptible = inThread(() -> {
                waiter[0] = Thread.currentThread();
                try {
                    waiting.lockInterruptibly();
                    return false;
                } catch (InterruptedException expected) {
                    return true;
                }
            });
            idle.awaitMoreThan(0, Duration.ofSeconds(30));
            waiter[0].interrupt();
            assertTrue(interruptible.get(10, TimeUnit.SECONDS), "lockInterruptibly ignored the interrupt");

            CountingIdle idle2 = new CountingIdle();
            SharedMutex waiting2 = mutex.withOptions(LockOptions.DEFAULT.withIdleStrategy(idle2));
            Future<Boolean> uninterruptible = inThread(() -> {
                waiter[0] = Thread.currentThread();
                waiting2.lock();
                boolean flag = Thread.interrupted();
                waiting2.unlock();
                return flag;
            });
            idle2.awaitMoreThan(0, Duration.ofSeconds(30));
            waiter[0].interrupt();
            int atInterrupt = idle2.calls();
            idle2.awaitMoreThan(atInterrupt + 1, Duration.ofSeconds(30)); // it went on waiting after the interrupt
            assertFalse(uninterruptible.isDone(), "lock() gave up on interrupt");
            mutex.unlock();
            assertTrue(uninterruptible.get(10, TimeUnit.SECONDS), "lock() lost the interrupt it swallowed");
        }
    }

    @Test
    void aThreadThatWaitsLongParksInsteadOfBurningACore() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            long[] cpuNanos = new long[1];
            Future<Boolean> waiter = inThread(() -> {
                long cpu = mx.getCurrentThreadCpuTime();
                boolean got = mutex.tryLock(1, TimeUnit.SECONDS);
                cpuNanos[0] = mx.getCurrentThreadCpuTime() - cpu;
                return got;
            });
            assertFalse(waiter.get(10, TimeUnit.SECONDS));
            mutex.unlock();
            // a spinning waiter would use most of the second; the backoff parks up to 1 ms at a time
            assertTrue(cpuNanos[0] < 300_000_000L, "a 1 s wait used " + cpuNanos[0] / 1_000_000 + " ms of CPU");
        }
    }

    @Test
    void onlyTheHolderUnlocksAndMessagesNameTheHolder() throws Exception {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            var notLocked = assertThrows(IllegalMonitorStateException.class, mutex::unlock);
            assertTrue(notLocked.getMessage().contains("mutex 'm'") && notLocked.getMessage().contains("not locked"),
                    notLocked.getMessage());
            mutex.lock();
            Exception other = onOtherThread(() -> assertThrows(IllegalMonitorStateException.class, mutex::unlock));
            assertTrue(other.getMessage().contains("held by thread " + Thread.currentThread().threadId() + " of this process"),
                    other.getMessage());
            forge(mutex, LockDescriptor.OWNER_OFFSET, Owners.ownerKey(1, 7));
            var foreign = assertThrows(IllegalMonitorStateException.class, mutex::unlock);
            assertTrue(foreign.getMessage().contains("held by pid 1"), foreign.getMessage());
            forge(mutex, LockDescriptor.OWNER_OFFSET, Owners.SELF_KEY);
            mutex.unlock();
        }
    }

    @Test
    void aMutexIsNotReentrantAndSaysSoInsteadOfDeadlocking() {
        try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
            mutex.lock();
            var e = assertThrows(IllegalMonitorStateException.class, mutex::lock);
            assertTrue(e.getMessage().contains("not reentrant"), e.getMessage());
            assertThrows(IllegalMonitorStateException.class, mutex::tryLock);
            assertTrue(mutex.isHeldByCurrentThread(), "the refused relock released the lock");
            mutex.unlock();
        }
    }

    @Test
    void aReentrantLockCountsHoldsAndFreesOnTheLastUnlock() throws Exception {
        try (SharedReentrantLock lock = SharedReentrantLock.create(dir, "r")) {
            lock.lock();
            lock.lock();
            assertTrue(lock.tryLock());
            assertTrue(lock.tryLock(1, TimeUnit.SECONDS));
            assertEquals(4, lock.getHoldCount());
            assertEquals(0, (int) onOtherThread(lock::getHoldCount));
            for (int i = 3; i >= 1; i--) {
                lock.unlock();
                assertEquals(i, lock.getHoldCount());
                assertFalse(otherThread(lock::tryLock));
            }
            lock.unlock();
            assertFalse(lock.isLocked());
            assertThrows(IllegalMonitorStateException.class, lock::unlock);
        }
    }

    @Test
    void aDeadHoldersLockIsTakenOverReportedAndInconsistentUntilMarked() throws Exception {
        try (SharedReentrantLock lock = SharedReentrantLock.create(dir, "r").withOptions(fast)) {
            forge(lock, LockDescriptor.OWNER_OFFSET, DEAD_KEY);
            forgeInt(lock, LockDescriptor.HOLDS_OFFSET, 3);
            assertFalse(lock.tryLock(), "tryLock checks no liveness and must not take over");
            assertTrue(lock.isConsistent());
            lock.lock();
            assertTrue(lock.isHeldByCurrentThread());
            assertEquals(1, lock.getHoldCount());
            assertFalse(lock.isConsistent());
            assertEquals(1, lock.recoveries());
            assertEquals(Owners.SELF_PID, lock.lastDeadPid());
            assertEquals(1, recoveries.size());
            LockRecovery r = recoveries.get(0);
            assertEquals(LockRecovery.Role.OWNER, r.role());
            assertEquals(3, r.holds());
            assertFalse(r.consistent());
            assertEquals(lock.name(), r.lock());
            lock.unlock();
            // sticky: the next holder is told too, until someone marks the data repaired
            assertFalse(otherThread(() -> {
                lock.lock();
                try {
                    return lock.isConsistent();
                } finally {
                    lock.unlock();
                }
            }));
            assertThrows(IllegalMonitorStateException.class, lock::markConsistent, "only a holder may mark");
            lock.lock();
            lock.markConsistent();
            lock.unlock();
            assertTrue(lock.isConsistent());
            assertTrue(lock.toString().contains("free"), lock.toString());
        }
    }

    @Test
    void theBuiltInLockOfAValueIsSharedByEveryHandleAndGuardsAnIncrement() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            // with counter.get_lock(): counter.value += 1
            SharedReentrantLock.of(counter).run(() -> counter.set(counter.get() + 1));
            assertEquals(1, counter.get());
            try (var held = lock.hold()) {
                assertFalse(otherThread(() -> SharedReentrantLock.of(counter).tryLock()));
                assertEquals(2L, (long) lock.call(() -> counter.addAndGet(1)));
            }
            assertFalse(lock.isLocked());
            try (SharedLong again = SharedLong.open(dir, "counter")) {
                lock.lock();
                assertTrue(SharedReentrantLock.of(again).isLocked(), "another attachment sees the same lock");
                lock.unlock();
            }
            assertTrue(lock.name().contains("segment 'counter'"), lock.name());
        }
    }

    @Test
    void misuseIsRefusedClearly() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter");
             SharedLong readOnly = SharedLong.open(dir, "counter", Access.READ_ONLY)) {
            var ro = assertThrows(UnsupportedOperationException.class, () -> SharedReentrantLock.of(readOnly));
            assertTrue(ro.getMessage().contains("read-only"), ro.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> SharedMutex.at(counter, 0));
            try (SharedMutex mutex = SharedMutex.create(dir, "m")) {
                var condition = assertThrows(UnsupportedOperationException.class, mutex::newCondition);
                assertTrue(condition.getMessage().contains("mutex 'm'"), condition.getMessage());
            }
        }
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class)) {
            var wrongField = assertThrows(IllegalArgumentException.class, () -> SharedMutex.in(ledger, "count"));
            assertTrue(wrongField.getMessage().contains("MutexState"), wrongField.getMessage());
            var misaligned = assertThrows(IllegalArgumentException.class, () -> SharedMutex.at(ledger, 4));
            assertTrue(misaligned.getMessage().contains("alignment"), misaligned.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SharedMutex.in(ledger, "no-such-field"));
        }
        SharedMutex.create(dir, "kind-check").close();
        var layout = assertThrows(SegmentLayoutException.class, () -> SharedReentrantLock.open(dir, "kind-check"));
        assertTrue(layout.getMessage().contains("MutexState"), layout.getMessage());
    }

    @Test
    void useAfterCloseNamesTheSegment() {
        SharedMutex mutex = SharedMutex.create(dir, "m");
        mutex.close();
        assertTrue(mutex.isClosed());
        var e = assertThrows(IllegalStateException.class, mutex::lock);
        assertTrue(e.getMessage().contains("mutex 'm'") && e.getMessage().contains("closed"), e.getMessage());
        assertTrue(mutex.toString().contains("closed"));
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            counter.close();
            var closed = assertThrows(IllegalStateException.class, lock::tryLock);
            assertTrue(closed.getMessage().contains("segment 'counter' was closed"), closed.getMessage());
        }
    }

    @Test
    void locksPlacedInStructFieldsAndAtOffsetsAreIndependent() throws Exception {
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class)) {
            SharedMutex viaField = SharedMutex.in(ledger, "mutex");
            SharedMutex viaOffset = SharedMutex.at(ledger, ledger.fieldOffset("mutex"));
            SharedReentrantLock other = SharedReentrantLock.in(ledger, "reentrant");
            viaField.lock();
            assertTrue(viaOffset.isLocked(), "the same words seen through two placements");
            assertFalse(other.isLocked());
            assertTrue(otherThread(() -> {
                boolean got = other.tryLock();
                other.unlock();
                return got;
            }));
            viaOffset.unlock();
            assertFalse(viaField.isLocked());
        }
    }
}
