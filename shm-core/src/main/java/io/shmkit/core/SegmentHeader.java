package io.shmkit.core;

import static io.shmkit.core.SegmentDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.zip.CRC32;

/** Writes and validates the header drawn in {@link SegmentDescriptor}. */
final class SegmentHeader {
    private static final int CHECKSUMMED_PREFIX = CHECKSUM_OFFSET;

    private SegmentHeader() {
    }

    /** Writes a complete header for {@code spec} into the zeroed start of a new file of {@code totalSize} bytes. */
    static void write(MemorySegment file, SegmentSpec spec, byte[] layoutText, long dataOffset, long totalSize) {
        ProcessHandle self = ProcessHandle.current();
        MemorySegment.copy(MAGIC, 0, file, JAVA_BYTE, MAGIC_OFFSET, MAGIC.length);
        file.set(JAVA_INT, BYTE_ORDER_MARK_OFFSET, BYTE_ORDER_MARK);
        file.set(JAVA_SHORT, FORMAT_VERSION_OFFSET, (short) FORMAT_VERSION);
        file.set(JAVA_SHORT, KIND_OFFSET, (short) spec.kind().code());
        file.set(JAVA_LONG, TOTAL_SIZE_OFFSET, totalSize);
        file.set(JAVA_LONG, DATA_OFFSET_OFFSET, dataOffset);
        file.set(JAVA_LONG, DATA_SIZE_OFFSET, spec.count() * spec.elementSize());
        file.set(JAVA_LONG, ELEMENT_COUNT_OFFSET, spec.count());
        file.set(JAVA_LONG, ELEMENT_SIZE_OFFSET, spec.elementSize());
        file.set(JAVA_INT, ELEMENT_ALIGNMENT_OFFSET, (int) spec.elementAlignment());
        file.set(JAVA_INT, LAYOUT_LENGTH_OFFSET, layoutText.length);
        file.set(JAVA_LONG, CREATOR_PID_OFFSET, self.pid());
        file.set(JAVA_LONG, CREATOR_START_TIME_OFFSET, self.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
        file.set(JAVA_LONG, CREATION_TIME_OFFSET, System.currentTimeMillis());
        file.set(JAVA_INT, FLAGS_OFFSET, 0);
        MemorySegment.copy(layoutText, 0, file, JAVA_BYTE, LAYOUT_OFFSET, layoutText.length);
        file.set(JAVA_INT, CHECKSUM_OFFSET, checksum(file, layoutText.length));
    }

    /**
     * Validates the header at the start of {@code head} (at least the first bytes of a file of
     * {@code fileSize} bytes) and returns what it says.
     *
     * @throws SegmentFormatException saying what is wrong
     */
    static SegmentInfo read(String name, Path path, MemorySegment head, long fileSize) {
        long available = Math.min(head.byteSize(), fileSize);
        if (available < MAGIC.length
                || MemorySegment.mismatch(head, 0, MAGIC.length, MemorySegment.ofArray(MAGIC), 0, MAGIC.length) != -1) {
            String first = HexFormat.ofDelimiter(" ").formatHex(head.asSlice(0, Math.min(available, 8)).toArray(JAVA_BYTE));
            throw new SegmentFormatException(name, "is not a shmkit segment: " + path + " (" + fileSize
                    + " bytes) does not start with the shmkit magic" + (available == 0 ? "" : " (first bytes: " + first + ")"));
        }
        if (fileSize < LAYOUT_OFFSET) {
            throw new SegmentFormatException(name, "is truncated: " + path + " has " + fileSize
                    + " bytes, the header alone needs " + LAYOUT_OFFSET);
        }
        int bom = head.get(JAVA_INT, BYTE_ORDER_MARK_OFFSET);
        if (bom == Integer.reverseBytes(BYTE_ORDER_MARK)) {
            throw new SegmentFormatException(name, "was written in the other byte order than this machine's ("
                    + java.nio.ByteOrder.nativeOrder() + ")");
        }
        if (bom != BYTE_ORDER_MARK) {
            throw corrupt(name, "byte-order mark is 0x" + Integer.toHexString(bom));
        }
        int version = Short.toUnsignedInt(head.get(JAVA_SHORT, FORMAT_VERSION_OFFSET));
        if (version != FORMAT_VERSION) {
            throw new SegmentFormatException(name, "has format version " + version + "; this shmkit reads version " + FORMAT_VERSION);
        }
        int layoutLength = head.get(JAVA_INT, LAYOUT_LENGTH_OFFSET);
        if (layoutLength < 1 || layoutLength > MAX_LAYOUT_LENGTH) {
            throw corrupt(name, "layout text length is " + Integer.toUnsignedString(layoutLength));
        }
        if (LAYOUT_OFFSET + (long) layoutLength > fileSize) {
            throw new SegmentFormatException(name, "is truncated: " + path + " has " + fileSize
                    + " bytes, its layout text ends at " + (LAYOUT_OFFSET + layoutLength));
        }
        if (head.byteSize() < LAYOUT_OFFSET + (long) layoutLength) {
            throw new IllegalStateException("caller passed too short a head");
        }
        int stored = head.get(JAVA_INT, CHECKSUM_OFFSET);
        int computed = checksum(head, layoutLength);
        if (stored != computed) {
            throw corrupt(name, "checksum is 0x" + Integer.toHexString(stored) + " but the header hashes to 0x"
                    + Integer.toHexString(computed));
        }
        SegmentKind kind = SegmentKind.ofCode(Short.toUnsignedInt(head.get(JAVA_SHORT, KIND_OFFSET)));
        if (kind == null) {
            throw corrupt(name, "kind code " + head.get(JAVA_SHORT, KIND_OFFSET) + " is unknown");
        }
        String layout = new String(head.asSlice(LAYOUT_OFFSET, layoutLength).toArray(JAVA_BYTE),
                StandardCharsets.UTF_8);
        long totalSize = head.get(JAVA_LONG, TOTAL_SIZE_OFFSET);
        long dataOffset = head.get(JAVA_LONG, DATA_OFFSET_OFFSET);
        long dataSize = head.get(JAVA_LONG, DATA_SIZE_OFFSET);
        long count = head.get(JAVA_LONG, ELEMENT_COUNT_OFFSET);
        long elementSize = head.get(JAVA_LONG, ELEMENT_SIZE_OFFSET);
        long alignment = Integer.toUnsignedLong(head.get(JAVA_INT, ELEMENT_ALIGNMENT_OFFSET));
        if (count < 0 || elementSize <= 0 || Long.bitCount(alignment) != 1
                || Math.multiplyHigh(count, elementSize) != 0 || count * elementSize != dataSize
                || dataOffset != SegmentDescriptor.dataOffset(layoutLength)
                || dataSize > Long.MAX_VALUE - dataOffset || dataOffset + dataSize != totalSize) {
            throw corrupt(name, "sizes disagree: count " + count + " x element size " + elementSize + " (alignment "
                    + alignment + ") = data size " + dataSize + " at offset " + dataOffset + ", total " + totalSize);
        }
        if (fileSize != totalSize) {
            throw new SegmentFormatException(name, (fileSize < totalSize ? "is truncated: " : "has trailing bytes: ") + path
                    + " has " + fileSize + " bytes, its header says " + totalSize);
        }
        return new SegmentInfo(name, path, kind, layout, count, elementSize, alignment, dataOffset, dataSize, totalSize,
                head.get(JAVA_LONG, CREATOR_PID_OFFSET), head.get(JAVA_LONG, CREATOR_START_TIME_OFFSET),
                Instant.ofEpochMilli(head.get(JAVA_LONG, CREATION_TIME_OFFSET)));
    }

    private static int checksum(MemorySegment head, int layoutLength) {
        CRC32 crc = new CRC32();
        crc.update(head.asSlice(0, CHECKSUMMED_PREFIX).toArray(JAVA_BYTE));
        crc.update(head.asSlice(LAYOUT_OFFSET, layoutLength).toArray(JAVA_BYTE));
        return (int) crc.getValue();
    }

    private static SegmentFormatException corrupt(String name, String what) {
        return new SegmentFormatException(name, "has a corrupt header: " + what);
    }
}
