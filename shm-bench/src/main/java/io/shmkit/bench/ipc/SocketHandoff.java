package io.shmkit.bench.ipc;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Handoff over a Unix-domain {@link SocketChannel}: the producer writes its doubles from a
 * direct buffer, the consumer reads them into its own direct buffer. The kernel copies twice
 * (into the socket buffer and out of it) and Java not at all.
 */
final class SocketHandoff {
    private SocketHandoff() {}

    static final class Consumer implements HandoffConsumer {
        private final Path path = BenchNames.file(BenchNames.unique("handoff.sock"));
        private final PeerProcess peer;
        private final SocketChannel channel;
        private final ByteBuffer request = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        private final ByteBuffer received;
        private final MemorySegment view;

        Consumer(int n) throws IOException {
            received = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder());
            view = MemorySegment.ofBuffer(received);
            peer = PeerProcess.start("handoff", "unixSocket", Integer.toString(n), path.toString());
            channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
        }

        @Override
        public MemorySegment fetch(long seq) throws IOException {
            Streams.writeFully(channel, request.clear().putLong(0, seq));
            if (!Streams.readFully(channel, received.clear())) {
                throw new IOException("the producer closed the socket");
            }
            return view;
        }

        @Override
        public void close() {
            try {
                channel.close();
                peer.stop();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                peer.close(); // the stop above did not run if the channel failed to close
                BenchNames.deleteQuietly(path);
            }
        }
    }

    static void serve(int n, Path path) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            ByteBuffer request = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            ByteBuffer data = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder());
            Payload.fill(MemorySegment.ofBuffer(data), n);
            PeerMain.ready("");
            try (SocketChannel channel = server.accept()) {
                while (Streams.readFully(channel, request.clear())) {
                    data.putDouble(0, request.getLong(0));
                    Streams.writeFully(channel, data.clear());
                }
            }
        } finally {
            BenchNames.deleteQuietly(path);
        }
    }
}
