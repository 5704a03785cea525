package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What another local user (or a stale file) can put at a segment's name in a shared
 * directory, and what every entry point does with it: refuse at once, naming the segment and
 * what the file is, never hang, never follow, never touch the file.
 */
class HostileDirectoryTest extends SegmentTestSupport {
    private static final Duration NEVER_HANGS = Duration.ofSeconds(20);
    /** A uid that is not ours: the tests run as root, so they can chown to it. */
    private static final int OTHER_UID = 65534;

    private void mkfifo(String name) throws Exception {
        Process p = new ProcessBuilder("mkfifo", dir.pathOf(name).toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    /** Every way to reach a name, each of which must fail fast with {@code type} and a message containing {@code what}. */
    private void everyEntryPointRefuses(String name, Class<? extends Throwable> type, String what) {
        List<Executable> entries = List.of(
                () -> SharedLong.open(dir, name),
                () -> SharedLong.open(dir, name, Access.READ_ONLY),
                () -> SharedLong.openOrCreate(dir, name),
                () -> SharedMemory.open(dir, name, Access.READ_ONLY),
                () -> dir.info(name));
        for (Executable entry : entries) {
            Throwable e = assertTimeoutPreemptively(NEVER_HANGS, () -> assertThrows(type, entry));
            assertTrue(e.getMessage().startsWith("segment '" + name + "' ") && e.getMessage().contains(what), e.getMessage());
        }
        assertTimeoutPreemptively(NEVER_HANGS, () -> assertTrue(dir.list().stream().noneMatch(i -> i.name().equals(name))));
    }

    @Test
    void aFifoIsRefusedBeforeAnyOpenThatCouldBlock() throws Exception {
        mkfifo("f");
        everyEntryPointRefuses("f", SegmentFormatException.class, "is a FIFO");
        var e = assertTimeoutPreemptively(NEVER_HANGS, () -> assertThrows(SegmentFormatException.class, () -> dir.unlink("f")));
        assertTrue(e.getMessage().contains("a FIFO"), e.getMessage());
        assertTrue(Files.exists(dir.pathOf("f"), LinkOption.NOFOLLOW_LINKS), "unlink removed a FIFO");
    }

    @Test
    void aSocketOrADirectoryAtTheNameIsNamedForWhatItIs() throws Exception {
        try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(dir.pathOf("sock")));
            everyEntryPointRefuses("sock", SegmentFormatException.class, "is a socket");
        }
        Files.createDirectory(dir.pathOf("d"));
        everyEntryPointRefuses("d", SegmentFormatException.class, "is a directory");
        assertThrows(SegmentFormatException.class, () -> dir.unlink("d"));
        assertTrue(Files.isDirectory(dir.pathOf("d")));
    }

    @Test
    void aSymlinkIsRefusedUnlessTheDirectoryFollowsLinks() throws Exception {
        try (SharedLong real = SharedLong.create(dir, "real", 42)) {
            Files.createSymbolicLink(dir.pathOf("alias"), dir.pathOf("real"));
            everyEntryPointRefuses("alias", UntrustedSegmentException.class, "is a symbolic link (" + dir.pathOf("alias") + " -> ");
            var e = assertThrows(UntrustedSegmentException.class, () -> dir.unlink("alias"));
            assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
            assertTrue(Files.isSymbolicLink(dir.pathOf("alias")));
            try (SharedLong followed = SharedLong.open(dir.followingLinks(), "alias")) {
                assertEquals(42, followed.get());
            }
            // a link of another user's: they could point it at a FIFO between our stat and our open
            Files.setAttribute(dir.pathOf("alias"), "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
            var theirs = assertThrows(UntrustedSegmentException.class, () -> SharedLong.open(dir.followingLinks(), "alias"));
            assertTrue(theirs.getMessage().contains("symbolic link owned by uid " + OTHER_UID), theirs.getMessage());
            Files.createSymbolicLink(dir.pathOf("dangling"), dir.pathOf("nothing-here"));
            assertThrows(UntrustedSegmentException.class, () -> SharedLong.open(dir, "dangling"));
            var gone = assertThrows(SegmentNotFoundException.class, () -> SharedLong.open(dir.followingLinks(), "dangling"));
            assertTrue(gone.getMessage().contains("dangling"), gone.getMessage());
        }
    }

    @Test
    void anotherUsersSegmentIsRefusedUnlessTrustedAndNeverRemoved() throws Exception {
        try (SharedLong theirs = SharedLong.create(dir, "theirs", 7)) {
            Files.setAttribute(dir.pathOf("theirs"), "unix:uid", OTHER_UID);
            everyEntryPointRefuses("theirs", UntrustedSegmentException.class, "is owned by uid " + OTHER_UID);
            try (SharedLong trusted = SharedLong.open(dir.trustingOtherUsers(), "theirs")) {
                assertEquals(7, trusted.get());
            }
            assertThrows(UntrustedSegmentException.class, () -> dir.unlink("theirs"));
            var e = assertThrows(UntrustedSegmentException.class, () -> dir.trustingOtherUsers().unlink("theirs"));
            assertTrue(e.getMessage().contains("only this user's segments"), e.getMessage());
            assertTrue(Files.exists(dir.pathOf("theirs")));
        }
    }

    @Test
    void unlinkRemovesOnlyShmkitSegments() throws Exception {
        Files.write(dir.pathOf("sem.foo"), new byte[32]); // another program's POSIX semaphore, say
        var e = assertThrows(SegmentFormatException.class, () -> dir.unlink("sem.foo"));
        assertTrue(e.getMessage().contains("is not a shmkit segment"), e.getMessage());
        assertTrue(Files.exists(dir.pathOf("sem.foo")));
        SharedLong.create(dir, "mine").close();
        assertTrue(dir.unlink("mine"));
        assertFalse(dir.unlink("mine"));
    }

    @Test
    void aSegmentWithAnotherHardLinkIsRefusedUnderEitherName() throws Exception {
        SharedLong.create(dir, "a", 1).close();
        Files.createLink(dir.pathOf("b"), dir.pathOf("a"));
        for (String name : List.of("a", "b")) {
            var e = assertThrows(UntrustedSegmentException.class, () -> SharedLong.open(dir, name));
            assertTrue(e.getMessage().contains("has 2 hard links"), e.getMessage());
        }
        Files.delete(dir.pathOf("b"));
        assertEquals(1, SharedLong.open(dir, "a").get());
    }

    @Test
    void unlinkThroughAClosedObjectOnADiskLeavesASegmentThatReusedTheInode(@org.junit.jupiter.api.io.TempDir Path disk) {
        SegmentDirectory onDisk = SegmentDirectory.of(disk);
        for (int attempt = 0; attempt < 20; attempt++) {
            SharedLong first = SharedLong.create(onDisk, "n", 1);
            first.close();
            assertTrue(onDisk.unlink("n"));
            try (SharedLong second = SharedLong.create(onDisk, "n", 2)) {
                assertFalse(first.unlink(), "removed the segment created after it, whose inode number was reused");
                assertEquals(2, second.get());
                assertTrue(onDisk.exists("n"));
                assertTrue(second.unlink());
            }
        }
    }

    @Test
    void unlinkThroughTheObjectLeavesANameThatWasCreatedAgain() {
        try (SharedLong first = SharedLong.create(dir, "n", 1)) {
            assertTrue(dir.unlink("n"));
            try (SharedLong second = SharedLong.create(dir, "n", 2)) {
                assertFalse(first.unlink(), "removed a segment it never attached to");
                assertEquals(2, SharedLong.open(dir, "n").get());
                assertTrue(second.unlink());
                assertFalse(dir.exists("n"));
            }
        }
    }

    @Test
    void temporaryNamesCannotBeOccupiedInAdvanceAndOthersTemporaryFilesAreLeftAlone() throws Exception {
        // the names earlier versions would have used: .<name>.<pid>.<counter>.tmp
        long pid = ProcessHandle.current().pid();
        for (int n = 1; n <= 50; n++) {
            Path squat = dir.pathOf("x").resolveSibling(".x." + pid + "." + n + ".tmp");
            Files.write(squat, new byte[] {1});
            Files.setAttribute(squat, "unix:uid", OTHER_UID);
        }
        try (SharedLong x = SharedLong.create(dir, "x", 5)) {
            assertEquals(5, x.get());
        }
        try (var files = Files.list(dir.path())) {
            assertEquals(51, files.count(), "a squatter's file was removed, or a temporary file was left");
        }
    }

    @Test
    void aFallbackDirectoryIsCreatedOwnerOnlyAndRefusedWhenOthersCouldSwapFiles() throws Exception {
        Path tmp = Files.createDirectory(dir.path().resolve("tmp"));
        SegmentDirectory made = SegmentDirectory.fallback(tmp);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(made.path())));
        SharedLong.create(made, "v").close();

        Files.setPosixFilePermissions(made.path(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(refused(() -> SegmentDirectory.fallback(tmp)).contains("writable by its group"));
        Files.setPosixFilePermissions(made.path(), PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(made.path(), "unix:uid", OTHER_UID);
        assertTrue(refused(() -> SegmentDirectory.fallback(tmp)).contains("owned by uid " + OTHER_UID));

        Path tmp2 = Files.createDirectory(dir.path().resolve("tmp2"));
        Files.createSymbolicLink(tmp2.resolve("shmkit"), made.path());
        assertTrue(refused(() -> SegmentDirectory.fallback(tmp2)).contains("is a symbolic link"));
    }

    private static String refused(Supplier<SegmentDirectory> attempt) {
        return assertThrows(IllegalStateException.class, attempt::get).getMessage();
    }

    @Test
    void aDirectoryMadeForSegmentsIsOwnerOnlyPlusReadersOfSegments() throws Exception {
        SegmentDirectory fresh = SegmentDirectory.of(dir.path().resolve("a/b"));
        SharedLong.create(fresh, "v").close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.path())));
        SegmentDirectory group = SegmentDirectory.of(dir.path().resolve("g"))
                .withPermissions(PosixFilePermissions.fromString("rw-r-----"));
        SharedLong.create(group, "v").close();
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(group.path())));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(group.pathOf("v"))));
    }

    @Test
    void closeWhileAnotherThreadDoesIoOnAViewLeavesTheSegmentOpenAndSaysSo() throws Exception {
        SharedMemory block = SharedMemory.create(dir, "io", 1 << 20);
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                pipe.sink().write(block.asByteBuffer()); // blocks: nobody reads, and the pipe holds 64 KiB
            } catch (IOException ignored) {
                // the pipe closed at the end of the test
            }
        });
        try {
            // a byte arriving proves the write is inside the kernel, holding the mapping; it cannot
            // finish 1 MiB through a 64 KiB pipe until we read the rest, which we never do
            assertEquals(1, pipe.source().read(java.nio.ByteBuffer.allocate(1)));
            var refused = assertThrows(IllegalStateException.class, block::close);
            assertTrue(refused.getMessage().startsWith("segment 'io' cannot be closed now"), refused.getMessage());
            assertFalse(block.isClosed(), "reports closed while its mapping stays");
            assertEquals(0, block.asSegment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1), "unusable after a refused close");
        } finally {
            pipe.source().close();
            pipe.sink().close();
            writer.join(10_000);
        }
        block.close();
        assertTrue(block.isClosed());
        assertThrows(IllegalStateException.class, block::asSegment);
    }

    @Test
    void aCreatedFileCarriesItsFinalPermissionsFromTheOpenCallEvenUnderUmaskZero() throws Exception {
        Assumptions.assumeTrue(onPath("strace"), "strace is not installed: cannot observe the open(2) flags and mode");
        Path log = dir.path().resolve("strace.log");
        Path segments = Files.createDirectory(dir.path().resolve("segs"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "umask 000; exec strace -f -qq -e trace=openat -o '" + log + "' '" + java + "' -cp '"
                + System.getProperty("java.class.path") + "' '" + ChildMains.Creator.class.getName() + "' '" + segments + "' perm rw-rw----";
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        List<String> creates = Files.readAllLines(log).stream()
                .filter(l -> l.contains("/.perm.") && l.contains("O_CREAT")).toList();
        assertEquals(1, creates.size(), "one O_CREAT open of the temporary file:\n" + String.join("\n", creates));
        String open = creates.get(0);
        assertTrue(open.contains("O_EXCL"), open); // with O_CREAT, never follows a link at the name

        assertTrue(open.matches(".*O_CREAT[^)]*, 0660\\).*"), "the open(2) call did not carry mode 0660: " + open);
        Path owner = segments.resolve("owner");
        assertTrue(Files.readAllLines(log).stream().anyMatch(l -> l.contains("/.owner.") && l.contains("O_CREAT")
                && l.matches(".*, 0600\\).*")), "the owner-only segment was not opened 0600");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(owner)));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(segments.resolve("perm"))));
    }

    static boolean onPath(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void headerSizesThatWrapAroundAreCorruptNotHuge() throws Exception {
        try (SharedShortArray xs = SharedShortArray.create(dir, "wrap", 4)) {
            assertEquals(4, xs.length());
        }
        Path p = dir.pathOf("wrap");
        HeaderFuzzTest.poke(p, SegmentDescriptor.ELEMENT_COUNT_OFFSET, Long.MAX_VALUE);
        HeaderFuzzTest.poke(p, SegmentDescriptor.DATA_SIZE_OFFSET, -2L);
        HeaderFuzzTest.poke(p, SegmentDescriptor.TOTAL_SIZE_OFFSET, SegmentDescriptor.dataOffset(3) - 2);
        HeaderValidationTest.fixChecksum(p);
        var e = assertThrows(SegmentFormatException.class, () -> dir.info("wrap"));
        assertEquals("segment 'wrap' has a corrupt header: element count " + Long.MAX_VALUE + " x element size 2 overflows 64 bits",
                e.getMessage());
        assertThrows(SegmentFormatException.class, () -> SharedShortArray.open(dir, "wrap"));
    }

    @Test
    void layoutTextThatIsNotUtf8OrDoesNotParseIsAFormatErrorShownEscaped() throws Exception {
        SharedDoubleArray.create(dir, "t", 8).close();
        Path p = dir.pathOf("t");
        // "f64" -> "f\xff4": invalid UTF-8, checksum recomputed
        HeaderFuzzTest.pokeByte(p, SegmentDescriptor.LAYOUT_OFFSET + 1, (byte) 0xff);
        HeaderValidationTest.fixChecksum(p);
        var e = assertThrows(SegmentFormatException.class, () -> SharedDoubleArray.open(dir, "t"));
        assertEquals("segment 't' has a corrupt header: layout text is not valid UTF-8: \"f\\xff4\"", e.getMessage());
        HeaderFuzzTest.pokeByte(p, SegmentDescriptor.LAYOUT_OFFSET + 1, (byte) 0);
        HeaderValidationTest.fixChecksum(p);
        e = assertThrows(SegmentFormatException.class, () -> SharedDoubleArray.open(dir, "t"));
        assertEquals("segment 't' has a corrupt header: layout text \"f\\x004\" does not parse: unknown scalar type 'f'"
                + " at index 0", e.getMessage());
        // a valid text of another size: the header's element size disagrees with it
        HeaderFuzzTest.pokeByte(p, SegmentDescriptor.LAYOUT_OFFSET + 1, (byte) '3');
        HeaderFuzzTest.pokeByte(p, SegmentDescriptor.LAYOUT_OFFSET + 2, (byte) '2');
        HeaderValidationTest.fixChecksum(p);
        e = assertThrows(SegmentFormatException.class, () -> SharedDoubleArray.open(dir, "t"));
        assertEquals("segment 't' has a corrupt header: element size is 8 but the layout text f32 describes 4 bytes", e.getMessage());
    }

    @Test
    void aLayoutThatCouldNotBeOpenedAgainIsNotCreated() {
        var packed = java.lang.foreign.MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_BYTE.withName("a"),
                java.lang.foreign.ValueLayout.JAVA_INT.withByteAlignment(1).withName("b")).withName("Packed");
        var e = assertThrows(IllegalArgumentException.class,
                () -> SharedStruct.create(dir, "packed", PackedRecord.class, packed));
        assertTrue(e.getMessage().startsWith("segment 'packed' cannot hold this layout: layout text"), e.getMessage());
        assertFalse(dir.exists("packed"));
        assertArrayEquals(new String[0], dir.path().toFile().list());
    }

    record PackedRecord(byte a, int b) {
    }
}
