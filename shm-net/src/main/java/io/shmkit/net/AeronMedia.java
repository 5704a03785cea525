package io.shmkit.net;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Aeron client of one bridge, with the media driver it talks to: an embedded one of this
 * process (the default; its directory is private to it and deleted when it closes, and those
 * of embedded drivers whose process died are deleted when the next bridge starts) or the
 * external one whose directory {@link BridgeOptions#aeronDirectory()} names.
 */
final class AeronMedia implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AeronMedia.class.getName());
    private static final String PREFIX = "shmkit-aeron-";
    /** shmkit-aeron-NAMESPACE-PID-RANDOM: a pid means something only in its pid namespace. */
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-(\\d+)-[0-9a-f]+");
    /** A driver whose heartbeat is older than this is not running (Aeron's default driver timeout is 10 s). */
    private static final long DRIVER_TIMEOUT_MS = 10_000;
    /** Control frames are tens of bytes: terms of 64 KiB (Aeron's smallest) unless the URI says otherwise. */
    private static final String CONTROL_TERM_LENGTH = "64k";

    private final MediaDriver driver;
    final Aeron aeron;

    private AeronMedia(MediaDriver driver, Aeron aeron) {
        this.driver = driver;
        this.aeron = aeron;
    }

    static AeronMedia start(BridgeOptions options) {
        if (options.aeronDirectory() != null) {
            return new AeronMedia(null, Aeron.connect(new Aeron.Context().aeronDirectoryName(options.aeronDirectory())));
        }
        Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        String namespace = pidNamespace();
        if (!namespace.equals("0")) {
            sweepDeadDrivers(base, namespace);
        }
        String directory = base.resolve(PREFIX + namespace + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1)).toString();
        // one driver thread for its three agents, idling as the bridge does (by default backing
        // off to 1 ms sleeps: a bridge shares its host with the producers and consumers it serves)
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(directory)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(options.newIdleStrategy())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false));
        try {
            return new AeronMedia(driver, Aeron.connect(new Aeron.Context().aeronDirectoryName(directory)));
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /** {@code uri} with 64 KiB terms unless it names a term length. */
    static String controlChannel(String uri) {
        ChannelUri parsed = ChannelUri.parse(uri);
        if (parsed.get("term-length") == null) {
            parsed.put("term-length", CONTROL_TERM_LENGTH);
        }
        return parsed.toString();
    }

    /** This process's pid namespace inode, "0" if it cannot be read (then nothing is swept). */
    private static String pidNamespace() {
        try {
            Matcher m = Pattern.compile("pid:\\[(\\d+)]").matcher(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
            return m.matches() ? m.group(1) : "0";
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "0";
        }
    }

    /**
     * Deletes the directories of embedded drivers whose process is gone (a bridge killed cannot
     * delete its own): only directories, not links, named as this class names them, in this pid
     * namespace (another's pids cannot be checked here), owned by this user, whose pid names no
     * live process, and whose driver's heartbeat has stopped; when in doubt, it stays.
     */
    private static void sweepDeadDrivers(Path base, String namespace) {
        try (var entries = Files.list(base)) {
            for (Path dir : entries.toList()) {
                Matcher m = NAME.matcher(dir.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(namespace) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || !isMine(dir)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(2));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).isEmpty()
                        && !new CommonContext().aeronDirectoryName(dir.toString()).isDriverActive(DRIVER_TIMEOUT_MS, line -> { })) {
                    deleteTree(dir);
                    LOG.log(System.Logger.Level.INFO, "deleted the media driver directory of dead process {0,number,#}: {1}", pid, dir);
                }
            }
        } catch (IOException | UncheckedIOException | SecurityException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not sweep " + base + ": " + e);
        }
    }

    private static boolean isMine(Path dir) throws IOException {
        Object uid = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return uid.equals(self);
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public void close() {
        try {
            aeron.close();
        } finally {
            if (driver != null) {
                driver.close();
            }
        }
    }
}
