package io.shmkit.core;

/** Thrown when a file is not a readable shmkit segment: foreign, truncated, corrupt, or of another format version or byte order. */
public final class SegmentFormatException extends SegmentException {
    public SegmentFormatException(String segmentName, String message) {
        super(segmentName, message);
    }

    public SegmentFormatException(String segmentName, String message, Throwable cause) {
        super(segmentName, message, cause);
    }
}
