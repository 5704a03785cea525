package io.shmkit.sync;

/** Four longs a writer keeps equal, each struct guarded by its own seqlock. */
public record Quad(SeqLockState lock, long a, long b, long c, long d) {
    boolean torn() {
        return a != b || b != c || c != d;
    }
}
