package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.shmkit.core.RecordCodec;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * How the object-valued facades ({@link SharedQueue}, {@link Connection}) turn a message into
 * bytes in the ring and back: {@code byte[]} as they are, records as shm-core lays out structs.
 * Immutable.
 *
 * @param <T> the message type
 */
abstract sealed class MessageCodec<T> {
    /** Byte messages: copied in and out. */
    static final MessageCodec<byte[]> BYTES = new Bytes();

    /** The record layout text queues of this codec carry, empty for bytes. */
    abstract String layoutText();

    /** The record type, or null for byte messages. */
    Class<? extends Record> recordType() {
        return null;
    }

    /** The record size, 0 for bytes. */
    abstract int recordSize();

    abstract int length(String queue, T value);

    abstract void write(T value, MemorySegment buffer, long offset);

    abstract T read(String queue, MemorySegment buffer, long offset, int length);

    /** Writes {@code value} into {@code claim} and commits it; if it cannot be written, aborts the claim and throws. */
    final void writeAndCommit(T value, Claim claim) {
        try {
            write(value, claim.buffer(), claim.offset());
        } catch (RuntimeException e) {
            claim.abort();
            throw e;
        }
        claim.commit();
    }

    static <R extends Record> MessageCodec<R> records(Class<R> type) {
        return records(RecordCodec.of(type));
    }

    static <R extends Record> MessageCodec<R> records(RecordCodec<R> codec) {
        return new Records<>(codec);
    }

    /** {@code options}, its largest message raised to this codec's record size; throws if the ring is too small for one. */
    QueueOptions fit(QueueOptions options) {
        return fit(options, recordSize(), layoutText());
    }

    /** {@code options}, its largest message raised to {@code size}; throws if the ring is too small for one. */
    static QueueOptions fit(QueueOptions options, int size, String layoutText) {
        if (size > QueueOptions.largestMessage(options.capacity())) {
            throw new IllegalArgumentException("a record of " + layoutText + " is " + size + " bytes; a ring of "
                    + options.capacity() + " bytes takes messages up to " + QueueOptions.largestMessage(options.capacity()));
        }
        return options.withMaxMessageLength(Math.max(size, options.maxMessageLength()));
    }

    private static final class Bytes extends MessageCodec<byte[]> {
        @Override
        String layoutText() {
            return "";
        }

        @Override
        int recordSize() {
            return 0;
        }

        @Override
        int length(String queue, byte[] value) {
            return value.length;
        }

        @Override
        void write(byte[] value, MemorySegment buffer, long offset) {
            MemorySegment.copy(value, 0, buffer, JAVA_BYTE, offset, value.length);
        }

        @Override
        byte[] read(String queue, MemorySegment buffer, long offset, int length) {
            return buffer.asSlice(offset, length).toArray(JAVA_BYTE);
        }
    }

    private static final class Records<R extends Record> extends MessageCodec<R> {
        private final RecordCodec<R> codec;
        private final int size;
        private final String layout;

        Records(RecordCodec<R> codec) {
            this.codec = codec;
            this.size = (int) codec.layout().byteSize();
            this.layout = codec.layoutText();
        }

        @Override
        String layoutText() {
            return layout;
        }

        @Override
        Class<? extends Record> recordType() {
            return codec.type();
        }

        @Override
        int recordSize() {
            return size;
        }

        @Override
        int length(String queue, R value) {
            Objects.requireNonNull(value, () -> "queue '" + queue + "' takes " + codec.type().getSimpleName() + " records, not null");
            return size;
        }

        @Override
        void write(R value, MemorySegment buffer, long offset) {
            codec.write(buffer, offset, value);
        }

        @Override
        R read(String queue, MemorySegment buffer, long offset, int length) {
            checkRecordLength(queue, length, size, offset);
            return codec.read(buffer, offset);
        }
    }

    /** Throws unless a record message's payload is one record long. */
    static void checkRecordLength(String queue, int length, int size, long offset) {
        if (length != size) {
            throw MessageQueue.corrupt(queue, "a record message of " + length + " bytes at ring offset "
                    + (offset - RecordDescriptor.HEADER_LENGTH) + "; its records are " + size + " bytes");
        }
    }
}
