package io.shmkit.core;

/** How a process attaches to an existing segment. */
public enum Access {
    /** Reads and writes. */
    READ_WRITE,
    /**
     * Reads only: the file is opened and mapped read-only. Every write through a shmkit
     * object's own methods throws {@link UnsupportedOperationException} naming the segment.
     * The raw views keep their JDK behaviour: a write through {@code asSegment()} throws FFM's
     * {@link IllegalArgumentException}, one through an NIO buffer view
     * ({@code asByteBuffer()}, {@code asDoubleBuffer()}, ...) {@link java.nio.ReadOnlyBufferException};
     * neither can name the segment, since the JDK throws them.
     */
    READ_ONLY
}
