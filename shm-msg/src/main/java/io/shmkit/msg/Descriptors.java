package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentExistsException;
import io.shmkit.core.SegmentFormatException;
import io.shmkit.core.SegmentNotFoundException;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/** What the queue and broadcast descriptors share: magic, checksum, attach-or-create. */
final class Descriptors {
    private Descriptors() {
    }

    /**
     * Throws unless {@code data} starts with {@code magic} and the CRC-32 stored at
     * {@code checksumOffset} covers bytes {@code [0, checksumOffset)} and then {@code extra}.
     */
    static void checkMagicAndChecksum(String name, String what, MemorySegment data, byte[] magic, long checksumOffset,
            MemorySegment extra) {
        checkMagic(name, what, data, magic, checksumOffset + 4);
        int stored = data.get(JAVA_INT, checksumOffset);
        int actual = checksum(data, checksumOffset, extra);
        if (stored != actual) {
            throw new SegmentFormatException(name, "is a corrupt " + what + ": its descriptor checksum is 0x"
                    + Integer.toHexString(stored) + " but it hashes to 0x" + Integer.toHexString(actual));
        }
    }

    /** Throws unless {@code data} is at least {@code minimum} bytes and starts with {@code magic}. */
    static void checkMagic(String name, String what, MemorySegment data, byte[] magic, long minimum) {
        if (data.byteSize() < minimum
                || MemorySegment.mismatch(data, 0, magic.length, MemorySegment.ofArray(magic), 0, magic.length) != -1) {
            throw new SegmentFormatException(name, "is a corrupt " + what + ": its data does not start with the " + what + " magic");
        }
    }

    /** CRC-32 of bytes {@code [0, checksumOffset)} of {@code data}, then of {@code extra}. */
    static int checksum(MemorySegment data, long checksumOffset, MemorySegment extra) {
        CRC32 crc = new CRC32();
        crc.update(data.asSlice(0, checksumOffset).toArray(JAVA_BYTE));
        crc.update(extra.toArray(JAVA_BYTE));
        return (int) crc.getValue();
    }

    /** Attaches if the name exists, else creates it; a process that loses the race to create attaches to the winner's. */
    static <T> T openOrCreate(SegmentDirectory directory, Supplier<T> open, Supplier<T> create) {
        if (directory.isTemporary()) {
            return create.get(); // a temporary directory gives every creation a new name: there is nothing to open
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return open.get();
            } catch (SegmentNotFoundException absent) {
                try {
                    return create.get();
                } catch (SegmentExistsException lostRace) {
                    if (attempt > 100) {
                        throw lostRace;
                    }
                }
            }
        }
    }
}
