package io.shmkit.core;

/**
 * The byte layout of a shmkit segment file: a fixed 512-byte header, the layout text, then
 * the data. All multi-byte fields are in the creator's native byte order, which the
 * byte-order mark records; a reader of the other order refuses the file.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+ 0x000
 *  |                 Magic "SHMKIT\x1a\n" (8 bytes)                 |
 *  |                                                               |
 *  +---------------------------------------------------------------+ 0x008
 *  |              Byte-order mark 0x01020304 (u32)                 |
 *  +-------------------------------+-------------------------------+ 0x00C
 *  |     Format version (u16)      |          Kind (u16)           |
 *  +-------------------------------+-------------------------------+ 0x010
 *  |                  Total file size in bytes (u64)               |
 *  +---------------------------------------------------------------+ 0x018
 *  |        Data offset (u64, multiple of 64, after layout text)   |
 *  +---------------------------------------------------------------+ 0x020
 *  |            Data size in bytes (u64) = count * element size    |
 *  +---------------------------------------------------------------+ 0x028
 *  |                     Element count (u64)                       |
 *  +---------------------------------------------------------------+ 0x030
 *  |             Element size in bytes, the stride (u64)           |
 *  +---------------------------------------------------------------+ 0x038
 *  |                 Element alignment in bytes (u32)              |
 *  +---------------------------------------------------------------+ 0x03C
 *  |              Layout text length in bytes (u32)                |
 *  +---------------------------------------------------------------+ 0x040
 *  |                    Creator process id (i64)                   |
 *  +---------------------------------------------------------------+ 0x048
 *  |     Creator process start time, epoch ms, 0 if unknown (i64)  |
 *  +---------------------------------------------------------------+ 0x050
 *  |              Creation time, epoch ms (i64)                    |
 *  +---------------------------------------------------------------+ 0x058
 *  |                      Flags (u32), zero                        |
 *  +---------------------------------------------------------------+ 0x05C
 *  |   CRC-32 (zlib) of 0x000-0x05B, 0x060-0x0FF, layout text (u32)|
 *  +---------------------------------------------------------------+ 0x060
 *  |  Creator start time, clock ticks since boot, 0 if unknown (u64)|
 *  +---------------------------------------------------------------+ 0x068
 *  |    Creator's pid namespace (inode of /proc/self/ns/pid) (u64) |
 *  +---------------------------------------------------------------+ 0x070
 *  |   Creator's time namespace (inode of /proc/self/ns/time) (u64)|
 *  +---------------------------------------------------------------+ 0x078
 *  |   Boot id of the creator's boot (16 bytes, the UUID's bytes   |
 *  |   in big-endian order; zero if unknown)                       |
 *  +---------------------------------------------------------------+ 0x088
 *  |     Instance id: random, chosen at creation, never 0 (u64)    |
 *  +---------------------------------------------------------------+ 0x090
 *  |                 Reserved, zero (112 bytes)                    |
 *  +---------------------------------------------------------------+ 0x100
 *  |   Lock area (256 bytes, 128-aligned): shm-sync's built-in     |
 *  |   locks (reentrant lock at +0x00, seqlock at +0x40, the rest  |
 *  |   reserved); zero at creation, the only header bytes that     |
 *  |   ever change, outside the CRC (docs/locks.md)                |
 *  +---------------------------------------------------------------+ 0x200
 *  |           Layout text (UTF-8, "Layout text length" bytes)     |
 *  +---------------------------------------------------------------+
 *  |             Zero padding up to the data offset                |
 *  +---------------------------------------------------------------+ data offset
 *  |                  Data (data size bytes)                       |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The creator fields (pid, start time, namespaces, boot id) name the process that created
 * the segment in a way that survives pid reuse ({@link ProcessIdentity}); shm-sync refuses to
 * run locks in a segment from another pid or time namespace or another boot.
 *
 * <p>The header is written completely, under a temporary name, before the segment's name is
 * linked to it, so a process that can open a name always sees a complete header. It never
 * changes afterwards except for the lock area. {@code docs/format.md} states the same format
 * for readers in other languages, with the grammar of the layout text.
 */
public final class SegmentDescriptor {
    /** The eight magic bytes that open every segment file. */
    public static final byte[] MAGIC = {'S', 'H', 'M', 'K', 'I', 'T', 0x1a, '\n'};
    /** Value of the byte-order mark as written by the creator. */
    public static final int BYTE_ORDER_MARK = 0x01020304;
    /**
     * The only format version this code reads and writes. Version 2 added the creator's start
     * ticks, namespaces and boot id, under the checksum.
     */
    public static final int FORMAT_VERSION = 2;

    public static final int MAGIC_OFFSET = 0x000;
    public static final int BYTE_ORDER_MARK_OFFSET = 0x008;
    public static final int FORMAT_VERSION_OFFSET = 0x00C;
    public static final int KIND_OFFSET = 0x00E;
    public static final int TOTAL_SIZE_OFFSET = 0x010;
    public static final int DATA_OFFSET_OFFSET = 0x018;
    public static final int DATA_SIZE_OFFSET = 0x020;
    public static final int ELEMENT_COUNT_OFFSET = 0x028;
    public static final int ELEMENT_SIZE_OFFSET = 0x030;
    public static final int ELEMENT_ALIGNMENT_OFFSET = 0x038;
    public static final int LAYOUT_LENGTH_OFFSET = 0x03C;
    public static final int CREATOR_PID_OFFSET = 0x040;
    public static final int CREATOR_START_TIME_OFFSET = 0x048;
    public static final int CREATION_TIME_OFFSET = 0x050;
    public static final int FLAGS_OFFSET = 0x058;
    public static final int CHECKSUM_OFFSET = 0x05C;
    public static final int CREATOR_START_TICKS_OFFSET = 0x060;
    public static final int CREATOR_PID_NAMESPACE_OFFSET = 0x068;
    public static final int CREATOR_TIME_NAMESPACE_OFFSET = 0x070;
    public static final int CREATOR_BOOT_ID_OFFSET = 0x078;
    /**
     * A random number chosen when the segment is created: tells this segment from a later one
     * under the same name, even one that a disk file system gave the same inode number.
     */
    public static final int INSTANCE_ID_OFFSET = 0x088;
    /** End of the part after the checksum that the checksum covers (the identity and reserved bytes). */
    public static final int CHECKSUMMED_END = 0x100;

    /** Start of the area reserved for lock words; 128-aligned so two cache lines separate it from the header. */
    public static final int LOCK_AREA_OFFSET = 0x100;
    /** Size of the lock area. */
    public static final int LOCK_AREA_LENGTH = 256;

    /** Offset of the layout text; also the size of the fixed header. */
    public static final int LAYOUT_OFFSET = 0x200;
    /** Largest layout text accepted, so that a garbage length cannot make a reader allocate gigabytes. */
    public static final int MAX_LAYOUT_LENGTH = 64 * 1024;
    /** The data offset is a multiple of this: a cache line, and at least any element's alignment. */
    public static final int DATA_ALIGNMENT = 64;

    private SegmentDescriptor() {
    }

    /** The data offset for a layout text of the given length in bytes. */
    public static long dataOffset(int layoutLength) {
        return align(LAYOUT_OFFSET + (long) layoutLength, DATA_ALIGNMENT);
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
