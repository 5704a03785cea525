package io.shmkit.sync;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStruct;
import io.shmkit.core.SharedStructArray;
import io.shmkit.core.StructField;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child JVM of {@link CrossProcessLockTest}: {@code LockChild <dir> <command> <args...>}.
 * It reports through its exit code (0 = its checks passed) and prints what it saw; a recovery
 * it performs is printed as a line starting {@code RECOVERED}.
 */
public final class LockChild {
    static final StructField.OfLong COUNT = StructField.ofLong(Ledger.class, "count");
    static final StructField.OfLong VICTIM_WORK = StructField.ofLong(Ledger.class, "victimWork");
    static final StructField.OfLong PHASE = StructField.ofLong(Ledger.class, "phase");
    static final StructField.OfLong X = StructField.ofLong(Ledger.class, "x");
    static final StructField.OfLong Y = StructField.ofLong(Ledger.class, "y");
    static final StructField.OfLong STARTED = StructField.ofLong(Ledger.class, "started");
    static final StructField.OfLong FINISHED = StructField.ofLong(Ledger.class, "finished");
    static final StructField.OfLong A = StructField.ofLong(Quad.class, "a");
    static final StructField.OfLong B = StructField.ofLong(Quad.class, "b");
    static final StructField.OfLong C = StructField.ofLong(Quad.class, "c");
    static final StructField.OfLong D = StructField.ofLong(Quad.class, "d");

    /** Fast owner checks, and every recovery printed for the parent to read. */
    static final LockOptions OPTIONS = LockOptions.DEFAULT
            .withOwnerCheckInterval(Duration.ofMillis(5))
            .withRecoveryListener(r -> System.out.println("RECOVERED pid=" + r.deadPid() + " role=" + r.role()
                    + " holds=" + r.holds() + " consistent=" + r.consistent()));

    private LockChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        String command = args[1];
        switch (command) {
            case "increment" -> increment(dir, Kind.valueOf(args[2]), Long.parseLong(args[3]),
                    args.length > 4 ? Integer.parseInt(args[4]) : 0);
            case "churn" -> churn(dir, Kind.valueOf(args[2]), Integer.parseInt(args[3]));
            case "hold" -> hold(dir, Kind.valueOf(args[2]), Long.parseLong(args[3]));
            case "rw-write" -> rwWrite(dir, Integer.parseInt(args[2]));
            case "rw-read" -> System.exit(rwRead(dir, Long.parseLong(args[2]), Boolean.parseBoolean(args[3])) == 0 ? 0 : 3);
            case "seq-write" -> seqWrite(dir);
            case "foreign-unlock" -> foreignUnlock(dir, Long.parseLong(args[2]));
            case "wait-without-fds" -> System.exit(waitWithoutFds(dir));
            case "lock-from-namespace" -> System.exit(lockFromNamespace(dir));
            case "hidepid" -> System.exit(hidepid(dir));
            case "start-tag-above-2-31" -> System.exit(startTagAbove2To31());
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }

    /**
     * {@code n} times: acquire, count = count + 1 with a plain read and a plain write, release.
     * Under READ, which may not write, only acquire and release.
     */
    static void increment(SegmentDirectory dir, Kind kind, long n, int parties) throws InterruptedException {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            Kind.Guard guard = kind.guard(ledger, OPTIONS);
            // a start barrier: JVM start-up jitter would otherwise let each loop run alone
            STARTED.getAndAdd(ledger, 0, 1);
            while (STARTED.getVolatile(ledger, 0) < parties) {
                Thread.onSpinWait();
            }
            for (long i = 0; i < n; i++) {
                guard.acquire();
                try {
                    if (kind != Kind.READ) {
                        COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
                    }
                } finally {
                    guard.release();
                }
            }
            System.out.println("incremented " + n + " under " + kind);
        }
    }

    /**
     * Forever: acquire, count + 1 (not under READ), release, then progress[index] + 1, so the
     * parent can tell that this churner has been through the lock since it started.
     */
    static void churn(SegmentDirectory dir, Kind kind, int index) throws InterruptedException {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class);
             io.shmkit.core.SharedLongArray progress = io.shmkit.core.SharedLongArray.open(dir, "progress")) {
            Kind.Guard guard = kind.guard(ledger, OPTIONS);
            for (;;) {
                guard.acquire();
                try {
                    if (kind != Kind.READ) {
                        COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
                    }
                } finally {
                    guard.release();
                }
                progress.getAndAdd(index, 1);
            }
        }
    }

    /**
     * {@code pre} guarded increments, then acquires and keeps the lock: adds one more to the
     * count (not for READ, which may not write), records that work, says so in {@code phase},
     * and waits to be killed.
     */
    static void hold(SegmentDirectory dir, Kind kind, long pre) throws InterruptedException {
        SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class);
        Kind writer = kind == Kind.READ ? Kind.WRITE : kind;
        Kind.Guard guard = writer.guard(ledger, OPTIONS);
        for (long i = 0; i < pre; i++) {
            guard.acquire();
            COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
            guard.release();
        }
        kind.guard(ledger, OPTIONS).acquire();
        if (kind != Kind.READ) {
            COUNT.set(ledger, 0, COUNT.get(ledger, 0) + 1);
        }
        VICTIM_WORK.set(ledger, 0, pre + (kind == Kind.READ ? 0 : 1));
        PHASE.setVolatile(ledger, 0, 1);
        System.out.println("holding " + kind + " after " + pre + " increments");
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Writes x = k, y = -k under the write lock, with a gap between the two stores and some
     * work between writes, until all {@code readers} have finished: so every read a reader
     * makes overlaps the writers. Counts itself in {@code started}.
     */
    static void rwWrite(SegmentDirectory dir, int readers) {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            ScopedLock write = SharedReadWriteLock.in(ledger, "rw").withOptions(OPTIONS).writeLock();
            STARTED.getAndAdd(ledger, 0, 1);
            long k = 0;
            while (FINISHED.getVolatile(ledger, 0) < readers) {
                k++;
                write.lock();
                try {
                    X.set(ledger, 0, k);
                    spin(50);
                    Y.set(ledger, 0, -k);
                } finally {
                    write.unlock();
                }
                spin(100); // work outside the lock: back-to-back writers would shut readers out (writers are preferred)
            }
            System.out.println("writes=" + k);
        }
    }

    /**
     * Once a writer has started, makes {@code n} reads of x + y (unlocked: until the first
     * violation, or 60 s), under the read lock or not; then counts itself in {@code finished}.
     * Prints and returns the violations of x + y == 0.
     */
    static long rwRead(SegmentDirectory dir, long n, boolean locked) {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            ScopedLock read = SharedReadWriteLock.in(ledger, "rw").withOptions(OPTIONS).readLock();
            while (STARTED.getVolatile(ledger, 0) == 0) {
                Thread.onSpinWait();
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            long violations = 0;
            long reads = 0;
            while (locked ? reads < n : violations == 0 && System.nanoTime() < deadline) {
                if (locked) {
                    read.lock();
                }
                try {
                    long x = X.get(ledger, 0);
                    spin(5);
                    if (x + Y.get(ledger, 0) != 0) {
                        violations++;
                    }
                } finally {
                    if (locked) {
                        read.unlock();
                    }
                }
                reads++;
            }
            FINISHED.getAndAdd(ledger, 0, 1);
            System.out.println("violations=" + violations + " reads=" + reads + " locked=" + locked);
            return violations;
        }
    }

    /**
     * Until the parent sets {@code phase} of the ledger to 2: writes k into all four fields of
     * a random quad under its seqlock, with gaps between the stores.
     */
    static void seqWrite(SegmentDirectory dir) {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class);
             SharedStructArray<Quad> quads = SharedStructArray.open(dir, "quads", Quad.class)) {
            SharedSeqLock[] locks = new SharedSeqLock[(int) quads.length()];
            for (int i = 0; i < locks.length; i++) {
                locks[i] = SharedSeqLock.in(quads, i, "lock").withOptions(OPTIONS);
            }
            PHASE.setVolatile(ledger, 0, 1);
            long writes = 0;
            for (long k = 1; PHASE.getVolatile(ledger, 0) != 2; k++) {
                int i = ThreadLocalRandom.current().nextInt(locks.length);
                locks[i].writeLock();
                try {
                    A.set(quads, i, k);
                    spin(10);
                    B.set(quads, i, k);
                    spin(10);
                    C.set(quads, i, k);
                    spin(10);
                    D.set(quads, i, k);
                } finally {
                    locks[i].unlockWrite();
                }
                writes++;
            }
            System.out.println("writes=" + writes);
        }
    }

    /** Unlocks the mutex the parent (pid {@code holder}) holds: must be refused, naming the holder. */
    static void foreignUnlock(SegmentDirectory dir, long holder) {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            SharedMutex mutex = SharedMutex.in(ledger, "mutex");
            try {
                mutex.unlock();
                System.out.println("CHECK FAILED: unlock of a mutex another process holds was allowed");
                System.exit(1);
            } catch (IllegalMonitorStateException expected) {
                System.out.println("refused: " + expected.getMessage());
                if (!expected.getMessage().contains("held by pid " + holder) || !mutex.isLocked()) {
                    System.exit(2);
                }
            }
        }
    }

    /**
     * Uses up this process's file descriptors, then waits 1 s for the mutex the live parent
     * holds: the holder's /proc entry cannot be opened (EMFILE), which must read as "cannot
     * tell", never as "dead". Returns 0 if it waited, 1 if it took the lock over.
     */
    static int waitWithoutFds(SegmentDirectory dir) throws Exception {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            SharedMutex mutex = SharedMutex.in(ledger, "mutex").withOptions(OPTIONS);
            // load every class the wait needs while files can still be opened
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.WARNING, "warm-up of the logging path");
            java.time.ZonedDateTime.now().toString();
            if (mutex.tryLock(30, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                System.out.println("CHECK FAILED: got a lock the parent holds before running out of descriptors");
                return 2;
            }
            java.util.List<java.nio.channels.FileChannel> hog = new java.util.ArrayList<>();
            try {
                try {
                    for (;;) {
                        hog.add(java.nio.channels.FileChannel.open(Path.of("/dev/null")));
                    }
                } catch (java.io.IOException exhausted) {
                    System.out.println("descriptors exhausted after " + hog.size() + ": " + exhausted.getMessage());
                }
                boolean took = mutex.tryLock(1, java.util.concurrent.TimeUnit.SECONDS);
                for (var channel : hog) {
                    channel.close();
                }
                hog.clear();
                System.out.println(took ? "TOOK OVER a live holder's lock" : "WAITED for the live holder");
                if (took) {
                    mutex.unlock();
                }
                return took ? 1 : 0;
            } finally {
                for (var channel : hog) {
                    channel.close();
                }
            }
        }
    }

    /**
     * Run in another pid namespace while the parent holds the mutex: taking part must be
     * refused. Returns 0 if refused, 1 if it took the lock over, 3 if it waited.
     */
    static int lockFromNamespace(SegmentDirectory dir) throws Exception {
        try (SharedStruct<Ledger> ledger = SharedStruct.open(dir, "ledger", Ledger.class)) {
            SharedMutex mutex;
            try {
                mutex = SharedMutex.in(ledger, "mutex").withOptions(OPTIONS);
            } catch (IllegalStateException refused) {
                System.out.println("REFUSED: " + refused.getMessage());
                return 0;
            }
            boolean took = mutex.tryLock(1, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println(took ? "TOOK OVER the parent's lock from another pid namespace" : "WAITED");
            return took ? 1 : 3;
        }
    }

    /**
     * Run as the first process of a pid namespace whose /proc hides other users' processes
     * (hidepid=invisible). A holder child is SIGKILLed holding a mutex, once in a segment private
     * to this user and once in a group-shared one. The first is taken over (only this user's
     * processes can use it, and hidepid never hides those); the second is waited for (its
     * holder could be another user's process that /proc hides). Returns 0 if so.
     */
    static int hidepid(SegmentDirectory dir) throws Exception {
        String problem = io.shmkit.core.ProcessLiveness.problem();
        if (problem == null || !problem.contains("hidepid")) {
            System.out.println("NO HIDEPID: " + problem);
            return 97;
        }
        boolean privateTaken = killHolderThenTry(SegmentDirectory.of(dir.path().resolve("private")));
        boolean sharedTaken = killHolderThenTry(SegmentDirectory.of(dir.path().resolve("shared"))
                .withPermissions(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----")));
        System.out.println("private segment taken over: " + privateTaken + "; shared segment taken over: " + sharedTaken);
        return privateTaken && !sharedTaken ? 0 : 1;
    }

    private static boolean killHolderThenTry(SegmentDirectory dir) throws Exception {
        try (SharedStruct<Ledger> ledger = SharedStruct.create(dir, "ledger", Ledger.class)) {
            try (io.shmkit.process.JvmProcess holder = io.shmkit.process.JvmProcess.builder(LockChild.class)
                    .jvmOptions("-Xmx64m", "-XX:+UseSerialGC").args(dir.path().toString(), "hold", "MUTEX", "0").start()) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (PHASE.getVolatile(ledger, 0) != 1) {
                    if (System.nanoTime() > deadline || !holder.isAlive()) {
                        throw new IllegalStateException("the holder never took the lock:\n" + holder.output());
                    }
                    Thread.sleep(5);
                }
                holder.kill();
                holder.join(Duration.ofSeconds(30));
            }
            return SharedMutex.in(ledger, "mutex").withOptions(OPTIONS).tryLock(1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static volatile long sink;

    /** A short delay that the JIT cannot remove, to widen the window between two stores. */
    static void spin(int n) {
        long x = sink;
        for (int i = 0; i < n; i++) {
            x = x * 31 + i;
        }
        sink = x;
    }

    /** A live child's owner key, its start tag at or above 2^31, must be judged alive. */
    static int startTagAbove2To31() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            long ticks = io.shmkit.core.ProcessLiveness.startTicks(sleeper.pid());
            if ((ticks & 0xFFFF_FFFFL) < 1L << 31) {
                System.out.println("start ticks " + ticks + " are below 2^31: the time namespace did not shift them");
                return 5;
            }
            long key = sleeper.pid() << 32 | (ticks & 0xFFFF_FFFFL);
            boolean alive = Owners.isOwnerAlive(key, false);
            System.out.println((alive ? "ALIVE" : "DEAD") + ": pid " + sleeper.pid() + ", start ticks " + ticks);
            return alive ? 0 : 4;
        } finally {
            sleeper.destroyForcibly();
        }
    }
}
