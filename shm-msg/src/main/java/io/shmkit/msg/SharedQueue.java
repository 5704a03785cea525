package io.shmkit.msg;

import io.shmkit.core.Attachable;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.sync.LockOptions;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * Python's {@code multiprocessing.Queue} (and {@code SimpleQueue}) across JVMs, over a
 * many-producer {@link MessageQueue}: {@code put}/{@code get} with timeouts and their
 * non-blocking forms, {@code qsize}, {@code empty}, {@code full}, {@code close}. Messages are
 * {@code byte[]} or records; unlike Python's, nothing is pickled or copied through the kernel: a
 * {@code put} writes the message once into shared memory.
 *
 * <pre>{@code
 * // parent                                              // child JVM
 * var results = SharedQueue.ofRecords(shm, "results",    var results = SharedQueue.ofRecords(shm, "results",
 *         Partial.class, 1 << 16);                               Partial.class, 1 << 16);
 * Partial p = results.get(Duration.ofSeconds(30));       results.put(new Partial(0, sum));
 *                                                         results.close();       // end of stream if last
 * }</pre>
 *
 * <p>Roles are taken when first needed: the first {@code put} makes this process a producer,
 * the first {@code get} its consumer (one consumer per queue; a second live one is refused).
 * {@link #close()} gives them back: once every producer closed and all was read, {@code get}
 * throws {@link EndOfStreamException} instead of waiting forever. The segment stays until
 * {@link #unlink()}. Thread-safe for puts; gets from one thread at a time.
 *
 * @param <T> {@code byte[]} or a record type
 */
public final class SharedQueue<T> implements AutoCloseable, Attachable {
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    private final MessageQueue queue;
    private final MessageCodec<T> codec;
    private QueueProducer producer;
    private QueueConsumer consumer;

    private SharedQueue(MessageQueue queue, MessageCodec<T> codec) {
        this.queue = queue;
        this.codec = codec;
    }

    /** A queue of byte messages up to an eighth of {@code capacity}, attached or created; safe to race. */
    public static SharedQueue<byte[]> ofBytes(SegmentDirectory directory, String name, long capacity) {
        return of(directory, name, MessageCodec.BYTES, capacity);
    }

    /** A queue of {@code type} records, attached (its layout checked) or created; safe to race. */
    public static <R extends Record> SharedQueue<R> ofRecords(SegmentDirectory directory, String name, Class<R> type, long capacity) {
        return of(directory, name, MessageCodec.records(type), capacity);
    }

    /**
     * Attaches to an existing queue of byte messages: what a child JVM does with a queue passed
     * to it ({@link io.shmkit.process.JvmProcess#target}).
     *
     * @throws io.shmkit.core.SegmentNotFoundException if there is none
     * @throws io.shmkit.core.SegmentLayoutException   if it is not a many-producer queue of byte messages
     */
    public static SharedQueue<byte[]> open(SegmentDirectory directory, String name) {
        return new SharedQueue<>(manyProducers(MessageQueue.open(directory, name, LockOptions.DEFAULT, "", 0)), MessageCodec.BYTES);
    }

    /** A SharedQueue takes puts from any thread and process: a one-producer queue cannot be one. */
    private static MessageQueue manyProducers(MessageQueue queue) {
        if (!queue.hasManyProducers()) {
            queue.close();
            throw new io.shmkit.core.SegmentLayoutException(queue.name(), "is a one-producer queue; a SharedQueue needs a"
                    + " many-producer one (attach it as a MessageQueue or RecordQueue instead)");
        }
        return queue;
    }

    /**
     * Attaches to an existing queue of {@code type} records, its layout checked.
     *
     * @throws io.shmkit.core.SegmentNotFoundException if there is none
     * @throws io.shmkit.core.SegmentLayoutException   if it is not a many-producer queue of these records
     */
    public static <R extends Record> SharedQueue<R> open(SegmentDirectory directory, String name, Class<R> type) {
        MessageCodec<R> codec = MessageCodec.records(type);
        return new SharedQueue<>(manyProducers(MessageQueue.open(directory, name, LockOptions.DEFAULT, codec.layoutText(),
                codec.recordSize())), codec);
    }

    /** The queue's segment: a child JVM attaches it with {@link #open}. */
    @Override
    public Ref attachment() {
        return new Ref(queue.memory.directory(), queue.name(), codec.recordType());
    }

    private static <T> SharedQueue<T> of(SegmentDirectory directory, String name, MessageCodec<T> codec, long capacity) {
        QueueOptions options = codec.fit(QueueOptions.manyProducers(capacity));
        return new SharedQueue<>(MessageQueue.openOrCreate(directory, name, options, codec.layoutText(), codec.recordSize()), codec);
    }

    private synchronized QueueProducer producer() {
        if (producer == null) {
            producer = queue.producer();
        }
        return producer;
    }

    private synchronized QueueConsumer consumer() {
        if (consumer == null) {
            consumer = queue.consumer();
        }
        return consumer;
    }

    /** Puts a message, waiting as long as the queue stays full (and its consumer lives). */
    public void put(T message) throws InterruptedException {
        put(message, FOREVER);
    }

    /**
     * Puts a message, waiting up to {@code timeout} for room.
     *
     * @throws QueueFullException if it stayed full, or its consumer is dead
     */
    public void put(T message, Duration timeout) throws InterruptedException {
        int length = codec.length(queue.name, message);
        Claim claim = producer().claim(1, length, timeout);
        write(claim, message);
    }

    /**
     * Puts a message if there is room now.
     *
     * @throws QueueFullException if the queue is full (Python's {@code queue.Full})
     */
    public void putNowait(T message) {
        Claim claim = producer().tryClaim(1, codec.length(queue.name, message));
        if (claim == null) {
            throw new QueueFullException(queue.name, "is full", 0);
        }
        write(claim, message);
    }

    private void write(Claim claim, T message) {
        codec.writeAndCommit(message, claim);
    }

    /** Takes a message, waiting as long as it takes. */
    public T get() throws InterruptedException {
        return get(FOREVER);
    }

    /**
     * Takes a message, waiting up to {@code timeout}.
     *
     * @throws QueueEmptyException  if none came (Python's {@code queue.Empty})
     * @throws EndOfStreamException if every producer closed (or died) and all was read
     */
    public T get(Duration timeout) throws InterruptedException {
        reader.message = null;
        if (consumer().read(reader, 1, timeout) == 0) {
            throw new QueueEmptyException(queue.name, "stayed empty for " + timeout);
        }
        return reader.take();
    }

    /**
     * Takes a message if one is waiting.
     *
     * @throws QueueEmptyException  if none is (Python's {@code queue.Empty})
     * @throws EndOfStreamException if every producer closed and all was read
     */
    public T getNowait() {
        reader.message = null;
        if (consumer().read(reader, 1) == 0) {
            queue.checkEndOfStream();
            throw new QueueEmptyException(queue.name, "is empty");
        }
        return reader.take();
    }

    private final Reader reader = new Reader();

    /** Decodes the message it is handed. */
    private final class Reader implements MessageHandler {
        T message;

        @Override
        public void onMessage(int type, MemorySegment buffer, long offset, int length) {
            message = codec.read(queue.name, buffer, offset, length);
        }

        T take() {
            T out = message;
            message = null;
            return out;
        }
    }

    /** Messages waiting now (a snapshot: others may put or get meanwhile). */
    public long qsize() {
        long head = queue.head();
        return queue.countMessages(head, queue.tail());
    }

    /** Whether no message is waiting now. */
    public boolean empty() {
        return queue.tail() == queue.head();
    }

    /** Whether a message of the largest size might not fit now (it may need padding to the ring's end too): advisory, as Python's. */
    public boolean full() {
        return queue.capacity - (queue.tail() - queue.head()) < RecordDescriptor.aligned(RecordDescriptor.HEADER_LENGTH
                + queue.maxMessage) * 2L;
    }

    /** The queue underneath. */
    public MessageQueue queue() {
        return queue;
    }

    /**
     * Gives back this process's roles (closing its producer ends the stream if it was the last)
     * and unmaps. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close();
        }
        if (consumer != null) {
            consumer.close();
        }
        queue.close();
    }

    /** Removes the queue's name. */
    public boolean unlink() {
        return queue.unlink();
    }
}
