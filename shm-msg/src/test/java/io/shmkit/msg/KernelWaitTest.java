package io.shmkit.msg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.process.Children;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.ThreadStates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Kernel waits on queues between real JVMs. That a waiter sleeps in the kernel is read from
 * {@code /proc/<pid>/task/<tid>/syscall}: a shared {@code FUTEX_WAIT} (a parked thread's wait is
 * private, so polling can never pass) on an address inside the queue's own mapping.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class KernelWaitTest extends SegmentTestSupport {
    private static final Duration START = Duration.ofSeconds(90);
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    private final List<JvmProcess> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(JvmProcess::close);
    }

    private JvmProcess child(boolean nativeAccess, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = dir.path().toString();
        System.arraycopy(args, 0, all, 1, args.length);
        List<String> options = new ArrayList<>(List.of("-Xmx64m", "-XX:+UseSerialGC"));
        if (nativeAccess) {
            options.add(NATIVE);
        }
        JvmProcess p = JvmProcess.builder(KernelWaitChild.class).jvmOptions(options.toArray(String[]::new)).args(all)
                .captureOutput().start();
        children.add(p);
        return p;
    }

    private Path file(String name) {
        return dir.path().resolve(name);
    }

    /** Whether the queue's consumer wake word says a sleep was announced since the last wake. */
    private boolean consumerSleepAnnounced(String name) {
        try (MessageQueue queue = MessageQueue.open(dir, name)) {
            return ((int) MessageQueue.INT.getVolatile(queue.data, queue.control + QueueDescriptor.CONSUMER_WAKE) & 1) != 0;
        }
    }

    @Test
    void aConsumerJvmSleepsInTheKernelOnItsQueueUsingAlmostNoCpuAndAProducerJvmWakesIt() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(4096)).close();
        JvmProcess consumer = child(true, "consume", "q", "1000", "true");
        Children.await("the consumer asleep in the kernel on the queue", START, () -> ThreadStates.sleepsInKernelOn(consumer.pid(),
                KernelWaitChild.CONSUMER_THREAD, file("q")), consumer);
        assertTrue(consumerSleepAnnounced("q"), "a sleeping consumer has announced itself");

        long tid = ThreadStates.thread(consumer.pid(), KernelWaitChild.CONSUMER_THREAD).orElseThrow();
        long cpuBefore = ThreadStates.cpuNanos(consumer.pid(), tid);
        long t0 = System.nanoTime();
        Thread.sleep(2000);
        long cpu = ThreadStates.cpuNanos(consumer.pid(), tid) - cpuBefore;
        long elapsed = System.nanoTime() - t0;
        assertTrue(ThreadStates.sleepsInKernelOn(consumer.pid(), KernelWaitChild.CONSUMER_THREAD, file("q")), "still asleep");
        assertTrue(cpu < elapsed / 100, "a sleeping consumer used " + cpu / 1e6 + " ms of CPU in " + elapsed / 1e6
                + " ms: more than 1% of a core");

        JvmProcess producer = child(true, "produce", "q", "1000", "true");
        producer.joinChecked(START);
        consumer.joinChecked(START);
        assertTrue(consumer.output().contains("received 1000, kernel waits on"), consumer.output());
        assertFalse(consumerSleepAnnounced("q"), "the producer that woke it cleared the announcement");
    }

    @Test
    void producersSleepingOnAFullQueueAreWokenByTheConsumerAndNothingIsLost() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024)).close();
        long count = 20_000; // far beyond the 1 KiB ring: the producer fills it and sleeps many times
        JvmProcess producer = child(true, "produce", "q", Long.toString(count), "true");
        Children.await("the producer asleep in the kernel on the full queue", START, () -> ThreadStates.sleepsInKernelOn(producer.pid(),
                KernelWaitChild.PRODUCER_THREAD, file("q")), producer);
        JvmProcess consumer = child(true, "consume", "q", Long.toString(count), "true");
        producer.joinChecked(START);
        consumer.joinChecked(START);
        assertTrue(consumer.output().contains("received " + count), consumer.output());
    }

    @Test
    void aSleeperKilledInItsSleepLeavesAWordThatTheNextProducerClears() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(4096)).close();
        JvmProcess consumer = child(true, "consume", "q", "1", "true");
        Children.await("the consumer asleep in the kernel", START, () -> ThreadStates.sleepsInKernelOn(consumer.pid(),
                KernelWaitChild.CONSUMER_THREAD, file("q")), consumer);
        consumer.kill();
        assertTrue(consumer.join(START), "killed consumer exited");
        assertTrue(consumerSleepAnnounced("q"), "the dead sleeper's announcement is still there");

        JvmProcess producer = child(true, "produce", "q", "1", "true");
        producer.joinChecked(START);
        assertFalse(consumerSleepAnnounced("q"), "one wake by the next producer cleared it: no later message pays for the dead");
    }

    /** The number a child printed after {@code label}; fails naming its output if it printed none. */
    private static long reported(JvmProcess child, String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(label) + "(\\d+)")
                .matcher(child.output());
        assertTrue(m.find(), () -> "no '" + label + "' in the output:\n" + child.output());
        return Long.parseLong(m.group(1));
    }

    @Test
    void noWakeUpIsLostWhenCommitsRaceWithAnnouncements() throws Exception {
        MessageQueue.create(dir, "q", QueueOptions.oneProducer(1024)).close();
        MessageQueue.create(dir, "q.back", QueueOptions.oneProducer(1024)).close();
        long count = 5000;
        JvmProcess echo = child(true, "race-consume", "q", Long.toString(count));
        JvmProcess producer = child(true, "race-produce", "q", Long.toString(count));
        producer.joinChecked(START);
        echo.joinChecked(START);
        String out = producer.output();
        long longest = Long.parseLong(out.replaceAll("(?s).*longest round trip (\\d+) ms.*", "$1"));
        // the race was run in both directions only if each side announced kernel sleeps that the
        // other's commits then had to wake: counted from each wake word's epoch, not hoped for
        long producerSleeps = reported(producer, "producer: announced sleeps woken ");
        long echoSleeps = reported(echo, "echo: announced sleeps woken ");
        System.out.printf("round trips %d: the echo was woken from %d announced sleeps, the producer from %d%n", count,
                echoSleeps, producerSleeps);
        assertTrue(echoSleeps > 0, "the echo never announced a kernel sleep that a commit woke\n" + echo.output());
        assertTrue(producerSleeps > 0, "the producer never announced a kernel sleep that a commit woke\n" + out);
        // a lost wake-up sleeps out the 30 s bound; a busy machine delays a round trip by milliseconds
        assertTrue(longest < 10_000, "a round trip took " + longest + " ms: a wake-up was lost\n" + out);
    }

    @Test
    void aPipePollSleepsInTheKernelUntilTheOtherEndSends() throws Exception {
        JvmProcess poller = child(true, "pipe-poll", "p");
        Children.await("the poller asleep in the kernel on its pipe", START, () -> ThreadStates.sleepsInKernelOn(poller.pid(),
                KernelWaitChild.CONSUMER_THREAD, file(Pipe.queueName("p", Pipe.End.FIRST))), poller);
        child(true, "pipe-send", "p").joinChecked(START);
        poller.joinChecked(START);
        assertTrue(poller.output().contains("polled wake up"), poller.output());
    }

    @Test
    void withoutTheOptInNoRestrictedMethodIsCalledAndNoWarningAppears() throws Exception {
        JvmProcess p = child(false, "everything", "false");
        p.joinChecked(START);
        assertTrue(p.output().contains("everything worked"), p.output());
        assertFalse(p.output().contains("WARNING"), "a child that did not opt in printed a warning:\n" + p.output());
    }

    @Test
    void optingInWithoutNativeAccessFallsBackToPollingAndSaysOnceWhichFlagToAdd() throws Exception {
        JvmProcess p = child(false, "everything", "true");
        p.joinChecked(START);
        String out = p.output();
        assertTrue(out.contains("futex available: false; everything worked"), out);
        assertFalse(out.contains("restricted method"), "a JDK native-access warning appeared:\n" + out);
        assertEquals(1, out.lines().filter(l -> l.contains("kernel waits were asked for but are off")).count(), out);
        assertTrue(out.contains("--enable-native-access=ALL-UNNAMED"), out);
    }

    @Test
    void optingInWithNativeAccessWorksWithoutAnyWarning() throws Exception {
        JvmProcess p = child(true, "everything", "true");
        p.joinChecked(START);
        assertTrue(p.output().contains("futex available: true; everything worked"), p.output());
        assertFalse(p.output().contains("WARNING"), p.output());
    }
}
