package io.shmkit.sync;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Who holds a lock, as lock words record it, and whether that holder still lives.
 *
 * <p>A process is named by its pid and a <em>start tag</em>: the low bits of its start time.
 * The pid alone is not enough, because the kernel reuses the pids of dead processes: a lock
 * whose dead owner's pid now belongs to an unrelated process would otherwise never be taken
 * over. On Linux the start time is field 22 of {@code /proc/<pid>/stat} (clock ticks since
 * boot), which any language can read, and a zombie (state {@code Z} or {@code X}) counts as
 * dead because it can never release anything. Elsewhere the JDK's {@link ProcessHandle} gives
 * the start time in milliseconds, divided by ten to tick at the same rate.
 *
 * <p>Two encodings live in lock words ({@link LockDescriptor} draws them):
 * <ul>
 *   <li>an <b>owner key</b>, {@code pid << 32 | tag32}, never zero because no pid is zero;</li>
 *   <li>a <b>slot identity</b>, {@code pid << 32 | (tag32 & 0xFFFF) << 16}, whose low 16 bits
 *       are left for a hold count.</li>
 * </ul>
 */
final class Owners {
    private static final boolean PROC = Files.isReadable(Path.of("/proc/self/stat"));

    /** This process's pid. */
    static final long SELF_PID = ProcessHandle.current().pid();
    /** This process's 32-bit start tag. */
    static final int SELF_TAG = startTag(SELF_PID).orElseThrow(
            () -> new IllegalStateException("cannot read this process's start time"));
    /** This process's owner key. */
    static final long SELF_KEY = ownerKey(SELF_PID, SELF_TAG);
    /** This process's slot identity (count bits zero). */
    static final long SELF_SLOT = slotIdentity(SELF_PID, SELF_TAG);

    static final long COUNT_MASK = 0xFFFFL;

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
        if (pid <= 0 || pid > 0xFFFF_FFFFL) {
            throw new IllegalStateException("pid " + pid + " does not fit the 32 bits lock words give it");
        }
    }

    static long pid(long keyOrSlot) {
        return keyOrSlot >>> 32;
    }

    /** Whether the process an owner key names is alive: same pid and same start tag. */
    static boolean isOwnerAlive(long key) {
        return isAlive(pid(key), (int) key, 0xFFFF_FFFFL);
    }

    /** Whether the process a slot word names is alive (16-bit start tag). */
    static boolean isSlotAlive(long slot) {
        return isAlive(pid(slot), (int) (slot >>> 16) & 0xFFFF, 0xFFFFL);
    }

    private static boolean isAlive(long pid, long tag, long tagMask) {
        if (pid == SELF_PID) {
            // Our own pid with another tag: a dead process that had this pid before us.
            return (SELF_TAG & tagMask) == tag;
        }
        Optional<Integer> actual = startTag(pid);
        return actual.isPresent() && (actual.get() & tagMask) == tag;
    }

    /** The start tag of a live process, or empty if there is no such live process. */
    static Optional<Integer> startTag(long pid) {
        return PROC ? procStartTag(pid) : handleStartTag(pid);
    }

    private static Optional<Integer> procStartTag(long pid) {
        String stat;
        // A plain sequential read: Files.readAllBytes sizes its read by the file's length, which
        // procfs reports as 0, and some kernels then return a truncated read.
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
            stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (FileNotFoundException gone) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH while the process is being reaped reads as an I/O error: it is dying.
            return Optional.empty();
        }
        // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] fields = stat.substring(close + 2).split(" ");
        char state = fields[0].charAt(0);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return Optional.empty();
        }
        return Optional.of((int) Long.parseUnsignedLong(fields[22 - 3]));
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
        return "pid " + pid(keyOrSlot);
    }
}
