package io.shmkit.cli;

import io.shmkit.core.ProcessIdentity;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentException;
import io.shmkit.core.SegmentInfo;
import io.shmkit.core.SegmentNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What sits in a segment directory: each file, read as a shmkit segment if it is one (never
 * written, never mapped here), and the live processes that use it: that map it
 * ({@code /proc/<pid>/maps}) or hold it open ({@code /proc/<pid>/fd}, as a process does between
 * opening a segment and mapping it), matched by inode.
 */
final class Scan {
    private Scan() {
    }

    /** One file of the directory. {@code info} is null for a foreign file, with {@code problem} saying why. */
    record Entry(String name, Path path, long size, FileId file, SegmentInfo info, String problem, Set<Long> mappedBy) {
        boolean isSegment() {
            return info != null;
        }

        ProcessIdentity.Liveness creatorLiveness() {
            return info == null ? ProcessIdentity.Liveness.UNKNOWN : info.creator().liveness();
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("segment", info != null);
            m.put("size", size);
            if (info != null) {
                m.put("kind", info.kind().name());
                m.put("layout", info.layout());
                m.put("elements", info.elementCount());
                m.put("created", info.createdAt().toString());
                m.put("creatorPid", info.creatorPid());
                m.put("creatorAlive", creatorLiveness().name());
            } else {
                m.put("problem", problem);
            }
            m.put("mappedBy", List.copyOf(mappedBy));
            return m;
        }
    }

    /** A file's identity: device and inode, as {@code stat} gives them. */
    record FileId(long dev, long ino) {
    }

    /** Who uses which file: pids by file identity; and how many processes could not be read. */
    record Mappers(Map<FileId, Set<Long>> byFile, int unreadable, int processes) {
        Set<Long> of(FileId id) {
            return id == null ? Set.of() : byFile.getOrDefault(id, Set.of());
        }

        /** What the scan could not see, for the output: empty if it saw every process. */
        String blindSpot() {
            return unreadable == 0 ? "" : "the maps of " + unreadable + " of " + processes + " processes could not be read"
                    + " (another user's, or gone): a segment they map looks unmapped";
        }
    }

    /**
     * Scans every process's {@code /proc/<pid>/maps} and {@code /proc/<pid>/fd} (this process
     * excepted) for the files in {@code wanted}, matched by device and inode, never by path: a
     * process that reached the file through a symbolic link, a bind mount or another mount
     * namespace names it by another path.
     */
    static Mappers mappers(Set<FileId> wanted) {
        long self = ProcessHandle.current().pid();
        Map<FileId, Set<Long>> byFile = new HashMap<>();
        int unreadable = 0;
        int processes = 0;
        if (wanted.isEmpty()) {
            return new Mappers(byFile, 0, 0);
        }
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : proc) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                processes++;
                boolean blind = false;
                try {
                    for (String line : Files.readAllLines(p.resolve("maps"))) {
                        FileId id = mapsFile(line);
                        if (id != null && wanted.contains(id)) {
                            byFile.computeIfAbsent(id, k -> new TreeSet<>()).add(pid);
                        }
                    }
                } catch (IOException | SecurityException e) {
                    blind = true;
                }
                // a process that has opened a segment and not yet mapped it (a JVM or Python attaching) uses it too
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(p.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            FileId id = new FileId(((Number) Files.getAttribute(fd, "unix:dev")).longValue(),
                                    ((Number) Files.getAttribute(fd, "unix:ino")).longValue());
                            if (wanted.contains(id)) {
                                byFile.computeIfAbsent(id, k -> new TreeSet<>()).add(pid);
                            }
                        } catch (IOException | UnsupportedOperationException | IllegalArgumentException closedMeanwhile) {
                            // the descriptor was closed during the scan, or is not a file
                        }
                    }
                } catch (IOException | SecurityException e) {
                    blind = true;
                }
                if (blind) {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            return new Mappers(Map.of(), 1, 1);
        }
        return new Mappers(byFile, unreadable, processes);
    }

    /** The device and inode a maps line names ({@code addr perms offset MAJ:MIN inode path}), or null. */
    static FileId mapsFile(String line) {
        String[] f = line.trim().split("\\s+", 6);
        if (f.length < 5) {
            return null;
        }
        try {
            long ino = Long.parseLong(f[4]);
            int colon = f[3].indexOf(':');
            if (ino == 0 || colon < 0) {
                return null;
            }
            long major = Long.parseLong(f[3], 0, colon, 16);
            long minor = Long.parseLong(f[3], colon + 1, f[3].length(), 16);
            return new FileId(makedev(major, minor), ino);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** glibc's {@code makedev}: how {@code st_dev} encodes a major and minor number. */
    static long makedev(long major, long minor) {
        return ((major & 0xFFFFF000L) << 32) | ((major & 0xFFFL) << 8) | ((minor & 0xFFFFFF00L) << 12) | (minor & 0xFFL);
    }

    /** The identity of a file, not following a link; null if it cannot be read. */
    static FileId id(Path path) {
        try {
            return new FileId(((Number) Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue(),
                    ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The identities of the files of {@code dir} (hidden ones too: cheap, and harmless). */
    static Set<FileId> ids(Path dir) {
        Set<FileId> ids = new java.util.HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                FileId id = id(f);
                if (id != null) {
                    ids.add(id);
                }
            }
        } catch (IOException e) {
            // reported by entries()
        }
        return ids;
    }

    /** Scans for the users of the files of {@code dir}. */
    static Mappers mappers(Path dir) {
        return mappers(ids(dir));
    }

    /**
     * Every file of {@code dir} but hidden ones (a creation's temporary name starts with a dot),
     * sorted by name.
     *
     * @throws IllegalArgumentException if the directory does not exist or cannot be read
     */
    static List<Entry> entries(SegmentDirectory dir, Mappers maps) {
        List<Entry> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.path())) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.startsWith(".")) {
                    out.add(entry(dir, name, maps));
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("directory " + dir.path() + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read directory " + dir.path() + ": " + e.getMessage());
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    static Entry entry(SegmentDirectory dir, String name, Mappers maps) {
        Path path = dir.path().resolve(name);
        long size = -1;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            // a dangling link, a file gone meanwhile: reported through problem below
        }
        FileId file = id(path);
        Set<Long> mappedBy = maps.of(file);
        if (!SegmentNames.isValid(name)) {
            return new Entry(name, path, size, file, null, "not a valid segment name", mappedBy);
        }
        try {
            return new Entry(name, path, size, file, dir.info(name), null, mappedBy);
        } catch (SegmentException | java.io.UncheckedIOException e) {
            return new Entry(name, path, size, file, null, e.getMessage(), mappedBy);
        }
    }
}
