package io.shmkit.net;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The Aeron client of one bridge, with the media driver it talks to: an embedded one of this
 * process (the default; its directory is private to it and deleted when it closes) or the
 * external one whose directory {@link BridgeOptions#aeronDirectory()} names.
 */
final class AeronMedia implements AutoCloseable {
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
        String directory = base.resolve("shmkit-aeron-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
        // one driver thread for its three agents, backing off to 1 ms parks when idle: a bridge
        // shares its host with the producers and consumers it serves
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(directory)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(100, 10, 1_000, 1_000_000))
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
