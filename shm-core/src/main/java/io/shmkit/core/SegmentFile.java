package io.shmkit.core;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One mapped segment file: creation, attach-time validation, the mapping's lifetime, and the
 * translation of the FFM API's anonymous exceptions into messages that name the segment.
 *
 * <p>Creation writes the whole header into a hidden temporary file and then hard-links the
 * segment's name to it, so the name appears atomically with a complete header: a concurrent
 * open never sees a half-written segment, and of two racing creators exactly one wins.
 */
final class SegmentFile {
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

    final String name;
    final SegmentInfo info;
    final boolean readOnly;
    /** The whole file, header included. */
    final MemorySegment file;
    /** The data area only; read-only if attached read-only. */
    final MemorySegment data;
    private final Arena arena;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SegmentFile(String name, SegmentInfo info, boolean readOnly, Arena arena, MemorySegment file) {
        this.name = name;
        this.info = info;
        this.readOnly = readOnly;
        this.arena = arena;
        this.file = readOnly ? file.asReadOnly() : file;
        this.data = this.file.asSlice(info.dataOffset(), info.dataSize(), Math.min(info.elementAlignment(), SegmentDescriptor.DATA_ALIGNMENT));
    }

    static SegmentFile create(SegmentDirectory directory, String name, SegmentSpec spec) {
        return create(directory, name, spec, data -> { });
    }

    /**
     * Creates a segment whose data {@code initializer} fills before the name appears, so no
     * process can ever see it with anything but its initial contents. If the initializer
     * throws, nothing is created.
     */
    static SegmentFile create(SegmentDirectory directory, String name, SegmentSpec spec, Consumer<MemorySegment> initializer) {
        Path target = directory.pathOf(name);
        byte[] layoutText = spec.layout().getBytes(StandardCharsets.UTF_8);
        if (spec.count() < 0) {
            throw new IllegalArgumentException("segment '" + name + "' cannot have negative length " + spec.count());
        }
        if (layoutText.length > SegmentDescriptor.MAX_LAYOUT_LENGTH) {
            throw new IllegalArgumentException("segment '" + name + "': layout text of " + layoutText.length
                    + " bytes exceeds " + SegmentDescriptor.MAX_LAYOUT_LENGTH);
        }
        long dataOffset = SegmentDescriptor.dataOffset(layoutText.length);
        long totalSize;
        try {
            totalSize = Math.addExact(dataOffset, Math.multiplyExact(spec.count(), spec.elementSize()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("segment '" + name + "' is too large: " + spec.count() + " elements of "
                    + spec.elementSize() + " bytes overflow a 64-bit size");
        }
        Path dir = directory.path();
        Path temp = dir.resolve("." + name + "." + ProcessHandle.current().pid() + "." + TEMP_COUNTER.incrementAndGet() + ".tmp");
        Arena arena = Arena.ofShared();
        try {
            Files.createDirectories(dir);
            if (Files.exists(target)) {
                throw new SegmentExistsException(name, "already exists: " + target);
            }
            long usable = Files.getFileStore(dir).getUsableSpace();
            if (usable < totalSize) {
                // Touching a page of a sparse mapping that the file system cannot back kills the
                // JVM with SIGBUS; refusing up front is the only clean failure available.
                throw new SegmentException(name, "needs " + totalSize + " bytes but " + dir + " has only " + usable + " free");
            }
            MemorySegment mapped;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                PosixFileAttributeView posix = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
                if (posix != null) {
                    posix.setPermissions(directory.permissions());
                }
                channel.write(ByteBuffer.allocate(1), totalSize - 1); // sparse: pages appear when touched
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, totalSize, arena);
            }
            SegmentHeader.write(mapped, spec, layoutText, dataOffset, totalSize);
            initializer.accept(mapped.asSlice(dataOffset, totalSize - dataOffset));
            try {
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                throw new SegmentExistsException(name, "already exists: " + target);
            } catch (UnsupportedOperationException e) {
                // No hard links here: a rename without REPLACE_EXISTING still refuses an
                // existing name, with a window between its check and the rename.
                Files.move(temp, target);
            }
            SegmentInfo info = SegmentHeader.read(name, target, mapped, totalSize);
            return new SegmentFile(name, info, false, arena, mapped);
        } catch (IOException e) {
            arena.close();
            throw new SegmentException(name, "cannot be created in " + dir + ": " + e, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover hidden temp file is never mistaken for a segment
            }
        }
    }

    static SegmentFile open(SegmentDirectory directory, String name, Access access) {
        Path path = directory.pathOf(name);
        boolean readOnly = access == Access.READ_ONLY;
        Arena arena = Arena.ofShared();
        try (FileChannel channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            SegmentInfo info = SegmentHeader.read(name, path, readHead(channel, size), size);
            MemorySegment mapped = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
                    0, info.totalSize(), arena);
            return new SegmentFile(name, info, readOnly, arena, mapped);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SegmentNotFoundException(name, "does not exist: " + path);
        } catch (AccessDeniedException e) {
            arena.close();
            throw new SegmentException(name, "cannot be opened " + (readOnly ? "for reading" : "for reading and writing")
                    + ": permission denied on " + path, e);
        } catch (IOException e) {
            arena.close();
            throw new SegmentException(name, "cannot be opened: " + e, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Opens and checks that the segment holds what {@code expected} describes; closes it again
     * if not.
     *
     * @throws SegmentLayoutException if it holds something else
     */
    static SegmentFile open(SegmentDirectory directory, String name, Access access, SegmentSpec expected) {
        SegmentFile file = open(directory, name, access);
        try {
            file.expect(expected);
            return file;
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    static SegmentInfo readInfo(SegmentDirectory directory, String name) {
        Path path = directory.pathOf(name);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            return SegmentHeader.read(name, path, readHead(channel, size), size);
        } catch (NoSuchFileException e) {
            throw new SegmentNotFoundException(name, "does not exist: " + path);
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be read: " + e, e);
        }
    }

    /** Creates the segment, or attaches to it if another process created it first. */
    static SegmentFile openOrCreate(SegmentDirectory directory, String name, SegmentSpec spec) {
        for (int attempt = 0; ; attempt++) {
            try {
                return open(directory, name, Access.READ_WRITE, spec);
            } catch (SegmentNotFoundException absent) {
                try {
                    return create(directory, name, spec);
                } catch (SegmentExistsException lostRace) {
                    if (attempt > 100) {
                        throw lostRace; // created and unlinked over and over by others: give up
                    }
                }
            }
        }
    }

    /** The fixed header and layout text, read without mapping, so that junk files are never mapped. */
    private static MemorySegment readHead(FileChannel channel, long size) throws IOException {
        int want = (int) Math.min(size, SegmentDescriptor.LAYOUT_OFFSET + (long) SegmentDescriptor.MAX_LAYOUT_LENGTH);
        ByteBuffer head = ByteBuffer.allocate(want);
        while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
            // read until full or end of file
        }
        // A byte[] heap segment allows only byte-aligned access; a long[] one is 8-aligned like the file.
        MemorySegment aligned = MemorySegment.ofArray(new long[(head.position() + 7) / 8]);
        MemorySegment.copy(MemorySegment.ofArray(head.array()), 0, aligned, 0, head.position());
        return aligned.asSlice(0, head.position());
    }

    /**
     * Checks that this segment holds what {@code want} describes.
     *
     * @throws SegmentLayoutException showing both layouts and the first fields that differ
     */
    void expect(SegmentSpec want) {
        boolean same = info.kind() == want.kind() && info.layout().equals(want.layout())
                && info.elementSize() == want.elementSize() && (want.count() < 0 || want.count() == info.elementCount());
        if (!same) {
            SegmentSpec have = new SegmentSpec(info.kind(), info.layout(), info.elementSize(), info.elementAlignment(), info.elementCount());
            String diff = Layouts.difference(info.layout(), want.layout());
            throw new SegmentLayoutException(name, "holds " + have.describe() + " (element size " + have.elementSize()
                    + "), requested " + want.describe() + " (element size " + want.elementSize() + ")"
                    + (diff.isEmpty() ? "" : ": " + diff));
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    void force() {
        if (!readOnly) {
            try {
                file.force();
            } catch (RuntimeException e) {
                throw failure(e);
            }
        }
    }

    /**
     * Turns a runtime exception from an access into one that names this segment and says what
     * was wrong. Called only on failure paths, so accessors pay nothing for it.
     */
    RuntimeException failure(RuntimeException e) {
        String prefix = "segment '" + name + "' ";
        if (e instanceof IllegalStateException && closed.get()) {
            return new IllegalStateException(prefix + "is closed", e);
        }
        // FFM reports a write to a read-only mapping as IllegalArgumentException; views handed to
        // callers keep that JDK behaviour, shmkit's own accessors say what happened.
        if (readOnly && (e instanceof UnsupportedOperationException
                || (e instanceof IllegalArgumentException && String.valueOf(e.getMessage()).contains("read-only")))) {
            return new UnsupportedOperationException(prefix + "is attached read-only; writes are not allowed", e);
        }
        if (e instanceof IndexOutOfBoundsException) {
            return new IndexOutOfBoundsException(prefix + "(" + info.layout() + " x " + info.elementCount() + "): " + e.getMessage());
        }
        return e;
    }

    IllegalStateException closedFailure() {
        return new IllegalStateException("segment '" + name + "' is closed");
    }
}
