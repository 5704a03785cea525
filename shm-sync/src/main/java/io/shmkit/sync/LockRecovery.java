package io.shmkit.sync;

/**
 * A report that a lock was taken back from a process that died holding it, handed to the
 * {@link LockOptions#recoveryListener() recovery listener} of the process that took it back,
 * in the thread that did, before that thread's lock call returns.
 *
 * @param lock     the lock, as {@link SharedLock#name()} names it
 * @param deadPid  the pid of the dead process
 * @param role     what the dead process held
 * @param holds    how many holds it had: hold count, read holds or permits
 * @param consistent whether the lock still reports {@link SharedLock#isConsistent()}: false
 *                 when the dead process may have left the protected data half-updated
 */
public record LockRecovery(String lock, long deadPid, Role role, long holds, boolean consistent) {
    /** What the dead process held. */
    public enum Role {
        /** The lock of a mutex or reentrant lock. */
        OWNER,
        /** The write lock of a read/write lock or seqlock. */
        WRITER,
        /** Read holds of a read/write lock. */
        READER,
        /** Permits of a semaphore. */
        PERMITS
    }

    @Override
    public String toString() {
        return lock + ": pid " + deadPid + " died holding " + holds + " " + role.name().toLowerCase(java.util.Locale.ROOT)
                + (role == Role.PERMITS || role == Role.READER ? "" : " hold") + (holds == 1 ? "" : "s")
                + "; taken back by pid " + Owners.SELF_PID + (consistent ? "" : "; the protected data may be inconsistent");
    }
}
