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
 * with the same class path gives the child the same classes. A JVM with a module path hands its
 * children that too, with the modules it resolved from it ({@link #moduleOptions()}).
 */
final class ChildClassPath {
    private static final Map<Path, Path> COMPILED = new ConcurrentHashMap<>();
    private static volatile List<String> moduleOptions;

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
            // a child of a source program may still need the program's classes (a record it is handed)
            String program = System.getProperty("jdk.launcher.sourcefile");
            if (program == null || !Files.isRegularFile(Path.of(program))) {
                return classPath;
            }
            return withCompiled(Path.of(program), classPath);
        }
        Path source = sourceFile(type);
        if (source != null) {
            return withCompiled(source, classPath);
        }
        throw new IllegalStateException("a child JVM cannot load " + type.getName() + ": it was loaded by "
                + type.getClassLoader() + (type.getModule().isNamed() ? " in module " + type.getModule().getName()
                + " of a layer other than the boot layer" : "") + ", not from this JVM's class path (" + classPath
                + ") nor from a module of its module path; put it on the class path or the module path (compile it,"
                + " or run the program as 'java -cp JARS Program.java', whose classes shmkit recompiles for the"
                + " child, as the file is when the first child starts)");
    }

    /**
     * The module options a child needs to load the modules this JVM loaded: {@code --module-path}
     * (this JVM's {@code jdk.module.path}, if it has one), and {@code --add-modules} naming every
     * module of the boot layer resolved from a path rather than from the run-time image, and the
     * main module ({@code java -m}, which may be in a jlink image); empty for a JVM on the class
     * path alone. A child's main class is loaded by name (from the class path, or from a module
     * such as {@code io.shmkit.core} for {@link TargetMain}), and no root module would make the
     * child resolve the modules that hold the target's owner, the records it is handed or a
     * pool's tasks: with these, its boot layer holds the modules this JVM's does.
     */
    static List<String> moduleOptions() {
        List<String> options = moduleOptions;
        if (options == null) {
            java.util.SortedSet<String> modules = new java.util.TreeSet<>();
            for (java.lang.module.ResolvedModule m : ModuleLayer.boot().configuration().modules()) {
                if (m.reference().location().map(l -> !"jrt".equals(l.getScheme())).orElse(false)) {
                    modules.add(m.name());
                }
            }
            String mainModule = System.getProperty("jdk.module.main");
            if (mainModule != null && !mainModule.isEmpty()) {
                modules.add(mainModule);
            }
            List<String> all = new ArrayList<>();
            String modulePath = System.getProperty("jdk.module.path");
            if (modulePath != null && !modulePath.isEmpty()) {
                all.add("--module-path=" + modulePath);
            }
            if (!modules.isEmpty()) {
                all.add("--add-modules=" + String.join(",", modules));
            }
            options = List.copyOf(all);
            moduleOptions = options;
        }
        return options;
    }

    /** {@code classPath} with the classes of {@code source}, compiled once per JVM, in front. */
    private static String withCompiled(Path source, String classPath) {
        Path compiled = COMPILED.computeIfAbsent(source, s -> compile(s, classPath));
        return classPath.isEmpty() ? compiled.toString() : compiled + File.pathSeparator + classPath;
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
                    + " path (" + classPath + ") nor in a module of its boot layer");
        }
    }

    /** Whether a child loads {@code type} as this JVM did: from the class path, or a module of the boot layer. */
    private static boolean loadableFromClassPath(Class<?> type) {
        if (type.getModule().isNamed()) {
            return type.getModule().getLayer() == ModuleLayer.boot(); // a child resolves the same (moduleOptions)
        }
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
        javax.tools.JavaCompiler javac;
        try {
            javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        } catch (LinkageError noJavaCompilerModule) {
            javac = null; // shmkit's module requires java.compiler only statically: this runtime lacks it
        }
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
                "-implicit:class", "-sourcepath", sourceRoot(source).toString()));
        if (!classPath.isEmpty()) {
            options.addAll(List.of("-cp", classPath));
        }
        options.addAll(InheritedJvmOptions.forCompiler()); // as the source launcher hands them to its compiler
        if (InheritedJvmOptions.previewEnabled()) {
            options.addAll(List.of("--release", Integer.toString(Runtime.version().feature())));
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

    private static final java.util.regex.Pattern PACKAGE = java.util.regex.Pattern.compile(
            "^\\s*package\\s+([\\p{javaJavaIdentifierPart}.]+)\\s*;", java.util.regex.Pattern.MULTILINE);

    /**
     * The directory that holds the program's package tree, as the source launcher takes it: the
     * file's directory, one level up per component of its package, so that the other files of a
     * multi-file program are found.
     */
    static Path sourceRoot(Path source) {
        Path root = source.toAbsolutePath().getParent();
        try {
            var m = PACKAGE.matcher(Files.readString(source));
            if (m.find()) {
                for (int i = m.group(1).split("\\.").length; i > 0 && root.getParent() != null; i--) {
                    root = root.getParent();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // javac reports the unreadable file
        }
        return root;
    }

    /**
     * Checks that a child can load every class among {@code values}: record classes, deeply, and
     * the record types of shmkit objects.
     *
     * @throws IllegalStateException naming the first it could not, and what to do
     */
    static void checkLoadable(Iterable<?> values) {
        for (Object v : values) {
            if (v instanceof Record r) {
                forClass(r.getClass());
                for (var c : r.getClass().getRecordComponents()) {
                    try {
                        c.getAccessor().setAccessible(true);
                        checkLoadable(java.util.Collections.singletonList(c.getAccessor().invoke(r)));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // ValueCodec reports a component it cannot read
                    }
                }
            } else if (v instanceof io.shmkit.core.Attachable a) {
                try {
                    Class<?> type = a.attachment().recordType();
                    if (type != null) {
                        forClass(type);
                    }
                } catch (IllegalStateException notByName) {
                    // ValueCodec refuses it, saying why
                }
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit; it is under the system temp directory
        }
    }
}
