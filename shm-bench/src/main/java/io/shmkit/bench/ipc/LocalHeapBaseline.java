package io.shmkit.bench.ipc;

import java.lang.foreign.MemorySegment;

/**
 * Not a transport: the floor under every transport. No second process: this JVM writes
 * handoff {@code seq}'s payload into its own heap array and sums it, the same work the
 * producer and the consumer of a transport do between them, minus everything that moves the
 * data between processes and cores.
 */
final class LocalHeapBaseline implements HandoffConsumer {
    private final double[] values;
    private final MemorySegment view;

    LocalHeapBaseline(int n) {
        values = new double[n];
        view = MemorySegment.ofArray(values);
    }

    @Override
    public double handoff(long seq) {
        Payload.fill(values, seq);
        return Payload.sumChecked(view, values.length, seq);
    }

    @Override
    public void close() {
        // nothing to stop or remove
    }
}
