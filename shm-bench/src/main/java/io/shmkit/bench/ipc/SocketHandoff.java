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
 * Handoff over a Unix-domain {@link SocketChannel} with 4 MiB socket buffers: the producer
 * writes its doubles from a direct buffer, the consumer reads them into its own direct buffer
 * and sums them there. The kernel copies twice (into the socket buffer and out of it) and Java
 * not at all. Blocking, or (spin) non-blocking with both sides busy-polling, which separates
 * the cost of the kernel's copies from that of its wake-ups.
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
        private final int n;
        private final boolean spin;
        private final Spinner spinner;

        Consumer(int n, boolean spin) throws IOException {
            this.n = n;
            this.spin = spin;
            received = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder());
            view = MemorySegment.ofBuffer(received);
            peer = PeerProcess.start("handoff", spin ? "unixSocketSpin" : "unixSocket", Integer.toString(n), path.toString());
            spinner = new Spinner(peer);
            channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
            tune(channel, spin);
        }

        @Override
        public double handoff(long seq) throws IOException {
            write(channel, request.clear().putLong(0, seq), spin ? spinner : null);
            if (!read(channel, received.clear(), spin ? spinner : null)) {
                throw new IOException("the producer closed the socket");
            }
            return Payload.sumChecked(view, n, seq);
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

    /** 4 MiB socket buffers (the kernel may cap them at net.core.*mem_max), and non-blocking for spinning. */
    static void tune(SocketChannel channel, boolean spin) throws IOException {
        channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4 << 20);
        channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.configureBlocking(!spin);
    }

    /** Fills {@code buffer}; spinning on a non-blocking channel when {@code spinner} is given. */
    static boolean read(SocketChannel channel, ByteBuffer buffer, Spinner spinner) throws IOException {
        if (spinner == null) {
            return Streams.readFully(channel, buffer);
        }
        while (buffer.hasRemaining()) {
            int got = channel.read(buffer);
            if (got < 0) {
                return false;
            }
            if (got == 0) {
                spinner.spin();
            }
        }
        return true;
    }

    static void write(SocketChannel channel, ByteBuffer buffer, Spinner spinner) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0 && spinner != null) {
                spinner.spin();
            }
        }
    }

    static void serve(int n, Path path, boolean spin) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            ByteBuffer request = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            ByteBuffer data = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder());
            MemorySegment dataView = MemorySegment.ofBuffer(data);
            PeerMain.ready("");
            try (SocketChannel channel = server.accept()) {
                tune(channel, spin);
                Spinner idle = spin ? Spinner.untilStopped() : null;
                while (read(channel, request.clear(), idle)) {
                    Payload.fill(dataView, n, request.getLong(0));
                    write(channel, data.clear(), idle);
                }
            }
        } finally {
            BenchNames.deleteQuietly(path);
        }
    }
}
