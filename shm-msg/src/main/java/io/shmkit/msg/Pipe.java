package io.shmkit.msg;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentNames;
import io.shmkit.sync.LockOptions;

/**
 * Python's {@code multiprocessing.Pipe()} across JVMs: two {@link Connection} ends joined by
 * one-producer queues in named segments. Each process connects to its end by the pipe's name;
 * the first to connect creates the queues (safe to race). A duplex pipe has a queue each way; a
 * one-way pipe (Python's {@code Pipe(duplex=False)}) has one, and its {@link End#FIRST} end can
 * only receive, its {@link End#SECOND} end only send, as in Python.
 *
 * <pre>{@code
 * // parent JVM                                             // child JVM
 * try (var conn = Pipe.ofBytes(shm, "rpc", End.FIRST,         try (var conn = Pipe.ofBytes(shm, "rpc", End.SECOND,
 *         true, 1 << 16)) {                                            true, 1 << 16)) {
 *     conn.send("ping".getBytes());                                byte[] request = conn.recv();
 *     byte[] reply = conn.recv();                                  conn.send(reply(request));
 * }                                                            }
 * }</pre>
 *
 * <p>The queues are named {@code <name>.to1} (towards the first end) and {@code <name>.to2}
 * (towards the second; duplex only); {@link Connection#unlink()} removes them. Each end's roles
 * are exclusive: a second live process connecting as the same end is refused, naming the first;
 * a dead one's end is taken over, with the messages it had not yet received.
 */
public final class Pipe {
    /** Which end of the pipe a process holds. */
    public enum End {
        /** The first end, Python's {@code conn1}: the receiving one of a one-way pipe. */
        FIRST,
        /** The second end, Python's {@code conn2}: the sending one of a one-way pipe. */
        SECOND
    }

    private Pipe() {
    }

    /**
     * Connects to {@code end} of a pipe of byte messages of up to an eighth of {@code capacity}
     * bytes, creating its queues if they do not exist.
     *
     * @throws IllegalStateException  if a live process holds that end, naming it
     * @throws io.shmkit.core.SegmentLayoutException if the names hold something else
     */
    public static Connection<byte[]> ofBytes(SegmentDirectory directory, String name, End end, boolean duplex, long capacity) {
        return ofBytes(directory, name, end, duplex, capacity, LockOptions.DEFAULT);
    }

    /**
     * As {@link #ofBytes(SegmentDirectory, String, End, boolean, long)}, this end's blocking calls
     * ({@code recv}, {@code poll}, a {@code send} to a full pipe) waiting as {@code waiting} says:
     * {@link LockOptions#withKernelWaits(boolean)} makes them sleep in the kernel.
     */
    public static Connection<byte[]> ofBytes(SegmentDirectory directory, String name, End end, boolean duplex, long capacity,
            LockOptions waiting) {
        return connect(directory, name, end, duplex, capacity, MessageCodec.BYTES, waiting);
    }

    /** As {@link #ofBytes}, for a pipe of {@code type} records, their layout checked on connect. */
    public static <R extends Record> Connection<R> ofRecords(SegmentDirectory directory, String name, Class<R> type, End end,
            boolean duplex, long capacity) {
        return ofRecords(directory, name, type, end, duplex, capacity, LockOptions.DEFAULT);
    }

    /** As {@link #ofRecords(SegmentDirectory, String, Class, End, boolean, long)}, waiting as {@code waiting} says. */
    public static <R extends Record> Connection<R> ofRecords(SegmentDirectory directory, String name, Class<R> type, End end,
            boolean duplex, long capacity, LockOptions waiting) {
        return connect(directory, name, end, duplex, capacity, MessageCodec.records(type), waiting);
    }

    /** The name of the queue that carries messages towards {@code end}. */
    public static String queueName(String name, End end) {
        return SegmentNames.validate(name + (end == End.FIRST ? ".to1" : ".to2"));
    }

    private static <T> Connection<T> connect(SegmentDirectory directory, String name, End end, boolean duplex, long capacity,
            MessageCodec<T> codec, LockOptions waiting) {
        QueueOptions options = codec.fit(QueueOptions.oneProducer(capacity)).withWaiting(waiting);
        End other = end == End.FIRST ? End.SECOND : End.FIRST;
        boolean receives = duplex || end == End.FIRST;
        boolean sends = duplex || end == End.SECOND;
        MessageQueue in = null;
        MessageQueue out = null;
        try {
            // the same order at both ends: the queue towards FIRST, then towards SECOND
            MessageQueue toFirst = MessageQueue.openOrCreate(directory, queueName(name, End.FIRST), options, codec.layoutText(),
                    codec.recordSize());
            if (end == End.FIRST) {
                in = toFirst;
            } else {
                out = toFirst;
            }
            if (duplex) {
                MessageQueue toSecond = MessageQueue.openOrCreate(directory, queueName(name, End.SECOND), options,
                        codec.layoutText(), codec.recordSize());
                if (end == End.SECOND) {
                    in = toSecond;
                } else {
                    out = toSecond;
                }
            }
            assert receives == (in != null) && sends == (out != null) : other;
            return new Connection<>(name, end, codec, in, out);
        } catch (RuntimeException e) {
            if (in != null) {
                in.close();
            }
            if (out != null) {
                out.close();
            }
            throw e;
        }
    }
}
