package io.shmkit.bench.ipc;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueProducer;
import io.shmkit.net.BridgeOptions;
import io.shmkit.net.QueueReceiver;
import io.shmkit.net.QueueSender;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The far-side processes of the network benchmark ({@code io.shmkit.bench.net.NetHarness}):
 * echo peers that send every message back unchanged, and the two bridge hosts of the
 * {@code bridge} transport. Every one waits for work with the idle strategy it is given, the same
 * for every transport, and stops at the end of its stdin ({@link PeerMain}).
 *
 * <pre>
 *   net echoQueue  DIR IN OUT IDLE              a shmkit queue in, another out (the local queue; host B of the bridge)
 *   net echoTcp    SIZE                         a TCP server on an ephemeral loopback port (READY port), Nagle off
 *   net echoAeron  IN_URI OUT_URI IDLE          an embedded driver; a subscription in, a publication out
 *   net idler      IDLE                         one thread that only idles as IDLE says (a runnable thread, no work)
 *   net bridgeHost DIR IDLE SEND RECEIVE SEND_DATA SEND_CONTROL RECEIVE_DATA RECEIVE_CONTROL
 *                                               one embedded driver; a QueueSender for queue SEND and a
 *                                               QueueReceiver for queue RECEIVE, both on one thread
 * </pre>
 */
public final class NetPeers {
    /** Aeron stream ids of the raw Aeron transport. */
    public static final int PING_STREAM = 2001;
    public static final int PONG_STREAM = 2002;

    private NetPeers() {}

    /** The idle strategy {@code name} names, made as the bridges make theirs: every process of a run waits alike. */
    public static IdleStrategy idle(String name) {
        return BridgeOptions.idleStrategy(name);
    }

    static void run(String[] args) throws IOException, InterruptedException {
        switch (args[1]) {
            case "echoQueue" -> echoQueue(SegmentDirectory.of(Path.of(args[2])), args[3], args[4], idle(args[5]));
            case "echoTcp" -> echoTcp(Integer.parseInt(args[2]));
            case "echoAeron" -> echoAeron(args[2], args[3], args[4]);
            case "idler" -> idler(idle(args[2]));
            case "bridgeHost" -> bridgeHost(SegmentDirectory.of(Path.of(args[2])), args[3], args[4], args[5], args[6], args[7],
                    args[8], args[9]);
            default -> throw new IllegalArgumentException("unknown net role " + args[1]);
        }
    }

    private static void echoQueue(SegmentDirectory dir, String in, String out, IdleStrategy idle) {
        try (MessageQueue inQueue = MessageQueue.open(dir, in); MessageQueue outQueue = MessageQueue.open(dir, out);
             QueueConsumer consumer = inQueue.consumer(); QueueProducer producer = outQueue.producer()) {
            MessageHandler echo = (type, buffer, offset, length) -> {
                MemorySegment message = buffer.asSlice(offset, length);
                while (!producer.offer(type, message)) {
                    idle.idle();
                }
            };
            PeerMain.ready("");
            while (PeerMain.running()) {
                idle.idle(consumer.read(echo, 256));
            }
        }
    }

    /** A thread with nothing to do, waiting as every other process of the run waits: one more runnable thread. */
    private static void idler(IdleStrategy idle) {
        PeerMain.ready("");
        while (PeerMain.running()) {
            idle.idle(0);
        }
    }

    private static void echoTcp(int size) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PeerMain.ready(Integer.toString(server.getLocalPort()));
            try (Socket socket = server.accept()) {
                socket.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16));
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                byte[] message = new byte[size];
                for (;;) {
                    try {
                        in.readFully(message);
                    } catch (java.io.EOFException end) {
                        return;
                    }
                    out.write(message); // one write per message, as a plain echo server would
                }
            }
        }
    }

    /** An embedded media driver in its own directory, its thread idling as {@code idle} says. */
    public static MediaDriver launchDriver(String idle) {
        Path dir = BenchNames.file(BenchNames.unique("aeron-net"));
        return MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(idle(idle))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false));
    }

    private static void echoAeron(String inUri, String outUri, String idleName) {
        IdleStrategy idle = idle(idleName);
        try (MediaDriver driver = launchDriver(idleName);
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
             Subscription in = aeron.addSubscription(inUri, PING_STREAM);
             ExclusivePublication out = aeron.addExclusivePublication(outUri, PONG_STREAM)) {
            FragmentAssembler echo = new FragmentAssembler((buffer, offset, length, header) -> {
                for (long r; (r = out.offer(buffer, offset, length)) < 0; ) {
                    if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                        throw new IllegalStateException("echo publication: " + Publication.errorString(r));
                    }
                    idle.idle();
                }
            });
            PeerMain.ready("");
            while (PeerMain.running()) {
                idle.idle(in.poll(echo, 256));
            }
        }
    }

    private static void bridgeHost(SegmentDirectory dir, String idle, String sendQueue, String receiveQueue, String sendData,
                                   String sendControl, String receiveData, String receiveControl) {
        try (MediaDriver driver = launchDriver(idle)) {
            BridgeOptions base = BridgeOptions.of(sendData, sendControl).withAeronDirectory(driver.aeronDirectoryName()).withIdle(idle);
            try (QueueSender sender = QueueSender.open(dir, sendQueue, base);
                 QueueReceiver receiver = QueueReceiver.open(dir, receiveQueue,
                         BridgeOptions.of(receiveData, receiveControl).withAeronDirectory(driver.aeronDirectoryName()).withIdle(idle))) {
                // both halves on one thread, one duty cycle after the other, as Aeron composes agents:
                // on a 2-core machine every extra runnable thread is latency
                IdleStrategy wait = idle(idle);
                PeerMain.ready("");
                while (PeerMain.running()) {
                    wait.idle(sender.doWork() + receiver.doWork());
                }
            }
        }
    }

    /** A TCP client end for the harness: connects to an {@code echoTcp} peer. */
    public static Socket connectTcp(int port) {
        try {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A scratch buffer Aeron can offer from. */
    public static UnsafeBuffer buffer(int size) {
        return new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(size));
    }
}
