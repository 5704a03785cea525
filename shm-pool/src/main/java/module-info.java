/**
 * A pool of warm worker JVMs over shm-msg queues ({@link io.shmkit.pool}). Workers build tasks
 * reflectively from this module, and their argument and result records from
 * {@code io.shmkit.core}: on the module path, a program opens the package of a task class or
 * record that is not public (with public constructors) in an exported package to both
 * ({@code opens com.example.app to io.shmkit.pool, io.shmkit.core;}); see {@code docs/pool.md}.
 * Its API shows no type of another shmkit module, so it re-exports none: a program that passes
 * shmkit objects to its tasks requires {@code io.shmkit.core} (or {@code io.shmkit.msg}) itself.
 */
module io.shmkit.pool {
    requires io.shmkit.core;
    requires io.shmkit.msg;

    exports io.shmkit.pool;
}
