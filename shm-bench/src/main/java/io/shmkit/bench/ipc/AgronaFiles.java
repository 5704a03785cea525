package io.shmkit.bench.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Agrona ring buffers over a memory-mapped file both JVMs map: the way Aeron shares a ring
 * between processes. The file holds rings of the given capacities back to back.
 */
final class AgronaFiles {
    private AgronaFiles() {}

    static long size(int... capacities) {
        long size = 0;
        for (int capacity : capacities) {
            size += capacity + RingBufferDescriptor.TRAILER_LENGTH;
        }
        return size;
    }

    /** Maps the file and returns one ring per capacity, in file order. */
    static OneToOneRingBuffer[] map(Path path, int... capacities) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size(capacities));
            OneToOneRingBuffer[] rings = new OneToOneRingBuffer[capacities.length];
            int offset = 0;
            for (int i = 0; i < capacities.length; i++) {
                int length = capacities[i] + RingBufferDescriptor.TRAILER_LENGTH;
                rings[i] = new OneToOneRingBuffer(new UnsafeBuffer(mapped, offset, length));
                offset += length;
            }
            return rings;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path, e);
        }
    }
}
