package io.shmkit.process;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The options of this JVM that a child inherits by default: system properties ({@code -D}),
 * assertion switches ({@code -ea}, {@code -da}, {@code -esa}, {@code -dsa} and their long
 * forms) and module options ({@code --add-opens}, {@code --add-exports}, {@code --add-reads},
 * {@code --add-modules}, {@code --enable-native-access}, {@code --illegal-native-access},
 * {@code --enable-preview}, {@code --limit-modules}, {@code --patch-module}, and the upgrade module
 * path). The module path is not among them: like the class path, it says where a child's classes
 * come from, and a child gets it whether it inherits options or not
 * ({@link ChildClassPath#moduleOptions()}). Heap sizes, GC choice, agents, {@code -XX} flags and
 * JMX properties are not inherited: they are set per child, and a port or an agent would clash.
 * Options that came from {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} or
 * {@code _JAVA_OPTIONS} are among the input arguments, so those variables are removed from an
 * inheriting child's environment.
 */
final class InheritedJvmOptions {
    private static final List<String> PREFIXES = List.of("-ea", "-da", "-esa", "-dsa", "-enableassertions",
            "-disableassertions", "-enablesystemassertions", "-disablesystemassertions", "--add-opens", "--add-exports",
            "--add-reads", "--add-modules", "--enable-native-access", "--illegal-native-access", "--enable-preview",
            "--limit-modules", "--patch-module");
    /**
     * Properties the launcher sets, that describe this JVM's own command line, or that open a
     * port (a second JVM with the same JMX port fails to start).
     */
    private static final List<String> LAUNCHER_PROPERTIES = List.of("-Djava.class.path=", "-Djdk.module.",
            "-Dsun.java.command=", "-Dsun.java.launcher", "-Djdk.launcher.", "-Djdk.internal.", "-Djava.home=",
            "-Dcom.sun.management.");
    /**
     * Environment variables whose options the JVM reads as if given on its command line: they are
     * among the input arguments already, so a child that inherits options must not get them twice.
     */
    static final List<String> ENVIRONMENT_OPTIONS = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
    /** Module options the source launcher also hands its compiler. */
    private static final List<String> COMPILER_PREFIXES = List.of("--add-modules", "--add-exports", "--add-reads",
            "--limit-modules", "--patch-module", "--module-path", "--upgrade-module-path", "--enable-preview");
    private static volatile List<String> inherited;

    private InheritedJvmOptions() {
    }

    static List<String> get() {
        List<String> options = inherited;
        if (options == null) {
            List<String> all = new java.util.ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(InheritedJvmOptions::inherits).toList());
            // the launcher turns this into a jdk.module.* property, which is not inherited as such
            String upgradePath = System.getProperty("jdk.module.upgrade.path");
            if (upgradePath != null) {
                all.add("--upgrade-module-path=" + upgradePath);
            }
            options = List.copyOf(all);
            inherited = options;
        }
        return options;
    }

    static boolean previewEnabled() {
        return get().contains("--enable-preview");
    }

    /** The inherited options that javac needs too, to compile a source program as its launcher did. */
    static List<String> forCompiler() {
        List<String> options = new java.util.ArrayList<>(get());
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null) {
            options.add("--module-path=" + modulePath);
        }
        return options.stream().filter(o -> COMPILER_PREFIXES.stream().anyMatch(p -> o.equals(p) || o.startsWith(p + "=")))
                .filter(o -> !o.equals("--add-modules=ALL-DEFAULT")) // the source launcher's own, which javac refuses
                .toList();
    }

    static boolean inherits(String option) {
        if (option.startsWith("-D")) {
            return LAUNCHER_PROPERTIES.stream().noneMatch(option::startsWith);
        }
        for (String prefix : PREFIXES) {
            if (option.equals(prefix) || option.startsWith(prefix + ":") || option.startsWith(prefix + "=")) {
                return true;
            }
        }
        return false;
    }
}
