package io.shmkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A directory of named segments, one file per segment, and the rules for the files in it:
 * the permissions new segments get, and which existing files may be opened.
 *
 * <p>{@link #shm()} is {@code /dev/shm}, the namespace of POSIX {@code shm_open} and of
 * Python's {@code multiprocessing.shared_memory.SharedMemory(name=...)}: memory-backed, gone at
 * reboot. {@link #of(Path)} puts segments in any directory; on a disk-backed file system they
 * persist across reboots (call {@link SharedObject#force()} to make them durable).
 *
 * <p><b>Security.</b> {@code /dev/shm} is writable by every local user, so nothing that sits at
 * a name is trusted. By default a name is opened only if it is a regular file, owned by this
 * process's user, and not a symbolic link; it is never opened in a way that can block (a FIFO
 * is refused before any {@code open}); new files are created with their final permissions
 * (owner-only unless {@link #withPermissions} says otherwise) in the {@code open} call itself;
 * and {@link #unlink} removes only a shmkit segment this user owns. {@link #trustingOtherUsers()}
 * and {@link #followingLinks()} relax the rules for deliberately shared setups, and
 * {@link #reservingSpace()} allocates a new segment's memory at creation, so that a full file
 * system is a clean error. {@code docs/format.md} ("Security") states every rule, and the races
 * that remain.
 *
 * <p>Immutable and thread-safe. The operations here act on names; an object attached to a
 * segment keeps working after its name is {@link #unlink unlinked}, as with POSIX shm.
 */
public final class SegmentDirectory {
    private static final Path DEV_SHM = Path.of("/dev/shm");
    /** Owner read and write only: the default for new segments. */
    public static final Set<PosixFilePermission> OWNER_ONLY = Set.copyOf(PosixFilePermissions.fromString("rw-------"));
    /** How long {@link #sweepLeftovers()} leaves a temporary file alone whose creator it cannot name. */
    public static final Duration LEFTOVER_GRACE = Duration.ofMinutes(1);

    private final Path path;
    private final Set<PosixFilePermission> permissions;
    private final boolean followLinks;
    private final boolean trustOthers;
    private final boolean reserve;
    private final boolean temporary;

    private SegmentDirectory(Path path, Set<PosixFilePermission> permissions, boolean followLinks, boolean trustOthers,
            boolean reserve) {
        this(path, permissions, followLinks, trustOthers, reserve, false);
    }

    private SegmentDirectory(Path path, Set<PosixFilePermission> permissions, boolean followLinks, boolean trustOthers,
            boolean reserve, boolean temporary) {
        this.temporary = temporary;
        this.path = path;
        this.permissions = permissions;
        this.followLinks = followLinks;
        this.trustOthers = trustOthers;
        this.reserve = reserve;
    }

    /**
     * {@code /dev/shm} where it exists (Linux), else {@code shmkit} under {@code java.io.tmpdir},
     * created owner-only (0700) if missing. New segments are owner-only (0600).
     *
     * @throws IllegalStateException if the fallback directory is a symbolic link, not a
     *         directory, owned by another user, or writable by group or others: another user
     *         could then swap files under the names this process uses
     */
    public static SegmentDirectory shm() {
        if (Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM)) {
            return new SegmentDirectory(DEV_SHM, OWNER_ONLY, false, false, false);
        }
        return fallback(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** {@code shmkit} under {@code tmp}, made 0700 if missing and checked as {@link #shm()} says. */
    static SegmentDirectory fallback(Path tmp) {
        Path dir = tmp.toAbsolutePath().normalize().resolve("shmkit");
        try {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException exists) {
                // checked below, whoever made it
            }
            FileChecks.Entry entry = FileChecks.stat(dir, false);
            String problem = entry == null ? "it vanished"
                    : entry.isSymlink() ? "it is a symbolic link to " + FileChecks.linkTarget(dir)
                    : !entry.isDirectory() ? "it is " + entry.type()
                    : entry.uid() != FileChecks.SELF_UID ? "it is owned by uid " + entry.uid()
                            + ", not by this process's uid " + FileChecks.SELF_UID
                    : (entry.mode() & 022) != 0 ? "it is writable by " + ((entry.mode() & 020) != 0 ? "its group" : "others")
                            + " (mode 0" + Integer.toOctalString(entry.mode() & 07777) + ")"
                    : null;
            if (problem != null) {
                throw new IllegalStateException("refusing segment directory " + dir + ": " + problem
                        + "; another user could swap files under the names this process uses");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare segment directory " + dir, e);
        }
        return new SegmentDirectory(dir, OWNER_ONLY, false, false, false);
    }

    /**
     * Segments as files in {@code directory}, which is created on the first segment created if
     * it does not exist (owner-only, plus read and search for whoever {@link #withPermissions}
     * lets read segments). New segments are owner-only (0600).
     */
    public static SegmentDirectory of(Path directory) {
        return new SegmentDirectory(directory.toAbsolutePath().normalize(), OWNER_ONLY, false, false, false);
    }

    /**
     * The same directory, creating segments with {@code permissions} instead of owner-only, e.g.
     * {@code PosixFilePermissions.fromString("rw-rw----")} to share with the group. Applied
     * exactly, whatever the umask: the file is created with at most these permissions and then
     * set to exactly these. Processes of other users attach with {@link #trustingOtherUsers()}.
     */
    public SegmentDirectory withPermissions(Set<PosixFilePermission> permissions) {
        return new SegmentDirectory(path, Set.copyOf(permissions), followLinks, trustOthers, reserve, temporary);
    }

    /**
     * The same directory, opening segments owned by other users too: for segments shared on
     * purpose (created {@link #withPermissions} that let others in). Their owner can read and
     * forge anything in them, lock words included; see {@code docs/format.md}.
     */
    public SegmentDirectory trustingOtherUsers() {
        return new SegmentDirectory(path, permissions, followLinks, true, reserve, temporary);
    }

    /**
     * The same directory, following a symbolic link at a segment's name to the file it names
     * (which must then pass the same checks). By default a link is refused, because whoever
     * can write the directory can point it at another segment.
     */
    public SegmentDirectory followingLinks() {
        return new SegmentDirectory(path, permissions, true, trustOthers, reserve, temporary);
    }

    /**
     * The same directory, allocating the memory of each new segment at creation. Segment files
     * are otherwise sparse: pages are allocated when first touched, and if the file system is
     * full by then (another creator, or another user, took the space), the touch fails with an
     * {@link InternalError} in the JVM (an Error, which escapes {@code catch (Exception)}, in
     * the middle of whatever the code was doing) and SIGBUS in a Python process. With
     * reservation, creation fails cleanly instead. Uses {@code posix_fallocate} when native
     * access is enabled for shmkit, else writes a byte into every page (slower for large
     * segments, no JVM flag).
     */
    public SegmentDirectory reservingSpace() {
        return new SegmentDirectory(path, permissions, followLinks, trustOthers, true, temporary);
    }

    /**
     * The same directory, for temporary segments, as Python's {@code SharedMemory(create=True)}
     * makes them: each segment created through it gets a unique name, the name asked for plus
     * {@code -} and 12 random hex digits ({@link SharedObject#name()} tells it; pass the object
     * itself to a child, see {@link io.shmkit.process.JvmProcess#target}), and its name is
     * unlinked when the creating object is closed, or when the JVM exits normally with it open.
     * A JVM that is killed leaves it behind, as any crash does; {@code openOrCreate} through
     * this directory always creates. Opening by name works as usual.
     */
    public SegmentDirectory temporary() {
        return new SegmentDirectory(path, permissions, followLinks, trustOthers, reserve, true);
    }

    /** Whether segments created through this object are temporary ({@link #temporary()}). */
    public boolean isTemporary() {
        return temporary;
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /** The permissions of segments created through this object. */
    public Set<PosixFilePermission> permissions() {
        return permissions;
    }

    /** Whether a symbolic link at a name is followed. */
    public boolean followsLinks() {
        return followLinks;
    }

    /** Whether segments owned by other users may be opened. */
    public boolean trustsOtherUsers() {
        return trustOthers;
    }

    /** Whether new segments have their memory allocated at creation. */
    public boolean reservesSpace() {
        return reserve;
    }

    /** Permissions for a directory this object creates: owner rwx, and r-x for whoever may read segments. */
    Set<PosixFilePermission> directoryPermissions() {
        Set<PosixFilePermission> dir = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        if (permissions.contains(PosixFilePermission.GROUP_READ)) {
            dir.add(PosixFilePermission.GROUP_READ);
            dir.add(PosixFilePermission.GROUP_EXECUTE);
        }
        if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
            dir.add(PosixFilePermission.OTHERS_READ);
            dir.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        return dir;
    }

    /**
     * The file of segment {@code name}.
     *
     * @throws IllegalArgumentException if the name is invalid (see {@link SegmentNames})
     */
    public Path pathOf(String name) {
        return path.resolve(SegmentNames.validate(name));
    }

    /** Whether anything is at {@code name} (a symbolic link counts, dangling or not; whether or not it is a valid segment). */
    public boolean exists(String name) {
        return Files.exists(pathOf(name), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Removes the name of a shmkit segment this user owns. Processes attached to the segment
     * keep their mapping and keep working; the memory is freed when the last one closes. Later
     * opens of the name fail, and the name can be created anew. To remove a name only while it
     * still refers to the segment one has open, use {@link SharedObject#unlink()}.
     *
     * @return whether a segment was removed ({@code false} if nothing was there)
     * @throws SegmentFormatException    if the file there is not a shmkit segment (another program's
     *                                   shared memory, a FIFO, a directory): it is left alone
     * @throws UntrustedSegmentException if it is a symbolic link, or another user's file
     */
    public boolean unlink(String name) {
        Path file = pathOf(name);
        try {
            FileChecks.Entry entry = FileChecks.stat(file, false);
            return entry != null && removeChecked(name, file, entry);
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be unlinked: " + e, e);
        }
    }

    /**
     * Removes {@code file} if {@code entry} (its lstat) is one of this user's shmkit segments, and
     * only if the name still refers to that very file just before the removal.
     */
    private boolean removeChecked(String name, Path file, FileChecks.Entry entry) throws IOException {
        if (entry.isSymlink()) {
            throw new UntrustedSegmentException(name, "is a symbolic link (" + file + " -> " + FileChecks.linkTarget(file)
                    + "); unlink removes only segments, not links");
        }
        FileChecks.checkEntry(this, name, entry);
        if (entry.uid() != FileChecks.SELF_UID) {
            throw new UntrustedSegmentException(name, "belongs to uid " + entry.uid() + ", not to this process's user:"
                    + " unlink removes only this user's segments, even in a directory that trusts other users");
        }
        if (!FileChecks.hasMagic(file)) {
            throw new SegmentFormatException(name, "is not a shmkit segment: " + file
                    + " does not start with the shmkit magic; it is left alone");
        }
        FileChecks.Entry now = FileChecks.stat(file, false);
        if (now == null) {
            return false;
        }
        if (!entry.sameFile(now)) {
            throw new UntrustedSegmentException(name, "was replaced while it was being checked; it is left alone");
        }
        return Files.deleteIfExists(file);
    }

    /**
     * As {@link #unlink(String)}, but only while the name still holds the very segment
     * {@code expected} describes (the same creation: its header's instance id and creation time,
     * the same file from the check to the removal): a tool that decided to remove a segment
     * never removes another one that took its name meanwhile.
     *
     * @return whether the name was removed
     */
    public boolean unlinkIfSame(SegmentInfo expected) {
        String name = expected.name();
        Path file = pathOf(name);
        try {
            FileChecks.Entry before = FileChecks.stat(file, false);
            if (before == null) {
                return false;
            }
            SegmentInfo now;
            try {
                now = info(name);
            } catch (SegmentException gone) {
                return false;
            }
            if (now.instanceId() != expected.instanceId() || !now.createdAt().equals(expected.createdAt())
                    || now.creatorPid() != expected.creatorPid()) {
                return false;
            }
            FileChecks.Entry after = FileChecks.stat(file, false);
            if (after == null || !before.sameFile(after)) {
                return false;
            }
            try {
                // every check on the file judged, and the last look compared with it, not with a new lstat
                return removeChecked(name, file, before);
            } catch (UntrustedSegmentException replaced) {
                return false;
            }
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be unlinked: " + e, e);
        }
    }

    /**
     * Reads the header of segment {@code name} without mapping its data.
     *
     * @throws SegmentNotFoundException  if there is no such file
     * @throws SegmentFormatException    if it is not a valid segment
     * @throws UntrustedSegmentException if the rules of this directory refuse the file
     */
    public SegmentInfo info(String name) {
        return SegmentFile.readInfo(this, name);
    }

    /**
     * The valid shmkit segments in this directory, sorted by name. Files that are not shmkit
     * segments (other programs' shared memory, truncated or corrupt files, other users' files
     * unless trusted, links unless followed) are skipped.
     */
    public List<SegmentInfo> list() {
        List<SegmentInfo> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SegmentNames.isValid(name)) {
                    try {
                        found.add(info(name));
                    } catch (SegmentException skipped) {
                        // not ours, or vanished between listing and reading
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list segments in " + path, e);
        }
        found.sort(Comparator.comparing(SegmentInfo::name));
        return found;
    }

    /** One file {@link #sweepLeftovers()} removed, and why. */
    public record Removed(Path path, String reason) {
    }

    /**
     * Removes what crashed creations left behind: hidden temporary files
     * ({@code .<name>.<random>.tmp}) of this user whose creator is dead. A crash between
     * creating the file and linking the name leaves a temporary file alone; a crash between
     * linking and removing the temporary name leaves a second name of a live segment, which
     * keeps its memory alive after {@link #unlink}. Each is removed only if it is a regular
     * file owned by this user and its header names a creator that is certainly dead (not
     * merely unreadable: see {@link ProcessIdentity#liveness()}); one too short to name its
     * creator (a crash right after it was created) only once it is older than
     * {@link #LEFTOVER_GRACE}. Segments themselves, other users' files and anything being
     * created now are never touched.
     *
     * @return what was removed
     */
    public List<Removed> sweepLeftovers() {
        return Leftovers.sweep(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentDirectory other && path.equals(other.path) && permissions.equals(other.permissions)
                && followLinks == other.followLinks && trustOthers == other.trustOthers && reserve == other.reserve
                && temporary == other.temporary;
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, permissions, followLinks, trustOthers, reserve, temporary);
    }

    @Override
    public String toString() {
        return "SegmentDirectory[" + path + ", " + PosixFilePermissions.toString(permissions)
                + (followLinks ? ", following links" : "") + (trustOthers ? ", trusting other users" : "")
                + (reserve ? ", reserving space" : "") + (temporary ? ", temporary" : "") + "]";
    }
}
