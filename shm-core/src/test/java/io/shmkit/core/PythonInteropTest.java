package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Java writes, python/shmkit.py reads and checks, Python writes, Java reads and checks. Uses the
 * real /dev/shm namespace of Python's SharedMemory for names, and a directory for mmap. Without
 * python3 on PATH (or the interpreter named by -Dshmkit.python) every test here reports itself
 * skipped, with that reason.
 */
class PythonInteropTest extends SegmentTestSupport {
    private static final Path SCRIPT = Path.of("src/test/python/interop_check.py").toAbsolutePath();
    private static final String PYTHON_DIR = System.getProperty("shmkit.python.dir", Path.of("../python").toAbsolutePath().toString());
    private static String python;

    @BeforeAll
    static void findPython() {
        String candidate = System.getProperty("shmkit.python", "python3");
        python = runs(candidate) ? candidate : null;
    }

    /** Per test, so that each one reports itself skipped with the reason (in @BeforeAll surefire would count none). */
    @BeforeEach
    void requirePython() {
        Assumptions.assumeTrue(python != null, System.getProperty("shmkit.python", "python3")
                + " is not on PATH (or lacks ctypes/shared_memory): the Python interop tests cannot run here");
    }

    private static boolean runs(String candidate) {
        try {
            Process p = new ProcessBuilder(candidate, "-c", "import ctypes, multiprocessing.shared_memory").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result runPython(String scenario, String target) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), PYTHON_DIR, scenario, target,
                Long.toString(ProcessHandle.current().pid())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python hung: " + out);
        return new Result(p.exitValue(), out);
    }

    private static String uniqueName(String what) {
        return "shmkit-test-py-" + ProcessHandle.current().pid() + "-" + what;
    }

    @Test
    void pointArrayCrossesFromJavaToPythonAndBack() throws Exception {
        SegmentDirectory shm = SegmentDirectory.shm();
        String name = uniqueName("points");
        try (var points = SharedStructArray.create(shm, name, StructsTest.Point.class,
                List.of(new StructsTest.Point(1, -6), new StructsTest.Point(-5, 2), new StructsTest.Point(2, 9)))) {
            Result r = runPython("points", name);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(List.of(new StructsTest.Point(1, 100), new StructsTest.Point(25, 2), new StructsTest.Point(4, 9)), points.toList());
            assertTrue(shm.exists(name), "Python's resource tracker must not unlink a segment it only attached to");
        } finally {
            shm.unlink(name);
        }
    }

    @Test
    void ctypesDeclaredIndependentlyInPythonAgreesWithEveryLayoutRule() throws Exception {
        SegmentDirectory shm = SegmentDirectory.shm();
        String prefix = uniqueName("layout-");
        List<Class<? extends Record>> records = List.of(LayoutsTest.Mixed.class, LayoutsTest.Four.class, LayoutsTest.Line.class,
                LayoutsTest.Named.class, LayoutsTest.Flags.class, LayoutsTest.Samples.class, LayoutsTest.Poly.class, LayoutsTest.Tail.class);
        try {
            for (Class<? extends Record> type : records) {
                try (var array = SharedStructArray.create(shm, prefix + type.getSimpleName(), type, 2)) {
                    // mark element 1's first field as written: its first byte is 1 whatever its type
                    array.asSegment().set(ValueLayout.JAVA_BYTE, array.stride(), (byte) 1);
                }
            }
            Result r = runPython("layouts", prefix);
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("layouts ok: Mixed, Four, Line, Named, Flags, Samples, Poly, Tail"), r.output());
        } finally {
            for (Class<? extends Record> type : records) {
                shm.unlink(prefix + type.getSimpleName());
            }
        }
    }

    @Test
    void valuesArraysStringsAndRawBytesInAPersistentDirectoryThroughMmap() throws Exception {
        try (var v = SharedDouble.create(dir, "value", 2.5);
             var a = SharedLongArray.create(dir, "array", new long[] {10, 20, 30, -1});
             var s = SharedByteString.create(dir, "string", "hello world".getBytes());
             var raw = SharedMemory.create(dir, "raw", 16)) {
            raw.asSegment().copyFrom(MemorySegment.ofArray(new byte[] {1, 2, 3}));
            Result r = runPython("values", dir.path().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(-7.25, v.getVolatile());
            assertEquals(1L << 40, a.get(3));
            assertEquals("from python", s.valueAsString());
            assertEquals((byte) 0xFF, raw.asSegment().get(ValueLayout.JAVA_BYTE, 3));
        }
    }

    @Test
    void pythonRefusesAForeignFileClearly() throws Exception {
        Path foreign = SegmentDirectory.shm().path().resolve(uniqueName("foreign"));
        try {
            Files.writeString(foreign, "just some text that is long enough");
            Result r = runPython("refuses", foreign.getFileName().toString());
            assertEquals(3, r.exitCode(), r.output());
            assertTrue(r.output().startsWith("segment '" + foreign.getFileName() + "' is not a shmkit segment"), r.output());
        } finally {
            Files.deleteIfExists(foreign);
        }
    }
}
