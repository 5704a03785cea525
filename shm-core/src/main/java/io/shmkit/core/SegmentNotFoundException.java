package io.shmkit.core;

/** Thrown when opening a segment whose name does not exist. */
public final class SegmentNotFoundException extends SegmentException {
    public SegmentNotFoundException(String segmentName, String message) {
        super(segmentName, message);
    }

    public SegmentNotFoundException(String segmentName, String message, Throwable cause) {
        super(segmentName, message, cause);
    }
}
