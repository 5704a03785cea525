package io.shmkit.core;

/**
 * Base of the exceptions shmkit throws when a segment cannot be created, opened or used as
 * asked. The message always names the segment; {@link #segmentName()} returns it.
 */
public class SegmentException extends RuntimeException {
    private final String segmentName;

    public SegmentException(String segmentName, String message) {
        this(segmentName, message, null);
    }

    public SegmentException(String segmentName, String message, Throwable cause) {
        super("segment '" + segmentName + "' " + message, cause);
        this.segmentName = segmentName;
    }

    /** The name of the segment concerned. */
    public String segmentName() {
        return segmentName;
    }
}
