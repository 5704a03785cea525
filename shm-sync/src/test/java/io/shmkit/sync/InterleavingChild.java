package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVMs for {@link InterleavingTest}, run under a debugger that stops one thread at a
 * method entry. Each prints what happened and exits 0 if the lock behaved, 1 if not.
 */
public final class InterleavingChild {
    /** Set by the second thread once it is inside the lock. */
    static volatile boolean secondEntered;
    /** Set by the second thread once its part is over. */
    static volatile boolean secondDone;
    /** Set by the debugger when the second thread may start its part. */
    static volatile boolean go;

    private InterleavingChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        System.exit(switch (args[1]) {
            case "takeover" -> takeover(dir);
            case "over-release" -> overRelease(dir);
            case "rw-backoff" -> rwBackoff(dir);
            case "sem-reclaim" -> semReclaim(dir);
            case "seq-takeover" -> seqTakeover(dir);
            default -> throw new IllegalArgumentException(args[1]);
        });
    }

    /**
     * A dead process held the reentrant lock, and its holding thread had the id of our thread
     * "second". Thread "main" takes the lock over (the debugger stops it on entry to
     * OwnerWord.takeOver, right after its winning CAS); "second" must not get in meanwhile.
     */
    static int takeover(SegmentDirectory dir) throws Exception {
        try (SharedReentrantLock lock = SharedReentrantLock.create(dir, "r")) {
            SharedReentrantLock spinner = lock.withOptions(LockOptions.DEFAULT.withIdleStrategy(IdleStrategy.busySpin())
                    .withOwnerCheckInterval(Duration.ofHours(1)).withRecoveryListener(r -> { }));
            SharedReentrantLock taker = lock.withOptions(LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ZERO)
                    .withRecoveryListener(r -> { }));
            Thread second = Thread.ofPlatform().name("second").unstarted(() -> {
                spinner.lock();
                secondEntered = true;
                spinner.unlock();
                secondDone = true;
            });
            LockWords.LONG.setVolatile(lock.words.segment, LockDescriptor.OWNER_OFFSET,
                    Owners.ownerKey(Owners.SELF_PID, Owners.SELF_TAG + 1));
            // the thread word a dead process with our pid (the pid was reused) would have left
            LockWords.LONG.setVolatile(lock.words.segment, LockDescriptor.THREAD_OFFSET, Owners.SELF_PID << 32 | second.threadId());
            LockWords.INT.setVolatile(lock.words.segment, LockDescriptor.HOLDS_OFFSET, 1);
            second.start();
            taker.lock();
            boolean overlap = secondEntered;
            taker.unlock();
            second.join();
            System.out.println(overlap ? "OVERLAP: the second thread got in while the taker held the lock"
                    : "EXCLUSIVE: the second thread waited for the taker");
            return overlap ? 1 : 0;
        } catch (IllegalMonitorStateException e) {
            System.out.println("BROKEN: " + e.getMessage());
            return 1;
        }
    }

    /**
     * This process holds 2 permits in two slots. Thread "first" releases 2 (the debugger stops
     * it on entry to ProcessSlots.remove, after its check), thread "second" releases 1. The
     * permits given back must be exactly those of the releases that succeeded.
     */
    static int overRelease(SegmentDirectory dir) throws Exception {
        try (SharedSemaphore semaphore = SharedSemaphore.create(dir, "s", 4)) {
            LockWords.LONG.setVolatile(semaphore.words.segment, LockDescriptor.SLOTS_OFFSET + 8 * 3, Owners.SELF_SLOT | 1);
            LockWords.LONG.setVolatile(semaphore.words.segment, LockDescriptor.SLOTS_OFFSET + 8 * 9, Owners.SELF_SLOT | 1);
            int[] succeeded = new int[2];
            Thread first = Thread.ofPlatform().name("first").start(() -> succeeded[0] = release(semaphore, 2));
            Thread second = Thread.ofPlatform().name("second").start(() -> {
                while (!go) { // until the debugger has stopped "first" after its check
                    Thread.onSpinWait();
                }
                succeeded[1] = release(semaphore, 1);
                secondDone = true;
            });
            first.join();
            second.join();
            long returned = 2 - semaphore.heldPermits();
            int byReleases = succeeded[0] + succeeded[1];
            System.out.println("released " + returned + " permit(s); releases that succeeded account for " + byReleases);
            return returned == byReleases ? 0 : 1;
        }
    }

    private static final LockOptions FAST = LockOptions.DEFAULT.withOwnerCheckInterval(Duration.ZERO).withRecoveryListener(r -> { });

    private static void awaitGo() {
        while (!go) {
            Thread.onSpinWait();
        }
    }

    /**
     * Once the parent says go, thread "reader" tries the read lock of "rw" once. The debugger
     * stops it at its second look at the owner word (after adding its hold, before deciding
     * whether to keep it), while the parent forges a writer in.
     */
    static int rwBackoff(SegmentDirectory dir) throws Exception {
        try (SharedReadWriteLock rw = SharedReadWriteLock.open(dir, "rw")) {
            awaitGo();
            boolean[] got = new boolean[1];
            Thread reader = Thread.ofPlatform().name("reader").start(() -> got[0] = rw.readLock().tryLock());
            reader.join();
            System.out.println("READ TRYLOCK=" + got[0]);
            return 0;
        }
    }

    /** Takes the one permit of "s", which a dead process holds: this process reclaims it. */
    static int semReclaim(SegmentDirectory dir) throws Exception {
        try (SharedSemaphore semaphore = SharedSemaphore.open(dir, "s")) {
            semaphore.withOptions(FAST).acquire();
            System.out.println("ACQUIRED");
            return 0;
        }
    }

    /** Takes the write lock of seqlock "seq", whose writer died mid-write: this process takes it over. */
    static int seqTakeover(SegmentDirectory dir) {
        try (SharedSeqLock seq = SharedSeqLock.open(dir, "seq")) {
            seq.withOptions(FAST).writeLock();
            System.out.println("TOOK OVER");
            return 0;
        }
    }

    private static int release(SharedSemaphore semaphore, int n) {
        try {
            semaphore.release(n);
            return n;
        } catch (IllegalStateException refused) {
            System.out.println(Thread.currentThread().getName() + " refused: " + refused.getMessage());
            return 0;
        }
    }
}
