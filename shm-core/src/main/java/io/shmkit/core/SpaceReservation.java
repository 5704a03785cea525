package io.shmkit.core;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Makes the file system allocate every page of a new segment file before anyone maps it, so
 * that running out of space is a clean error at creation instead of an {@link InternalError}
 * (or, in a Python attacher, SIGBUS) at the first touch of an unbacked page.
 *
 * <p>With native access enabled for shmkit ({@code --enable-native-access}), it calls
 * {@code posix_fallocate(3)}; without it, calling a restricted method would print the JDK's
 * warning, so it writes one zero byte into every page instead: slower for large segments,
 * but the same guarantee on tmpfs and on disk file systems, in pure Java.
 */
final class SpaceReservation {
    private static final int O_RDWR = 2;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int ENOSPC = 28;
    private static final int EOPNOTSUPP = 95;
    private static final long PAGE = 4096;

    private SpaceReservation() {
    }

    /**
     * Reserves {@code size} bytes of the file, open as {@code channel}, at {@code path}, whose
     * first {@code written} bytes are already written (and so allocated), and are not touched.
     */
    static void reserve(Path path, FileChannel channel, long written, long size) throws IOException {
        if (size <= written) {
            return;
        }
        if (SpaceReservation.class.getModule().isNativeAccessEnabled() && Native.AVAILABLE && Native.fallocate(path, size)) {
            return;
        }
        ByteBuffer zero = ByteBuffer.allocate(1);
        for (long at = (written + PAGE - 1) / PAGE * PAGE; at < size; at += PAGE) {
            channel.write(zero.clear(), at);
        }
        channel.write(zero.clear(), size - 1);
    }

    /** The posix_fallocate path; only touched when native access is enabled. */
    @SuppressWarnings("restricted")
    private static final class Native {
        static final boolean AVAILABLE;
        private static final MethodHandle OPEN;
        private static final MethodHandle FALLOCATE;
        private static final MethodHandle CLOSE;

        static {
            MethodHandle open = null;
            MethodHandle fallocate = null;
            MethodHandle close = null;
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                fallocate = linker.downcallHandle(libc.find("posix_fallocate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                open = null;
            }
            AVAILABLE = open != null && System.getProperty("os.name", "").startsWith("Linux");
            OPEN = open;
            FALLOCATE = fallocate;
            CLOSE = close;
        }

        /** @return false if the file system cannot fallocate (the caller writes pages instead) */
        static boolean fallocate(Path path, long size) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cPath = arena.allocateFrom(path.toString());
                int fd = (int) OPEN.invokeExact(cPath, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
                if (fd < 0) {
                    return false; // let the pure-Java path report what is wrong
                }
                int error;
                try {
                    error = (int) FALLOCATE.invokeExact(fd, 0L, size);
                } finally {
                    int ignored = (int) CLOSE.invokeExact(fd);
                }
                if (error == 0) {
                    return true;
                }
                if (error == EOPNOTSUPP) {
                    return false;
                }
                throw new IOException(error == ENOSPC ? "No space left on device (posix_fallocate of " + size + " bytes)"
                        : "posix_fallocate of " + size + " bytes failed with error " + error);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException("posix_fallocate failed: " + t, t);
            }
        }
    }
}
