package io.shmkit.sync;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;

/**
 * A 32-bit word in a segment that waiters sleep on in the kernel, and that tells a waker whether
 * anyone sleeps: 0 means nobody announced a sleep since the last wake, 1 means someone may
 * sleep. It is the protocol every shmkit kernel wait uses ({@code docs/locks.md} §9):
 *
 * <pre>
 *   sleeper                                  waker
 *   word = 1            (volatile)           the store that ends the wait (release)
 *   heavy barrier                            (light barrier)
 *   re-check condition; if it holds: go      if word != 0 and getAndSet(word, 0) != 0:
 *   FUTEX_WAIT(word, 1, bounded timeout)         FUTEX_WAKE(word, all)
 *   re-check; loop
 * </pre>
 *
 * Each side writes before it reads the other's word, with a barrier between, so at least one
 * sees the other: either the sleeper's re-check sees the waker's store and does not sleep, or
 * the waker sees the announcement and wakes it. The barriers are asymmetric, as in folly's
 * {@code asymmetricHeavyBarrier}: a release is frequent and a sleep is rare, so the sleeper
 * pays. Where the kernel has {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)} every process
 * that uses kernel waits registers for it, the sleeper's heavy barrier makes every running
 * thread of those processes execute a full barrier, and a waker needs no fence: its release
 * costs one extra load. Elsewhere both sides use a full fence. A process that could not register
 * (or Python, whose waker step is an atomic read-modify-write) fences as a waker, so the two
 * kinds mix. Should a waker's load still be seen before its store (nothing in the Java memory
 * model forbids a compiler to move a load above a release store without a fence), the cost is a
 * late wake-up, at the end of the sleeper's bounded sleep: never a lost message or hold. If the waker's reset comes first, the kernel
 * finds 0 instead of 1 and the sleeper does not sleep. The word only says "maybe": the waker
 * that clears it wakes everyone, and those still waiting announce again. So a sleeper killed in
 * its sleep leaves at most a 1 behind, which costs the next waker one {@code FUTEX_WAKE} and
 * is then gone: the word heals at the next wake, and no later release pays for the dead.
 *
 * <p>A word made from options without {@link LockOptions#kernelWaits()} (or where
 * {@link Futex} is unavailable) is off: its waker methods return at once, touch no memory and
 * call no native code, and {@link #canSleep()} is false.
 *
 * <p>Thread-safe and process-safe.
 */
public final class WakeWord {
    private final MemorySegment segment;
    private final long offset;
    private final boolean on;

    private WakeWord(MemorySegment segment, long offset, boolean on) {
        this.segment = segment;
        this.offset = offset;
        this.on = on;
    }

    /**
     * The word at {@code offset} of {@code segment} (4-byte aligned), on if {@code options} ask
     * for kernel waits and this process can make them.
     */
    public static WakeWord at(MemorySegment segment, long offset, LockOptions options) {
        boolean on = options.kernelWaits() && Futex.requested();
        if (on && (offset < 0 || offset > segment.byteSize() - 4 || ((segment.address() + offset) & 3) != 0)) {
            throw new IllegalArgumentException("a wake word needs 4 aligned bytes inside the segment; offset " + offset);
        }
        return new WakeWord(segment, offset, on);
    }

    /** Whether this word makes kernel waits and wakes. */
    public boolean isOn() {
        return on;
    }

    /** Whether the calling thread may sleep on this word: it is on, and the thread is not virtual. */
    public boolean canSleep() {
        return on && !Thread.currentThread().isVirtual();
    }

    /**
     * The waker's step after a plain or release store that may end a wait: a full fence (none
     * where the sleepers' heavy barrier covers it), then a {@code FUTEX_WAKE} only if someone
     * announced a sleep.
     */
    public void wakeAfterStore() {
        if (on) {
            if (!Futex.lightWakers()) {
                VarHandle.fullFence();
            }
            wakeIfAnnounced();
        }
    }

    /**
     * The waker's step after an atomic read-modify-write (a CAS, getAndAdd) that may end a wait:
     * that access already orders the read that follows.
     */
    public void wakeAfterAtomic() {
        if (on) {
            wakeIfAnnounced();
        }
    }

    private void wakeIfAnnounced() {
        if ((int) LockWords.INT.getVolatile(segment, offset) != 0 && (int) LockWords.INT.getAndSet(segment, offset, 0) != 0) {
            Futex.wake(segment, offset, Integer.MAX_VALUE);
        }
    }

    /**
     * The sleeper's step: announces, re-checks {@code ready}, and sleeps up to
     * {@code timeoutNanos} unless it holds. Callers re-check their condition afterwards whatever
     * happened: a wake-up is a hint.
     *
     * @return false if {@code ready} held at the re-check (no sleep), true otherwise
     * @throws IllegalStateException if {@link #canSleep()} is false
     */
    public boolean sleep(BooleanSupplier ready, long timeoutNanos) {
        if (!canSleep()) {
            throw new IllegalStateException("this wake word cannot sleep here (kernel waits off, or a virtual thread)");
        }
        LockWords.INT.setVolatile(segment, offset, 1);
        Futex.heavyBarrier();
        if (ready.getAsBoolean()) {
            return false;
        }
        Futex.await(segment, offset, 1, timeoutNanos);
        return true;
    }

    /** Sleeps shorter than this are not worth a system call. */
    private static final long MIN_SLEEP_NANOS = 50_000;

    /**
     * One idle step of a wait: through {@code strategy} for the first
     * {@link LockOptions#KERNEL_WAIT_AFTER} attempts or when this thread {@link #canSleep() cannot
     * sleep}, else a {@link #sleep} of at most {@code maxSleepNanos} (at least 50 µs) unless
     * {@code ready} holds after the announcement.
     */
    public void idle(IdleStrategy strategy, int attempt, BooleanSupplier ready, long maxSleepNanos) {
        if (attempt >= LockOptions.KERNEL_WAIT_AFTER && canSleep()) {
            sleep(ready, Math.max(MIN_SLEEP_NANOS, maxSleepNanos));
        } else {
            strategy.idle(attempt);
        }
    }

    /** The word's value now: 0 if nobody announced a sleep since the last wake (for tools and tests). */
    public int value() {
        return (int) LockWords.INT.getVolatile(segment, offset);
    }

    @Override
    public String toString() {
        return "WakeWord[offset " + offset + (on ? ", on" : ", off") + "]";
    }
}
