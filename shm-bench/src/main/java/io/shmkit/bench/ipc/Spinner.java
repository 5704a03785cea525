package io.shmkit.bench.ipc;

/**
 * A busy-wait step for the spinning transports: {@link Thread#onSpinWait()}, and once every
 * 2^20 steps a check that the peer still lives, so a dead peer fails the benchmark instead of
 * hanging it. A plain object rather than a lambda-taking helper, so the hot loops stay
 * monomorphic. Not thread-safe: one per waiting thread.
 */
final class Spinner {
    private static final int CHECK_EVERY = 1 << 20;
    private final PeerProcess peer;
    private int spins;

    Spinner(PeerProcess peer) {
        this.peer = peer;
    }

    /** For a peer's own wait loops: fails once the benchmark has told this peer to stop. */
    static Spinner untilStopped() {
        return new Spinner(null);
    }

    void spin() {
        Thread.onSpinWait();
        if (++spins == CHECK_EVERY) {
            spins = 0;
            if (peer != null) {
                peer.checkAlive();
            } else if (!PeerMain.running()) {
                throw new IllegalStateException("stopped by the benchmark while waiting");
            }
        }
    }
}
