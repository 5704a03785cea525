package io.shmkit.bench.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The mailbox of {@link ShmkitPingPong} written on Agrona instead of shmkit, so that the
 * ping-pong compares mailbox with mailbox (the ring-buffer pair of {@link AgronaPingPong}
 * stays as the ring reference). Same layout, same protocol, same memory ordering:
 *
 * <ul>
 *   <li>a ping slot at long 0 (byte 0) and a pong slot at long 16 (byte 128), in a 256-byte
 *       file of the shared-memory directory that both JVMs map with {@link FileChannel#map}
 *       and wrap in an {@link UnsafeBuffer}, as an Agrona user shares memory between
 *       processes;</li>
 *   <li>each slot is a sequence word followed by the 32-byte message;</li>
 *   <li>the writer stores the message with plain {@code putLong}s and then the sequence with
 *       {@code putLongRelease} (Agrona 2's name for {@code putLongOrdered}), the reader spins on
 *       {@code getLongAcquire}: exactly shmkit's {@code setRelease}/{@code getAcquire}. (A
 *       {@code getLongVolatile} would compile to the same plain load on x86, but would be a
 *       stronger fence than shmkit's elsewhere, so acquire it is.)</li>
 * </ul>
 */
final class AgronaMailboxPingPong {
    static final int PING = ShmkitPingPong.PING * Long.BYTES;
    static final int PONG = ShmkitPingPong.PONG * Long.BYTES;
    /** 32 longs, as the shmkit mailbox's {@code SharedLongArray}. */
    static final int SIZE = 32 * Long.BYTES;

    private AgronaMailboxPingPong() {}

    static final class Client implements PingPongClient {
        private final Path path = BenchNames.file(BenchNames.unique("pingpong.mailbox"));
        private final UnsafeBuffer slots;
        private final PeerProcess peer;
        private final Spinner spinner;

        Client() {
            BenchNames.createFile(path, SIZE);
            try {
                slots = map(path);
                peer = PeerProcess.start("echo", "agronaMailbox", path.toString());
            } catch (RuntimeException e) {
                BenchNames.deleteQuietly(path);
                throw e;
            }
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                slots.putLong(PING + Long.BYTES * (1 + i), PingPongClient.word(seq, i));
            }
            slots.putLongRelease(PING, seq);
            while (slots.getLongAcquire(PONG) != seq) {
                spinner.spin();
            }
            return PingPongClient.check(seq, slots.getLong(PONG + 8), slots.getLong(PONG + 16),
                    slots.getLong(PONG + 24), slots.getLong(PONG + 32));
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                peer.close();
                BenchNames.deleteQuietly(path);
            }
        }
    }

    /** Maps the whole mailbox file; the mapping lives as long as the buffer does. */
    static UnsafeBuffer map(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path, e);
        }
    }

    static void echo(Path path) {
        UnsafeBuffer slots = map(path);
        PeerMain.ready("");
        long last = 0;
        while (PeerMain.running()) {
            long seq = slots.getLongAcquire(PING);
            if (seq == last) {
                Thread.onSpinWait();
                continue;
            }
            for (int i = 1; i <= 4; i++) {
                slots.putLong(PONG + Long.BYTES * i, slots.getLong(PING + Long.BYTES * i));
            }
            slots.putLongRelease(PONG, seq);
            last = seq;
        }
    }
}
