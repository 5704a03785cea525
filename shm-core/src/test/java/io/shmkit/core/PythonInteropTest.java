package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Java writes, python/shmkit.py reads and checks, Python writes, Java reads and checks; and
 * every file that is not a valid segment is refused by Python as by Java, left exactly as it
 * was, and reported by the command line in one line. Uses the real /dev/shm namespace for
 * names, and the per-test directory for everything else. Without python3 on PATH (or the
 * interpreter named by -Dshmkit.python) every test here reports itself skipped, with that reason.
 */
class PythonInteropTest extends SegmentTestSupport {
    private static final Path SCRIPT = Path.of("src/test/python/interop_check.py").toAbsolutePath();
    private static final String PYTHON_DIR = System.getProperty("shmkit.python.dir", Path.of("../python").toAbsolutePath().toString());
    private static final String SHMKIT = Path.of(PYTHON_DIR, "shmkit.py").toString();
    /** The address-space limit (ulimit -v, KiB) under which a mapping of {@link #BIG} bytes must fail: Python itself needs about 20 MiB. */
    private static final long TINY_ULIMIT_KIB = 40 * 1024;
    private static final long BIG = 56L << 20;
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
                + " is not on PATH (or lacks ctypes/mmap): the Python interop tests cannot run here");
    }

    private static boolean runs(String candidate) {
        try {
            Process p = new ProcessBuilder(candidate, "-c", "import ctypes, mmap").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private record Result(int exitCode, String output) {}

    /** A run of the command line, its two streams apart. */
    private record Cli(int exitCode, String stdout, String stderr) {}

    private static Result runPython(String scenario, String target) throws Exception {
        return runPython(0, scenario, target);
    }

    /** Runs a scenario of interop_check.py, under {@code ulimit -v ulimitKib} if that is positive. */
    private static Result runPython(long ulimitKib, String scenario, String target) throws Exception {
        List<String> command = limited(ulimitKib, List.of(python, SCRIPT.toString(), PYTHON_DIR, scenario, target,
                Long.toString(ProcessHandle.current().pid())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python hung: " + out);
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code python3 shmkit.py args...}, under {@code ulimit -v ulimitKib} if that is positive. */
    private static Cli runCli(long ulimitKib, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, SHMKIT));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(limited(ulimitKib, command)).start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "shmkit.py hung: " + out);
        return new Cli(p.exitValue(), out, err.get(60, TimeUnit.SECONDS));
    }

    private static Cli runCli(String... args) throws Exception {
        return runCli(0, args);
    }

    private static List<String> limited(long ulimitKib, List<String> command) {
        if (ulimitKib <= 0) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "ulimit -v " + ulimitKib + " && exec \"$0\" \"$@\""));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exit status 2, nothing on stdout, exactly one line on stderr, starting with {@code expectedStart}, no traceback. */
    private static void assertOneLineError(Cli r, String expectedStart) {
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("", r.stdout(), r.toString());
        assertFalse(r.stderr().contains("Traceback"), r.stderr());
        assertTrue(r.stderr().endsWith("\n") && r.stderr().indexOf('\n') == r.stderr().length() - 1,
                "not exactly one line on stderr: " + r.stderr());
        assertTrue(r.stderr().startsWith(expectedStart), "expected a line starting with <" + expectedStart + ">, got <" + r.stderr() + ">");
    }

    private static String uniqueName(String what) {
        return "shmkit-test-py-" + ProcessHandle.current().pid() + "-" + what;
    }

    private static List<StructsTest.Point> somePoints() {
        return List.of(new StructsTest.Point(1, -6), new StructsTest.Point(-5, 2), new StructsTest.Point(2, 9));
    }

    /** The segment "healthy" (longs 1, 2, 3, 4) and the bad regular files Java can make, by name, with their bytes. */
    private Map<String, byte[]> writeBadFiles() throws IOException {
        try (var xs = SharedLongArray.create(dir, "healthy", new long[] {1, 2, 3, 4})) {
            xs.set(0, 1);
        }
        byte[] healthy = Files.readAllBytes(dir.pathOf("healthy"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("empty", new byte[0]);
        files.put("garbage", "just some text that is long enough".getBytes(StandardCharsets.US_ASCII));
        files.put("elf", new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0});
        files.put("truncated", Arrays.copyOf(healthy, 100));
        files.put("truncated-data", Arrays.copyOf(healthy, healthy.length - 8));
        files.put("trailing", Arrays.copyOf(healthy, healthy.length + 1));
        for (var e : files.entrySet()) {
            Files.write(dir.pathOf(e.getKey()), e.getValue());
        }
        return files;
    }

    private void assertUnchanged(Map<String, byte[]> files) throws IOException {
        for (var e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.pathOf(e.getKey())), e.getKey() + " was changed");
        }
        try (var xs = SharedLongArray.open(dir, "healthy")) {
            assertArrayEquals(new long[] {1, 2, 3, 4}, new long[] {xs.get(0), xs.get(1), xs.get(2), xs.get(3)});
        }
    }

    /** The FIFO, socket, directory and links that the scenario "special" made are still there, as they were. */
    private void assertSpecialFilesInPlace() throws IOException {
        BasicFileAttributes fifo = Files.readAttributes(dir.pathOf("fifo"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        BasicFileAttributes socket = Files.readAttributes(dir.pathOf("socket"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertTrue(fifo.isOther() && socket.isOther(), "fifo and socket must still be there");
        assertTrue(Files.isDirectory(dir.pathOf("directory"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Path.of("healthy"), Files.readSymbolicLink(dir.pathOf("link")));
        assertEquals(Path.of("nowhere"), Files.readSymbolicLink(dir.pathOf("dangling")));
        assertFalse(dir.exists("missing"), "attaching must never create a file");
    }

    @Test
    void pointArrayCrossesFromJavaToPythonAndBack() throws Exception {
        SegmentDirectory shm = SegmentDirectory.shm();
        String name = uniqueName("points");
        try (var points = SharedStructArray.create(shm, name, StructsTest.Point.class, somePoints())) {
            Result r = runPython("points", name);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(List.of(new StructsTest.Point(1, 100), new StructsTest.Point(25, 2), new StructsTest.Point(4, 9)), points.toList());
            assertTrue(shm.exists(name), "attaching from Python must never unlink the segment");
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
            assertTrue(Files.exists(foreign), "a refused file must be left in place");
        } finally {
            Files.deleteIfExists(foreign);
        }
    }

    /**
     * Python forges about 60 files from a healthy segment, one per rule of the version 2 header
     * (format version, byte order, layout length, the checksum over 0x000-0x05B, 0x060-0x0FF and
     * the layout text but not the lock area, kind, UTF-8 and grammar of the layout text, element
     * size against the layout, alignment, exact size arithmetic, file size), plus some that are
     * valid. Python must accept exactly the files Java accepts and refuse the others with
     * Java's message, word for word.
     */
    @Test
    void headerChecksAgreeWithJavaMessageForMessage() throws Exception {
        try (var xs = SharedLongArray.create(dir, "healthy", new long[] {1, 2, 3, 4})) {
            xs.set(0, 1);
        }
        Result forged = runPython("forge", dir.path().toString());
        assertEquals(0, forged.exitCode(), forged.output());
        Result report = runPython("report", dir.path().toString());
        assertEquals(0, report.exitCode(), report.output());

        Map<String, String> python = new TreeMap<>();
        for (String line : report.output().split("\n")) {
            int tab = line.indexOf('\t');
            assertTrue(tab > 0, "unexpected output line: " + line);
            python.put(line.substring(0, tab), line.substring(tab + 1));
        }
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> entries = Files.list(dir.path())) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        }
        assertEquals(names, python.keySet());
        assertTrue(names.size() > 50, "too few forged files: " + names);

        List<String> disagreements = new ArrayList<>();
        for (String name : names) {
            String java;
            try {
                dir.info(name);
                java = "OK";
            } catch (SegmentException e) {
                java = e.getMessage();
            }
            if (!java.equals(python.get(name))) {
                disagreements.add(name + ":\n  Java:   " + java + "\n  Python: " + python.get(name));
            }
            boolean meantValid = name.equals("healthy") || name.endsWith("-ok");
            assertEquals(meantValid, java.equals("OK"), name + " (the forgery itself is wrong): " + java);
        }
        assertTrue(disagreements.isEmpty(), String.join("\n", disagreements));
    }

    /**
     * A FIFO, a socket, a directory, symbolic links, another user's file (chown to 65534, as root),
     * empty, garbage, foreign and truncated files, and a missing name: attaching, read-write or
     * read-only, raises SegmentError and nothing else, and leaves each of them exactly as it was;
     * trust_other_users and follow_links attach what they are meant to.
     */
    @Test
    void badFilesAreRefusedWithSegmentErrorAndLeftInPlace() throws Exception {
        Map<String, byte[]> files = writeBadFiles();
        Result r = runPython("badfiles", dir.path().toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("badfiles ok"), r.output());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("fifo", "is not a segment: " + dir.pathOf("fifo") + " is a FIFO");
        expected.put("socket", "is not a segment: " + dir.pathOf("socket") + " is a socket");
        expected.put("directory", "is not a segment: " + dir.pathOf("directory") + " is a directory");
        expected.put("link", "is a symbolic link (" + dir.pathOf("link") + " -> healthy)");
        expected.put("empty", "is not a shmkit segment: " + dir.pathOf("empty") + " (0 bytes) does not start with the shmkit magic");
        expected.put("garbage", "is not a shmkit segment: " + dir.pathOf("garbage") + " (34 bytes)");
        expected.put("truncated", "is truncated: " + dir.pathOf("truncated") + " has 100 bytes, the header alone needs 512");
        expected.put("missing", "does not exist: " + dir.pathOf("missing"));
        if (r.output().contains("other-user is uid 65534")) {
            expected.put("other-user", "belongs to another user: " + dir.pathOf("other-user") + " is owned by uid 65534");
            assertEquals(65534, Files.getAttribute(dir.pathOf("other-user"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        }
        for (var e : expected.entrySet()) {
            assertTrue(r.output().contains("refused " + e.getKey() + ": segment '" + e.getKey() + "' " + e.getValue()),
                    e.getKey() + ": " + r.output());
        }
        assertUnchanged(files);
        assertSpecialFilesInPlace();
    }

    /** {@code python3 shmkit.py NAME --dir DIR} on each bad file: one line on stderr naming the file and the problem, status 2. */
    @Test
    void commandLineReportsEachBadFileInOneLineAndExitsWith2() throws Exception {
        Map<String, byte[]> files = writeBadFiles();
        Result special = runPython("special", dir.path().toString());
        assertEquals(0, special.exitCode(), special.output());
        String d = dir.path().toString();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("empty", "is not a shmkit segment: " + dir.pathOf("empty") + " (0 bytes) does not start with the shmkit magic\n");
        expected.put("garbage", "is not a shmkit segment: " + dir.pathOf("garbage")
                + " (34 bytes) does not start with the shmkit magic (first bytes: 6a 75 73 74 20 73 6f 6d)\n");
        expected.put("elf", "is not a shmkit segment: " + dir.pathOf("elf") + " (12 bytes)");
        expected.put("truncated", "is truncated: " + dir.pathOf("truncated") + " has 100 bytes, the header alone needs 512\n");
        expected.put("truncated-data", "is truncated: " + dir.pathOf("truncated-data") + " has "
                + files.get("truncated-data").length + " bytes, its header says " + (files.get("truncated-data").length + 8) + "\n");
        expected.put("trailing", "has trailing bytes: " + dir.pathOf("trailing"));
        expected.put("fifo", "is not a segment: " + dir.pathOf("fifo") + " is a FIFO\n");
        expected.put("socket", "is not a segment: " + dir.pathOf("socket") + " is a socket\n");
        expected.put("directory", "is not a segment: " + dir.pathOf("directory") + " is a directory\n");
        expected.put("link", "is a symbolic link (" + dir.pathOf("link") + " -> healthy)");
        expected.put("dangling", "is a symbolic link (" + dir.pathOf("dangling") + " -> nowhere)");
        expected.put("missing", "does not exist: " + dir.pathOf("missing") + "\n");
        boolean chowned = special.output().contains("other-user is uid 65534");
        if (chowned) {
            expected.put("other-user", "belongs to another user: " + dir.pathOf("other-user") + " is owned by uid 65534");
        }
        for (var e : expected.entrySet()) {
            assertOneLineError(runCli(e.getKey(), "--dir", d), "shmkit: segment '" + e.getKey() + "' " + e.getValue());
        }

        Cli healthy = runCli("healthy", "--dir", d);
        assertEquals(0, healthy.exitCode(), healthy.toString());
        assertEquals("", healthy.stderr());
        assertTrue(healthy.stdout().contains("kind           array\n") && healthy.stdout().contains("data           [1, 2, 3, 4]\n"),
                healthy.stdout());
        Cli followed = runCli("link", "--dir", d, "--follow-links");
        assertEquals(0, followed.exitCode(), followed.toString());
        if (chowned) {
            Cli trusted = runCli("other-user", "--dir", d, "--trust-other-users");
            assertEquals(0, trusted.exitCode(), trusted.toString());
        }
        assertUnchanged(files);
        assertSpecialFilesInPlace();
    }

    /**
     * Under {@code ulimit -v} too small for the segment, mmap fails: the API raises SegmentError
     * saying so, the command line prints one line, and the segment stays, size and data intact.
     * (multiprocessing's SharedMemory unlinks the name when its mmap fails.)
     */
    @Test
    void mappingFailureUnderATinyUlimitLeavesTheSegmentAlone() throws Exception {
        Assumptions.assumeTrue(Files.getFileStore(dir.path()).getUsableSpace() > 4 * BIG,
                "not enough free space in " + dir.path() + " for a " + BIG + "-byte segment");
        try (var big = SharedMemory.create(dir, "big", BIG)) {
            big.asSegment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x5eedL);
            big.asSegment().set(ValueLayout.JAVA_LONG_UNALIGNED, BIG - 8, 0xfeedL);
        }
        Path path = dir.pathOf("big");
        long size = Files.size(path);

        Result r = runPython(TINY_ULIMIT_KIB, "tinyulimit", dir.path().toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("refused big: segment 'big' cannot be mapped: " + path + " (" + size + " bytes): "), r.output());
        assertOneLineError(runCli(TINY_ULIMIT_KIB, "big", "--dir", dir.path().toString()),
                "shmkit: segment 'big' cannot be mapped: " + path + " (" + size + " bytes): ");

        assertEquals(size, Files.size(path));
        try (var again = SharedMemory.open(dir, "big")) {
            assertEquals(0x5eedL, again.asSegment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            assertEquals(0xfeedL, again.asSegment().get(ValueLayout.JAVA_LONG_UNALIGNED, BIG - 8));
        }
    }

    /**
     * Python applies Java's name rules (same verdict, same message) to names such as "/etc/x",
     * "..", "../DIR/healthy" and an absolute path to a valid segment, and refuses the invalid
     * ones before anything touches the file system (os.open, os.lstat, os.stat, ... replaced by
     * functions that fail the check).
     */
    @Test
    void namesThatArePathsAreRefusedBeforeTheFileSystemIsTouched() throws Exception {
        try (var xs = SharedLongArray.create(dir, "healthy", new long[] {1, 2, 3, 4})) {
            xs.set(0, 1);
        }
        Result r = runPython("names", dir.path().toString());
        assertEquals(0, r.exitCode(), r.output());
        int compared = 0;
        for (String line : r.output().split("\n")) {
            int tab = line.indexOf('\t');
            assertTrue(tab >= 0, "unexpected output line: " + line);
            String name = new String(HexFormat.of().parseHex(line.substring(0, tab)), StandardCharsets.UTF_8);
            String java;
            try {
                SegmentNames.validate(name);
                java = "VALID";
            } catch (IllegalArgumentException e) {
                java = e.getMessage();
            }
            assertEquals(java, line.substring(tab + 1), "name <" + name + ">");
            compared++;
        }
        assertTrue(compared >= 20, r.output());
        assertTrue(r.output().contains("invalid segment name '/etc/x': it contains a path separator ('/') at index 0"), r.output());

        for (String name : List.of("/etc/passwd", "../" + dir.path().getFileName() + "/healthy", dir.pathOf("healthy").toString(), "..")) {
            assertOneLineError(runCli(name, "--dir", dir.path().toString()), "shmkit: invalid segment name '" + name + "': ");
        }
    }

    /**
     * readonly=True maps the file read-only (r--s in /proc/self/maps): data, buf and numpy() read;
     * writes through them fail; ctypes() raises SegmentError instead of copying.
     */
    @Test
    void readOnlyAttachReadsAndRefusesWrites() throws Exception {
        try (var doubles = SharedDoubleArray.create(dir, "doubles", new double[] {1.5, -2, 3.25})) {
            Result r = runPython("readonly", dir.path().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("readonly ok"), r.output());
            assertArrayEquals(new double[] {1.5, -2, 3.25}, doubles.toArray());
        }
    }

    /**
     * The example in shmkit's module docstring, taken from {@code shmkit.__doc__} and run as written
     * (with /dev/shm standing for this test's directory) against a Java-made Point array: squares x
     * in place, leaves the with block without error although its views are still alive, its loop
     * variable p still reads the last point after the block, closing again raises nothing, and the
     * mapping goes once the views are deleted. Also the variant that once made close() raise
     * "cannot close exported pointers exist": the array deleted inside the block, its loop variable not.
     */
    @Test
    void moduleDocstringExampleRunsAsWritten() throws Exception {
        try (var points = SharedStructArray.create(dir, "points", StructsTest.Point.class, somePoints())) {
            Result r = runPython("docstring", dir.path().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("docstring ok"), r.output());
            assertFalse(r.output().contains("Traceback") || r.output().contains("Exception ignored"), r.output());
            assertEquals(List.of(new StructsTest.Point(1, -6), new StructsTest.Point(25, 2), new StructsTest.Point(4, 9)), points.toList());
        }
    }

    /**
     * close() with a ctypes element, a numpy array and memoryview slices still alive: no error,
     * they stay valid (a write after close reaches Java), the segment's own data/buf are
     * released, further use of the segment raises SegmentError, and the mapping goes with the
     * last view. An exception inside a with block comes out as itself.
     */
    @Test
    void viewsOutliveCloseSafelyAndTheMappingGoesWithTheLast() throws Exception {
        try (var points = SharedStructArray.create(dir, "points", StructsTest.Point.class, somePoints())) {
            Result r = runPython("views", dir.path().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("views ok"), r.output());
            assertEquals(new StructsTest.Point(7, 2), points.get(1));
        }
    }

    record Clash(int from_buffer, int from_buffer_copy) {
    }

    @Test
    void fieldsNamedLikeCtypesClassMethodsDoNotBreakTheViewsOrTheCommandLine() throws Exception {
        try (var clash = SharedStructArray.create(dir, "clash", Clash.class, List.of(new Clash(1, 2), new Clash(3, 4)))) {
            Result r = runPython("clash", dir.path().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(new Clash(7, 2), clash.get(0));
            Cli cli = runCli("clash", "--dir", dir.path().toString());
            assertEquals(0, cli.exitCode(), cli.toString());
        }
    }
}
