package io.shmkit.bench.ipc;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Whole-message reads and writes over streams and channels. */
final class Streams {
    /**
     * Java's pipe from a child process is an {@code InputStream}; a read larger than 8 KiB
     * mallocs a native buffer of the requested size, so asking for 64 MiB at once would malloc
     * (and mmap) 64 MiB per call while a pipe hands over at most 64 KiB. Reads ask for the
     * pipe's capacity instead, which is how a careful Java reader of a pipe does it.
     */
    static final int PIPE_CHUNK = 64 * 1024;

    private Streams() {}

    static void readFully(InputStream in, byte[] target, int offset, int length) throws IOException {
        int end = offset + length;
        while (offset < end) {
            int got = in.read(target, offset, Math.min(PIPE_CHUNK, end - offset));
            if (got < 0) {
                throw new EOFException("the peer closed its end after " + (length - (end - offset)) + " of "
                        + length + " bytes");
            }
            offset += got;
        }
    }

    /** Fills {@code buffer}; returns false on end of stream before its first byte. */
    static boolean readFully(ReadableByteChannel in, ByteBuffer buffer) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                if (first && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("end of stream after " + buffer.position() + " of " + buffer.limit() + " bytes");
            }
            first = false;
        }
        return true;
    }

    static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
