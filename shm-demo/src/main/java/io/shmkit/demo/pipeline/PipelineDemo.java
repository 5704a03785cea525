package io.shmkit.demo.pipeline;

import java.time.Duration;

/**
 * A numeric pipeline across three JVMs (generator, transform, reducer), over shared memory and
 * over pipes with serialization, timed and checked against one JVM. Run:
 * {@code ./mvnw -B -q -Pdemo verify -Ddemo.main=io.shmkit.demo.pipeline.PipelineDemo}, or
 * {@code PipelineDemo [blocks=1024] [doublesPerBlock=65536] [buffers=32]}.
 */
public final class PipelineDemo {
    private PipelineDemo() {
    }

    public static void main(String[] args) throws Exception {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 65536;
        int buffers = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int warmUp = Math.max(1, blocks / 4);
        double gigabytes = (double) blocks * size * Double.BYTES / 1e9;
        Blocks.Stats expected = Blocks.inOneJvm(warmUp + blocks, size);

        System.out.printf("shmkit pipeline: generator -> transform (normalize in place) -> reducer (statistics), 3 JVMs;%n"
                + "  %,d blocks of %,d doubles (%.2f GB) after %,d blocks of warm-up%n", blocks, size, gigabytes, warmUp);
        double shm;
        try (SharedMemoryPipeline run = new SharedMemoryPipeline(size, buffers, Duration.ZERO)) {
            shm = time(run, warmUp, blocks, gigabytes, expected, "shared memory (" + buffers + " buffers, indices through shm-msg queues)");
            System.out.printf("    at most %d blocks were in flight: the pool of buffers bounds memory%n", run.mostInFlight());
        }
        double pipes;
        try (PipePipeline run = new PipePipeline(size)) {
            pipes = time(run, warmUp, blocks, gigabytes, expected, "pipes, each block serialized (ObjectOutputStream)");
        }
        System.out.printf("  zero-copy speedup: %.2fx%n", shm / pipes);
    }

    private static double time(PipelineRun run, int warmUp, int blocks, double gigabytes, Blocks.Stats expected, String what)
            throws Exception {
        run.push(warmUp);
        long t0 = System.nanoTime();
        run.push(blocks);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Blocks.Stats stats = run.finish();
        double rate = gigabytes / seconds;
        System.out.printf("  %-70s %6.2f GB/s  statistics %s%n", what, rate,
                stats.equals(expected) ? "equal to one JVM's" : "DIFFER: " + stats + " vs " + expected);
        if (!stats.equals(expected)) {
            System.exit(1);
        }
        return rate;
    }
}
