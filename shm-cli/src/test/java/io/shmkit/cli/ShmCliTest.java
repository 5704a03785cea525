package io.shmkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SharedLong;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.SharedMutex;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shm command, in this JVM, on segments that real child JVMs create, map, hold and abandon. */
class ShmCliTest extends SegmentTestSupport {
    private static final Duration LONG = Duration.ofMinutes(2);

    record Result(int code, String out, String err) {
    }

    private Result shm(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.size() > 0 && !all.getFirst().equals("completion")) {
            all.add("--dir");
            all.add(dir.path().toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Shm.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String json) {
        return (Map<String, Object>) JsonParser.parse(json.strip());
    }

    // ------------------------------------------------------------------ child JVMs

    /** Creates a segment and exits: its creator is dead from then on. */
    static void createAndExit(SegmentDirectory d, String name) {
        SharedDoubleArray.create(d, name, new double[] {1.5, 2.5, 3.5}).close();
    }

    /** Maps a segment, says so on a flag segment, and waits to be killed. */
    static void mapAndWait(SegmentDirectory d, String name, SharedLong flag) throws InterruptedException {
        try (var mapped = SharedDoubleArray.open(d, name)) {
            flag.set(ProcessHandle.current().pid());
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Locks a mutex segment, says so, and waits to be killed holding it. */
    static void holdMutex(SharedMutex mutex, SharedLong flag) throws InterruptedException {
        mutex.lock();
        flag.set(ProcessHandle.current().pid());
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Takes the consumer role of a queue, says so, and waits to be killed. */
    static void consumeNothing(MessageQueue queue, SharedLong flag) throws InterruptedException {
        var consumer = queue.consumer();
        flag.set(ProcessHandle.current().pid());
        Thread.sleep(Long.MAX_VALUE);
        consumer.close();
    }

    private static long awaitFlag(SharedLong flag, JvmProcess child) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (flag.getVolatile() == 0) {
            assertTrue(child.isAlive() && System.nanoTime() < deadline, "the child never got there: " + child.output());
            Thread.sleep(10);
        }
        return flag.getVolatile();
    }

    // ------------------------------------------------------------------ gc

    @Test
    void gcKeepsWhatALiveProcessMapsRemovesItOnceNoneDoesAndNeverTouchesAForeignFile() throws Exception {
        JvmProcess.target(ShmCliTest.class, "createAndExit", dir, "orphan").captureOutput().run();
        Path foreign = Files.writeString(dir.path().resolve("notes.txt"), "not a segment");
        try (var flag = SharedLong.create(dir, "flag", 0);
             JvmProcess mapper = JvmProcess.target(ShmCliTest.class, "mapAndWait", dir, "orphan", flag).captureOutput().start()) {
            long pid = awaitFlag(flag, mapper);
            assertEquals(mapper.pid(), pid);
            Result kept = shm("gc", "--grace", "PT0S");
            assertEquals(0, kept.code(), kept.err());
            assertTrue(kept.out().contains("kept orphan: in use: mapped by live processes [" + pid + "]"), kept.out());
            assertTrue(Files.exists(dir.path().resolve("orphan")), "gc removed a segment a live process maps");
            mapper.kill();
            mapper.join(LONG);
            Result dry = shm("gc", "--grace", "PT0S", "--dry-run");
            assertTrue(dry.out().contains("would remove orphan: creator pid"), dry.out());
            assertTrue(Files.exists(dir.path().resolve("orphan")), "--dry-run removed it");
            Result young = shm("gc", "--grace", "PT1H");
            assertTrue(young.out().contains("kept orphan: younger than the grace period (PT1H)"), young.out());
            Result removed = shm("gc", "--grace", "PT0S", "--json");
            List<Object> report = (List<Object>) JsonParser.parse(removed.out().strip());
            Map<?, ?> orphan = report.stream().map(o -> (Map<?, ?>) o).filter(o -> o.get("name").equals("orphan")).findFirst().orElseThrow();
            assertEquals(true, orphan.get("removed"), removed.out());
            assertFalse(Files.exists(dir.path().resolve("orphan")));
            assertTrue(report.stream().map(o -> (Map<?, ?>) o).noneMatch(o -> o.get("name").equals("notes.txt")), "a foreign file is no candidate");
            assertEquals("not a segment", Files.readString(foreign), "the foreign file survives");
            Map<?, ?> flagRow = report.stream().map(o -> (Map<?, ?>) o).filter(o -> o.get("name").equals("flag")).findFirst().orElseThrow();
            assertEquals(false, flagRow.get("removed"), "this JVM, its creator, is alive");
        }
    }

    @Test
    void aSegmentMappedThroughAnotherPathIsStillInUse() throws Exception {
        JvmProcess.target(ShmCliTest.class, "createAndExit", dir, "linked").captureOutput().run();
        Path link = Files.createSymbolicLink(dir.path().resolveSibling(dir.path().getFileName() + "-link"), dir.path());
        try (var flag = SharedLong.create(dir, "flag", 0);
             JvmProcess mapper = JvmProcess.target(ShmCliTest.class, "mapAndWait", dir, "linked", flag).captureOutput().start()) {
            long pid = awaitFlag(flag, mapper);
            StringWriter out = new StringWriter();
            Shm.run(new String[] {"gc", "--grace", "PT0S", "--dir", link.toString()}, new PrintWriter(out), new PrintWriter(new StringWriter()));
            assertTrue(out.toString().contains("kept linked: in use: mapped by live processes [" + pid + "]"), out.toString());
            StringWriter err = new StringWriter();
            int code = Shm.run(new String[] {"rm", "linked", "--dir", link.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
            assertEquals(Shm.FAILED, code, err.toString());
            assertTrue(Files.exists(dir.path().resolve("linked")), "a segment in use through the real path was removed");
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void unlinkIfSameNeverRemovesASegmentCreatedAnewUnderTheName() {
        var first = SharedLong.create(dir, "again", 1);
        var judged = first.info();
        first.close();
        dir.unlink("again");
        try (var second = SharedLong.create(dir, "again", 2)) {
            assertFalse(dir.unlinkIfSame(judged), "the name now holds another segment");
            assertTrue(Files.exists(dir.path().resolve("again")));
            assertTrue(dir.unlinkIfSame(second.info()));
        }
    }

    record Inner(int a, int b) {
    }

    record Outer(long a, Inner inner, double z) {
    }

    @Test
    void inspectNeverWritesAndNeverMisreadsNestedFieldsOrControlCharacters() throws Exception {
        try (MessageQueue queue = MessageQueue.create(dir, "q", QueueOptions.oneProducer(4096));
             var outer = io.shmkit.core.SharedStructArray.create(dir, "outer", Outer.class, List.of(new Outer(111, new Inner(7, 8), 2.5)))) {
            byte[] before = Files.readAllBytes(dir.path().resolve("q"));
            assertEquals(0, shm("inspect", "q").code());
            assertEquals(0, shm("watch", "q", "--count", "1").code());
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.path().resolve("q"))), "inspect wrote to the queue");
            Map<String, Object> o = object(shm("inspect", "outer", "--json").out());
            assertTrue(((String) o.get("ctypes")).startsWith("(nested struct fields"), o.get("ctypes").toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> first = (Map<String, Object>) ((List<Object>) o.get("preview")).getFirst();
            assertEquals(111L, ((Number) first.get("a")).longValue());
            assertEquals(2.5, first.get("z"));
            assertTrue(first.get("inner").toString().startsWith("({a:i32@0,b:i32@4}"), first.toString());
            assertFalse(first.containsKey("b"), "a nested field read as a top-level one: " + first);
        }
        Files.writeString(dir.path().resolve("evil\u001b[31mRED\nfake-row"), "x");
        Result ls = shm("ls");
        assertFalse(ls.out().contains("\u001b") || ls.out().lines().anyMatch(l -> l.startsWith("fake-row")), ls.out());
        assertTrue(ls.out().contains("evil\\x1b[31mRED\\x0afake-row"), ls.out());
    }

    // ------------------------------------------------------------------ inspect: locks and queues

    @Test
    void inspectShowsALockHolderAliveThenDeadThenTheTakeOver() throws Exception {
        try (var flag = SharedLong.create(dir, "flag", 0); SharedMutex mutex = SharedMutex.create(dir, "orders");
             JvmProcess holder = JvmProcess.target(ShmCliTest.class, "holdMutex", mutex, flag).captureOutput().start()) {
            long pid = awaitFlag(flag, holder);
            Map<String, Object> lock = lockOf(shm("inspect", "orders", "--json"));
            assertEquals(true, lock.get("held"));
            assertEquals(pid, ((Number) lock.get("holderPid")).longValue());
            assertEquals("ALIVE", lock.get("holderAlive"));
            assertEquals("MutexState", lock.get("type"));
            holder.kill();
            holder.join(LONG);
            lock = lockOf(shm("inspect", "orders", "--json"));
            assertEquals("DEAD", lock.get("holderAlive"), lock.toString());
            mutex.lock(); // takes the dead holder's lock over
            try {
                lock = lockOf(shm("inspect", "orders", "--json"));
                assertEquals(false, lock.get("consistent"));
                assertEquals(1, ((Number) lock.get("recoveries")).intValue());
                assertEquals(pid, ((Number) lock.get("lastDeadPid")).longValue());
                assertEquals(ProcessHandle.current().pid(), ((Number) lock.get("holderPid")).longValue());
                String text = shm("inspect", "orders").out();
                assertTrue(text.contains("consistent         false") && text.contains("recoveries         1"), text);
            } finally {
                mutex.markConsistent();
                mutex.unlock();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lockOf(Result r) {
        assertEquals(0, r.code(), r.err());
        return (Map<String, Object>) object(r.out()).get("lock");
    }

    @Test
    void inspectShowsTheDepthOfAQueueWhoseConsumerDied() throws Exception {
        try (var flag = SharedLong.create(dir, "flag", 0);
             MessageQueue queue = MessageQueue.create(dir, "jobs", QueueOptions.manyProducers(1 << 14));
             JvmProcess consumer = JvmProcess.target(ShmCliTest.class, "consumeNothing", queue, flag).captureOutput().start()) {
            long pid = awaitFlag(flag, consumer);
            try (QueueProducer producer = queue.producer()) {
                for (int i = 0; i < 7; i++) {
                    assertTrue(producer.offer(1, new byte[24]));
                }
                consumer.kill();
                consumer.join(LONG);
                @SuppressWarnings("unchecked")
                Map<String, Object> q = (Map<String, Object>) object(shm("inspect", "jobs", "--json").out()).get("queue");
                assertEquals(7L, ((Number) q.get("depthMessages")).longValue(), q.toString());
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) q.get("consumer");
                assertEquals(pid, ((Number) c.get("pid")).longValue());
                assertEquals(false, c.get("alive"));
                assertEquals("many producers", q.get("producers"));
            }
        }
    }

    // ------------------------------------------------------------------ JSON of every subcommand

    @Test
    @SuppressWarnings("unchecked")
    void everySubcommandsJsonParsesWithItsFields() throws Exception {
        try (var xs = SharedDoubleArray.create(dir, "xs", new double[] {1, 2, 3, 4, 5, 6, 7, 8})) {
            Map<String, Object> ls = object(shm("ls", "--json").out());
            assertEquals(dir.path().toString(), ls.get("directory"));
            Map<String, Object> row = (Map<String, Object>) ((List<Object>) ls.get("entries")).getFirst();
            assertEquals("xs", row.get("name"));
            assertEquals(true, row.get("segment"));
            assertEquals("ARRAY", row.get("kind"));
            assertEquals("f64", row.get("layout"));
            assertEquals(8L, ((Number) row.get("elements")).longValue());
            assertEquals("ALIVE", row.get("creatorAlive"));
            Map<String, Object> inspect = object(shm("inspect", "xs", "--json").out());
            assertEquals("c_double * 8", inspect.get("ctypes"));
            assertEquals(List.of(1.0, 2.0, 3.0, "... 2 more", 6.0, 7.0, 8.0), inspect.get("preview"));
            assertEquals(false, ((Map<String, Object>) inspect.get("builtInLock")).get("held"));
            Map<String, Object> watch = object(shm("watch", "xs", "--count", "1", "--json").out());
            assertEquals("xs", watch.get("name"));
            assertEquals(1.0, watch.get("first"));
            List<Object> gc = (List<Object>) JsonParser.parse(shm("gc", "--json").out().strip());
            assertEquals("its creator, pid " + ProcessHandle.current().pid() + ", is alive", ((Map<String, Object>) gc.getFirst()).get("reason"));
        }
        List<Object> rm = (List<Object>) JsonParser.parse(shm("rm", "xs", "--json").out().strip());
        assertEquals(Map.of("name", "xs", "removed", true, "reason", "unlinked"), rm.getFirst());
        assertTrue(shm("completion").out().contains("complete -F"), "a bash completion script");
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badFilesAndArgumentsGetOneLineAndANonZeroExitNeverAStackTrace() throws Exception {
        Files.write(dir.path().resolve("garbage"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Files.writeString(dir.path().resolve("text"), "just some text that is long enough to be mistaken for something");
        try (var real = SharedLong.create(dir, "real", 7)) {
            byte[] head = Files.readAllBytes(real.info().path());
            Files.write(dir.path().resolve("truncated"), java.util.Arrays.copyOf(head, 300));
        }
        Files.createDirectory(dir.path().resolve("subdir"));
        Path fifo = dir.path().resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        Result ls = shm("ls");
        assertEquals(0, ls.code(), ls.err());
        for (String bad : List.of("garbage", "text", "truncated", "subdir", "fifo")) {
            assertTrue(ls.out().lines().anyMatch(l -> l.startsWith(bad + " ") && l.contains("foreign")), bad + " in\n" + ls.out());
        }
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("real ") && l.contains("VALUE")), "ls goes on past bad files:\n" + ls.out());
        List<String[]> cases = List.of(
                new String[] {"inspect", "garbage"}, new String[] {"inspect", "truncated"}, new String[] {"inspect", "fifo"},
                new String[] {"inspect", "subdir"}, new String[] {"inspect", "../etc"}, new String[] {"inspect", "a/b"},
                new String[] {"inspect", "missing"}, new String[] {"rm", "text"}, new String[] {"rm", "missing"},
                new String[] {"watch", "bad name", "--count", "1"}, new String[] {"inspect", "x".repeat(300)},
                new String[] {"inspect"}, new String[] {"frobnicate"}, new String[] {"gc", "--grace", "soon"});
        for (String[] c : cases) {
            Result r = shm(c);
            String what = String.join(" ", c);
            assertNotEquals(0, r.code(), what + " exited 0: " + r.out());
            assertFalse(r.err().contains("\tat "), what + " printed a stack trace:\n" + r.err());
            assertFalse(r.err().isBlank(), what + " said nothing");
        }
        Result verbose = shm("inspect", "garbage", "--verbose");
        assertTrue(verbose.err().contains("\tat "), "--verbose shows the stack trace");
        for (String[] missingDir : List.of(new String[] {"ls", "--dir", "/nonexistent/shm"}, new String[] {"ls", "--dir", fifo.toString()})) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Shm.run(missingDir, new PrintWriter(out), new PrintWriter(err));
            assertEquals(Shm.FAILED, code, err.toString());
            assertTrue(err.toString().startsWith("shm ls: directory ") && err.toString().lines().count() == 1, err.toString());
        }
        assertTrue(Files.exists(dir.path().resolve("text")) && Files.exists(dir.path().resolve("garbage")), "rm refused foreign files");
    }
}
