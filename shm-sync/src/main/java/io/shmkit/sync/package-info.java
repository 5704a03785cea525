/**
 * Locks that live inside shmkit segments, work across JVMs, and survive the death of the
 * processes that hold them.
 *
 * <ul>
 *   <li>{@link io.shmkit.sync.SharedMutex}: Python's {@code Lock}, owner-checked.</li>
 *   <li>{@link io.shmkit.sync.SharedReentrantLock}: Python's {@code RLock}, and every
 *       object's built-in lock ({@code get_lock()}).</li>
 *   <li>{@link io.shmkit.sync.SharedReadWriteLock}: many readers or one writer.</li>
 *   <li>{@link io.shmkit.sync.SharedSemaphore}: counted permits owned by processes.</li>
 *   <li>{@link io.shmkit.sync.SharedSeqLock}: readers that never block the writer.</li>
 * </ul>
 *
 * <p>All are CAS loops on words in mapped memory: no file locks, no native code, no JVM
 * flags. {@link io.shmkit.sync.LockDescriptor} draws the words; {@code docs/locks.md}
 * states the protocols and what happens when a process dies at each point of each one.
 */
package io.shmkit.sync;
