/**
 * Named shared-memory segments holding typed values, arrays and C-layout structs
 * ({@link io.shmkit.core}), and child JVMs whose shmkit arguments cross by name
 * ({@link io.shmkit.process}). No dependency outside the JDK.
 *
 * <p>This module reaches a program's classes by core reflection: it builds and reads records
 * (in structs, struct arrays and record queues, and among a
 * {@link io.shmkit.process.JvmProcess#target target}'s arguments) and calls target methods. On
 * the module path, a program opens the package of such a class to it unless the class is public,
 * with public members, in an exported package ({@code opens com.example.app to io.shmkit.core;}).
 * A program on the module path hands its child JVMs its module path and modules;
 * {@code docs/processes.md} states both.
 */
module io.shmkit.core {
    requires java.management;          // the options a child JVM inherits (RuntimeMXBean)
    requires static java.compiler;     // only to recompile a single-file source program for its children

    exports io.shmkit.core;
    exports io.shmkit.process;
}
