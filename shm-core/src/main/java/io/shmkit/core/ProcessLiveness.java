package io.shmkit.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a process, named by its pid and its start time, is alive, as this process can see
 * it through {@code /proc}. shmkit names the creators of segments and the holders of locks
 * this way: the start time (field 22 of {@code /proc/<pid>/stat}, clock ticks since boot)
 * tells a dead process from a live one that the kernel has given its pid.
 *
 * <p>The answer has three values, and only a certain one says "dead": a process is
 * {@link #DEAD} only when {@code /proc/<pid>} does not exist (ENOENT, or ESRCH while it is
 * reaped) or says it is a zombie. Any other failure to read it (permission denied under
 * {@code hidepid}, out of file descriptors, an I/O error) is {@link #UNKNOWN}, which every
 * caller treats as alive: taking a live process's lock breaks mutual exclusion, while waiting
 * for a dead one only waits. When {@code /proc} hides other users' processes entirely
 * ({@code hidepid=2}/{@code invisible}, systemd's {@code ProtectProc=invisible}), or belongs
 * to another pid namespace than this process's, a missing entry is not proof of death either,
 * and every answer about another process is {@code UNKNOWN}; {@link #problem()} says why.
 *
 * <p>Thread-safe; reads {@code /proc} on every call (some microseconds).
 */
public final class ProcessLiveness {
    /** {@link #startTicks} of a process that certainly does not live. */
    public static final long DEAD = -1;
    /** {@link #startTicks} of a process whose state cannot be read: treat it as alive. */
    public static final long UNKNOWN = -2;

    private static final Path PROC = Path.of("/proc");
    private static final String FOREIGN_PROC = "/proc belongs to another pid namespace";
    private static final boolean HAS_PROC = Files.isReadable(PROC.resolve("self/stat"));
    private static final long SELF_PID = ProcessHandle.current().pid();
    /** Null when /proc can answer for other processes; else why it cannot. */
    private static final String PROBLEM = HAS_PROC ? diagnose() : "this system has no /proc";
    private static final boolean FOREIGN = PROBLEM != null && PROBLEM.startsWith(FOREIGN_PROC);

    private ProcessLiveness() {
    }

    /**
     * The start time of process {@code pid} in clock ticks since boot, if it lives; else
     * {@link #DEAD} or {@link #UNKNOWN}. This process itself is always alive.
     */
    public static long startTicks(long pid) {
        return startTicks(pid, false);
    }

    /**
     * As {@link #startTicks(long)}, for a process known to run as this process's user (or
     * root): {@code hidepid} never hides a user's own processes from it, so a missing entry
     * is then a dead process even under {@code hidepid}.
     */
    public static long startTicks(long pid, boolean ownUser) {
        if (!HAS_PROC || (FOREIGN && pid != SELF_PID)) {
            return UNKNOWN;
        }
        long ticks = readStartTicks(pid);
        if (ticks == DEAD && pid != SELF_PID && PROBLEM != null && !ownUser) {
            return UNKNOWN; // hidden by hidepid: absence proves nothing
        }
        return ticks;
    }

    /** This process's start time in clock ticks since boot, or {@link #UNKNOWN} without {@code /proc}. */
    public static long selfStartTicks() {
        return HAS_PROC ? readStartTicks(SELF_PID) : UNKNOWN;
    }

    /**
     * Why this process cannot tell dead processes from hidden ones, or {@code null} if it can:
     * no {@code /proc}, a {@code /proc} of another pid namespace, or one mounted with
     * {@code hidepid=2}/{@code invisible}.
     */
    public static String problem() {
        return PROBLEM;
    }

    /**
     * Whether {@code /proc} belongs to another pid namespace than this process's: then a pid
     * this process knows names another process there, and no answer about any pid can be
     * trusted.
     */
    public static boolean procIsForeign() {
        return FOREIGN;
    }

    private static long readStartTicks(long pid) {
        String stat;
        // A sequential read: procfs reports a length of 0, so reads sized by the length truncate.
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(pid)).resolve("stat"))) {
            stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException gone) {
            return DEAD;
        } catch (IOException e) {
            // ESRCH while the process is being reaped; anything else (EACCES, EMFILE, ENFILE) says nothing
            return String.valueOf(e.getMessage()).contains("No such process") ? DEAD : UNKNOWN;
        }
        long ticks = parse(stat);
        if (ticks == ZOMBIE) {
            // a zombie leader whose other threads still run (it called pthread_exit) is alive
            return threads(pid) > 1 ? parseTicks(stat) : DEAD;
        }
        return ticks;
    }

    /** The Threads: count of /proc/<pid>/status, 0 if it cannot be read. */
    private static int threads(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.parseInt(line.substring(8).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return 0;
    }

    private static long parseTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        try {
            return Long.parseUnsignedLong(fields[22 - 3]);
        } catch (RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** What {@link #parse} returns for a zombie: dead unless its other threads still run. */
    static final long ZOMBIE = -3;

    /** Field 22 of a stat line, {@link #ZOMBIE} for a zombie; the command name (field 2) may hold spaces and parentheses. */
    static long parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return UNKNOWN;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        if (fields.length < 20 || fields[0].isEmpty()) {
            return UNKNOWN;
        }
        char state = fields[0].charAt(0);
        if (state == 'X' || state == 'x') {
            return DEAD;
        }
        if (state == 'Z') {
            return ZOMBIE;
        }
        try {
            return Long.parseUnsignedLong(fields[22 - 3]);
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    private static String diagnose() {
        try (InputStream in = Files.newInputStream(PROC.resolve("self/stat"))) {
            String stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            long procPid = Long.parseLong(stat.substring(0, stat.indexOf(' ')));
            if (procPid != SELF_PID) {
                return FOREIGN_PROC + ": /proc/self/stat names pid " + procPid
                        + ", this process is pid " + SELF_PID + " (mount a /proc for this namespace)";
            }
        } catch (IOException | RuntimeException e) {
            return "/proc/self/stat cannot be read: " + e;
        }
        try {
            for (String line : Files.readAllLines(PROC.resolve("self/mountinfo"))) {
                String hidden = hiddenBy(line);
                if (hidden != null) {
                    return "/proc is mounted with " + hidden + ": other users' processes are invisible, so a missing"
                            + " process may be alive";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "/proc/self/mountinfo cannot be read: " + e;
        }
        return null;
    }

    /** The hidepid option of a mountinfo line for the /proc mount, if it hides processes entirely. */
    static String hiddenBy(String mountinfoLine) {
        List<String> fields = List.of(mountinfoLine.split(" "));
        int separator = fields.indexOf("-");
        if (fields.size() < 5 || separator < 0 || separator + 3 >= fields.size() || !fields.get(4).equals("/proc")
                || !fields.get(separator + 1).equals("proc")) {
            return null;
        }
        for (String option : fields.get(separator + 3).split(",")) {
            // 0/off shows everything, 1/noaccess hides only the contents (EACCES, which reads as
            // "cannot tell"); 2/invisible and 4/ptraceable remove entries altogether
            if (option.startsWith("hidepid=") && !List.of("hidepid=0", "hidepid=off", "hidepid=1", "hidepid=noaccess")
                    .contains(option)) {
                return option;
            }
        }
        return null;
    }
}
