package io.shmkit.msg;

import java.lang.foreign.MemorySegment;

/**
 * Handles one message in place and says what happens next: whether the message is consumed,
 * and when the consumer's position is published (which frees ring space and makes the
 * consumption survive this process's death). See {@link MessageHandler} for the arguments.
 */
@FunctionalInterface
public interface ControlledMessageHandler {
    /** What to do after a message. */
    enum Action {
        /** Do not consume it; stop, and publish what was consumed before it. It comes again. */
        ABORT,
        /** Consume it, then stop and publish. */
        BREAK,
        /** Consume it, publish everything consumed so far now, and go on. */
        COMMIT,
        /**
         * Consume it and go on; publish at the end of the batch, or earlier once the batch has
         * gone once round the ring (its own records must be cleared before it can read on).
         */
        CONTINUE
    }

    Action onMessage(int type, MemorySegment buffer, long offset, int length);
}
