package io.shmkit.core;

/**
 * A named single scalar: Python's {@code multiprocessing.Value}/{@code RawValue} across JVMs.
 * One subclass per primitive type ({@link SharedLong}, {@link SharedDouble}, ...), each with
 * plain, acquire/release and volatile accessors, and atomic updates where the hardware has them.
 */
public abstract sealed class SharedValue extends SharedObject
        permits SharedBoolean, SharedByte, SharedShort, SharedChar, SharedInt, SharedLong, SharedFloat, SharedDouble {
    SharedValue(SegmentFile file) {
        super(file);
    }
}
