package io.shmkit.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentTestSupport;
import io.shmkit.msg.MessageQueue;
import io.shmkit.sync.SharedMutex;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * shmkit as JPMS modules: a program module on the module path (compiled here with javax.tools
 * against the modules' classes) uses core, sync, msg and pool, starts a child JVM and a pool
 * worker from the module path, and the same program runs on the class path. The rest of the
 * suite runs on the class path.
 */
class ModulePathTest extends SegmentTestSupport {
    private static final long TIMEOUT_SECONDS = 120;
    /** The packages each module exports: its public API, and nothing else (no module has internal packages). */
    private static final Map<String, Set<String>> EXPORTS = Map.of(
            "io.shmkit.core", Set.of("io.shmkit.core", "io.shmkit.process"),
            "io.shmkit.sync", Set.of("io.shmkit.sync"),
            "io.shmkit.msg", Set.of("io.shmkit.msg"),
            "io.shmkit.pool", Set.of("io.shmkit.pool"));

    private static Path work;
    private static List<Path> libraries;
    private static Path program;

    private static final String MODULE_INFO = """
            module com.example.app {
                requires io.shmkit.msg;     // and, transitively, io.shmkit.sync and io.shmkit.core
                requires io.shmkit.pool;
                opens com.example.app to io.shmkit.core, io.shmkit.pool;
            }
            """;

    private static final String CLOSED_RECORD = """
            package com.example.app.closed;

            /** Public, but in a package neither exported nor opened: shmkit cannot build it. */
            public record Point(double x, double y) {
            }
            """;

    private static final String MAIN = """
            package com.example.app;

            import io.shmkit.core.SegmentDirectory;
            import io.shmkit.core.SharedLongArray;
            import io.shmkit.msg.MessageQueue;
            import io.shmkit.msg.QueueConsumer;
            import io.shmkit.msg.QueueOptions;
            import io.shmkit.msg.QueueProducer;
            import io.shmkit.msg.SharedQueue;
            import io.shmkit.pool.Pool;
            import io.shmkit.pool.Task;
            import io.shmkit.process.JvmProcess;
            import io.shmkit.sync.SharedMutex;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.List;
            import java.util.TreeSet;

            public class Main {
                record Tick(long seq, double price) {
                }

                record Slice(SharedLongArray numbers, int from, int to) {
                }

                static final class Sum implements Task<Slice, Long> {
                    @Override
                    public Long apply(Slice s) {
                        long sum = 0;
                        for (int i = s.from(); i < s.to(); i++) {
                            sum += s.numbers().get(i);
                        }
                        return sum;
                    }
                }

                private static void child(SharedQueue<Tick> ticks, Tick tick) throws InterruptedException {
                    System.out.println("child in " + Main.class.getModule());
                    ticks.put(new Tick(tick.seq() + 1, tick.price() * 2));
                }

                public static void main(String[] args) throws Exception {
                    SegmentDirectory dir = SegmentDirectory.of(Path.of(args[1]));
                    System.out.println("program in " + Main.class.getModule() + ", shmkit in " + SharedMutex.class.getModule());
                    for (Module m : ModuleLayer.boot().modules()) {
                        if (m.getName().startsWith("io.shmkit.")) {
                            TreeSet<String> exports = new TreeSet<>();
                            m.getDescriptor().exports().forEach(e -> exports.add(e.source() + (e.isQualified() ? " to " + e.targets() : "")));
                            System.out.println("module " + m.getName() + " exports " + exports + " opens " + m.getDescriptor().opens()
                                    + " open " + m.getDescriptor().isOpen() + " native access " + m.isNativeAccessEnabled());
                        }
                    }
                    if (args[0].equals("basic")) {
                        try (MessageQueue queue = MessageQueue.create(dir, "queue", QueueOptions.oneProducer(1 << 16));
                             QueueProducer producer = queue.producer();
                             QueueConsumer consumer = queue.consumer()) {
                            producer.offer(7, "hello".getBytes(StandardCharsets.UTF_8));
                            QueueConsumer.Message m = consumer.take(Duration.ofSeconds(30));
                            System.out.println("queue: type " + m.type() + " " + new String(m.payload(), StandardCharsets.UTF_8));
                        }
                        try (SharedMutex mutex = SharedMutex.create(dir, "mutex")) {
                            mutex.lock();
                            System.out.println("mutex held: " + mutex.isHeldByCurrentThread());
                            mutex.unlock();
                            System.out.println("mutex released: " + !mutex.isLocked());
                        }
                        try (SharedQueue<Tick> ticks = SharedQueue.ofRecords(dir, "ticks", Tick.class, 1 << 16)) {
                            ticks.put(new Tick(1, 2.5));
                            System.out.println("record queue: " + ticks.get());
                        }
                        try (var closed = SharedQueue.ofRecords(dir, "closed", com.example.app.closed.Point.class, 1 << 16)) {
                            System.out.println("closed package: accepted " + closed.empty());
                            dir.unlink("closed");
                        } catch (IllegalArgumentException e) {
                            System.out.println("closed package: refused " + e.getMessage());
                        }
                        for (String name : List.of("queue", "mutex", "ticks")) {
                            dir.unlink(name);
                        }
                    } else {
                        try (SharedQueue<Tick> ticks = SharedQueue.ofRecords(dir, "ticks", Tick.class, 1 << 16);
                             SharedLongArray numbers = SharedLongArray.create(dir, "numbers", 1000)) {
                            JvmProcess.target(Main.class, "child", ticks, new Tick(41, 1.5)).run();
                            System.out.println("from the child: " + ticks.get());
                            for (int i = 0; i < 1000; i++) {
                                numbers.set(i, i + 1);
                            }
                            try (Pool pool = Pool.builder().workers(1).start()) {
                                System.out.println("pool: " + pool.map(Sum.class, List.of(new Slice(numbers, 0, 500), new Slice(numbers, 500, 1000)), 1));
                            }
                            dir.unlink("ticks");
                            dir.unlink("numbers");
                        }
                    }
                    System.out.println("done");
                }
            }
            """;

    /** Compiles the program module against the library modules, into a temporary directory. */
    @BeforeAll
    static void compileProgram() throws Exception {
        work = Files.createTempDirectory("shmkit-module-path-test-");
        libraries = new ArrayList<>();
        for (Class<?> c : List.of(SegmentDirectory.class, SharedMutex.class, MessageQueue.class, Pool.class)) {
            Path location = location(c);
            assertTrue(hasModuleDescriptor(location), location + " (of " + c.getName() + ") holds no module-info.class");
            libraries.add(location);
        }
        Path sources = work.resolve("src");
        write(sources.resolve("module-info.java"), MODULE_INFO);
        write(sources.resolve("com/example/app/Main.java"), MAIN);
        write(sources.resolve("com/example/app/closed/Point.java"), CLOSED_RECORD);
        program = work.resolve("com.example.app");
        List<String> options = new ArrayList<>(List.of("-d", program.toString(), "--module-path", modulePath(List.of())));
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> options.add(f.toString()));
        }
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        int status = ToolProvider.getSystemJavaCompiler().run(null, messages, messages, options.toArray(String[]::new));
        assertEquals(0, status, messages.toString(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void deleteWork() throws IOException {
        deleteRecursively(work);
    }

    @Test
    void theModulesExportExactlyThePublicApiAndRequireTransitivelyWhatTheirApiExposes() {
        ModuleFinder finder = ModuleFinder.of(libraries.toArray(Path[]::new));
        Map<String, Set<String>> exports = new TreeMap<>();
        for (String name : EXPORTS.keySet()) {
            ModuleDescriptor d = finder.find(name).orElseThrow(() -> new AssertionError("no module " + name)).descriptor();
            assertFalse(d.isAutomatic() || d.isOpen(), d.toString());
            assertTrue(d.opens().isEmpty(), d.toString());
            assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), d.toString());
            assertEquals(d.packages(), d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()),
                    name + " has packages it does not export: " + d);
            exports.put(name, d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        }
        assertEquals(new TreeMap<>(EXPORTS), exports);
        assertEquals(Map.of("io.shmkit.core", true), shmkitRequires(finder, "io.shmkit.sync"));
        assertEquals(Map.of("io.shmkit.core", true, "io.shmkit.sync", true), shmkitRequires(finder, "io.shmkit.msg"));
        assertEquals(Map.of("io.shmkit.core", false, "io.shmkit.msg", false), shmkitRequires(finder, "io.shmkit.pool"));
        assertEquals(Map.of(), shmkitRequires(finder, "io.shmkit.core"));
    }

    @Test
    void aProgramModuleUsesCoreSyncAndMsgWithOrWithoutNativeAccessAndNoWarning() throws Exception {
        for (boolean nativeAccess : List.of(false, true)) {
            List<String> command = new ArrayList<>(List.of(java()));
            if (nativeAccess) {
                command.add("--enable-native-access=io.shmkit.sync");
            }
            command.addAll(List.of("--module-path", modulePath(List.of(program)), "-m", "com.example.app/com.example.app.Main",
                    "basic", dir.path().toString()));
            Run run = run(command);
            run.assertOk();
            List<String> out = run.stdout();
            assertTrue(out.contains("program in module com.example.app, shmkit in module io.shmkit.sync"), run.toString());
            assertTrue(out.contains("queue: type 7 hello"), run.toString());
            assertTrue(out.contains("mutex held: true"), run.toString());
            assertTrue(out.contains("mutex released: true"), run.toString());
            assertTrue(out.contains("record queue: Tick[seq=1, price=2.5]"), run.toString());
            // what the module graph of a real boot layer says: the exports, and the flag naming io.shmkit.sync
            for (var e : EXPORTS.entrySet()) {
                boolean enabled = nativeAccess && e.getKey().equals("io.shmkit.sync");
                assertTrue(out.contains("module " + e.getKey() + " exports " + new java.util.TreeSet<>(e.getValue())
                        + " opens [] open false native access " + enabled), e.getKey() + ": " + run);
            }
            // a record in a package not opened to io.shmkit.core is refused, naming the declaration to add
            assertTrue(out.stream().anyMatch(l -> l.startsWith("closed package: refused ")
                    && l.contains("add 'opens com.example.app.closed to io.shmkit.core;' to module com.example.app's module-info.java")),
                    run.toString());
            assertTrue(out.contains("done"), run.toString());
            run.assertNoWarning();
        }
        try (Stream<Path> left = Files.list(dir.path())) {
            assertEquals(List.of(), left.toList(), "segments left behind");
        }
    }

    @Test
    void aParentOnTheModulePathStartsChildrenAndPoolWorkersThatLoadItsModules() throws Exception {
        Run run = run(List.of(java(), "--enable-native-access=io.shmkit.sync", "--module-path", modulePath(List.of(program)),
                "-m", "com.example.app/com.example.app.Main", "children", dir.path().toString()));
        run.assertOk();
        List<String> out = run.stdout();
        assertTrue(out.contains("child in module com.example.app"), run.toString()); // the target ran in its module
        assertTrue(out.contains("from the child: Tick[seq=42, price=3.0]"), run.toString());
        assertTrue(out.contains("pool: [125250, 375250]"), run.toString());
        assertTrue(out.contains("done"), run.toString());
        run.assertNoWarning(); // nor "Unknown module: io.shmkit.sync" from a child that had not resolved it
        try (Stream<Path> left = Files.list(dir.path())) {
            assertEquals(List.of(), left.toList(), "segments left behind");
        }
    }

    @Test
    void theSameProgramRunsOnTheClassPath() throws Exception {
        List<Path> classPath = new ArrayList<>(libraries);
        classPath.add(program); // its module-info.class is ignored there
        Run run = run(List.of(java(), "-cp", classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                "com.example.app.Main", "basic", dir.path().toString()));
        run.assertOk();
        List<String> out = run.stdout();
        assertTrue(out.stream().anyMatch(l -> l.startsWith("program in unnamed module")), run.toString());
        assertTrue(out.contains("queue: type 7 hello"), run.toString());
        assertTrue(out.contains("mutex released: true"), run.toString());
        assertTrue(out.contains("record queue: Tick[seq=1, price=2.5]"), run.toString());
        assertTrue(out.contains("closed package: accepted true"), run.toString()); // the class path opens everything
        assertTrue(out.contains("done"), run.toString());
        run.assertNoWarning();
    }

    /** The shmkit modules that {@code name} requires, each with whether it requires it transitively. */
    private static Map<String, Boolean> shmkitRequires(ModuleFinder finder, String name) {
        return finder.find(name).orElseThrow().descriptor().requires().stream()
                .filter(r -> r.name().startsWith("io.shmkit."))
                .collect(Collectors.toMap(ModuleDescriptor.Requires::name,
                        r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)));
    }

    /** A child's exit code and output. */
    private record Run(List<String> command, int exitCode, String out, String err) {
        List<String> stdout() {
            return out.lines().toList();
        }

        void assertOk() {
            assertEquals(0, exitCode, toString());
        }

        /** No JDK warning: neither a restricted method called without native access, nor an unknown module. */
        void assertNoWarning() {
            assertTrue(err.lines().noneMatch(l -> l.contains("WARNING: A restricted method")), toString());
            assertTrue(err.lines().noneMatch(l -> l.startsWith("WARNING")), toString());
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + "\nstdout:\n" + out + "stderr:\n" + err;
        }
    }

    /** Runs a JVM to its end (killed after {@value #TIMEOUT_SECONDS} s), its output in files of the work directory. */
    private static Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out-", ".txt");
        Path err = Files.createTempFile(work, "err-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH"));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("still running after " + TIMEOUT_SECONDS + " s: " + String.join(" ", command)
                        + "\nstdout:\n" + Files.readString(out) + "stderr:\n" + Files.readString(err));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Run(command, p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The java that runs this test (JDK 25). */
    private static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String modulePath(List<Path> more) {
        return Stream.concat(libraries.stream(), more.stream()).map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** Where {@code c} was loaded from: a module's classes directory (in the reactor) or its jar. */
    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean hasModuleDescriptor(Path location) throws IOException {
        if (Files.isDirectory(location)) {
            return Files.isRegularFile(location.resolve("module-info.class"));
        }
        try (ZipFile jar = new ZipFile(location.toFile())) {
            return jar.getEntry("module-info.class") != null;
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
