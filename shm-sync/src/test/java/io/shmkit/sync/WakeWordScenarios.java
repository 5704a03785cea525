package io.shmkit.sync;

import io.shmkit.core.Access;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStructArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Single-JVM scenarios of {@link WakeWord} that need native access, run by {@link WakeWordTest}
 * in a child JVM that has it: {@code WakeWordScenarios <scenario> [dir]}. Each prints its
 * finding and exits 0 when the protocol behaved.
 */
public final class WakeWordScenarios {
    public record Point(long x, long y) {
    }

    private WakeWordScenarios() {
    }

    public static void main(String[] args) throws Exception {
        if (!Futex.isAvailable()) {
            throw new AssertionError("the scenarios need kernel waits: " + Futex.unavailableReason());
        }
        switch (args[0]) {
            case "reannounced-after-wake" -> reannouncedAfterWake();
            case "ready-means-no-announcement" -> readyMeansNoAnnouncement();
            case "read-only-seqlock-reader" -> readOnlySeqlockReader(SegmentDirectory.of(Path.of(args[1])));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Sleeper A announces and finds its condition false; a waker makes it true and wakes nobody
     * (A is not asleep yet); sleeper B announces, sees the condition and leaves; only then does
     * A call FUTEX_WAIT. A must not sleep: the wake it needed has happened. With a 0/1 flag B's
     * announcement would restore the value A expects, and A would sleep its whole timeout.
     */
    static void reannouncedAfterWake() throws Exception {
        MemorySegment segment = Arena.ofShared().allocate(64, 64);
        WakeWord word = WakeWord.at(segment, 0, LockOptions.KERNEL_WAITS);
        AtomicBoolean condition = new AtomicBoolean();
        long timeout = 20_000_000_000L;
        long t0 = System.nanoTime();
        word.sleep(() -> {
            boolean atReCheck = condition.get();
            try {
                Thread waker = new Thread(() -> {
                    condition.set(true);
                    word.wakeAfterStore();
                });
                waker.start();
                waker.join();
                Thread b = new Thread(() -> word.sleep(condition::get, timeout));
                b.start();
                b.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return atReCheck;
        }, timeout);
        long slept = System.nanoTime() - t0;
        System.out.printf("A's sleep lasted %.1f ms of its %d s timeout%n", slept / 1e6, timeout / 1_000_000_000L);
        if (slept > timeout / 2) {
            System.exit(3);
        }
    }

    /** A wait whose condition already holds (its attempt failed for another reason) idles without announcing. */
    static void readyMeansNoAnnouncement() {
        MemorySegment segment = Arena.ofShared().allocate(64, 64);
        WakeWord word = WakeWord.at(segment, 0, LockOptions.KERNEL_WAITS);
        for (int attempt = LockOptions.KERNEL_WAIT_AFTER; attempt < LockOptions.KERNEL_WAIT_AFTER + 1000; attempt++) {
            word.idle(IdleStrategy.busySpin(), attempt, () -> true, 1_000_000_000L);
        }
        System.out.println("word after 1000 idles with the condition holding: " + word.value());
        if (word.value() != 0) {
            System.exit(3);
        }
    }

    /** A seqlock reader of a read-only attachment, with kernel waits, waits out a write without writing. */
    static void readOnlySeqlockReader(SegmentDirectory dir) throws Exception {
        try (SharedStructArray<Point> points = SharedStructArray.create(dir, "points", Point.class, 4);
             SharedStructArray<Point> readOnly = SharedStructArray.open(dir, "points", Point.class, Access.READ_ONLY)) {
            SharedSeqLock writer = SharedSeqLock.of(points).withOptions(LockOptions.KERNEL_WAITS);
            AtomicBoolean writing = new AtomicBoolean();
            CountingIdle readerIdle = new CountingIdle();
            Thread w = new Thread(() -> writer.write(() -> {
                writing.set(true);
                // the write lasts until the reader has idled as long as it would before sleeping in the kernel
                try {
                    readerIdle.awaitMoreThan(LockOptions.KERNEL_WAIT_AFTER - 1, java.time.Duration.ofSeconds(60));
                } catch (InterruptedException | AssertionError e) {
                    System.out.println("the reader never waited: " + e);
                    System.exit(3);
                }
                points.set(3, new Point(3, 4));
            }));
            w.start();
            while (!writing.get()) {
                Thread.onSpinWait();
            }
            SharedSeqLock reader = SharedSeqLock.of(readOnly).withOptions(LockOptions.KERNEL_WAITS.withIdleStrategy(readerIdle));
            Point read = reader.read(readOnly, 3);
            w.join();
            System.out.println("read-only reader read " + read + "; its wake word is " + (reader.owner.wake.isOn() ? "on" : "off"));
            if (!read.equals(new Point(3, 4)) || reader.owner.wake.isOn()) {
                System.exit(3);
            }
        }
    }
}
