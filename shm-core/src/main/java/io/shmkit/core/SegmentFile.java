package io.shmkit.core;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One mapped segment file: creation, attach-time validation, the mapping's lifetime, and the
 * translation of the FFM API's anonymous exceptions into messages that name the segment.
 *
 * <p>Creation writes the whole header into a hidden temporary file with an unpredictable name,
 * created with its final permissions, and then hard-links the segment's name to it, so the
 * name appears atomically with a complete header: a concurrent open never sees a half-written
 * segment, and of two racing creators exactly one wins. Opening checks what is at the name
 * before opening it and checks the mapping after ({@link FileChecks}).
 */
final class SegmentFile {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int TEMP_ATTEMPTS = 16;

    final String name;
    final SegmentInfo info;
    final boolean readOnly;
    /** The whole file, header included. */
    final MemorySegment file;
    /** The data area only; read-only if attached read-only. */
    final MemorySegment data;
    /** The file mapped, as lstat saw it: what {@link #unlinkIfSame} compares the name against. */
    final FileChecks.Entry identity;
    /** What {@link SharedObject#fileKey()} returns. */
    final FileKey fileKey;
    private final SegmentDirectory directory;
    private final Arena arena;
    private volatile boolean closed;

    private SegmentFile(SegmentDirectory directory, String name, SegmentInfo info, boolean readOnly, Arena arena,
            MemorySegment file, FileChecks.Entry identity) {
        this.directory = directory;
        this.name = name;
        this.info = info;
        this.readOnly = readOnly;
        this.arena = arena;
        this.identity = identity;
        this.fileKey = new FileKey(identity.dev(), identity.ino(), info.instanceId());
        this.file = readOnly ? file.asReadOnly() : file;
        this.data = this.file.asSlice(info.dataOffset(), info.dataSize(), Math.min(info.elementAlignment(), SegmentDescriptor.DATA_ALIGNMENT));
    }

    SegmentDirectory directory() {
        return directory;
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
        if (!directory.isTemporary()) {
            return createNamed(directory, name, spec, initializer);
        }
        SegmentNames.validate(name);
        if (name.length() > SegmentNames.MAX_LENGTH - TEMPORARY_SUFFIX) {
            throw new IllegalArgumentException("segment name '" + name + "' is too long for a temporary segment: "
                    + name.length() + " characters, and the unique suffix takes " + TEMPORARY_SUFFIX + " of the "
                    + SegmentNames.MAX_LENGTH + " allowed");
        }
        for (int attempt = 0; ; attempt++) {
            String unique = name + "-" + HexFormat.of().toHexDigits(RANDOM.nextLong()).substring(4);
            try {
                SegmentFile created = createNamed(directory, unique, spec, initializer);
                created.unlinkOnClose();
                return created;
            } catch (SegmentExistsException taken) {
                if (attempt >= TEMP_ATTEMPTS) {
                    throw taken;
                }
            }
        }
    }

    /** The segments of this JVM to unlink when they are closed or when the JVM exits. */
    /** {@code -} and 12 hex digits. */
    private static final int TEMPORARY_SUFFIX = 13;
    private static final Set<SegmentFile> TEMPORARIES = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean EXIT_HOOK = new AtomicBoolean();
    private volatile boolean temporary;

    private void unlinkOnClose() {
        temporary = true;
        TEMPORARIES.add(this);
        if (EXIT_HOOK.compareAndSet(false, true)) {
            ShutdownSequence.unlinkTemporariesWith(() -> TEMPORARIES.forEach(SegmentFile::unlinkIfSame));
        }
    }

    private static SegmentFile createNamed(SegmentDirectory directory, String name, SegmentSpec spec,
            Consumer<MemorySegment> initializer) {
        Path target = directory.pathOf(name);
        byte[] layoutText = spec.layout().getBytes(StandardCharsets.UTF_8);
        if (spec.count() < 0) {
            throw new IllegalArgumentException("segment '" + name + "' cannot have negative length " + spec.count());
        }
        if (layoutText.length > SegmentDescriptor.MAX_LAYOUT_LENGTH) {
            throw new IllegalArgumentException("segment '" + name + "': layout text of " + layoutText.length
                    + " bytes exceeds " + SegmentDescriptor.MAX_LAYOUT_LENGTH);
        }
        checkStorable(name, spec);
        long dataOffset = SegmentDescriptor.dataOffset(layoutText.length);
        long totalSize;
        try {
            totalSize = Math.addExact(dataOffset, Math.multiplyExact(spec.count(), spec.elementSize()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("segment '" + name + "' is too large: " + spec.count() + " elements of "
                    + spec.elementSize() + " bytes overflow a 64-bit size");
        }
        Path dir = directory.path();
        Path temp = null;
        Arena arena = Arena.ofShared();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(directory.directoryPermissions()));
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw exists(directory, name, target);
            }
            if (!directory.reservesSpace()) {
                // only a hint: the file is sparse, and others can take the space before it is touched
                long usable = Files.getFileStore(dir).getUsableSpace();
                if (usable < totalSize) {
                    throw new SegmentException(name, "needs " + totalSize + " bytes but " + dir + " has only " + usable
                            + " free");
                }
            }
            MemorySegment mapped;
            FileChecks.Entry identity;
            Temp created = Temp.open(directory, name);
            temp = created.path;
            try (FileChannel channel = created.channel) {
                // the open applied the umask to at most the final permissions; now set them exactly
                PosixFileAttributeView posix = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                if (posix != null && !directory.permissions().equals(SegmentDirectory.OWNER_ONLY)) {
                    posix.setPermissions(directory.permissions());
                }
                // the header goes in first, so a leftover of a crash from here on names its creator
                ByteBuffer header = ByteBuffer.wrap(SegmentHeader.build(spec, layoutText, dataOffset, totalSize)
                        .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                while (header.hasRemaining()) {
                    channel.write(header, header.position());
                }
                if (directory.reservesSpace()) {
                    SpaceReservation.reserve(temp, channel, dataOffset, totalSize);
                } else if (totalSize > dataOffset) {
                    channel.write(ByteBuffer.allocate(1), totalSize - 1); // sparse: pages appear when touched
                }
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, totalSize, arena);
                identity = FileChecks.stat(temp, false);
            }
            initializer.accept(mapped.asSlice(dataOffset, totalSize - dataOffset));
            try {
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                throw exists(directory, name, target);
            } catch (FileSystemException e) {
                throw new SegmentException(name, "cannot be created atomically in " + dir + ": the file system ("
                        + fileSystemType(dir) + ") refused a hard link (" + e.getReason() + "); shmkit needs link(2)"
                        + " to make a complete segment appear under its name at once", e);
            }
            SegmentInfo info = SegmentHeader.read(name, target, mapped, totalSize);
            return new SegmentFile(directory, name, info, false, arena, mapped, identity);
        } catch (IOException e) {
            arena.close();
            throw new SegmentException(name, "cannot be created in " + dir + ": " + e, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp); // only ever the one this call created
                } catch (IOException ignored) {
                    // a leftover: SegmentDirectory.sweepLeftovers() finds it once we are gone
                }
            }
        }
    }

    /** Device and inode, and the header's instance id, so that a reused inode number is another key. */
    record FileKey(long dev, long ino, long instanceId) {
    }

    /** A temporary file this creation made: the only one its {@code finally} removes. */
    private record Temp(Path path, FileChannel channel) {
        /**
         * Creates a file with an unpredictable name (so that nobody can occupy it in advance)
         * and at most the final permissions, retrying on the rare collision.
         */
        static Temp open(SegmentDirectory directory, String name) throws IOException {
            Path dir = directory.path();
            for (int attempt = 0; ; attempt++) {
                Path candidate = dir.resolve("." + name + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
                try {
                    return new Temp(candidate, FileChannel.open(candidate, CREATE_OPTIONS,
                            PosixFilePermissions.asFileAttribute(directory.permissions())));
                } catch (FileAlreadyExistsException taken) {
                    if (attempt >= TEMP_ATTEMPTS) {
                        throw new SegmentException(name, "cannot find a free temporary name in " + dir + " after "
                                + TEMP_ATTEMPTS + " attempts");
                    }
                }
            }
        }
    }

    private static final Set<OpenOption> CREATE_OPTIONS = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private static SegmentExistsException exists(SegmentDirectory directory, String name, Path target) {
        String creator = "";
        try {
            long pid = readInfo(directory, name).creatorPid();
            creator = ProcessHandle.of(pid).isPresent()
                    ? ", created by pid " + pid + " (a process with that pid is running)"
                    : ", created by pid " + pid + ", which is no longer running: a crashed run's leftover?";
        } catch (RuntimeException notReadable) {
            // the hint below still applies
        }
        return new SegmentExistsException(name, "already exists: " + target + creator + " (attach with open or"
                + " openOrCreate; remove a leftover with SegmentDirectory.unlink(name), or all of them with 'shm gc';"
                + " SegmentDirectory.temporary()"
                + " gives each run unique names that are removed on close)");
    }

    /** Refuses a layout that could be created but never opened again, because its text would not validate. */
    private static void checkStorable(String name, SegmentSpec spec) {
        LayoutText.Shape shape;
        try {
            shape = LayoutText.parse(spec.layout());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("segment '" + name + "' cannot hold this layout: " + e.getMessage(), e);
        }
        if (shape.size() != spec.elementSize() || shape.alignment() > spec.elementAlignment()) {
            throw new IllegalArgumentException("segment '" + name + "' cannot hold layout " + spec.layout() + ": it describes "
                    + shape.size() + " bytes aligned to " + shape.alignment() + ", the element is " + spec.elementSize()
                    + " bytes aligned to " + spec.elementAlignment());
        }
    }

    private static String fileSystemType(Path dir) {
        try {
            return Files.getFileStore(dir).type();
        } catch (IOException e) {
            return "unknown type";
        }
    }

    static SegmentFile open(SegmentDirectory directory, String name, Access access) {
        Path path = directory.pathOf(name);
        boolean readOnly = access == Access.READ_ONLY;
        Arena arena = Arena.ofShared();
        try {
            FileChecks.Entry checked = FileChecks.checkBeforeOpen(directory, name, path);
            try (FileChannel channel = FileChannel.open(path, readOnly ? readOptions(directory) : writeOptions(directory))) {
                long size = channel.size();
                SegmentInfo info = SegmentHeader.read(name, path, readHead(channel, size), size);
                MemorySegment mapped = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
                        0, info.totalSize(), arena);
                FileChecks.checkMapped(name, checked, mapped, directory.followsLinks());
                return new SegmentFile(directory, name, info, readOnly, arena, mapped, checked);
            }
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

    private static Set<OpenOption> readOptions(SegmentDirectory directory) {
        return directory.followsLinks() ? Set.of(StandardOpenOption.READ) : Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    private static Set<OpenOption> writeOptions(SegmentDirectory directory) {
        return directory.followsLinks() ? Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE)
                : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
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
        try {
            FileChecks.Entry checked = FileChecks.checkBeforeOpen(directory, name, path);
            try (FileChannel channel = FileChannel.open(path, readOptions(directory))) {
                long size = channel.size();
                SegmentInfo info = SegmentHeader.read(name, path, readHead(channel, size), size);
                FileChecks.checkStill(name, checked, directory.followsLinks());
                return info;
            }
        } catch (NoSuchFileException e) {
            throw new SegmentNotFoundException(name, "does not exist: " + path);
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be read: " + e, e);
        }
    }

    /** Creates the segment, or attaches to it if another process created it first. */
    static SegmentFile openOrCreate(SegmentDirectory directory, String name, SegmentSpec spec) {
        if (directory.isTemporary()) {
            return create(directory, name, spec);
        }
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
        return closed;
    }

    /**
     * Unmaps. Marks the segment closed only once the mapping is gone: a shared arena refuses
     * to close while another thread is inside an access through it (NIO I/O on a view), and
     * then the segment stays open and usable, and says why.
     *
     * @throws IllegalStateException naming the segment if another thread is using the mapping
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        try {
            arena.close();
        } catch (IllegalStateException e) {
            if (!arena.scope().isAlive()) {
                closed = true;
                if (temporary) {
                    TEMPORARIES.remove(this);
                    unlinkIfSame();
                }
                return;
            }
            throw new IllegalStateException("segment '" + name + "' cannot be closed now: another thread is using its"
                    + " memory (I/O on a view from asByteBuffer(), say); it stays open: close it again when that is done", e);
        }
        closed = true;
        if (temporary) {
            TEMPORARIES.remove(this);
            unlinkIfSame();
        }
    }

    /**
     * Removes the segment's name if it still refers to this mapping's file.
     *
     * @return false if the name is gone or now names another file (left alone)
     */
    boolean unlinkIfSame() {
        Path path = directory.pathOf(name);
        try {
            FileChecks.Entry now = FileChecks.stat(path, false);
            if (!identity.sameFile(now)) {
                return false;
            }
            // a disk file system reuses the inode number of a file that is gone: the header must be ours too
            SegmentInfo there;
            try {
                there = readInfo(directory, name);
            } catch (SegmentException notOurs) {
                return false;
            }
            if (there.instanceId() != info.instanceId()) {
                return false;
            }
            FileChecks.Entry still = FileChecks.stat(path, false);
            return identity.sameFile(still) && Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new SegmentException(name, "cannot be unlinked: " + e, e);
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
        if (e instanceof IllegalStateException && closed) {
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
