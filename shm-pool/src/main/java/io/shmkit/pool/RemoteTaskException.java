package io.shmkit.pool;

/**
 * A task threw in a worker JVM. The message names the task, the worker's pid, and the remote
 * exception's class and message; {@link #getStackTrace()} is the remote stack trace.
 */
public final class RemoteTaskException extends RuntimeException {
    private final String remoteClass;
    private final String remoteMessage;
    private final long workerPid;

    RemoteTaskException(String task, long workerPid, String remoteClass, String remoteMessage,
            StackTraceElement[] remoteTrace) {
        super(task + " failed in worker pid " + workerPid + ": " + remoteClass
                + (remoteMessage == null ? "" : ": " + remoteMessage));
        this.remoteClass = remoteClass;
        this.remoteMessage = remoteMessage;
        this.workerPid = workerPid;
        setStackTrace(remoteTrace);
    }

    /** The binary name of the exception the task threw, e.g. {@code java.lang.ArithmeticException}. */
    public String remoteClass() {
        return remoteClass;
    }

    /** Its message, or null. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The pid of the worker JVM it was thrown in. */
    public long workerPid() {
        return workerPid;
    }
}
