package io.shmkit.process;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** What multi-process tests wait for: recorded state, never a sleep that hopes. */
public final class Children {
    private Children() {
    }

    /**
     * Waits until {@code condition} holds, failing at once with a child's output if one of
     * {@code watched} exits first, and after {@code timeout} otherwise.
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition, JvmProcess... watched)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (JvmProcess p : watched) {
                if (!p.isAlive()) {
                    throw new AssertionError("child " + p.pid() + " exited (" + p.exitCode() + ") before " + what + ":\n" + p.output());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }
}
