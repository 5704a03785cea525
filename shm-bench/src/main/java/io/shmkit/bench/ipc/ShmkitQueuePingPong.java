package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.Claim;
import io.shmkit.msg.MessageHandler;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Round trip through a pair of one-producer shmkit {@link MessageQueue}s of {@link #RING}
 * bytes, made as {@link AgronaPingPong}'s ring pair is: the client writes the message into its
 * own 32-byte buffer and copies it into the ping queue ({@code offer}), then spins on
 * {@code read(handler, 1)} of the pong queue; the echo spins on {@code read(handler, 1)} of the
 * ping queue and, inside its handler, copies each message into the pong queue
 * ({@code tryClaim}, a copy from ring to ring, {@code commit}: Agrona's echo {@code write}s
 * from its ring to the other the same way).
 */
final class ShmkitQueuePingPong {
    /** As {@link AgronaPingPong#RING}. */
    static final int RING = AgronaPingPong.RING;

    private ShmkitQueuePingPong() {}

    static final class Client implements PingPongClient {
        private final SegmentDirectory shm = BenchNames.shm();
        private final String name = BenchNames.unique("pingpong.queue");
        private final MessageQueue ping;
        private final MessageQueue pong;
        private final QueueProducer producer;
        private final QueueConsumer consumer;
        private final MemorySegment message = Arena.ofAuto().allocate(MESSAGE, 8);
        private final long[] echoed = new long[4];
        private final MessageHandler onEcho;
        private final PeerProcess peer;
        private final Spinner spinner;
        private boolean got;

        Client() {
            ping = MessageQueue.create(shm, name + ".ping", QueueOptions.oneProducer(RING));
            pong = MessageQueue.create(shm, name + ".pong", QueueOptions.oneProducer(RING));
            producer = ping.producer();
            consumer = pong.consumer();
            onEcho = (type, buffer, offset, length) -> {
                if (length != MESSAGE) {
                    throw new IllegalStateException("echo of " + length + " bytes");
                }
                for (int i = 0; i < 4; i++) {
                    echoed[i] = buffer.get(JAVA_LONG_UNALIGNED, offset + 8L * i);
                }
                got = true;
            };
            try {
                peer = PeerProcess.start("echo", "shmkitQueue", name);
            } catch (RuntimeException e) {
                release();
                throw e;
            }
            spinner = new Spinner(peer);
        }

        @Override
        public long roundTrip(long seq) {
            for (int i = 0; i < 4; i++) {
                message.set(JAVA_LONG_UNALIGNED, 8L * i, PingPongClient.word(seq, i));
            }
            while (!producer.offer(1, message)) {
                Thread.onSpinWait();
            }
            got = false;
            while (!got) {
                if (consumer.read(onEcho, 1) == 0) {
                    spinner.spin();
                }
            }
            return PingPongClient.check(seq, echoed[0], echoed[1], echoed[2], echoed[3]);
        }

        private void release() {
            try {
                producer.close();
                consumer.close();
            } finally {
                ping.close();
                pong.close();
                shm.unlink(name + ".ping");
                shm.unlink(name + ".pong");
            }
        }

        @Override
        public void close() {
            try {
                peer.stop();
            } finally {
                peer.close();
                release();
            }
        }
    }

    static void echo(String name) {
        SegmentDirectory shm = BenchNames.shm();
        try (MessageQueue ping = MessageQueue.open(shm, name + ".ping");
             MessageQueue pong = MessageQueue.open(shm, name + ".pong");
             QueueConsumer in = ping.consumer();
             QueueProducer out = pong.producer()) {
            MessageHandler reply = (type, buffer, offset, length) -> {
                Claim claim;
                while ((claim = out.tryClaim(type, length)) == null) {
                    Thread.onSpinWait();
                }
                MemorySegment.copy(buffer, offset, claim.buffer(), claim.offset(), length);
                claim.commit();
            };
            PeerMain.ready("");
            while (PeerMain.running()) {
                if (in.read(reply, 1) == 0) {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
