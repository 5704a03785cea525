package io.shmkit.process;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The class path a child JVM needs to load a class of this JVM: {@code java.class.path}, plus,
 * for a class of a single-file source program ({@code java -cp JARS Counter.java}), a directory
 * into which this JVM compiles that source file once. The source launcher compiles the program
 * in memory, so its classes are on no class path a child could read; recompiling the same file
 * with the same class path gives the child the same classes.
 */
final class ChildClassPath {
    private static final Map<Path, Path> COMPILED = new ConcurrentHashMap<>();

    private ChildClassPath() {
    }

    /**
     * The class path for a child that runs {@code type}.
     *
     * @throws IllegalStateException saying what to do when the child could not load it
     */
    static String forClass(Class<?> type) {
        String classPath = System.getProperty("java.class.path", "");
        if (loadableFromClassPath(type)) {
            return classPath;
        }
        Path source = sourceFile(type);
        if (source != null) {
            Path compiled = COMPILED.computeIfAbsent(source, s -> compile(s, classPath));
            return classPath.isEmpty() ? compiled.toString() : compiled + File.pathSeparator + classPath;
        }
        throw new IllegalStateException("a child JVM cannot load " + type.getName() + ": it was loaded by "
                + type.getClassLoader() + ", not from this JVM's class path (" + classPath + "); put it on the class"
                + " path (compile it, or run the program as 'java -cp JARS Program.java', whose classes shmkit"
                + " recompiles for the child)");
    }

    /** For a class named by string: it must be on the class path. */
    static String forClassName(String name) {
        String classPath = System.getProperty("java.class.path", "");
        try {
            Class<?> type = Class.forName(name, false, ClassLoader.getSystemClassLoader());
            return forClass(type);
        } catch (ClassNotFoundException | LinkageError e) {
            try {
                // the main program's own loader: a source program's classes are visible only there
                ClassLoader context = Thread.currentThread().getContextClassLoader();
                if (context != null) {
                    return forClass(Class.forName(name, false, context));
                }
            } catch (ClassNotFoundException | LinkageError ignored) {
                // reported below
            }
            throw new IllegalStateException("a child JVM cannot load class " + name + ": it is not on this JVM's class"
                    + " path (" + classPath + ")");
        }
    }

    private static boolean loadableFromClassPath(Class<?> type) {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        for (ClassLoader l = system; l != null; l = l.getParent()) {
            if (type.getClassLoader() == l) {
                return true;
            }
        }
        return type.getClassLoader() == null; // the JDK's own classes
    }

    /** The source file of a class compiled by the source launcher, or null. */
    private static Path sourceFile(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return null;
        }
        try {
            Path location = Path.of(cs.getLocation().toURI());
            return location.toString().endsWith(".java") && Files.isRegularFile(location) ? location : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static Path compile(Path source, String classPath) {
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("a child JVM cannot load the classes of " + source + ": this runtime has no"
                    + " Java compiler to build them for it; compile the program and put it on the class path");
        }
        Path out;
        try {
            out = Files.createTempDirectory("shmkit-classes-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory for the classes of " + source, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(out), "shmkit: delete " + out));
        List<String> options = new ArrayList<>(List.of("-d", out.toString(), "-proc:none", "-nowarn", "-Xlint:none",
                "-implicit:class", "-sourcepath", source.toAbsolutePath().getParent().toString()));
        if (!classPath.isEmpty()) {
            options.addAll(List.of("-cp", classPath));
        }
        if (InheritedJvmOptions.previewEnabled()) {
            options.addAll(List.of("--enable-preview", "--release", Integer.toString(Runtime.version().feature())));
        }
        options.add(source.toString());
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        int status = javac.run(null, messages, messages, options.toArray(String[]::new));
        if (status != 0) {
            deleteTree(out);
            throw new IllegalStateException("cannot compile " + source + " for a child JVM:\n" + messages.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit; it is under the system temp directory
        }
    }
}
