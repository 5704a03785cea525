package io.shmkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A directory of named segments, one file per segment, and the permissions new segments get.
 *
 * <p>{@link #shm()} is {@code /dev/shm}, the namespace of POSIX {@code shm_open} and of
 * Python's {@code multiprocessing.shared_memory.SharedMemory(name=...)}: memory-backed, gone at
 * reboot. {@link #of(Path)} puts segments in any directory; on a disk-backed file system they
 * persist across reboots (call {@link SharedObject#force()} to make them durable).
 *
 * <p>Immutable and thread-safe. The operations here act on names; an object attached to a
 * segment keeps working after its name is {@link #unlink unlinked}, as with POSIX shm.
 */
public final class SegmentDirectory {
    private static final Path DEV_SHM = Path.of("/dev/shm");
    /** Owner read and write only: the default for new segments. */
    public static final Set<PosixFilePermission> OWNER_ONLY = Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    private final Path path;
    private final Set<PosixFilePermission> permissions;

    private SegmentDirectory(Path path, Set<PosixFilePermission> permissions) {
        this.path = path;
        this.permissions = permissions;
    }

    /**
     * {@code /dev/shm} where it exists (Linux), else {@code shmkit} under {@code java.io.tmpdir}.
     * New segments are owner-only (0600).
     */
    public static SegmentDirectory shm() {
        if (Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM)) {
            return new SegmentDirectory(DEV_SHM, OWNER_ONLY);
        }
        return of(Path.of(System.getProperty("java.io.tmpdir"), "shmkit"));
    }

    /**
     * Segments as files in {@code directory}, which is created on the first segment created if
     * it does not exist. New segments are owner-only (0600).
     */
    public static SegmentDirectory of(Path directory) {
        return new SegmentDirectory(directory.toAbsolutePath().normalize(), OWNER_ONLY);
    }

    /**
     * The same directory, creating segments with {@code permissions} instead of owner-only, e.g.
     * {@code PosixFilePermissions.fromString("rw-rw----")} to share with the group. Applied
     * exactly, whatever the umask; ignored on file systems without POSIX permissions.
     */
    public SegmentDirectory withPermissions(Set<PosixFilePermission> permissions) {
        return new SegmentDirectory(path, Set.copyOf(permissions));
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /** The permissions of segments created through this object. */
    public Set<PosixFilePermission> permissions() {
        return permissions;
    }

    /**
     * The file of segment {@code name}.
     *
     * @throws IllegalArgumentException if the name is invalid (see {@link SegmentNames})
     */
    public Path pathOf(String name) {
        return path.resolve(SegmentNames.validate(name));
    }

    /** Whether a file named {@code name} exists here (whether or not it is a valid segment). */
    public boolean exists(String name) {
        return Files.exists(pathOf(name));
    }

    /**
     * Removes the name. Processes attached to the segment keep their mapping and keep working;
     * the memory is freed when the last one closes. Later opens of the name fail, and the name
     * can be created anew.
     *
     * @return whether a file was removed
     */
    public boolean unlink(String name) {
        try {
            return Files.deleteIfExists(pathOf(name));
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be unlinked: " + e, e);
        }
    }

    /**
     * Reads the header of segment {@code name} without mapping its data.
     *
     * @throws SegmentNotFoundException if there is no such file
     * @throws SegmentFormatException   if it is not a valid segment
     */
    public SegmentInfo info(String name) {
        return SegmentFile.readInfo(this, name);
    }

    /**
     * The valid shmkit segments in this directory, sorted by name. Files that are not shmkit
     * segments (other programs' shared memory, truncated or corrupt files) are skipped.
     */
    public List<SegmentInfo> list() {
        List<SegmentInfo> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SegmentNames.isValid(name) && Files.isRegularFile(entry)) {
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

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentDirectory other && path.equals(other.path) && permissions.equals(other.permissions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, permissions);
    }

    @Override
    public String toString() {
        return "SegmentDirectory[" + path + ", " + PosixFilePermissions.toString(permissions) + "]";
    }
}
