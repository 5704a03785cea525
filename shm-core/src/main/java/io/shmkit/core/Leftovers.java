package io.shmkit.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** {@link SegmentDirectory#sweepLeftovers()}: finds crashed creations' temporary files and removes the dead ones. */
final class Leftovers {
    /** {@code .<name>.<16 hex digits>.tmp}, and the pid-counter form of earlier versions. */
    private static final Pattern TEMP = Pattern.compile("\\.(.+)\\.([0-9a-f]{16}|\\d+\\.\\d+)\\.tmp");

    private Leftovers() {
    }

    static List<SegmentDirectory.Removed> sweep(SegmentDirectory directory) {
        List<SegmentDirectory.Removed> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory.path(), ".*.tmp")) {
            for (Path file : entries) {
                var matcher = TEMP.matcher(file.getFileName().toString());
                if (!matcher.matches() || !SegmentNames.isValid(matcher.group(1))) {
                    continue;
                }
                String reason = reasonToRemove(file);
                if (reason != null) {
                    FileChecks.Entry before = FileChecks.stat(file, false);
                    if (before != null && Files.deleteIfExists(file)) {
                        removed.add(new SegmentDirectory.Removed(file, reason));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot sweep " + directory.path(), e);
        }
        return removed;
    }

    /** Why {@code file} may go, or null to leave it. */
    private static String reasonToRemove(Path file) throws IOException {
        FileChecks.Entry entry = FileChecks.stat(file, false);
        if (entry == null || !entry.isRegular() || entry.uid() != FileChecks.SELF_UID) {
            return null; // not a file of ours: never touched
        }
        byte[] head = readHead(file);
        if (!startsLikeASegment(head)) {
            return null; // not written by a shmkit creation: another program's file with a similar name
        }
        FileTime modified = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        boolean old = modified.toInstant().isBefore(Instant.now().minus(SegmentDirectory.LEFTOVER_GRACE));
        if (head.length < SegmentDescriptor.LAYOUT_OFFSET) {
            return old ? "a temporary file with no complete header, older than " + SegmentDirectory.LEFTOVER_GRACE.toSeconds()
                    + " s" : null;
        }
        SegmentInfo info;
        try {
            MemorySegment aligned = MemorySegment.ofArray(new long[(head.length + 7) / 8]);
            MemorySegment.copy(MemorySegment.ofArray(head), 0, aligned, 0, head.length);
            info = SegmentHeader.read("(leftover)", file, aligned.asSlice(0, head.length), entry.size(), false);
        } catch (SegmentFormatException e) {
            // the magic, but no valid header: a crash in the middle of writing it
            return old ? "a temporary file with an incomplete header, older than " + SegmentDirectory.LEFTOVER_GRACE.toSeconds()
                    + " s" : null;
        }
        ProcessIdentity creator = info.creator();
        if (creator.liveness() != ProcessIdentity.Liveness.DEAD) {
            return null; // being created now, or we cannot tell: left alone
        }
        ProcessIdentity self = ProcessIdentity.current();
        if (creator.bootId() != null && !creator.bootId().equals(self.bootId())
                && !modified.toInstant().isBefore(bootTime())) {
            // "another boot" is only proof of death for a file older than this boot: two sandboxes
            // (gVisor, Kata) sharing a directory each have a boot id of their own
            return null;
        }
        return entry.nlink() > 1
                ? "a second name of a segment whose creator (pid " + creator.pid() + ") died before removing it"
                : "a creation that never completed: its creator (pid " + creator.pid() + ") is dead";
    }

    /** Empty, a prefix of the magic, or starting with it: what a shmkit creation writes first. */
    private static boolean startsLikeASegment(byte[] head) {
        int n = Math.min(head.length, SegmentDescriptor.MAGIC.length);
        return java.util.Arrays.equals(head, 0, n, SegmentDescriptor.MAGIC, 0, n);
    }

    /** When this boot began (btime of /proc/stat), or the epoch if unknown (so that nothing counts as older). */
    private static Instant bootTime() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Instant.EPOCH;
    }

    private static byte[] readHead(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(channel.size(),
                    SegmentDescriptor.LAYOUT_OFFSET + (long) SegmentDescriptor.MAX_LAYOUT_LENGTH));
            while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
                // until full or end of file
            }
            return java.util.Arrays.copyOf(head.array(), head.position());
        }
    }
}
