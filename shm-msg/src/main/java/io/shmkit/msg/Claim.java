package io.shmkit.msg;

import java.lang.foreign.MemorySegment;

/**
 * Room reserved in a queue's ring for one message, written in place: {@code length()} bytes of
 * {@link #buffer()} from {@link #offset()}; then {@link #commit()} makes the message visible to
 * the consumer, or {@link #abort()} drops it. Until then the consumer waits at this message
 * (later ones wait behind it), so write promptly. If this process dies before committing, the
 * consumer drops the message once it finds the writer dead.
 *
 * <p>One claim object per producer and thread, reused for every claim: no allocation. Closing
 * an open claim aborts it, so {@code try (Claim c = ...)} never leaves one open; closing the
 * producer aborts the calling thread's open claim and those of threads that have ended (another
 * live thread's claim stays open for it to commit or abort). Not thread-safe: a claim belongs to
 * the thread that opened it.
 */
public final class Claim implements AutoCloseable {
    private final QueueProducer producer;
    private long at = -1;
    private int length;
    /** The thread that opened the claim: closing the producer aborts only its own thread's claim, or a dead thread's. */
    private Thread openedBy;

    Claim(QueueProducer producer) {
        this.producer = producer;
    }

    void checkNotOpen() {
        if (this.at >= 0) {
            throw new IllegalStateException("this thread's previous claim on queue '" + producer.queue().name()
                    + "' is still open: commit or abort it first");
        }
    }

    Claim open(long at, int length) {
        this.at = at;
        this.length = length;
        this.openedBy = Thread.currentThread();
        return this;
    }

    /**
     * Aborts the claim if it is open and was opened by the calling thread or by a thread that has
     * ended: a live thread's open claim is left to it (it may be writing its payload now; aborting
     * under it would let the consumer pass the record and another writer reuse the bytes).
     */
    void abandonIfOrphaned() {
        Thread owner = openedBy;
        if (at >= 0 && owner != null && (owner == Thread.currentThread() || !owner.isAlive())) {
            abort();
        }
    }

    /** The queue's ring: write the payload into it, from {@link #offset()}, {@link #length()} bytes. */
    public MemorySegment buffer() {
        check();
        return producer.ring();
    }

    /** Where the payload starts in {@link #buffer()}: a multiple of 16 (a 16-byte header comes first). */
    public long offset() {
        check();
        return at + RecordDescriptor.HEADER_LENGTH;
    }

    /** The payload's length. */
    public int length() {
        check();
        return length;
    }

    /** Makes the message visible to the consumer. */
    public void commit() {
        check();
        producer.commit(at, length);
        at = -1;
    }

    /** Drops the message: the consumer skips it. */
    public void abort() {
        check();
        producer.abort(at, length);
        at = -1;
    }

    /** Whether the claim is open (neither committed nor aborted). */
    public boolean isOpen() {
        return at >= 0;
    }

    /** Aborts the claim if it is still open. */
    @Override
    public void close() {
        if (at >= 0) {
            abort();
        }
    }

    private void check() {
        if (at < 0) {
            throw new IllegalStateException("no open claim on queue '" + producer.queue().name() + "'");
        }
    }
}
