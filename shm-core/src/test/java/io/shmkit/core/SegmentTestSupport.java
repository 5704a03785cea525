package io.shmkit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Gives each test a fresh segment directory of its own on {@code /dev/shm} (or the temp
 * directory elsewhere) and removes it with everything in it after the test, pass or fail.
 */
public abstract class SegmentTestSupport {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    protected SegmentDirectory dir;
    private Path path;

    @BeforeEach
    public void createDirectory() throws IOException {
        Path base = SegmentDirectory.shm().path();
        path = Files.createDirectories(base.resolve("shmkit-test-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()));
        dir = SegmentDirectory.of(path);
    }

    @AfterEach
    public void deleteDirectory() throws IOException {
        deleteRecursively(path);
    }

    public static void deleteRecursively(Path path) throws IOException {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
