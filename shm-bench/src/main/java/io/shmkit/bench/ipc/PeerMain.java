package io.shmkit.bench.ipc;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The peer JVM's main: the other process of every inter-process benchmark.
 *
 * <pre>
 *   handoff &lt;transport&gt; &lt;n&gt; &lt;endpoint&gt;   produce n doubles per request
 *   echo    &lt;transport&gt; &lt;endpoint&gt;         echo 32-byte messages
 *   produce &lt;transport&gt; &lt;size&gt; &lt;index&gt; &lt;endpoint&gt;   send messages flat out (MessageStream)
 *   contend &lt;lock kind&gt; &lt;name&gt;            increment a shared counter under a lock
 *   mix     &lt;guard&gt; &lt;name&gt;                95% reads, 5% writes of a shared pair
 *   turns   &lt;lock kind&gt; &lt;name&gt;            take every other turn at a lock (LockTurns)
 *   wake    &lt;strategy&gt; &lt;queue&gt; &lt;results&gt;  wait for messages as a strategy says (WakeConsumer)
 *   net     &lt;role&gt; ...                       the far side of the network benchmark (NetPeers)
 * </pre>
 *
 * It prints {@code READY [info]} on stdout when the benchmark may begin and stops at the end
 * of its stdin; roles that report a result print it on stdout before exiting. Transports that
 * use stdin and stdout as their channel (pipe, serialized queue) stop at that channel's end.
 */
public final class PeerMain {
    /** The first word of the ready line. */
    public static final String READY = "READY";
    private static volatile boolean running = true;
    private static final PrintStream STDOUT = System.out;

    private PeerMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        System.setOut(System.err); // nothing but the protocol reaches the real stdout
        String role = args[0];
        String transport = args[1];
        boolean stdinIsChannel = (role.equals("handoff") || role.equals("echo"))
                && (transport.equals("pipe") || transport.equals("serializedQueue"));
        if (!stdinIsChannel) {
            Thread watchdog = new Thread(PeerMain::awaitEndOfInput, "stdin-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        switch (role) {
            case "handoff" -> {
                int n = Integer.parseInt(args[2]);
                String endpoint = args[3];
                switch (transport) {
                    case "shmkit" -> ShmkitHandoff.serve(n, endpoint);
                    case "agronaZeroCopy" -> AgronaZeroCopyHandoff.serve(n, Path.of(endpoint));
                    case "chronicleZeroCopy" -> ChronicleZeroCopyHandoff.serve(n, Path.of(endpoint));
                    case "pipe" -> PipeHandoff.serve(n, false, Path.of(endpoint));
                    case "serializedQueue" -> PipeHandoff.serve(n, true, Path.of(endpoint));
                    case "unixSocket" -> SocketHandoff.serve(n, Path.of(endpoint), false);
                    case "unixSocketSpin" -> SocketHandoff.serve(n, Path.of(endpoint), true);
                    case "agronaRingBuffer" -> AgronaHandoff.serve(n, Path.of(endpoint));
                    case "chronicleBytes" -> ChronicleHandoff.serve(n, Path.of(endpoint));
                    default -> throw new IllegalArgumentException("unknown handoff transport " + transport);
                }
            }
            case "echo" -> {
                switch (transport) {
                    case "shmkit" -> ShmkitPingPong.echo(args[2]);
                    case "agronaMailbox" -> AgronaMailboxPingPong.echo(Path.of(args[2]));
                    case "agronaRingBuffers" -> AgronaPingPong.echo(Path.of(args[2]));
                    case "floor" -> FloorPingPong.echo(args[2]);
                    case "shmkitQueue" -> ShmkitQueuePingPong.echo(args[2]);
                    case "shmkitPipe" -> ShmkitPipePingPong.echo(args[2]);
                    case "aeron" -> AeronPingPong.echo(args[2]);
                    case "unixSocketSpin", "tcpSpin" -> SpinSocketPingPong.echo(transport, args[2]);
                    default -> StreamPingPong.echo(transport, args[2]);
                }
            }
            case "produce" -> {
                int size = Integer.parseInt(args[2]);
                int index = Integer.parseInt(args[3]);
                String endpoint = args[4];
                switch (transport) {
                    case "shmkitOffer", "shmkitClaim", "shmkitMany1", "shmkitMany2" ->
                            ShmkitStream.produce(transport, size, index, endpoint);
                    case "agronaWrite", "agronaClaim", "agronaMany1", "agronaMany2" ->
                            AgronaStream.produce(transport, size, index, Path.of(endpoint));
                    case "aeronOffer", "aeronClaim" -> AeronStream.produce(transport, size, index, endpoint);
                    case "pipe", "unixSocket", "serializedPipe" -> KernelStream.produce(transport, size, index, Path.of(endpoint));
                    default -> throw new IllegalArgumentException("unknown messaging transport " + transport);
                }
            }
            case "contend" -> ContendedCounter.contend(transport, args[2]);
            case "mix" -> ReadMostlyPair.mix(transport, args[2]);
            case "turns" -> LockTurns.peer(transport, args[2]);
            case "wake" -> WakeConsumer.consume(transport, args[2], args[3]);
            case "net" -> NetPeers.run(args);
            default -> throw new IllegalArgumentException("unknown role " + role);
        }
        STDOUT.flush();
        System.exit(0); // do not wait for the watchdog
    }

    /** True until this JVM's stdin ends: spinning roles poll it. */
    static boolean running() {
        return running;
    }

    /** Tells the benchmark this peer is ready. */
    static void ready(String info) {
        STDOUT.print(READY + (info.isEmpty() ? "" : " " + info) + "\n");
        STDOUT.flush();
    }

    /** Reports a result, read by the benchmark when it stops this peer. */
    static void result(String text) {
        STDOUT.print(text + "\n");
        STDOUT.flush();
    }

    private static void awaitEndOfInput() {
        try (InputStream in = System.in) {
            while (in.read() >= 0) {
                // the benchmark sends nothing; only the end matters
            }
        } catch (IOException e) {
            // a broken stdin means the benchmark is gone: stop as well
        }
        running = false;
    }
}
