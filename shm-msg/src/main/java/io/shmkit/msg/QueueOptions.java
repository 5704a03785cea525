package io.shmkit.msg;

import io.shmkit.sync.LockOptions;
import java.util.Objects;

/**
 * How a queue is made and how its ends wait: immutable, shared freely.
 *
 * @param producers        {@link QueueDescriptor#ONE_PRODUCER} or {@link QueueDescriptor#MANY_PRODUCERS}
 * @param capacity         ring size in bytes: a power of two from 1 KiB to 1 GiB
 * @param maxMessageLength the largest payload accepted, at most capacity / 8 - 16 (so a full
 *                         message always fits after padding)
 * @param waiting          how blocking calls wait (idle strategy), and how often a waiter checks
 *                         that the process it waits for still lives (owner-check interval):
 *                         shm-sync's {@link LockOptions}; their recovery listener is told of
 *                         dead consumers and producers whose role was taken back
 */
public record QueueOptions(int producers, long capacity, int maxMessageLength, LockOptions waiting) {
    public QueueOptions {
        Objects.requireNonNull(waiting, "waiting");
        if (producers != QueueDescriptor.ONE_PRODUCER && producers != QueueDescriptor.MANY_PRODUCERS) {
            throw new IllegalArgumentException("producers must be ONE_PRODUCER (1) or MANY_PRODUCERS (2), not " + producers);
        }
        if (Long.bitCount(capacity) != 1 || capacity < QueueDescriptor.MIN_CAPACITY || capacity > QueueDescriptor.MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be a power of two from " + QueueDescriptor.MIN_CAPACITY + " to "
                    + QueueDescriptor.MAX_CAPACITY + " bytes, not " + capacity);
        }
        if (maxMessageLength < 0 || maxMessageLength > largestMessage(capacity)) {
            throw new IllegalArgumentException("maxMessageLength must be 0 to " + largestMessage(capacity) + " for a capacity of "
                    + capacity + ", not " + maxMessageLength);
        }
    }

    /** The largest message a ring of {@code capacity} bytes takes: an eighth of it, less the header. */
    public static int largestMessage(long capacity) {
        return (int) Math.min(Integer.MAX_VALUE - 64, capacity / 8 - RecordDescriptor.HEADER_LENGTH);
    }

    /** One producer at a time (the producer role is exclusive), messages up to an eighth of the ring. */
    public static QueueOptions oneProducer(long capacity) {
        return new QueueOptions(QueueDescriptor.ONE_PRODUCER, capacity, largestMessage(capacity), LockOptions.DEFAULT);
    }

    /** Any number of producer processes and threads, messages up to an eighth of the ring. */
    public static QueueOptions manyProducers(long capacity) {
        return new QueueOptions(QueueDescriptor.MANY_PRODUCERS, capacity, largestMessage(capacity), LockOptions.DEFAULT);
    }

    public QueueOptions withMaxMessageLength(int length) {
        return new QueueOptions(producers, capacity, length, waiting);
    }

    public QueueOptions withWaiting(LockOptions options) {
        return new QueueOptions(producers, capacity, maxMessageLength, options);
    }
}
