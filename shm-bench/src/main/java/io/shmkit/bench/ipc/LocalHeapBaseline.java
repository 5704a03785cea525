package io.shmkit.bench.ipc;

import java.lang.foreign.MemorySegment;

/**
 * Not a transport: the floor under every transport. The doubles are already in a heap array
 * of this JVM and no second process is involved; one "handoff" is setting element 0 and the
 * same checked sum as everywhere else. A zero-copy handoff can at best match this row.
 */
final class LocalHeapBaseline implements HandoffConsumer {
    private final double[] values;
    private final MemorySegment view;

    LocalHeapBaseline(int n) {
        values = new double[n];
        view = MemorySegment.ofArray(values);
        Payload.fill(view, n);
    }

    @Override
    public MemorySegment fetch(long seq) {
        values[0] = seq;
        return view;
    }

    @Override
    public void close() {
        // nothing to stop or remove
    }
}
