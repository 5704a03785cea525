package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.PythonScript;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The built-in lock between JVMs and python/shmkit.py ({@code Segment.get_lock()}), in real
 * processes: exclusion of a non-atomic read-modify-write across the two languages (and the
 * control without the lock, which loses updates), a SIGKILLed holder of either language taken
 * over by the other and reported inconsistent, and Python's reentrancy, wrong-thread release and
 * refusals. The Python side is {@code src/test/python/lock_check.py}. Every segment lives in the
 * test's own directory, removed after each test, pass or fail; every process is killed. Without
 * python3 (or the interpreter named by -Dshmkit.python), or without libatomic.so.1 for it, each
 * test reports itself skipped, with that reason.
 */
class PythonLockInteropTest extends SegmentTestSupport {
    private static final Path SCRIPT = Path.of("src/test/python/lock_check.py").toAbsolutePath();
    private static final String PYTHON_DIR = System.getProperty("shmkit.python.dir", Path.of("../python").toAbsolutePath().toString());
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final long INCREMENTS = 20_000;
    /** How far one side's increments may run ahead of the other's (see lock_check.py's increment). */
    private static final long SLACK = 100;
    // the flags segment: lock_check.py numbers them alike
    private static final int JAVA_STARTED = 0;
    private static final int PY_STARTED = 1;
    private static final int JAVA_PROGRESS = 2;
    private static final int PY_PROGRESS = 3;
    private static final int JAVA_DONE = 4;
    private static final int PY_DONE = 5;
    private static final int HOLDING = 6;
    private static final Pattern PY_SAW = Pattern.compile("ok (\\d+) increments (\\w+); java advanced between (\\d+) of them");

    private static String python;
    private static String missing;

    private final List<Py> pythons = new ArrayList<>();
    private final List<JvmProcess> children = new ArrayList<>();

    @BeforeAll
    static void findPython() {
        String candidate = System.getProperty("shmkit.python", "python3");
        if (!runs(candidate, "import ctypes, mmap")) {
            missing = candidate + " is not on PATH (or lacks ctypes/mmap): the Python lock interop tests cannot run here";
        } else if (!runs(candidate, "import ctypes; ctypes.CDLL('libatomic.so.1')")) {
            missing = "libatomic.so.1 cannot be loaded by " + candidate + " (install libatomic1): Python cannot take a lock";
        } else {
            python = candidate;
        }
    }

    private static boolean runs(String candidate, String code) {
        try {
            Process p = new ProcessBuilder(candidate, "-c", code).redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Per test, so that each one reports itself skipped with the reason. */
    @BeforeEach
    void requirePython() {
        Assumptions.assumeTrue(python != null, () -> missing);
    }

    @AfterEach
    void killProcesses() {
        pythons.forEach(Py::close);
        children.forEach(JvmProcess::close);
    }

    /** A python3 process running a scenario of lock_check.py; its output (stdout and stderr) collected line by line. */
    private final class Py extends PythonScript {
        Py(String scenario, String... args) throws IOException {
            super(command(scenario, args));
            pythons.add(this);
        }

        /** Waits for a line starting with {@code prefix}; fails if python exits or the time is up first. */
        String awaitLine(String prefix) throws InterruptedException {
            return awaitLine(prefix, TIMEOUT);
        }

        /** Waits for a successful exit; fails naming the output otherwise. */
        String finishOk() throws InterruptedException {
            assertEquals(0, finish(TIMEOUT), this::output);
            return output();
        }
    }

    private List<String> command(String scenario, String... args) {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), PYTHON_DIR, scenario, dir.path().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * The Java child of {@link #pythonTakesOverTheLockOfAJavaHolderKilledWithSigkill}: takes the
     * built-in lock of "counter" twice, writes 41 (half of some update), records in flags[HOLDING]
     * that it holds the lock, and waits to be killed.
     */
    public static final class Holder {
        public static void main(String[] args) throws InterruptedException {
            SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
            SharedLong counter = SharedLong.open(dir, "counter");
            SharedLongArray flags = SharedLongArray.open(dir, "flags");
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            lock.lock();
            lock.lock();
            counter.set(41);
            flags.setVolatile(HOLDING, 1);
            Thread.sleep(Duration.ofMinutes(10));
            System.exit(3); // was not killed
        }
    }

    // ------------------------------------------------------------------ exclusion

    /** The result of one run of {@link #incrementFromBothSides}. */
    private record Run(long total, long javaSawPython, long pythonSawJava, String pythonOutput) {}

    /**
     * This JVM and a Python process each add 1 to the counter {@link #INCREMENTS} times as
     * {@code get} then {@code set(get + 1)}, under the built-in lock or (for the control) without
     * it. Both start together (each waits for the other's start flag) and neither may run more than
     * {@link #SLACK} increments ahead of the other, so each side's loop ends only after the other's
     * has done all but {@link #SLACK}: the runs overlap by construction, and each side counts how
     * often it saw the other advance between two of its own increments.
     */
    private Run incrementFromBothSides(boolean locked) throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter");
             SharedLongArray flags = SharedLongArray.create(dir, "flags", 8)) {
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            Py py = new Py("increment", Long.toString(INCREMENTS), locked ? "locked" : "unlocked", Long.toString(SLACK));
            flags.setVolatile(JAVA_STARTED, 1);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (flags.getVolatile(PY_STARTED) == 0) {
                assertTrue(py.process.isAlive() && System.nanoTime() < deadline, () -> "python did not start:\n" + py.output());
                Thread.sleep(1);
            }
            long sawPython = 0;
            long last = flags.getVolatile(PY_PROGRESS);
            for (long i = 0; i < INCREMENTS; i++) {
                for (int spins = 0; i - SLACK > flags.getVolatile(PY_PROGRESS) && flags.getVolatile(PY_DONE) == 0; spins++) {
                    if ((spins & 1023) == 1023) {
                        assertTrue(py.process.isAlive() && System.nanoTime() < deadline,
                                () -> "python stopped at " + flags.getVolatile(PY_PROGRESS) + ":\n" + py.output());
                    }
                    Thread.yield();
                }
                if (locked) {
                    lock.lock();
                    try {
                        counter.set(counter.get() + 1);
                    } finally {
                        lock.unlock();
                    }
                } else {
                    counter.set(counter.get() + 1);
                }
                flags.setVolatile(JAVA_PROGRESS, i + 1);
                long now = flags.getVolatile(PY_PROGRESS);
                if (now != last) {
                    sawPython++;
                    last = now;
                }
            }
            flags.setVolatile(JAVA_DONE, 1);
            String out = py.finishOk();
            Matcher m = PY_SAW.matcher(out);
            assertTrue(m.find(), out);
            assertEquals(INCREMENTS, Long.parseLong(m.group(1)), out);
            assertFalse(lock.isLocked(), "the lock is still held after both sides finished");
            return new Run(counter.getVolatile(), sawPython, Long.parseLong(m.group(3)), out);
        }
    }

    @Test
    void javaAndPythonIncrementingUnderTheBuiltInLockReachTheExactTotal() throws Exception {
        Run run = incrementFromBothSides(true);
        System.out.printf("under the lock: %d of %d; Java saw Python advance %d times, Python saw Java %d times%n",
                run.total(), 2 * INCREMENTS, run.javaSawPython(), run.pythonSawJava());
        // The overlap, from what each side recorded: each saw the other advance while it was itself
        // incrementing. Neither side can do more than 2 x SLACK + 1 increments while the other stands
        // still, so the pacing guarantees about INCREMENTS / 201 = 99 of these; a run without overlap
        // (one side alone, or the pacing broken) sees 0 or 1. Idle machines see thousands, loaded ones ~120.
        long atLeast = INCREMENTS / (4 * SLACK);
        assertTrue(run.javaSawPython() >= atLeast && run.pythonSawJava() >= atLeast, () -> "the runs hardly overlapped: " + run);
        assertEquals(2 * INCREMENTS, run.total(), () -> "updates lost under the lock: " + run);
    }

    /**
     * The control for the test above: the same increments without the lock lose updates, so the
     * exact total there is the lock's doing. Lost updates need the two read-modify-writes to meet,
     * which a busy machine may not bring about in one run: up to five runs.
     */
    @Test
    void withoutTheLockTheSameIncrementsLoseUpdates() throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            Run run = incrementFromBothSides(false);
            runs.add(run);
            assertTrue(run.total() <= 2 * INCREMENTS, run::toString);
            if (run.total() < 2 * INCREMENTS) {
                System.out.printf("without the lock: %d of %d (run %d)%n", run.total(), 2 * INCREMENTS, attempt + 1);
                return;
            }
            deleteDirectory();
            createDirectory();
        }
        throw new AssertionError("five runs without the lock lost no update: the exclusion test proves nothing: " + runs);
    }

    // ------------------------------------------------------------------ dead holders

    @Test
    void pythonTakesOverTheLockOfAJavaHolderKilledWithSigkill() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter");
             SharedLongArray flags = SharedLongArray.create(dir, "flags", 8)) {
            JvmProcess holder = JvmProcess.builder(Holder.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                    .args(dir.path().toString()).start();
            children.add(holder);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (flags.getVolatile(HOLDING) == 0) {
                assertTrue(holder.isAlive() && System.nanoTime() < deadline, () -> "the holder did not take the lock:\n" + holder.output());
                Thread.sleep(5);
            }
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            assertEquals(new LockHolder(holder.pid(), 2, true), lock.owner().orElseThrow());

            Py py = new Py("take-over", Long.toString(holder.pid()));
            py.awaitLine("WAITING"); // it waited 0.3 s, was refused a release, and now waits again
            assertTrue(holder.isAlive(), "the holder died before the kill:\n" + holder.output());
            assertEquals(new LockHolder(holder.pid(), 2, true), lock.owner().orElseThrow(), "python took a live holder's lock");
            holder.kill();
            String out = py.finishOk();
            System.out.print(out);
            assertTrue(out.contains("TOOK consistent=False recoveries=1 dead=" + holder.pid()), out);
            // the take-over is logged with the dead holder's count
            assertTrue(out.contains("built-in lock of segment 'counter': pid " + holder.pid() + " died holding 2 owner holds"), out);

            // what Python left is what Java reads: free, inconsistent (sticky), one recovery, the dead pid
            assertFalse(lock.isLocked());
            assertFalse(lock.isConsistent());
            assertEquals(1, lock.recoveries());
            assertEquals(holder.pid(), lock.lastDeadPid());
            assertEquals(41, counter.getVolatile());
            assertTrue(lock.tryLock(), "the lock is not free for Java");
            try {
                lock.markConsistent();
            } finally {
                lock.unlock();
            }
            assertTrue(lock.isConsistent());
        }
    }

    @Test
    void javaTakesOverTheLockOfAPythonHolderKilledWithSigkill() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            Py py = new Py("hold");
            py.awaitLine("HOLDING");
            List<LockRecovery> recoveries = new CopyOnWriteArrayList<>();
            SharedReentrantLock lock = SharedReentrantLock.of(counter)
                    .withOptions(LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ofMillis(5)).withRecoveryListener(recoveries::add));
            assertEquals(new LockHolder(py.pid(), 2, true), lock.owner().orElseThrow());
            assertFalse(lock.tryLock(300, TimeUnit.MILLISECONDS), "Java took a live Python holder's lock");
            assertTrue(recoveries.isEmpty(), recoveries::toString);

            py.close(); // SIGKILL, and reaped
            long killed = System.nanoTime();
            assertTrue(lock.tryLock(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "never took over from the dead Python holder");
            try {
                System.out.printf("Python holder pid %d killed; Java held the lock %.1f ms later%n", py.pid(),
                        (System.nanoTime() - killed) / 1e6);
                assertEquals(List.of(new LockRecovery(lock.name(), py.pid(), LockRecovery.Role.OWNER, 2, false)), recoveries);
                assertFalse(lock.isConsistent());
                assertEquals(1, lock.recoveries());
                assertEquals(py.pid(), lock.lastDeadPid());
                assertEquals(1, lock.getHoldCount());
                assertEquals(7, counter.getVolatile(), "the dead holder's write is not there");
                lock.markConsistent();
            } finally {
                lock.unlock();
            }
            assertFalse(lock.isLocked());
            assertTrue(lock.isConsistent());
        }
    }

    // ------------------------------------------------------------------ Python alone

    @Test
    void pythonIsReentrantPerThreadAndRefusesAReleaseByAnotherThread() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            Py py = new Py("threads");
            String refused = py.awaitLine("wrong-thread release: ");
            assertTrue(refused.contains("cannot release un-acquired lock: built-in lock of segment 'counter'"), refused);
            py.awaitLine("HELD 2");
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            assertEquals(new LockHolder(py.pid(), 2, true), lock.owner().orElseThrow());
            assertFalse(lock.tryLock(), "Java entered while Python holds the lock");
            assertTrue(lock.toString().contains("held by pid " + py.pid()), lock.toString());
            py.tell("go");
            assertTrue(py.finishOk().contains("ok threads"));
            assertFalse(lock.isLocked());
            assertTrue(lock.isConsistent());
            assertEquals(0, lock.recoveries());
        }
    }

    /**
     * The get_lock() example of shmkit's module docstring, taken from {@code shmkit.__doc__} and run
     * as written while this JVM holds the lock: it must not write until Java unlocks, then add 1.
     * That the example is waiting inside {@code acquire} (not merely started) is recorded by
     * lock_check.py, whose docstring mode prints BLOCKED at the acquire loop's first idle step.
     */
    @Test
    void theModuleDocstringsLockExampleRunsAsWritten() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter", 41)) {
            SharedReentrantLock lock = SharedReentrantLock.of(counter);
            Py py;
            lock.lock();
            try {
                py = new Py("docstring");
                py.awaitLine("BLOCKED in SegmentLock.acquire"); // the example runs and has found the lock held
                assertEquals(41, counter.getVolatile(), "the example wrote while Java held the lock:\n" + py.output());
                assertEquals(new LockHolder(ProcessHandle.current().pid(), 1, true), lock.owner().orElseThrow());
            } finally {
                lock.unlock();
            }
            assertTrue(py.finishOk().contains("docstring ok"));
            assertEquals(42, counter.getVolatile());
            assertFalse(lock.isLocked());
        }
    }

    @Test
    void pythonRefusesTheLockReadOnlyOffX8664WithoutLibatomicAndFromAnotherBoot() throws Exception {
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            String out = new Py("refusals").finishOk();
            System.out.print(out);
            assertTrue(out.contains("ok refusals"), out);
            assertFalse(SharedReentrantLock.of(counter).isLocked());
        }
    }
}
