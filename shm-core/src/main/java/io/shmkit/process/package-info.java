/**
 * Child JVMs: the analog of Python's {@code multiprocessing.Process}, running a class's
 * {@code main} or a static method with arguments ({@link io.shmkit.process.JvmProcess#target}),
 * whose shmkit objects cross by name ({@link io.shmkit.process.ValueCodec}); see
 * {@code docs/processes.md}.
 */
package io.shmkit.process;
