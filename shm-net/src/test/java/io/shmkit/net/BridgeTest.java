package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStruct;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueProducer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.RecordQueue;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
        try {
            for (JvmProcess child : children) {
                child.kill();
                child.join(Duration.ofSeconds(30));
            }
            // a killed bridge cannot delete its embedded driver's directory
            try (var entries = java.nio.file.Files.list(Path.of("/dev/shm"))) {
                for (Path dir : entries.toList()) {
                    for (JvmProcess child : children) {
                        String name = dir.getFileName().toString();
                        if (name.matches("shmkit-aeron-\\d+-" + child.pid() + "-[0-9a-f]+")
                                || name.equals(LossyReceiver.aeronDirName(child.pid()))) {
                            try (var files = java.nio.file.Files.walk(dir)) {
                                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                    java.nio.file.Files.deleteIfExists(f);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            hosts.close();
        }
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

    /** The four processes of a link with a consumer on B. */
    record Flowing(JvmProcess receiver, JvmProcess sender, JvmProcess consumer, JvmProcess producer) {}

    /** Queues of 1 MiB on both sides, both bridges, a consumer on B and a producer of {@code count} messages on A. */
    private Flowing flowingLink(String queue, long count) {
        createQueues(hosts.a(), hosts.b(), queue, 1 << 20, 1 << 20);
        JvmProcess receiver = bridge("receive", hosts.dirB, queue);
        JvmProcess sender = bridge("send", hosts.dirA, queue);
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), queue);
        return new Flowing(receiver, sender, consumer, start(NetChild.class, "produce", hosts.dirA.toString(), queue, Long.toString(count)));
    }

    /** Waits for the producer and the consumer, then for both bridges to end after end of stream; each must exit 0. */
    private static void awaitLink(JvmProcess producer, JvmProcess consumer, JvmProcess sender, JvmProcess receiver)
            throws InterruptedException {
        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        sender.joinChecked(Duration.ofSeconds(60));
        receiver.joinChecked(Duration.ofSeconds(60));
    }

    /** The consumer read messages 0 to {@code count - 1}, each once, in order, intact: none lost, twice or torn. */
    private static void assertEveryMessageOnce(JvmProcess consumer, long count) {
        long[] r = result(consumer);
        assertEquals(List.of(count, count - 1, 0L, 0L, 0L), List.of(r[0], r[1], r[2], r[3], r[4]), consumer.output());
    }

    @Test
    void aMillionMessagesArriveExactlyOnceInOrderAndTheEndOfStreamFollows() throws Exception {
        long count = 1_000_000;
        Flowing link = flowingLink("orders", count);
        JvmProcess receiver = link.receiver();
        JvmProcess sender = link.sender();
        JvmProcess consumer = link.consumer();
        JvmProcess producer = link.producer();

        awaitLink(producer, consumer, sender, receiver);
        assertEveryMessageOnce(consumer, count);
        assertTrue(sender.output().contains("end of stream"), sender.output());
        // the sender timed round trips from its acknowledgements: an estimate exists, and is a loopback's, not a stall's
        Matcher estimate = Pattern.compile("round trip estimate (\\d+) microseconds").matcher(sender.output());
        assertTrue(estimate.find(), sender.output());
        long micros = Long.parseLong(estimate.group(1));
        assertTrue(micros > 0 && micros < 5_000_000, "a round trip estimate of " + micros + " microseconds");
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

    /** Queue B (64 KiB, 64-byte records) holds exactly this many: it is full when its depth is its capacity. */
    static final long SMALL = 64 << 10;

    private static boolean full(SegmentDirectory dir, String queue) {
        return MessageQueue.inspect(dir, queue).depthBytes() == SMALL;
    }

    private static long lastFull(JvmProcess producer) {
        Matcher at = Pattern.compile("FULL at (\\d+)").matcher(producer.output());
        long last = -1;
        while (at.find()) {
            last = Long.parseLong(at.group(1));
        }
        return last;
    }

    private static SenderState senderState(SegmentDirectory a, String queue) {
        try (SharedStruct<SenderState> s = SharedStruct.open(a, QueueSender.stateName(queue), SenderState.class)) {
            return s.get();
        }
    }

    /** The highest number the sender has sent (recorded after each batch). */
    private static long senderSent(SegmentDirectory a, String queue) {
        return senderState(a, queue).sent();
    }

    /** Where the last acknowledged message ends in queue A, as the sender recorded it (before consuming up to it). */
    private static long senderHead(SegmentDirectory a, String queue) {
        SenderState state = senderState(a, queue);
        return (state.version() & 1) == 0 ? state.head0() : state.head1();
    }

    /** The last number the sender saw acknowledged: the queue is consumed up to that message. */
    private static long senderAcknowledged(SegmentDirectory a, String queue) {
        SenderState state = senderState(a, queue);
        return (state.version() & 1) == 0 ? state.seq0() : state.seq1();
    }

    /** The three processes of a stalled link. */
    record Stalled(JvmProcess receiver, JvmProcess sender, JvmProcess producer) {
        JvmProcess[] all() {
            return new JvmProcess[] {receiver, sender, producer};
        }
    }

    /**
     * Starts a link with no consumer on B, and waits until B is full (so the receiver's record stands
     * still) and the sender has sent at least {@code beyond} messages more than B holds.
     */
    private Stalled stalledLink(String queue, long count, long beyond) throws Exception {
        createQueues(hosts.a(), hosts.b(), queue, SMALL, SMALL);
        JvmProcess receiver = bridge("receive", hosts.dirB, queue);
        JvmProcess sender = bridge("send", hosts.dirA, queue, "--window", "262144");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), queue, Long.toString(count), "all");
        Children.await("queue B full and the sender " + beyond + " messages ahead of it", LONG,
                () -> hosts.a().exists(QueueSender.stateName(queue)) && receiverStateExists(hosts.b(), queue) && full(hosts.b(), queue)
                        && senderSent(hosts.a(), queue) >= receiverState(hosts.b(), queue).next() + beyond,
                receiver, sender, producer);
        return new Stalled(receiver, sender, producer);
    }

    @Test
    void aStalledConsumerOnBFillsTheWindowThenQueueAAndNothingIsLostWhenItResumes() throws Exception {
        long count = 200_000;
        Stalled link = stalledLink("slow", count, 1);
        JvmProcess producer = link.producer();
        // B full, messages B has no room for in flight (and still in A), and then A full: its producer waits for room
        Children.await("queue A to fill behind the window", LONG, () -> full(hosts.a(), "slow"), link.all());
        long inB = receiverState(hosts.b(), "slow").next();
        long taken = senderSent(hosts.a(), "slow");
        assertEquals(SMALL / 64, inB, "B holds exactly its 1024 records and nothing more was written");
        assertTrue(taken > inB, "messages B had no room for are in flight: sent " + taken + ", B has " + inB);
        Children.await("A consumed up to what B recorded, and no further", LONG, () -> senderAcknowledged(hosts.a(), "slow") == inB - 1
                && MessageQueue.inspect(hosts.a(), "slow").head() == senderHead(hosts.a(), "slow"), link.all());
        long inFlight = senderSent(hosts.a(), "slow") - senderAcknowledged(hosts.a(), "slow");
        assertTrue(inFlight > 0 && inFlight <= SMALL / 64, "what is in flight is still in A, so A bounds it: " + inFlight);
        Children.await("the producer to find A full after all that", LONG, () -> lastFull(producer) > taken, link.all());
        assertFalse(producer.output().contains("PRODUCED"), "the producer waits for room");
        assertEquals(0, receiverState(hosts.b(), "slow").lost());

        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "slow");
        producer.joinChecked(LONG);
        consumer.joinChecked(LONG);
        long[] r = result(consumer);
        assertEquals(count, r[0], consumer.output());
        assertEquals(0, r[2] + r[3] + r[4], consumer.output());
    }

    @Test
    void aReceivingBridgeKilledAndRestartedGetsTheWindowAgainAndLosesNothing() throws Exception {
        long count = 100_000;
        Stalled link = stalledLink("kill", count, 500);
        JvmProcess receiver = link.receiver();
        JvmProcess sender = link.sender();
        JvmProcess producer = link.producer();
        receiver.kill();
        assertTrue(receiver.join(Duration.ofSeconds(30)));
        long recordedAtKill = receiverState(hosts.b(), "kill").next();
        long takenAtKill = senderSent(hosts.a(), "kill");
        assertTrue(takenAtKill >= recordedAtKill + 500, "messages in flight at the kill");

        JvmProcess restarted = bridge("receive", hosts.dirB, "kill");
        // the sender sends again from exactly the number the receiver recorded
        Children.await("the restarted receiver to join", LONG,
                () -> sender.output().contains("needs " + recordedAtKill + "; sending from " + recordedAtKill), sender, restarted);
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "kill");
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
        // B was full at the kill, so no write was under way: nothing is written twice
        assertEquals(0, r[3], consumer.output());
        assertEquals(0, state.duplicates());
        assertEquals(count, r[0]);
    }

    /**
     * The sending bridge killed mid-stream, again and again, until one kill has left the receiver
     * ahead of the sender's record (it recorded messages whose acknowledgement the dead sender never
     * saw): each successor numbers the messages still in A exactly as its predecessor did, and
     * nothing is lost or written twice (a misnumbered message would show as a gap or a repeat at B's consumer).
     */
    @Test
    void aSendingBridgeKilledMidStreamLosesNothingAndWritesNothingTwice() throws Exception {
        long count = 300_000;
        Flowing link = flowingLink("lossy", count);
        JvmProcess receiver = link.receiver();
        JvmProcess sender = link.sender();
        JvmProcess consumer = link.consumer();
        JvmProcess producer = link.producer();
        int kills = 0;
        boolean receiverAhead = false;
        long inFlightAtKills = 0;
        while (!receiverAhead && kills < 5) {
            long target = ++kills * 40_000L;
            JvmProcess current = sender;
            Children.await(target + " messages recorded", LONG,
                    () -> receiverStateExists(hosts.b(), "lossy") && receiverState(hosts.b(), "lossy").next() >= target, receiver, current);
            sender.kill();
            assertTrue(sender.join(Duration.ofSeconds(30)));
            long acknowledged = senderAcknowledged(hosts.a(), "lossy");
            inFlightAtKills += senderSent(hosts.a(), "lossy") - acknowledged;
            // what was in the dead sender's media driver may still arrive: watch the receiver's record for a while
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (!receiverAhead && System.nanoTime() < until) {
                receiverAhead = receiverState(hosts.b(), "lossy").next() - 1 > acknowledged;
                Thread.sleep(10);
            }
            sender = bridge("send", hosts.dirA, "lossy");
        }
        assertTrue(receiverAhead, "in " + kills + " kills, the receiver was never ahead of the sender's record");
        assertTrue(inFlightAtKills > 0, "messages were in flight at the kills");
        awaitLink(producer, consumer, sender, receiver);

        assertEveryMessageOnce(consumer, count);
        ReceiverState state = receiverState(hosts.b(), "lossy");
        assertEquals(0, state.lost() + state.gaps() + state.duplicates(), state.toString());
        assertTrue(sender.output().contains("receiver joined, needs"), sender.output());
    }

    /** Offers messages {@code from} to {@code to - 1} in {@link NetChild}'s format. */
    private static void produce(QueueProducer producer, long from, long to) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(NetChild.LENGTH, 8);
            for (long seq = from; seq < to; seq++) {
                for (int i = 0; i < 5; i++) {
                    m.set(ValueLayout.JAVA_LONG, 8L * i, NetChild.word(seq, i));
                }
                m.set(ValueLayout.JAVA_LONG, 40, NetChild.hash(seq));
                assertTrue(producer.offer(NetChild.TYPE, m), "queue A has room for all of them");
            }
        }
    }

    /**
     * Queue A made again while its sender is down: the record's positions belong to the old queue
     * (whose messages, all of the same size, would line up with the new one's), so the successor
     * must not read them as acknowledgements; it numbers the new queue's messages after the last the
     * receiver has, and the consumer on B sees the two queues' messages once each, in order.
     */
    @Test
    void aQueueAMadeAgainWhileItsSenderIsDownIsNumberedAfterTheReceiversLast() throws Exception {
        createQueues(hosts.a(), hosts.b(), "again", 1 << 20, 1 << 20);
        JvmProcess receiver = bridge("receive", hosts.dirB, "again");
        JvmProcess sender = bridge("send", hosts.dirA, "again");
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "again");
        try (MessageQueue first = MessageQueue.open(hosts.a(), "again"); QueueProducer producer = first.producer()) {
            produce(producer, 0, 10_000);
            producer.detach(); // the first queue's stream does not end: it is replaced
        }
        Children.await("all 10,000 recorded", LONG, () -> receiverStateExists(hosts.b(), "again")
                && receiverState(hosts.b(), "again").next() == 10_000, receiver, sender);
        sender.kill();
        assertTrue(sender.join(Duration.ofSeconds(30)));
        // the dead sender may or may not have seen the last acknowledgement: make its record say it had
        // seen only up to 4,999, so that the receiver is certainly ahead of it
        try (SharedStruct<SenderState> s = SharedStruct.open(hosts.a(), QueueSender.stateName("again"), SenderState.class)) {
            SenderState was = s.get();
            s.set(new SenderState(was.linkId(), was.version() + 2, 4_999, was.head0(), 4_999, was.head1(), was.endSeq(),
                    was.queueInstance(), was.sent()));
        }
        long instance = senderState(hosts.a(), "again").queueInstance();
        assertTrue(hosts.a().unlink("again"));
        MessageQueue.create(hosts.a(), "again", QueueOptions.oneProducer(1 << 20)).close();
        try (MessageQueue second = MessageQueue.open(hosts.a(), "again"); QueueProducer producer = second.producer()) {
            assertTrue(second.instanceId() != instance, "a queue made again has another instance id");
            produce(producer, 10_000, 20_000);
        } // closed: end of stream after 20,000
        JvmProcess restarted = bridge("send", hosts.dirA, "again");
        consumer.joinChecked(LONG);
        restarted.joinChecked(Duration.ofSeconds(60));
        receiver.joinChecked(Duration.ofSeconds(60));

        assertEveryMessageOnce(consumer, 20_000);
        assertTrue(restarted.output().contains("was made again"), restarted.output());
        assertTrue(restarted.output().contains("the receiver has numbers up to 9999; this queue's messages are numbered from 10000"),
                restarted.output());
        ReceiverState state = receiverState(hosts.b(), "again");
        assertEquals(0, state.lost() + state.gaps() + state.duplicates(), state.toString());
        assertEquals(20_001, state.next(), "END took the number after the last message");
    }

    /** After END, a queue A made again would be a second stream on the ended link: its sender refuses to start. */
    @Test
    void aQueueAMadeAgainAfterItsStreamEndedNeedsANewLink() throws Exception {
        createQueues(hosts.a(), hosts.b(), "ended", 1 << 20, 1 << 20);
        JvmProcess receiver = bridge("receive", hosts.dirB, "ended");
        JvmProcess sender = bridge("send", hosts.dirA, "ended");
        try (MessageQueue queue = MessageQueue.open(hosts.a(), "ended"); QueueProducer producer = queue.producer()) {
            produce(producer, 0, 100);
        }
        sender.joinChecked(Duration.ofSeconds(60));
        receiver.joinChecked(Duration.ofSeconds(60));
        assertEquals(101, receiverState(hosts.b(), "ended").next(), "100 messages and END");
        assertTrue(hosts.a().unlink("ended"));
        MessageQueue.create(hosts.a(), "ended", QueueOptions.oneProducer(1 << 20)).close();

        JvmProcess again = bridge("send", hosts.dirA, "ended");
        assertTrue(again.join(Duration.ofSeconds(60)));
        assertEquals(1, again.exitCode(), again.output());
        assertTrue(again.output().contains("a new stream needs a new link") && again.output().contains("ended.net-out"), again.output());
    }

    @Test
    void anOutageLongerThanAeronsTimeoutsLosesNothingAndTheLinkRecovers() throws Exception {
        createQueues(hosts.a(), hosts.b(), "outage", 1 << 20, 1 << 20);
        Path drop = hosts.dirB.resolve("drop");
        Path more = hosts.dirA.resolve("more");
        JvmProcess receiver = start(LossyReceiver.class, hosts.dirB.toString(), "outage", hosts.data, hosts.control, drop.toString());
        JvmProcess sender = bridge("send", hosts.dirA, "outage");
        JvmProcess consumer = start(NetChild.class, "consume", hosts.dirB.toString(), "outage");
        JvmProcess producer = start(NetChild.class, "produce", hosts.dirA.toString(), "outage", "20000", "first", "10000", more.toString());

        Children.await("the first 10,000 recorded", LONG,
                () -> receiverStateExists(hosts.b(), "outage") && receiverState(hosts.b(), "outage").next() >= 10_000, receiver, sender);
        java.nio.file.Files.createFile(drop); // B hears nothing from now on
        java.nio.file.Files.createFile(more); // and A sends the next 10,000 into the outage
        Children.await("the sender to find the receiver unreachable", LONG,
                () -> sender.output().contains("the receiver is unreachable"), receiver, sender);
        assertEquals(10_000, receiverState(hosts.b(), "outage").next(), "nothing crossed during the outage");
        java.nio.file.Files.delete(drop);

        awaitLink(producer, consumer, sender, receiver);
        assertEveryMessageOnce(consumer, 20_000);
        assertTrue(receiver.output().contains("joins the sender again"), "the outage broke the session:\n" + receiver.output());
        assertEquals(0, receiverState(hosts.b(), "outage").lost());
    }

    @Test
    void bridgesStoppedWithSigtermLoseNothingAndDoNotEndQueueBsStream() throws Exception {
        long count = 300_000;
        Flowing link = flowingLink("stops", count);
        JvmProcess receiver = link.receiver();
        JvmProcess sender = link.sender();
        JvmProcess consumer = link.consumer();
        JvmProcess producer = link.producer();

        Children.await("50,000 messages recorded", LONG,
                () -> receiverStateExists(hosts.b(), "stops") && receiverState(hosts.b(), "stops").next() >= 50_000, receiver, sender);
        receiver.terminate();
        assertTrue(receiver.join(Duration.ofSeconds(30)));
        assertEquals(0, receiver.exitCode(), receiver.output());
        assertFalse(MessageQueue.inspect(hosts.b(), "stops").endOfStream(), "a stopped receiver does not end B's stream");
        JvmProcess receiver2 = bridge("receive", hosts.dirB, "stops");

        Children.await("150,000 messages recorded", LONG, () -> receiverState(hosts.b(), "stops").next() >= 150_000, receiver2, sender);
        sender.terminate();
        assertTrue(sender.join(Duration.ofSeconds(30)));
        assertEquals(0, sender.exitCode(), sender.output());
        JvmProcess sender2 = bridge("send", hosts.dirA, "stops");

        awaitLink(producer, consumer, sender2, receiver2);
        assertEveryMessageOnce(consumer, count);
        ReceiverState state = receiverState(hosts.b(), "stops");
        assertEquals(0, state.lost() + state.duplicates(), state.toString());
    }
}
