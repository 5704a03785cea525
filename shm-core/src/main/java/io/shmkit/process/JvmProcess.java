package io.shmkit.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class on this JVM's class path: the analog of Python's
 * {@code multiprocessing.Process(target=...)} with {@code start()}, {@code join(timeout)},
 * {@code exitcode}, {@code is_alive()} and {@code terminate()}.
 *
 * <pre>{@code
 * try (JvmProcess worker = JvmProcess.builder(SumWorker.class).args("numbers", "0", "1000").start()) {
 *     if (!worker.join(Duration.ofSeconds(30))) throw new AssertionError("worker hung");
 *     int code = worker.exitCode();
 *     String printed = worker.output();
 * }
 * }</pre>
 *
 * <p>The child runs {@code java.home/bin/java} of this JVM with {@code java.class.path}, so it
 * sees the same classes. Its output is either inherited (printed as it comes) or captured
 * (stdout and stderr merged, read by a background thread so the child never blocks on a full
 * pipe). {@link #close()} kills a child still running, so try-with-resources never leaks one.
 * Thread-safe.
 */
public final class JvmProcess implements AutoCloseable {
    private final Process process;
    private final String description;
    private final ByteArrayOutputStream captured;
    private final Thread reader;

    private JvmProcess(Process process, String description, boolean capture) {
        this.process = process;
        this.description = description;
        if (capture) {
            captured = new ByteArrayOutputStream();
            reader = Thread.ofPlatform().daemon().name("output of " + description).start(() -> pump(process.getInputStream()));
        } else {
            captured = null;
            reader = null;
        }
    }

    /** A builder for a child JVM running {@code mainClass}. */
    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass.getName());
    }

    /** A builder for a child JVM running the class of that binary name. */
    public static Builder builder(String mainClassName) {
        return new Builder(Objects.requireNonNull(mainClassName));
    }

    private void pump(InputStream in) {
        byte[] buffer = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (captured) {
                    captured.write(buffer, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the child is gone; what was read is kept
        }
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
     * Waits up to {@code timeout} for the child to exit.
     *
     * @return whether it exited
     */
    public boolean join(Duration timeout) throws InterruptedException {
        boolean exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (exited && reader != null) {
            reader.join(timeout.toMillis() + 1); // the pipe drains right after exit
        }
        return exited;
    }

    /**
     * The exit code.
     *
     * @throws IllegalStateException if the child is still running
     */
    public int exitCode() {
        if (process.isAlive()) {
            throw new IllegalStateException(description + " is still running");
        }
        return process.exitValue();
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
     * What the child has printed so far, stdout and stderr merged.
     *
     * @throws IllegalStateException if output is inherited, not captured
     */
    public String output() {
        if (captured == null) {
            throw new IllegalStateException(description + " inherits its output; nothing is captured");
        }
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Number of bytes the child has written to its captured output. */
    public long outputBytes() {
        if (captured == null) {
            return 0;
        }
        synchronized (captured) {
            return captured.size();
        }
    }

    /** Kills the child if it is still running and waits for it to go. */
    @Override
    public void close() {
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

    /** Configures and starts a {@link JvmProcess}. Not thread-safe. */
    public static final class Builder {
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> wrapper = new ArrayList<>();
        private boolean capture = true;

        private Builder(String mainClass) {
            this.mainClass = mainClass;
        }

        /** Adds program arguments. */
        public Builder args(String... arguments) {
            args.addAll(List.of(arguments));
            return this;
        }

        /** Adds JVM options such as {@code -Xmx64m}, placed before the main class. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
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

        /** Captures stdout and stderr for {@link JvmProcess#output()} (the default). */
        public Builder captureOutput() {
            capture = true;
            return this;
        }

        /** Lets the child print to this process's stdout and stderr. */
        public Builder inheritOutput() {
            capture = false;
            return this;
        }

        /** The command line that {@link #start()} runs. */
        public List<String> command() {
            List<String> command = new ArrayList<>(wrapper);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(mainClass);
            command.addAll(args);
            return command;
        }

        /**
         * Starts the child.
         *
         * @throws UncheckedIOException if the JVM cannot be started
         */
        public JvmProcess start() {
            ProcessBuilder pb = new ProcessBuilder(command());
            if (capture) {
                pb.redirectErrorStream(true);
            } else {
                pb.inheritIO();
            }
            try {
                Process p = pb.start();
                if (capture) {
                    p.getOutputStream().close(); // the child reads no stdin
                }
                return new JvmProcess(p, "JVM " + mainClass + " " + String.join(" ", args) + " (pid " + p.pid() + ")", capture);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a JVM for " + mainClass, e);
            }
        }
    }
}
