package io.shmkit.sync;

import io.shmkit.core.ProcessLiveness;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who holds a lock, as lock words record it, and whether that holder still lives.
 *
 * <p>A process is named by its pid and a <em>start tag</em>: the low bits of its start time.
 * The pid alone is not enough, because the kernel reuses the pids of dead processes: a lock
 * whose dead owner's pid now belongs to an unrelated process would otherwise never be taken
 * over. On Linux the start time is field 22 of {@code /proc/<pid>/stat} (clock ticks since
 * boot), which any language can read, and a zombie counts as dead because it can never
 * release anything ({@link ProcessLiveness}). Elsewhere the JDK's {@link ProcessHandle} gives
 * the start time in milliseconds, divided by ten to tick at the same rate.
 *
 * <p>A holder is dead only when that is certain. When its state cannot be read (permission
 * denied under {@code hidepid}, no file descriptors left, a {@code /proc} that hides other
 * users), it is alive: its lock is waited for, never taken, and the reason is logged once.
 *
 * <p>Two encodings live in lock words ({@link LockDescriptor} draws them):
 * <ul>
 *   <li>an <b>owner key</b>, {@code pid << 32 | tag32}, never zero because no pid is zero;
 *       bit 63 ({@link #TAKING}) marks a take-over in progress, and is ignored when the key's
 *       process is named or checked;</li>
 *   <li>a <b>slot identity</b>, {@code pid << 32 | (tag32 & 0xFFFF) << 16}, whose low 16 bits
 *       are left for a hold count.</li>
 * </ul>
 */
final class Owners {
    private static final boolean PROC = ProcessLiveness.selfStartTicks() != ProcessLiveness.UNKNOWN;

    /** Bit 63 of an owner word: the key's process is taking the lock over and has not yet recorded itself. */
    static final long TAKING = 1L << 63;
    /** Largest pid a lock word holds: Linux's PID_MAX_LIMIT is 2^22, well inside 31 bits. */
    static final long MAX_PID = (1L << 31) - 1;

    /** This process's pid. */
    static final long SELF_PID = ProcessHandle.current().pid();
    /** This process's 32-bit start tag. */
    static final int SELF_TAG = selfTag();
    /** This process's owner key. */
    static final long SELF_KEY = ownerKey(SELF_PID, SELF_TAG);
    /** This process's slot identity (count bits zero). */
    static final long SELF_SLOT = slotIdentity(SELF_PID, SELF_TAG);

    static final long COUNT_MASK = 0xFFFFL;

    /**
     * What the calling thread writes into the thread word of a lock it holds: this process's
     * pid and the thread's id, {@code pid << 32 | tid32}, so that no thread of another process
     * ever matches it (Java thread ids repeat from JVM to JVM).
     */
    static long holderWord() {
        return SELF_PID << 32 | (Thread.currentThread().threadId() & 0xFFFF_FFFFL);
    }

    private static final Set<Long> REPORTED = ConcurrentHashMap.newKeySet();

    private Owners() {
    }

    static long ownerKey(long pid, int tag) {
        checkPid(pid);
        return pid << 32 | (tag & 0xFFFF_FFFFL);
    }

    static long slotIdentity(long pid, int tag) {
        checkPid(pid);
        return pid << 32 | (tag & 0xFFFFL) << 16;
    }

    private static void checkPid(long pid) {
        if (pid <= 0 || pid > MAX_PID) {
            throw new IllegalStateException("pid " + pid + " does not fit the 31 bits lock words give it");
        }
    }

    /** The pid of an owner key (taking or not) or a slot word. */
    static long pid(long keyOrSlot) {
        return (keyOrSlot & ~TAKING) >>> 32;
    }

    /** Whether the process an owner key names is alive: same pid and same start tag; unknown counts as alive. */
    static boolean isOwnerAlive(long key) {
        return isOwnerAlive(key, false);
    }

    /**
     * As {@link #isOwnerAlive(long)}; with {@code ownUser}, every process that can use the lock
     * runs as this process's user (its segment is private to the user), so a process missing
     * from a {@code /proc} that hides other users' processes is dead, not hidden.
     */
    static boolean isOwnerAlive(long key, boolean ownUser) {
        return isAlive(pid(key), key & 0xFFFF_FFFFL, 0xFFFF_FFFFL, ownUser);
    }

    /** Whether the process a slot word names is alive (16-bit start tag); unknown counts as alive. */
    static boolean isSlotAlive(long slot, boolean ownUser) {
        return isAlive(pid(slot), (int) (slot >>> 16) & 0xFFFF, 0xFFFFL, ownUser);
    }

    static boolean isSlotAlive(long slot) {
        return isSlotAlive(slot, false);
    }

    private static boolean isAlive(long pid, long tag, long tagMask, boolean ownUser) {
        if (pid == SELF_PID) {
            // Our own pid with another tag: a dead process that had this pid before us.
            return (SELF_TAG & tagMask) == tag;
        }
        if (!PROC) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            if (handle.isEmpty()) {
                return false;
            }
            Optional<Integer> actual = handle.flatMap(h -> h.info().startInstant()).map(Instant::toEpochMilli).map(ms -> (int) (ms / 10));
            return actual.isEmpty() || (actual.get() & tagMask) == tag; // alive but unreadable: alive
        }
        long ticks = ProcessLiveness.startTicks(pid, ownUser);
        if (ticks == ProcessLiveness.DEAD) {
            return false;
        }
        if (ticks == ProcessLiveness.UNKNOWN) {
            reportUnknown(pid);
            return true;
        }
        return (ticks & tagMask) == tag;
    }

    /** Says once per pid that its liveness cannot be read, so its locks are waited for, never taken over. */
    private static void reportUnknown(long pid) {
        if (REPORTED.size() < 1024 && REPORTED.add(pid)) {
            String why = ProcessLiveness.problem();
            System.getLogger("io.shmkit.sync").log(System.Logger.Level.WARNING, "cannot tell whether pid " + pid
                    + " is alive (" + (why != null ? why : "/proc/" + pid + "/stat cannot be read") + "); a lock it"
                    + " holds is waited for, never taken over");
        }
    }

    /** The start tag of this process. */
    private static int selfTag() {
        long ticks = ProcessLiveness.selfStartTicks();
        if (ticks >= 0) {
            return (int) ticks;
        }
        return handleStartTag(SELF_PID).orElseThrow(() -> new IllegalStateException("cannot read this process's start time"));
    }

    private static Optional<Integer> handleStartTag(long pid) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(h -> h.info().startInstant())
                .map(Instant::toEpochMilli)
                .map(ms -> (int) (ms / 10));
    }

    /** E.g. {@code pid 4242}; for messages. */
    static String describe(long keyOrSlot) {
        return "pid " + pid(keyOrSlot) + ((keyOrSlot & TAKING) != 0 ? " (taking the lock over)" : "");
    }
}
