package io.shmkit.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What {@code /proc} says about the threads of another process: which thread has a given name,
 * whether it sleeps in a shared {@code FUTEX_WAIT} on a word of a given file's mapping, and
 * how much CPU it has used. Evidence for kernel-wait tests that does not rest on timing.
 */
public final class ThreadStates {
    private static final long FUTEX = 202; // x86-64; these tests run on Linux x86-64
    private static final long FUTEX_WAIT = 0; // without FUTEX_PRIVATE_FLAG (128): a park never shows 0

    private ThreadStates() {
    }

    /**
     * Whether a read of {@code /proc} failed because the process or thread is gone: the file
     * vanished, or (a thread ending during the read) the kernel answered ESRCH.
     */
    private static boolean gone(IOException e) {
        return e instanceof NoSuchFileException || "No such process".equals(e.getMessage());
    }

    /** The tid of the thread of {@code pid} whose name ({@code comm}, 15 characters at most) is {@code name}. */
    public static OptionalLong thread(long pid, String name) {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(comm)) {
                        return OptionalLong.of(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (IOException e) {
                    if (!gone(e)) {
                        throw new UncheckedIOException(e);
                    }
                    // the thread ended while we looked
                }
            }
            return OptionalLong.empty();
        } catch (NoSuchFileException gone) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The address a thread sleeps on in a shared {@code FUTEX_WAIT}, from
     * {@code /proc/<pid>/task/<tid>/syscall}; empty if it is running or in any other call
     * (a parked Java thread waits on a private futex, which does not count).
     */
    public static OptionalLong sharedFutexWait(long pid, long tid) {
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "syscall")).strip();
        } catch (IOException e) {
            if (gone(e)) {
                return OptionalLong.empty();
            }
            throw new UncheckedIOException(e);
        }
        String[] f = line.split(" ");
        if (f.length < 4 || !f[0].equals(Long.toString(FUTEX)) || Long.decode(f[2]) != FUTEX_WAIT) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.decode(f[1]));
    }

    /**
     * The inode of the file mapped at {@code address} in {@code pid}, from
     * {@code /proc/<pid>/maps}. The inode, not the path: a segment is mapped under a temporary
     * name before it is linked to its own, and the maps keep the name it was mapped under.
     */
    public static OptionalLong mappedInode(long pid, long address) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"));
            for (String line : lines) {
                String[] f = line.trim().split("\\s+", 6);
                String[] range = f[0].split("-");
                long start = Long.parseUnsignedLong(range[0], 16);
                long end = Long.parseUnsignedLong(range[1], 16);
                if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                    long inode = Long.parseLong(f[4]);
                    return inode == 0 ? OptionalLong.empty() : OptionalLong.of(inode);
                }
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Nanoseconds the thread has spent on a CPU, from {@code /proc/<pid>/task/<tid>/schedstat}. */
    public static long cpuNanos(long pid, long tid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "schedstat")).strip();
            return Long.parseLong(s.split(" ")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether thread {@code name} of {@code pid} sleeps in a shared futex wait on a word of the file {@code file}. */
    public static boolean sleepsInKernelOn(long pid, String name, Path file) {
        OptionalLong tid = thread(pid, name);
        return tid.isPresent() && sleepsInKernelOn(pid, tid.getAsLong(), file);
    }

    /**
     * Whether thread {@code tid} of {@code pid} sleeps in a shared futex wait on a word of the file
     * {@code file}: for a process whose threads have no names to find them by, such as a Python
     * interpreter (its main thread's tid is its pid).
     */
    public static boolean sleepsInKernelOn(long pid, long tid, Path file) {
        OptionalLong address = sharedFutexWait(pid, tid);
        if (address.isEmpty()) {
            return false;
        }
        OptionalLong inode = mappedInode(pid, address.getAsLong());
        try {
            return inode.isPresent() && inode.getAsLong() == ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
