package io.shmkit.msg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shmkit.core.Length;
import io.shmkit.core.PythonScript;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.LockHolder;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.ThreadStates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Queues between JVMs and python/shmkit.py, in real processes: Java producers and a Python
 * consumer, a Python producer and a Java consumer, records both ways, roles taken and taken back
 * across the two languages, a dead writer's message dropped by Python, a dead consumer's
 * zeroing finished by Python, corrupt descriptors and many-producer writes refused by Python, and
 * kernel wake-ups (docs/messaging.md §4a) both ways between Python and JVMs asleep in the kernel.
 * The Python side ({@code src/test/python/queue_check.py}) checks every message it reads (the
 * {@link Checksummed} format) and exits non-zero on any loss, duplicate or torn message; the Java
 * side checks with {@link Verifier}. Without python3 on PATH (or the interpreter named by
 * -Dshmkit.python) every test here reports itself skipped, with that reason.
 */
class PythonQueueInteropTest extends SegmentTestSupport {
    private static final Path SCRIPT = Path.of("src/test/python/queue_check.py").toAbsolutePath();
    private static final String PYTHON_DIR = System.getProperty("shmkit.python.dir", Path.of("../python").toAbsolutePath().toString());
    private static final LockOptions WAITING = QueueChild.WAITING;
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration STREAM = Duration.ofMinutes(5);
    private static final long MESSAGES = 100_000;
    private static String python;

    private final List<Py> pythons = new ArrayList<>();
    private final List<JvmProcess> children = new ArrayList<>();

    record Pair(float x, short y) {}

    record Reading(long seq, double value, int code, boolean flag, @Length(12) String label, Pair pair) {}

    /** The record queue_check.py's Expected.fields(seq) describes. */
    static Reading reading(long seq) {
        return new Reading(seq, seq * 0.5 - 3, (int) (seq * 7 - 100), seq % 3 == 0, "r" + seq,
                new Pair(seq / 4f, (short) (seq % 30000 - 15000)));
    }

    @BeforeAll
    static void findPython() {
        String candidate = System.getProperty("shmkit.python", "python3");
        try {
            Process p = new ProcessBuilder(candidate, "-c", "import ctypes, mmap").redirectErrorStream(true).start();
            python = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? candidate : null;
        } catch (IOException | InterruptedException e) {
            python = null;
        }
    }

    /** Per test, so that each one reports itself skipped with the reason. */
    @BeforeEach
    void requirePython() {
        Assumptions.assumeTrue(python != null, System.getProperty("shmkit.python", "python3")
                + " is not on PATH (or lacks ctypes/mmap): the Python queue interop tests cannot run here");
    }

    @AfterEach
    void killProcesses() {
        pythons.forEach(Py::close);
        children.forEach(JvmProcess::close);
    }

    /** A python3 process running a scenario of queue_check.py; its two streams are collected line by line. */
    private final class Py extends PythonScript {
        Py(String scenario, String... args) throws IOException {
            super(command(scenario, args));
            pythons.add(this);
        }
    }

    private List<String> command(String scenario, String... args) {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), PYTHON_DIR, scenario, dir.path().toString()));
        command.addAll(List.of(args));
        return command;
    }

    private Py python(String scenario, String... args) throws IOException {
        return new Py(scenario, args);
    }

    private JvmProcess child(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = dir.path().toString();
        System.arraycopy(args, 0, all, 1, args.length);
        JvmProcess p = JvmProcess.builder(QueueChild.class).jvmOptions("-Xmx128m", "-XX:+UseSerialGC").args(all).captureOutput().start();
        children.add(p);
        return p;
    }

    /** Waits until {@code condition}, failing if a watched process exits first or the time is up. */
    private static void await(String what, Duration timeout, BooleanSupplier condition, Py py, JvmProcess... watched)
            throws InterruptedException {
        Children.await(what, timeout, () -> {
            if (py != null && !py.isAlive()) {
                throw new AssertionError("python exited (" + py.process.exitValue() + ") before " + what + ":\n" + py.output());
            }
            return condition.getAsBoolean();
        }, watched);
    }

    private static void produce(QueueProducer producer, int id, long from, long to) throws InterruptedException {
        for (long seq = from; seq < to; seq++) {
            int length = Checksummed.length(seq);
            Claim claim = producer.claim(1 + id, length, Duration.ofSeconds(60));
            Checksummed.write(claim.buffer(), claim.offset(), id, seq, length);
            claim.commit();
        }
    }

    private static void assertPythonOk(Py py, Duration timeout, String expected) throws InterruptedException {
        int status = py.finish(timeout);
        System.out.print(py.output());
        assertEquals(0, status, py.output());
        assertTrue(py.output().contains(expected), "expected <" + expected + "> in:\n" + py.output());
    }

    // ------------------------------------------------------------------ streams

    @Test
    void aJavaProducerStreams100000MessagesToAPythonConsumer() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING))) {
            Py py = python("consume", "q", "1", Long.toString(MESSAGES));
            await("the Python consumer to attach", START, () -> queue.status().consumer().isPresent(), py);
            assertEquals(py.pid(), queue.status().consumer().orElseThrow().pid());
            long start = System.nanoTime();
            try (QueueProducer producer = queue.producer()) {
                produce(producer, 0, 0, MESSAGES);
            }
            assertPythonOk(py, STREAM, "ok " + MESSAGES + " messages");
            System.out.printf("Java -> Python: %d messages in %.1f s: %s", MESSAGES, (System.nanoTime() - start) / 1e9, py.output());
            QueueStatus status = queue.status();
            assertEquals(status.tail(), status.head(), status.toString());
            assertTrue(status.consumer().isEmpty(), "the Python consumer gave its role back: " + status);
            assertEquals(0, status.unblocked());
        }
    }

    @Test
    void aWordPythonStoresIsNeverSeenHalfWritten() throws Exception {
        // struct.pack_into zero-fills a word before writing it: a Java consumer read a tail of 0 that way
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16))) {
            Py py = python("flip-tail", "q", "1000000");
            await("python flipping", STREAM, () -> py.output().contains("flipping"), py);
            long sixteen = 0;
            long thirtyTwo = 0;
            while (py.isAlive() || sixteen + thirtyTwo == 0) {
                long tail = queue.tail();
                if (tail == 16) {
                    sixteen++;
                } else if (tail == 32) {
                    thirtyTwo++;
                } else if (tail != 0 || sixteen + thirtyTwo > 0) { // 0 before the first store is the queue's own
                    fail("read a tail of " + tail + " after " + (sixteen + thirtyTwo) + " reads of 16 or 32");
                }
            }
            assertPythonOk(py, STREAM, "ok flipped 1000000");
            assertTrue(sixteen > 1000 && thirtyTwo > 1000, "the reads overlapped the stores: " + sixteen + " × 16, "
                    + thirtyTwo + " × 32");
        }
    }

    @Test
    void aPythonProducerStreams100000MessagesToAJavaConsumer() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING));
             QueueConsumer consumer = queue.consumer()) {
            long start = System.nanoTime();
            Py py = python("produce", "q", "0", Long.toString(MESSAGES));
            Verifier verifier = new Verifier(1);
            long deadline = System.nanoTime() + STREAM.toNanos();
            String ended = null;
            while (ended == null) {
                try {
                    consumer.read(verifier, 256, Duration.ofMillis(100));
                } catch (EndOfStreamException e) {
                    ended = e.getMessage();
                }
                if (ended == null && !py.isAlive() && py.process.exitValue() != 0) {
                    throw new AssertionError("python failed after " + verifier + ":\n" + py.output());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + verifier + ":\n" + py.output());
                }
            }
            System.out.printf("Python -> Java: %d messages in %.1f s%n", verifier.total, (System.nanoTime() - start) / 1e9);
            assertEquals(0, verifier.torn, verifier.toString());
            assertEquals(0, verifier.duplicates, verifier.toString());
            assertEquals(0, verifier.gaps, verifier.toString());
            assertArrayEquals(new long[] {MESSAGES}, verifier.next, verifier.toString());
            assertTrue(ended.contains("every producer closed"), ended);
            assertPythonOk(py, Duration.ofSeconds(60), "ok sent " + MESSAGES);
            QueueStatus status = queue.status();
            assertTrue(status.producerList().isEmpty() && status.endOfStream(), status.toString());
        }
    }

    @Test
    void pythonReadsAManyProducerQueueFedByTwoProducerJvms() throws Exception {
        long each = MESSAGES / 2;
        try (SharedLongArray phases = SharedLongArray.create(dir, "phases", 8);
             MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(1 << 16).withWaiting(WAITING))) {
            Py py = python("consume", "q", "2", Long.toString(each));
            await("the Python consumer to attach", START, () -> queue.status().consumer().isPresent(), py);
            JvmProcess a = child("produce", "q", "0", Long.toString(each));
            JvmProcess b = child("produce", "q", "1", Long.toString(each));
            await("both producers to attach", START, () -> queue.status().producerList().size() == 2, py, a, b);
            long start = System.nanoTime();
            phases.setVolatile(QueueChild.GO, 1);
            assertPythonOk(py, STREAM, "ok " + 2 * each + " messages");
            System.out.printf("2 JVMs -> Python: %d messages in %.1f s%n", 2 * each, (System.nanoTime() - start) / 1e9);
            assertTrue(a.join(Duration.ofSeconds(60)) && a.exitCode() == 0, a.output());
            assertTrue(b.join(Duration.ofSeconds(60)) && b.exitCode() == 0, b.output());
        }
    }

    /** The Python check is not silent: one torn, duplicated or missing message in a stream fails it, naming the fault. */
    @ParameterizedTest
    @ValueSource(strings = {"torn", "duplicate", "gap"})
    void thePythonCheckFailsOnATornADuplicatedOrAMissingMessage(String fault) throws Exception {
        long count = 1000;
        long bad = 500;
        // room for all of them: the producer never waits for the consumer, which stops at the fault
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 18).withWaiting(WAITING))) {
            Py py = python("consume", "q", "1", Long.toString(count));
            try (QueueProducer producer = queue.producer()) {
                produce(producer, 0, 0, bad);
                switch (fault) {
                    case "torn" -> {
                        int length = Checksummed.length(bad);
                        Claim claim = producer.claim(1, length, Duration.ofSeconds(60));
                        Checksummed.write(claim.buffer(), claim.offset(), 0, bad, length);
                        claim.buffer().set(java.lang.foreign.ValueLayout.JAVA_BYTE, claim.offset() + 20, (byte) 0x55);
                        claim.commit();
                        produce(producer, 0, bad + 1, count);
                    }
                    case "duplicate" -> produce(producer, 0, bad - 1, count);
                    default -> produce(producer, 0, bad + 1, count);
                }
            }
            assertEquals(1, py.finish(STREAM), py.output());
            String expected = switch (fault) {
                case "torn" -> "CHECK FAILED: torn message #" + (bad + 1) + ": seq " + bad + " of producer 0 has a wrong fill byte";
                case "duplicate" -> "CHECK FAILED: duplicate: producer 0 seq " + (bad - 1) + ", expected " + bad;
                default -> "CHECK FAILED: gap: producer 0 seq " + (bad + 1) + ", expected " + bad;
            };
            assertTrue(py.output().contains(expected), "expected <" + expected + "> in:\n" + py.output());
        }
    }

    // ------------------------------------------------------------------ records

    @Test
    void javaRecordsAreReadFieldByFieldInPython() throws Exception {
        int count = 20_000;
        try (RecordQueue<Reading> queue = RecordQueue.create(dir, "records", Reading.class,
                QueueOptions.oneProducer(1 << 14).withWaiting(WAITING))) {
            Py py = python("records-read", "records", Integer.toString(count));
            await("the Python consumer to attach", START, () -> queue.queue().status().consumer().isPresent(), py);
            try (RecordQueue<Reading>.Producer producer = queue.producer()) {
                for (long seq = 0; seq < count; seq++) {
                    producer.put(reading(seq), Duration.ofSeconds(60));
                }
            }
            assertPythonOk(py, STREAM, "ok read " + count + " records");
        }
    }

    @Test
    void pythonRecordsAreReadAsJavaRecords() throws Exception {
        int count = 20_000;
        try (RecordQueue<Reading> queue = RecordQueue.create(dir, "records", Reading.class,
                QueueOptions.oneProducer(1 << 14).withWaiting(WAITING));
             RecordQueue<Reading>.Consumer consumer = queue.consumer()) {
            Py py = python("records-write", "records", Integer.toString(count));
            long seq = 0;
            long deadline = System.nanoTime() + STREAM.toNanos();
            for (;;) {
                Reading r;
                try {
                    r = consumer.take(Duration.ofMillis(100));
                } catch (EndOfStreamException ended) {
                    break;
                }
                if (r != null) {
                    assertEquals(reading(seq), r, "record " + seq);
                    seq++;
                } else if (!py.isAlive() && py.process.exitValue() != 0) {
                    throw new AssertionError("python failed after " + seq + " records:\n" + py.output());
                }
                assertTrue(System.nanoTime() < deadline, "timed out after " + seq + " records:\n" + py.output());
            }
            assertEquals(count, seq);
            assertPythonOk(py, Duration.ofSeconds(60), "ok wrote " + count + " records");
        }
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void pythonAttachesToAQueueWhosePositionsNeverStopMoving() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024))) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread producer = Thread.ofPlatform().start(() -> {
                try (QueueProducer p = queue.producer()) {
                    while (!stop.get()) {
                        p.offer(1, new byte[8]);
                    }
                }
            });
            Thread consumer = Thread.ofPlatform().start(() -> {
                try (QueueConsumer c = queue.consumer()) {
                    while (!stop.get()) {
                        c.read((t, b, o, l) -> { }, 1);
                    }
                }
            });
            try {
                Py py = python("attach-busy", "q", "3000");
                assertPythonOk(py, Duration.ofSeconds(120), "ok 3000 attaches");
            } finally {
                stop.set(true);
                producer.join();
                consumer.join();
            }
        }
    }

    @Test
    void pythonRefusesToWriteAManyProducerQueueAndSaysWhy() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.manyProducers(1 << 16))) {
            Py py = python("refuse-many", "q");
            assertEquals(3, py.finish(START), py.output());
            String message = py.output().strip();
            assertTrue(message.startsWith("queue 'q' has many producers, and shmkit.py cannot write to it"), message);
            assertTrue(message.contains("claimer word with a compare-and-set, which the Python standard library cannot do"), message);
            assertTrue(message.contains("writes one-producer queues only"), message);
            QueueStatus status = queue.status();
            assertTrue(status.producerList().isEmpty() && status.consumer().isEmpty(), status.toString());
        }
    }

    @Test
    void pythonRefusesCorruptQueuesNamingTheField() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16));
             SharedLongArray other = SharedLongArray.create(dir, "longs", 4)) {
            Py py = python("corrupt", "q", "longs");
            assertPythonOk(py, START, "ok 12 corrupt queues refused");
        }
    }

    /**
     * In one Python process: no libatomic, not x86-64, another boot, a read-only attachment, a
     * second consumer, argument errors and a full queue are refused with their reasons; a dead
     * holder of a role's internal word, a dead namesake's slot and a dead consumer are recovered from.
     */
    @Test
    void pythonRefusesWhatItMustAndRecoversFromDeadHolders() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING))) {
            Py py = python("unit", "q");
            assertPythonOk(py, START, "ok unit");
            QueueStatus status = queue.status();
            assertTrue(status.consumer().isEmpty() && status.producerList().isEmpty() && status.endOfStream(), status.toString());
        }
    }

    // ------------------------------------------------------------------ roles and deaths

    @Test
    void rolesHeldByALivePythonAreRefusedAndADeadOnesAreTakenBack() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING))) {
            for (boolean kill : new boolean[] {false, true}) {
                Py py = python("hold", "q");
                String holding = py.awaitLine("HOLDING ", START);
                assertEquals("HOLDING " + py.pid(), holding);
                IllegalStateException consumerRefused = assertThrows(IllegalStateException.class, queue::consumer);
                assertTrue(consumerRefused.getMessage().contains("already has a consumer: [pid " + py.pid() + "]"),
                        consumerRefused.getMessage());
                IllegalStateException producerRefused = assertThrows(IllegalStateException.class, queue::producer);
                assertTrue(producerRefused.getMessage().contains("pid " + py.pid()), producerRefused.getMessage());
                QueueStatus status = queue.status();
                assertEquals(new LockHolder(py.pid(), 1, true), status.consumer().orElseThrow());
                assertEquals(List.of(new LockHolder(py.pid(), 1, true)), status.producerList());
                assertEquals(3, status.depthMessages());
                if (kill) {
                    py.close(); // SIGKILL, holding both roles
                    assertFalse(py.isAlive());
                } else {
                    py.tell("close");
                    assertPythonOk(py, START, "ok closed");
                }
                try (QueueConsumer consumer = queue.consumer(); QueueProducer producer = queue.producer()) {
                    Verifier verifier = new Verifier(1);
                    assertEquals(3, consumer.read(verifier, 16));
                    assertArrayEquals(new long[] {3}, verifier.next, verifier.toString());
                    assertEquals(0, verifier.torn + verifier.gaps + verifier.duplicates, verifier.toString());
                }
            }
        }
    }

    @Test
    void pythonWaitsForALiveHalfWrittenMessageAndDropsItOnceItsWriterIsDeadThenTakesItsRoleBack() throws Exception {
        try (SharedLongArray phases = SharedLongArray.create(dir, "phases", 8);
             MessageQueue queue = MessageQueue.create(dir, "q", new QueueOptions(QueueDescriptor.ONE_PRODUCER, 1 << 18, 1024, WAITING))) {
            JvmProcess victim = child("die-mid-payload", "q", "0", "1000");
            await("the victim to hold a half-written claim", START,
                    () -> phases.getVolatile(QueueChild.PHASE) == QueueChild.HOLDING_CLAIM, null, victim);
            Py py = python("dead-writer", "q", "1000");
            py.awaitLine("WAITING", START);
            assertTrue(victim.isAlive(), victim.output());
            assertEquals(0, queue.status().unblocked());
            victim.kill();
            assertTrue(victim.join(Duration.ofSeconds(30)));
            assertPythonOk(py, Duration.ofSeconds(60), "ok dropped and ended");
            QueueStatus status = queue.status();
            assertEquals(1, status.unblocked());
            assertTrue(status.endOfStream() && status.producerList().isEmpty(), "Python took the dead producer's role back, "
                    + "sent and closed: " + status);
        }
    }

    @Test
    void pythonTakesTheConsumerRoleBackFromAKilledJvmAndGetsItsBatchAgain() throws Exception {
        long count = 400;
        try (SharedLongArray phases = SharedLongArray.create(dir, "phases", 8);
             MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING))) {
            try (QueueProducer producer = queue.producer()) {
                produce(producer, 0, 0, count);
            }
            JvmProcess consumerJvm = child("consume", "q", "1", "150");
            await("the JVM consumer to be stuck in its handler", START,
                    () -> phases.getVolatile(QueueChild.PHASE) == QueueChild.STUCK_IN_HANDLER, null, consumerJvm);
            long batchStart = phases.getVolatile(QueueChild.BATCH_START);
            assertTrue(batchStart > 0 && batchStart <= 150, "batch start " + batchStart);
            consumerJvm.kill();
            assertTrue(consumerJvm.join(Duration.ofSeconds(30)));
            Py py = python("consume", "q", "1", Long.toString(count), Long.toString(batchStart));
            assertPythonOk(py, START, "ok " + (count - batchStart) + " messages");
            assertTrue(queue.status().consumer().isEmpty());
        }
    }

    @Test
    void pythonFinishesTheZeroingOfAConsumerThatDiedBetweenHeadAndCleared() throws Exception {
        long count = 300;
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16).withWaiting(WAITING))) {
            try (QueueProducer producer = queue.producer()) {
                produce(producer, 0, 0, count);
            }
            Py py = python("predecessor", "q", Long.toString(count), "10");
            assertPythonOk(py, START, "ok took the role of dead pid");
            QueueStatus status = queue.status();
            assertEquals(status.tail(), status.head());
            assertTrue(status.consumer().isEmpty(), status.toString());
        }
    }

    // ------------------------------------------------------------------ kernel wake-ups (docs/messaging.md §4a)

    /** A {@link KernelWaitChild} JVM with native access, so that its kernel waits are on. */
    private JvmProcess kernelChild(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = dir.path().toString();
        System.arraycopy(args, 0, all, 1, args.length);
        JvmProcess p = JvmProcess.builder(KernelWaitChild.class)
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED").args(all).captureOutput().start();
        children.add(p);
        return p;
    }

    private Path file(String name) {
        return dir.path().resolve(name);
    }

    /**
     * The wake word at {@code offset} from C ({@link QueueDescriptor#CONSUMER_WAKE},
     * {@link QueueDescriptor#PRODUCERS_WAKE}) now: bit 0 set while a sleep is announced, bits 1-31
     * the number of wakes made on it (docs/locks.md §9).
     */
    private int wakeWord(String name, long offset) {
        try (MessageQueue queue = MessageQueue.open(dir, name)) {
            return (int) MessageQueue.INT.getVolatile(queue.data, queue.control + offset);
        }
    }

    /** The address in python's line "PRODUCING pid 0x..." or "CONSUMING pid 0x...": the wake word it sleeps on, in its own mapping. */
    private static long wordIn(String line) {
        return Long.decode(line.split(" ")[2]);
    }

    /**
     * Whether python's main thread (its tid is its pid) is in a shared {@code FUTEX_WAIT} (syscall
     * 202, op 0) on exactly {@code address}, inside its mapping of the queue's file: read from
     * {@code /proc/<pid>/task/<pid>/syscall} and {@code maps}. A polling wait (a nanosleep) never passes.
     */
    private boolean pythonSleepsOn(Py py, long address, String name) {
        return ThreadStates.sharedFutexWait(py.pid(), py.pid()).orElse(0) == address
                && ThreadStates.sleepsInKernelOn(py.pid(), py.pid(), file(name));
    }

    /** The counts of python's "STATS" line (queue_check.py's stats()). */
    private static Map<String, Long> stats(Py py) {
        Map<String, Long> stats = new HashMap<>();
        py.output().lines().filter(l -> l.startsWith("STATS ")).forEach(l -> {
            for (String pair : l.substring(6).split(" ")) {
                String[] kv = pair.split("=");
                stats.put(kv[0], Long.parseLong(kv[1]));
            }
        });
        assertFalse(stats.isEmpty(), "no STATS line:\n" + py.output());
        return stats;
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void aPythonProducerWakesAJavaConsumerAsleepInTheKernel() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(4096)).close();
        JvmProcess consumer = kernelChild("consume", "q", "1000", "true");
        await("the Java consumer asleep in the kernel on the queue", START,
                () -> ThreadStates.sleepsInKernelOn(consumer.pid(), KernelWaitChild.CONSUMER_THREAD, file("q")), null, consumer);
        assertEquals(1, wakeWord("q", QueueDescriptor.CONSUMER_WAKE), "the sleeping consumer announced itself (epoch 0)");
        Py py = python("kw-produce", "q", "1000", "0.1");
        assertPythonOk(py, START, "ok sent 1000");
        consumer.joinChecked(START);
        assertTrue(consumer.output().contains("received 1000, kernel waits on"), consumer.output());
        Map<String, Long> stats = stats(py);
        // the consumer was asleep, so its announcement was there for the first commit: that commit's waker step woke it
        assertTrue(stats.get("consumer_wakes") >= 1, "the Python producer found the announcement and woke: " + stats);
        int word = wakeWord("q", QueueDescriptor.CONSUMER_WAKE);
        assertEquals(0, word & 1, "the Python producer cleared the announcement when it woke the consumer: " + word);
        // only producers wake the consumer word, and the only producer was Python: every epoch is one of its wakes
        assertEquals(stats.get("consumer_wakes"), (long) (word >>> 1), "the epoch counts the Python producer's wakes: " + stats);
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void aJavaProducerWakesAPythonConsumerAsleepInTheKernel() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(4096)).close();
        // owner checks every 5 s: a sleep that ends before then was ended by a FUTEX_WAKE, not by its timeout
        Py py = python("kw-consume", "q", "1000", "5");
        long word = wordIn(py.awaitLine("CONSUMING ", START));
        await("the Python consumer asleep in the kernel on the consumer wake word", START, () -> pythonSleepsOn(py, word, "q"), py);
        assertEquals(1, wakeWord("q", QueueDescriptor.CONSUMER_WAKE), "the sleeping Python consumer announced itself");
        JvmProcess producer = kernelChild("produce", "q", "1000", "true");
        producer.joinChecked(START);
        assertPythonOk(py, START, "ok received 1000, then: queue 'q': every producer closed");
        Map<String, Long> stats = stats(py);
        assertTrue(stats.get("consumer_sleeps_woken") >= 1, "a FUTEX_WAKE of the Java producer ended a sleep: " + stats);
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void aJavaConsumerWakesAPythonProducerAsleepOnAFullQueue() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024)).close();
        Py py = python("kw-produce", "q", "2000", "5");
        long word = wordIn(py.awaitLine("PRODUCING ", START));
        await("the Python producer asleep in the kernel on the producers' wake word", START, () -> pythonSleepsOn(py, word, "q"), py);
        assertEquals(1, wakeWord("q", QueueDescriptor.PRODUCERS_WAKE), "the sleeping Python producer announced itself");
        try (MessageQueue queue = MessageQueue.open(dir, "q")) {
            assertEquals(1024, queue.status().depthBytes(), "it sleeps on a full queue: " + queue.status());
        }
        JvmProcess consumer = kernelChild("consume", "q", "2000", "true");
        consumer.joinChecked(STREAM);
        assertTrue(consumer.output().contains("received 2000, kernel waits on"), consumer.output());
        assertPythonOk(py, START, "ok sent 2000");
        Map<String, Long> stats = stats(py);
        assertTrue(stats.get("producers_sleeps_woken") >= 1, "a FUTEX_WAKE of the Java consumer ended a sleep: " + stats);
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void aPythonConsumerWakesAJavaProducerAsleepOnAFullQueue() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024)).close();
        JvmProcess producer = kernelChild("produce", "q", "2000", "true");
        await("the Java producer asleep in the kernel on the full queue", START,
                () -> ThreadStates.sleepsInKernelOn(producer.pid(), KernelWaitChild.PRODUCER_THREAD, file("q")), null, producer);
        assertEquals(1, wakeWord("q", QueueDescriptor.PRODUCERS_WAKE), "the sleeping producer announced itself (epoch 0)");
        Py py = python("kw-consume", "q", "2000", "0.1");
        assertPythonOk(py, STREAM, "ok received 2000, then: queue 'q': every producer closed");
        producer.joinChecked(START);
        assertTrue(producer.output().contains("sent 2000"), producer.output());
        Map<String, Long> stats = stats(py);
        // the producer was asleep, so its announcement was there for the first zeroing: that P3's waker step woke it
        assertTrue(stats.get("producers_wakes") >= 1, "the Python consumer found the announcement and woke: " + stats);
        // only the consumer wakes the producers' word, and the only consumer was Python: every epoch is one of its wakes
        assertEquals(stats.get("producers_wakes"), (long) (wakeWord("q", QueueDescriptor.PRODUCERS_WAKE) >>> 1), stats.toString());
    }

    /**
     * A Java producer and a Python echo, with kernel waits whose sleeps last 30 s both ways: the
     * producer sends each message after a random gap and waits for its echo, so each side is caught
     * spinning, announcing and asleep when the other commits. A wake-up lost in either direction
     * would stall a round trip for 30 s; none may.
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void noWakeUpIsLostBetweenPythonAndJavaWhenCommitsRaceWithAnnouncements() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024)).close();
        MessageQueue.create(dir, "q.back", QueueOptions.oneProducer(1024)).close();
        long count = 5000;
        Py py = python("kw-echo", "q", Long.toString(count), "30");
        py.awaitLine("ECHOING ", START);
        JvmProcess producer = kernelChild("race-produce", "q", Long.toString(count));
        producer.joinChecked(STREAM);
        assertPythonOk(py, START, "ok echoed " + count);
        String out = producer.output();
        long longest = Long.parseLong(out.replaceAll("(?s).*longest round trip (\\d+) ms.*", "$1"));
        Map<String, Long> stats = stats(py);
        assertEquals(0, stats.get("consumer_sleeps_timed_out"), "a Python sleep ran out its 30 s: " + stats);
        assertTrue(stats.get("consumer_sleeps_woken") > 0 && stats.get("back_consumer_wakes") > 0,
                "both sides were caught asleep and woken: " + stats);
        assertTrue(longest < 10_000, "a round trip took " + longest + " ms: a wake-up was lost\n" + out + "\n" + stats);
        System.out.println("Java -> Python echo, kernel waits: " + out.strip() + "; " + stats);
    }

    /** Without kernel_waits Python never loads its futex helper and never reads or writes a wake word, even while it waits. */
    @Test
    void withoutKernelWaitsPythonTouchesNoWakeWordAndFallsBackSayingWhyWhenFutexesAreMissing() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024))) {
            MessageQueue.INT.setVolatile(queue.data, queue.control + QueueDescriptor.CONSUMER_WAKE, 1);
            MessageQueue.INT.setVolatile(queue.data, queue.control + QueueDescriptor.PRODUCERS_WAKE, 1);
            Py py = python("kw-off", "q");
            assertPythonOk(py, START, "ok kernel waits off: futex never loaded, wake words untouched, fallback said once");
            assertEquals(1, (int) MessageQueue.INT.getVolatile(queue.data, queue.control + QueueDescriptor.CONSUMER_WAKE));
            assertEquals(1, (int) MessageQueue.INT.getVolatile(queue.data, queue.control + QueueDescriptor.PRODUCERS_WAKE));
        }
    }

    // ------------------------------------------------------------------ the command line

    @Test
    void theCommandLineShowsAQueue() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(1 << 16));
             QueueProducer producer = queue.producer()) {
            produce(producer, 0, 0, 3);
            Process p = new ProcessBuilder(python, Path.of(PYTHON_DIR, "shmkit.py").toString(), "q", "--dir", dir.path().toString())
                    .redirectErrorStream(true).start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), out);
                long self = ProcessHandle.current().pid();
                for (String expected : List.of("kind           queue",
                        "queue          one producer, 65536 bytes, messages up to 8176 bytes, byte messages",
                        "waiting        3 messages, ", "consumer       none", "producers      pid " + self + "\n",
                        "stream         open; 1 producer attaches")) {
                    assertTrue(out.contains(expected), "expected <" + expected + "> in:\n" + out);
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
