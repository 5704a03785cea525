package io.shmkit.bench.ipc;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Round trips over a Unix-domain socket ({@code unixSocketSpin}) or TCP on loopback with Nagle
 * off ({@code tcpSpin}), busy-polling: both sides put the connected channel in non-blocking
 * mode and call {@code read} again while it returns 0, as a latency-tuned socket program does.
 * Beside the blocking rows of {@link StreamPingPong} this separates what spinning buys from
 * what the kernel costs, so shared memory is compared with the kernel and not only with a
 * sleeping thread's wake-up.
 */
final class SpinSocketPingPong {
    private SpinSocketPingPong() {}

    static final class Client implements PingPongClient {
        private final Path path;
        private final PeerProcess peer;
        private final SocketChannel channel;
        private final Spinner spinner;
        private final ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE).order(ByteOrder.nativeOrder());
        private final ByteBuffer echo = ByteBuffer.allocateDirect(MESSAGE).order(ByteOrder.nativeOrder());

        Client(String transport) throws IOException {
            SocketAddress address;
            if (isTcp(transport)) {
                path = null;
                peer = PeerProcess.start("echo", transport, "-");
                address = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(peer.readyInfo()));
            } else {
                path = BenchNames.file(BenchNames.unique("pingpong.sock"));
                peer = PeerProcess.start("echo", transport, path.toString());
                address = UnixDomainSocketAddress.of(path);
            }
            try {
                channel = SocketChannel.open(address); // a blocking connect: only the round trips spin
                if (path == null) {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                channel.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                peer.close();
                if (path != null) {
                    BenchNames.deleteQuietly(path);
                }
                throw e;
            }
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) throws IOException {
            for (int i = 0; i < 4; i++) {
                message.putLong(8 * i, PingPongClient.word(seq, i));
            }
            message.clear();
            while (message.hasRemaining()) {
                if (channel.write(message) == 0) {
                    spinner.spin(); // a full send buffer: cannot happen with one 32-byte message in flight
                }
            }
            echo.clear();
            while (echo.hasRemaining()) {
                int got = channel.read(echo);
                if (got == 0) {
                    spinner.spin();
                } else if (got < 0) {
                    throw new EOFException("the echo closed the socket after " + echo.position() + " of "
                            + MESSAGE + " bytes");
                }
            }
            return PingPongClient.check(seq, echo.getLong(0), echo.getLong(8), echo.getLong(16), echo.getLong(24));
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

    static boolean isTcp(String transport) {
        return transport.equals("tcpSpin");
    }

    /**
     * The echo: accepts one connection and returns every message, spinning on non-blocking
     * reads. Stops at the client's end of stream or when this JVM's stdin ends, whichever
     * comes first, even before a client connected.
     */
    static void echo(String transport, String endpoint) throws IOException {
        boolean tcp = isTcp(transport);
        try (ServerSocketChannel server = ServerSocketChannel.open(tcp ? StandardProtocolFamily.INET : StandardProtocolFamily.UNIX)) {
            if (tcp) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            } else {
                server.bind(UnixDomainSocketAddress.of(Path.of(endpoint)));
            }
            server.configureBlocking(false);
            PeerMain.ready(tcp ? Integer.toString(((InetSocketAddress) server.getLocalAddress()).getPort()) : "");
            SocketChannel accepted;
            while ((accepted = server.accept()) == null) {
                if (!PeerMain.running()) {
                    return;
                }
                LockSupport.parkNanos(100_000); // waiting for the connection is not measured: no need to spin
            }
            try (SocketChannel channel = accepted) {
                if (tcp) {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                channel.configureBlocking(false);
                ByteBuffer message = ByteBuffer.allocateDirect(PingPongClient.MESSAGE);
                while (readSpinning(channel, message.clear())) {
                    message.flip();
                    while (message.hasRemaining()) {
                        if (channel.write(message) == 0) {
                            Thread.onSpinWait();
                        }
                    }
                }
            }
        } finally {
            if (!tcp) {
                BenchNames.deleteQuietly(Path.of(endpoint));
            }
        }
    }

    /** Fills {@code buffer}; false at the end of the stream before its first byte or when stdin ended. */
    private static boolean readSpinning(SocketChannel in, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int got = in.read(buffer);
            if (got < 0) {
                if (buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("end of stream after " + buffer.position() + " of " + buffer.limit() + " bytes");
            }
            if (got == 0) {
                if (!PeerMain.running()) {
                    return false;
                }
                Thread.onSpinWait();
            }
        }
        return true;
    }
}
