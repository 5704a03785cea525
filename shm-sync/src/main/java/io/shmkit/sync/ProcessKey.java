package io.shmkit.sync;

/**
 * The owner keys of {@code docs/locks.md} §2 for other modules that record who wrote
 * something into shared memory (shm-msg's record headers): {@code pid << 32 | start tag}, never
 * zero, and the liveness test every shm-sync lock uses ("cannot tell" is alive).
 */
public final class ProcessKey {
    private ProcessKey() {
    }

    /** This process's key. */
    public static long self() {
        return Owners.SELF_KEY;
    }

    /** The pid a key names. */
    public static long pid(long key) {
        return Owners.pid(key);
    }

    /**
     * Whether the process a key names lives; {@code privateToUser} as
     * {@link io.shmkit.core.SharedObject#isPrivateToUser()} says of the segment the key was
     * found in. False only when the process is certainly dead.
     */
    public static boolean isAlive(long key, boolean privateToUser) {
        return OwnerWord.isSelf(key) || Owners.isOwnerAlive(key, privateToUser);
    }
}
