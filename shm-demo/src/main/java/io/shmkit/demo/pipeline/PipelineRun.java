package io.shmkit.demo.pipeline;

/**
 * A running three-JVM pipeline: this JVM generates blocks of doubles, a transform JVM normalizes
 * each block, a reducer JVM folds it into {@link Blocks.Stats}. Not thread-safe.
 */
public interface PipelineRun extends AutoCloseable {
    /**
     * Generates the next {@code count} blocks, sends them down the pipeline, and returns when the
     * reducer has folded every one of them in.
     */
    void push(int count) throws Exception;

    /** Ends the stream, waits for the stages to exit, and returns the reducer's statistics. */
    Blocks.Stats finish() throws Exception;

    /** Stops the stage JVMs if they are still running and removes what the run created. */
    @Override
    void close();
}
