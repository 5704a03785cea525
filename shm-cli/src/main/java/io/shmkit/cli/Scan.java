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
    record Entry(String name, Path path, long size, long inode, SegmentInfo info, String problem, Set<Long> mappedBy) {
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

    /** Who maps which file: pids by inode, for files in one directory; and how many processes could not be read. */
    record Mappers(Map<Long, Set<Long>> byInode, int unreadable, int processes) {
        Set<Long> of(long inode) {
            return byInode.getOrDefault(inode, Set.of());
        }

        /** What the scan could not see, for the output: empty if it saw every process. */
        String blindSpot() {
            return unreadable == 0 ? "" : "the maps of " + unreadable + " of " + processes + " processes could not be read"
                    + " (another user's, or gone): a segment they map looks unmapped";
        }
    }

    /** Scans {@code /proc/*}{@code /maps} for mappings of files in {@code directory}, this process excepted. */
    static Mappers mappers(Path directory) {
        String prefix = directory.toAbsolutePath().normalize() + "/";
        long self = ProcessHandle.current().pid();
        Map<Long, Set<Long>> byInode = new HashMap<>();
        int unreadable = 0;
        int processes = 0;
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : proc) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                processes++;
                List<String> lines;
                try {
                    lines = Files.readAllLines(p.resolve("maps"));
                } catch (IOException | SecurityException e) {
                    unreadable++;
                    continue;
                }
                for (String line : lines) {
                    int slash = line.indexOf('/');
                    if (slash < 0 || !line.startsWith(prefix, slash)) {
                        continue;
                    }
                    String[] f = line.trim().split("\\s+", 6);
                    if (f.length >= 6) {
                        try {
                            byInode.computeIfAbsent(Long.parseLong(f[4]), k -> new TreeSet<>()).add(pid);
                        } catch (NumberFormatException ignored) {
                            // not a file mapping
                        }
                    }
                }
                // a process that has opened a segment and not yet mapped it (a JVM or Python attaching) uses it too
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(p.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().startsWith(prefix)) {
                                long inode = ((Number) Files.getAttribute(fd, "unix:ino")).longValue();
                                byInode.computeIfAbsent(inode, k -> new TreeSet<>()).add(pid);
                            }
                        } catch (IOException | UnsupportedOperationException | IllegalArgumentException closedMeanwhile) {
                            // the descriptor was closed during the scan
                        }
                    }
                } catch (IOException | SecurityException e) {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            return new Mappers(Map.of(), 1, 1);
        }
        return new Mappers(byInode, unreadable, processes);
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
        long inode = -1;
        try {
            size = Files.size(path);
            inode = ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // reported through problem below if it is not a segment
        }
        Set<Long> mappedBy = inode < 0 ? Set.of() : maps.of(inode);
        if (!SegmentNames.isValid(name)) {
            return new Entry(name, path, size, inode, null, "not a valid segment name", mappedBy);
        }
        try {
            return new Entry(name, path, size, inode, dir.info(name), null, mappedBy);
        } catch (SegmentException | java.io.UncheckedIOException e) {
            return new Entry(name, path, size, inode, null, e.getMessage(), mappedBy);
        }
    }
}
