package io.shmkit.sync;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An idle strategy that counts its calls and then backs off as the default does: a test passes
 * it in a lock's or a queue's options and waits for the count, so that "the thread is waiting
 * now" is recorded state, not a sleep that hopes. Every call is made from inside a wait loop,
 * after the loop's interrupt check, so an interrupt sent once {@link #calls()} has moved is seen
 * by a waiting thread, not at the door.
 */
public final class CountingIdle implements IdleStrategy {
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void idle(int attempt) {
        calls.incrementAndGet();
        IdleStrategy.backoff().idle(attempt);
    }

    /** Calls so far. */
    public int calls() {
        return calls.get();
    }

    /** Waits until more than {@code than} calls were made, failing after {@code timeout}. */
    public void awaitMoreThan(int than, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (calls.get() <= than) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the waiter did not idle more than " + than + " times in " + timeout);
            }
            Thread.sleep(1);
        }
    }
}
