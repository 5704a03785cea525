package io.shmkit.process;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A child's kept output: its last {@code limit} bytes, and how many there were in all. Thread-safe. */
final class KeptOutput {
    private final int limit;
    private byte[] bytes;
    private int size;
    private long total;

    KeptOutput(int limit) {
        this.limit = limit;
        this.bytes = new byte[Math.min(limit, 8192)];
    }

    synchronized void append(byte[] b, int n) {
        total += n;
        if (n >= limit) {
            bytes = Arrays.copyOfRange(b, n - limit, n);
            size = limit;
            return;
        }
        if (size + n > limit) { // keep the tail: drop the oldest bytes
            int drop = size + n - limit;
            System.arraycopy(bytes, drop, bytes, 0, size - drop);
            size -= drop;
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(bytes.length * 2, size + n)));
        }
        System.arraycopy(b, 0, bytes, size, n);
        size += n;
    }

    synchronized String text() {
        return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }

    synchronized long total() {
        return total;
    }
}
