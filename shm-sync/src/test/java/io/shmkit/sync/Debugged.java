package io.shmkit.sync;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.BooleanValue;
import com.sun.jdi.ClassType;
import com.sun.jdi.Field;
import com.sun.jdi.IncompatibleThreadStateException;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import io.shmkit.process.JvmProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM under a debugger, for replaying an interleaving exactly: one named thread of the
 * child is stopped on entry to a named method, the test checks from the other threads' stacks
 * that they are where the interleaving needs them, and then lets it go. This is how a race
 * whose window is a few nanoseconds (between a CAS and the next store) is made to happen on
 * every run, on any machine, through the code's own methods rather than hooks in it.
 */
public final class Debugged implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Listening for transport dt_socket at address: (\\d+)");

    private final Process process;
    private final VirtualMachine vm;
    private final StringBuilder output = new StringBuilder();
    private final CompletableFuture<ThreadReference> paused = new CompletableFuture<>();
    private final Thread events;

    /**
     * Starts {@code main} with {@code args}, stopping the thread named {@code threadName} when
     * it first enters {@code className.methodName}.
     */
    public Debugged(Class<?> main, List<String> args, String className, String methodName, String threadName) throws Exception {
        this(main, args, className, methodName, threadName, 1);
    }

    /**
     * As above, stopping the thread at its {@code hit}-th entry to the method (1 for the
     * first): for a method the thread calls more than once on its way to the moment wanted.
     */
    public Debugged(Class<?> main, List<String> args, String className, String methodName, String threadName, int hit)
            throws Exception {
        List<String> command = new ArrayList<>(JvmProcess.builder(main).jvmOptions("-Xmx64m", "-XX:+UseSerialGC",
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0").args(args.toArray(String[]::new)).command());
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        String line = out.readLine();
        Matcher m = line == null ? null : LISTENING.matcher(line);
        if (m == null || !m.find()) {
            process.destroyForcibly();
            throw new IllegalStateException("the child did not start its debug agent: " + line);
        }
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(l).append('\n');
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child is gone
            }
        });
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
        Map<String, Connector.Argument> arguments = socket.defaultArguments();
        arguments.get("hostname").setValue("127.0.0.1");
        arguments.get("port").setValue(m.group(1));
        vm = socket.attach(arguments);
        ClassPrepareRequest prepare = vm.eventRequestManager().createClassPrepareRequest();
        prepare.addClassFilter(className);
        prepare.enable();
        events = Thread.ofPlatform().daemon().start(() -> handleEvents(className, methodName, threadName, hit));
        vm.resume();
    }

    private void handleEvents(String className, String methodName, String threadName, int hit) {
        int hits = 0;
        try {
            for (;;) {
                EventSet set = vm.eventQueue().remove();
                boolean resume = true;
                for (Event event : set) {
                    if (event instanceof ClassPrepareEvent prepared && prepared.referenceType().name().equals(className)) {
                        for (Method method : prepared.referenceType().methodsByName(methodName)) {
                            BreakpointRequest breakpoint = vm.eventRequestManager().createBreakpointRequest(method.location());
                            breakpoint.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                            breakpoint.enable();
                        }
                    } else if (event instanceof BreakpointEvent breakpoint) {
                        if (breakpoint.thread().name().equals(threadName) && !paused.isDone() && ++hits == hit) {
                            resume = false;
                            paused.complete(breakpoint.thread());
                        }
                    } else if (event instanceof VMDeathEvent || event instanceof VMDisconnectEvent) {
                        paused.completeExceptionally(new IllegalStateException("the child ended before the breakpoint:\n" + output()));
                        return;
                    }
                }
                if (resume) {
                    set.resume();
                }
            }
        } catch (InterruptedException | com.sun.jdi.VMDisconnectedException gone) {
            paused.completeExceptionally(new IllegalStateException("the debugger lost the child:\n" + output()));
        }
    }

    /** Waits until the thread is stopped at the method's entry. */
    public ThreadReference awaitPaused(Duration timeout) throws Exception {
        return paused.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether thread {@code name} has a frame in method {@code methodName} (of any class) right now. */
    public boolean isIn(String name, String methodName) {
        for (ThreadReference thread : vm.allThreads()) {
            if (thread.name().equals(name)) {
                thread.suspend();
                try {
                    for (StackFrame frame : thread.frames()) {
                        if (frame.location().method().name().equals(methodName)) {
                            return true;
                        }
                    }
                } catch (IncompatibleThreadStateException | com.sun.jdi.ObjectCollectedException ended) {
                    return false; // it finished meanwhile
                } finally {
                    thread.resume();
                }
            }
        }
        return false;
    }

    /** Waits until the child has loaded {@code className} (its main class, say), so its statics can be set. */
    public void awaitClass(String className, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (vm.classesByName(className).isEmpty()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("the child never loaded " + className + ":\n" + output());
            }
            Thread.sleep(5);
        }
    }

    /** Whether thread {@code name} is blocked entering a monitor ({@code synchronized}). */
    public boolean isBlockedOnMonitor(String name) {
        return vm.allThreads().stream().anyMatch(t -> t.name().equals(name) && t.status() == ThreadReference.THREAD_STATUS_MONITOR);
    }

    /** Kills the child (SIGKILL) where it stands, as a crash would, and waits for it to go. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the killed child did not exit");
        }
    }

    /** The child's pid. */
    public long pid() {
        return process.pid();
    }

    /** A static boolean field of the child. */
    public boolean staticBoolean(String className, String fieldName) {
        ReferenceType type = vm.classesByName(className).get(0);
        Field field = type.fieldByName(fieldName);
        return ((BooleanValue) type.getValue(field)).value();
    }

    /** Sets a static boolean field of the child. */
    public void setStaticBoolean(String className, String fieldName, boolean value) throws Exception {
        ClassType type = (ClassType) vm.classesByName(className).get(0);
        type.setValue(type.fieldByName(fieldName), vm.mirrorOf(value));
    }

    /** Lets the stopped thread go. */
    public void release(ThreadReference thread) {
        thread.resume();
    }

    /** Waits for the child to exit and returns its code. */
    public int join(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the child did not exit in " + timeout + ":\n" + output());
        }
        events.join(1000);
        return process.exitValue();
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() {
        try {
            vm.dispose();
        } catch (RuntimeException ignored) {
            // already gone
        }
        process.destroyForcibly();
    }
}
