package io.shmkit.sync;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;

/**
 * A 32-bit word in a segment that waiters sleep on in the kernel, and that tells a waker whether
 * anyone sleeps. Bit 0 is ANNOUNCED: set while a process may be asleep on the word since the
 * last wake. Bits 1 to 31 are an epoch that every wake advances. It is the protocol every
 * shmkit kernel wait uses ({@code docs/locks.md} §9):
 *
 * <pre>
 *   sleeper                                   waker
 *   old = getAndBitwiseOr(word, 1)            the store that ends the wait (release)
 *   heavy barrier                             (light barrier)
 *   re-check condition; if it holds: go       while (v = word) has ANNOUNCED:
 *   FUTEX_WAIT(word, old | 1, bounded)            if CAS(word, v, (v + 2) &amp; ~1):
 *   re-check; loop                                    FUTEX_WAKE(word, all); stop
 * </pre>
 *
 * Each side writes before it reads the other's word, with a barrier between, so at least one
 * sees the other: either the sleeper's re-check sees the waker's store and does not sleep, or
 * the waker sees the announcement and wakes it. A wake advances the epoch, so a sleeper that
 * announced before it never sleeps after it: the kernel compares the whole word, and finds
 * another epoch even when a later sleeper has announced again (a plain 0/1 flag would let that
 * later announcement put the first sleeper to sleep past the wake it needed).
 *
 * <p>The barriers are asymmetric, as in folly's {@code asymmetricHeavyBarrier}: a release is
 * frequent and a sleep is rare, so the sleeper pays. Where the kernel has
 * {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}, every process that uses kernel waits
 * registers for it, every sleeper's heavy barrier issues it (making every running thread of
 * the registered processes execute a full barrier), and a registered waker needs no fence: its
 * release costs one extra load. A process that could not register fences as a waker; a sleeper
 * whose barrier could not be issued sleeps at most 1 ms, as polling would. Python's sleeper
 * issues the same membarrier and its waker uses an atomic read-modify-write, so the kinds mix.
 * Should a waker's load still be seen before its store (the Java memory model lets a compiler
 * move a load above a release store when no fence separates them; HotSpot does not), the cost
 * is a late wake-up at the end of the sleeper's bounded sleep: never a lost message or hold.
 *
 * <p>The word only says "maybe": the waker that clears ANNOUNCED wakes everyone, and those still
 * waiting announce again. A sleeper killed in its sleep leaves at most ANNOUNCED set, which costs
 * the next waker one {@code FUTEX_WAKE} and is then gone. Any value a hostile file holds is
 * just an epoch and a bit.
 *
 * <p>A word made from options without {@link LockOptions#kernelWaits()}, where {@link Futex} is
 * unavailable, or in a read-only attachment is off: its waker methods return at once, touch no
 * memory and call no native code, and {@link #canSleep()} is false.
 *
 * <p>Thread-safe and process-safe.
 */
public final class WakeWord {
    private final MemorySegment segment;
    private final long offset;
    private final boolean on;
    /** Whether this process's wakers fence: they must where it could not register for membarrier. */
    private final boolean fence;

    private WakeWord(MemorySegment segment, long offset, boolean on) {
        this.segment = segment;
        this.offset = offset;
        this.on = on;
        this.fence = on && !Futex.wakersSkipTheirFence();
    }

    /**
     * The word at {@code offset} of {@code segment} (4-byte aligned), on if {@code options} ask
     * for kernel waits and this process can make them.
     */
    public static WakeWord at(MemorySegment segment, long offset, LockOptions options) {
        boolean on = options.kernelWaits() && !segment.isReadOnly() && Futex.requested();
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
            wakeAfterStore(segment);
        }
    }

    /**
     * {@link #wakeAfterStore()} for a word that {@link #isOn() is on}, reading it through
     * {@code sameSegment}, which must be the segment this word was made with. A caller that has
     * just stored through that segment held in a local passes it, so that the JIT checks the
     * access with what it already loaded instead of reloading a second segment object's
     * bounds and scope: that halved the cost kernel waits add to an uncontended unlock, and
     * kept the unlock small enough to inline ({@code KernelWaitBenchmark}).
     */
    void wakeAfterStore(MemorySegment sameSegment) {
        if (fence) {
            VarHandle.fullFence();
        }
        if (((int) LockWords.INT.getVolatile(sameSegment, offset) & ANNOUNCED) != 0) {
            wakeAnnounced();
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
        if (((int) LockWords.INT.getVolatile(segment, offset) & ANNOUNCED) != 0) {
            wakeAnnounced();
        }
    }

    /** The rare part of a waker's step, out of line so that the release path stays small enough to inline. */
    private void wakeAnnounced() {
        for (int v = (int) LockWords.INT.getVolatile(segment, offset); (v & ANNOUNCED) != 0;
                v = (int) LockWords.INT.getVolatile(segment, offset)) {
            if (LockWords.INT.compareAndSet(segment, offset, v, (v + 2) & ~ANNOUNCED)) {
                Futex.wake(segment, offset, Integer.MAX_VALUE);
                return;
            }
        }
    }

    private static final int ANNOUNCED = 1;
    /** The longest sleep of a sleeper whose heavy barrier could not be issued: a wake-up may then be missed. */
    private static final long UNCOVERED_SLEEP_NANOS = 1_000_000;

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
            throw new IllegalStateException("this wake word cannot sleep here (kernel waits off, read-only, or a virtual thread)");
        }
        int expected = (int) LockWords.INT.getAndBitwiseOr(segment, offset, ANNOUNCED) | ANNOUNCED;
        boolean covered = Futex.heavyBarrier();
        if (ready.getAsBoolean()) {
            return false;
        }
        Futex.await(segment, offset, expected, covered ? timeoutNanos : Math.min(timeoutNanos, UNCOVERED_SLEEP_NANOS));
        return true;
    }

    /** Sleeps shorter than this are not worth a system call. */
    private static final long MIN_SLEEP_NANOS = 50_000;

    /**
     * One idle step of a wait: through {@code strategy} for the first
     * {@link LockOptions#KERNEL_WAIT_AFTER} attempts, when this thread {@link #canSleep() cannot
     * sleep}, or when {@code ready} already holds (the attempt failed for another reason, such as
     * a busy claimer word or no free slot, which no wake-up would signal); else a {@link #sleep}
     * of at most {@code maxSleepNanos} (at least 50 µs) unless {@code ready} holds after the
     * announcement.
     */
    public void idle(IdleStrategy strategy, int attempt, BooleanSupplier ready, long maxSleepNanos) {
        if (attempt >= LockOptions.KERNEL_WAIT_AFTER && canSleep() && !ready.getAsBoolean()) {
            sleep(ready, Math.max(MIN_SLEEP_NANOS, maxSleepNanos));
        } else {
            strategy.idle(attempt);
        }
    }

    /** The word's value now (for tools and tests). */
    public int value() {
        return (int) LockWords.INT.getVolatile(segment, offset);
    }

    /** Whether a sleep was announced since the last wake: someone may be asleep (for tools and tests). */
    public boolean isAnnounced() {
        return (value() & ANNOUNCED) != 0;
    }

    @Override
    public String toString() {
        return "WakeWord[offset " + offset + (on ? ", on" : ", off") + "]";
    }
}
