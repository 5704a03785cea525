package io.shmkit.sync;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Linux futex waits and wakes on a 32-bit word of a shared mapping, across processes:
 * {@code FUTEX_WAIT} and {@code FUTEX_WAKE} without {@code FUTEX_PRIVATE_FLAG}, reached through
 * libc's {@code syscall} with the FFM API. The kernel keys a shared futex by the file and the
 * offset, so processes that map the same segment at different addresses meet on the same word.
 *
 * <p><b>Opt-in, never a surprise.</b> A downcall is a restricted method: this class makes one
 * only if native access is enabled for its module ({@code --enable-native-access=io.shmkit.sync}
 * on the module path, {@code --enable-native-access=ALL-UNNAMED} on the class path, or
 * {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest) and the platform is
 * Linux on x86-64 or AArch64. Otherwise {@link #isAvailable()} is false, no restricted method is
 * ever called, so no JDK warning appears, and {@link #unavailableReason()} says what to add.
 * Nothing in shmkit touches this class unless a user asks for kernel waits
 * ({@link LockOptions#withKernelWaits(boolean)}); a waiter that asked and finds it unavailable
 * polls as before, after {@link #requested()} logs that reason once.
 *
 * <p>Thread-safe and process-safe: the kernel does the work. A thread sleeping here does not see
 * {@link Thread#interrupt()} (no signal reaches it), so callers bound every sleep.
 */
public final class Futex {
    /** What a {@link #await} call ended with; callers re-check their condition in every case. */
    public enum Outcome {
        /** A {@code FUTEX_WAKE} (or a spurious wake-up) ended the sleep. */
        WOKEN,
        /** The word did not hold the expected value: no sleep at all. */
        VALUE_CHANGED,
        /** The timeout passed. */
        TIMED_OUT,
        /** A signal interrupted the sleep. */
        INTERRUPTED
    }

    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int MEMBARRIER_CMD_QUERY = 0;
    private static final int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    private static final int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int EFAULT = 14;
    private static final int ETIMEDOUT = 110;

    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    private Futex() {
    }

    /** Whether this process can sleep and wake in the kernel; see the class comment. */
    public static boolean isAvailable() {
        return Native.SYSCALL != null;
    }

    /** Why {@link #isAvailable()} is false, naming the flag or the platform; empty if available. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Native.UNAVAILABLE);
    }

    /**
     * For a waiter whose options ask for kernel waits: whether it may use them. If not, logs
     * {@link #unavailableReason()} once per JVM through {@link System.Logger} "io.shmkit.sync"
     * (WARNING), so that a user who asked learns what to add, and callers fall back to polling.
     */
    public static boolean requested() {
        if (isAvailable()) {
            return true;
        }
        if (REPORTED.compareAndSet(false, true)) {
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.WARNING, "kernel waits were asked for but are off: "
                    + Native.UNAVAILABLE + "; waiting by polling instead");
        }
        return false;
    }

    /**
     * Whether wakers in this process may skip their full fence ({@link WakeWord}): true when this
     * process registered for {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}, so that a
     * sleeper's {@link #heavyBarrier()} makes every running thread of this process execute a
     * full barrier. False where that is not available (kernels before 4.16, a seccomp filter):
     * wakers then fence.
     */
    public static boolean wakersSkipTheirFence() {
        return Native.LIGHT_WAKERS;
    }

    /**
     * The sleeper's side of the asymmetric fence: a full barrier in every running thread of
     * every registered process, and in this one ({@code membarrier(2)}, some microseconds).
     * Issued whenever the kernel has it, registered or not (issuing needs no registration), since
     * any registered waker anywhere relies on it.
     *
     * @return false if it could not be issued: a full fence was made instead, which covers only
     *         wakers that fence, so the caller must not sleep long
     */
    static boolean heavyBarrier() {
        if (Native.MEMBARRIER) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Native.STATE);
                if (call(state, Native.MEMBARRIER_NUMBER, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0, 0) == 0) {
                    return true;
                }
            }
        }
        VarHandle.fullFence();
        return false;
    }

    /**
     * Sleeps while the word at {@code offset} of {@code segment} holds {@code expected}, at most
     * {@code timeoutNanos}: the kernel compares and sleeps atomically against a
     * {@link #wake} on the same word.
     *
     * @throws IllegalStateException    if kernel waits are not available
     * @throws IndexOutOfBoundsException if the word is not inside the segment
     * @throws IllegalArgumentException if the segment is not native memory or the word is not
     *                                  4-byte aligned
     */
    public static Outcome await(MemorySegment segment, long offset, int expected, long timeoutNanos) {
        long address = addressOf(segment, offset);
        long nanos = Math.max(0, timeoutNanos);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeout = arena.allocate(16, 8);
            timeout.set(JAVA_LONG, 0, nanos / 1_000_000_000L);
            timeout.set(JAVA_LONG, 8, nanos % 1_000_000_000L);
            MemorySegment state = arena.allocate(Native.STATE);
            long result = syscall(state, address, FUTEX_WAIT, expected, timeout.address());
            if (result == 0) {
                return Outcome.WOKEN;
            }
            return switch ((int) Native.ERRNO.get(state, 0L)) {
                case EAGAIN -> Outcome.VALUE_CHANGED;
                case ETIMEDOUT -> Outcome.TIMED_OUT;
                case EINTR -> Outcome.INTERRUPTED;
                // the segment was unmapped (closed by another thread) while this one slept: the
                // caller's next access throws the closed segment's clean error
                case EFAULT -> Outcome.VALUE_CHANGED;
                default -> throw new IllegalStateException("futex wait on address 0x" + Long.toHexString(address)
                        + " failed: errno " + (int) Native.ERRNO.get(state, 0L));
            };
        }
    }

    /**
     * Wakes up to {@code count} sleepers on the word at {@code offset} of {@code segment}.
     *
     * @return how many were woken
     * @throws IllegalStateException as {@link #await}
     */
    public static int wake(MemorySegment segment, long offset, int count) {
        long address = addressOf(segment, offset);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            long result = syscall(state, address, FUTEX_WAKE, count, 0L);
            if (result < 0) {
                throw new IllegalStateException("futex wake on address 0x" + Long.toHexString(address) + " failed: errno "
                        + (int) Native.ERRNO.get(state, 0L));
            }
            return (int) result;
        }
    }

    // The address goes down as a number, not as a segment: a segment argument would keep its
    // arena acquired for the whole sleep, and closing the queue or lock from another thread would
    // then fail. The kernel never touches user memory after keying the word, so an unmapping
    // while a thread sleeps is harmless; the thread's next Java access then fails cleanly.
    private static long addressOf(MemorySegment segment, long offset) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a futex word must be in native (mapped) memory");
        }
        Objects.checkFromIndexSize(offset, 4, segment.byteSize());
        long address = segment.address() + offset;
        if ((address & 3) != 0) {
            throw new IllegalArgumentException("a futex word must be 4-byte aligned: address 0x" + Long.toHexString(address));
        }
        return address;
    }

    private static long syscall(MemorySegment state, long address, int op, int value, long timeout) {
        if (Native.SYSCALL == null) {
            throw new IllegalStateException("kernel waits are not available: " + Native.UNAVAILABLE);
        }
        return call(state, Native.FUTEX_NUMBER, address, op, value, timeout);
    }

    private static long call(MemorySegment state, long number, long a, long b, long c, long d) {
        try {
            return (long) Native.SYSCALL.invokeExact(state, number, a, b, c, d, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("system call " + number + " failed", t);
        }
    }

    /** Loaded only when a user asks for kernel waits: holds the downcall, or why there is none. */
    private static final class Native {
        static final MethodHandle SYSCALL;
        static final String UNAVAILABLE;
        static final long FUTEX_NUMBER;
        static final long MEMBARRIER_NUMBER;
        static final boolean LIGHT_WAKERS;
        /** Whether the kernel has the global expedited membarrier, for sleepers. */
        static final boolean MEMBARRIER;
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            long number = switch (arch) {
                case "amd64", "x86_64" -> 202;
                case "aarch64", "arm64" -> 98;
                default -> -1;
            };
            long membarrier = number == 202 ? 324 : 283;
            Module module = Futex.class.getModule();
            String reason = null;
            MethodHandle handle = null;
            if (!os.equals("Linux") || number < 0) {
                reason = "futex is Linux-only on x86-64 and AArch64, and this is " + os + " on " + arch;
            } else if (!module.isNativeAccessEnabled()) {
                reason = "native access is not enabled for " + (module.isNamed() ? "module " + module.getName()
                        : "the class path") + "; add --enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED")
                        + " to the java command" + (module.isNamed() ? "" : " (or Enable-Native-Access: ALL-UNNAMED to an executable jar's manifest)");
            } else {
                try {
                    Linker linker = Linker.nativeLinker();
                    handle = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
                } catch (RuntimeException e) {
                    reason = "libc's syscall could not be linked: " + e;
                }
            }
            SYSCALL = handle;
            UNAVAILABLE = reason;
            FUTEX_NUMBER = number;
            MEMBARRIER_NUMBER = membarrier;
            int needed = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
            MEMBARRIER = handle != null && (membarrier(handle, membarrier, MEMBARRIER_CMD_QUERY) & needed) == needed;
            LIGHT_WAKERS = MEMBARRIER && membarrier(handle, membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
        }

        /** One membarrier command: its result, or -1 if it failed. */
        private static long membarrier(MethodHandle handle, long number, int command) {
            try (Arena arena = Arena.ofConfined()) {
                return (long) handle.invokeExact(arena.allocate(STATE), number, (long) command, 0L, 0L, 0L, 0L, 0L);
            } catch (Throwable t) {
                return -1;
            }
        }
    }
}
