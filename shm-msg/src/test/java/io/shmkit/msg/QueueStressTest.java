package io.shmkit.msg;

import static io.shmkit.msg.StressChild.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Long runs, only under {@code ./mvnw -B -Pstress verify}: producer and consumer JVMs are
 * SIGKILLed over and over ({@code -Dshmkit.stress.rounds=N} kills per queue kind, default 40)
 * while they stream checksummed messages. Nothing committed may be lost, nothing may be
 * delivered torn or out of order, and the queue must keep flowing after every kill.
 *
 * <p>The test proves its own precondition: every victim records in shared phase words where it
 * is in each operation, kills are aimed at producers holding a half-written claim and consumers
 * inside their handler, and after each death the words say where it died. Only those kills
 * count as landed; a run where none landed reports itself skipped rather than passed.
 */
@Tag("stress")
class QueueStressTest extends SegmentTestSupport {
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(120);
    private final List<JvmProcess> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
    }

    private JvmProcess start(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = dir.path().toString();
        System.arraycopy(args, 0, all, 1, args.length);
        JvmProcess p = JvmProcess.builder(StressChild.class).jvmOptions("-Xmx64m", "-XX:+UseSerialGC").args(all).captureOutput()
                .start();
        children.add(p);
        return p;
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    @ParameterizedTest
    @ValueSource(ints = {QueueDescriptor.ONE_PRODUCER, QueueDescriptor.MANY_PRODUCERS})
    void producersAndConsumersKilledMidOperationLoseNothingCommitted(int kind) throws Exception {
        int rounds = Integer.getInteger("shmkit.stress.rounds", 40);
        Random random = new Random(42);
        try (SharedLongArray phases = SharedLongArray.create(dir, "phases", WORDS);
             SharedLongArray seen = SharedLongArray.create(dir, "seen", MAX_PRODUCERS);
             MessageQueue queue = MessageQueue.create(dir, "q", new QueueOptions(kind, 1 << 14, 512, QueueChild.WAITING))) {
            Map<Integer, JvmProcess> producers = new HashMap<>();
            Map<Integer, Long> diedAt = new HashMap<>(); // producer id -> its phase word when it died
            int nextId = 0;
            for (int i = 0; i < (kind == QueueDescriptor.ONE_PRODUCER ? 1 : 2); i++) {
                producers.put(nextId, start("producer", Integer.toString(nextId)));
                nextId++;
            }
            JvmProcess consumer = start("consumer");
            int landedWriting = 0;
            int landedConsumer = 0;
            int consumerKills = 0;
            for (int round = 0; round < rounds; round++) {
                long delivered = phases.getVolatile(DELIVERED);
                JvmProcess c = consumer;
                assertTrue(await(() -> phases.getVolatile(DELIVERED) >= delivered + 50, PROGRESS_TIMEOUT),
                        "the queue stopped flowing after round " + round + ": " + queue.status() + "\nconsumer:\n" + c.output());
                if (round % 3 == 2) {
                    consumerKills++;
                    await(() -> phases.getVolatile(CONSUMER_PHASE) == 1, Duration.ofSeconds(10));
                    consumer.kill();
                    consumer.join(Duration.ofSeconds(30));
                    if (phases.getVolatile(CONSUMER_PHASE) == 1) {
                        landedConsumer++;
                    }
                    phases.setVolatile(CONSUMER_PHASE, 0);
                    consumer = start("consumer");
                } else {
                    int id = new ArrayList<>(producers.keySet()).get(random.nextInt(producers.size()));
                    JvmProcess victim = producers.remove(id);
                    if (round % 2 == 0) {
                        await(() -> phases.getVolatile(4L * id + PHASE) == WRITING, Duration.ofSeconds(10));
                    } else {
                        Thread.sleep(random.nextInt(5)); // anywhere
                    }
                    victim.kill();
                    victim.join(Duration.ofSeconds(30));
                    long phase = phases.getVolatile(4L * id + PHASE);
                    diedAt.put(id, phase);
                    if (phase == WRITING) {
                        landedWriting++;
                    }
                    producers.put(nextId, start("producer", Integer.toString(nextId)));
                    nextId++;
                }
            }
            phases.setVolatile(STOP, 1);
            for (JvmProcess p : producers.values()) {
                assertTrue(p.join(PROGRESS_TIMEOUT) && p.exitCode() == 0, p.output());
            }
            assertTrue(consumer.join(PROGRESS_TIMEOUT) && consumer.exitCode() == 0, consumer.output());

            assertEquals(0, phases.getVolatile(TORN), "torn messages delivered");
            assertEquals(0, phases.getVolatile(GAPS), "messages lost");
            long droppedAtLeast = 0;
            long droppedAtMost = 0;
            for (int id = 0; id < nextId; id++) {
                long next = seen.getVolatile(id);
                long committed = phases.getVolatile(4L * id + COMMITTED);
                Long phase = diedAt.get(id);
                if (phase == null) {
                    assertEquals(committed, next, "producer " + id + " closed: all it committed was delivered");
                } else if (phase == WRITING) {
                    // it died with a claim open: dropped, or committed just before its count was recorded
                    assertTrue(next == committed || next == committed + 1, "producer " + id + ": " + next + " vs " + committed);
                    if (next == committed) {
                        droppedAtLeast++;
                        droppedAtMost++;
                    }
                } else {
                    assertEquals(committed, next, "producer " + id + " died in phase " + phase);
                    if (phase == CLAIMING) {
                        droppedAtMost++; // its reservation may have been published
                    }
                }
            }
            long unblocked = queue.status().unblocked();
            assertTrue(unblocked >= droppedAtLeast && unblocked <= droppedAtMost,
                    "unblocked " + unblocked + " must count exactly the messages dropped: " + droppedAtLeast + " to " + droppedAtMost);
            System.out.printf("%s: %d rounds, %d producer kills landed mid-claim, %d of %d consumer kills inside the handler,"
                    + " %d delivered (%d again after a consumer died), %d unblocked, %d claim take-overs%n",
                    kind == 1 ? "one producer" : "many producers", rounds, landedWriting, landedConsumer, consumerKills,
                    phases.getVolatile(DELIVERED), phases.getVolatile(DUPLICATES), unblocked, queue.status().claimTakeovers());
            Assumptions.assumeTrue(landedWriting > 0 && landedConsumer > 0,
                    "no kill landed mid-operation (producers " + landedWriting + ", consumers " + landedConsumer + "): nothing was proven");
        }
    }
}
