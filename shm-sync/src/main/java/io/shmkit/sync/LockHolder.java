package io.shmkit.sync;

/**
 * A process that holds a lock, as its words record it: for inspection (the {@code shm} command,
 * shm-msg's queues naming a dead consumer). A snapshot: the holder may change the moment after.
 *
 * @param pid   the holding process
 * @param holds its hold count: 1 for an exclusive lock (more when re-entered), its read holds, or
 *              its permits
 * @param alive whether it lives, as this process can tell ({@code false} only when certainly
 *              dead: see {@code docs/locks.md} §2)
 */
public record LockHolder(long pid, long holds, boolean alive) {
}
