package io.shmkit.demo.pipeline;

import io.shmkit.process.JvmProcess;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The same pipeline over pipes, each block serialized, as Python's {@code Queue} pickles every
 * message: this JVM writes {@link Block}s with an {@link ObjectOutputStream} into the transform
 * JVM's stdin; the transform reads, normalizes and writes them into the reducer JVM's stdin (the
 * two connected by {@link ProcessBuilder#startPipeline}); the reducer acknowledges each block
 * with one byte on its stdout and, at end of stream, writes its statistics. Every block is
 * copied through the kernel twice and serialized and deserialized twice. The pipes' buffers
 * give back-pressure.
 */
public final class PipePipeline implements PipelineRun {
    /** A block as it crosses a pipe. */
    public record Block(long sequence, double[] values) implements Serializable {
    }

    private final int size;
    private final List<Process> stages;
    private final ObjectOutputStream toTransform;
    private final InputStream fromReducer;
    private long next;

    /** Starts the transform and reducer JVMs, connected by a pipe. */
    public PipePipeline(int size) throws IOException {
        this.size = size;
        stages = ProcessBuilder.startPipeline(List.of(
                stage(JvmProcess.target(PipePipeline.class, "transform")),
                stage(JvmProcess.target(PipePipeline.class, "reduce"))));
        toTransform = new ObjectOutputStream(new BufferedOutputStream(stages.getFirst().getOutputStream(), 1 << 16));
        fromReducer = new BufferedInputStream(stages.getLast().getInputStream());
    }

    private static ProcessBuilder stage(JvmProcess.Builder target) {
        return new ProcessBuilder(target.command()).redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    @Override
    public void push(int count) throws IOException {
        double[] values = new double[size];
        for (int i = 0; i < count; i++, next++) {
            Blocks.generate(next, MemorySegment.ofArray(values));
            toTransform.writeObject(new Block(next, values));
            toTransform.reset(); // else the stream remembers every block it wrote
        }
        toTransform.flush();
        for (int i = 0; i < count; i++) {
            if (fromReducer.read() < 0) {
                throw new EOFException("the reducer ended before the pipeline did");
            }
        }
    }

    @Override
    public Blocks.Stats finish() throws IOException, ClassNotFoundException, InterruptedException {
        toTransform.close();
        Blocks.Stats stats = (Blocks.Stats) new ObjectInputStream(fromReducer).readObject();
        for (Process p : stages) {
            if (p.waitFor() != 0) {
                throw new IllegalStateException("a pipe stage exited with " + p.exitValue());
            }
        }
        return stats;
    }

    @Override
    public void close() {
        stages.forEach(Process::destroyForcibly);
    }

    /** The transform stage, in its own JVM: blocks from stdin, normalized, to stdout. */
    static void transform() throws IOException, ClassNotFoundException {
        ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(System.in, 1 << 16));
        try (ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(System.out, 1 << 16))) {
            for (;;) {
                Block b;
                try {
                    b = (Block) in.readObject();
                } catch (EOFException end) {
                    return;
                }
                Blocks.normalize(MemorySegment.ofArray(b.values()));
                out.writeObject(b);
                out.reset();
                if (in.available() == 0) {
                    out.flush(); // nothing more to read now: let the reducer have what there is
                }
            }
        }
    }

    /** The reducer stage, in its own JVM: one byte per block to stdout, then the statistics. */
    static void reduce() throws IOException, ClassNotFoundException {
        ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(System.in, 1 << 16));
        BufferedOutputStream out = new BufferedOutputStream(System.out);
        Blocks.Stats stats = Blocks.Stats.EMPTY;
        for (;;) {
            Block b;
            try {
                b = (Block) in.readObject();
            } catch (EOFException end) {
                break;
            }
            stats = stats.add(MemorySegment.ofArray(b.values()));
            out.write(1);
            if (in.available() == 0) {
                out.flush();
            }
        }
        ObjectOutputStream result = new ObjectOutputStream(out);
        result.writeObject(stats);
        result.flush();
    }
}
