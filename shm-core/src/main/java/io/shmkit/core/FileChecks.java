package io.shmkit.core;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What sits at a name in a directory that other users can write, checked before and after it
 * is opened. A name is only ever opened after {@code lstat} says it is a regular file (so a
 * FIFO, a device or a socket is refused before any {@code open} that could block on it), owned
 * by this process's user unless the directory trusts others, and not a symbolic link unless
 * the directory follows links; it is opened with {@code O_NOFOLLOW}; and once mapped, the
 * kernel's own record of the mapping ({@code /proc/self/maps}: device and inode) must name the
 * file that was checked, so a file swapped in between the check and the open is refused.
 */
final class FileChecks {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    /** The uid that owns files this process creates (the fs uid), or -1 where it cannot be read. */
    static final int SELF_UID = selfUid();

    private FileChecks() {
    }

    /** What {@code lstat} says of a name: enough to check it and to recognise it again. */
    record Entry(Path path, int mode, int uid, long dev, long ino, long nlink, long size) {
        boolean isRegular() {
            return (mode & S_IFMT) == S_IFREG;
        }

        boolean isSymlink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean sameFile(Entry other) {
            return other != null && dev == other.dev && ino == other.ino;
        }

        /** "a FIFO", "a directory", ... */
        String type() {
            return switch (mode & S_IFMT) {
                case S_IFREG -> "a regular file";
                case S_IFDIR -> "a directory";
                case S_IFLNK -> "a symbolic link";
                case S_IFIFO -> "a FIFO";
                case S_IFSOCK -> "a socket";
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                default -> "a file of unknown type 0" + Integer.toOctalString(mode & S_IFMT);
            };
        }
    }

    /** {@code lstat} (or {@code stat} when {@code follow}), or null if nothing is there. */
    static Entry stat(Path path, boolean follow) throws IOException {
        Map<String, Object> a;
        try {
            a = follow ? Files.readAttributes(path, "unix:mode,uid,dev,ino,nlink,size")
                    : Files.readAttributes(path, "unix:mode,uid,dev,ino,nlink,size", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        return new Entry(path, (Integer) a.get("mode"), (Integer) a.get("uid"), (Long) a.get("dev"), (Long) a.get("ino"),
                ((Number) a.get("nlink")).longValue(), (Long) a.get("size"));
    }

    /**
     * Checks the name before it is opened: a regular file (a symbolic link only if the
     * directory follows links, and then the file it points to), owned by us unless the
     * directory trusts other users.
     *
     * @throws SegmentNotFoundException   if nothing is there (or a link dangles)
     * @throws SegmentFormatException     if it is not a regular file
     * @throws UntrustedSegmentException  if it is a link not to be followed, or another user's file
     */
    static Entry checkBeforeOpen(SegmentDirectory directory, String name, Path path) throws IOException {
        Entry entry = stat(path, false);
        if (entry == null) {
            throw new SegmentNotFoundException(name, "does not exist: " + path);
        }
        if (entry.isSymlink()) {
            if (!directory.followsLinks()) {
                throw new UntrustedSegmentException(name, "is a symbolic link (" + path + " -> " + linkTarget(path)
                        + "); links are not followed unless the directory is made with followingLinks()");
            }
            if (!directory.trustsOtherUsers() && entry.uid != SELF_UID) {
                // its owner could point it at a FIFO between our stat and our open
                throw new UntrustedSegmentException(name, "is a symbolic link owned by uid " + entry.uid
                        + ", not by this process's uid " + SELF_UID + "; only our own links are followed");
            }
            entry = stat(path, true);
            if (entry == null) {
                throw new SegmentNotFoundException(name, "is a dangling symbolic link: " + path + " -> " + linkTarget(path));
            }
        }
        checkEntry(directory, name, entry);
        checkSingleName(name, path, entry);
        return entry;
    }

    /**
     * A segment file has one name (two for the moment between a creation's link and the
     * removal of its temporary name, or after a crash there). Another hard link would let
     * whoever made it have us open one segment under another's name. The temporary name may go
     * between the stat that counted two links and the listing that looks for it (a creator
     * racing this open), so extra links are looked at again for a while before they are refused.
     */
    private static void checkSingleName(String name, Path path, Entry entry) throws IOException {
        for (int attempt = 0; entry.nlink > 1; attempt++) {
            long temporaryNames = 0;
            try (var siblings = Files.newDirectoryStream(path.toAbsolutePath().getParent(), "." + name + ".*.tmp")) {
                for (Path sibling : siblings) {
                    if (entry.sameFile(stat(sibling, false))) {
                        temporaryNames++;
                    }
                }
            }
            if (entry.nlink - 1 <= temporaryNames) {
                return;
            }
            if (attempt >= EXTRA_LINK_LOOKS) {
                throw new UntrustedSegmentException(name, "has " + entry.nlink + " hard links (" + path + "): another name"
                        + " refers to the same file, so a segment could be opened under another's name");
            }
            Entry again = stat(path, false);
            if (again == null || !again.sameFile(entry)) {
                return; // the name changed meanwhile: the checks after the open compare what was opened with this entry
            }
            entry = again;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UntrustedSegmentException(name, "has " + entry.nlink + " hard links (" + path + "), and the wait"
                        + " for a creation to remove its temporary name was interrupted");
            }
        }
    }

    /** How many times (a millisecond apart) extra links are looked at again before they are refused. */
    private static final int EXTRA_LINK_LOOKS = 50;

    /** The type and owner rules on a file that is (or was) at the name. */
    static void checkEntry(SegmentDirectory directory, String name, Entry entry) {
        if (!entry.isRegular()) {
            throw new SegmentFormatException(name, "is not a segment: " + entry.path + " is " + entry.type());
        }
        if (!directory.trustsOtherUsers() && entry.uid != SELF_UID) {
            throw new UntrustedSegmentException(name, "belongs to another user: " + entry.path + " is owned by uid "
                    + entry.uid + ", this process runs as uid " + SELF_UID
                    + "; such a file may be read or forged by its owner (use trustingOtherUsers() for deliberately shared segments)");
        }
    }

    /**
     * After mapping: checks that the mapping at {@code mapped} is of the file {@code checked}
     * describes, by the device and inode the kernel lists for it in {@code /proc/self/maps}.
     * Where that cannot be read, checks that the name still refers to the same file.
     *
     * @throws UntrustedSegmentException if another file was opened than the one checked
     */
    static void checkMapped(String name, Entry checked, MemorySegment mapped, boolean follow) throws IOException {
        long[] devIno = mappedFile(mapped.address());
        boolean same;
        if (devIno != null) {
            same = devIno[0] == major(checked.dev) && devIno[1] == minor(checked.dev) && devIno[2] == checked.ino;
        } else {
            same = checked.sameFile(stat(checked.path, follow));
        }
        if (!same) {
            throw new UntrustedSegmentException(name, "was replaced while it was being opened: " + checked.path
                    + " no longer names the file that was checked");
        }
    }

    /** After an open without a mapping: the name must still refer to the file that was checked. */
    static void checkStill(String name, Entry checked, boolean follow) throws IOException {
        if (!checked.sameFile(stat(checked.path, follow))) {
            throw new UntrustedSegmentException(name, "was replaced while it was being opened: " + checked.path
                    + " no longer names the file that was checked");
        }
    }

    /** {major, minor, inode} of the file mapped at {@code address}, or null if /proc/self/maps cannot tell. */
    static long[] mappedFile(long address) {
        String prefix = Long.toHexString(address) + "-";
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/maps"))) {
            String maps = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            int at = maps.startsWith(prefix) ? 0 : maps.indexOf("\n" + prefix);
            if (at < 0) {
                return null;
            }
            int end = maps.indexOf('\n', at + 1);
            String[] f = maps.substring(at == 0 ? 0 : at + 1, end < 0 ? maps.length() : end).trim().split("\\s+");
            String[] device = f[3].split(":");
            return new long[] {Long.parseLong(device[0], 16), Long.parseLong(device[1], 16), Long.parseLong(f[4])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** glibc's gnu_dev_major of an st_dev. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    /** glibc's gnu_dev_minor of an st_dev. */
    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    static String linkTarget(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "?";
        }
    }

    /** Whether the first bytes of the regular file at {@code path} are the shmkit magic; opens with O_NOFOLLOW. */
    static boolean hasMagic(Path path) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(path, java.util.Set.of(java.nio.file.StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(SegmentDescriptor.MAGIC.length);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // until full or end of file
            }
            return !head.hasRemaining() && java.util.Arrays.equals(head.array(), SegmentDescriptor.MAGIC);
        }
    }

    private static int selfUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return Integer.parseInt(ids[3]); // real, effective, saved, filesystem
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: the owner of a file we create is the same answer
        }
        Path probe = null;
        try {
            probe = Files.createTempFile("shmkit-uid", ".probe");
            return (Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            throw new ExceptionInInitializerError("shmkit cannot tell which user this process runs as, so it cannot"
                    + " check who owns a segment: " + e);
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // a stray empty probe file in the temp directory
                }
            }
        }
    }
}
