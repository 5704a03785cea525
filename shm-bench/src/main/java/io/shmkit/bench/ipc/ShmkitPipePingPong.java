package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.Connection;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.Pipe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * Round trip through a duplex shmkit {@link Pipe}, used as Python's {@code Pipe()} is: the
 * client {@link Connection#send}s a 32-byte {@code byte[]} and {@link Connection#recv}s the
 * echo (a new {@code byte[]}), the echo {@code recv}s and {@code send}s back what it got. The
 * pipe is two one-producer queues of {@link ShmkitQueuePingPong#RING} bytes; both ends wait as
 * the queues' default {@code LockOptions} say (spin 128 times, yield 64 times, then park from
 * 1 µs doubling up to 1 ms), since the {@code Pipe} facade takes no idle strategy. So this row is
 * the convenience API with its allocation (one array per message received) and its default
 * waiting, where the queue pair is the zero-copy API spinning.
 */
final class ShmkitPipePingPong {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** How long the echo's {@code recv} waits before it checks whether to stop. */
    private static final Duration POLL = Duration.ofMillis(100);

    private ShmkitPipePingPong() {}

    static final class Client implements PingPongClient {
        private final SegmentDirectory shm = BenchNames.shm();
        private final String name = BenchNames.unique("pingpong.pipe");
        private final Connection<byte[]> connection;
        private final byte[] message = new byte[MESSAGE];
        private final PeerProcess peer;

        Client() {
            connection = Pipe.ofBytes(shm, name, Pipe.End.FIRST, true, ShmkitQueuePingPong.RING);
            try {
                peer = PeerProcess.start("echo", "shmkitPipe", name);
            } catch (RuntimeException e) {
                connection.unlink();
                connection.close();
                throw e;
            }
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                LONGS.set(message, 8 * i, PingPongClient.word(seq, i));
            }
            try {
                connection.send(message);
                byte[] echo = connection.recv();
                if (echo.length != MESSAGE) {
                    throw new IllegalStateException("echo of " + echo.length + " bytes");
                }
                return PingPongClient.check(seq, (long) LONGS.get(echo, 0), (long) LONGS.get(echo, 8),
                        (long) LONGS.get(echo, 16), (long) LONGS.get(echo, 24));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (EndOfStreamException e) {
                peer.checkAlive();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                connection.unlink();
                connection.close(); // the echo's recv sees the end of the stream
                peer.stop();
            } finally {
                peer.close();
            }
        }
    }

    static void echo(String name) throws InterruptedException {
        try (Connection<byte[]> connection = Pipe.ofBytes(BenchNames.shm(), name, Pipe.End.SECOND, true,
                ShmkitQueuePingPong.RING)) {
            PeerMain.ready("");
            while (PeerMain.running()) {
                byte[] message = connection.recv(POLL);
                if (message != null) {
                    connection.send(message);
                }
            }
        } catch (EndOfStreamException closed) {
            // the client closed its end: done
        }
    }
}
