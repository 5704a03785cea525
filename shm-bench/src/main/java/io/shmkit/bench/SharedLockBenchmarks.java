package io.shmkit.bench;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStruct;
import io.shmkit.sync.LockOptions;
import io.shmkit.sync.SharedMutex;
import io.shmkit.sync.SharedReadWriteLock;
import io.shmkit.sync.SharedReentrantLock;
import io.shmkit.sync.SharedSemaphore;
import io.shmkit.sync.SharedSeqLock;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * One uncontended acquire and release of every shm-sync lock kind, one thread, one process: the
 * benchmark methods that {@link UncontendedLockBenchmark} (against other locks) and
 * {@link KernelWaitBenchmark} (with kernel waits off and on) share. JMH runs them as each
 * subclass's own, with its settings; a subclass makes the locks with {@link #openLocks} in its
 * {@code @Setup} and removes them with {@link #closeLocks} in its {@code @TearDown}. The seqlock
 * rows are an optimistic read of a two-double struct (stamp, copy, validate) and a write of it.
 */
public abstract class SharedLockBenchmarks {
    public record Point(double x, double y) {}

    private static final String[] NAMES = {"mutex", "reentrant", "rw", "semaphore", "point"};

    private SegmentDirectory directory;
    private String prefix;
    SharedMutex mutex;
    SharedReentrantLock reentrant;
    SharedReadWriteLock rw;
    SharedSemaphore semaphore;
    SharedStruct<Point> point;
    SharedSeqLock seqlock;

    /** Creates every lock in {@code shm}, named {@code prefix} and its kind, waiting as {@code options} say. */
    void openLocks(SegmentDirectory shm, String namePrefix, LockOptions options) {
        directory = shm;
        prefix = namePrefix;
        mutex = SharedMutex.create(shm, prefix + "mutex").withOptions(options);
        reentrant = SharedReentrantLock.create(shm, prefix + "reentrant").withOptions(options);
        rw = SharedReadWriteLock.create(shm, prefix + "rw").withOptions(options);
        semaphore = SharedSemaphore.create(shm, prefix + "semaphore", 4).withOptions(options);
        point = SharedStruct.create(shm, prefix + "point", Point.class, new Point(1, 2));
        seqlock = SharedSeqLock.of(point).withOptions(options);
    }

    /** Unlinks and closes what {@link #openLocks} made. */
    void closeLocks() {
        for (String name : NAMES) {
            directory.unlink(prefix + name);
        }
        mutex.close();
        reentrant.close();
        rw.close();
        semaphore.close();
        point.close();
    }

    @Benchmark
    public void mutex() {
        mutex.lock();
        mutex.unlock();
    }

    @Benchmark
    public void reentrant() {
        reentrant.lock();
        reentrant.unlock();
    }

    @Benchmark
    public void readLock() {
        rw.readLock().lock();
        rw.readLock().unlock();
    }

    @Benchmark
    public void writeLock() {
        rw.writeLock().lock();
        rw.writeLock().unlock();
    }

    @Benchmark
    public void semaphorePermit() throws InterruptedException {
        semaphore.acquire();
        semaphore.release();
    }

    @Benchmark
    public Point seqlockRead() {
        return seqlock.read(point::get);
    }

    @Benchmark
    public void seqlockWrite() {
        seqlock.writeLock();
        seqlock.unlockWrite();
    }
}
