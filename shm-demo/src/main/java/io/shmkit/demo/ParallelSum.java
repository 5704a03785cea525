package io.shmkit.demo;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.pool.Pool;
import io.shmkit.pool.Task;
import io.shmkit.process.ValueCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collections;
import java.util.List;

/**
 * The course exercise done with shared memory: sum 1..N (10,000,000) S (4) times in parallel.
 * The longs 1..N live once, in a shared array; each task sums all of it in place, in a worker
 * JVM of a warm {@link Pool}, and only the segment's name and the slice bounds cross to the
 * worker. Printed: the totals (checked), one JVM's time, the pool's start-up (cold: new JVMs,
 * warmed up), the warm pool's time, and the speedup; each time is the best of several rounds.
 *
 * <p>Usage: {@code ParallelSum [sums=4] [count=10000000] [workers=processors] [rounds=7]}. Exits
 * non-zero if a total is wrong.
 */
public final class ParallelSum {
    private ParallelSum() {
    }

    /** A slice of a shared array: its name crosses to a worker, never its data. */
    public record Slice(SharedLongArray numbers, long from, long to) {
    }

    /** Sums a slice in place. */
    public static final class SumSlice implements Task<Slice, Long> {
        @Override
        public Long apply(Slice slice) {
            return sum(slice.numbers(), slice.from(), slice.to());
        }
    }

    /** Through the zero-copy {@code asSegment()} view: a loop the JIT compiles as tightly as over a {@code long[]}. */
    static long sum(SharedLongArray numbers, long from, long to) {
        MemorySegment data = numbers.asSegment();
        long sum = 0;
        for (long i = from; i < to; i++) {
            sum += data.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
        return sum;
    }

    public static void main(String[] args) throws Exception {
        int sums = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        long count = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        if (sums < 1 || count < 1 || workers < 1 || rounds < 1) {
            throw new IllegalArgumentException("sums, count, workers and rounds must be at least 1");
        }
        long expected = count * (count + 1) / 2;
        try (SharedLongArray numbers = SharedLongArray.create(SegmentDirectory.shm().temporary(), "numbers", count)) {
            for (long i = 0; i < count; i++) {
                numbers.set(i, i + 1);
            }
            Slice whole = new Slice(numbers, 0, count);
            List<Slice> tasks = Collections.nCopies(sums, whole);

            long oneJvm = Long.MAX_VALUE;
            boolean oneJvmRight = true;
            for (int r = 0; r < rounds + 3; r++) { // the first rounds run before the loop is compiled
                long t0 = System.nanoTime();
                for (Slice s : tasks) {
                    oneJvmRight &= sum(s.numbers(), s.from(), s.to()) == expected;
                }
                oneJvm = Math.min(oneJvm, System.nanoTime() - t0);
            }

            // the same sums on as many threads of this JVM as the pool has workers: what the memory allows
            long threads = Long.MAX_VALUE;
            for (int r = 0; r < rounds + 3; r++) {
                long t1 = System.nanoTime();
                try (var scope = java.util.concurrent.Executors.newFixedThreadPool(workers)) {
                    for (Slice s : tasks) {
                        scope.submit(() -> sum(s.numbers(), s.from(), s.to()));
                    }
                }
                threads = Math.min(threads, System.nanoTime() - t1);
            }

            long t0 = System.nanoTime();
            try (Pool pool = Pool.builder().workers(workers).jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                    .warmUp(SumSlice.class, whole, 10).start()) {
                long coldStart = System.nanoTime() - t0;
                long warm = Long.MAX_VALUE;
                List<Long> totals = List.of();
                for (int r = 0; r < rounds; r++) {
                    long t1 = System.nanoTime();
                    totals = pool.map(SumSlice.class, tasks, 1);
                    warm = Math.min(warm, System.nanoTime() - t1);
                }
                boolean poolRight = totals.stream().allMatch(t -> t == expected);
                long argumentBytes = ValueCodec.encode(whole).length;

                System.out.printf("shmkit parallel sum: 1..%,d summed %d times, on one shared array of %,d bytes%n",
                        count, sums, count * Long.BYTES);
                System.out.printf("  one JVM:                      %8.1f ms  totals %s%n", oneJvm / 1e6,
                        oneJvmRight ? "correct" : "WRONG");
                System.out.printf("  warm pool of %d worker JVMs:   %8.1f ms  totals %s: %s%n", workers, warm / 1e6,
                        poolRight ? "correct" : "WRONG, expected " + expected + " each", totals);
                System.out.printf("  speedup of the warm pool:     %8.2fx  (best of %d rounds each, on %d processors)%n",
                        (double) oneJvm / warm, rounds, Runtime.getRuntime().availableProcessors());
                System.out.printf("  the ceiling: %d threads of one JVM %8.1f ms  (%.2fx: the sums stream %,d bytes each, so the%n"
                        + "    memory bandwidth two cores share bounds any speedup, threads or processes)%n",
                        workers, threads / 1e6, (double) oneJvm / threads, count * Long.BYTES);
                System.out.printf("  pool start-up (cold, shown apart: new JVMs, warmed up): %,.0f ms%n", coldStart / 1e6);
                System.out.printf("  bytes of the data copied between processes: 0 (workers read it in place);%n"
                        + "    each task message carried the segment's name and bounds: %d bytes%n", argumentBytes);
                if (!oneJvmRight || !poolRight) {
                    System.exit(1);
                }
            }
        }
    }
}
