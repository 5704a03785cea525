package io.shmkit.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A python3 process that an interop test drives: its stdout and stderr collected line by line,
 * lines written to its stdin, its exit awaited with a bound. Shared by the Python interop tests
 * of shm-sync and shm-msg (through shm-core's test jar).
 */
public class PythonScript implements AutoCloseable {
    /** The process. */
    public final Process process;
    private final StringBuffer output = new StringBuffer();
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    /** Starts {@code command} (python3 and its arguments), stderr merged into stdout. */
    public PythonScript(List<String> command) throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        });
    }

    /** The process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether it still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The first line (from here on) starting with {@code prefix}; fails if the process exits or the time is up first. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            String line = lines.poll(20, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                reader.join(5000);
                if (lines.isEmpty()) {
                    throw new AssertionError("python exited (" + process.exitValue() + ") before saying " + prefix + ":\n" + output);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("python did not say " + prefix + " in " + timeout + ":\n" + output);
            }
        }
    }

    /** Writes {@code line} to its stdin. */
    public void tell(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Waits for the exit; its status. Fails (after killing it) if it takes longer than {@code timeout}. */
    public int finish(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("python did not finish in " + timeout + ":\n" + output);
        }
        reader.join(10_000);
        return process.exitValue();
    }

    /** Everything it printed so far. */
    public String output() {
        return output.toString();
    }

    /** SIGKILL, and waits until the process is gone (reaped). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
