package io.shmkit.msg;

import io.shmkit.core.SegmentException;

/**
 * A blocking write gave up: the queue stayed full for the whole timeout, or its consumer is
 * dead and nothing will make room (Python's {@code queue.Full}). Names the queue, and the
 * consumer's pid where there is one.
 */
public final class QueueFullException extends SegmentException {
    private static final long serialVersionUID = 1L;
    private final long consumerPid;

    public QueueFullException(String queue, String message, long consumerPid) {
        super(queue, message);
        this.consumerPid = consumerPid;
    }

    /** The consumer's pid when the write gave up, 0 if no consumer was attached. */
    public long consumerPid() {
        return consumerPid;
    }
}
