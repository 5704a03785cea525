package io.shmkit.bench.net;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.NetPeers;
import io.shmkit.bench.ipc.PeerProcess;
import io.shmkit.bench.report.Ratio;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The network benchmark of issue 17: a shmkit queue carried to another "host" by two bridges
 * ({@code shm-net}) over UDP loopback, against raw Aeron UDP, a TCP socket pair, and the local
 * shmkit queue, for 32-byte and 4 KiB messages.
 *
 * <pre>
 * java --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED -cp shm-bench/target/benchmarks.jar io.shmkit.bench.net.NetHarness
 *      [--rounds 5] [--idle yield|spin|backoff] [--out bench-results/net] [--smoke]
 * </pre>
 *
 * <p>This JVM is the application on host A: it sends a message and waits for its echo from an
 * echo process on host B. Each transport:
 * <ul>
 *   <li>{@code local}: two shmkit queues on {@code /dev/shm}, the echo process reading one and
 *       writing the other (no network: the floor).</li>
 *   <li>{@code bridge}: the same two queues on each host, in a directory each; host A's bridge
 *       process sends the first queue and receives the second, host B's the reverse, each with
 *       one embedded media driver; the echo process on B reads and writes B's queues.</li>
 *   <li>{@code aeron}: raw Aeron UDP: this JVM and the echo process each embed a media driver; a
 *       publication each way.</li>
 *   <li>{@code aeron+2}: the same, with two more processes whose one thread only idles as the
 *       others do: as many busy threads as the bridge row has (a control for what six runnable
 *       threads on few cores cost, not a transport).</li>
 *   <li>{@code tcp}: one TCP connection on loopback, Nagle off, blocking reads and writes.</li>
 * </ul>
 * Every process and every driver waits with the same idle strategy ({@code --idle}, default
 * {@code yield}); TCP waits in the kernel. A round runs every transport and size once, in a
 * fresh set of processes (in reverse order on even rounds): a round-trip phase (2 s of warm-up,
 * then every round trip of 3 s recorded), then a streaming phase (one thread sends flat out,
 * another receives the echoes; throughput is messages ÷ time from first send to last echo).
 * Ratios pair the transports' results round by round ({@link Ratio}).
 */
public final class NetHarness {
    static final String[] TRANSPORTS = {"local", "bridge", "aeron", "aeron+2", "tcp"};
    /** The control row: raw Aeron with this many idling processes, so that it runs as many busy threads as {@code bridge}. */
    static final String AERON_PARITY = "aeron+2";
    static final int[] SIZES = {32, 4096};
    static final long RING = 1 << 20;
    static final long WARMUP_NANOS = 2_000_000_000L;
    static final long MEASURE_NANOS = 3_000_000_000L;

    /** How long each phase runs: the real run's, or a smoke run's (proves it all works, measures nothing). */
    record Phases(long warmupNanos, long measureNanos, int streamSmall, int streamLarge) {
        static final Phases REAL = new Phases(WARMUP_NANOS, MEASURE_NANOS, 300_000, 30_000);
        static final Phases SMOKE = new Phases(100_000_000L, 200_000_000L, 2_000, 200);
    }

    private NetHarness() {}

    /** One transport, one size, one round. */
    record Result(String transport, int size, int round, double p50, double p90, double p99, long roundTrips,
                  double messagesPerSecond) {}

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        Phases phases = Phases.REAL;
        String idle = "yield";
        Path out = Path.of("bench-results", "net");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--idle" -> idle = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--smoke" -> {
                    phases = Phases.SMOKE;
                    rounds = 1;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<String> order = new ArrayList<>(List.of(TRANSPORTS));
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (String transport : order) {
                for (int size : SIZES) {
                    Result r = measure(transport, size, round, idle, phases);
                    System.out.printf(Locale.ROOT, "net round %d/%d %-7s %5d B: p50 %8.1f µs  p99 %8.1f µs  %10.0f msg/s%n",
                            round, rounds, transport, size, r.p50() / 1e3, r.p99() / 1e3, r.messagesPerSecond());
                    results.add(r);
                }
            }
        }
        String command = "java --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED -cp shm-bench/target/benchmarks.jar"
                + " io.shmkit.bench.net.NetHarness " + String.join(" ", args);
        Files.writeString(out.resolve("net.md"), report(results, rounds, idle, command));
        Files.writeString(out.resolve("net.tsv"), tsv(results));
        System.out.println("report: " + out.resolve("net.md"));
    }

    static Result measure(String transport, int size, int round, String idle, Phases phases) throws Exception {
        try (Link link = Link.open(transport, size, idle)) {
            long[] samples = new long[4_000_000];
            int n = 0;
            long seq = 0;
            long warmEnd = System.nanoTime() + phases.warmupNanos();
            while (System.nanoTime() < warmEnd) {
                link.roundTrip(seq++);
            }
            long end = System.nanoTime() + phases.measureNanos();
            for (long now = System.nanoTime(); now < end && n < samples.length; ) {
                link.roundTrip(seq++);
                long after = System.nanoTime();
                samples[n++] = after - now;
                now = after;
            }
            long[] sorted = Arrays.copyOf(samples, n);
            Arrays.sort(sorted);
            double rate = link.stream(seq, size <= 64 ? phases.streamSmall() : phases.streamLarge());
            return new Result(transport, size, round, sorted[n / 2], sorted[(int) (n * 0.9)], sorted[(int) (n * 0.99)], n, rate);
        }
    }

    /** The application's end of one transport. Not thread-safe, except that {@link #stream} sends from a second thread. */
    abstract static class Link implements AutoCloseable {
        final int size;
        /** The receiving thread's idle strategy, and the sending thread's (a backoff strategy has state). */
        final IdleStrategy idle;
        final IdleStrategy sendIdle;
        final List<PeerProcess> peers = new ArrayList<>();

        Link(int size, String idle) {
            this.size = size;
            this.idle = NetPeers.idle(idle);
            this.sendIdle = NetPeers.idle(idle);
        }

        static Link open(String transport, int size, String idle) throws IOException {
            return switch (transport) {
                case "local" -> QueueLink.local(size, idle);
                case "bridge" -> QueueLink.bridged(size, idle);
                case "aeron" -> new AeronLink(size, idle, 0);
                case AERON_PARITY -> new AeronLink(size, idle, 2);
                case "tcp" -> new TcpLink(size, idle);
                default -> throw new IllegalArgumentException(transport);
            };
        }

        /** The last echo a {@link #poll()} found, and whether it found one. */
        long echoed;
        boolean got;

        /** Offers message {@code seq} once; false if there was no room. */
        abstract boolean offer(long seq) throws IOException;

        /** Takes at most one waiting echo, setting {@link #echoed} and {@link #got}; returns how many it took. */
        abstract int poll() throws IOException;

        /** Sends message {@code seq}, waiting for room. Called by one thread at a time. */
        void send(long seq) throws IOException {
            while (!offer(seq)) {
                sendIdle.idle();
            }
        }

        /** Waits for the next echo and returns its sequence number, having checked its last word. */
        long receive() throws IOException {
            got = false;
            for (int polls = 0; !got; polls++) {
                if (poll() == 0) {
                    idle.idle();
                    if ((polls & 0xFFFF) == 0) {
                        checkPeers();
                    }
                }
            }
            return echoed;
        }

        void roundTrip(long seq) throws IOException {
            send(seq);
            long echo = receive();
            if (echo != seq) {
                throw new IllegalStateException("sent " + seq + ", echo of " + echo);
            }
        }

        /** Sends {@code count} messages from {@code first} on a second thread, receives their echoes here; messages per second. */
        double stream(long first, int count) throws Exception {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long start = System.nanoTime();
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        send(first + i);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "net-stream-sender");
            sender.start();
            for (int i = 0; i < count; i++) {
                long echo = receive();
                if (echo != first + i) {
                    throw new IllegalStateException("streamed " + (first + i) + ", echo of " + echo);
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("sender failed", failure.get());
                }
            }
            long elapsed = System.nanoTime() - start;
            sender.join();
            return count * 1e9 / elapsed;
        }

        static void fill(MemorySegment message, long seq) {
            message.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, seq);
            message.set(ValueLayout.JAVA_LONG_UNALIGNED, message.byteSize() - 8, ~seq);
        }

        static long check(MemorySegment message, long offset, int length) {
            long seq = message.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            if (message.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + length - 8) != ~seq) {
                throw new IllegalStateException("a torn echo of message " + seq);
            }
            return seq;
        }

        void checkPeers() {
            for (PeerProcess peer : peers) {
                peer.checkAlive();
            }
        }

        @Override
        public void close() throws IOException {
            for (PeerProcess peer : peers) {
                peer.stop();
            }
        }
    }

    static final class QueueLink extends Link {
        private final List<Path> dirs;
        private final List<MessageQueue> queues = new ArrayList<>();
        private final QueueProducer producer;
        private final QueueConsumer consumer;
        private final MemorySegment message;
        private final MessageHandler onEcho;

        private QueueLink(int size, String idle, List<Path> dirs) {
            super(size, idle);
            this.dirs = dirs;
            for (Path dir : dirs) {
                for (String q : List.of("ping", "pong")) {
                    MessageQueue.create(SegmentDirectory.of(dir), q, QueueOptions.oneProducer(RING)).close();
                }
            }
            SegmentDirectory a = SegmentDirectory.of(dirs.get(0));
            queues.add(MessageQueue.open(a, "ping"));
            queues.add(MessageQueue.open(a, "pong"));
            producer = queues.get(0).producer();
            consumer = queues.get(1).consumer();
            message = Arena.ofAuto().allocate(size, 8);
            onEcho = (type, buffer, offset, length) -> {
                echoed = check(buffer, offset, length);
                got = true;
            };
        }

        static QueueLink local(int size, String idle) throws IOException {
            Path dir = directory();
            QueueLink link = new QueueLink(size, idle, List.of(dir));
            link.peers.add(PeerProcess.start("net", "echoQueue", dir.toString(), "ping", "pong", idle));
            return link;
        }

        static QueueLink bridged(int size, String idle) throws IOException {
            Path a = directory();
            Path b = directory();
            QueueLink link = new QueueLink(size, idle, List.of(a, b));
            String pingData = udp();
            String pingControl = udp();
            String pongData = udp();
            String pongControl = udp();
            try {
                link.peers.add(PeerProcess.start("net", "bridgeHost", b.toString(), idle, "pong", "ping", pongData, pongControl,
                        pingData, pingControl));
                link.peers.add(PeerProcess.start("net", "bridgeHost", a.toString(), idle, "ping", "pong", pingData, pingControl,
                        pongData, pongControl));
                link.peers.add(PeerProcess.start("net", "echoQueue", b.toString(), "ping", "pong", idle));
            } catch (RuntimeException e) {
                link.close();
                throw e;
            }
            return link;
        }

        private static Path directory() throws IOException {
            Path dir = BenchNames.file(BenchNames.unique("net"));
            Files.createDirectories(dir);
            return dir;
        }

        @Override
        boolean offer(long seq) {
            fill(message, seq);
            return producer.offer(1, message);
        }

        @Override
        int poll() {
            return consumer.read(onEcho, 1);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                producer.close();
                consumer.close();
                queues.forEach(MessageQueue::close);
                for (Path dir : dirs) {
                    try (var files = Files.list(dir)) {
                        for (Path f : files.toList()) {
                            Files.deleteIfExists(f);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
        }
    }

    /** A free loopback UDP port as an Aeron channel. */
    static String udp() {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return "aeron:udp?endpoint=127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class AeronLink extends Link {
        private final MediaDriver driver;
        private final Aeron aeron;
        private final ExclusivePublication publication;
        private final Subscription subscription;
        private final UnsafeBuffer message;
        private final MemorySegment view;
        private final FragmentAssembler onEcho;

        /** Raw Aeron, with {@code idlers} processes that only idle (a thread each) running beside it. */
        AeronLink(int size, String idle, int idlers) {
            super(size, idle);
            for (int i = 0; i < idlers; i++) {
                peers.add(PeerProcess.start("net", "idler", idle)); // stopped with the echo peer by close(), or by their stdin watchdog
            }
            String ping = udp();
            String pong = udp();
            peers.add(PeerProcess.start("net", "echoAeron", ping, pong, idle));
            driver = NetPeers.launchDriver(idle);
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            publication = aeron.addExclusivePublication(ping, NetPeers.PING_STREAM);
            subscription = aeron.addSubscription(pong, NetPeers.PONG_STREAM);
            ByteBuffer bytes = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
            message = new UnsafeBuffer(bytes);
            view = MemorySegment.ofBuffer(bytes);
            onEcho = new FragmentAssembler((buffer, offset, length, header) -> {
                long seq = buffer.getLong(offset);
                if (buffer.getLong(offset + length - 8) != ~seq) {
                    throw new IllegalStateException("a torn echo of message " + seq);
                }
                echoed = seq;
                got = true;
            });
        }

        @Override
        boolean offer(long seq) {
            fill(view, seq);
            long r = publication.offer(message, 0, size);
            if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                throw new IllegalStateException(Publication.errorString(r));
            }
            return r > 0;
        }

        @Override
        int poll() {
            return subscription.poll(onEcho, 1);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                aeron.close();
                driver.close();
            }
        }
    }

    static final class TcpLink extends Link {
        private final Socket socket;
        private final DataOutputStream out;
        private final DataInputStream in;
        private final byte[] message;
        private final byte[] echo;
        private final MemorySegment messageView;
        private final MemorySegment echoView;

        TcpLink(int size, String idle) throws IOException {
            super(size, idle);
            PeerProcess peer = PeerProcess.start("net", "echoTcp", Integer.toString(size));
            peers.add(peer);
            socket = NetPeers.connectTcp(Integer.parseInt(peer.readyInfo()));
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16));
            message = new byte[size];
            echo = new byte[size];
            messageView = MemorySegment.ofArray(message);
            echoView = MemorySegment.ofArray(echo);
        }

        @Override
        boolean offer(long seq) throws IOException {
            fill(messageView, seq);
            out.write(message); // blocks for room, in the kernel
            return true;
        }

        @Override
        int poll() {
            throw new UnsupportedOperationException("TCP reads block");
        }

        @Override
        long receive() throws IOException {
            in.readFully(echo);
            return check(echoView, 0, size);
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } finally {
                super.close();
            }
        }
    }

    // ------------------------------------------------------------------ report

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double[] series(List<Result> results, String transport, int size, java.util.function.ToDoubleFunction<Result> f) {
        return results.stream().filter(r -> r.transport().equals(transport) && r.size() == size)
                .sorted(java.util.Comparator.comparingInt(Result::round)).mapToDouble(f).toArray();
    }

    static String report(List<Result> results, int rounds, String idle, String command) {
        StringBuilder md = new StringBuilder();
        md.append("### The queue across hosts: the Aeron bridge (shm-net)\n\n");
        md.append("`NetHarness`: this JVM sends a message and waits for its echo from a process on \"host B\"; every")
                .append(" process and media driver waits with the `").append(idle).append("` idle strategy (TCP in the kernel).")
                .append(" `bridge`: shmkit queue → bridge → UDP loopback → bridge → queue → echo process → queue → bridge → UDP →")
                .append(" bridge → queue, four bridge halves in two processes with a media driver each; `aeron`: a publication each")
                .append(" way between this JVM and the echo process, a driver each; `aeron+2`: the same with two more processes")
                .append(" whose one thread only idles, so that it runs the bridge row's six busy threads (a control, not a")
                .append(" transport: under the `yield` and `spin` strategies an idling thread stays runnable, under `backoff` it")
                .append(" sleeps and the row is plain `aeron`; and the idlers are off the message path, so the bridge's ratio to it")
                .append(" still holds the waits for the four extra threads a bridge round trip passes through); `tcp`: one loopback connection, Nagle off;")
                .append(" `local`: two shmkit queues, no network. ").append(rounds).append(" rounds, each in fresh processes; a round")
                .append(" measures 3 s of round trips after 2 s of warm-up, then streams 300,000 (32 B) or 30,000 (4 KiB) messages")
                .append(" with the echoes received concurrently. Values are medians over rounds; ratios pair rounds (95% t-interval")
                .append(" on log ratios). Command: `").append(command).append("`.\n\n");
        md.append("| transport | size | round trip p50 | p90 | p99 | streamed msg/s | MB/s |\n|---|--:|--:|--:|--:|--:|--:|\n");
        for (String t : TRANSPORTS) {
            for (int size : SIZES) {
                double msgs = median(series(results, t, size, Result::messagesPerSecond));
                md.append(String.format(Locale.ROOT, "| %s | %d B | %.1f µs | %.1f µs | %.1f µs | %,.0f | %.1f |%n", t, size,
                        median(series(results, t, size, Result::p50)) / 1e3, median(series(results, t, size, Result::p90)) / 1e3,
                        median(series(results, t, size, Result::p99)) / 1e3, msgs, msgs * size / 1e6));
            }
        }
        md.append("\n| target | ratio (interval) | verdict |\n|---|---|---|\n");
        for (int size : SIZES) {
            Ratio latency = Ratio.paired(series(results, "aeron", size, Result::p50), series(results, "bridge", size, Result::p50));
            md.append(String.format(Locale.ROOT, "| %d B: bridge round-trip p50 ≤ 1.2× raw Aeron's (Aeron's p50 ÷ the bridge's ≥ 0.83) | %s | %s |%n",
                    size, latency.text(), latency.against(1 / 1.2)));
            Ratio rate = Ratio.paired(series(results, "bridge", size, Result::messagesPerSecond),
                    series(results, "aeron", size, Result::messagesPerSecond));
            md.append(String.format(Locale.ROOT, "| %d B: bridge throughput ≥ 0.8× raw Aeron's | %s | %s |%n",
                    size, rate.text(), rate.against(0.8)));
        }
        md.append("\n| comparison | ratio (interval) |\n|---|---|\n");
        for (int size : SIZES) {
            for (String other : List.of(AERON_PARITY, "tcp", "local")) {
                md.append(String.format(Locale.ROOT, "| %d B: bridge round-trip p50 ÷ %s's | %s |%n", size, other,
                        Ratio.paired(series(results, "bridge", size, Result::p50), series(results, other, size, Result::p50)).text()));
                md.append(String.format(Locale.ROOT, "| %d B: bridge throughput ÷ %s's | %s |%n", size, other,
                        Ratio.paired(series(results, "bridge", size, Result::messagesPerSecond),
                                series(results, other, size, Result::messagesPerSecond)).text()));
            }
        }
        return md.toString();
    }

    static String tsv(List<Result> results) {
        StringBuilder s = new StringBuilder("transport\tsize\tround\tp50_ns\tp90_ns\tp99_ns\troundTrips\tmsgsPerSecond\n");
        for (Result r : results) {
            s.append(String.format(Locale.ROOT, "%s\t%d\t%d\t%.0f\t%.0f\t%.0f\t%d\t%.0f%n", r.transport(), r.size(), r.round(),
                    r.p50(), r.p90(), r.p99(), r.roundTrips(), r.messagesPerSecond()));
        }
        return s.toString();
    }
}
