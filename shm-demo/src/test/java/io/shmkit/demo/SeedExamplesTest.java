package io.shmkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The course's {@code multiprocessing} examples, ported to shmkit as a new user would write them:
 * {@code examples/java/X.java} run as single-file source programs ({@code java -cp JARS X.java},
 * with real child JVMs), {@code examples/python/x.py} (the originals) run with python3. Each must
 * print the expected result, leave no segment behind, and stay within 1.5 times its Python
 * original's lines (non-blank lines, imports not counted).
 */
class SeedExamplesTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("shmkit.python.dir", "python")).toAbsolutePath()
            .getParent().resolve("examples");

    /** An example pair: the Java program, its Python original, and what both print (the last line). */
    record Example(String java, String python, String javaPrints, String pythonPrints, String pythonArgs) {
        @Override
        public String toString() {
            return java;
        }
    }

    static List<Example> examples() {
        return List.of(
                new Example("Counter", "counter", "40000", "40000", null),
                new Example("ScaleArray", "scale_array", "[2.5, 5.0, 7.5, 10.0]", "[2.5, 5.0, 7.5, 10.0]", null),
                new Example("Points", "points", "[Point[x=1.0, y=36.0], Point[x=25.0, y=4.0], Point[x=4.0, y=81.0]]",
                        "[(1.0, 36.0), (25.0, 4.0), (4.0, 81.0)]", null),
                new Example("ByteString", "byte_string", "HELLO WORLD", "HELLO WORLD", null),
                new Example("Block", "shared_memory", "howdy", "howdy", null),
                new Example("ReadersWriter", "readers_writer", "torn snapshots: 0, final: 2000", "torn snapshots: 0, final: 2000", null),
                new Example("ParallelSum", "parallel_sum", "[50000005000000, 50000005000000, 50000005000000, 50000005000000]",
                        "[50000005000000, 50000005000000, 50000005000000, 50000005000000]", null),
                // Python edits a struct array Java made; its multiprocessing original is points.py
                new Example("EditedByPython", "points", "[Point[x=1.0, y=-6.0], Point[x=25.0, y=2.0], Point[x=4.0, y=9.0]]",
                        "[(1.0, 36.0), (25.0, 4.0), (4.0, 81.0)]", "edit_points.py"));
    }

    @ParameterizedTest
    @MethodSource("examples")
    void theJavaPortPrintsTheResultAndLeavesNoSegment(Example e) throws Exception {
        if (e.pythonArgs() != null) {
            assumePython();
        }
        Set<String> before = shmNames();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EXAMPLES.resolve("java/" + e.java() + ".java").toString()));
        if (e.pythonArgs() != null) {
            command.add(EXAMPLES.resolve("python/" + e.pythonArgs()).toString());
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", Path.of(System.getProperty("shmkit.python.dir", "python")).toAbsolutePath().toString());
        String out = run(pb);
        assertEquals(e.javaPrints(), lastLine(out), out);
        Set<String> left = shmNames();
        left.removeAll(before);
        Set<String> ours = left.stream().filter(n -> n.matches("[a-z]+-[0-9a-f]{12}")).collect(Collectors.toSet());
        assertEquals(Set.of(), ours, "temporary segments left behind");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void thePythonOriginalPrintsTheSame(Example e) throws Exception {
        assumePython();
        String out = run(new ProcessBuilder("python3", EXAMPLES.resolve("python/" + e.python() + ".py").toString())
                .redirectErrorStream(true));
        assertEquals(e.pythonPrints(), lastLine(out), out);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void theJavaPortIsAtMostOneAndAHalfTimesThePythonOriginal(Example e) throws IOException {
        int java = countLines(EXAMPLES.resolve("java/" + e.java() + ".java"));
        int python = countLines(EXAMPLES.resolve("python/" + e.python() + ".py"));
        System.out.printf("%-15s %3d lines, %-15s %3d lines: %.2fx%n", e.java(), java, e.python(), python, (double) java / python);
        assertTrue(java <= 1.5 * python, e.java() + " has " + java + " lines, " + e.python() + ".py " + python);
    }

    /** Non-blank lines that are not imports, as the issue counts them. */
    static int countLines(Path file) throws IOException {
        return (int) Files.readAllLines(file).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("import ") && !(l.startsWith("from ") && l.contains(" import ")))
                .count();
    }

    private static String run(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] bytes;
        try (var in = p.getInputStream()) {
            bytes = in.readAllBytes();
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + pb.command());
        }
        String out = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String lastLine(String out) {
        List<String> lines = out.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    private static Set<String> shmNames() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return new java.util.HashSet<>();
        }
        try (Stream<Path> files = Files.list(shm)) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }

    private static void assumePython() {
        boolean present;
        try {
            present = new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "python3 is not on PATH: the Python examples cannot run here");
    }
}
