package io.shmkit.core;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A named fixed-length array of scalars: Python's {@code multiprocessing.Array}/{@code RawArray}
 * across JVMs. One subclass per primitive type ({@link SharedLongArray},
 * {@link SharedDoubleArray}, ...) and {@link SharedByteString} for {@code c_char} arrays.
 * Lengths are {@code long}: arrays larger than 2 GiB work.
 */
public abstract sealed class SharedArray extends SharedObject
        permits SharedBooleanArray, SharedByteArray, SharedShortArray, SharedCharArray, SharedIntArray, SharedLongArray,
        SharedFloatArray, SharedDoubleArray, SharedByteString {
    final long length;
    final MemorySegment data;

    SharedArray(SegmentFile file) {
        super(file);
        this.length = file.info.elementCount();
        this.data = file.data;
    }

    /** Number of elements. */
    public final long length() {
        return length;
    }

    /** Checks that {@code [index, index + count)} lies inside the array, naming the segment if not. */
    final void checkRange(long index, long count) {
        try {
            Objects.checkFromIndexSize(index, count, length);
        } catch (IndexOutOfBoundsException e) {
            throw file.failure(e);
        }
    }
}
