package io.shmkit.core;

/** Thrown when a segment holds a different kind or layout than the caller asked for; the message shows both, field by field. */
public final class SegmentLayoutException extends SegmentException {
    public SegmentLayoutException(String segmentName, String message) {
        super(segmentName, message);
    }

    public SegmentLayoutException(String segmentName, String message, Throwable cause) {
        super(segmentName, message, cause);
    }
}
