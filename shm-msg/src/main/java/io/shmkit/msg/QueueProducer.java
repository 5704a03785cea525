package io.shmkit.msg;

import static io.shmkit.msg.MessageQueue.INT;
import static io.shmkit.msg.MessageQueue.LONG;
import static io.shmkit.msg.QueueDescriptor.ATTACHES;
import static io.shmkit.msg.QueueDescriptor.END_OF_STREAM_AT;
import static io.shmkit.msg.QueueDescriptor.CLAIMER;
import static io.shmkit.msg.QueueDescriptor.CLAIM_TAKEOVERS;
import static io.shmkit.msg.QueueDescriptor.CLEARED;
import static io.shmkit.msg.QueueDescriptor.TAIL;
import static io.shmkit.msg.RecordDescriptor.HEADER_LENGTH;
import static io.shmkit.msg.RecordDescriptor.LENGTH_OFFSET;
import static io.shmkit.msg.RecordDescriptor.PADDING;
import static io.shmkit.msg.RecordDescriptor.TYPE_OFFSET;
import static io.shmkit.msg.RecordDescriptor.WRITER_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.shmkit.sync.LockHolder;
import io.shmkit.sync.WakeWord;
import io.shmkit.sync.ProcessKey;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * A producer of a {@link MessageQueue}: it holds a producer role until {@link #close()}.
 *
 * <p><b>Writing.</b> {@link #offer} copies a message in and {@link #tryClaim} reserves space
 * for one to write in place ({@link Claim}); both return at once ({@code false}, {@code null})
 * when the queue is full, or when another process has held a many-producer queue's claimer word
 * for longer than a short spin. {@link #put} and {@link #claim} wait for room, with a timeout,
 * honouring interrupts. None allocates (after a thread's first claim).
 *
 * <p><b>Protocol</b> ({@code docs/messaging.md} §3): reserve {@code aligned(16 + length)} bytes
 * at the tail (a padding record first if the record would not fit before the ring's end), write
 * the header (writer key, type, then the negative length, release), advance the tail (release),
 * write the payload, store the positive length (release). So every record below the tail has a
 * header naming its writer, and a producer that dies before the tail moves leaves nothing anyone
 * reads. Many producers do the reserve, header and tail steps holding the queue's claimer word
 * (one CAS, on the tail's cache line; a claimer that dies holding it is found dead after an
 * owner-check interval and the word taken over), and write the payload and commit without it.
 *
 * <p>Thread-safety: a many-producer queue's producer may be used by several threads; a
 * one-producer queue's by one thread at a time. {@link Claim}s belong to the thread that made them.
 */
public final class QueueProducer implements AutoCloseable {
    private final MessageQueue queue;
    private final MemorySegment ring;
    private final MemorySegment data;
    private final long mask;
    private final long capacity;
    private final long key = ProcessKey.self();
    private final boolean many;
    /**
     * Where this producer last saw the cleared position: re-read only when the space it leaves
     * is used up. Shared by the threads of a many-producer queue's producer without
     * synchronisation: any value one of them stores was the cleared position at some moment,
     * and that position only grows, so every value read is a safe lower bound.
     */
    private long clearedCache;
    private final long checkIntervalNanos;
    private final WakeWord consumerWake;
    /** The tail, for a one-producer queue (only this producer writes it). */
    private long tail;
    /** A many-producer queue's claims, one per thread; a one-producer queue's one claim. */
    private final ThreadLocal<Claim> claims;
    private final Claim claim;
    /** Every thread's claim of a many-producer queue's producer, so that closing aborts those left open. */
    private final java.util.Set<Claim> allClaims = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    QueueProducer(MessageQueue queue) {
        this.queue = queue;
        this.ring = queue.ring;
        this.data = queue.data;
        this.mask = queue.mask;
        this.capacity = queue.capacity;
        this.many = queue.hasManyProducers();
        this.claims = many ? ThreadLocal.withInitial(() -> {
            Claim mine = new Claim(this);
            allClaims.add(mine);
            return mine;
        }) : null;
        this.claim = many ? null : new Claim(this);
        this.checkIntervalNanos = queue.waiting.ownerCheckInterval().toNanos();
        this.consumerWake = queue.consumerWake;
        queue.takeRole(queue.producerRole, many ? "as many producer processes as it takes (" + QueueDescriptor.MAX_PRODUCER_PROCESSES + ")" : "a producer");
        long ignored = (long) LONG.getAndAdd(data, queue.control + ATTACHES, 1L);
        this.clearedCache = (long) LONG.getAcquire(data, queue.control + CLEARED);
        // a predecessor that died before its tail store left at most a header at the tail, which is overwritten
        this.tail = queue.tail();
        queue.opened(this);
    }

    /** The queue this producer writes to. */
    public MessageQueue queue() {
        return queue;
    }

    // ------------------------------------------------------------------ copy in

    /**
     * Copies a message in if there is room now.
     *
     * @param type a message type id, 1 or more
     * @return false if the queue is full
     * @throws IllegalArgumentException for a type below 1 or a message longer than the queue's
     *         largest, naming both sizes
     */
    public boolean offer(int type, byte[] message) {
        return offer(type, message, 0, message.length);
    }

    /** Copies {@code length} bytes of {@code message} from {@code offset}; see {@link #offer(int, byte[])}. */
    public boolean offer(int type, byte[] message, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, message.length);
        long at = reserve(type, length);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(message, offset, ring, JAVA_BYTE, at + HEADER_LENGTH, length);
        commit(at, length);
        return true;
    }

    /** Copies the bytes of {@code message} (from its position to its limit, which it does not move). */
    public boolean offer(int type, ByteBuffer message) {
        return offer(type, MemorySegment.ofBuffer(message));
    }

    /** Copies the whole of {@code message}. */
    public boolean offer(int type, MemorySegment message) {
        int length = lengthOf(message.byteSize());
        long at = reserve(type, length);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(message, 0, ring, at + HEADER_LENGTH, length);
        commit(at, length);
        return true;
    }

    /**
     * Copies a message in, waiting up to {@code timeout} for room.
     *
     * @throws QueueFullException       if the queue stayed full for {@code timeout}, or if its
     *                                  consumer is dead (naming its pid): nobody will make room
     * @throws InterruptedException     if interrupted while waiting
     */
    public void put(int type, byte[] message, Duration timeout) throws InterruptedException {
        long at = reserve(type, message.length, timeout);
        MemorySegment.copy(message, 0, ring, JAVA_BYTE, at + HEADER_LENGTH, message.length);
        commit(at, message.length);
    }

    /** Copies the whole of {@code message} in, waiting up to {@code timeout} for room; see {@link #put(int, byte[], Duration)}. */
    public void put(int type, MemorySegment message, Duration timeout) throws InterruptedException {
        int length = lengthOf(message.byteSize());
        long at = reserve(type, length, timeout);
        MemorySegment.copy(message, 0, ring, at + HEADER_LENGTH, length);
        commit(at, length);
    }

    /** {@link #reserve(int, int)}, waiting up to {@code timeout} for room; never -1. */
    private long reserve(int type, int length, Duration timeout) throws InterruptedException {
        long at = reserve(type, length);
        if (at >= 0) {
            return at;
        }
        Waiter wait = new Waiter(queue.waiting, timeout);
        long needed = RecordDescriptor.aligned(HEADER_LENGTH + length);
        do {
            if (wait.checkDue()) {
                checkConsumer();
            }
            if (!wait.idle(queue.producersWake, () -> hasRoomFor(needed))) {
                QueueStatus status = queue.status();
                long claimer = (long) LONG.getVolatile(data, queue.control + CLAIMER);
                throw new QueueFullException(queue.name, "stayed full for " + timeout + " (" + status.depthBytes() + " of "
                        + capacity + " bytes waiting; consumer " + status.consumer().map(c -> "pid " + c.pid()).orElse("none")
                        + (claimer != 0 ? "; claimer word held by pid " + ProcessKey.pid(claimer) : "") + ")", consumerPid());
            }
            at = reserve(type, length);
        } while (at < 0);
        return at;
    }

    /**
     * Whether a record of {@code aligned} bytes fits now, as the consumer's cleared position
     * stands (counting the padding to the ring's end that it may need): a producer sleeps only
     * while it does not, since only the consumer's progress, which wakes it, can change that. A
     * reservation that fails for another reason (a busy claimer word) finds room here and retries.
     */
    private boolean hasRoomFor(long aligned) {
        long tail = (long) LONG.getVolatile(data, queue.control + TAIL);
        long cleared = (long) LONG.getVolatile(data, queue.control + CLEARED);
        long toEnd = capacity - (tail & mask);
        long next = tail + (aligned > toEnd ? toEnd : 0) + aligned;
        return next - cleared <= capacity;
    }

    /** Throws if the consumer that would make room is dead. */
    private void checkConsumer() {
        for (LockHolder consumer : queue.consumerRole.holders()) {
            if (!consumer.alive()) {
                throw new QueueFullException(queue.name, "is full and its consumer, pid " + consumer.pid()
                        + ", is dead: nothing will make room until a new consumer attaches", consumer.pid());
            }
        }
    }

    private long consumerPid() {
        return queue.consumerRole.holders().stream().mapToLong(LockHolder::pid).findFirst().orElse(0);
    }

    // ------------------------------------------------------------------ write in place

    /**
     * Reserves room for a message of {@code length} bytes to write in place, if there is room
     * now. Write the payload through {@link Claim#buffer()} from {@link Claim#offset()}, then
     * {@link Claim#commit()} or {@link Claim#abort()}. The claim object is this thread's, reused.
     *
     * @return the claim, or null if the queue is full
     */
    public Claim tryClaim(int type, int length) {
        Claim mine = many ? claims.get() : claim;
        mine.checkNotOpen(); // before reserving: a reservation nobody commits would stop the consumer
        long at = reserve(type, length);
        return at < 0 ? null : mine.open(at, length);
    }

    /**
     * As {@link #tryClaim}, waiting up to {@code timeout} for room.
     *
     * @throws QueueFullException as {@link #put(int, byte[], Duration)}
     */
    public Claim claim(int type, int length, Duration timeout) throws InterruptedException {
        Claim mine = many ? claims.get() : claim;
        mine.checkNotOpen();
        return mine.open(reserve(type, length, timeout), length);
    }

    // ------------------------------------------------------------------ the protocol

    private int lengthOf(long size) {
        if (size > queue.maxMessage) {
            throw new IllegalArgumentException("queue '" + queue.name + "': a message of " + size + " bytes exceeds its largest, "
                    + queue.maxMessage + " bytes");
        }
        return (int) size;
    }

    /**
     * Reserves a record for a payload of {@code length} bytes: header written with the negative
     * length, tail advanced past it.
     *
     * @return the record's ring offset, or -1 if the queue is full
     */
    long reserve(int type, int length) {
        if (closed) {
            throw new IllegalStateException("the producer of queue '" + queue.name + "' is closed");
        }
        if (type < 1) {
            throw new IllegalArgumentException("queue '" + queue.name + "': message type " + type + " is reserved; types are 1 and up");
        }
        if (length < 0 || length > queue.maxMessage) {
            throw new IllegalArgumentException("queue '" + queue.name + "': a message of " + length + " bytes exceeds its largest, "
                    + queue.maxMessage + " bytes");
        }
        int recordLength = HEADER_LENGTH + length;
        if (!many) {
            long at = reserveAt(tail, type, recordLength);
            return at;
        }
        long claimer = queue.control + CLAIMER;
        if (!LONG.compareAndSet(data, claimer, 0L, key) && !tryClaimer()) {
            return -1;
        }
        try {
            return reserveAt((long) LONG.getAcquire(data, queue.control + TAIL), type, recordLength);
        } finally {
            LONG.setRelease(data, claimer, 0L);
        }
    }

    /** Spins this long for a claimer word that another reservation holds: holders keep it for a few stores. */
    private static final int CLAIMER_SPINS = 256;

    /**
     * Tries to take the claimer word for a short spin. A holder that has kept it for an
     * owner-check interval (over this producer's successive calls) is checked, and if its process
     * is certainly dead the word is taken over: nothing it protects needs repair, since a
     * reservation is published only by its last store, the tail's. A live holder that keeps it
     * (stopped, or paused) makes this return false, so that no try form waits for it.
     *
     * @return whether this thread now holds the word
     */
    private boolean tryClaimer() {
        long word = queue.control + CLAIMER;
        long holder = 0;
        for (int spin = 0; spin < CLAIMER_SPINS; spin++) {
            holder = (long) LONG.getVolatile(data, word);
            if (holder == 0) {
                if (LONG.compareAndSet(data, word, 0L, key)) {
                    return true;
                }
            } else {
                Thread.onSpinWait();
            }
        }
        if (holder == 0) {
            return false;
        }
        long now = System.nanoTime();
        if (holder != claimerSeen) {
            claimerSeen = holder;
            claimerSeenSince = now;
        } else if (now - claimerSeenSince >= checkIntervalNanos) {
            claimerSeenSince = now;
            if (!ProcessKey.isAlive(holder, queue.privateToUser) && LONG.compareAndSet(data, word, holder, key)) {
                long ignored = (long) LONG.getAndAdd(data, queue.control + CLAIM_TAKEOVERS, 1L);
                return true;
            }
        }
        return false;
    }

    /** The claimer key last seen holding the word past a spin, and since when (hints shared by this producer's threads). */
    private long claimerSeen;
    private long claimerSeenSince;

    /** The reserve step from tail position {@code from}; the caller is the only writer of the tail. */
    private long reserveAt(long from, int type, int recordLength) {
        long aligned = RecordDescriptor.aligned(recordLength);
        long index = from & mask;
        long toEnd = capacity - index;
        long padding = aligned > toEnd ? toEnd : 0;
        long next = from + padding + aligned;
        if (next - clearedCache > capacity) {
            clearedCache = (long) LONG.getAcquire(data, queue.control + CLEARED);
            if (next - clearedCache > capacity) {
                return -1;
            }
        }
        if (padding > 0) {
            // negative until the tail covers it: a padding header that a dead producer left at the
            // tail must never look committed, or the records a successor writes there would be skipped
            writeHeader(index, PADDING, (int) -padding);
            writeHeader(0, type, -recordLength);
            LONG.setRelease(data, queue.control + TAIL, next);
            INT.setRelease(ring, index + LENGTH_OFFSET, (int) padding);
            index = 0;
        } else {
            writeHeader(index, type, -recordLength);
            LONG.setRelease(data, queue.control + TAIL, next);
        }
        if (!many) {
            tail = next;
        }
        return index;
    }

    private void writeHeader(long index, int type, int length) {
        ring.set(JAVA_LONG, index + WRITER_OFFSET, key);
        ring.set(JAVA_INT, index + TYPE_OFFSET, type);
        INT.setRelease(ring, index + LENGTH_OFFSET, length);
    }

    void commit(long at, int length) {
        INT.setRelease(ring, at + LENGTH_OFFSET, HEADER_LENGTH + length);
        consumerWake.wakeAfterStore();
    }

    void abort(long at, int length) {
        ring.set(JAVA_INT, at + TYPE_OFFSET, PADDING);
        INT.setRelease(ring, at + LENGTH_OFFSET, HEADER_LENGTH + length);
        consumerWake.wakeAfterStore(); // the consumer may be asleep at this record, with others committed behind it
    }

    MemorySegment ring() {
        return ring;
    }

    /**
     * Gives the producer role back, aborting this thread's open claim (and those of threads that
     * have ended). When the last producer of the queue closes, the consumer sees end of stream
     * once it has read everything. Idempotent.
     */
    @Override
    public void close() {
        giveBack(true);
    }

    /**
     * Gives the producer role back, as {@link #close()} does, but without ending the stream: for a
     * producer that another process will replace, such as a network bridge being restarted. The
     * consumer then waits for the next producer even if none other is attached; its blocking
     * reads do not end with {@link EndOfStreamException}. Idempotent, and a no-op after
     * {@link #close()}.
     */
    public void detach() {
        giveBack(false);
    }

    private void giveBack(boolean endStream) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (many) {
                allClaims.forEach(Claim::abandonIfOrphaned); // one left open would stop the consumer for this process's life
            } else {
                claim.abandonIfOrphaned();
            }
            // Raised before the role is given back, so that a producer dying between the two leaves
            // a dead holder (which waiting consumers find) rather than a stream that never ends; the
            // end is seen only once no process holds a producer role.
            if (endStream) {
                queue.endStreamAt((long) LONG.getAcquire(data, queue.control + ATTACHES));
            }
            queue.producerRole.release();
            consumerWake.wakeAfterStore(); // a sleeping consumer learns of the end of stream now, not at its next check
        } finally {
            queue.closed(this);
        }
    }

    @Override
    public String toString() {
        return "QueueProducer[" + queue.name + (closed ? ", closed" : "") + "]";
    }
}
