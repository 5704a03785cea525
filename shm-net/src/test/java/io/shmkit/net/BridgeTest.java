package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStruct;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.RecordQueue;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two bridge JVMs, each with its own embedded media driver and its own segment directory, over
 * loopback UDP, as two hosts would be; producer JVMs write on side A, consumer JVMs read on B.
 */
class BridgeTest {
    static final String AERON_FLAG = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final Duration LONG = Duration.ofMinutes(3);

    private Endpoints hosts;
    private final List<JvmProcess> children = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        hosts = new Endpoints();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (JvmProcess child : children) {
            child.kill();
            child.join(Duration.ofSeconds(30));
        }
        hosts.close();
    }

    private JvmProcess start(Class<?> main, String... args) {
        JvmProcess child = JvmProcess.builder(main).jvmOptions("-Xmx256m", "-XX:+UseSerialGC", AERON_FLAG).args(args)
                .captureOutput().start();
        children.add(child);
        return child;
    }

    private JvmProcess bridge(String verb, Path dir, String queue, String... more) {
        return start(BridgeMain.class, hosts.bridge(verb, dir, queue, more));
    }

    private static void createQueues(SegmentDirectory a, SegmentDirectory b, String name, long capacityA, long capacityB) {
        MessageQueue.create(a, name, QueueOptions.oneProducer(capacityA)).close();
        MessageQueue.create(b, name, QueueOptions.oneProducer(capacityB)).close();
    }

    private static String jstack(JvmProcess p) {
        if (!p.isAlive()) {
            return "";
        }
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(), Long.toString(p.pid()))
                    .redirectErrorStream(true).start();
            return new String(j.getInputStream().readAllBytes());
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static ReceiverState receiverState(SegmentDirectory b, String queue) {
        try (SharedStruct<ReceiverState> s = SharedStruct.open(b, QueueReceiver.stateName(queue), ReceiverState.class)) {
            return s.get();
        }
    }

    private static boolean receiverStateExists(SegmentDirectory b, String queue) {
        return b.exists(QueueReceiver.stateName(queue));
    }

    /** The consumer's RESULT line as numbers: count, last, lost, twice, bad. */
    private static long[] result(JvmProcess consumer) {
        Matcher m = Pattern.compile("RESULT count=(\\d+) last=(-?\\d+) lost=(\\d+) twice=(\\d+) bad=(\\d+)").matcher(consumer.output());
        assertTrue(m.find(), "no RESULT line:\n" + consumer.output());
        long[] out = new long[5];
        for (int i = 0; i < 5; i++) {
            out[i] = Long.parseLong(m.group(i + 1));
        }
        return out;
    }

    @Test
    void aMillionMessagesArriveExactlyOnceInOrderAndTheEndOfStreamFollows() throws Exception {
        long count = 1_000_000;
        createQueues(hosts.a(), hosts.b(), "orders", 1 << 20, 1 << 20);
        JvmProcess receiver = bridge("receive", hosts.dirB, "orders");
        JvmProcess sender = bridge("send", hosts.dirA, "orders");
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "orders");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), "orders", Long.toString(count));

        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        sender.joinChecked(Duration.ofSeconds(60));
        receiver.joinChecked(Duration.ofSeconds(60));
        assertEquals(List.of(count, count - 1, 0L, 0L, 0L), List.of(result(consumer)[0], result(consumer)[1], result(consumer)[2],
                result(consumer)[3], result(consumer)[4]), consumer.output());
        assertTrue(sender.output().contains("end of stream"), sender.output());
        assertTrue(receiver.output().contains("wrote " + count + " messages"), receiver.output());
        ReceiverState state = receiverState(hosts.b(), "orders");
        assertEquals(count + 1, state.next(), "the END frame takes the number after the last message");
        assertEquals(0, state.lost());
        assertEquals(0, state.duplicates());
        assertEquals(1, state.ended());
    }

    /** Same name and field names on both sides, one field's type differs. */
    public record TickA(long time, double price) {}

    public record TickB(long time, float price) {}

    @Test
    void aRecordLayoutThatDiffersIsRefusedAtConnectNamingTheField() throws Exception {
        RecordQueue.create(hosts.a(), "ticks", TickA.class, QueueOptions.oneProducer(1 << 16)).close();
        RecordQueue.create(hosts.b(), "ticks", TickB.class, QueueOptions.oneProducer(1 << 16)).close();
        JvmProcess receiver = bridge("receive", hosts.dirB, "ticks");
        JvmProcess sender = bridge("send", hosts.dirA, "ticks");

        boolean ended = receiver.join(Duration.ofSeconds(60)) & sender.join(Duration.ofSeconds(60));
        assertTrue(ended, "both bridges end; receiver " + receiver.isAlive() + ":\n" + receiver.output() + "\nsender " + sender.isAlive() + ":\n" + sender.output() + jstack(receiver) + jstack(sender));
        assertEquals(1, receiver.exitCode(), receiver.output());
        assertEquals(1, sender.exitCode(), sender.output());
        for (JvmProcess side : List.of(receiver, sender)) {
            assertTrue(side.output().contains("refused") && side.output().contains("price"), side.output());
        }
    }

    @Test
    void aStalledConsumerOnBFillsTheQueueOnAAndNothingIsLostWhenItResumes() throws Exception {
        long count = 200_000;
        createQueues(hosts.a(), hosts.b(), "slow", 64 << 10, 64 << 10);
        JvmProcess receiver = bridge("receive", hosts.dirB, "slow");
        JvmProcess sender = bridge("send", hosts.dirA, "slow", "--window", "65536");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), "slow", Long.toString(count), "all");

        // no consumer on B yet: B fills first, then the stream, the sender's window, and A, whose producer then finds it full
        long capacity = 64 << 10;
        long record = 48; // 16-byte header + 32-byte message; a full ring may keep up to two records free at its wrap
        Children.await("queue B to fill", LONG, () -> MessageQueue.inspect(hosts.b(), "slow").depthBytes() > capacity - 2 * record,
                receiver, sender, producer);
        long inB = receiverState(hosts.b(), "slow").next();
        Children.await("queue A to fill after B, its producer finding it full", LONG,
                () -> MessageQueue.inspect(hosts.a(), "slow").depthBytes() > capacity - 2 * record && lastFull(producer) > inB,
                receiver, sender, producer);
        assertFalse(producer.output().contains("PRODUCED"), "the producer waits for room");
        assertEquals(inB, receiverState(hosts.b(), "slow").next(), "nothing more was written into the full queue B");
        assertEquals(0, receiverState(hosts.b(), "slow").lost());

        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "slow");
        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        long[] r = result(consumer);
        assertEquals(count, r[0], consumer.output());
        assertEquals(0, r[2] + r[3] + r[4], consumer.output());
    }

    private static long lastFull(JvmProcess producer) {
        Matcher at = Pattern.compile("FULL at (\\d+)").matcher(producer.output());
        long last = -1;
        while (at.find()) {
            last = Long.parseLong(at.group(1));
        }
        return last;
    }

    @Test
    void aReceivingBridgeKilledMidStreamAndRestartedLosesNothingAndReportsWhatItMayHaveWrittenTwice() throws Exception {
        long count = 400_000;
        createQueues(hosts.a(), hosts.b(), "kill", 1 << 20, 1 << 20);
        JvmProcess receiver = bridge("receive", hosts.dirB, "kill");
        JvmProcess sender = bridge("send", hosts.dirA, "kill");
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "kill");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), "kill", Long.toString(count));

        Children.await("the receiver to record 50,000 messages", LONG,
                () -> receiverStateExists(hosts.b(), "kill") && receiverState(hosts.b(), "kill").next() >= 50_000, receiver, sender);
        receiver.kill();
        assertTrue(receiver.join(Duration.ofSeconds(30)));
        long recordedAtKill = receiverState(hosts.b(), "kill").next();
        assertTrue(recordedAtKill < count, "killed mid-stream: " + recordedAtKill);

        JvmProcess restarted = bridge("receive", hosts.dirB, "kill");
        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        restarted.joinChecked(Duration.ofSeconds(60));
        sender.joinChecked(Duration.ofSeconds(60));

        long[] r = result(consumer);
        ReceiverState state = receiverState(hosts.b(), "kill");
        assertEquals(count - 1, r[1], consumer.output());
        assertEquals(0, r[2], "nothing lost while the sender lived:\n" + consumer.output());
        assertEquals(0, state.lost(), "and none reported lost");
        assertEquals(0, r[4]);
        // a kill inside one write may leave that message in B twice: only then, and reported
        assertTrue(r[3] <= state.duplicates() && state.duplicates() <= 1, "twice " + r[3] + ", reported " + state.duplicates());
        assertEquals(count + r[3], r[0]);
    }

    /** The sender's last recorded sequence number: every message up to it was taken from queue A. */
    private static long senderTook(SegmentDirectory a, String queue) {
        try (SharedStruct<SenderState> s = SharedStruct.open(a, QueueSender.stateName(queue), SenderState.class)) {
            SenderState state = s.get();
            return (state.version() & 1) == 0 ? state.seq0() : state.seq1();
        }
    }

    @Test
    void aSendingBridgeKilledWithMessagesInItsWindowLosesExactlyThoseAndTheGapIsReported() throws Exception {
        long count = 100_000;
        createQueues(hosts.a(), hosts.b(), "lossy", 64 << 10, 64 << 10);
        JvmProcess receiver = bridge("receive", hosts.dirB, "lossy");
        JvmProcess sender = bridge("send", hosts.dirA, "lossy");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), "lossy", Long.toString(count));

        // no consumer on B yet: B fills, and the sender's window holds messages B has not recorded
        Children.await("the sender to hold 500 messages the receiver has not recorded", LONG,
                () -> hosts.a().exists(QueueSender.stateName("lossy")) && receiverStateExists(hosts.b(), "lossy")
                        && senderTook(hosts.a(), "lossy") >= receiverState(hosts.b(), "lossy").next() + 500,
                receiver, sender, producer);
        sender.kill();
        assertTrue(sender.join(Duration.ofSeconds(30)));
        long firstLost = receiverState(hosts.b(), "lossy").next(); // B is full and the sender dead: both records are still
        long lastTaken = senderTook(hosts.a(), "lossy");
        assertTrue(lastTaken >= firstLost + 500);

        JvmProcess restarted = bridge("send", hosts.dirA, "lossy");
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "lossy");
        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        restarted.joinChecked(Duration.ofSeconds(60));
        receiver.joinChecked(Duration.ofSeconds(60));

        long[] r = result(consumer);
        ReceiverState state = receiverState(hosts.b(), "lossy");
        assertEquals(1, state.gaps(), receiver.output());
        assertEquals(firstLost, state.lastGapFrom(), "the gap starts at the first number B had not recorded");
        // it ends at the last number taken, or one further if the kill fell between a take and its record
        assertTrue(state.lastGapTo() == lastTaken || state.lastGapTo() == lastTaken + 1, state + " took " + lastTaken);
        assertEquals(state.lastGapTo() - state.lastGapFrom() + 1, state.lost());
        assertEquals(state.lost(), r[2], "every message missing at the consumer is reported lost, and no other:\n" + consumer.output());
        assertEquals(1, consumer.output().lines().filter(l -> l.startsWith("GAP ")).count(), consumer.output());
        assertEquals(count, r[0] + r[2], consumer.output());
        assertEquals(0, r[3] + r[4], consumer.output());
        assertTrue(receiver.output().contains("never arrived"), receiver.output());
    }
}
