package io.shmkit.net;

/**
 * The receiving bridge refused the link: its queue holds another record layout (the message
 * names the first field that differs), or takes smaller messages than the sending queue.
 */
public final class BridgeRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BridgeRefusedException(String message) {
        super(message);
    }
}
