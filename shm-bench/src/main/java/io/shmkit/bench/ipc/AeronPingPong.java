package io.shmkit.bench.ipc;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Round trip over Aeron IPC ({@link AeronIpc}: the media driver embedded in the client's JVM),
 * made as {@link AgronaPingPong}'s ring pair is: the client {@code offer}s the message from its
 * own 32-byte buffer on the ping stream's {@link ExclusivePublication} and spins on
 * {@code poll(handler, 1)} of the pong stream's {@link Subscription}; the echo spins on
 * {@code poll} of the ping stream and, inside its handler, {@code offer}s each message to the
 * pong stream (a copy from log to log). The client's thread also drives the media driver (its
 * {@link io.aeron.driver.ThreadingMode#INVOKER INVOKER} mode: no driver thread) while it
 * waits: one duty cycle every {@link #INVOKE_EVERY}th empty poll of the pong stream, counted
 * across round trips, and one on every retry of a refused offer, so the limits of both
 * publications keep moving. (A duty cycle on every round trip, right after the offer, cost
 * the closed loop's median more than the echo's flight time hid.)
 */
final class AeronPingPong {
    static final int PING_STREAM = 1002;
    static final int PONG_STREAM = 1003;
    /** Empty polls of the pong stream between two duty cycles of the driver. */
    static final int INVOKE_EVERY = 256;

    private AeronPingPong() {}

    static final class Client implements PingPongClient {
        private final AeronIpc ipc;
        private final ExclusivePublication ping;
        private final Subscription pong;
        private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        private final long[] echoed = new long[4];
        private final FragmentHandler onEcho;
        private final PeerProcess peer;
        private final Spinner spinner;
        private boolean got;
        private int emptyPolls;

        Client() {
            ipc = AeronIpc.launch();
            try {
                ping = ipc.aeron().addExclusivePublication(AeronIpc.CHANNEL, PING_STREAM);
                pong = ipc.aeron().addSubscription(AeronIpc.CHANNEL, PONG_STREAM);
                onEcho = new FragmentAssembler((buffer, offset, length, header) -> {
                    if (length != MESSAGE) {
                        throw new IllegalStateException("echo of " + length + " bytes");
                    }
                    for (int i = 0; i < 4; i++) {
                        echoed[i] = buffer.getLong(offset + 8 * i);
                    }
                    got = true;
                });
                peer = ipc.drivenWhile(() -> PeerProcess.start("echo", "aeron", ipc.directory()));
                ipc.awaitDriven(() -> ping.isConnected() && pong.isConnected(), "the echo's connection");
            } catch (RuntimeException e) {
                ipc.close();
                throw e;
            }
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                message.putLong(8 * i, PingPongClient.word(seq, i));
            }
            while (AeronIpc.retry(ping.offer(message, 0, MESSAGE), ping)) {
                ipc.invoke(); // only the driver moves the limit
                spinner.spin();
            }
            got = false;
            while (!got) {
                if (pong.poll(onEcho, 1) == 0) {
                    spinner.spin();
                    if (++emptyPolls == INVOKE_EVERY) {
                        emptyPolls = 0;
                        ipc.invoke();
                    }
                }
            }
            return PingPongClient.check(seq, echoed[0], echoed[1], echoed[2], echoed[3]);
        }

        @Override
        public void close() {
            try {
                ipc.drivenWhile(peer::stop); // the echo's closing client awaits the driver
            } finally {
                peer.close();
                ipc.close();
            }
        }
    }

    static void echo(String directory) {
        try (Aeron aeron = AeronIpc.connect(directory);
             Subscription ping = aeron.addSubscription(AeronIpc.CHANNEL, PING_STREAM);
             ExclusivePublication pong = aeron.addExclusivePublication(AeronIpc.CHANNEL, PONG_STREAM)) {
            AeronIpc.await(() -> ping.isConnected() && pong.isConnected(), "the client's connection");
            FragmentHandler reply = new FragmentAssembler((buffer, offset, length, header) -> {
                while (AeronIpc.retry(pong.offer(buffer, offset, length), pong)) {
                    Thread.onSpinWait();
                }
            });
            PeerMain.ready("");
            while (PeerMain.running()) {
                if (ping.poll(reply, 1) == 0) {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
