package io.shmkit.bench.ipc;

import io.shmkit.core.SegmentDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names of the segments and files benchmarks make, all starting with {@link #PREFIX} and the
 * making process's pid, so that a test can check none is left behind and a crashed run's
 * leftovers are easy to find ({@code shm list}, {@code ls /dev/shm/shmkit-bench-*}).
 */
public final class BenchNames {
    /** Every benchmark segment and file name starts with this. */
    public static final String PREFIX = "shmkit-bench-";
    private static final AtomicInteger NEXT = new AtomicInteger();

    private BenchNames() {}

    private static final String OWN = PREFIX + ProcessHandle.current().pid() + "-";

    static {
        // A benchmark that throws may end its JMH fork without @TearDown: whatever this
        // process named and did not remove goes when it exits (short of SIGKILL).
        Runtime.getRuntime().addShutdownHook(new Thread(BenchNames::removeOwnLeftovers, "shm-bench-cleanup"));
    }

    /** A fresh name such as {@code shmkit-bench-4242-7-handoff}. */
    public static String unique(String what) {
        return OWN + NEXT.incrementAndGet() + "-" + what;
    }

    private static void removeOwnLeftovers() {
        try (var files = Files.list(shm().path())) {
            files.filter(p -> p.getFileName().toString().startsWith(OWN)).forEach(BenchNames::deleteQuietly);
        } catch (IOException | RuntimeException e) {
            System.err.println("shm-bench: cannot clean " + shm().path() + ": " + e);
        }
    }

    /** The shared-memory directory benchmarks use (/dev/shm where it exists). */
    public static SegmentDirectory shm() {
        return SegmentDirectory.shm();
    }

    /** A path for a non-shmkit file (Agrona, Chronicle, sockets) in the same directory. */
    public static Path file(String name) {
        return shm().path().resolve(name);
    }

    /**
     * Deletes {@code path} if it exists, with everything in it if it is a directory (an Aeron
     * media driver's directory); for tear-down paths, so it never throws.
     */
    public static void deleteQuietly(Path path) {
        try {
            if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (var inside = Files.list(path)) {
                    inside.forEach(BenchNames::deleteQuietly);
                }
            }
            Files.deleteIfExists(path);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("shm-bench: cannot delete " + path + ": " + e);
        }
    }

    /** Makes a file of exactly {@code size} bytes (sparse) for a peer library to map. */
    public static void createFile(Path path, long size) {
        try (var file = new java.io.RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path, e);
        }
    }
}
