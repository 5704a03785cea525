package io.shmkit.sync;

import static io.shmkit.sync.LockChild.COUNT;
import static io.shmkit.sync.LockChild.PHASE;
import static io.shmkit.sync.LockChild.VICTIM_WORK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every lock kind across real JVMs: exclusion, invariants, and the SIGKILL of a holder. */
class CrossProcessLockTest extends SegmentTestSupport {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern RECOVERED = Pattern.compile("RECOVERED pid=(\\d+) role=(\\w+) holds=(\\d+) consistent=(\\w+)");

    private final List<JvmProcess> children = new ArrayList<>();

    private JvmProcess child(String... args) {
        List<String> all = new ArrayList<>();
        all.add(dir.path().toString());
        all.addAll(List.of(args));
        JvmProcess p = JvmProcess.builder(LockChild.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .args(all.toArray(String[]::new)).start();
        children.add(p);
        return p;
    }

    @org.junit.jupiter.api.AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
    }

    private static void finish(JvmProcess p) throws InterruptedException {
        assertTrue(p.join(TIMEOUT), () -> p + " did not exit in " + TIMEOUT + "; output:\n" + p.output());
        assertEquals(0, p.exitCode(), p::output);
    }

    private SharedStruct<Ledger> ledger() {
        SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class);
        SharedSemaphore.in(ledger, "semaphore", 1); // sets the permit count before any child attaches
        return ledger;
    }

    private long incrementInFourJvms(Kind kind, long each) throws InterruptedException {
        try (SharedStruct<Ledger> ledger = ledger()) {
            List<JvmProcess> jvms = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                jvms.add(child("increment", kind.name(), Long.toString(each), "4"));
            }
            for (JvmProcess p : jvms) {
                finish(p);
            }
            return COUNT.getVolatile(ledger, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"MUTEX", "REENTRANT", "WRITE", "PERMIT"})
    void fourJvmsIncrementAPlainLongUnderTheLockToTheExactTotal(Kind kind) throws InterruptedException {
        assertEquals(4 * 250_000L, incrementInFourJvms(kind, 250_000));
    }

    @Test
    void withoutALockTheSameIncrementsLoseUpdates() throws InterruptedException {
        long total = incrementInFourJvms(Kind.NONE, 250_000);
        System.out.println("without a lock: " + total + " of 1000000");
        assertTrue(total < 1_000_000, "four JVMs incrementing a plain long without a lock lost no update: " + total);
    }

    @Test
    void readersUnderTheReadLockNeverSeeAWriterHalfway() throws InterruptedException {
        try (SharedStruct<Ledger> ledger = ledger()) {
            // the writers write until both readers have made all their reads
            List<JvmProcess> readers = List.of(child("rw-read", "100000", "true"), child("rw-read", "100000", "true"));
            List<JvmProcess> writers = List.of(child("rw-write", "2"), child("rw-write", "2"));
            for (JvmProcess p : readers) {
                finish(p); // a reader exits 3 on any violation of x + y == 0
                System.out.println("reader under the read lock: " + p.output().trim());
            }
            for (JvmProcess p : writers) {
                finish(p);
            }
            assertEquals(-LockChild.Y.get(ledger, 0), LockChild.X.get(ledger, 0));
        }
    }

    @Test
    void readersWithoutTheReadLockDoSeeAWriterHalfway() throws InterruptedException {
        // the control for the test above: its readers' check can fail
        try (SharedStruct<Ledger> ledger = ledger()) {
            JvmProcess reader = child("rw-read", "0", "false");
            JvmProcess writer = child("rw-write", "1");
            finish(writer);
            assertTrue(reader.join(TIMEOUT), reader::output);
            assertEquals(3, reader.exitCode(), () -> "unlocked readers saw no half-done write:\n" + reader.output());
        }
    }

    @Test
    void seqlockReadersGetNoTornCopyOverMillionsOfReadsWhileAWriterWrites() throws InterruptedException {
        try (SharedStruct<Ledger> ledger = ledger();
             SharedStructArray<Quad> quads = SharedStructArray.create(dir, "quads", Quad.class, 4)) {
            JvmProcess writer = child("seq-write");
            awaitPhase(ledger, 1, writer);
            SharedSeqLock[] locks = new SharedSeqLock[4];
            for (int i = 0; i < 4; i++) {
                locks[i] = SharedSeqLock.in(quads, i, "lock");
            }
            long torn = 0;
            long reads = 2_000_000;
            long startSequence = locks[0].sequence() + locks[1].sequence() + locks[2].sequence() + locks[3].sequence();
            for (long r = 0; r < reads; r++) {
                int i = (int) (r & 3);
                if (locks[i].read(quads, i).torn()) {
                    torn++;
                }
            }
            long writesSeen = (locks[0].sequence() + locks[1].sequence() + locks[2].sequence() + locks[3].sequence() - startSequence) / 2;
            // control: the same reads without the seqlock do tear, so the check above can fail
            long unguardedTorn = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            for (long r = 0; unguardedTorn == 0 && System.nanoTime() < deadline; r++) {
                if (quads.get(r & 3).torn()) {
                    unguardedTorn++;
                }
            }
            PHASE.setVolatile(ledger, 0, 2);
            finish(writer);
            System.out.println("seqlock: " + reads + " reads, " + torn + " torn, " + writesSeen + " writes during them;"
                    + " unguarded reads tore: " + (unguardedTorn > 0));
            assertEquals(0, torn, "torn copies returned by the seqlock");
            assertTrue(writesSeen > 1000, "the writer wrote only " + writesSeen + " times during the reads");
            assertTrue(unguardedTorn > 0, "reads without the seqlock never tore: the torn check proves nothing");
        }
    }

    private static void awaitPhase(SharedStruct<Ledger> ledger, long phase, JvmProcess child) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (PHASE.getVolatile(ledger, 0) != phase) {
            assertTrue(child.isAlive(), () -> child + " exited early:\n" + child.output());
            assertTrue(System.nanoTime() < deadline, () -> child + " did not reach phase " + phase + ":\n" + child.output());
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"MUTEX", "REENTRANT", "WRITE", "READ", "PERMIT"})
    void aHolderKilledWithSigkillIsRecoveredAndTheSurvivorsFinish(Kind kind) throws Exception {
        long pre = 1000;
        long each = 20_000;
        boolean corrupting = kind != Kind.READ; // a dead reader wrote nothing
        Kind survivorKind = kind == Kind.READ ? Kind.WRITE : kind;
        List<LockRecovery> reports = new CopyOnWriteArrayList<>();
        LockOptions options = LockChild.OPTIONS.withRecoveryListener(reports::add);
        try (SharedStruct<Ledger> ledger = ledger()) {
            JvmProcess victim = child("hold", kind.name(), Long.toString(pre));
            awaitPhase(ledger, 1, victim);
            JvmProcess survivor = child("increment", survivorKind.name(), Long.toString(each));
            Kind.Guard guard = survivorKind.guard(ledger, options);

            long killed = System.nanoTime();
            victim.kill();
            guard.acquire();
            long tookOver = System.nanoTime();
            boolean consistentAtFirstHold = guard.lock().isConsistent();
            if (!consistentAtFirstHold) {
                guard.lock().markConsistent(); // the count needs no repair: each increment is one store
            }
            COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
            guard.release();
            for (long i = 1; i < each; i++) {
                guard.acquire();
                COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
                guard.release();
            }
            finish(survivor);

            // exactly one process took the dead holder's place, and was told
            List<String[]> childReports = new ArrayList<>();
            Matcher m = RECOVERED.matcher(survivor.output());
            while (m.find()) {
                childReports.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
            }
            assertEquals(1, reports.size() + childReports.size(), () -> "recoveries: here " + reports + ", survivor:\n"
                    + survivor.output());
            String[] report = reports.isEmpty() ? childReports.get(0) : new String[] {Long.toString(reports.get(0).deadPid()),
                    reports.get(0).role().name(), Long.toString(reports.get(0).holds()), Boolean.toString(reports.get(0).consistent())};
            String expectedRole = switch (kind) {
                case MUTEX, REENTRANT -> "OWNER";
                case WRITE -> "WRITER";
                case READ -> "READER";
                default -> "PERMITS";
            };
            assertEquals(Long.toString(victim.pid()), report[0], "dead pid reported");
            assertEquals(expectedRole, report[1]);
            assertEquals(kind == Kind.REENTRANT ? "2" : "1", report[2], "holds reported");
            assertEquals(Boolean.toString(!corrupting), report[3], "consistency reported with the recovery");
            assertEquals(!corrupting, consistentAtFirstHold, "isConsistent() at this process's first hold after the death");

            SharedLock lock = guard.lock();
            assertEquals(1, lock.recoveries());
            assertEquals(victim.pid(), lock.lastDeadPid());
            assertTrue(lock.isConsistent());
            // the dead child's work stays: nothing it wrote is rolled back or lost
            long victimWork = VICTIM_WORK.get(ledger, 0);
            assertEquals(pre + (corrupting ? 1 : 0), victimWork);
            assertEquals(victimWork + 2 * each, COUNT.getVolatile(ledger, 0));
            // and the lock is free and whole again
            guard.acquire();
            guard.release();
            System.out.printf("%s: holder pid %d killed; this process held the lock %.1f ms later%n", kind, victim.pid(),
                    (tookOver - killed) / 1e6);
        }
    }

    @Test
    void anotherProcessCannotUnlockAMutexThisProcessHolds() throws InterruptedException {
        try (SharedStruct<Ledger> ledger = ledger()) {
            SharedMutex mutex = SharedMutex.in(ledger, "mutex");
            mutex.lock();
            try {
                finish(child("foreign-unlock", Long.toString(ProcessHandle.current().pid())));
                assertTrue(mutex.isHeldByCurrentThread());
            } finally {
                mutex.unlock();
            }
        }
    }

    /** A child started through {@code wrapper} (prlimit, unshare), its output captured. */
    private JvmProcess wrappedChild(List<String> wrapper, String... args) {
        List<String> all = new ArrayList<>();
        all.add(dir.path().toString());
        all.addAll(List.of(args));
        return JvmProcess.builder(LockChild.class).wrapper(wrapper.toArray(String[]::new))
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1").args(all.toArray(String[]::new)).start();
    }

    @Test
    void aWaiterThatCannotReadTheHoldersProcEntryWaitsInsteadOfTakingOver() throws InterruptedException {
        Assumptions.assumeTrue(onPath("prlimit"), "prlimit is not installed: cannot start a child with few descriptors");
        try (SharedStruct<Ledger> ledger = ledger()) {
            SharedMutex mutex = SharedMutex.in(ledger, "mutex");
            mutex.lock();
            try {
                JvmProcess p = wrappedChild(List.of("prlimit", "--nofile=256:256", "--"), "wait-without-fds");
                children.add(p);
                finish(p);
                assertTrue(p.output().contains("descriptors exhausted") && p.output().contains("WAITED"), p::output);
                assertTrue(mutex.isHeldByCurrentThread());
                assertEquals(0, mutex.recoveries());
            } finally {
                mutex.unlock();
            }
        }
    }

    @Test
    void aProcessInAnotherPidNamespaceRefusesToTakePartInTheLock() throws InterruptedException {
        Assumptions.assumeTrue(onPath("unshare"), "unshare is not installed");
        try (SharedStruct<Ledger> ledger = ledger()) {
            SharedMutex mutex = SharedMutex.in(ledger, "mutex");
            mutex.lock();
            try {
                // with its own /proc: a pid namespace other than the segment's creator's
                JvmProcess own = wrappedChild(List.of("unshare", "--pid", "--fork", "--mount-proc"), "lock-from-namespace");
                children.add(own);
                assertTrue(own.join(TIMEOUT), own::output);
                Assumptions.assumeFalse(own.output().contains("unshare: "), "this sandbox refuses unshare: " + own.output());
                assertEquals(0, own.exitCode(), own::output);
                assertTrue(own.output().contains("REFUSED: mutex in field 'mutex' of segment 'ledger': refusing") && own.output().contains("another pid or time namespace"),
                        own::output);
                // with the parent's /proc: its pids are another namespace's
                JvmProcess foreign = wrappedChild(List.of("unshare", "--pid", "--fork"), "lock-from-namespace");
                children.add(foreign);
                finish(foreign);
                assertTrue(foreign.output().contains("/proc belongs to another pid namespace"), foreign::output);
                assertTrue(mutex.isHeldByCurrentThread());
                assertEquals(0, mutex.recoveries());
            } finally {
                mutex.unlock();
            }
        }
    }

    @Test
    void aLiveProcessWhoseStartTicksPassTwoToTheThirtyFirstIsStillAlive() throws InterruptedException {
        Assumptions.assumeTrue(onPath("unshare"), "unshare is not installed");
        // in a time namespace whose boot clock is 250 days ahead, every start tick count is above 2^31
        // (at 100 ticks per second): the uptime at which an owner key's tag turned negative in an int
        JvmProcess p = wrappedChild(List.of("unshare", "--time", "--fork", "--boottime", Long.toString(250L * 86400)),
                "start-tag-above-2-31");
        children.add(p);
        assertTrue(p.join(TIMEOUT), p::output);
        Assumptions.assumeFalse(p.output().contains("unshare: "), () -> "this sandbox refuses a time namespace: " + p.output());
        assertEquals(0, p.exitCode(), p::output);
        assertTrue(p.output().contains("ALIVE"), p::output);
    }

    @Test
    void underHidepidAPrivateSegmentsDeadHolderIsTakenOverAndASharedOnesIsWaitedFor() throws InterruptedException {
        Assumptions.assumeTrue(onPath("unshare"), "unshare is not installed");
        JvmProcess p = wrappedChild(List.of("unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                "mount -o remount,hidepid=invisible /proc || exit 98; exec \"$0\" \"$@\""), "hidepid");
        children.add(p);
        assertTrue(p.join(TIMEOUT), p::output);
        Assumptions.assumeFalse(p.exitCode() == 98 || p.output().contains("unshare: "),
                () -> "this sandbox cannot remount /proc with hidepid: " + p.output());
        assertEquals(0, p.exitCode(), p::output);
    }

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }
}
