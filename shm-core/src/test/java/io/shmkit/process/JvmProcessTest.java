package io.shmkit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedLongArray;
import io.shmkit.core.SharedStructArray;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class JvmProcessTest extends SegmentTestSupport {
    private static final Duration LONG = Duration.ofSeconds(120);

    record Point(double x, double y) {
    }

    record Job(int times, String label, long[] weights) {
    }

    /** Target: squares x of every point, adds the job's work to the counter. */
    static void work(SharedStructArray<Point> points, SharedLong counter, Job job, long extra) {
        for (Point p : points) {
            assertTrue(p.y() == 2.0, "y crossed intact");
        }
        for (long i = 0; i < points.length(); i++) {
            points.update(i, p -> new Point(p.x() * p.x(), p.y()));
        }
        for (int i = 0; i < job.times(); i++) {
            counter.getAndAdd(job.weights()[i % job.weights().length]);
        }
        counter.getAndAdd(extra);
        System.out.println("worked " + job.label());
    }

    static void fail(String why) {
        System.out.println("about to fail");
        throw new IllegalStateException("the target failed: " + why);
    }

    static void sleep() throws InterruptedException {
        System.out.println("sleeping");
        Thread.sleep(Long.MAX_VALUE);
    }

    static void sum(SharedLongArray numbers, int from, int to, SharedLongArray results, int slot) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += numbers.get(i);
        }
        results.set(slot, s);
    }

    @Test
    void aTargetGetsRecordsPrimitivesAndSharedObjectsWhichItAttachesByName() throws Exception {
        try (var points = SharedStructArray.create(dir, "points", Point.class, List.of(new Point(3, 2), new Point(-4, 2)));
             var counter = SharedLong.create(dir, "counter", 0);
             JvmProcess child = JvmProcess.target(JvmProcessTest.class, "work", points, counter,
                     new Job(10, "first", new long[] {1, 2}), 1000).captureOutput().start()) {
            child.joinChecked(LONG);
            assertEquals(List.of(new Point(9, 2), new Point(16, 2)), points.toList());
            assertEquals(1015, counter.get(), "10 weighted steps of 1 and 2, and the int widened to long");
            assertTrue(child.output().contains("worked first"), child.output());
        }
    }

    @Test
    void aTargetThatIsMisspeltOrGivenWrongArgumentsFailsHereNotInTheChild() {
        var e = assertThrows(IllegalArgumentException.class, () -> JvmProcess.target(JvmProcessTest.class, "wrok", 1));
        assertEquals(JvmProcessTest.class.getName() + " has no static method named 'wrok'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JvmProcess.target(JvmProcessTest.class, "fail", 42));
        assertEquals(JvmProcessTest.class.getName() + ".fail does not accept (Integer); static methods named so: fail(String)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JvmProcess.target(JvmProcessTest.class, "fail", new Object()));
        assertTrue(e.getMessage().contains("does not accept (Object)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(new ArrayList<>()));
        assertTrue(e.getMessage().contains("java.util.ArrayList, which cannot cross to another JVM"), e.getMessage());
    }

    @Test
    void aChildWhoseTargetThrowsMakesJoinCheckedThrowWithItsOutput() throws Exception {
        try (JvmProcess child = JvmProcess.target(JvmProcessTest.class, "fail", "on purpose").captureOutput().start()) {
            var e = assertThrows(ChildProcessException.class, () -> child.joinChecked(LONG));
            assertEquals(TargetMain.FAILED, e.exitCode());
            assertEquals(child.pid(), e.pid());
            assertTrue(e.getMessage().startsWith("child JVM JvmProcessTest.fail(\"on purpose\") (pid " + child.pid()
                    + ") exited with 1; its output:\n"), e.getMessage());
            assertTrue(e.getMessage().contains("about to fail"), e.getMessage());
            assertTrue(e.getMessage().contains("java.lang.IllegalStateException: the target failed: on purpose"), e.getMessage());
            assertTrue(e.getMessage().contains("at " + JvmProcessTest.class.getName() + ".fail(JvmProcessTest.java:"), e.getMessage());
            assertEquals(child.output(), e.output());
        }
    }

    /** A main class whose initialization fails in the child only: the child cannot load it. */
    static final class Unloadable {
        static {
            if (System.getProperty("shmkit.test.child") != null) {
                throw new IllegalStateException("cannot initialize in the child");
            }
        }

        public static void main(String[] args) {
            System.out.println("never");
        }
    }

    @Test
    void aChildThatCannotLoadItsClassMakesJoinCheckedThrowWithItsOutput() throws Exception {
        try (JvmProcess child = JvmProcess.builder(Unloadable.class).jvmOptions("-Dshmkit.test.child=1").captureOutput().start()) {
            var e = assertThrows(ChildProcessException.class, () -> child.joinChecked(LONG));
            assertEquals(1, e.exitCode());
            assertTrue(e.getMessage().contains("ExceptionInInitializerError"), e.getMessage());
            assertTrue(e.getMessage().contains("cannot initialize in the child"), e.getMessage());
        }
    }

    @Test
    void aClassNotOnTheClassPathIsRefusedAtStartSayingWhatToDo() throws Exception {
        URL classes = JvmProcessTest.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {classes}, null)) {
            Class<?> elsewhere = isolated.loadClass(Unloadable.class.getName());
            var e = assertThrows(IllegalStateException.class, () -> JvmProcess.builder(elsewhere).start());
            assertTrue(e.getMessage().startsWith("a child JVM cannot load " + Unloadable.class.getName() + ": it was loaded by "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("put it on the class path"), e.getMessage());
        }
        var e = assertThrows(IllegalStateException.class, () -> JvmProcess.builder("no.such.Main").start());
        assertTrue(e.getMessage().startsWith("a child JVM cannot load class no.such.Main: it is not on this JVM's class path"),
                e.getMessage());
    }

    /**
     * The single-file program of a new user: {@code java -ea -Dprop=42 -cp JARS Counter.java}.
     * Its classes exist only in the launcher's memory; the children must still run them, and
     * inherit -ea and -D.
     */
    @Test
    void aSingleFileSourceProgramStartsTargetChildrenThatInheritItsOptions() throws Exception {
        Path program = Files.createTempDirectory("shmkit-source-program-");
        try {
            Files.writeString(program.resolve("Counter.java"), """
                    import io.shmkit.core.*;
                    import io.shmkit.process.JvmProcess;
                    import java.nio.file.Path;
                    import java.time.Duration;
                    import java.util.List;

                    public class Counter {
                        static void add(SharedLong counter, int n) {
                            boolean assertions = false;
                            assert assertions = true;
                            for (int i = 0; i < n; i++) counter.getAndAdd(1);
                            System.out.println("child: assertions " + assertions + ", prop " + System.getProperty("prop"));
                        }

                        public static void main(String[] args) throws Exception {
                            var dir = SegmentDirectory.of(Path.of(args[0])).temporary();
                            try (var counter = SharedLong.create(dir, "counter", 0)) {
                                var a = JvmProcess.target(Counter.class, "add", counter, 1000).start();
                                var b = JvmProcess.target(Counter.class, "add", counter, 1000).start();
                                JvmProcess.joinAll(Duration.ofSeconds(120), List.of(a, b));
                                System.out.println("total " + counter.get());
                            }
                        }
                    }
                    """);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            String classPath = SharedLong.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            Process p = new ProcessBuilder(java.toString(), "-ea", "-Dprop=42", "-cp", classPath,
                    program.resolve("Counter.java").toString(), dir.path().toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.contains("total 2000"), out);
            assertEquals(2, out.lines().filter(l -> l.equals("child: assertions true, prop 42")).count(), out);
            try (var left = Files.list(dir.path())) {
                assertEquals(List.of(), left.toList(), "the temporary counter was unlinked when the program closed it");
            }
        } finally {
            deleteRecursively(program);
        }
    }

    /**
     * Starts a thread that writes (or fails) only once this target has returned and TargetMain's
     * main thread is joining the threads it started, and returns at once.
     */
    static void laterInAThread(SharedLong value, boolean fail) {
        Thread main = Thread.currentThread();
        Thread.ofPlatform().start(() -> {
            // proven from main's stack, not slept for: a slow child would otherwise write before the target returned, and
            // the test would pass even if TargetMain closed the segments without joining. A TargetMain that does not join
            // ends main without ever being seen in a join: then the write below comes after the close, and fails.
            while (main.isAlive() && !joinsAfterTheTargetReturned(main)) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (fail) {
                throw new IllegalStateException("the thread failed");
            }
            value.set(42);
        });
    }

    /** Whether {@code main} is in a Thread.join called by TargetMain itself, which is no longer in the target. */
    private static boolean joinsAfterTheTargetReturned(Thread main) {
        boolean inJoin = false;
        for (StackTraceElement frame : main.getStackTrace()) {
            if (frame.getClassName().equals(Thread.class.getName()) && frame.getMethodName().equals("join")) {
                inJoin = true;
            } else if (!frame.getClassName().startsWith("java.") && !frame.getClassName().startsWith("jdk.")) {
                return inJoin && frame.getClassName().equals(TargetMain.class.getName()); // the first frame outside the JDK
            }
        }
        return false;
    }

    @Test
    void aTargetsThreadsRunToTheEndWithTheirSegmentsAndTheirFailureFailsTheChild() throws Exception {
        try (var value = SharedLong.create(dir, "value", 0)) {
            JvmProcess.target(JvmProcessTest.class, "laterInAThread", value, false).captureOutput().run();
            assertEquals(42, value.get(), "the thread wrote before the child closed the segment and exited");
            var e = assertThrows(ChildProcessException.class,
                    () -> JvmProcess.target(JvmProcessTest.class, "laterInAThread", value, true).captureOutput().run());
            assertEquals(TargetMain.FAILED, e.exitCode());
            assertTrue(e.output().contains("IllegalStateException: the thread failed"), e.output());
        }
    }

    /** A parent that starts a child and returns without joining it, with a temporary segment the child uses. */
    static void parentThatDoesNotJoin(SegmentDirectory directory, SharedLong release, boolean childFails) throws Exception {
        var value = SharedLong.create(directory.temporary(), "unjoined", 0);
        JvmProcess.target(JvmProcessTest.class, "childOfAnUnjoiningParent", value, release, childFails).start();
        System.out.println("parent returns");
    }

    /** Uses its parent's temporary segment once the test releases it, that is once the parent is waiting for it at exit. */
    static void childOfAnUnjoiningParent(SharedLong value, SharedLong release, boolean fail) throws InterruptedException {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        while (release.getVolatile() == 0 && parent.isAlive()) { // a parent that did not wait is gone: then use it now
            Thread.sleep(10);
        }
        value.set(7);
        System.out.println("child saw its segment: " + value.get());
        if (fail) {
            throw new IllegalStateException("the unjoined child failed");
        }
    }

    @Test
    void aParentThatExitsWithoutJoiningWaitsForItsChildAndReportsItsFailure() throws Exception {
        for (boolean fail : new boolean[] {false, true}) {
            try (var release = SharedLong.create(dir.temporary(), "release", 0); // the test's own, unlinked when closed
                 JvmProcess parent = JvmProcess.target(JvmProcessTest.class, "parentThatDoesNotJoin", dir, release, fail)
                    .captureOutput().start()) {
                // the child touches the parent's segment only after the parent has returned and says it waits for it
                waitForOutput(parent, "shmkit: waiting for child JVM JvmProcessTest.childOfAnUnjoiningParent");
                release.setVolatile(1);
                parent.joinChecked(LONG);
                String out = parent.output();
                assertTrue(out.contains("parent returns") && out.contains("child saw its segment: 7"), out);
                assertEquals(fail, out.contains("shmkit: child JVM JvmProcessTest.childOfAnUnjoiningParent"), out);
                assertEquals(fail, out.contains("exited with 1; its output:"), out);
                try (var left = Files.list(dir.path())) {
                    assertEquals(List.of(), left.filter(f -> !f.getFileName().toString().startsWith("release")).toList(),
                            "the temporary segment went after the child");
                }
            }
        }
    }

    /** Reports what a grandchild inherited from an environment variable of options. */
    static void reportToolOptions() {
        System.out.println("property " + System.getProperty("shmkit.test.tool") + ", variable " + System.getenv("JAVA_TOOL_OPTIONS"));
    }

    static void startReporter() throws Exception {
        JvmProcess.target(JvmProcessTest.class, "reportToolOptions").run();
    }

    @Test
    void optionsFromJavaToolOptionsAreInheritedOnceNotTwice() throws Exception {
        try (JvmProcess parent = JvmProcess.target(JvmProcessTest.class, "startReporter")
                .environment("JAVA_TOOL_OPTIONS", "-Dshmkit.test.tool=1").captureOutput().start()) {
            parent.joinChecked(LONG);
            assertTrue(parent.output().contains("property 1, variable null"), parent.output());
            assertEquals(1, parent.output().lines().filter(l -> l.startsWith("Picked up JAVA_TOOL_OPTIONS")).count(),
                    "only the parent picked them up: " + parent.output());
        }
    }

    static final class Overloads {
        static String f(int x) { return "int"; }
        static String f(long x) { return "long"; }
        static String g(Object o) { return "Object"; }
        static String g(String s) { return "String"; }
    }

    static class Base {
        static String h(int x) { return "base"; }
        private static String p(int x) { return "private"; }
    }

    static final class Sub extends Base {
        static String h(int x) { return "sub"; }
    }

    @Test
    void theTargetMethodIsTheOneJavacWouldCall() {
        assertEquals("f(int)", TargetMethod.signature(TargetMethod.resolve(Overloads.class, "f", List.of(1))));
        assertEquals("f(long)", TargetMethod.signature(TargetMethod.resolve(Overloads.class, "f", List.of(1L))));
        assertEquals("g(String)", TargetMethod.signature(TargetMethod.resolve(Overloads.class, "g", List.of("s"))));
        assertEquals("g(Object)", TargetMethod.signature(TargetMethod.resolve(Overloads.class, "g", List.of(3))));
        assertEquals(Sub.class, TargetMethod.resolve(Sub.class, "h", List.of(1)).getDeclaringClass(), "Sub.h hides Base.h");
        assertThrows(IllegalArgumentException.class, () -> TargetMethod.resolve(Sub.class, "p", List.of(1)),
                "a superclass's private method is not Sub's");
    }

    @Test
    void runsAMainClassAndReportsExitCodeAndOutput() throws Exception {
        try (JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Exit").args("7", "b").captureOutput().start()) {
            assertTrue(p.join(LONG));
            assertFalse(p.isAlive());
            assertEquals(7, p.exitCode());
            assertEquals(OptionalInt.empty(), p.exitSignal());
            assertEquals(7, p.pythonExitCode());
            assertTrue(p.output().contains("out:7,b"), p.output());
            assertTrue(p.output().contains("err"), p.output());
            assertEquals(p.output().getBytes().length, p.outputBytes());
            var e = assertThrows(ChildProcessException.class, () -> p.joinChecked(LONG));
            assertTrue(e.getMessage().contains(" exited with 7; its output:\n"), e.getMessage());
        }
    }

    @Test
    void aSignalledChildReportsTheSignalInBothForms() throws Exception {
        try (JvmProcess p = JvmProcess.target(JvmProcessTest.class, "sleep").captureOutput().start()) {
            waitForOutput(p, "sleeping");
            p.terminate();
            assertTrue(p.join(LONG));
            assertEquals(143, p.exitCode(), "the JVM's form: 128 + SIGTERM");
            assertEquals(OptionalInt.of(15), p.exitSignal());
            assertEquals(-15, p.pythonExitCode(), "Python's Process.exitcode");
            var e = assertThrows(ChildProcessException.class, () -> p.joinChecked(LONG));
            assertTrue(e.getMessage().contains("was killed by signal 15 (exit code 143)"), e.getMessage());
        }
    }

    @Test
    void joinTimesOutOnAHungChildAndKillEndsIt() throws Exception {
        try (JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Sleeper").captureOutput().start()) {
            assertFalse(p.join(Duration.ofMillis(200)));
            assertTrue(p.isAlive());
            assertThrows(IllegalStateException.class, p::exitCode);
            var e = assertThrows(ChildProcessException.class, () -> p.joinChecked(Duration.ofMillis(10)));
            assertTrue(e.getMessage().contains("is still running after 10 ms"), e.getMessage());
            p.kill();
            assertTrue(p.join(LONG));
            assertEquals(137, p.exitCode(), "SIGKILL");
            assertEquals(-9, p.pythonExitCode());
        }
    }

    @Test
    void joinAllWaitsForEveryChildAndReportsEveryFailure() throws Exception {
        try (var numbers = SharedLongArray.create(dir, "numbers", 1000);
             var results = SharedLongArray.create(dir, "results", 2)) {
            for (int i = 0; i < 1000; i++) {
                numbers.set(i, i + 1);
            }
            List<JvmProcess> children = List.of(
                    JvmProcess.target(JvmProcessTest.class, "sum", numbers, 0, 500, results, 0).captureOutput().start(),
                    JvmProcess.target(JvmProcessTest.class, "sum", numbers, 500, 1000, results, 1).captureOutput().start());
            JvmProcess.joinAll(LONG, children);
            assertEquals(500500, results.get(0) + results.get(1));
            List<JvmProcess> failing = List.of(
                    JvmProcess.target(JvmProcessTest.class, "fail", "first").captureOutput().start(),
                    JvmProcess.target(JvmProcessTest.class, "fail", "second").captureOutput().start());
            var e = assertThrows(ChildProcessException.class, () -> JvmProcess.joinAll(LONG, failing));
            assertTrue(e.getMessage().contains("the target failed: first"), e.getMessage());
            assertEquals(1, e.getSuppressed().length);
            assertTrue(e.getSuppressed()[0].getMessage().contains("the target failed: second"));
            failing.forEach(JvmProcess::close);
        }
    }

    @Test
    void closeKillsAChildStillRunning() {
        JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Sleeper").captureOutput().start();
        ProcessHandle handle = ProcessHandle.of(p.pid()).orElseThrow();
        p.close();
        assertFalse(handle.isAlive());
    }

    @Test
    void theCommandUsesThisJvmAndClassPathAndInheritsOptionsUnlessToldNot() {
        var command = JvmProcess.builder(JvmProcessTest.class).jvmOptions("-Xmx32m").args("a").command();
        assertTrue(command.get(0).startsWith(System.getProperty("java.home")), command.toString());
        List<String> tail = List.of("-Xmx32m", "-cp", System.getProperty("java.class.path"), JvmProcessTest.class.getName(), "a");
        assertEquals(tail, command.subList(command.size() - tail.size(), command.size()));
        assertEquals(InheritedJvmOptions.get(), command.subList(1, command.size() - tail.size()));
        var plain = JvmProcess.builder(JvmProcessTest.class).inheritJvmOptions(false).jvmOptions("-Xmx32m").args("a").command();
        assertEquals(tail, plain.subList(1, plain.size()));
    }

    @Test
    void whichOptionsAreInherited() {
        for (String yes : List.of("-Dfoo=bar", "-ea", "-ea:io.shmkit...", "-da", "-esa", "-enableassertions",
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "--enable-preview",
                "--add-modules=jdk.incubator.vector", "--add-exports=java.base/x=ALL-UNNAMED")) {
            assertTrue(InheritedJvmOptions.inherits(yes), yes);
        }
        for (String no : List.of("-Xmx1g", "-XX:+UseSerialGC", "-agentlib:jdwp=transport=dt_socket", "-javaagent:x.jar",
                "-Djava.class.path=/x", "-Dsun.java.command=Main", "-Djdk.module.main=x", "-eax")) {
            assertFalse(InheritedJvmOptions.inherits(no), no);
        }
    }

    @Test
    void inheritedOutputIsNotKept() throws Exception {
        try (JvmProcess inherit = JvmProcess.builder("io.shmkit.core.ChildMains$Exit").args("0").inheritOutput().start()) {
            assertTrue(inherit.join(LONG));
            assertEquals(0, inherit.exitCode());
            assertThrows(IllegalStateException.class, inherit::output);
        }
    }

    @Test
    void byDefaultOutputIsPrintedAndKept() throws Exception {
        try (JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Exit").args("3", "printed").start()) {
            var e = assertThrows(ChildProcessException.class, () -> p.joinChecked(LONG));
            assertTrue(e.output().contains("out:3,printed"), e.output());
        }
    }

    @Test
    void keptOutputKeepsTheTailOfAChattyChild() {
        var kept = new KeptOutput(16);
        kept.append("0123456789".getBytes(), 10);
        kept.append("abcdefghij".getBytes(), 10);
        assertEquals("456789abcdefghij", kept.text());
        kept.append("0123456789abcdefghijKLMN".getBytes(), 24);
        assertEquals("89abcdefghijKLMN", kept.text());
        assertEquals(44, kept.total());
    }

    private static void waitForOutput(JvmProcess p, String text) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!p.output().contains(text)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the child never printed " + text + ": " + p.output());
            }
            Thread.sleep(10);
        }
    }
}
