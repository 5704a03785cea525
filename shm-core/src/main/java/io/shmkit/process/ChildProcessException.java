package io.shmkit.process;

/**
 * A child JVM failed: it exited with a non-zero code, was killed by a signal, or did not exit
 * in time. The message names the child and ends with the last of its output when that was
 * kept (Python prints a failed child's traceback; this carries it to whoever joins).
 */
public final class ChildProcessException extends RuntimeException {
    private final long pid;
    private final int exitCode;
    private final String output;

    ChildProcessException(String message, long pid, int exitCode, String output) {
        super(message);
        this.pid = pid;
        this.exitCode = exitCode;
        this.output = output;
    }

    /** The child's process id. */
    public long pid() {
        return pid;
    }

    /** The exit code as {@link JvmProcess#exitCode()} gives it, or -1 if the child was still running. */
    public int exitCode() {
        return exitCode;
    }

    /** What the child printed (its last part if it printed much), or "" if its output was not kept. */
    public String output() {
        return output;
    }
}
