/**
 * Locks that live inside shmkit segments, work across JVMs and survive the death of their
 * holders ({@link io.shmkit.sync}). Kernel waits are an opt-in that needs native access for
 * this module: {@code --enable-native-access=io.shmkit.sync} on the module path.
 */
module io.shmkit.sync {
    requires transitive io.shmkit.core;

    exports io.shmkit.sync;
}
