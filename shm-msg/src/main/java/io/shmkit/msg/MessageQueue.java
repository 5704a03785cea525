package io.shmkit.msg;

import static io.shmkit.msg.QueueDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.shmkit.core.Access;
import io.shmkit.core.Layouts;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentFormatException;
import io.shmkit.core.SegmentKind;
import io.shmkit.core.SegmentLayoutException;
import io.shmkit.core.SegmentExistsException;
import io.shmkit.core.SegmentNotFoundException;
import io.shmkit.core.SharedMemory;
import io.shmkit.sync.LockDescriptor;
import io.shmkit.sync.LockHolder;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.SharedSemaphore;
import io.shmkit.sync.WakeWord;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A queue of variable-length messages in a named segment, between processes: one consumer,
 * and one producer or many ({@link QueueOptions}). Each message has an int type id (1 and up)
 * and up to {@link #maxMessageLength()} bytes. Python's {@code multiprocessing.Queue} copies and
 * pickles every message through a pipe; here a producer writes a message once, into the
 * shared ring, and the consumer reads it in place.
 *
 * <pre>{@code
 * try (MessageQueue queue = MessageQueue.openOrCreate(shm, "jobs", QueueOptions.manyProducers(1 << 20));
 *      QueueProducer producer = queue.producer()) {
 *     producer.offer(1, "hello".getBytes());                // copy in
 *     try (Claim claim = producer.tryClaim(2, 16)) {          // or write in place (null if full)
 *         claim.buffer().set(JAVA_LONG, claim.offset(), 42L);
 *         claim.commit();
 *     }
 * }
 * // another process
 * try (MessageQueue queue = MessageQueue.open(shm, "jobs"); QueueConsumer consumer = queue.consumer()) {
 *     consumer.read((type, buffer, offset, length) -> handle(type, buffer, offset, length), 64);
 * }
 * }</pre>
 *
 * <p><b>Roles.</b> {@link #producer()} and {@link #consumer()} take a role: the consumer role is
 * exclusive (a second live consumer is refused, naming the first), the producer role too for a
 * one-producer queue. Roles belong to processes; a role whose process died is taken back by the
 * next process that asks for it. <b>Deaths</b>, with nothing committed lost: a producer killed
 * while writing leaves a message that the consumer drops (never delivers torn) once it finds the
 * writer dead, counting it in {@link QueueStatus#unblocked()}; a consumer killed while processing
 * leaves that message to be delivered again to the next consumer (at-least-once). The protocols,
 * and what each death at each step leaves, are in {@code docs/messaging.md}.
 *
 * <p>Thread-safety: a queue object may be shared between threads; a producer of a many-producer
 * queue too; a one-producer queue's producer and every consumer are for one thread at a time.
 * {@link #close()} closes the ends made from it that are still open, then unmaps.
 */
public final class MessageQueue implements AutoCloseable, io.shmkit.core.Attachable {
    static final VarHandle LONG = JAVA_LONG.varHandle().withInvokeExactBehavior();
    static final VarHandle INT = JAVA_INT.varHandle().withInvokeExactBehavior();

    /** An expected record size that is not checked: the layout text, compared first, decides. */
    private static final int ANY_RECORD_SIZE = -1;

    final SharedMemory memory;
    final MemorySegment data;
    final String name;
    final int producers;
    final long capacity;
    final long mask;
    final int maxMessage;
    final int recordSize;
    final String recordLayout;
    /** C, the control area's offset in {@link #data}. */
    final long control;
    /** The ring, {@code capacity} bytes; record offsets are relative to it. */
    final MemorySegment ring;
    final boolean privateToUser;
    final LockOptions waiting;
    final SharedSemaphore consumerRole;
    final SharedSemaphore producerRole;
    /** Where the consumer sleeps for data, and producers for room, with kernel waits on. */
    final WakeWord consumerWake;
    final WakeWord producersWake;

    /** The producers and consumers made from this object and not yet closed: {@link #close()} closes them first. */
    private final Set<AutoCloseable> ends = ConcurrentHashMap.newKeySet();

    private MessageQueue(SharedMemory memory, LockOptions waiting, String expectedLayout, int expectedRecordSize) {
        this.memory = memory;
        this.data = memory.asSegment();
        this.name = memory.name();
        this.waiting = waiting;
        Descriptor d = Descriptor.read(name, data);
        this.producers = d.producers;
        this.capacity = d.capacity;
        this.mask = capacity - 1;
        this.maxMessage = d.maxMessage;
        this.recordSize = d.recordSize;
        this.recordLayout = d.layout;
        // the layout is compared before anything else is touched: attaching as the wrong type writes nothing
        if (!recordLayout.equals(expectedLayout)) {
            throw new SegmentLayoutException(name, "holds a queue of " + describe(recordLayout) + ", requested a queue of "
                    + describe(expectedLayout) + (recordLayout.isEmpty() || expectedLayout.isEmpty() ? ""
                            : ": " + Layouts.difference(recordLayout, expectedLayout)));
        }
        if (expectedRecordSize != ANY_RECORD_SIZE && recordSize != expectedRecordSize) {
            throw corrupt(name, "its record size is " + recordSize + " but its layout " + describe(recordLayout) + " is "
                    + expectedRecordSize + " bytes");
        }
        this.control = QueueDescriptor.control(d.layout.getBytes(StandardCharsets.UTF_8).length);
        this.ring = data.asSlice(control + RING, capacity);
        this.privateToUser = memory.isPrivateToUser();
        this.consumerWake = WakeWord.at(data, control + CONSUMER_WAKE, waiting);
        this.producersWake = WakeWord.at(data, control + PRODUCERS_WAKE, waiting);
        checkPositions();
        try {
            this.consumerRole = SharedSemaphore.at(memory, control + CONSUMER_ROLE, 1).withOptions(waiting);
            this.producerRole = SharedSemaphore.at(memory, control + PRODUCER_ROLE,
                    producers == ONE_PRODUCER ? 1 : MANY_PRODUCER_PERMITS).withOptions(waiting);
        } catch (IllegalArgumentException badRole) {
            throw new SegmentFormatException(name, "is a corrupt queue: a role's words are not a semaphore of the queue's"
                    + " permits (" + badRole.getMessage() + ")", badRole);
        }
    }

    // ------------------------------------------------------------------ making and attaching

    /**
     * Creates a queue of byte messages.
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for an invalid name
     */
    public static MessageQueue create(SegmentDirectory directory, String name, QueueOptions options) {
        return create(directory, name, options, "", 0);
    }

    /** Attaches to an existing queue of byte messages, waiting as {@link LockOptions#DEFAULT} says. */
    public static MessageQueue open(SegmentDirectory directory, String name) {
        return open(directory, name, LockOptions.DEFAULT, "", 0);
    }

    /**
     * Attaches to an existing queue of byte messages, its ends waiting as {@code waiting} says.
     *
     * @throws SegmentNotFoundException if the name does not exist
     * @throws SegmentLayoutException   if it is not a queue, or a queue of records
     * @throws SegmentFormatException   if its descriptor is corrupt
     */
    public static MessageQueue open(SegmentDirectory directory, String name, LockOptions waiting) {
        return open(directory, name, waiting, "", 0);
    }

    /**
     * Attaches to an existing queue whose messages must be records of the layout that
     * {@code layoutText} describes ({@code docs/layouts.md}; empty: byte messages): for a process
     * that learned the layout from elsewhere, such as a network bridge forwarding another host's
     * queue, and holds no record class. The messages are then opaque bytes to this process,
     * which must write only records of that layout.
     *
     * @throws SegmentLayoutException if the queue holds another layout, naming the first field
     *         that differs ({@link Layouts#difference})
     */
    public static MessageQueue openWithLayout(SegmentDirectory directory, String name, LockOptions waiting, String layoutText) {
        return open(directory, name, waiting, layoutText, ANY_RECORD_SIZE);
    }

    /** Attaches if the name exists (checking that it is a byte queue), else creates it; safe to race. */
    public static MessageQueue openOrCreate(SegmentDirectory directory, String name, QueueOptions options) {
        return openOrCreate(directory, name, options, "", 0);
    }

    static MessageQueue create(SegmentDirectory directory, String name, QueueOptions options, String layout, int recordSize) {
        byte[] layoutText = layout.getBytes(StandardCharsets.UTF_8);
        if (layoutText.length > MAX_LAYOUT_LENGTH) {
            throw new IllegalArgumentException("queue '" + name + "': record layout of " + layoutText.length + " bytes exceeds "
                    + MAX_LAYOUT_LENGTH);
        }
        SharedMemory memory = SharedMemory.create(directory, name, SegmentKind.QUEUE,
                QueueDescriptor.dataSize(layoutText.length, options.capacity()),
                data -> Descriptor.write(data, options, layoutText, recordSize));
        return attach(memory, options.waiting(), layout, recordSize);
    }

    static MessageQueue open(SegmentDirectory directory, String name, LockOptions waiting, String layout, int recordSize) {
        return attach(SharedMemory.open(directory, name, SegmentKind.QUEUE, Access.READ_WRITE), waiting, layout, recordSize);
    }

    static MessageQueue openOrCreate(SegmentDirectory directory, String name, QueueOptions options, String layout, int recordSize) {
        MessageQueue queue = Descriptors.openOrCreate(directory, () -> open(directory, name, options.waiting(), layout, recordSize),
                () -> create(directory, name, options, layout, recordSize));
        if (queue.capacity != options.capacity() || queue.producers != options.producers()) {
            queue.close();
            throw new SegmentLayoutException(name, "is a queue of " + queue.capacity + " bytes for " + producersText(queue.producers)
                    + ", requested " + options.capacity() + " bytes for " + producersText(options.producers()));
        }
        return queue;
    }

    /**
     * The state of queue {@code name}, whatever its messages: for monitoring (the {@code shm}
     * command). Attaches, takes no role, writes nothing, and detaches.
     *
     * @throws SegmentNotFoundException if there is none
     * @throws SegmentLayoutException   if it is not a queue
     * @throws SegmentFormatException   if its descriptor is corrupt
     */
    public static QueueStatus inspect(SegmentDirectory directory, String name) {
        SharedMemory memory = SharedMemory.open(directory, name, SegmentKind.QUEUE, Access.READ_ONLY);
        Descriptor d;
        try {
            d = Descriptor.read(name, memory.asSegment());
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
        try (MessageQueue queue = attach(memory, LockOptions.DEFAULT, d.layout, d.recordSize)) {
            return queue.status();
        }
    }

    private static MessageQueue attach(SharedMemory memory, LockOptions waiting, String layout, int recordSize) {
        try {
            return new MessageQueue(memory, waiting, layout, recordSize);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    private static String describe(String layout) {
        return layout.isEmpty() ? "byte messages" : "records " + layout;
    }

    private static String producersText(int producers) {
        return producers == ONE_PRODUCER ? "one producer" : "many producers";
    }

    /** Writes a queue descriptor into fresh data (also used by tests that forge segments). */
    static void writeDescriptor(MemorySegment data, QueueOptions options, byte[] layoutText, int recordSize) {
        Descriptor.write(data, options, layoutText, recordSize);
    }

    /** A queue's immutable descriptor, checked on attach. */
    private record Descriptor(int producers, long capacity, int maxMessage, int recordSize, String layout) {
        static void write(MemorySegment data, QueueOptions options, byte[] layoutText, int recordSize) {
            MemorySegment.copy(MAGIC, 0, data, JAVA_BYTE, MAGIC_OFFSET, MAGIC.length);
            data.set(JAVA_INT, PRODUCERS_OFFSET, options.producers());
            data.set(JAVA_LONG, CAPACITY_OFFSET, options.capacity());
            data.set(JAVA_INT, MAX_MESSAGE_OFFSET, options.maxMessageLength());
            data.set(JAVA_INT, RECORD_SIZE_OFFSET, recordSize);
            data.set(JAVA_INT, LAYOUT_LENGTH_OFFSET, layoutText.length);
            MemorySegment.copy(layoutText, 0, data, JAVA_BYTE, LAYOUT_OFFSET, layoutText.length);
            data.set(JAVA_INT, CHECKSUM_OFFSET, checksum(data, layoutText.length));
            long c = QueueDescriptor.control(layoutText.length);
            // the roles' permit counts, set before anyone can attach
            data.set(JAVA_INT, c + CONSUMER_ROLE + LockDescriptor.PERMITS_OFFSET, 1);
            data.set(JAVA_INT, c + PRODUCER_ROLE + LockDescriptor.PERMITS_OFFSET,
                    options.producers() == ONE_PRODUCER ? 1 : MANY_PRODUCER_PERMITS);
        }

        static Descriptor read(String name, MemorySegment data) {
            Descriptors.checkMagic(name, "queue", data, MAGIC, LAYOUT_OFFSET);
            int producers = data.get(JAVA_INT, PRODUCERS_OFFSET);
            long capacity = data.get(JAVA_LONG, CAPACITY_OFFSET);
            int maxMessage = data.get(JAVA_INT, MAX_MESSAGE_OFFSET);
            int recordSize = data.get(JAVA_INT, RECORD_SIZE_OFFSET);
            int layoutLength = data.get(JAVA_INT, LAYOUT_LENGTH_OFFSET);
            if (layoutLength < 0 || layoutLength > MAX_LAYOUT_LENGTH || LAYOUT_OFFSET + layoutLength > data.byteSize()) {
                throw corrupt(name, "record layout length is " + Integer.toUnsignedString(layoutLength));
            }
            Descriptors.checkMagicAndChecksum(name, "queue", data, MAGIC, CHECKSUM_OFFSET, data.asSlice(LAYOUT_OFFSET, layoutLength));
            if (producers != ONE_PRODUCER && producers != MANY_PRODUCERS) {
                throw corrupt(name, "producer count code is " + producers);
            }
            if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
                throw corrupt(name, "capacity is " + capacity);
            }
            if (maxMessage < 0 || maxMessage > QueueOptions.largestMessage(capacity)) {
                throw corrupt(name, "max message length is " + maxMessage + " for a capacity of " + capacity);
            }
            if (recordSize < 0 || recordSize > maxMessage || (recordSize == 0) != (layoutLength == 0)) {
                throw corrupt(name, "record size is " + recordSize + " with a layout text of " + layoutLength + " bytes");
            }
            long expected = QueueDescriptor.dataSize(layoutLength, capacity);
            if (data.byteSize() != expected) {
                throw corrupt(name, "its data is " + data.byteSize() + " bytes; a ring of " + capacity + " needs " + expected);
            }
            String layout = new String(data.asSlice(LAYOUT_OFFSET, layoutLength).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            return new Descriptor(producers, capacity, maxMessage, recordSize, layout);
        }

        private static int checksum(MemorySegment data, int layoutLength) {
            return Descriptors.checksum(data, CHECKSUM_OFFSET, data.asSlice(LAYOUT_OFFSET, layoutLength));
        }
    }

    static SegmentFormatException corrupt(String name, String what) {
        return new SegmentFormatException(name, "is a corrupt queue: " + what);
    }

    /**
     * Tail, head and cleared position must make sense before anyone trusts them. The consumer
     * and producers move them while this reads them: with head and cleared unchanged around the
     * read of the tail (which only grows, and never past cleared + capacity), the three are one
     * consistent state, and breaking the invariant means corruption.
     */
    private void checkPositions() {
        long giveUp = System.nanoTime() + Math.max(waiting.ownerCheckInterval().toNanos(), 1_000_000_000L);
        for (;;) {
            long cleared = (long) LONG.getAcquire(data, control + CLEARED);
            long head = head();
            long tail = tail();
            if ((long) LONG.getAcquire(data, control + CLEARED) != cleared || head() != head) {
                // the consumer moved while this read: the three may come from different moments
                if (System.nanoTime() - giveUp > 0) {
                    throw corrupt(name, "its positions never stopped changing while attaching, for "
                            + Math.max(waiting.ownerCheckInterval().toMillis(), 1000) + " ms");
                }
                Thread.onSpinWait();
                continue;
            }
            long misaligned = (tail | head | cleared) & (RecordDescriptor.ALIGNMENT - 1);
            if (cleared >= 0 && cleared <= head && head <= tail && tail - cleared <= capacity && misaligned == 0) {
                return;
            }
            throw corrupt(name, "its positions (cleared " + cleared + ", head " + head + ", tail " + tail
                    + ") break cleared <= head <= tail <= cleared + " + capacity + " (the capacity), all multiples of "
                    + RecordDescriptor.ALIGNMENT);
        }
    }

    // ------------------------------------------------------------------ roles

    /**
     * Takes a producer role: the only one of a one-producer queue (a dead holder's is taken
     * back), one of up to {@value QueueDescriptor#MANY_PRODUCER_PERMITS} of a many-producer one.
     *
     * @throws IllegalStateException if a one-producer queue has a live producer, naming its pid
     */
    public QueueProducer producer() {
        return new QueueProducer(this);
    }

    /**
     * Takes the consumer role: if a dead process held it, it is taken back, and messages that
     * process had read but not finished are delivered again.
     *
     * @throws IllegalStateException if a live consumer holds it, naming its pid
     */
    public QueueConsumer consumer() {
        return new QueueConsumer(this);
    }

    /** Takes a role's permit now, or after taking back a dead holder's; else throws naming the live holder. */
    void takeRole(SharedSemaphore role, String what) {
        Roles.take(role, waiting, "queue", name, what);
    }

    // ------------------------------------------------------------------ state

    long tail() {
        return (long) LONG.getAcquire(data, control + TAIL);
    }

    long head() {
        return (long) LONG.getAcquire(data, control + HEAD);
    }

    /** The queue's state now, for monitoring: a snapshot, read without taking anything. */
    public QueueStatus status() {
        long head = head();
        long tail = tail();
        Optional<LockHolder> consumer = consumerRole.holders().stream().findFirst();
        List<LockHolder> producerHolders = producerRole.holders();
        return new QueueStatus(name, producers == ONE_PRODUCER ? "one producer" : "many producers", capacity, maxMessage,
                recordLayout, head, tail, tail - head, countMessages(head, tail),
                (long) LONG.getVolatile(data, control + UNBLOCKED), (long) LONG.getVolatile(data, control + CLAIM_TAKEOVERS),
                consumer, producerHolders, isEndOfStream());
    }

    /** Messages between head and tail, by walking their headers; for status, not for hot paths. */
    long countMessages(long head, long tail) {
        long count = 0;
        for (long p = head, steps = 0; p - tail < 0 && steps <= capacity / RecordDescriptor.ALIGNMENT; steps++) {
            long index = p & mask;
            long length = Math.abs((long) (int) INT.getAcquire(ring, index));
            if (length < RecordDescriptor.HEADER_LENGTH || RecordDescriptor.aligned(length) > capacity - index) {
                break; // being written, or changing under us: a snapshot cannot say more
            }
            if (ring.get(JAVA_INT, index + RecordDescriptor.TYPE_OFFSET) != RecordDescriptor.PADDING) {
                count++;
            }
            p += RecordDescriptor.aligned(length);
        }
        return count;
    }

    /**
     * Whether every producer that attached has closed and every message was consumed: the count
     * of producer attaches equals the count recorded by the last to close, nothing is waiting,
     * and no process holds a producer role (one may have taken it and not yet counted itself).
     */
    boolean isEndOfStream() {
        return isEndOfStream(head());
    }

    /** As {@link #isEndOfStream()}, with every message before {@code consumed} counted as consumed. */
    boolean isEndOfStream(long consumed) {
        // the cheap words first: while a message waits, or a producer that attached has not closed, the
        // stream has not ended (a false answer is a snapshot, as every answer here is), and a polling
        // consumer asks on every idle turn; only a possible end pays for the role's holder slots
        long attachesSeen = (long) LONG.getAcquire(data, control + ATTACHES);
        if (tail() != consumed || attachesSeen == 0 || (long) LONG.getAcquire(data, control + END_OF_STREAM_AT) != attachesSeen) {
            return false;
        }
        // the role first: a producer that attaches, sends and closes after this read changes attaches
        if (producerRole.availablePermits() != producerRole.permits()) {
            return false;
        }
        long attaches = (long) LONG.getAcquire(data, control + ATTACHES);
        return attaches > 0 && (long) LONG.getAcquire(data, control + END_OF_STREAM_AT) == attaches && tail() == consumed
                && (long) LONG.getAcquire(data, control + ATTACHES) == attaches;
    }

    /**
     * The closing step of a producer, before it gives its role back: end of stream at the attach
     * count it read. Only ever raised (a slower closer's older count must not undo a later
     * one's), so a compare-and-set loop; the end is seen only once no process holds the role.
     */
    void endStreamAt(long attaches) {
        long word = control + END_OF_STREAM_AT;
        for (long current = (long) LONG.getVolatile(data, word); current < attaches; current = (long) LONG.getVolatile(data, word)) {
            if (LONG.compareAndSet(data, word, current, attaches)) {
                return;
            }
        }
    }

    /**
     * Whether producers attached, every one still holding a role is certainly dead, and every
     * message was consumed: nothing will come unless a producer attaches. Reads {@code /proc}:
     * for a waiter's periodic check, not a hot path.
     */
    boolean isAbandoned() {
        long attaches = (long) LONG.getAcquire(data, control + ATTACHES);
        if (attaches == 0) {
            return false;
        }
        List<LockHolder> holders = producerRole.holders();
        return !holders.isEmpty() && holders.stream().noneMatch(LockHolder::alive) && tail() == head()
                && (long) LONG.getAcquire(data, control + ATTACHES) == attaches;
    }

    /** Throws {@link EndOfStreamException} if the stream ended (closed, or every producer died), for waiting reads. */
    void checkEndOfStream() {
        if (isEndOfStream()) {
            throw new EndOfStreamException("queue '" + name + "': every producer closed and all was read");
        }
    }

    /** As {@link #checkEndOfStream()}, and also ends the stream if every producer is dead (its check is slower). */
    void checkAbandoned() {
        checkEndOfStream();
        if (isAbandoned()) {
            throw new EndOfStreamException("queue '" + name + "': every producer died (pids "
                    + producerRole.holders().stream().map(h -> String.valueOf(h.pid())).toList() + ") and all was read");
        }
    }

    /**
     * Whether this handle's consumer and producers sleep in the kernel while they wait, and wake
     * the other side's sleepers: its waiting options ask for
     * {@link LockOptions#kernelWaits() kernel waits} and this process can make them. False means
     * they poll as by default, whatever the options say.
     */
    public boolean sleepsInKernel() {
        return consumerWake.isOn();
    }

    /** The queue's name. */
    public String name() {
        return name;
    }

    /** The queue's segment: a child JVM attaches it with {@link #open(SegmentDirectory, String)} (a byte queue). */
    @Override
    public Ref attachment() {
        if (!recordLayout.isEmpty()) {
            throw new IllegalStateException("queue '" + name + "' holds records: pass its RecordQueue");
        }
        return new Ref(memory.directory(), name, null);
    }

    /**
     * The random number chosen when this queue's segment was made: a queue made again under the
     * same name has another, so a process that records positions in it can tell.
     */
    public long instanceId() {
        return memory.info().instanceId();
    }

    /** The record layout text of the queue's messages ({@code docs/layouts.md}); empty for byte messages. */
    public String recordLayout() {
        return recordLayout;
    }

    /** Ring size in bytes. */
    public long capacity() {
        return capacity;
    }

    /** The largest message accepted, in bytes (for a record queue, more than its records: see {@link #recordSize()}). */
    public int maxMessageLength() {
        return maxMessage;
    }

    /** The size of every message of a record queue, in bytes; 0 for a queue of byte messages. */
    public int recordSize() {
        return recordSize;
    }

    /** Whether many producers may write at once. */
    public boolean hasManyProducers() {
        return producers == MANY_PRODUCERS;
    }

    /**
     * Closes the producers and consumer made from this object that are still open (giving their
     * roles back, aborting their open claims), then unmaps. Call it when no other thread uses
     * them: a thread inside a call when the mapping goes gets {@code IllegalStateException}, and
     * one that was holding the claimer word leaves it to be taken over only when this process
     * exits. Idempotent.
     */
    @Override
    public void close() {
        for (AutoCloseable end : ends) {
            try {
                end.close();
            } catch (Exception ignored) {
                // closing an end only gives back what it holds; the unmapping below happens regardless
            }
        }
        memory.close();
    }

    void opened(AutoCloseable end) {
        ends.add(end);
    }

    void closed(AutoCloseable end) {
        ends.remove(end);
    }

    /** Removes the queue's name (only while it is still this queue). */
    public boolean unlink() {
        return memory.unlink();
    }

    @Override
    public String toString() {
        return "MessageQueue[" + name + ", " + producersText(producers) + ", " + capacity + " bytes"
                + (recordLayout.isEmpty() ? "" : ", " + recordLayout) + "]";
    }
}
