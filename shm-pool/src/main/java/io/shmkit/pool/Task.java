package io.shmkit.pool;

/**
 * What a {@link Pool} worker runs: {@code apply} of a class with a public no-argument
 * constructor, named by its class. A worker builds one instance of each task class the first
 * time it needs it and calls it from one thread for as long as it lives, so a task may keep
 * state between calls (a scratch buffer, an attached segment).
 *
 * <p>A lambda or an anonymous class cannot be a task: its class exists only in the JVM that
 * made it, and a worker is another JVM. Arguments and results are primitives, {@code String},
 * {@code byte[]}, {@code int[]}, {@code long[]}, {@code double[]}, records of those, or shmkit
 * objects, which cross by name: a worker attaches each segment once and keeps it (zero copy
 * for large data). See {@link io.shmkit.process.ValueCodec}.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Task<A, R> {
    /**
     * Computes the result for {@code argument}, in a worker JVM.
     *
     * @throws Exception anything: the caller's future fails with a {@link RemoteTaskException}
     *         carrying its class, message and stack trace
     */
    R apply(A argument) throws Exception;
}
