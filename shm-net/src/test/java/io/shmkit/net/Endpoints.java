package io.shmkit.net;

import io.shmkit.core.SegmentDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Two "hosts" on this machine: a segment directory each, and free loopback UDP ports for the two channels. */
final class Endpoints implements AutoCloseable {
    final Path dirA;
    final Path dirB;
    final String data;
    final String control;
    private final List<String> names = new ArrayList<>();

    Endpoints() throws IOException {
        dirA = Files.createTempDirectory("shmkit-net-a");
        dirB = Files.createTempDirectory("shmkit-net-b");
        data = "aeron:udp?endpoint=127.0.0.1:" + freePort() + "|term-length=1m";
        control = "aeron:udp?endpoint=127.0.0.1:" + freePort() + "|term-length=64k";
    }

    SegmentDirectory a() {
        return SegmentDirectory.of(dirA);
    }

    SegmentDirectory b() {
        return SegmentDirectory.of(dirB);
    }

    /** The arguments of BridgeMain for one side. */
    String[] bridge(String verb, Path dir, String queue, String... more) {
        List<String> args = new ArrayList<>(List.of(verb, "--queue", queue, "--dir", dir.toString(), "--data", data,
                "--control", control));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static int freePort() {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (Path dir : List.of(dirA, dirB)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
