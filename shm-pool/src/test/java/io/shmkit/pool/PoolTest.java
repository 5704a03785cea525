package io.shmkit.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pool with real worker JVMs: results, failures, deaths of workers and of the pool's JVM. */
class PoolTest extends SegmentTestSupport {
    private static final Duration LONG = Duration.ofMinutes(2);
    private static Pool shared;

    public static final class Square implements Task<Long, Long> {
        @Override
        public Long apply(Long x) {
            return x * x;
        }
    }

    public static final class Divide implements Task<Integer, Integer> {
        @Override
        public Integer apply(Integer x) {
            return 100 / x;
        }
    }

    record Range(SharedLongArray numbers, long from, long to) {
    }

    /** Sums a slice of a shared array; returns the sum and which attachment it used. */
    public static final class SumSlice implements Task<Range, long[]> {
        @Override
        public long[] apply(Range r) {
            long sum = 0;
            for (long i = r.from(); i < r.to(); i++) {
                sum += r.numbers().get(i);
            }
            return new long[] {sum, System.identityHashCode(r.numbers()), ProcessHandle.current().pid()};
        }
    }

    /** Records its pid in the shared "started" counter's segment, then sleeps: a task to kill a worker in. */
    public static final class Hang implements Task<SharedLong, Long> {
        @Override
        public Long apply(SharedLong started) throws InterruptedException {
            if (started.compareAndSet(0, ProcessHandle.current().pid())) {
                Thread.sleep(60_000); // the first attempt: killed in here
            }
            return ProcessHandle.current().pid();
        }
    }

    public static final class NoDefaultConstructor implements Task<Long, Long> {
        NoDefaultConstructor(int x) {
        }

        @Override
        public Long apply(Long x) {
            return x;
        }
    }

    public static final class BrokenInWorkers implements Task<Long, Long> {
        static {
            if (System.getProperty("shmkit.pool.test.worker") != null) {
                throw new IllegalStateException("cannot initialize in a worker");
            }
        }

        @Override
        public Long apply(Long x) {
            return x;
        }
    }

    @BeforeAll
    static void startSharedPool() throws InterruptedException {
        shared = Pool.builder().workers(2).jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-Dshmkit.pool.test.worker=1").quiet().start();
    }

    @AfterAll
    static void closeSharedPool() {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    void mapKeepsTheArgumentsOrderForEveryChunkSize() throws Exception {
        List<Long> args = LongStream.range(-500, 500).boxed().toList();
        List<Long> sequential = args.stream().map(x -> x * x).toList();
        for (int chunk : new int[] {1, 3, 64, 999, 1000, 5000}) {
            assertEquals(sequential, shared.map(Square.class, args, chunk), "chunk size " + chunk);
        }
        assertEquals(List.of(), shared.map(Square.class, List.of(), 4));
    }

    @Test
    void imapUnorderedInvokeAllAndSubmitGiveEveryResult() throws Exception {
        List<Long> args = LongStream.range(0, 300).boxed().toList();
        Set<Long> expected = args.stream().map(x -> x * x).collect(Collectors.toSet());
        try (Stream<Long> results = shared.imapUnordered(Square.class, args, 7)) {
            List<Long> all = results.toList();
            assertEquals(300, all.size());
            assertEquals(expected, new HashSet<>(all));
        }
        List<CompletableFuture<Long>> futures = shared.invokeAll(Square.class, List.of(2L, 3L));
        assertTrue(futures.stream().allMatch(CompletableFuture::isDone));
        assertEquals(List.of(4L, 9L), futures.stream().map(CompletableFuture::join).toList());
        assertEquals(49L, shared.submit(Square.class, 7L).get());
    }

    @Test
    void aTaskExceptionCrossesWithItsClassMessageAndStackTrace() throws Exception {
        var e = assertThrows(ExecutionException.class, () -> shared.submit(Divide.class, 0).get());
        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, e.getCause());
        assertEquals("java.lang.ArithmeticException", remote.remoteClass());
        assertEquals("/ by zero", remote.remoteMessage());
        assertTrue(shared.workerPids().contains(remote.workerPid()));
        assertTrue(remote.getMessage().startsWith("task Divide(0) failed in worker pid "), remote.getMessage());
        assertEquals(Divide.class.getName(), remote.getStackTrace()[0].getClassName());
        assertEquals("apply", remote.getStackTrace()[0].getMethodName());
        var inMap = assertThrows(RemoteTaskException.class, () -> shared.map(Divide.class, List.of(1, 2, 0, 4), 4));
        assertTrue(inMap.getMessage().contains("(argument 2 of its chunk)"), inMap.getMessage());
        assertEquals(List.of(100, 50), shared.map(Divide.class, List.of(1, 2), 1), "the workers live on");
    }

    @Test
    void aTaskClassThatCannotCrossIsRefusedClearly() throws Exception {
        Task<Long, Long> lambda = x -> x;
        @SuppressWarnings("unchecked")
        Class<? extends Task<Long, Long>> lambdaClass = (Class<? extends Task<Long, Long>>) lambda.getClass();
        var e = assertThrows(IllegalArgumentException.class, () -> shared.submit(lambdaClass, 1L));
        assertTrue(e.getMessage().contains("a lambda, anonymous or local class exists only in the JVM that made it"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> shared.submit(NoDefaultConstructor.class, 1L));
        assertTrue(e.getMessage().endsWith("has no no-argument constructor: a worker builds a task with one"), e.getMessage());
        var failed = assertThrows(ExecutionException.class, () -> shared.submit(BrokenInWorkers.class, 1L).get());
        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, failed.getCause());
        assertEquals("java.lang.ExceptionInInitializerError", remote.remoteClass());
        assertTrue(remote.getMessage().contains("cannot initialize in a worker"), remote.getMessage());
    }

    @Test
    void largeDataCrossesAsASegmentThatEachWorkerAttachesOnce() throws Exception {
        try (var numbers = SharedLongArray.create(dir, "numbers", 100_000)) {
            for (int i = 0; i < 100_000; i++) {
                numbers.set(i, i + 1);
            }
            List<Range> slices = new ArrayList<>();
            for (int s = 0; s < 20; s++) {
                slices.add(new Range(numbers, s * 5000L, (s + 1) * 5000L));
            }
            List<long[]> results = shared.map(SumSlice.class, slices, 1);
            assertEquals(5_000_050_000L, results.stream().mapToLong(r -> r[0]).sum());
            // one attachment per worker: the same object answered every slice a worker summed
            var attachmentsByWorker = results.stream().collect(Collectors.groupingBy(r -> r[2], Collectors.mapping(r -> r[1], Collectors.toSet())));
            attachmentsByWorker.values().forEach(ids -> assertEquals(1, ids.size(), attachmentsByWorker.toString()));
        }
    }

    /** Reads element 0 of the array it is given. */
    public static final class First implements Task<SharedLongArray, Long> {
        @Override
        public Long apply(SharedLongArray a) {
            return a.get(0);
        }
    }

    /** Throws with a message far larger than a result message carries. */
    public static final class Huge implements Task<Integer, Integer> {
        @Override
        public Integer apply(Integer n) {
            throw new IllegalArgumentException("x".repeat(n));
        }
    }

    /** Returns a temporary segment it closes (so unlinks) at once: the pool's JVM cannot attach it. */
    public static final class Vanishing implements Task<SegmentDirectoryHolder, SharedLong> {
        @Override
        public SharedLong apply(SegmentDirectoryHolder d) {
            SharedLong gone = SharedLong.create(d.directory().temporary(), "vanishing", 1);
            gone.close();
            return gone;
        }
    }

    record SegmentDirectoryHolder(io.shmkit.core.SegmentDirectory directory) {
    }

    @Test
    void aSegmentNameUsedAgainIsAttachedAgainNotReadStale() throws Exception {
        for (long round = 1; round <= 3; round++) {
            try (var a = SharedLongArray.create(dir, "reused", 1)) {
                a.set(0, round * 100);
                assertEquals(round * 100, shared.submit(First.class, a).get(), "round " + round);
            } finally {
                dir.unlink("reused");
            }
        }
    }

    @Test
    void aFailureTooLargeForAMessageFailsItsTaskNotItsWorker() throws Exception {
        List<Long> before = shared.workerPids();
        var e = assertThrows(ExecutionException.class, () -> shared.submit(Huge.class, 2_000_000).get());
        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, e.getCause());
        assertTrue(remote.remoteMessage().endsWith("... (2000000 characters)"), remote.remoteMessage().length() + "");
        assertEquals(before, shared.workerPids(), "no worker died");
    }

    @Test
    void aResultThePoolCannotReadFailsThatTaskAndThePoolGoesOn() throws Exception {
        var e = assertThrows(ExecutionException.class, () -> shared.submit(Vanishing.class, new SegmentDirectoryHolder(dir)).get());
        assertTrue(e.getCause().getMessage().startsWith("the result of task Vanishing("), e.getCause().getMessage());
        assertEquals(16L, shared.submit(Square.class, 4L).get());
    }

    @Test
    void aDependentActionMayWaitOnThePoolAndImapGoesOnAfterAFailure() throws Exception {
        assertEquals(81L, shared.submit(Square.class, 3L).thenApply(r -> shared.submit(Square.class, r).join())
                .get(60, java.util.concurrent.TimeUnit.SECONDS), "the callback's own task was read: no deadlock");
        List<String> seen = new ArrayList<>();
        var it = shared.imapUnordered(Divide.class, List.of(1, 0, 2), 1).iterator();
        for (int i = 0; i < 3; i++) {
            try {
                seen.add(String.valueOf(it.next()));
            } catch (RemoteTaskException failed) {
                seen.add("failed");
            }
        }
        assertEquals(3, seen.size());
        assertTrue(seen.contains("failed") && seen.contains("100") && seen.contains("50"), seen.toString());
        assertFalse(it.hasNext());
    }

    @Test
    void aWorkerKilledMidTaskFailsItsTaskAndIsReplaced() throws Exception {
        try (Pool pool = Pool.builder().workers(1).jvmOptions("-Xmx64m").quiet().start();
             var started = SharedLong.create(dir, "started", 0)) {
            long before = pool.workerPids().getFirst();
            CompletableFuture<Long> hung = pool.submit(Hang.class, started);
            long victim = awaitNonZero(started);
            assertEquals(before, victim, "the task runs in the pool's worker");
            CompletableFuture<Long> queued = pool.submit(Square.class, 12L);
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            var e = assertThrows(ExecutionException.class, () -> hung.get());
            WorkerDiedException died = assertInstanceOf(WorkerDiedException.class, e.getCause());
            assertEquals(victim, died.workerPid());
            assertTrue(died.getMessage().startsWith("task Hang(SharedLong[started") && died.getMessage()
                    .contains("was running in pool worker 0 (pid " + victim + "), which was killed by signal 9"), died.getMessage());
            assertEquals(144L, queued.get(), "the job queued behind it never started: it runs in the replacement");
            long replacement = pool.workerPids().getFirst();
            assertNotEquals(victim, replacement);
            assertEquals(List.of(1L, 4L), pool.map(Square.class, List.of(1L, 2L), 1));
        }
    }

    @Test
    void withRetriesAKilledWorkersTaskRunsAgainInTheReplacement() throws Exception {
        try (Pool pool = Pool.builder().workers(1).retries(1).jvmOptions("-Xmx64m").quiet().start();
             var started = SharedLong.create(dir, "started", 0)) {
            CompletableFuture<Long> hung = pool.submit(Hang.class, started);
            long victim = awaitNonZero(started);
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            long ranIn = hung.get();
            assertNotEquals(victim, ranIn, "the retry ran in the replacement");
            assertEquals(pool.workerPids().getFirst(), ranIn);
        }
    }

    @Test
    void closeFinishesPendingTasksAndTerminateCancelsThem() throws Exception {
        Pool pool = Pool.builder().workers(1).jvmOptions("-Xmx64m").quiet().start();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (long i = 0; i < 50; i++) {
            futures.add(pool.submit(Square.class, i));
        }
        List<Long> pids = pool.workerPids();
        pool.close();
        for (int i = 0; i < 50; i++) {
            assertEquals((long) i * i, futures.get(i).getNow(-1L), "close let every submitted task finish");
        }
        assertTrue(pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        assertThrows(IllegalStateException.class, () -> pool.submit(Square.class, 1L));

        Pool doomed = Pool.builder().workers(1).jvmOptions("-Xmx64m").quiet().start();
        try (var started = SharedLong.create(dir, "started", 0)) {
            CompletableFuture<Long> hung = doomed.submit(Hang.class, started);
            awaitNonZero(started);
            doomed.terminate();
            assertThrows(CancellationException.class, hung::join);
            assertTrue(hung.isCancelled(), "terminate cancels the futures it fails");
        }
    }

    /** The parent of a pool: creates one, prints its workers and segments, and waits to be killed. */
    static void poolParent() throws Exception {
        Set<String> before = shmNames();
        Pool pool = Pool.builder().workers(2).jvmOptions("-Xmx64m").quiet().start();
        List<String> segments = shmNames().stream().filter(n -> !before.contains(n) && n.startsWith("pool-")).toList();
        System.out.println("WORKERS " + pool.workerPids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        System.out.println("SEGMENTS " + String.join(",", segments));
        Thread.sleep(Long.MAX_VALUE);
    }

    /** A program that uses a pool and returns from main without closing it. */
    static void leavesItsPoolOpen() throws Exception {
        Set<String> before = shmNames();
        Pool pool = Pool.builder().workers(2).jvmOptions("-Xmx64m").quiet().start();
        System.out.println("RESULT " + pool.map(Square.class, List.of(3L), 1));
        System.out.println("WORKERS " + pool.workerPids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        System.out.println("SEGMENTS " + String.join(",", shmNames().stream().filter(n -> !before.contains(n)).toList()));
    }

    @Test
    void aPoolLeftOpenDoesNotHoldUpItsJvmsExitAndLeavesNothingBehind() throws Exception {
        try (JvmProcess program = JvmProcess.target(PoolTest.class, "leavesItsPoolOpen").captureOutput().start()) {
            program.joinChecked(LONG);
            String out = program.output();
            assertTrue(out.contains("RESULT [9]"), out);
            List<Long> workers = Stream.of(line(out, "WORKERS ").split(",")).map(Long::parseLong).toList();
            List<String> ours = Stream.of(line(out, "SEGMENTS ").split(",")).filter(n -> !n.isEmpty()).toList();
            assertEquals(3, ours.size(), out);
            long deadline = System.nanoTime() + LONG.toNanos();
            while (workers.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))) {
                assertTrue(System.nanoTime() < deadline, "workers outlived their program: " + workers);
                Thread.sleep(20);
            }
            assertFalse(ours.stream().anyMatch(n -> Files.exists(Path.of("/dev/shm", n))), "segments left: " + ours);
        }
    }

    @Test
    void killingThePoolsJvmLeavesNoWorkerAndNoSegment() throws Exception {
        try (JvmProcess parent = JvmProcess.target(PoolTest.class, "poolParent").captureOutput().start()) {
            String out = awaitLine(parent, "SEGMENTS ");
            List<Long> workers = Stream.of(line(out, "WORKERS ").split(",")).map(Long::parseLong).toList();
            List<String> ours = Stream.of(line(out, "SEGMENTS ").split(",")).filter(n -> !n.isEmpty()).toList();
            assertEquals(2, workers.size(), out);
            assertTrue(ours.size() >= 3, "a result queue and two task queues: " + ours);
            parent.kill();
            long deadline = System.nanoTime() + LONG.toNanos();
            while (workers.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                    || ours.stream().anyMatch(n -> Files.exists(Path.of("/dev/shm", n)))) {
                assertTrue(System.nanoTime() < deadline, "workers or segments outlived the pool's JVM: " + workers + " " + ours);
                Thread.sleep(20);
            }
            assertFalse(ours.stream().anyMatch(n -> Files.exists(Path.of("/dev/shm", n))));
        }
    }

    private static Set<String> shmNames() throws java.io.IOException {
        try (var files = Files.list(Path.of("/dev/shm"))) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static long awaitNonZero(SharedLong value) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        long v;
        while ((v = value.getVolatile()) == 0) {
            assertTrue(System.nanoTime() < deadline, "the task never started");
            Thread.sleep(5);
        }
        return v;
    }

    /** The output once it holds the whole line that starts with {@code prefix}: up to its newline, not part of it. */
    private static String awaitLine(JvmProcess p, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        String out;
        int at;
        while ((at = (out = p.output()).indexOf(prefix)) < 0 || out.indexOf('\n', at) < 0) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "no whole " + prefix + "line: " + out);
            Thread.sleep(20);
        }
        return out;
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
    }
}
