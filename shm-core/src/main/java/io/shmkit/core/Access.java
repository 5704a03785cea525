package io.shmkit.core;

/** How a process attaches to an existing segment. */
public enum Access {
    /** Reads and writes. */
    READ_WRITE,
    /**
     * Reads only: the file is opened and mapped read-only, and every write through any shmkit
     * object or view throws {@link UnsupportedOperationException} naming the segment.
     */
    READ_ONLY
}
