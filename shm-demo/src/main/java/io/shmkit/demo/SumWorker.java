package io.shmkit.demo;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import java.nio.file.Path;

/**
 * One worker JVM of {@link ParallelSum}. Args: directory, numbers segment, results segment,
 * worker index, slice start (inclusive), slice end (exclusive). Writes its sum to
 * {@code results[2*index]} and its summing time in ns to {@code results[2*index+1]}, and prints
 * nothing, so that no byte of data goes through a pipe.
 */
public final class SumWorker {
    private SumWorker() {
    }

    public static void main(String[] args) {
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        int index = Integer.parseInt(args[3]);
        long from = Long.parseLong(args[4]);
        long to = Long.parseLong(args[5]);
        try (SharedLongArray numbers = SharedLongArray.open(dir, args[1]);
             SharedLongArray results = SharedLongArray.open(dir, args[2])) {
            long t0 = System.nanoTime();
            long sum = sum(numbers, from, to);
            long nanos = System.nanoTime() - t0;
            results.set(2L * index + 1, nanos);
            results.setRelease(2L * index, sum);
        }
    }

    static long sum(SharedLongArray numbers, long from, long to) {
        long sum = 0;
        for (long i = from; i < to; i++) {
            sum += numbers.get(i);
        }
        return sum;
    }
}
