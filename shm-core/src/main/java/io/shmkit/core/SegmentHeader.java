package io.shmkit.core;

import static io.shmkit.core.SegmentDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.CRC32;

/** Writes and validates the header drawn in {@link SegmentDescriptor}. */
final class SegmentHeader {
    private SegmentHeader() {
    }

    /**
     * A complete header for {@code spec}, as the first bytes of a new file of
     * {@code totalSize} bytes: everything up to the data offset.
     */
    static MemorySegment build(SegmentSpec spec, byte[] layoutText, long dataOffset, long totalSize) {
        MemorySegment file = MemorySegment.ofArray(new long[(int) (dataOffset / 8)]);
        ProcessHandle self = ProcessHandle.current();
        ProcessIdentity creator = ProcessIdentity.current();
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
        file.set(JAVA_LONG, CREATOR_START_TICKS_OFFSET, creator.startTicks());
        file.set(JAVA_LONG, CREATOR_PID_NAMESPACE_OFFSET, creator.pidNamespace());
        file.set(JAVA_LONG, CREATOR_TIME_NAMESPACE_OFFSET, creator.timeNamespace());
        if (creator.bootId() != null) {
            file.set(BIG_ENDIAN_LONG, CREATOR_BOOT_ID_OFFSET, creator.bootId().getMostSignificantBits());
            file.set(BIG_ENDIAN_LONG, CREATOR_BOOT_ID_OFFSET + 8, creator.bootId().getLeastSignificantBits());
        }
        long instance;
        do {
            instance = INSTANCES.nextLong();
        } while (instance == 0);
        file.set(JAVA_LONG, INSTANCE_ID_OFFSET, instance);
        MemorySegment.copy(layoutText, 0, file, JAVA_BYTE, LAYOUT_OFFSET, layoutText.length);
        file.set(JAVA_INT, CHECKSUM_OFFSET, checksum(file, layoutText.length));
        return file;
    }

    private static final java.security.SecureRandom INSTANCES = new java.security.SecureRandom();
    private static final ValueLayout.OfLong BIG_ENDIAN_LONG = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN);

    /**
     * Validates the header at the start of {@code head} (at least the first bytes of a file of
     * {@code fileSize} bytes) and returns what it says. Every size relation is checked with
     * exact arithmetic, so no header, however forged, yields a negative or wrapped size.
     *
     * @throws SegmentFormatException saying what is wrong
     */
    static SegmentInfo read(String name, Path path, MemorySegment head, long fileSize) {
        return read(name, path, head, fileSize, true);
    }

    /**
     * As {@link #read(String, Path, MemorySegment, long)}; without {@code wholeFile}, a file
     * shorter than its header says (a creation that crashed while sizing it) is accepted.
     */
    static SegmentInfo read(String name, Path path, MemorySegment head, long fileSize, boolean wholeFile) {
        long available = Math.min(head.byteSize(), fileSize);
        if (available < MAGIC.length
                || MemorySegment.mismatch(head, 0, MAGIC.length, MemorySegment.ofArray(MAGIC), 0, MAGIC.length) != -1) {
            String first = HexFormat.ofDelimiter(" ").formatHex(head.asSlice(0, Math.min(available, 8)).toArray(JAVA_BYTE));
            throw new SegmentFormatException(name, "is not a shmkit segment: " + path + " (" + fileSize
                    + " bytes) does not start with the shmkit magic" + (available == 0 ? "" : " (first bytes: " + first + ")"));
        }
        if (fileSize < LAYOUT_OFFSET || head.byteSize() < LAYOUT_OFFSET) {
            throw new SegmentFormatException(name, "is truncated: " + path + " has " + fileSize
                    + " bytes, the header alone needs " + LAYOUT_OFFSET);
        }
        int bom = head.get(JAVA_INT, BYTE_ORDER_MARK_OFFSET);
        if (bom == Integer.reverseBytes(BYTE_ORDER_MARK)) {
            throw new SegmentFormatException(name, "was written in the other byte order than this machine's ("
                    + ByteOrder.nativeOrder() + ")");
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
            // the file was longer when its size was read: someone is truncating it
            throw new SegmentFormatException(name, "is truncated: " + path + " shrank to " + head.byteSize()
                    + " bytes while it was being read; its layout text ends at " + (LAYOUT_OFFSET + layoutLength));
        }
        int stored = head.get(JAVA_INT, CHECKSUM_OFFSET);
        int computed = checksum(head, layoutLength);
        if (stored != computed) {
            throw corrupt(name, "checksum is 0x" + Integer.toHexString(stored) + " but the header hashes to 0x"
                    + Integer.toHexString(computed));
        }
        int kindCode = Short.toUnsignedInt(head.get(JAVA_SHORT, KIND_OFFSET));
        SegmentKind kind = SegmentKind.ofCode(kindCode);
        if (kind == null) {
            throw corrupt(name, "kind code " + kindCode + " is unknown");
        }
        String layout;
        LayoutText.Shape shape;
        try {
            layout = LayoutText.decode(head.asSlice(LAYOUT_OFFSET, layoutLength).toArray(JAVA_BYTE));
            shape = LayoutText.parse(layout);
        } catch (IllegalArgumentException e) {
            throw corrupt(name, e.getMessage());
        }
        long totalSize = head.get(JAVA_LONG, TOTAL_SIZE_OFFSET);
        long dataOffset = head.get(JAVA_LONG, DATA_OFFSET_OFFSET);
        long dataSize = head.get(JAVA_LONG, DATA_SIZE_OFFSET);
        long count = head.get(JAVA_LONG, ELEMENT_COUNT_OFFSET);
        long elementSize = head.get(JAVA_LONG, ELEMENT_SIZE_OFFSET);
        long alignment = Integer.toUnsignedLong(head.get(JAVA_INT, ELEMENT_ALIGNMENT_OFFSET));
        if (count < 0) {
            throw corrupt(name, "element count is negative: " + Long.toUnsignedString(count));
        }
        if (elementSize <= 0) {
            throw corrupt(name, "element size is not positive: " + Long.toUnsignedString(elementSize));
        }
        if (elementSize != shape.size()) {
            throw corrupt(name, "element size is " + elementSize + " but the layout text " + layout + " describes "
                    + shape.size() + " bytes");
        }
        if (Long.bitCount(alignment) != 1 || alignment < shape.alignment()) {
            throw corrupt(name, "element alignment is " + alignment + "; the layout needs a power of two of at least "
                    + shape.alignment());
        }
        long product;
        try {
            product = Math.multiplyExact(count, elementSize);
        } catch (ArithmeticException e) {
            throw corrupt(name, "element count " + count + " x element size " + elementSize + " overflows 64 bits");
        }
        if (dataSize != product) {
            throw corrupt(name, "sizes disagree: data size is " + Long.toUnsignedString(dataSize) + " but count " + count
                    + " x element size " + elementSize + " = " + product);
        }
        long expectedOffset = SegmentDescriptor.dataOffset(layoutLength);
        if (dataOffset != expectedOffset) {
            throw corrupt(name, "data offset is " + Long.toUnsignedString(dataOffset) + "; a layout text of "
                    + layoutLength + " bytes puts it at " + expectedOffset);
        }
        if (dataSize > Long.MAX_VALUE - dataOffset || dataOffset + dataSize != totalSize) {
            throw corrupt(name, "total size is " + Long.toUnsignedString(totalSize) + " but data offset " + dataOffset
                    + " + data size " + dataSize + (dataSize > Long.MAX_VALUE - dataOffset ? " overflows 64 bits"
                            : " = " + (dataOffset + dataSize)));
        }
        if (wholeFile && fileSize != totalSize) {
            throw new SegmentFormatException(name, (fileSize < totalSize ? "is truncated: " : "has trailing bytes: ") + path
                    + " has " + fileSize + " bytes, its header says " + totalSize);
        }
        long high = head.get(BIG_ENDIAN_LONG, CREATOR_BOOT_ID_OFFSET);
        long low = head.get(BIG_ENDIAN_LONG, CREATOR_BOOT_ID_OFFSET + 8);
        ProcessIdentity creator = new ProcessIdentity(head.get(JAVA_LONG, CREATOR_PID_OFFSET),
                head.get(JAVA_LONG, CREATOR_START_TICKS_OFFSET), head.get(JAVA_LONG, CREATOR_PID_NAMESPACE_OFFSET),
                head.get(JAVA_LONG, CREATOR_TIME_NAMESPACE_OFFSET), high == 0 && low == 0 ? null : new UUID(high, low));
        return new SegmentInfo(name, path, kind, layout, count, elementSize, alignment, dataOffset, dataSize, totalSize,
                creator.pid(), head.get(JAVA_LONG, CREATOR_START_TIME_OFFSET),
                Instant.ofEpochMilli(head.get(JAVA_LONG, CREATION_TIME_OFFSET)), creator, head.get(JAVA_LONG, INSTANCE_ID_OFFSET));
    }

    /** CRC-32 of everything in the fixed header but the checksum and the lock area, then the layout text. */
    private static int checksum(MemorySegment head, int layoutLength) {
        CRC32 crc = new CRC32();
        crc.update(head.asSlice(0, CHECKSUM_OFFSET).toArray(JAVA_BYTE));
        crc.update(head.asSlice(CHECKSUM_OFFSET + 4, CHECKSUMMED_END - CHECKSUM_OFFSET - 4).toArray(JAVA_BYTE));
        crc.update(head.asSlice(LAYOUT_OFFSET, layoutLength).toArray(JAVA_BYTE));
        return (int) crc.getValue();
    }

    private static SegmentFormatException corrupt(String name, String what) {
        return new SegmentFormatException(name, "has a corrupt header: " + what);
    }
}
