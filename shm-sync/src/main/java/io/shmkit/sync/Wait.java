package io.shmkit.sync;

/**
 * One thread's wait for a lock: the idle strategy's attempt count, the deadline, when the
 * holder's liveness is next checked, and an interrupt that an uninterruptible wait swallows
 * and restores at the end. Made only on the slow path, after a first attempt failed.
 */
final class Wait {
    private final IdleStrategy idle;
    private final long checkIntervalNanos;
    private final boolean timed;
    private final long deadline;
    private final boolean interruptible;
    private int attempt;
    private long nextCheck;
    private boolean interrupted;

    Wait(LockOptions options, boolean timed, long deadline, boolean interruptible) {
        this.idle = options.idleStrategy();
        this.checkIntervalNanos = options.ownerCheckInterval().toNanos();
        this.timed = timed;
        this.deadline = deadline;
        this.interruptible = interruptible;
        this.nextCheck = System.nanoTime() + checkIntervalNanos;
    }

    /** Whether it is time to check that the holders are alive; if so, the next check is scheduled. */
    boolean checkDue() {
        if (isCheckDue()) {
            checked();
            return true;
        }
        return false;
    }

    /**
     * Whether a check is due, without scheduling the next: for a loop that may find it cannot
     * make the check this time round, and must not then push the next one an interval away.
     */
    boolean isCheckDue() {
        return System.nanoTime() - nextCheck >= 0;
    }

    /** Schedules the next check an interval from now, after a check was made. */
    void checked() {
        nextCheck = System.nanoTime() + checkIntervalNanos;
    }

    /**
     * Waits before the next attempt.
     *
     * @return false if the deadline has passed
     * @throws InterruptedException if interruptible and the thread was interrupted
     */
    boolean idle() throws InterruptedException {
        return idle(null, null);
    }

    /**
     * As {@link #idle()}, sleeping in the kernel on {@code word} once the idle strategy has had
     * its attempts, if the word is on, unless {@code ready} holds after the announcement. A sleep
     * ends by a wake-up, at the deadline, or when the next liveness check is due; an interrupt is
     * seen when it ends.
     *
     * @param word  where to sleep, or null to only poll
     */
    boolean idle(WakeWord word, java.util.function.BooleanSupplier ready) throws InterruptedException {
        if (Thread.interrupted()) {
            if (interruptible) {
                throw new InterruptedException();
            }
            interrupted = true;
        }
        long now = System.nanoTime();
        if (timed && now - deadline >= 0) {
            return false;
        }
        if (word == null) {
            idle.idle(attempt);
        } else {
            // until the next liveness check; a whole interval if one is overdue because this wait
            // cannot make it (the holder is this process), rather than sleeps too short to save anything
            long untilCheck = nextCheck - now > 0 ? nextCheck - now : checkIntervalNanos;
            word.idle(idle, attempt, ready, timed ? Math.min(untilCheck, deadline - now) : untilCheck);
        }
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        return true;
    }

    /** Ends the wait: an interrupt swallowed by an uninterruptible wait is set again. */
    void end() {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A deadline {@code nanos} from now, for the timed variants. */
    static long deadline(long nanos) {
        return System.nanoTime() + Math.max(0, Math.min(nanos, Long.MAX_VALUE / 4));
    }
}
