package io.shmkit.core;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What a segment's header says about it: see {@link SegmentDescriptor} for where each value is
 * stored. Immutable.
 *
 * @param name                   the segment name
 * @param path                   the file that holds it
 * @param kind                   what it holds
 * @param layout                 the canonical layout text of one element (see {@link Layouts#describe})
 * @param elementCount           number of elements (1 for a value or a single struct)
 * @param elementSize            bytes per element, the stride
 * @param elementAlignment       alignment of one element in bytes
 * @param dataOffset             offset of the first element in the file
 * @param dataSize               {@code elementCount * elementSize}
 * @param totalSize              the file size
 * @param creatorPid             process id of the creator
 * @param creatorStartEpochMillis start time of the creating process, epoch ms, 0 if unknown;
 *                               with the pid it tells a live creator from a reused pid
 * @param createdAt              when the segment was created
 * @param creator                the creating process: pid, start ticks, namespaces and boot
 *                               (see {@link ProcessIdentity}); {@code creator().liveness()}
 *                               says whether it still runs
 * @param instanceId             a random number chosen at creation: a segment created later
 *                               under the same name has another (0 in a segment whose
 *                               creator wrote none)
 */
public record SegmentInfo(
        String name,
        Path path,
        SegmentKind kind,
        String layout,
        long elementCount,
        long elementSize,
        long elementAlignment,
        long dataOffset,
        long dataSize,
        long totalSize,
        long creatorPid,
        long creatorStartEpochMillis,
        Instant createdAt,
        ProcessIdentity creator,
        long instanceId) {

    /** One line, e.g. {@code points STRUCT_ARRAY Point{x:f64@0,y:f64@8}#16 x 3 (48 data bytes, 640 in file)}. */
    public String summary() {
        return name + " " + kind + " " + layout + " x " + elementCount + " (" + dataSize + " data bytes, " + totalSize
                + " in file, created by pid " + creatorPid + " at " + createdAt + ")";
    }
}
