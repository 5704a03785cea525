package io.shmkit.core;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A typed view of one named segment, mapped into this process.
 *
 * <p><b>Thread safety.</b> Objects are safe to share between threads; each accessor documents
 * its memory ordering (plain accessors give none, as plain Java fields). <b>Process
 * safety.</b> Every process that attaches to the same name sees the same bytes; the ordered
 * and atomic accessors order those bytes across processes exactly as they do across threads.
 *
 * <p><b>Lifetime.</b> {@link #close()} unmaps at once, in every thread; any later access,
 * through this object or through a view it returned, throws {@link IllegalStateException}
 * naming the segment, never a crash. Closing does not remove the name: see
 * {@link SegmentDirectory#unlink(String)}.
 */
public abstract sealed class SharedObject implements AutoCloseable, Attachable
        permits SharedValue, SharedArray, SharedStructBase, SharedMemory {
    final SegmentFile file;

    SharedObject(SegmentFile file) {
        this.file = file;
    }

    /** The segment name. */
    public final String name() {
        return file.name;
    }

    /** The directory this object was created or opened through. */
    public final SegmentDirectory directory() {
        return file.directory();
    }

    /** This segment's directory and name (and record type, for structs): a child JVM attaches it by them. */
    @Override
    public final Ref attachment() {
        return new Ref(file.directory(), file.name, recordType());
    }

    /** The record type a child passes to {@code open}, or null. */
    Class<? extends Record> recordType() {
        return null;
    }

    /** What the segment header says. */
    public final SegmentInfo info() {
        return file.info;
    }

    /**
     * An opaque key for the file this object maps: equal for two objects attached to the same
     * segment (in any mode, through any directory object), different for a segment created
     * anew under the same name. shm-sync keys this process's state of a lock by it.
     */
    public final Object fileKey() {
        return file.fileKey;
    }

    /**
     * Whether, when this process attached, the segment's file belonged to this process's user
     * and no one else could open it (no group or other permission bits). Then every process
     * that uses it runs as this user, or as root: shm-sync relies on it to tell a dead lock
     * holder from one that a {@code /proc} mounted with {@code hidepid} hides.
     */
    public final boolean isPrivateToUser() {
        return file.identity.uid() == FileChecks.SELF_UID && (file.identity.mode() & 077) == 0;
    }

    /** Whether this process attached read-only. */
    public final boolean isReadOnly() {
        return file.readOnly;
    }

    /** Whether {@link #close()} was called. */
    public final boolean isClosed() {
        return file.isClosed();
    }

    /**
     * The data as a memory segment, without copying: for bulk operations, vectorized code or
     * interop. Read-only if attached read-only; unusable after {@link #close()}.
     */
    public final MemorySegment asSegment() {
        if (file.isClosed()) {
            throw file.closedFailure();
        }
        return file.data;
    }

    /**
     * The header's lock area, without copying: {@value SegmentDescriptor#LOCK_AREA_LENGTH} bytes
     * at {@link SegmentDescriptor#LOCK_AREA_OFFSET}, zero when the segment is created, where
     * shm-sync keeps this object's built-in locks. It is the only part of the header that
     * changes; writing anything but lock words there is a misuse that other processes' locks
     * will misread. Read-only if attached read-only; unusable after {@link #close()}.
     */
    public final MemorySegment lockArea() {
        if (file.isClosed()) {
            throw file.closedFailure();
        }
        return file.file.asSlice(SegmentDescriptor.LOCK_AREA_OFFSET, SegmentDescriptor.LOCK_AREA_LENGTH);
    }

    /** The data as a zero-copy native-order {@link ByteBuffer}, or a clear refusal when it is too large for one. */
    final ByteBuffer nativeByteBuffer() {
        MemorySegment data = asSegment();
        if (data.byteSize() > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("segment '" + name() + "' holds " + data.byteSize()
                    + " bytes; a java.nio buffer addresses at most " + Integer.MAX_VALUE + ": use asSegment()");
        }
        return data.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /**
     * Writes changed pages to the storage device, for segments in a persistent
     * {@link SegmentDirectory}; on {@code /dev/shm} it has nothing to do. No-op if read-only.
     */
    public final void force() {
        file.force();
    }

    /**
     * Unmaps the segment; idempotent. The name and the data stay for other processes.
     *
     * @throws IllegalStateException naming the segment if another thread is inside an access
     *         to its memory right now (NIO I/O on a view from {@code asByteBuffer()}, say): the
     *         mapping cannot go while it is in use, so the segment stays open and usable, and
     *         a later {@code close()} closes it
     */
    @Override
    public final void close() {
        file.close();
    }

    /**
     * Removes the segment's name, but only while it still refers to this segment: if the name
     * was unlinked and created again by someone else since this object attached, the new
     * segment is left alone. Works on a closed object too.
     *
     * @return whether the name was removed
     */
    public final boolean unlink() {
        return file.unlinkIfSame();
    }

    /** E.g. {@code SharedDoubleArray[xs, f64 x 4, read-write: 1.0, 2.0, 3.0, 4.0]}. */
    @Override
    public final String toString() {
        String head = getClass().getSimpleName() + "[" + name() + ", " + file.info.layout()
                + (file.info.kind() == SegmentKind.ARRAY || file.info.kind() == SegmentKind.STRUCT_ARRAY
                        ? " x " + file.info.elementCount() : "");
        if (file.isClosed()) {
            return head + ", closed]";
        }
        try {
            return head + (isReadOnly() ? ", read-only" : "") + ": " + preview() + "]";
        } catch (IllegalStateException closedMeanwhile) {
            return head + ", closed]";
        }
    }

    /** A short rendering of the contents for {@link #toString()}. */
    abstract String preview();

    static final int PREVIEW_ELEMENTS = 8;

    static String previewSuffix(long length) {
        return length > PREVIEW_ELEMENTS ? ", ... (" + (length - PREVIEW_ELEMENTS) + " more)" : "";
    }
}
