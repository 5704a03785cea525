package io.shmkit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * What shmkit does when the JVM exits normally, in order, in one shutdown hook: first the
 * actions added here ({@code JvmProcess} waits for its children, as Python joins non-daemon
 * processes at exit), then it unlinks the temporary segments still open
 * ({@link SegmentDirectory#temporary()}), so that a child still using one is not cut off. For
 * shmkit's own modules; an application has no reason to call it. Thread-safe.
 */
public final class ShutdownSequence {
    private static final List<Runnable> BEFORE = new ArrayList<>();
    private static Runnable last;
    private static boolean hooked;

    private ShutdownSequence() {
    }

    /** Adds {@code action} to run at exit, before temporary segments are unlinked. */
    public static synchronized void beforeUnlinkingTemporaries(Runnable action) {
        BEFORE.add(action);
        hook();
    }

    static synchronized void unlinkTemporariesWith(Runnable action) {
        last = action;
        hook();
    }

    private static void hook() {
        if (!hooked) {
            hooked = true;
            Runtime.getRuntime().addShutdownHook(new Thread(ShutdownSequence::run, "shmkit: exit"));
        }
    }

    private static void run() {
        List<Runnable> actions;
        Runnable unlink;
        synchronized (ShutdownSequence.class) {
            actions = List.copyOf(BEFORE);
            unlink = last;
        }
        for (Runnable a : actions) {
            try {
                a.run();
            } catch (RuntimeException e) {
                System.err.println("shmkit: at exit: " + e);
            }
        }
        if (unlink != null) {
            unlink.run();
        }
    }
}
