package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What crashed creations leave, and how the sweep removes only that; reservation on a full file system. */
class LeftoversAndReservationTest extends SegmentTestSupport {

    private void createInADeadChild(String name) throws Exception {
        try (JvmProcess p = JvmProcess.builder(ChildMains.CreateAndExit.class).jvmOptions("-Xmx32m", "-XX:+UseSerialGC")
                .args(dir.path().toString(), name).start()) {
            assertTrue(p.join(Duration.ofSeconds(60)), p::output);
            assertEquals(0, p.exitCode(), p::output);
        }
    }

    private Path temp(String segmentName) {
        return dir.path().resolve("." + segmentName + "." + "0123456789abcdef".substring(segmentName.length()) + "0".repeat(segmentName.length()) + ".tmp");
    }

    @Test
    void theSweepRemovesOnlyTemporaryFilesOfDeadCreatorsThatThisUserOwns() throws Exception {
        createInADeadChild("dead");
        Path secondName = temp("dead");
        Files.createLink(secondName, dir.pathOf("dead"));             // crash between link and cleanup
        Path orphan = temp("orph");
        Files.copy(dir.pathOf("dead"), orphan);                         // crash before link
        Path othersOrphan = temp("othr");
        Files.copy(dir.pathOf("dead"), othersOrphan);
        Files.setAttribute(othersOrphan, "unix:uid", 65534);
        SharedLong.create(dir, "live").close();
        Path ours = temp("live");
        Files.copy(dir.pathOf("live"), ours);                           // a live creator: being created
        Path fresh = temp("new");
        Files.write(fresh, new byte[0]);                                // just opened, no header yet
        Path stale = temp("old");
        Files.write(stale, java.util.Arrays.copyOf(SegmentDescriptor.MAGIC, 5)); // a crash while writing the header
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofMinutes(5))));
        Path notATemp = dir.path().resolve(".something.tmp");
        Files.write(notATemp, new byte[10]);
        Files.setLastModifiedTime(notATemp, FileTime.from(Instant.now().minus(Duration.ofMinutes(5))));
        // other programs' files that happen to look like shmkit's temporary names
        Path config = dir.path().resolve(".config.12.1.tmp");
        Files.writeString(config, "key=value");
        Path report = dir.path().resolve(".report.0123456789abcdef.tmp");
        Files.write(report, new byte[4096]);
        for (Path p : List.of(config, report)) {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofMinutes(5))));
        }

        var removed = dir.sweepLeftovers();
        Set<Path> gone = removed.stream().map(SegmentDirectory.Removed::path).collect(Collectors.toSet());
        assertEquals(Set.of(secondName, orphan, stale), gone, removed.toString());
        assertTrue(removed.stream().anyMatch(r -> r.path().equals(secondName) && r.reason().startsWith("a second name")), removed.toString());
        for (Path kept : List.of(othersOrphan, ours, fresh, notATemp, config, report, dir.pathOf("dead"), dir.pathOf("live"))) {
            assertTrue(Files.exists(kept), kept + " was removed");
        }
        try (SharedLongArray still = SharedLongArray.open(dir, "dead")) {
            assertEquals(4, still.length());
        }
        assertEquals(List.of(), dir.sweepLeftovers(), "a second sweep found more");
    }

    @Test
    void withReservationAFullFileSystemIsACleanErrorAtCreation() throws Exception {
        Assumptions.assumeTrue(HostileDirectoryTest.onPath("unshare") && HostileDirectoryTest.onPath("mount"),
                "unshare or mount is missing: cannot make a 1 MiB tmpfs");
        Path mount = Files.createDirectory(dir.path().resolve("tiny"));
        for (boolean nativeAccess : new boolean[] {false, true}) {
            String out = runOnTinyTmpfs(mount, nativeAccess);
            assertTrue(out.contains("RESERVE REFUSED: segment 'r2' cannot be created"), out);
            assertTrue(out.contains("SPARSE FILL: java.lang.InternalError"), out);
            assertFalse(out.contains("WARNING"), "a JDK warning was printed:\n" + out);
            assertEquals(nativeAccess, out.contains("posix_fallocate"), "posix_fallocate used only with native access:\n" + out);
        }
    }

    private static String runOnTinyTmpfs(Path mount, boolean nativeAccess) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> javaCommand = new ArrayList<>(List.of("'" + java + "'", "-Xmx32m"));
        if (nativeAccess) {
            javaCommand.add("--enable-native-access=ALL-UNNAMED");
        }
        javaCommand.addAll(List.of("-cp", "'" + System.getProperty("java.class.path") + "'",
                "'" + ChildMains.Reserve.class.getName() + "'", "'" + mount + "'"));
        String script = "mount -t tmpfs -o size=1m shmkit-test '" + mount + "' || exit 97; exec " + String.join(" ", javaCommand);
        Process p = new ProcessBuilder("unshare", "--mount", "sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        Assumptions.assumeTrue(code != 97, "this sandbox may not mount a tmpfs in a mount namespace:\n" + out);
        assertEquals(0, code, out);
        return out;
    }
}
