package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The native state of the art for a lock between processes, as a rival for shmkit's locks: a
 * glibc {@code pthread_mutex_t} that is process-shared ({@code PTHREAD_PROCESS_SHARED}) and
 * robust ({@code PTHREAD_MUTEX_ROBUST}: when its holder dies, the kernel marks it and the next
 * locker gets {@code EOWNERDEAD}), in a file mapped by every process, called through the FFM
 * API. Waiters sleep in the kernel (a futex) instead of polling, the one thing shmkit's locks
 * cannot do without native code. Benchmark-only: shmkit itself needs no native access.
 *
 * <p><b>Native access.</b> Every downcall is a restricted method: a JVM using this class needs
 * {@code --enable-native-access=ALL-UNNAMED} ({@code BenchFlags.NATIVE}), given only to the
 * forks and peer JVMs that use it. The handles live in a holder class, so that merely naming
 * this class (its constants) does not link anything.
 *
 * <p><b>Why {@code Linker.Option.critical(false)} on two calls only.</b> A critical downcall
 * skips the Java-to-native thread-state transition and the safepoint check on return, a
 * measurable share of a call that itself takes a few nanoseconds. The price: while a thread is
 * inside one, the JVM cannot reach a safepoint, so a GC or any VM operation of the whole JVM
 * waits for the call to return. That is harmless for calls that never block, and unacceptable
 * for one that may sleep for as long as another process holds the mutex. So {@link #lock()}
 * first calls {@code pthread_mutex_trylock} as a critical call (a CAS and the robust-list
 * bookkeeping, all in user space: it never blocks), and only if the mutex is busy calls
 * {@code pthread_mutex_lock} as a normal downcall, which may sleep in the kernel; a contended
 * acquire pays one failed trylock more than a plain {@code pthread_mutex_lock} would.
 * {@code pthread_mutex_unlock} is critical too: at most a {@code FUTEX_WAKE} system call,
 * which does not block. The uncontended path is therefore two critical calls;
 * {@link #lockPlain()} and {@link #unlockPlain()} use normal downcalls throughout, so that a
 * benchmark can show what the choice is worth.
 *
 * <p>Layout: {@link #SIZE} bytes at offset 0 of a file ({@code sizeof(pthread_mutex_t)} is 40
 * on x86-64 glibc and 48 on aarch64). One handle per process and thread at a time: not
 * thread-safe, as the benchmarks use it.
 */
public final class PthreadMutex implements AutoCloseable {
    /** Bytes the mutex occupies in its file: more than {@code sizeof(pthread_mutex_t)}. */
    public static final long SIZE = 64;
    static final int EBUSY = 16;
    static final int EOWNERDEAD = 130;
    static final int ENOTRECOVERABLE = 131;
    private static final int PTHREAD_PROCESS_SHARED = 1;
    private static final int PTHREAD_MUTEX_ROBUST = 1;

    private final Arena arena;
    private final MemorySegment mutex;
    private final Path file;
    private long recoveries;

    private PthreadMutex(Path file, Arena arena, MemorySegment mutex) {
        this.file = file;
        this.arena = arena;
        this.mutex = mutex;
    }

    /**
     * Creates {@code file} (it must not exist) and initialises a process-shared robust mutex
     * in it. Other processes then {@link #open} it.
     */
    public static PthreadMutex create(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate((int) SIZE), 0); // the file must cover the mapping
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
        PthreadMutex m = map(file);
        try (Arena local = Arena.ofConfined()) {
            MemorySegment attr = local.allocate(16, 8); // pthread_mutexattr_t is 4 bytes on x86-64, 8 on aarch64
            check("pthread_mutexattr_init", (int) Libc.ATTR_INIT.invokeExact(attr));
            check("pthread_mutexattr_setpshared", (int) Libc.ATTR_SETPSHARED.invokeExact(attr, PTHREAD_PROCESS_SHARED));
            check("pthread_mutexattr_setrobust", (int) Libc.ATTR_SETROBUST.invokeExact(attr, PTHREAD_MUTEX_ROBUST));
            check("pthread_mutex_init", (int) Libc.INIT.invokeExact(m.mutex, attr));
            check("pthread_mutexattr_destroy", (int) Libc.ATTR_DESTROY.invokeExact(attr));
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        } catch (Throwable t) {
            m.close();
            throw new IllegalStateException("pthread call failed", t);
        }
        return m;
    }

    /** Maps the mutex another process {@link #create}d in {@code file}. */
    public static PthreadMutex open(Path file) {
        return map(file);
    }

    private static PthreadMutex map(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.size() < SIZE) {
                throw new IllegalStateException(file + " is " + channel.size() + " bytes, not a pthread mutex file");
            }
            return new PthreadMutex(file, arena, channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena));
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + file, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Locks: a critical {@code pthread_mutex_trylock}, then, if the mutex is busy, a blocking
     * {@code pthread_mutex_lock}. If the previous holder died holding it ({@code EOWNERDEAD}),
     * the lock is ours and is marked consistent again ({@code pthread_mutex_consistent}), as a
     * program that repaired the guarded data would; {@link #recoveries()} counts it.
     */
    public void lock() {
        int rc;
        try {
            rc = (int) Libc.TRYLOCK.invokeExact(mutex);
            if (rc == EBUSY) {
                rc = (int) Libc.LOCK.invokeExact(mutex);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_mutex_lock failed", t);
        }
        afterLock(rc);
    }

    /** Unlocks with a critical {@code pthread_mutex_unlock}. */
    public void unlock() {
        int rc;
        try {
            rc = (int) Libc.UNLOCK.invokeExact(mutex);
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_mutex_unlock failed", t);
        }
        check("pthread_mutex_unlock", rc);
    }

    /** {@link #lock()} with normal downcalls only: {@code pthread_mutex_lock}, with its transition. */
    public void lockPlain() {
        int rc;
        try {
            rc = (int) Libc.LOCK.invokeExact(mutex);
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_mutex_lock failed", t);
        }
        afterLock(rc);
    }

    /** {@link #unlock()} as a normal downcall. */
    public void unlockPlain() {
        int rc;
        try {
            rc = (int) Libc.UNLOCK_PLAIN.invokeExact(mutex);
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_mutex_unlock failed", t);
        }
        check("pthread_mutex_unlock", rc);
    }

    private void afterLock(int rc) {
        if (rc == 0) {
            return;
        }
        if (rc != EOWNERDEAD) {
            throw new IllegalStateException("pthread_mutex_lock on " + file + " returned " + rc
                    + (rc == ENOTRECOVERABLE ? " (ENOTRECOVERABLE)" : ""));
        }
        // We hold it; without pthread_mutex_consistent its next unlock would make it unusable.
        try {
            check("pthread_mutex_consistent", (int) Libc.CONSISTENT.invokeExact(mutex));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_mutex_consistent failed", t);
        }
        recoveries++;
    }

    /** How many times this handle's lock found the holder dead ({@code EOWNERDEAD}) and recovered. */
    public long recoveries() {
        return recoveries;
    }

    /** The file the mutex lives in. */
    public Path file() {
        return file;
    }

    /** Unmaps the mutex; does not unlock it nor delete the file. */
    @Override
    public void close() {
        arena.close();
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new IllegalStateException(call + " returned " + rc);
        }
    }

    /** The downcall handles, linked on first use of a mutex (linking is the restricted step). */
    @SuppressWarnings("restricted") // the point of this rival; its JVMs get native access
    private static final class Libc {
        static final MethodHandle ATTR_INIT = handle("pthread_mutexattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ATTR_SETPSHARED = handle("pthread_mutexattr_setpshared",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ATTR_SETROBUST = handle("pthread_mutexattr_setrobust",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ATTR_DESTROY = handle("pthread_mutexattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle INIT = handle("pthread_mutex_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle CONSISTENT = handle("pthread_mutex_consistent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle LOCK = handle("pthread_mutex_lock", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle UNLOCK_PLAIN = handle("pthread_mutex_unlock", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // never block: see the class comment
        static final MethodHandle TRYLOCK = handle("pthread_mutex_trylock", FunctionDescriptor.of(JAVA_INT, ADDRESS),
                Linker.Option.critical(false));
        static final MethodHandle UNLOCK = handle("pthread_mutex_unlock", FunctionDescriptor.of(JAVA_INT, ADDRESS),
                Linker.Option.critical(false));

        private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            Linker linker = Linker.nativeLinker();
            // glibc 2.34+ has the pthread functions in libc; older ones in libpthread
            MemorySegment symbol = linker.defaultLookup().find(name)
                    .or(() -> SymbolLookup.libraryLookup("libpthread.so.0", Arena.global()).find(name))
                    .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in libc or libpthread"));
            return linker.downcallHandle(symbol, descriptor, options);
        }
    }
}
