package io.shmkit.msg;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One transmitter, many receivers: joining late, being lapped, and the transmitter's death. */
class BroadcastTest extends SegmentTestSupport {
    private final List<JvmProcess> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
    }

    private static byte[] message(int i) {
        return ("message " + i).getBytes();
    }

    @Test
    void receiversGetEveryMessageInOrderAndALateJoinerStartsAtTheLatest() throws Exception {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 4096);
             BroadcastTransmitter tx = broadcast.transmitter()) {
            BroadcastReceiver early = broadcast.receiver();
            for (int i = 0; i < 10; i++) {
                tx.transmit(1 + i, message(i));
            }
            List<String> got = new ArrayList<>();
            assertEquals(10, early.receive((t, b, o, l) -> got.add(t + ":" + new String(b.asSlice(o, l).toArray(JAVA_BYTE))), 100));
            assertEquals("1:message 0", got.get(0));
            assertEquals("10:message 9", got.get(9));
            BroadcastReceiver late = broadcast.receiver();
            List<String> lateGot = new ArrayList<>();
            tx.transmit(99, message(10));
            assertEquals(2, late.receive((t, b, o, l) -> lateGot.add(new String(b.asSlice(o, l).toArray(JAVA_BYTE))), 100));
            assertEquals(List.of("message 9", "message 10"), lateGot, "a late joiner starts at the latest message");
            assertEquals(0, early.lapped() + late.lapped());
            IllegalStateException second = assertThrows(IllegalStateException.class, broadcast::transmitter);
            assertTrue(second.getMessage().contains("pid " + ProcessHandle.current().pid()), second.getMessage());
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> tx.transmit(1, new byte[600]));
            assertTrue(big.getMessage().contains("600") && big.getMessage().contains("504"), big.getMessage());
        }
    }

    @Test
    void aReceiverThatFallsARingBehindIsLappedCountsItAndJumpsToTheLatest() {
        try (Broadcast broadcast = Broadcast.create(dir, "b", 1024);
             BroadcastTransmitter tx = broadcast.transmitter()) {
            BroadcastReceiver slow = broadcast.receiver();
            for (int i = 0; i < 100; i++) {
                tx.transmit(1, message(i));
            }
            List<String> got = new ArrayList<>();
            slow.receive((t, b, o, l) -> got.add(new String(b.asSlice(o, l).toArray(JAVA_BYTE))), 1000);
            assertEquals(1, slow.lapped());
            assertTrue(slow.lappedBytes() > 0);
            assertEquals("message 99", got.get(0), "the lapped receiver jumped to the latest message");
            assertEquals(1, got.size());
        }
    }

    @Test
    void aSlowReceiverInAnotherJvmIsLappedButNeverHandedATornMessageAndSeesTheTransmitterDie() throws Exception {
        try (SharedLongArray phases = SharedLongArray.create(dir, "phases", 8);
             Broadcast broadcast = Broadcast.create(dir, "b", 1 << 14, QueueChild.WAITING)) {
            JvmProcess transmitter = JvmProcess.builder(QueueChild.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                    .args(dir.path().toString(), "transmit", "b", "-1").captureOutput().start();
            children.add(transmitter);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (phases.getVolatile(QueueChild.COUNT) < 1000) {
                assertTrue(transmitter.isAlive() && System.nanoTime() < deadline, transmitter.output());
                Thread.sleep(5);
            }
            BroadcastReceiver rx = broadcast.receiver();
            long[] last = {-1};
            long[] torn = {0};
            long[] received = {0};
            MessageHandler check = (type, buffer, offset, length) -> {
                String problem = Checksummed.check(buffer, offset, length);
                if (problem != null) {
                    torn[0]++;
                    return;
                }
                long seq = Checksummed.seq(buffer, offset);
                assertTrue(seq > last[0], "sequence numbers only grow: " + seq + " after " + last[0]);
                last[0] = seq;
                received[0]++;
            };
            // the handler's check costs about what the transmitter's write does: the receiver drifts through
            // the edge of the ring, where the record it copies is the one being overwritten
            long start = System.nanoTime();
            while (System.nanoTime() - start < Duration.ofSeconds(3).toNanos()
                    || (rx.lapped() < 3 || received[0] < 1000) && System.nanoTime() - start < Duration.ofSeconds(60).toNanos()) {
                rx.receive(check, 50);
            }
            assertEquals(0, torn[0], "no torn message was ever handed over");
            assertTrue(rx.lapped() >= 3, "the receiver must have been lapped, was " + rx.lapped() + " times");
            assertTrue(received[0] >= 1000, "received " + received[0]);
            transmitter.kill();
            assertTrue(transmitter.join(Duration.ofSeconds(30)));
            long killed = System.nanoTime();
            EndOfStreamException ended = assertThrows(EndOfStreamException.class, () -> {
                while (true) {
                    rx.receive(check, 1000, Duration.ofSeconds(30));
                }
            });
            long after = System.nanoTime() - killed;
            assertTrue(ended.getMessage().contains("pid " + transmitter.pid()) && ended.getMessage().contains("died"),
                    ended.getMessage());
            assertTrue(after < Duration.ofSeconds(2).toNanos(), "saw the transmitter gone after " + after / 1e6 + " ms");
            assertEquals(0, torn[0]);
            System.out.printf("broadcast: %d received, lapped %d times (%d bytes), transmitter death seen in %.1f ms%n",
                    received[0], rx.lapped(), rx.lappedBytes(), after / 1e6);
            // a new transmitter takes the dead one's role and the receiver goes on
            try (BroadcastTransmitter next = broadcast.transmitter()) {
                java.lang.foreign.MemorySegment m = java.lang.foreign.MemorySegment.ofArray(new byte[200]);
                Checksummed.write(m, 0, 0, last[0] + 1, Checksummed.length(last[0] + 1));
                next.transmit(1, m.asSlice(0, Checksummed.length(last[0] + 1)));
                assertEquals(1, rx.receive(check, 10, Duration.ofSeconds(5)));
            }
        }
    }
}
