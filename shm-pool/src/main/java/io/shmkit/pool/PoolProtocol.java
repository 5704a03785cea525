package io.shmkit.pool;

import io.shmkit.process.ValueCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages between a pool and its workers, in shm-msg queues: one task queue per worker
 * (the pool its only producer, the worker its consumer) and one result queue (every worker a
 * producer, the pool its consumer). Big-endian; values in {@link ValueCodec}'s form.
 *
 * <pre>
 * task queue
 *   type 1 JOB     job:i64 task:str count:i32 value[count]          apply task to each value
 *   end of stream  (the pool closed its producer)                   finish and exit 0
 * result queue
 *   type 1 READY   worker:i32 pid:i64                               attached, ready for jobs
 *   type 2 DONE    worker:i32 pid:i64 job:i64 count:i32 value[count] the results, in order
 *   type 3 FAILED  worker:i32 pid:i64 job:i64 index:i32 class:str message:opt-str
 *                  frames:i32 (class:str method:str file:opt-str line:i32)[frames]
 * str := len:i32 utf8[len]     opt-str := present:u8 [str]
 * </pre>
 */
final class PoolProtocol {
    static final int JOB = 1;
    static final int READY = 1, DONE = 2, FAILED = 3;

    private PoolProtocol() {
    }

    static byte[] job(long job, String task, List<?> values) {
        return write(out -> {
            out.writeLong(job);
            writeString(out, task);
            out.writeInt(values.size());
            for (int i = 0; i < values.size(); i++) {
                ValueCodec.writeValue(out, values.get(i), "argument " + i);
            }
        });
    }

    static byte[] ready(int worker, long pid) {
        return write(out -> {
            out.writeInt(worker);
            out.writeLong(pid);
        });
    }

    static byte[] done(int worker, long pid, long job, List<?> results) {
        return write(out -> {
            out.writeInt(worker);
            out.writeLong(pid);
            out.writeLong(job);
            out.writeInt(results.size());
            for (int i = 0; i < results.size(); i++) {
                ValueCodec.writeValue(out, results.get(i), "result " + i);
            }
        });
    }

    /**
     * A FAILED message of at most {@code limit} bytes: the message and the stack trace are cut
     * (the message to its first part, the trace to its top frames) until it fits, so that a task
     * that throws with a huge message fails its job, not its worker.
     */
    static byte[] failed(int worker, long pid, long job, int index, Throwable t, int limit) {
        String message = t.getMessage();
        if (t.getCause() != null) {
            message = (message == null ? "" : message + "; ") + "caused by " + t.getCause();
        }
        StackTraceElement[] frames = t.getStackTrace();
        for (int messageChars = 8 * 1024, frameCount = 1024; ; messageChars /= 4, frameCount /= 4) {
            String m = message == null || message.length() <= messageChars ? message
                    : message.substring(0, messageChars) + "... (" + message.length() + " characters)";
            StackTraceElement[] f = frames.length <= frameCount ? frames : java.util.Arrays.copyOf(frames, frameCount);
            byte[] bytes = failed(worker, pid, job, index, t.getClass().getName(), m, f);
            if (bytes.length <= limit || (messageChars == 0 && frameCount == 0)) {
                return bytes;
            }
        }
    }

    private static byte[] failed(int worker, long pid, long job, int index, String type, String message, StackTraceElement[] frames) {
        return write(out -> {
            out.writeInt(worker);
            out.writeLong(pid);
            out.writeLong(job);
            out.writeInt(index);
            writeString(out, type);
            writeOptional(out, message);
            out.writeInt(frames.length);
            for (StackTraceElement f : frames) {
                writeString(out, f.getClassName());
                writeString(out, f.getMethodName());
                writeOptional(out, f.getFileName());
                out.writeInt(f.getLineNumber());
            }
        });
    }

    /** A decoded FAILED message's exception parts. */
    record Failure(int index, String type, String message, StackTraceElement[] frames) {
    }

    static Failure readFailure(DataInputStream in) throws IOException {
        int index = in.readInt();
        String type = readString(in);
        String message = readOptional(in);
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("bad frame count " + n);
        }
        StackTraceElement[] frames = new StackTraceElement[n];
        for (int i = 0; i < n; i++) {
            frames[i] = new StackTraceElement(readString(in), readString(in), readOptional(in), in.readInt());
        }
        return new Failure(index, type, message, frames);
    }

    static List<Object> readValues(DataInputStream in, ClassLoader loader, ValueCodec.Attacher attacher) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("bad count " + n);
        }
        List<Object> values = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            values.add(ValueCodec.readValue(in, loader, attacher));
        }
        return values;
    }

    static DataInputStream reader(byte[] payload) {
        return new DataInputStream(new ByteArrayInputStream(payload));
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void writeOptional(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    private static String readOptional(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
