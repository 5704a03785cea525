package io.shmkit.msg;

import io.shmkit.sync.LockOptions;
import io.shmkit.sync.SharedSemaphore;
import java.util.concurrent.TimeUnit;

/**
 * Taking a role (consumer, producer, transmitter): a permit of a semaphore in the segment,
 * which belongs to a process, so that a role whose process died is found and taken back.
 */
final class Roles {
    private Roles() {
    }

    /**
     * Takes one of {@code role}'s permits now, or after taking back those of dead processes;
     * otherwise throws naming the live holders.
     *
     * @param what the role, for the message: "a consumer"
     * @throws IllegalStateException if live processes hold every permit
     */
    static void take(SharedSemaphore role, LockOptions waiting, String kind, String name, String what) {
        if (role.tryAcquire()) {
            return;
        }
        try {
            // the semaphore's internal word is held for a few stores; a dead holder of it is taken over after a check interval
            long timeout = waiting.ownerCheckInterval().toNanos() * 10 + TimeUnit.SECONDS.toNanos(1);
            if (role.reclaimDeadHolders(timeout, TimeUnit.NANOSECONDS) > 0 && role.tryAcquire()) {
                role.markConsistent(); // what the dead holder left unfinished is redone by this one, not lost
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (role.tryAcquire()) {
            return;
        }
        String holders = role.holders().stream().map(h -> "pid " + h.pid() + (h.alive() ? "" : " (dead)")).toList().toString();
        throw new IllegalStateException(kind + " '" + name + "' already has " + what + ": " + holders);
    }
}
