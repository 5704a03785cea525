package io.shmkit.msg;

import io.shmkit.core.RecordCodec;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.sync.LockOptions;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A queue of one record type, laid out as shm-core lays out structs ({@code docs/layouts.md}):
 * its layout text is in the queue's descriptor and checked on attach, so a process that expects
 * another layout is refused field by field ({@link SegmentLayoutException}) before it reads a
 * byte. Each message is one record, type id 1.
 *
 * <pre>{@code
 * record Tick(long time, double price) {}
 * static final StructField.OfDouble PRICE = StructField.ofDouble(Tick.class, "price");
 *
 * try (var ticks = RecordQueue.openOrCreate(shm, "ticks", Tick.class, QueueOptions.oneProducer(1 << 16));
 *      var producer = ticks.producer()) {
 *     producer.offer(new Tick(1, 99.5));                    // a copy, as a record
 *     Claim claim = producer.tryClaim();                     // or in place, no allocation
 *     PRICE.set(claim.buffer(), claim.offset(), 100.25);
 *     claim.commit();
 * }
 * }</pre>
 *
 * <p>Roles, deaths, thread-safety: those of {@link MessageQueue}, which this wraps.
 *
 * @param <T> the record type
 */
public final class RecordQueue<T extends Record> implements AutoCloseable, io.shmkit.core.Attachable {
    /** The type id every record message carries. */
    public static final int RECORD_TYPE = 1;

    private final MessageQueue queue;
    private final RecordCodec<T> codec;
    private final MessageCodec<T> messages;
    private final int size;

    private RecordQueue(MessageQueue queue, RecordCodec<T> codec) {
        this.queue = queue;
        this.codec = codec;
        this.messages = MessageCodec.records(codec);
        this.size = (int) codec.layout().byteSize();
    }

    /** The queue's segment: a child JVM attaches it with {@link #open(SegmentDirectory, String, Class)}. */
    @Override
    public Ref attachment() {
        return new Ref(queue.memory.directory(), queue.name(), codec.type());
    }

    /** Creates a queue of {@code type} records; {@code options}' largest message is raised to the record's size if needed. */
    public static <T extends Record> RecordQueue<T> create(SegmentDirectory directory, String name, Class<T> type,
            QueueOptions options) {
        RecordCodec<T> codec = RecordCodec.of(type);
        return new RecordQueue<>(MessageQueue.create(directory, name, MessageCodec.fit(options, (int) codec.layout().byteSize(), codec.layoutText()),
                codec.layoutText(), (int) codec.layout().byteSize()), codec);
    }

    /**
     * Attaches to an existing queue of {@code type} records.
     *
     * @throws SegmentLayoutException if it holds byte messages or another record layout, field by field
     */
    public static <T extends Record> RecordQueue<T> open(SegmentDirectory directory, String name, Class<T> type) {
        return open(directory, name, type, LockOptions.DEFAULT);
    }

    /** As {@link #open(SegmentDirectory, String, Class)}, its ends waiting as {@code waiting} says. */
    public static <T extends Record> RecordQueue<T> open(SegmentDirectory directory, String name, Class<T> type,
            LockOptions waiting) {
        RecordCodec<T> codec = RecordCodec.of(type);
        return new RecordQueue<>(MessageQueue.open(directory, name, waiting, codec.layoutText(), (int) codec.layout().byteSize()),
                codec);
    }

    /** Attaches if the name exists (checking the record layout), else creates it; safe to race. */
    public static <T extends Record> RecordQueue<T> openOrCreate(SegmentDirectory directory, String name, Class<T> type,
            QueueOptions options) {
        RecordCodec<T> codec = RecordCodec.of(type);
        return new RecordQueue<>(MessageQueue.openOrCreate(directory, name, MessageCodec.fit(options, (int) codec.layout().byteSize(), codec.layoutText()),
                codec.layoutText(), (int) codec.layout().byteSize()), codec);
    }

    /** The queue underneath, for status and names. */
    public MessageQueue queue() {
        return queue;
    }

    /** The record codec. */
    public RecordCodec<T> codec() {
        return codec;
    }

    /** Takes a producer role; see {@link MessageQueue#producer()}. */
    public Producer producer() {
        return new Producer(queue.producer());
    }

    /** Takes the consumer role; see {@link MessageQueue#consumer()}. */
    public Consumer consumer() {
        return new Consumer(queue.consumer());
    }

    @Override
    public void close() {
        queue.close();
    }

    /** Writes records; see {@link QueueProducer}. */
    public final class Producer implements AutoCloseable {
        private final QueueProducer producer;

        private Producer(QueueProducer producer) {
            this.producer = producer;
        }

        /**
         * Copies a record in if there is room now. A record that cannot be stored (a string too
         * long for its field) throws, and nothing is sent.
         *
         * @return false if the queue is full
         */
        public boolean offer(T value) {
            Claim claim = producer.tryClaim(RECORD_TYPE, size);
            if (claim == null) {
                return false;
            }
            write(claim, value);
            return true;
        }

        /** Copies a record in, waiting up to {@code timeout} for room; see {@link QueueProducer#put}. */
        public void put(T value, Duration timeout) throws InterruptedException {
            write(producer.claim(RECORD_TYPE, size, timeout), value);
        }

        private void write(Claim claim, T value) {
            messages.writeAndCommit(value, claim);
        }

        /**
         * Room for one record to write in place with {@code StructField} accessors
         * ({@code FIELD.set(claim.buffer(), claim.offset(), v)}), then {@link Claim#commit()}.
         *
         * @return the claim, or null if the queue is full
         */
        public Claim tryClaim() {
            return producer.tryClaim(RECORD_TYPE, size);
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    /** Handles one record in place: read it with {@code StructField} accessors ({@code FIELD.get(buffer, offset)}). */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(MemorySegment buffer, long offset);
    }

    /** Reads records; see {@link QueueConsumer}. */
    public final class Consumer implements AutoCloseable {
        private final QueueConsumer consumer;
        /** Hands records to a {@link RecordHandler}, or copies one out; reused, so reading allocates nothing. */
        private final Adapter adapter = new Adapter();

        private Consumer(QueueConsumer consumer) {
            this.consumer = consumer;
        }

        /** One record, copied out as a new record, if one is waiting; else null. */
        public T poll() {
            adapter.handler = null;
            consumer.read(adapter, 1);
            return adapter.take();
        }

        /**
         * Waits up to {@code timeout} for a record.
         *
         * @return it, or null if none came in time
         * @throws EndOfStreamException if every producer closed (or died) and all was read
         * @throws InterruptedException if interrupted while waiting
         */
        public T take(Duration timeout) throws InterruptedException {
            adapter.handler = null;
            consumer.read(adapter, 1, timeout);
            return adapter.take();
        }

        /** Hands up to {@code limit} records to {@code handler} in place, allocating nothing; returns how many. */
        public int read(RecordHandler handler, int limit) {
            adapter.handler = handler;
            return consumer.read(adapter, limit);
        }

        /**
         * As {@link #read(RecordHandler, int)}, waiting up to {@code timeout} for a record if none
         * is waiting.
         *
         * @return how many were handed over, 0 if none came in time
         * @throws EndOfStreamException if every producer closed (or died) and all was read
         * @throws InterruptedException if interrupted while waiting
         */
        public int read(RecordHandler handler, int limit, Duration timeout) throws InterruptedException {
            adapter.handler = handler;
            return consumer.read(adapter, limit, timeout);
        }

        /** The consumer underneath, for controlled reads and waits. */
        public QueueConsumer messages() {
            return consumer;
        }

        /** Whether every producer closed and all was read. */
        public boolean isEndOfStream() {
            return consumer.isEndOfStream();
        }

        @Override
        public void close() {
            consumer.close();
        }

        private final class Adapter implements MessageHandler {
            RecordHandler handler;
            T copy;

            @Override
            public void onMessage(int type, MemorySegment buffer, long offset, int length) {
                MessageCodec.checkRecordLength(queue.name, length, size, offset);
                if (handler != null) {
                    handler.onRecord(buffer, offset);
                } else {
                    copy = codec.read(buffer, offset);
                }
            }

            T take() {
                T out = copy;
                copy = null;
                return out;
            }
        }
    }
}
