package io.shmkit.demo.pipeline;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.core.SharedLong;
import io.shmkit.core.SharedStruct;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.RecordQueue;
import io.shmkit.process.JvmProcess;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;

/**
 * The pipeline over shared memory: the blocks live in one pool of buffers (a
 * {@link SharedDoubleArray} of {@code buffers} blocks) that every stage maps; only block indices
 * move, through three one-producer record queues:
 *
 * <pre>
 *   generator ──filled──► transform ──transformed──► reducer
 *       ▲                                               │
 *       └───────────────────── free ◄───────────────────┘
 * </pre>
 *
 * The generator takes a free buffer before it fills one, so a slow stage slows it: at most
 * {@code buffers} blocks are ever in flight, nothing is dropped, and memory stays bounded. Each
 * stage works on the buffer in place; no block is copied.
 */
public final class SharedMemoryPipeline implements PipelineRun {
    /** A buffer's index, and the block's number. */
    public record BlockRef(long index, long sequence) {
    }

    private static final Duration FOREVER = Duration.ofDays(1);

    private final int size;
    private final int buffers;
    private final SharedDoubleArray pool;
    private final RecordQueue<BlockRef> filled;
    private final RecordQueue<BlockRef> transformed;
    private final RecordQueue<BlockRef> free;
    private final SharedLong reduced;
    private final SharedLong mostInFlight;
    private final SharedStruct<Blocks.Stats> result;
    private final RecordQueue<BlockRef>.Producer toTransform;
    private final RecordQueue<BlockRef>.Consumer freed;
    private final List<JvmProcess> stages;
    private long next;
    private int neverUsed;

    /**
     * Starts the transform and reducer JVMs.
     *
     * @param size        doubles per block
     * @param buffers     blocks in the pool of buffers: the most that can be in flight
     * @param reducerPause how long the reducer sleeps after each block (0; more to show back-pressure)
     */
    public SharedMemoryPipeline(int size, int buffers, Duration reducerPause) {
        this.size = size;
        this.buffers = buffers;
        SegmentDirectory dir = SegmentDirectory.shm().temporary();
        QueueOptions ring = QueueOptions.oneProducer(Math.max(4096, Long.highestOneBit(64L * buffers) << 1));
        pool = SharedDoubleArray.create(dir, "pipeline-blocks", (long) size * buffers);
        filled = RecordQueue.create(dir, "pipeline-filled", BlockRef.class, ring);
        transformed = RecordQueue.create(dir, "pipeline-transformed", BlockRef.class, ring);
        free = RecordQueue.create(dir, "pipeline-free", BlockRef.class, ring);
        reduced = SharedLong.create(dir, "pipeline-reduced", 0);
        mostInFlight = SharedLong.create(dir, "pipeline-in-flight", 0);
        result = SharedStruct.create(dir, "pipeline-stats", Blocks.Stats.class, Blocks.Stats.EMPTY);
        toTransform = filled.producer();
        freed = free.consumer();
        stages = List.of(
                JvmProcess.target(SharedMemoryPipeline.class, "transform", pool, filled, transformed, size).start(),
                JvmProcess.target(SharedMemoryPipeline.class, "reduce", pool, transformed, free, reduced, result, size,
                        reducerPause.toNanos()).start());
    }

    @Override
    public void push(int count) throws InterruptedException {
        MemorySegment data = pool.asSegment();
        long target = next + count;
        for (; next < target; next++) {
            long index = neverUsed < buffers ? neverUsed++ : take(freed).index(); // back-pressure: wait for a buffer
            Blocks.generate(next, block(data, index));
            toTransform.put(new BlockRef(index, next), FOREVER);
            mostInFlight.set(Math.max(mostInFlight.get(), next + 1 - reduced.getVolatile()));
        }
        while (reduced.getVolatile() < target) {
            checkStages();
            Thread.onSpinWait();
        }
    }

    /** The most blocks generated and not yet reduced at any moment of the run. */
    public long mostInFlight() {
        return mostInFlight.get();
    }

    @Override
    public Blocks.Stats finish() throws InterruptedException {
        toTransform.close(); // end of stream: the transform, then the reducer, finish and exit
        JvmProcess.joinAll(Duration.ofMinutes(5), stages);
        return result.get();
    }

    @Override
    public void close() {
        stages.forEach(JvmProcess::close);
        toTransform.close();
        freed.close();
        for (AutoCloseable c : new AutoCloseable[] {filled, transformed, free, pool, reduced, mostInFlight, result}) {
            try {
                c.close(); // temporary: unlinked
            } catch (Exception ignored) {
                // closing what is already closed
            }
        }
    }

    private void checkStages() {
        for (JvmProcess stage : stages) {
            if (!stage.isAlive()) {
                throw new IllegalStateException(stage + " ended before the pipeline did");
            }
        }
    }

    private MemorySegment block(MemorySegment data, long index) {
        return data.asSlice(index * size * Double.BYTES, (long) size * Double.BYTES);
    }

    private static BlockRef take(RecordQueue<BlockRef>.Consumer in) throws InterruptedException {
        for (;;) {
            BlockRef b = in.take(FOREVER);
            if (b != null) {
                return b;
            }
        }
    }

    /** The transform stage, in its own JVM: normalizes each block in place. */
    static void transform(SharedDoubleArray pool, RecordQueue<BlockRef> in, RecordQueue<BlockRef> out, int size)
            throws InterruptedException {
        MemorySegment data = pool.asSegment();
        try (var blocks = in.consumer(); var next = out.producer()) {
            for (;;) {
                BlockRef b;
                try {
                    b = take(blocks);
                } catch (EndOfStreamException end) {
                    return;
                }
                Blocks.normalize(data.asSlice(b.index() * size * Double.BYTES, (long) size * Double.BYTES));
                next.put(b, FOREVER);
            }
        }
    }

    /** The reducer stage, in its own JVM: folds each block into the statistics, then frees its buffer. */
    static void reduce(SharedDoubleArray pool, RecordQueue<BlockRef> in, RecordQueue<BlockRef> freeBuffers,
            SharedLong reduced, SharedStruct<Blocks.Stats> result, int size, long pauseNanos) throws InterruptedException {
        MemorySegment data = pool.asSegment();
        Blocks.Stats stats = Blocks.Stats.EMPTY;
        try (var blocks = in.consumer(); var freeing = freeBuffers.producer()) {
            for (;;) {
                BlockRef b;
                try {
                    b = take(blocks);
                } catch (EndOfStreamException end) {
                    result.set(stats);
                    return;
                }
                stats = stats.add(data.asSlice(b.index() * size * Double.BYTES, (long) size * Double.BYTES));
                if (pauseNanos > 0) {
                    Thread.sleep(Duration.ofNanos(pauseNanos));
                }
                reduced.setRelease(b.sequence() + 1); // before the buffer is free: in flight never exceeds the buffers
                freeing.put(b, FOREVER);
            }
        }
    }
}
