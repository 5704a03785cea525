package io.shmkit.core;

/**
 * The name refers to a file that shmkit will not trust: a symbolic link in a directory that
 * does not follow links, a file owned by another user in a directory that does not trust other
 * users, or a file swapped in between the checks and the open. Nothing is read from it, nothing
 * is written to it, and it is never removed. See {@code docs/format.md}, "Security".
 */
public final class UntrustedSegmentException extends SegmentException {

    public UntrustedSegmentException(String segmentName, String message) {
        super(segmentName, message);
    }
}
