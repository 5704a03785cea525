package io.shmkit.msg;

import io.shmkit.msg.Pipe.End;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * One end of a {@link Pipe}: Python's {@code multiprocessing.connection.Connection}, with
 * {@code send}, {@code recv} and {@code poll(timeout)}, for byte messages or records. A message
 * is written once into shared memory, never pickled or copied through the kernel.
 *
 * <p>{@link #close()} ends the stream: once the other end has received everything sent before,
 * its {@code recv} throws {@link EndOfStreamException} (Python's {@code EOFError}) instead of
 * waiting, and so it does if this process dies. Sending to an end whose process died fails with
 * {@link QueueFullException} naming it once the queue is full.
 *
 * <p>Not thread-safe (nor is Python's): one thread at a time, or one sender and one receiver.
 *
 * @param <T> {@code byte[]} or a record type
 */
public final class Connection<T> implements AutoCloseable {
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    private final String name;
    private final End end;
    private final MessageCodec<T> codec;
    private final MessageQueue in;
    private final MessageQueue out;
    private final QueueConsumer receiver;
    private final QueueProducer sender;
    private final Decoder decoder = new Decoder();

    Connection(String name, End end, MessageCodec<T> codec, MessageQueue in, MessageQueue out) {
        this.name = name;
        this.end = end;
        this.codec = codec;
        this.in = in;
        this.out = out;
        QueueConsumer r = null;
        try {
            r = in == null ? null : in.consumer();
            this.sender = out == null ? null : out.producer();
        } catch (RuntimeException e) {
            if (r != null) {
                r.close();
            }
            closeQueues();
            throw e;
        }
        this.receiver = r;
    }

    /** Sends a message, waiting while the pipe is full (and the other end lives). */
    public void send(T message) throws InterruptedException {
        send(message, FOREVER);
    }

    /**
     * Sends a message, waiting up to {@code timeout} while the pipe is full.
     *
     * @throws QueueFullException       if it stayed full, or the receiving end is dead
     * @throws IllegalStateException    if this end only receives
     * @throws IllegalArgumentException if the message is longer than the pipe takes, naming both sizes
     */
    public void send(T message, Duration timeout) throws InterruptedException {
        if (sender == null) {
            throw new IllegalStateException("end " + end + " of one-way pipe '" + name + "' only receives");
        }
        codec.writeAndCommit(message, sender.claim(1, codec.length(out.name, message), timeout));
    }

    /**
     * Receives a message, waiting as long as it takes.
     *
     * @throws EndOfStreamException  if the other end closed (or died) and everything was received
     * @throws IllegalStateException if this end only sends
     */
    public T recv() throws InterruptedException {
        T message = recv(FOREVER);
        assert message != null;
        return message;
    }

    /**
     * Receives a message, waiting up to {@code timeout}.
     *
     * @return the message, or null if none came in time
     * @throws EndOfStreamException as {@link #recv()}
     */
    public T recv(Duration timeout) throws InterruptedException {
        receiving();
        decoder.message = null;
        receiver.read(decoder, 1, timeout);
        T message = decoder.message;
        decoder.message = null;
        return message;
    }

    /**
     * Whether a message can be received now, or the stream has ended (so that {@link #recv()}
     * returns or throws at once), waiting up to {@code timeout} for either; as Python's {@code poll}.
     */
    public boolean poll(Duration timeout) throws InterruptedException {
        receiving();
        try {
            return receiver.await(timeout);
        } catch (EndOfStreamException ended) {
            return true;
        }
    }

    private void receiving() {
        if (receiver == null) {
            throw new IllegalStateException("end " + end + " of one-way pipe '" + name + "' only sends");
        }
    }

    /** The pipe's name. */
    public String name() {
        return name;
    }

    /** Which end this is. */
    public End end() {
        return end;
    }

    /** The queue this end receives from (null if it only sends), for status. */
    public MessageQueue incoming() {
        return in;
    }

    /** The queue this end sends to (null if it only receives), for status. */
    public MessageQueue outgoing() {
        return out;
    }

    /** Ends the stream towards the other end and gives this end back. Idempotent. */
    @Override
    public void close() {
        try {
            if (sender != null) {
                sender.close();
            }
            if (receiver != null) {
                receiver.close();
            }
        } finally {
            closeQueues();
        }
    }

    private void closeQueues() {
        if (in != null) {
            in.close();
        }
        if (out != null) {
            out.close();
        }
    }

    /** Removes the pipe's queue names (while they are still these queues). */
    public void unlink() {
        if (in != null) {
            in.unlink();
        }
        if (out != null) {
            out.unlink();
        }
    }

    @Override
    public String toString() {
        return "Connection[" + name + ", " + end + "]";
    }

    private final class Decoder implements MessageHandler {
        T message;

        @Override
        public void onMessage(int type, MemorySegment buffer, long offset, int length) {
            message = codec.read(in.name, buffer, offset, length);
        }
    }
}
