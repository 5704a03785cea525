package io.shmkit.msg;

import io.shmkit.sync.LockHolder;
import java.util.List;
import java.util.Optional;

/**
 * A queue's state at one moment, for monitoring (the {@code shm} command, a producer that wants
 * to know why the queue stays full).
 *
 * @param name          the queue
 * @param producers     "one producer" or "many producers"
 * @param capacity      ring bytes
 * @param maxMessage    largest message
 * @param recordLayout  the record layout text, empty for byte messages
 * @param head          bytes ever consumed
 * @param tail          bytes ever claimed
 * @param depthBytes    {@code tail - head}
 * @param depthMessages messages (and claims being written) between head and tail
 * @param unblocked     messages dropped because their writer died half-way
 * @param claimTakeovers times a producer took the claimer word from a dead process
 * @param consumer      the consumer role's holder, with its liveness; empty if none
 * @param producerList  the producer role's holders, with their liveness
 * @param endOfStream   whether every producer that attached closed and all was consumed
 */
public record QueueStatus(String name, String producers, long capacity, int maxMessage, String recordLayout, long head,
                          long tail, long depthBytes, long depthMessages, long unblocked, long claimTakeovers,
                          Optional<LockHolder> consumer,
                          List<LockHolder> producerList, boolean endOfStream) {
    /** Whether a consumer is attached and alive. */
    public boolean hasLiveConsumer() {
        return consumer.map(LockHolder::alive).orElse(false);
    }
}
