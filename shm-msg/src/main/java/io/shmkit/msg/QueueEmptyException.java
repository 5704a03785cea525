package io.shmkit.msg;

import io.shmkit.core.SegmentException;

/**
 * A read that must return a message found none: the queue stayed empty for the whole timeout,
 * or was empty for a non-blocking read (Python's {@code queue.Empty}). Names the queue.
 */
public final class QueueEmptyException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public QueueEmptyException(String queue, String message) {
        super(queue, message);
    }
}
