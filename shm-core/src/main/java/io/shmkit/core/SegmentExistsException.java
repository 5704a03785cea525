package io.shmkit.core;

/** Thrown when creating a segment whose name already exists. */
public final class SegmentExistsException extends SegmentException {
    public SegmentExistsException(String segmentName, String message) {
        super(segmentName, message);
    }

    public SegmentExistsException(String segmentName, String message, Throwable cause) {
        super(segmentName, message, cause);
    }
}
