package io.shmkit.demo;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The course exercise done with shared memory: the longs 1..N live once, in a shared array;
 * each of W worker JVMs sums its slice in place and writes its partial sum and its own compute
 * time into a shared result array. Nothing but the segment names crosses a pipe.
 *
 * <p>Usage: {@code ParallelSum [workers=4] [count=10000000]}. Exits non-zero if the total is wrong.
 */
public final class ParallelSum {
    private ParallelSum() {
    }

    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        long count = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        if (workers < 1 || count < 1) {
            throw new IllegalArgumentException("workers and count must be at least 1");
        }
        SegmentDirectory shm = SegmentDirectory.shm();
        String tag = "shmkit-demo-" + ProcessHandle.current().pid();
        String numbersName = tag + "-numbers";
        String resultsName = tag + "-results";
        try (SharedLongArray numbers = SharedLongArray.create(shm, numbersName, count);
             SharedLongArray results = SharedLongArray.create(shm, resultsName, 2L * workers)) {
            for (long i = 0; i < count; i++) {
                numbers.set(i, i + 1);
            }
            long expected = count * (count + 1) / 2;

            long oneJvmNanos = Long.MAX_VALUE;
            long oneJvmSum = 0;
            for (int round = 0; round < 5; round++) { // best of 5: the first rounds run in the interpreter
                long t0 = System.nanoTime();
                oneJvmSum = SumWorker.sum(numbers, 0, count);
                oneJvmNanos = Math.min(oneJvmNanos, System.nanoTime() - t0);
            }

            long t0 = System.nanoTime();
            List<JvmProcess> children = new ArrayList<>();
            long bytesThroughPipes = 0;
            try {
                for (int w = 0; w < workers; w++) {
                    long from = count * w / workers;
                    long to = count * (w + 1) / workers;
                    children.add(JvmProcess.builder(SumWorker.class)
                            .jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                            .args(shm.path().toString(), numbersName, resultsName, Integer.toString(w), Long.toString(from), Long.toString(to))
                            .start());
                }
                for (JvmProcess child : children) {
                    if (!child.join(Duration.ofMinutes(5)) || child.exitCode() != 0) {
                        throw new IllegalStateException(child + " failed:\n" + child.output());
                    }
                    bytesThroughPipes += child.outputBytes();
                }
            } finally {
                children.forEach(JvmProcess::close);
            }
            long parallelNanos = System.nanoTime() - t0;

            long total = 0;
            long slowestWorkerNanos = 0;
            for (int w = 0; w < workers; w++) {
                total += results.getVolatile(2L * w);
                slowestWorkerNanos = Math.max(slowestWorkerNanos, results.getVolatile(2L * w + 1));
            }

            System.out.printf("shmkit parallel sum of 1..%,d in a shared array of %,d bytes%n", count, count * Long.BYTES);
            System.out.printf("  total from %d worker JVMs:  %d (%s)%n", workers, total, total == expected ? "correct" : "WRONG, expected " + expected);
            System.out.printf("  same sum in this JVM:       %d%n", oneJvmSum);
            System.out.printf("  wall time, %d worker JVMs:  %,.1f ms, of which the slowest worker's summing took %,.1f ms%n",
                    workers, parallelNanos / 1e6, slowestWorkerNanos / 1e6);
            System.out.printf("  wall time, one JVM:         %,.1f ms (best of 5, JIT-compiled)%n", oneJvmNanos / 1e6);
            System.out.printf("  bytes copied between processes: 0 of the data (workers read it in place);%n"
                    + "    %d bytes through pipes (worker output); arguments: segment names and slice bounds only%n", bytesThroughPipes);
            System.out.println("  (each worker is a new JVM: its start-up and its not yet JIT-compiled loop dominate at this size;"
                    + " on " + Runtime.getRuntime().availableProcessors() + " cores the summing itself can gain at most "
                    + Runtime.getRuntime().availableProcessors() + "x)");
            if (total != expected || oneJvmSum != expected) {
                System.exit(1);
            }
        } finally {
            shm.unlink(numbersName);
            shm.unlink(resultsName);
        }
    }
}
