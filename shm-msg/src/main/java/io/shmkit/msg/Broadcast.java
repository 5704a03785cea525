package io.shmkit.msg;

import static io.shmkit.msg.BroadcastDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.shmkit.core.Access;
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
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Optional;

/**
 * One transmitter to any number of receivers, in a named segment: the transmitter never waits
 * for anyone, and each receiver reads at its own pace ({@link BroadcastDescriptor}). A receiver
 * joins at any time, starting at the latest message; one that falls a whole ring behind is
 * lapped: it notices, counts it ({@link BroadcastReceiver#lapped()}), and jumps to the latest
 * message. Receivers copy each message out and check that it was not overwritten while they
 * copied, so a message handed to a handler is never torn.
 *
 * <pre>{@code
 * try (Broadcast prices = Broadcast.openOrCreate(shm, "prices", 1 << 20);
 *      BroadcastTransmitter tx = prices.transmitter()) {
 *     tx.transmit(1, quote);
 * }
 * // any number of other processes
 * try (Broadcast prices = Broadcast.open(shm, "prices"); BroadcastReceiver rx = prices.receiver()) {
 *     rx.receive((type, buffer, offset, length) -> show(buffer, offset, length), 64, Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p>The transmitter role is exclusive and belongs to a process: a second live transmitter is
 * refused, naming the first; a dead one's role is taken over. Receivers waiting for a transmitter
 * that closed or died get {@link EndOfStreamException} once they have read everything, instead
 * of waiting without end. Thread-safety: this object may be shared; a transmitter and each
 * receiver are for one thread at a time. {@link #close()} unmaps: close transmitter and
 * receivers first.
 */
public final class Broadcast implements AutoCloseable {
    static final VarHandle LONG = JAVA_LONG.varHandle().withInvokeExactBehavior();
    static final VarHandle INT = JAVA_INT.varHandle().withInvokeExactBehavior();

    final SharedMemory memory;
    final MemorySegment data;
    final String name;
    final long capacity;
    final int maxMessage;
    final MemorySegment ring;
    final LockOptions waiting;
    final SharedSemaphore transmitterRole;

    private Broadcast(SharedMemory memory, LockOptions waiting) {
        this.memory = memory;
        this.data = memory.asSegment();
        this.name = memory.name();
        this.waiting = waiting;
        Descriptors.checkMagicAndChecksum(name, "broadcast", data, MAGIC, CHECKSUM_OFFSET, MemorySegment.NULL);
        this.capacity = data.get(JAVA_LONG, CAPACITY_OFFSET);
        this.maxMessage = data.get(JAVA_INT, MAX_MESSAGE_OFFSET);
        if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            throw corrupt(name, "capacity is " + capacity);
        }
        if (maxMessage < 0 || maxMessage > largestMessage(capacity)) {
            throw corrupt(name, "max message length is " + maxMessage + " for a capacity of " + capacity);
        }
        if (data.byteSize() != dataSize(capacity)) {
            throw corrupt(name, "its data is " + data.byteSize() + " bytes; a ring of " + capacity + " needs " + dataSize(capacity));
        }
        this.ring = data.asSlice(CONTROL + RING, capacity);
        checkPositions();
        try {
            this.transmitterRole = SharedSemaphore.at(memory, CONTROL + TRANSMITTER_ROLE, 1).withOptions(waiting);
        } catch (IllegalArgumentException badRole) {
            throw new SegmentFormatException(name, "is a corrupt broadcast: its transmitter role is not a 1-permit semaphore ("
                    + badRole.getMessage() + ")", badRole);
        }
    }

    /**
     * Tail intent, tail and latest must make sense before anyone trusts them: normally
     * {@code latest < tail <= intent <= tail + capacity}; after a transmitter died between
     * publishing latest and the tail, {@code tail <= latest < intent}; all zero but the intent
     * before the first record. A transmitter may move them while this reads them: a transmit
     * changes the intent first unless the intent is above where its record ends (a predecessor
     * died mid-record), in which case its latest and tail still only grow towards the intent;
     * a snapshot taken while the intent stayed the same is one of those states, or the segment
     * is corrupt.
     */
    private void checkPositions() {
        long giveUp = System.nanoTime() + Math.max(waiting.ownerCheckInterval().toNanos(), 1_000_000_000L);
        for (;;) {
            long intent = word(TAIL_INTENT);
            long tail = word(TAIL);
            long latest = word(LATEST);
            if (word(TAIL_INTENT) != intent) {
                // a transmit began while this read: what was read may mix two records' positions
                if (System.nanoTime() - giveUp > 0) {
                    throw corrupt(name, "its positions never stopped changing while attaching, for "
                            + Math.max(waiting.ownerCheckInterval().toMillis(), 1000) + " ms");
                }
                Thread.onSpinWait();
                continue;
            }
            boolean aligned = ((intent | tail | latest) & (ALIGNMENT - 1)) == 0;
            boolean ordered = latest >= 0 && tail >= 0 && intent >= tail && intent - tail <= capacity;
            boolean published = tail == 0 && latest == 0
                    || latest < tail && tail - latest <= capacity
                    || latest >= tail && latest < intent;
            if (aligned && ordered && published) {
                return;
            }
            throw corrupt(name, "its positions (latest " + latest + ", tail " + tail + ", tail intent " + intent
                    + ") break latest < tail <= tail intent <= tail + " + capacity + " (the capacity), all multiples of "
                    + ALIGNMENT);
        }
    }

    /**
     * Creates a broadcast with a ring of {@code capacity} bytes (a power of two from 1 KiB to
     * 1 GiB), taking messages of up to an eighth of it.
     *
     * @throws SegmentExistsException   if the name exists
     * @throws IllegalArgumentException for an invalid name or capacity
     */
    public static Broadcast create(SegmentDirectory directory, String name, long capacity) {
        return create(directory, name, capacity, LockOptions.DEFAULT);
    }

    /** As {@link #create(SegmentDirectory, String, long)}, its ends waiting as {@code waiting} says. */
    public static Broadcast create(SegmentDirectory directory, String name, long capacity, LockOptions waiting) {
        if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("broadcast '" + name + "': capacity must be a power of two from " + MIN_CAPACITY
                    + " to " + MAX_CAPACITY + " bytes, not " + capacity);
        }
        SharedMemory memory = SharedMemory.create(directory, name, SegmentKind.BROADCAST, dataSize(capacity), data -> {
            MemorySegment.copy(MAGIC, 0, data, JAVA_BYTE, MAGIC_OFFSET, MAGIC.length);
            data.set(JAVA_LONG, CAPACITY_OFFSET, capacity);
            data.set(JAVA_INT, MAX_MESSAGE_OFFSET, largestMessage(capacity));
            data.set(JAVA_INT, CHECKSUM_OFFSET, Descriptors.checksum(data, CHECKSUM_OFFSET, MemorySegment.NULL));
            data.set(JAVA_INT, CONTROL + TRANSMITTER_ROLE + LockDescriptor.PERMITS_OFFSET, 1);
        });
        return attach(memory, waiting);
    }

    /**
     * Attaches to an existing broadcast.
     *
     * @throws SegmentNotFoundException if the name does not exist
     * @throws SegmentLayoutException   if it is not a broadcast
     * @throws SegmentFormatException   if its descriptor or positions are corrupt
     */
    public static Broadcast open(SegmentDirectory directory, String name) {
        return open(directory, name, LockOptions.DEFAULT);
    }

    /** As {@link #open(SegmentDirectory, String)}, its ends waiting as {@code waiting} says. */
    public static Broadcast open(SegmentDirectory directory, String name, LockOptions waiting) {
        return attach(SharedMemory.open(directory, name, SegmentKind.BROADCAST, Access.READ_WRITE), waiting);
    }

    /**
     * Attaches read-only, for monitoring (the {@code shm} command): {@link #position()},
     * {@link #transmitterHolder()} and {@link #isTransmitterGone()} work; nothing is written, and
     * {@link #transmitter()} throws.
     */
    public static Broadcast openReadOnly(SegmentDirectory directory, String name) {
        return attach(SharedMemory.open(directory, name, SegmentKind.BROADCAST, Access.READ_ONLY), LockOptions.DEFAULT);
    }

    /** Attaches if the name exists, else creates it; safe to race. */
    public static Broadcast openOrCreate(SegmentDirectory directory, String name, long capacity) {
        Broadcast broadcast = Descriptors.openOrCreate(directory, () -> open(directory, name), () -> create(directory, name, capacity));
        if (broadcast.capacity != capacity) {
            broadcast.close();
            throw new SegmentLayoutException(name, "is a broadcast of " + broadcast.capacity + " bytes, requested " + capacity);
        }
        return broadcast;
    }

    private static Broadcast attach(SharedMemory memory, LockOptions waiting) {
        try {
            return new Broadcast(memory, waiting);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    static SegmentFormatException corrupt(String name, String what) {
        return new SegmentFormatException(name, "is a corrupt broadcast: " + what);
    }

    long word(long offset) {
        return (long) LONG.getAcquire(data, CONTROL + offset);
    }

    /**
     * Takes the transmitter role (a dead holder's is taken over).
     *
     * @throws IllegalStateException if a live process transmits, naming its pid
     */
    public BroadcastTransmitter transmitter() {
        return new BroadcastTransmitter(this);
    }

    /** A receiver that starts at the latest message (or the first, if none was sent yet). */
    public BroadcastReceiver receiver() {
        return new BroadcastReceiver(this);
    }

    /** Whether the transmitter closed, or its process is dead; false while none ever attached. Reads {@code /proc}. */
    public boolean isTransmitterGone() {
        if (isClosedByTransmitter()) {
            return true;
        }
        List<LockHolder> holders = transmitterRole.holders();
        return word(ATTACHES) > 0 && !holders.isEmpty() && holders.stream().noneMatch(LockHolder::alive);
    }

    /** Whether the last transmitter closed and none holds the role now (cheap: no {@code /proc}). */
    boolean isClosedByTransmitter() {
        return endedAt() >= 0;
    }

    /**
     * The attach count at which the stream ended (the last transmitter closed and no process
     * holds the role), or -1. The role is read first: a transmitter that attaches afterwards
     * raises the attach count, which the caller re-reads ({@link #stillEndedAt}) after whatever
     * else it checks.
     */
    long endedAt() {
        if (transmitterRole.availablePermits() != 1) {
            return -1;
        }
        long attaches = word(ATTACHES);
        return attaches > 0 && word(END_OF_STREAM_AT) == attaches ? attaches : -1;
    }

    /** Whether no transmitter attached since {@link #endedAt()} said {@code attaches}. */
    boolean stillEndedAt(long attaches) {
        return word(ATTACHES) == attaches;
    }

    /** A closing transmitter's end of stream at the attach count it read: only ever raised. */
    void endStreamAt(long attaches) {
        long at = CONTROL + END_OF_STREAM_AT;
        for (long current = word(END_OF_STREAM_AT); current < attaches; current = word(END_OF_STREAM_AT)) {
            if (LONG.compareAndSet(data, at, current, attaches)) {
                return;
            }
        }
    }

    /** The transmitter made from this object and not yet closed: {@link #close()} closes it first. */
    private final java.util.Set<AutoCloseable> ends = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void opened(AutoCloseable end) {
        ends.add(end);
    }

    void closed(AutoCloseable end) {
        ends.remove(end);
    }

    /** The transmitter, with its liveness; empty if none is attached. */
    public Optional<LockHolder> transmitterHolder() {
        return transmitterRole.holders().stream().findFirst();
    }

    /** Bytes ever transmitted (the tail). */
    public long position() {
        return word(TAIL);
    }

    /** The broadcast's name. */
    public String name() {
        return name;
    }

    /** Ring size in bytes. */
    public long capacity() {
        return capacity;
    }

    /** The largest message, in bytes. */
    public int maxMessageLength() {
        return maxMessage;
    }

    /** Closes the transmitter made from this object if it is still open (giving its role back), then unmaps; receivers stop working. */
    @Override
    public void close() {
        for (AutoCloseable end : ends) {
            try {
                end.close();
            } catch (Exception ignored) {
                // it only gives its role back; the unmapping happens regardless
            }
        }
        memory.close();
    }

    /** Removes the name (only while it is still this broadcast). */
    public boolean unlink() {
        return memory.unlink();
    }

    @Override
    public String toString() {
        return "Broadcast[" + name + ", " + capacity + " bytes]";
    }
}
