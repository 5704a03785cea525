package io.shmkit.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A child JVM: the analog of Python's {@code multiprocessing.Process}, with {@code start()},
 * {@code join(timeout)}, {@code exitcode}, {@code is_alive()} and {@code terminate()}. A child
 * runs either a static method of a class, with arguments ({@code Process(target=f, args=(...))}):
 *
 * <pre>{@code
 * static void square(SharedStructArray<Point> points, int index) { ... }   // runs in the child
 *
 * try (JvmProcess child = JvmProcess.target(Example.class, "square", points, 1).start()) {
 *     child.joinChecked(Duration.ofSeconds(30));    // throws with the child's output if it failed
 * }
 * }</pre>
 *
 * or a class's {@code main} with string arguments ({@link #builder(Class)}). Target arguments
 * are primitives, strings, {@code byte[]}/{@code int[]}/{@code long[]}/{@code double[]}, records
 * of those, and shmkit objects ({@link io.shmkit.core.Attachable}: segments, and the queues
 * and locks that live in their own segments), which pass by name: the child attaches each with
 * its class's {@code open}, and closes it when the target returns. Nothing is serialized with
 * Java serialization ({@link ValueCodec} is the form). The method is found when the builder is
 * made, in this JVM, so a misspelt name or arguments it does not accept fail here, not in the
 * child.
 *
 * <p><b>Which java, which classes.</b> The child runs {@code java.home/bin/java} of this JVM
 * with {@code java.class.path}, and inherits this JVM's {@code -D} system properties, assertion
 * switches ({@code -ea}...) and module options ({@code --add-opens}, {@code --enable-native-access}...),
 * unless {@link Builder#inheritJvmOptions(boolean) told not to}. A class that is not on the class
 * path cannot be loaded by a child: for a single-file source program ({@code java -cp JARS
 * Counter.java}), whose classes the launcher compiled in memory, this JVM compiles the source
 * file once more, into a temporary directory deleted at exit, and adds it to the child's class
 * path; for any other class {@link Builder#start()} throws, saying what to do.
 *
 * <p><b>On the module path.</b> A JVM started with a module path ({@code java -p mods -m
 * app/app.Main}) hands its children the same module path, and {@code --add-modules} naming every
 * module of its boot layer that came from it, and its main module, so a child resolves the
 * modules this JVM did (whether it inherits options or not): its main class, a target's owner,
 * the records among its arguments load there as here. Modules of other layers cannot be
 * reproduced: a class of one is refused, as a class on no class path is.
 * shmkit calls a target and builds records reflectively, from module {@code io.shmkit.core}:
 * a module whose package holds a target's owner or such a record, unless they are public in an
 * exported package, opens that package to it ({@code opens com.example.app to io.shmkit.core;});
 * {@link #target} fails here, naming the declaration, if it does not. {@code docs/processes.md}
 * has the details.
 *
 * <p><b>Output, and failures.</b> By default the child's stdout and stderr are printed here as
 * they come, as Python's children print to the terminal, <em>and</em> kept (the last
 * {@value #KEPT_OUTPUT} bytes, stdout and stderr merged), so that a failing child is never
 * silent: its stack trace appears on this process's stderr, and {@link #joinChecked} and
 * {@link #joinAll} throw a {@link ChildProcessException} that carries it. {@link Builder#captureOutput()}
 * keeps it without printing; {@link Builder#inheritOutput()} hands the child this process's
 * descriptors and keeps nothing.
 *
 * <p><b>Exit codes.</b> {@link #exitCode()} is the JVM's form: a child killed by a signal
 * reports 128 + the signal number (143 for SIGTERM, 137 for SIGKILL). {@link #exitSignal()}
 * gives the signal, and {@link #pythonExitCode()} Python's form ({@code -15} for SIGTERM). A
 * child that itself calls {@code System.exit(143)} cannot be told from one killed by SIGTERM:
 * the JDK reports both as 143.
 *
 * <p>{@link #close()} kills a child still running, so try-with-resources never leaks one.
 * Thread-safe.
 */
public final class JvmProcess implements AutoCloseable {
    /** How many bytes of a child's output are kept for {@link #output()} and failures. */
    public static final int KEPT_OUTPUT = 1 << 20;
    /** How much of the kept output a {@link ChildProcessException}'s message shows. */
    private static final int OUTPUT_IN_MESSAGE = 8192;

    private final Process process;
    private final String description;
    private final Output output;
    private final KeptOutput kept;
    private final List<Thread> readers = new ArrayList<>();
    private final boolean daemon;
    /** Whether the caller has seen how the child ended (a join that returned it, exitCode()): not reported again at exit. */
    private volatile boolean observed;

    /** Children not yet closed: joined (or, daemons, killed) when this JVM exits. */
    private static final java.util.Set<JvmProcess> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How long a join waits for the child's output pipes to drain once it has exited. */
    private static final Duration PUMP_GRACE = Duration.ofSeconds(2);

    static {
        io.shmkit.core.ShutdownSequence.beforeUnlinkingTemporaries(JvmProcess::atExit);
    }

    /**
     * At exit, as Python does: a daemon child is killed; any other is waited for (saying so), and
     * one that failed without anyone looking is reported with its last output, so that no
     * failure is silent and no temporary segment is unlinked under a child still using it.
     */
    private static void atExit() {
        for (JvmProcess child : LIVE) {
            if (child.daemon) {
                child.process.destroyForcibly();
                continue;
            }
            boolean seen = child.observed;
            try {
                if (child.process.isAlive()) {
                    System.err.println("shmkit: waiting for " + child.description + " to exit (a child is joined at exit,"
                            + " as in Python; Builder.daemon() makes one that is killed instead)");
                }
                child.join();
                if (!seen && child.process.exitValue() != 0) {
                    System.err.println("shmkit: " + child.failure(child.describeExit(child.process.exitValue()),
                            child.process.exitValue()).getMessage());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private JvmProcess(Process process, String description, Output output, boolean daemon) {
        this.process = process;
        this.description = description;
        this.output = output;
        this.daemon = daemon;
        LIVE.add(this);
        if (output == Output.INHERIT) {
            kept = null;
        } else {
            kept = new KeptOutput(KEPT_OUTPUT);
            if (output == Output.CAPTURE) {
                readers.add(pump(process.getInputStream(), null));
            } else {
                readers.add(pump(process.getInputStream(), System.out));
                readers.add(pump(process.getErrorStream(), System.err));
            }
        }
    }

    /** A builder for a child JVM running {@code mainClass}'s {@code main}. */
    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass, mainClass.getName());
    }

    /** A builder for a child JVM running the {@code main} of the class of that binary name. */
    public static Builder builder(String mainClassName) {
        return new Builder(null, Objects.requireNonNull(mainClassName));
    }

    /**
     * A builder for a child JVM that calls {@code owner}'s static method {@code method} with
     * {@code args}, then exits: 0 if it returned, {@value TargetMain#FAILED} if it threw (its
     * stack trace on stderr). The method may be private; it must be the only static method of
     * that name accepting these arguments (after unboxing and primitive widening).
     *
     * @throws IllegalArgumentException if there is no such method, or an argument cannot cross
     *         to another JVM, naming it
     */
    public static Builder target(Class<?> owner, String method, Object... args) {
        List<Object> values = Arrays.asList(Objects.requireNonNull(args, "args").clone());
        TargetMethod.resolve(owner, method, values);
        ChildClassPath.checkLoadable(values);
        byte[] encoded = ValueCodec.encodeAll(values);
        String argument = Base64.getEncoder().encodeToString(encoded);
        if (argument.length() > MAX_ARGUMENT) {
            throw new IllegalArgumentException("the arguments of " + owner.getSimpleName() + "." + method + " take "
                    + encoded.length + " bytes, more than a command line carries (" + MAX_ARGUMENT * 3 / 4
                    + "); pass large data in a shared segment, which crosses by name");
        }
        Builder b = new Builder(owner, TargetMain.class.getName());
        b.args.addAll(List.of(owner.getName(), method, argument));
        b.targetDescription = owner.getSimpleName() + "." + method
                + values.stream().map(ValueCodec::describe).collect(Collectors.joining(", ", "(", ")"));
        return b;
    }

    /**
     * Waits for every child, however long it takes, then throws if any failed; see
     * {@link #joinAll(Duration, Collection)}.
     */
    public static void joinAll(Collection<JvmProcess> children) throws InterruptedException {
        joinAll(FOREVER, children);
    }

    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);

    /** Linux's limit on one command-line argument is 128 KiB; leave room. */
    private static final int MAX_ARGUMENT = 96 * 1024;

    /**
     * Waits for every child, then throws if any failed: the first failure, with the others
     * suppressed in it. The timeout is for all of them together.
     *
     * @throws ChildProcessException if a child exited non-zero, was killed, or had not exited in time
     */
    public static void joinAll(Duration timeout, Collection<JvmProcess> children) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ChildProcessException first = null;
        for (JvmProcess child : children) {
            try {
                child.joinChecked(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (ChildProcessException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private Thread pump(InputStream in, PrintStream echo) {
        return Thread.ofPlatform().daemon().name("output of " + description).start(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    kept.append(buffer, n);
                    if (echo != null) {
                        echo.write(buffer, 0, n);
                        echo.flush();
                    }
                }
            } catch (IOException ignored) {
                // the child is gone; what was read is kept
            }
        });
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the child is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits up to {@code timeout} for the child to exit (and for its output to be read).
     *
     * @return whether it exited
     */
    public boolean join(Duration timeout) throws InterruptedException {
        boolean exited = process.waitFor(saturatedNanos(timeout), TimeUnit.NANOSECONDS);
        if (exited) {
            awaitOutput();
            observed = true;
            LIVE.remove(this);
        }
        return exited;
    }

    /** Waits for the child to exit, however long it takes (Python's {@code join()}). */
    public void join() throws InterruptedException {
        process.waitFor();
        awaitOutput();
        observed = true;
        LIVE.remove(this);
    }

    /**
     * Waits up to {@code timeout}, then throws unless the child exited with 0. The child is
     * left running on a timeout ({@link #close()} kills it).
     *
     * @throws ChildProcessException naming the child, how it ended (exit code, or signal) or that
     *         it is still running, and ending with its last output when that was kept
     */
    public void joinChecked(Duration timeout) throws InterruptedException {
        if (!join(timeout)) {
            throw failure("is still running after " + timeout.toMillis() + " ms", -1);
        }
        int code = process.exitValue();
        if (code != 0) {
            throw failure(describeExit(code), code);
        }
    }

    /**
     * The pipes drain right after the child exits, unless a process it started still holds
     * them: that is waited for only briefly, and its later output is not kept.
     */
    private void awaitOutput() throws InterruptedException {
        long deadline = System.nanoTime() + PUMP_GRACE.toNanos();
        for (Thread reader : readers) {
            reader.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Waits for the child to exit, however long it takes, then throws unless it exited with 0.
     *
     * @throws ChildProcessException naming the child and how it ended, with its last output when kept
     */
    public void joinChecked() throws InterruptedException {
        joinChecked(FOREVER);
    }

    private String describeExit(int code) {
        return code > 128 && code <= 128 + 64 ? "was killed by signal " + (code - 128) + " (exit code " + code + ")"
                : "exited with " + code;
    }

    private ChildProcessException failure(String what, int code) {
        String printed = kept == null ? "" : kept.text();
        String tail = printed.length() > OUTPUT_IN_MESSAGE ? "...\n" + printed.substring(printed.length() - OUTPUT_IN_MESSAGE) : printed;
        String message = description + " " + what + (kept == null
                ? "; its output went to this process's stdout and stderr"
                : printed.isEmpty() ? "; it printed nothing" : "; its output:\n" + tail);
        return new ChildProcessException(message, process.pid(), code, printed);
    }

    /**
     * The exit code, in the JVM's form (128 + signal for a child killed by a signal).
     *
     * @throws IllegalStateException if the child is still running
     */
    public int exitCode() {
        if (process.isAlive()) {
            throw new IllegalStateException(description + " is still running");
        }
        observed = true;
        return process.exitValue();
    }

    /**
     * The signal that ended the child, if {@link #exitCode()} says one did (129 to 192).
     *
     * @throws IllegalStateException if the child is still running
     */
    public OptionalInt exitSignal() {
        int code = exitCode();
        return code > 128 && code <= 128 + 64 ? OptionalInt.of(code - 128) : OptionalInt.empty();
    }

    /**
     * The exit code in Python's form ({@code Process.exitcode}): the negated signal number for a
     * child killed by a signal ({@code -15} for SIGTERM), else the exit code.
     *
     * @throws IllegalStateException if the child is still running
     */
    public int pythonExitCode() {
        OptionalInt signal = exitSignal();
        return signal.isPresent() ? -signal.getAsInt() : exitCode();
    }

    /** Kills the child at once (SIGKILL), as a crash would; no shutdown hooks run. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Asks the child to exit (SIGTERM): shutdown hooks run. */
    public void terminate() {
        process.destroy();
    }

    /**
     * What the child has printed so far, stdout and stderr merged: all of it, or its last
     * {@value #KEPT_OUTPUT} bytes.
     *
     * @throws IllegalStateException if output is inherited, not kept
     */
    public String output() {
        if (kept == null) {
            throw new IllegalStateException(description + " inherits its output; nothing is kept");
        }
        return kept.text();
    }

    /** Number of bytes the child has written to its kept output (including any no longer kept). */
    public long outputBytes() {
        return kept == null ? 0 : kept.total();
    }

    /** Kills the child if it is still running and waits for it to go. */
    @Override
    public void close() {
        LIVE.remove(this);
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return description + (process.isAlive() ? " (running)" : " (exited " + process.exitValue() + ")");
    }

    /** What happens to a child's stdout and stderr. */
    private enum Output {
        TEE, CAPTURE, INHERIT
    }

    /** Configures and starts a {@link JvmProcess}. Not thread-safe. */
    public static final class Builder {
        private final Class<?> mainType;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> wrapper = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Output output = Output.TEE;
        private boolean inheritOptions = true;
        private boolean daemon;
        private String targetDescription;

        private Builder(Class<?> mainType, String mainClass) {
            this.mainType = mainType;
            this.mainClass = mainClass;
        }

        /**
         * Adds program arguments to a {@code main} child.
         *
         * @throws IllegalStateException on a {@link JvmProcess#target} builder, whose arguments are given there
         */
        public Builder args(String... arguments) {
            if (targetDescription != null) {
                throw new IllegalStateException("a target's arguments are given to JvmProcess.target, not args()");
            }
            args.addAll(List.of(arguments));
            return this;
        }

        /** Adds JVM options such as {@code -Xmx64m}, placed after the inherited ones, before the main class. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /**
         * Whether the child inherits this JVM's {@code -D} properties, assertion switches and
         * module options (default true).
         */
        public Builder inheritJvmOptions(boolean inherit) {
            inheritOptions = inherit;
            return this;
        }

        /**
         * Makes a daemon child, as Python's {@code daemon=True}: killed when this JVM exits, where
         * any other child still running is waited for.
         */
        public Builder daemon() {
            daemon = true;
            return this;
        }

        /** Sets an environment variable of the child (which otherwise inherits this process's environment). */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /**
         * Runs the JVM under another command placed before {@code java}, such as
         * {@code taskset -c 1}, {@code prlimit --nofile=256:256 --} or {@code numactl -N 0}.
         * {@link JvmProcess#pid()} is then the wrapper's pid, which is the JVM's when the
         * wrapper execs it.
         */
        public Builder wrapper(String... command) {
            wrapper.addAll(List.of(command));
            return this;
        }

        /** Keeps stdout and stderr for {@link JvmProcess#output()} without printing them. */
        public Builder captureOutput() {
            output = Output.CAPTURE;
            return this;
        }

        /** Prints the child's output here as it comes and keeps it too (the default). */
        public Builder printAndKeepOutput() {
            output = Output.TEE;
            return this;
        }

        /** Lets the child write to this process's stdout and stderr directly; nothing is kept. */
        public Builder inheritOutput() {
            output = Output.INHERIT;
            return this;
        }

        /**
         * The command line that {@link #start()} runs.
         *
         * @throws IllegalStateException if a child could not load the main class (see {@link JvmProcess})
         */
        public List<String> command() {
            List<String> command = new ArrayList<>(wrapper);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (inheritOptions) {
                command.addAll(InheritedJvmOptions.get());
            }
            command.addAll(ChildClassPath.moduleOptions()); // where classes come from, as -cp: not an inherited option
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(mainType != null ? ChildClassPath.forClass(mainType) : ChildClassPath.forClassName(mainClass));
            command.add(mainClass);
            command.addAll(args);
            return command;
        }

        /**
         * Starts {@code copies} identical children, as a list of {@code Process(target=f, args=a)}
         * started in a loop does. If one cannot be started, those already started are killed.
         */
        public List<JvmProcess> startCopies(int copies) {
            List<JvmProcess> started = new ArrayList<>(copies);
            try {
                for (int i = 0; i < copies; i++) {
                    started.add(start());
                }
                return List.copyOf(started);
            } catch (RuntimeException | Error e) {
                started.forEach(JvmProcess::close);
                throw e;
            }
        }

        /**
         * Starts the child, waits for it and throws unless it exited with 0: the one-line form of
         * {@code start(); join()} followed by a check of {@code exitcode}.
         *
         * @throws ChildProcessException naming the child and how it ended, with its last output when kept
         */
        public void run() throws InterruptedException {
            try (JvmProcess child = start()) {
                child.joinChecked();
            }
        }

        /**
         * Starts the child.
         *
         * @throws IllegalStateException if a child could not load the main class, saying what to do
         * @throws UncheckedIOException if the JVM cannot be started
         */
        public JvmProcess start() {
            ProcessBuilder pb = new ProcessBuilder(command());
            if (inheritOptions) {
                // their options are among the inherited ones already (filtered): passing both would apply them twice
                pb.environment().keySet().removeAll(InheritedJvmOptions.ENVIRONMENT_OPTIONS);
            }
            pb.environment().putAll(environment);
            switch (output) {
                case CAPTURE -> pb.redirectErrorStream(true);
                case INHERIT -> pb.inheritIO();
                case TEE -> { }
            }
            String what = targetDescription != null ? targetDescription : mainClass + (args.isEmpty() ? "" : " " + String.join(" ", args));
            try {
                Process p = pb.start();
                if (output != Output.INHERIT) {
                    p.getOutputStream().close(); // the child reads no stdin
                }
                return new JvmProcess(p, "child JVM " + what + " (pid " + p.pid() + ")", output, daemon);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a JVM for " + what, e);
            }
        }
    }
}
