package io.shmkit.sync;

/**
 * The byte layouts of shm-sync's lock words, wherever they live: in the lock area of a
 * segment header, in a named lock segment, or in a field of a user's struct. All words are
 * in native byte order and 8-byte aligned; {@code docs/locks.md} states the same layouts and
 * the protocols on them for implementers in other languages.
 *
 * <p><b>Owner key</b> (64 bits): the process that holds an exclusive lock. Zero means free.
 * The start tag is the low 32 bits of the process's start time in clock ticks since boot
 * (field 22 of {@code /proc/<pid>/stat}), so that a dead owner whose pid the kernel has given
 * to a new process is still recognised as dead. T (TAKING) is set while that process takes the
 * lock over from a dead holder and has not yet written its thread id: its own other threads
 * must not mistake the dead holder's thread id for theirs.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Start tag (u32, low)                     |
 *  +-------------------------------------------------------------+-+
 *  |                 Pid (31 bits, high)                         |T|
 *  +-------------------------------------------------------------+-+
 * </pre>
 *
 * <p><b>Slot word</b> (64 bits): how many read holds (or permits) one process has. Zero
 * means the slot is free; a process's count and identity change together in one CAS, so a
 * process that dies at any instant leaves a slot that says exactly what it held.
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |      Hold count (u16, low)    |  Start tag, low 16 bits (u16) |
 *  +-------------------------------+-------------------------------+
 *  |                         Pid (u32, high)                       |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p><b>Owner block</b> (32 bytes), the head of every lock. Only the holder of the owner
 * word writes the bytes after it, so they need no CAS:
 * <pre>
 *  +---------------------------------------------------------------+ 0x00
 *  |            Owner key (CAS; 0 = free, see above)               |
 *  +---------------------------------------------------------------+ 0x08
 *  |   Holder: pid &lt;&lt; 32 | thread id (low 32 bits), 0 if free|
 *  +-------------------------------+-------------------------------+ 0x10
 *  |        Hold count (i32)       |   Flags (i32): bit 0 INCONSISTENT (sticky),
 *  |                               |   bit 1 ACTIVE (writer inside)|
 *  +-------------------------------+-------------------------------+ 0x18
 *  |  Recoveries (i32): take-overs |  Pid of the latest dead holder|
 *  +-------------------------------+-------------------------------+ 0x20
 * </pre>
 *
 * <p><b>Wake word</b> (u32) of every lock: what processes sleeping in the kernel for the lock
 * wait on ({@link WakeWord}, {@code docs/locks.md} §9). Only processes whose lock
 * options ask for {@link LockOptions#kernelWaits() kernel waits} read or write it (bit 0:
 * a sleep was announced; bits 1-31: an epoch every wake advances; {@link WakeWord}). Zero in a
 * fresh lock. In the read/write lock, semaphore and seqlock it took bytes that were reserved and
 * zero; the mutex and reentrant lock grew from 32 to 40 bytes for it, so a lock placed with
 * {@code at(object, offset)} 32 bytes from the next must move (a struct field's size is checked).
 *
 * <p><b>{@link SharedMutex} and {@link SharedReentrantLock}</b>, 40 bytes ({@link MutexState},
 * {@link ReentrantLockState}): the owner block, then
 * <pre>
 *  +-------------------------------+-------------------------------+ 0x20
 *  |        Wake word (u32)        |         Reserved, zero        |
 *  +-------------------------------+-------------------------------+ 0x28
 * </pre>
 *
 * <p><b>{@link SharedSeqLock}</b>, 64 bytes ({@link SeqLockState}): the owner block (the
 * writers' lock), then
 * <pre>
 *  +---------------------------------------------------------------+ 0x20
 *  |   Sequence (i64): even = stable, odd = a write is in progress |
 *  +-------------------------------+-------------------------------+ 0x28
 *  |        Wake word (u32)        |  Reserved, zero (20 bytes)    |
 *  +-------------------------------+-------------------------------+ 0x40
 * </pre>
 *
 * <p><b>{@link SharedReadWriteLock}</b>, 320 bytes ({@link ReadWriteLockState}): the owner
 * block (the write lock), then
 * <pre>
 *  +-------------------------------+-------------------------------+ 0x20
 *  |        Wake word (u32)        |  Reserved, zero (28 bytes)    |
 *  +-------------------------------+-------------------------------+ 0x40
 *  |             32 reader slot words (slot word, above)           |
 *  +---------------------------------------------------------------+ 0x140
 * </pre>
 *
 * <p><b>{@link SharedSemaphore}</b>, 320 bytes ({@link SemaphoreState}): the owner block
 * (guards the slots while a process takes permits), then
 * <pre>
 *  +-------------------------------+-------------------------------+ 0x20
 *  |      Permits (i32, >= 1)      |        Wake word (u32)        |
 *  +-------------------------------+-------------------------------+ 0x28
 *  |                    Reserved, zero (24 bytes)                  |
 *  +---------------------------------------------------------------+ 0x40
 *  |       32 holder slot words (slot word: permits held)          |
 *  +---------------------------------------------------------------+ 0x140
 * </pre>
 *
 * <p><b>Built-in locks</b> in the 256-byte lock area of every segment header: a
 * {@link SharedReentrantLock} at {@link #BUILT_IN_LOCK_OFFSET} (Python's {@code get_lock()})
 * and a {@link SharedSeqLock} at {@link #BUILT_IN_SEQLOCK_OFFSET}; the rest is reserved.
 */
public final class LockDescriptor {
    // Offsets are longs: VarHandles on memory segments take a long offset, and an int
    // argument would make every access an inexact invocation that the JIT cannot inline.
    public static final long OWNER_OFFSET = 0x00;
    public static final long THREAD_OFFSET = 0x08;
    public static final long HOLDS_OFFSET = 0x10;
    public static final long FLAGS_OFFSET = 0x14;
    public static final long RECOVERIES_OFFSET = 0x18;
    public static final long DEAD_PID_OFFSET = 0x1C;
    public static final long OWNER_BLOCK_LENGTH = 0x20;

    /** Flag: a holder died and nobody has called {@code markConsistent()} since. */
    public static final int FLAG_INCONSISTENT = 1;
    /** Flag: the writer of a read/write lock or seqlock is inside its critical section. */
    public static final int FLAG_ACTIVE = 2;

    public static final long MUTEX_WAKE_OFFSET = 0x20;
    public static final long MUTEX_LENGTH = 0x28;

    public static final long SEQUENCE_OFFSET = 0x20;
    public static final long SEQLOCK_WAKE_OFFSET = 0x28;
    public static final long SEQLOCK_LENGTH = 0x40;
    public static final long READ_WRITE_WAKE_OFFSET = 0x20;
    public static final long SEMAPHORE_WAKE_OFFSET = 0x24;

    public static final long PERMITS_OFFSET = 0x20;
    public static final long SLOTS_OFFSET = 0x40;
    public static final int SLOT_COUNT = 32;
    public static final long SLOTTED_LENGTH = SLOTS_OFFSET + SLOT_COUNT * 8;
    /** Most holds one process can have in one slot: the 16-bit count. */
    public static final int MAX_SLOT_HOLDS = 0xFFFF;

    /** Offset of the built-in reentrant lock in a segment header's lock area. */
    public static final long BUILT_IN_LOCK_OFFSET = 0x00;
    /** Offset of the built-in seqlock in a segment header's lock area. */
    public static final long BUILT_IN_SEQLOCK_OFFSET = 0x40;

    /** Alignment every lock's words need. */
    public static final int ALIGNMENT = 8;

    private LockDescriptor() {
    }
}
