package io.shmkit.msg;

/**
 * Every producer of the queue has closed and every message was consumed: nothing will come
 * (until a producer attaches again). Thrown by blocking reads instead of waiting forever.
 */
public final class EndOfStreamException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public EndOfStreamException(String message) {
        super(message);
    }
}
