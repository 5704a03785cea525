package io.shmkit.bench.ipc;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * Round trips over byte streams: the peer's stdin/stdout pipes, a Unix-domain socket, and TCP
 * on loopback with Nagle off. Blocking I/O on both sides, as a plain Java program would do.
 */
final class StreamPingPong {
    private StreamPingPong() {}

    private static long check(long seq, ByteBuffer echo) {
        return PingPongClient.check(seq, echo.getLong(0), echo.getLong(8), echo.getLong(16), echo.getLong(24));
    }

    private static void encode(long seq, ByteBuffer message) {
        for (int i = 0; i < 4; i++) {
            message.putLong(8 * i, PingPongClient.word(seq, i));
        }
    }

    static final class PipeClient implements PingPongClient {
        private final PeerProcess peer = PeerProcess.start("echo", "pipe", "-");
        private final OutputStream out = peer.toPeer();
        private final InputStream in = peer.fromPeer();
        private final byte[] message = new byte[MESSAGE];
        private final byte[] echo = new byte[MESSAGE];
        private final ByteBuffer messageView = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        private final ByteBuffer echoView = ByteBuffer.wrap(echo).order(ByteOrder.nativeOrder());

        @Override
        public long roundTrip(long seq) throws IOException {
            encode(seq, messageView);
            out.write(message);
            out.flush();
            Streams.readFully(in, echo, 0, MESSAGE);
            return check(seq, echoView);
        }

        @Override
        public void close() {
            peer.stop();
        }
    }

    static final class SocketClient implements PingPongClient {
        private final Path path;
        private final PeerProcess peer;
        private final SocketChannel channel;
        private final ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE).order(ByteOrder.nativeOrder());
        private final ByteBuffer echo = ByteBuffer.allocateDirect(MESSAGE).order(ByteOrder.nativeOrder());

        SocketClient(String transport) throws IOException {
            SocketAddress address;
            if (transport.equals("tcp")) {
                path = null;
                peer = PeerProcess.start("echo", "tcp", "-");
                address = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(peer.readyInfo()));
            } else {
                path = BenchNames.file(BenchNames.unique("pingpong.sock"));
                peer = PeerProcess.start("echo", "unixSocket", path.toString());
                address = UnixDomainSocketAddress.of(path);
            }
            channel = SocketChannel.open(address);
            if (path == null) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        }

        @Override
        public long roundTrip(long seq) throws IOException {
            encode(seq, message);
            Streams.writeFully(channel, message.clear());
            if (!Streams.readFully(channel, echo.clear())) {
                throw new IOException("the echo closed the socket");
            }
            return check(seq, echo);
        }

        @Override
        public void close() {
            try {
                channel.close();
                peer.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                peer.close(); // the stop above did not run if the channel failed to close
                if (path != null) {
                    BenchNames.deleteQuietly(path);
                }
            }
        }
    }

    static void echo(String transport, String endpoint) throws IOException {
        if (transport.equals("pipe")) {
            PeerMain.ready("");
            pump(new FileInputStream(FileDescriptor.in).getChannel(), new FileOutputStream(FileDescriptor.out).getChannel());
            return;
        }
        boolean tcp = transport.equals("tcp");
        try (ServerSocketChannel server = ServerSocketChannel.open(tcp ? StandardProtocolFamily.INET : StandardProtocolFamily.UNIX)) {
            if (tcp) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                PeerMain.ready(Integer.toString(((InetSocketAddress) server.getLocalAddress()).getPort()));
            } else {
                server.bind(UnixDomainSocketAddress.of(Path.of(endpoint)));
                PeerMain.ready("");
            }
            try (SocketChannel channel = server.accept()) {
                if (tcp) {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                pump(channel, channel);
            }
        } finally {
            if (!tcp) {
                BenchNames.deleteQuietly(Path.of(endpoint));
            }
        }
    }

    private static void pump(ReadableByteChannel in, WritableByteChannel out) throws IOException {
        ByteBuffer message = ByteBuffer.allocateDirect(PingPongClient.MESSAGE);
        while (Streams.readFully(in, message.clear())) {
            Streams.writeFully(out, message.flip());
        }
    }
}
