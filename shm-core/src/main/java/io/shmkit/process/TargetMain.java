package io.shmkit.process;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The main class of a child started by {@link JvmProcess#target}: not for direct use. It
 * attaches the shmkit objects among the arguments, calls the target, waits for the non-daemon
 * threads it started, closes what it attached, and exits 0; a target (or a thread it started)
 * that throws prints its stack trace to stderr and exits 1.
 */
public final class TargetMain {
    /** The exit code of a child whose target threw or could not be called. */
    public static final int FAILED = 1;

    private static final java.util.concurrent.atomic.AtomicBoolean THREAD_FAILED = new java.util.concurrent.atomic.AtomicBoolean();

    private TargetMain() {
    }

    /** Waits for every live non-daemon thread but this one, until none is left. */
    private static void joinOtherThreads() throws InterruptedException {
        for (boolean waited = true; waited; ) {
            waited = false;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t != Thread.currentThread() && !t.isDaemon() && t.isAlive()) {
                    t.join();
                    waited = true;
                }
            }
        }
    }

    /** {@code args}: the target class's binary name, the method name, the Base64 of the encoded arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("shmkit: TargetMain is started by JvmProcess.target, with 3 arguments; got " + args.length);
            System.exit(2);
        }
        List<AutoCloseable> attached = new ArrayList<>();
        Throwable failure = null;
        String target = args[0] + "." + args[1];
        // a thread the target started that dies of an exception fails the child, as the target's own would
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace();
            THREAD_FAILED.set(true);
        });
        try {
            ClassLoader loader = ClassLoader.getSystemClassLoader();
            List<Object> values = ValueCodec.decodeAll(Base64.getDecoder().decode(args[2]), loader, attached);
            Method method = TargetMethod.resolve(Class.forName(args[0], true, loader), args[1], values);
            method.invoke(null, values.toArray());
            joinOtherThreads(); // as a JVM waits for them before it exits, with the segments still attached
        } catch (InvocationTargetException e) {
            failure = e.getCause();
        } catch (Throwable t) {
            failure = new IllegalStateException("cannot call target " + target + " in child JVM pid "
                    + ProcessHandle.current().pid() + ": " + t, t);
        } finally {
            for (int i = attached.size() - 1; i >= 0; i--) {
                try {
                    attached.get(i).close();
                } catch (Exception e) {
                    if (failure == null) failure = e; else failure.addSuppressed(e);
                }
            }
        }
        if (failure == null && THREAD_FAILED.get()) {
            System.err.println("shmkit: a thread started by target " + target + " failed in child JVM pid "
                    + ProcessHandle.current().pid() + " (above)");
            System.err.flush();
            System.exit(FAILED);
        }
        if (failure != null) {
            System.err.println("shmkit: target " + target + " failed in child JVM pid " + ProcessHandle.current().pid() + ":");
            failure.printStackTrace();
            System.err.flush();
            System.exit(FAILED);
        }
    }
}
