package io.shmkit.sync;

/**
 * A wait that cannot end because the process it waits for died mid-operation and only a
 * writer can repair what it left: a seqlock reader that finds the writer dead with a write
 * half done. Taking the write lock takes the dead writer's place; rewriting and unlocking
 * makes the data readable again.
 */
public final class OwnerDiedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final long deadPid;

    OwnerDiedException(String message, long deadPid) {
        super(message);
        this.deadPid = deadPid;
    }

    /** The pid of the process that died. */
    public long deadPid() {
        return deadPid;
    }
}
