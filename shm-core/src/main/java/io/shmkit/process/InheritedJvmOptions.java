package io.shmkit.process;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The options of this JVM that a child inherits by default: system properties ({@code -D}),
 * assertion switches ({@code -ea}, {@code -da}, {@code -esa}, {@code -dsa} and their long
 * forms) and module options ({@code --add-opens}, {@code --add-exports}, {@code --add-reads},
 * {@code --add-modules}, {@code --enable-native-access}, {@code --illegal-native-access},
 * {@code --enable-preview}, {@code --limit-modules}, {@code --patch-module}). Heap sizes, GC
 * choice, agents and {@code -XX} flags are not inherited: they are set per child.
 */
final class InheritedJvmOptions {
    private static final List<String> PREFIXES = List.of("-ea", "-da", "-esa", "-dsa", "-enableassertions",
            "-disableassertions", "-enablesystemassertions", "-disablesystemassertions", "--add-opens", "--add-exports",
            "--add-reads", "--add-modules", "--enable-native-access", "--illegal-native-access", "--enable-preview",
            "--limit-modules", "--patch-module");
    /** Properties the launcher sets, or that describe this JVM's own command line. */
    private static final List<String> LAUNCHER_PROPERTIES = List.of("-Djava.class.path=", "-Djdk.module.",
            "-Dsun.java.command=", "-Dsun.java.launcher", "-Djdk.launcher.", "-Djdk.internal.", "-Djava.home=");
    private static volatile List<String> inherited;

    private InheritedJvmOptions() {
    }

    static List<String> get() {
        List<String> options = inherited;
        if (options == null) {
            options = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(InheritedJvmOptions::inherits).toList();
            inherited = options;
        }
        return options;
    }

    static boolean previewEnabled() {
        return get().contains("--enable-preview");
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
