package io.shmkit.bench.ipc;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * Round trip through a pair of Agrona {@link OneToOneRingBuffer}s in one shared file, the
 * idiomatic Agrona duplex: the client writes to the ping ring and reads the pong ring, the
 * echo reads the ping ring and writes each message to the pong ring from inside its handler.
 */
final class AgronaPingPong {
    static final int RING = 64 * 1024;
    static final int MSG = 1;

    private AgronaPingPong() {}

    static final class Client implements PingPongClient {
        private final Path path = BenchNames.file(BenchNames.unique("pingpong.agrona"));
        private final OneToOneRingBuffer ping;
        private final OneToOneRingBuffer pong;
        private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        private final long[] echoed = new long[4];
        private final MessageHandler onEcho;
        private final PeerProcess peer;
        private final Spinner spinner;
        private boolean got;

        Client() {
            BenchNames.createFile(path, AgronaFiles.size(RING, RING));
            OneToOneRingBuffer[] rings = AgronaFiles.map(path, RING, RING);
            ping = rings[0];
            pong = rings[1];
            onEcho = (type, buffer, index, length) -> {
                for (int i = 0; i < 4; i++) {
                    echoed[i] = buffer.getLong(index + 8 * i);
                }
                got = true;
            };
            peer = PeerProcess.start("echo", "agronaRingBuffers", path.toString());
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                message.putLong(8 * i, PingPongClient.word(seq, i));
            }
            while (!ping.write(MSG, message, 0, MESSAGE)) {
                Thread.onSpinWait();
            }
            got = false;
            while (!got) {
                if (pong.read(onEcho, 1) == 0) {
                    spinner.spin();
                }
            }
            return PingPongClient.check(seq, echoed[0], echoed[1], echoed[2], echoed[3]);
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                BenchNames.deleteQuietly(path);
            }
        }
    }

    static void echo(Path path) {
        OneToOneRingBuffer[] rings = AgronaFiles.map(path, RING, RING);
        OneToOneRingBuffer ping = rings[0];
        OneToOneRingBuffer pong = rings[1];
        MessageHandler reply = (type, buffer, index, length) -> {
            while (!pong.write(type, buffer, index, length)) {
                Thread.onSpinWait();
            }
        };
        PeerMain.ready("");
        while (PeerMain.running()) {
            if (ping.read(reply, 1) == 0) {
                Thread.onSpinWait();
            }
        }
    }
}
