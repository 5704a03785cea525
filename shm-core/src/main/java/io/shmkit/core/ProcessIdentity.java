package io.shmkit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A process as shmkit records it in segment headers: its pid and start time, and the
 * namespaces and boot in which those numbers mean something.
 *
 * <p>A pid names a process only inside one pid namespace, and a start time (clock ticks since
 * boot, as {@code /proc} gives it to readers in one time namespace) only inside one boot. Two
 * containers sharing a memory-backed volume but not a pid namespace each see the other's pid
 * 1 as their own; a segment on disk outlives the boot whose pids its locks record. So every
 * comparison of identities first compares {@link #pidNamespace}, {@link #timeNamespace} and
 * {@link #bootId}: see {@link #sameHostView}.
 *
 * @param pid           the process id, in its pid namespace
 * @param startTicks    start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}),
 *                      0 if unknown
 * @param pidNamespace  inode of {@code /proc/self/ns/pid}, 0 if unknown
 * @param timeNamespace inode of {@code /proc/self/ns/time}, 0 if unknown (kernels before 5.6)
 * @param bootId        {@code /proc/sys/kernel/random/boot_id}, {@code null} if unknown
 */
public record ProcessIdentity(long pid, long startTicks, long pidNamespace, long timeNamespace, UUID bootId) {
    private static final ProcessIdentity CURRENT = readCurrent();

    /** This process. */
    public static ProcessIdentity current() {
        return CURRENT;
    }

    /** What {@link #liveness()} answers. */
    public enum Liveness {
        ALIVE,
        /** Certainly gone: no such process, a zombie, another process with the pid, or a previous boot. */
        DEAD,
        /** Cannot be read from here; every shmkit decision treats it as alive. */
        UNKNOWN
    }

    /**
     * Whether this process lives, as seen from the current process. A process of a previous
     * boot is dead; one of another pid or time namespace, or one whose start time is unknown,
     * is {@link Liveness#UNKNOWN}.
     */
    public Liveness liveness() {
        ProcessIdentity self = current();
        if (bootId != null && self.bootId != null && !bootId.equals(self.bootId)) {
            return Liveness.DEAD;
        }
        if (!sameHostView(self) || startTicks == 0 || pid <= 0) {
            return Liveness.UNKNOWN;
        }
        long ticks = ProcessLiveness.startTicks(pid);
        if (ticks == ProcessLiveness.UNKNOWN) {
            return Liveness.UNKNOWN;
        }
        return ticks == startTicks ? Liveness.ALIVE : Liveness.DEAD;
    }

    /**
     * Whether pids and start times recorded by {@code other} mean the same processes to this
     * one: the same boot, pid namespace and time namespace, where both are known (an unknown
     * value matches, since nothing better can be said).
     */
    public boolean sameHostView(ProcessIdentity other) {
        return matches(pidNamespace, other.pidNamespace) && matches(timeNamespace, other.timeNamespace)
                && (bootId == null || other.bootId == null || bootId.equals(other.bootId));
    }

    /** E.g. {@code pid 4242 (pid ns 4026531836, time ns 4026531834, boot 9fe35616-...)}. */
    public String describe() {
        return "pid " + pid + " (pid namespace " + pidNamespace + ", time namespace " + timeNamespace + ", boot "
                + bootId + ")";
    }

    private static boolean matches(long a, long b) {
        return a == 0 || b == 0 || a == b;
    }

    private static ProcessIdentity readCurrent() {
        long ticks = ProcessLiveness.selfStartTicks();
        return new ProcessIdentity(ProcessHandle.current().pid(), ticks < 0 ? 0 : ticks, namespace("pid"),
                namespace("time"), bootIdOrNull());
    }

    /** The inode in {@code pid:[4026531836]}, the link /proc/self/ns/KIND points to. */
    private static long namespace(String kind) {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns", kind)).toString();
            int open = link.indexOf('[');
            return open < 0 ? 0 : Long.parseUnsignedLong(link.substring(open + 1, link.length() - 1));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static UUID bootIdOrNull() {
        try {
            return UUID.fromString(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
