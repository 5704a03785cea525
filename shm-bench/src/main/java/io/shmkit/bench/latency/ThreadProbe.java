package io.shmkit.bench.latency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What {@code /proc} says about one thread of another process (Linux): what it is doing now
 * ({@code /proc/<pid>/task/<tid>/syscall}), the CPU time it has used ({@code schedstat}, in ns)
 * and how often it has gone to sleep ({@code status}: voluntary context switches). Reading the
 * {@code syscall} file of another process needs ptrace access to it: the wake harness's
 * producer is the consumer's parent, which has it. Reading never wakes or stops the thread:
 * the kernel reports a runnable thread as {@code running} without interrupting it.
 */
final class ThreadProbe {
    /** The futex system call's number: 202 on x86-64, 98 on AArch64 (-1 elsewhere: nothing is classified as a futex). */
    static final long FUTEX = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 202;
        case "aarch64", "arm64" -> 98;
        default -> -1;
    };
    private static final long FUTEX_PRIVATE_FLAG = 128;
    private static final long FUTEX_CMD_MASK = 127;
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_WAIT_BITSET = 9;

    /** What a thread was doing when looked at. */
    enum State {
        /** In a {@code FUTEX_WAIT} without {@code FUTEX_PRIVATE_FLAG}: a shared futex, as shmkit's kernel waits use. */
        SHARED_FUTEX_WAIT,
        /** In a private futex wait: a park ({@code LockSupport.parkNanos}), a monitor, a JVM lock. */
        PARKED,
        /** Runnable: on a CPU or waiting for one. */
        RUNNING,
        /** Blocked in another system call, or outside one (a page fault). */
        OTHER,
        /** The file could not be read (no access, the thread is gone, not Linux). */
        UNKNOWN
    }

    private final Path task;
    private final Path process;

    ThreadProbe(long pid, long tid) {
        this.process = Path.of("/proc", Long.toString(pid));
        this.task = process.resolve("task").resolve(Long.toString(tid));
    }

    /** What the thread is doing now. */
    State state() {
        try {
            return classify(Files.readString(task.resolve("syscall")));
        } catch (IOException | RuntimeException e) {
            return State.UNKNOWN;
        }
    }

    /** Classifies a line of {@code /proc/<pid>/task/<tid>/syscall}: "running", or the call's number and arguments in hex. */
    static State classify(String line) {
        String[] f = line.strip().split(" ");
        if (f[0].equals("running")) {
            return State.RUNNING;
        }
        if (f.length < 3) {
            return f[0].isEmpty() ? State.UNKNOWN : State.OTHER;
        }
        long number = Long.parseLong(f[0]);
        if (number != FUTEX || FUTEX < 0) {
            return State.OTHER;
        }
        long op = Long.decode(f[2]);
        long command = op & FUTEX_CMD_MASK;
        if (command != FUTEX_WAIT && command != FUTEX_WAIT_BITSET) {
            return State.OTHER;
        }
        return (op & FUTEX_PRIVATE_FLAG) == 0 ? State.SHARED_FUTEX_WAIT : State.PARKED;
    }

    /** Nanoseconds the thread has run on a CPU: the first field of its {@code schedstat}. */
    long cpuNanos() throws IOException {
        return firstField(task.resolve("schedstat"));
    }

    /** Nanoseconds every live thread of the process has run (a thread that ended in between is not counted). */
    long processCpuNanos() throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(process.resolve("task"))) {
            for (Path t : tasks.toList()) {
                try {
                    sum += firstField(t.resolve("schedstat"));
                } catch (IOException gone) {
                    // the thread ended while we looked
                }
            }
        }
        return sum;
    }

    /** The thread's voluntary context switches: each time it went to sleep (a park, a futex wait, a yield that gave the core away). */
    long voluntarySwitches() throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IOException("no voluntary_ctxt_switches in " + task.resolve("status"));
    }

    private static long firstField(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip().split(" ")[0]);
    }
}
