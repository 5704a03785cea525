package io.shmkit.pool;

/**
 * The worker JVM running a task died before the task finished (it was killed, ran out of
 * memory, or exited), and the task had no retry left. The message names the task, the worker's
 * pid and how it ended, and ends with the worker's last output.
 */
public final class WorkerDiedException extends RuntimeException {
    private final long workerPid;

    WorkerDiedException(String message, long workerPid) {
        super(message);
        this.workerPid = workerPid;
    }

    /** The pid of the worker that died. */
    public long workerPid() {
        return workerPid;
    }
}
