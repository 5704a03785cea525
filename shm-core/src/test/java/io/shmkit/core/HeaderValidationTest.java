package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Every way a file can fail to be a segment gets its own clear message, before anything is mapped. */
class HeaderValidationTest extends SegmentTestSupport {

    private Path healthy(String name) {
        try (var xs = SharedLongArray.create(dir, name, 4)) {
            xs.set(0, 1);
        }
        return dir.pathOf(name);
    }

    private SegmentFormatException openFails(String name) {
        return assertThrows(SegmentFormatException.class, () -> SharedLongArray.open(dir, name));
    }

    @Test
    void foreignFile() throws IOException {
        Files.write(dir.pathOf("elf"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0});
        var e = openFails("elf");
        assertEquals("segment 'elf' is not a shmkit segment: " + dir.pathOf("elf")
                + " (12 bytes) does not start with the shmkit magic (first bytes: 7f 45 4c 46 02 01 01 00)", e.getMessage());
    }

    @Test
    void emptyFile() throws IOException {
        Files.createFile(dir.pathOf("empty"));
        assertEquals("segment 'empty' is not a shmkit segment: " + dir.pathOf("empty")
                + " (0 bytes) does not start with the shmkit magic", openFails("empty").getMessage());
    }

    @Test
    void truncatedInsideTheHeader() throws IOException {
        truncate(healthy("t"), 100);
        assertEquals("segment 't' is truncated: " + dir.pathOf("t") + " has 100 bytes, the header alone needs 512",
                openFails("t").getMessage());
    }

    @Test
    void truncatedInsideTheData() throws IOException {
        Path p = healthy("t");
        long size = Files.size(p);
        truncate(p, size - 8);
        assertEquals("segment 't' is truncated: " + p + " has " + (size - 8) + " bytes, its header says " + size,
                openFails("t").getMessage());
    }

    @Test
    void trailingBytes() throws IOException {
        Path p = healthy("t");
        long size = Files.size(p);
        Files.write(p, new byte[] {1}, StandardOpenOption.APPEND);
        assertEquals("segment 't' has trailing bytes: " + p + " has " + (size + 1) + " bytes, its header says " + size,
                openFails("t").getMessage());
    }

    @Test
    void garbageAfterTheMagicFailsTheChecksum() throws IOException {
        Path p = healthy("g");
        poke(p, SegmentDescriptor.ELEMENT_COUNT_OFFSET, 1_000_000L, false);
        var e = openFails("g");
        assertTrue(e.getMessage().startsWith("segment 'g' has a corrupt header: checksum is 0x"), e.getMessage());
    }

    @Test
    void randomGarbageWithTheMagic() throws IOException {
        byte[] junk = new byte[4096];
        new java.util.Random(42).nextBytes(junk);
        System.arraycopy(SegmentDescriptor.MAGIC, 0, junk, 0, 8);
        junk[8] = 4; junk[9] = 3; junk[10] = 2; junk[11] = 1; // a plausible little-endian mark
        Files.write(dir.pathOf("junk"), junk);
        var e = openFails("junk");
        assertTrue(e.getMessage().startsWith("segment 'junk' has "), e.getMessage());
    }

    @Test
    void otherFormatVersion() throws IOException {
        Path p = healthy("v");
        pokeShort(p, SegmentDescriptor.FORMAT_VERSION_OFFSET, (short) 1);
        assertEquals("segment 'v' has format version 1; this shmkit reads version 2", openFails("v").getMessage());
    }

    @Test
    void otherByteOrder() throws IOException {
        Path p = healthy("bo");
        ByteBuffer mark = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, Integer.reverseBytes(SegmentDescriptor.BYTE_ORDER_MARK));
        write(p, SegmentDescriptor.BYTE_ORDER_MARK_OFFSET, mark);
        assertTrue(openFails("bo").getMessage().startsWith("segment 'bo' was written in the other byte order"));
    }

    @Test
    void inconsistentSizesWithAValidChecksum() throws IOException {
        Path p = healthy("s");
        poke(p, SegmentDescriptor.ELEMENT_COUNT_OFFSET, 5, true);
        assertEquals("segment 's' has a corrupt header: sizes disagree: data size is 32 but count 5 x element size 8 = 40",
                openFails("s").getMessage());
    }

    @Test
    void wrongKindAndWrongElementTypeAreLayoutErrors() {
        healthy("xs");
        var e = assertThrows(SegmentLayoutException.class, () -> SharedDoubleArray.open(dir, "xs"));
        assertEquals("segment 'xs' holds ARRAY i64 x 4 (element size 8), requested ARRAY f64 (element size 8)", e.getMessage());
        e = assertThrows(SegmentLayoutException.class, () -> SharedLong.open(dir, "xs"));
        assertEquals("segment 'xs' holds ARRAY i64 x 4 (element size 8), requested VALUE i64 x 1 (element size 8)", e.getMessage());
        e = assertThrows(SegmentLayoutException.class, () -> SharedMemory.open(dir, "xs"));
        assertTrue(e.getMessage().startsWith("segment 'xs' holds ARRAY i64 x 4"), e.getMessage());
    }

    @Test
    void directoryListingSkipsBrokenFilesAndInfoReportsThem() throws IOException {
        truncate(healthy("broken"), 600);
        healthy("fine");
        assertEquals(java.util.List.of("fine"), dir.list().stream().map(SegmentInfo::name).toList());
        assertThrows(SegmentFormatException.class, () -> dir.info("broken"));
    }

    @Test
    void noTemporaryFileIsLeftBehind() throws IOException {
        healthy("a");
        assertThrows(SegmentExistsException.class, () -> SharedLong.create(dir, "a"));
        try (var files = Files.list(dir.path())) {
            assertEquals(java.util.List.of("a"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    private static void truncate(Path p, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void write(Path p, long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(bytes, offset);
        }
    }

    private static void pokeShort(Path p, int offset, short value) throws IOException {
        write(p, offset, ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, value));
        fixChecksum(p);
    }

    /** Overwrites a long field; with {@code fixChecksum} the header still hashes right, so deeper checks must catch it. */
    private static void poke(Path p, int offset, long value, boolean fixChecksum) throws IOException {
        write(p, offset, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value));
        if (fixChecksum) {
            fixChecksum(p);
        }
    }

    static void fixChecksum(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
        int layoutLength = b.getInt(SegmentDescriptor.LAYOUT_LENGTH_OFFSET);
        CRC32 crc = new CRC32();
        crc.update(all, 0, SegmentDescriptor.CHECKSUM_OFFSET);
        crc.update(all, SegmentDescriptor.CHECKSUM_OFFSET + 4, SegmentDescriptor.CHECKSUMMED_END - SegmentDescriptor.CHECKSUM_OFFSET - 4);
        crc.update(all, SegmentDescriptor.LAYOUT_OFFSET, layoutLength);
        write(p, SegmentDescriptor.CHECKSUM_OFFSET, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, (int) crc.getValue()));
    }
}
