/**
 * Zero-copy queues, pipes and broadcast between JVMs (and Python) in shmkit segments, robust to
 * killed producers and consumers ({@link io.shmkit.msg}).
 */
module io.shmkit.msg {
    requires transitive io.shmkit.core;
    requires transitive io.shmkit.sync;

    exports io.shmkit.msg;
}
