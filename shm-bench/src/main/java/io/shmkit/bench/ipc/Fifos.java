package io.shmkit.bench.ipc;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Named pipes tuned as a careful user tunes them: created with {@code mkfifo(3)} and enlarged
 * with {@code fcntl(F_SETPIPE_SZ)} from the default 64 KiB to 1 MiB (the default
 * {@code /proc/sys/fs/pipe-max-size}), so that a large transfer takes 16 times fewer wake-ups.
 * Benchmark-only: it needs native access and a look inside {@code FileChannel} for its
 * descriptor, which the benchmark forks and peers are started with ({@link io.shmkit.bench.BenchFlags}).
 */
@SuppressWarnings("restricted")
final class Fifos {
    /** The pipe size asked for. */
    static final int SIZE = 1 << 20;
    private static final int F_SETPIPE_SZ = 1031;
    private static final MethodHandle MKFIFO;
    private static final MethodHandle FCNTL;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MKFIFO = linker.downcallHandle(libc.find("mkfifo").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        FCNTL = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    private Fifos() {}

    /** Makes a FIFO at {@code path}, owner-only. */
    static void make(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int result = (int) MKFIFO.invokeExact(arena.allocateFrom(path.toString()), 0600);
            if (result != 0) {
                throw new IOException("mkfifo " + path + " failed");
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * Asks for a {@link #SIZE}-byte pipe behind {@code channel}.
     *
     * @return the size the kernel granted, or -1 if it refused (the pipe keeps its size)
     */
    static int enlarge(FileChannel channel) {
        try {
            int fd = descriptor(channel);
            return (int) FCNTL.invokeExact(fd, F_SETPIPE_SZ, SIZE);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@link #enlarge}, failing if the kernel granted less: the report states a {@link #SIZE}-byte
     * pipe, and a pipe left at 64 KiB would be measured under that name.
     *
     * @throws IllegalStateException if the pipe is smaller than {@link #SIZE}
     */
    static void enlargeFully(FileChannel channel) {
        int size = enlarge(channel);
        if (size < SIZE) {
            throw new IllegalStateException("the kernel kept the pipe at its size (F_SETPIPE_SZ returned " + size
                    + "); raise /proc/sys/fs/pipe-max-size to at least " + SIZE);
        }
    }

    private static int descriptor(FileChannel channel) throws ReflectiveOperationException {
        Field fdField = channel.getClass().getDeclaredField("fd");
        fdField.setAccessible(true);
        FileDescriptor fd = (FileDescriptor) fdField.get(channel);
        Field number = FileDescriptor.class.getDeclaredField("fd");
        number.setAccessible(true);
        return number.getInt(fd);
    }
}
