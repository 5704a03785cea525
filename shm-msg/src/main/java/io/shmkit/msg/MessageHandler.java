package io.shmkit.msg;

import java.lang.foreign.MemorySegment;

/**
 * Handles one message in place. The message is {@code length} bytes of {@code buffer} from
 * {@code offset}: the queue's own ring, valid only during the call (copy what must outlive it),
 * and read-only by contract. No allocation: the buffer is the same object for every message.
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(int type, MemorySegment buffer, long offset, int length);
}
