package io.shmkit.pool;

import io.shmkit.core.Attachable;
import io.shmkit.core.ProcessLiveness;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueProducer;
import io.shmkit.process.ValueCodec;
import java.io.DataInputStream;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;
import java.util.Map;

/**
 * The main class of a pool's worker JVM: not for direct use. It takes jobs from its task queue
 * until the pool closes it, and exits at once, removing the pool's queues, if the pool's JVM
 * dies.
 */
public final class PoolWorker {
    /** How often a worker checks that the pool's JVM lives. */
    static final Duration PARENT_CHECK = Duration.ofMillis(100);
    /** The exit code of a worker whose pool's JVM died. */
    public static final int ORPHANED = 3;

    private final int index;
    private final long pid = ProcessHandle.current().pid();
    private final ClassLoader loader = ClassLoader.getSystemClassLoader();
    private final Map<String, Task<Object, Object>> tasks = new HashMap<>();
    /**
     * Attachments kept between jobs, at most {@value #KEPT_ATTACHMENTS}, the least recently used
     * closed first. Each is checked, on each use, against the file its name now names (device
     * and inode: the kept mapping pins its inode, so a new file never has it), so a segment
     * unlinked and created again under the same name is attached anew, never read stale.
     */
    private final Map<List<Object>, Kept> attached = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Kept> eldest) {
            if (size() > KEPT_ATTACHMENTS) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };
    static final int KEPT_ATTACHMENTS = 64;

    /** An attachment and the identity of the file it mapped. */
    private record Kept(Object object, Object fileKey) {
        void close() {
            if (object instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing what this worker alone uses
                }
            }
        }
    }

    private static Object fileKeyOf(Attachable.Ref ref) {
        try {
            return Files.readAttributes(ref.directory().pathOf(ref.name()), "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null; // gone, or unknown: attach again
        }
    }

    private PoolWorker(int index) {
        this.index = index;
    }

    /** {@code args}: segment directory, task queue, result queue, worker index, pool pid, pool start ticks. */
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("shmkit: PoolWorker is started by a Pool, with 6 arguments; got " + args.length);
            System.exit(2);
        }
        SegmentDirectory dir = SegmentDirectory.of(Path.of(args[0]));
        long parentPid = Long.parseLong(args[4]);
        long parentStarted = Long.parseLong(args[5]); // from the pool itself: a pid reused meanwhile is not adopted
        watchParent(parentPid, parentStarted, dir, args[1], args[2]);
        try (MessageQueue taskQueue = MessageQueue.open(dir, args[1]);
             MessageQueue resultQueue = openOrRemove(dir, args[2], args[1]);
             QueueConsumer in = taskQueue.consumer();
             QueueProducer out = resultQueue.producer()) {
            new PoolWorker(Integer.parseInt(args[3])).run(in, out);
        }
        if (!parentAlive(parentPid, parentStarted)) {
            orphaned(dir, args[1], args[2]); // the stream ended because the pool died, not because it closed
        }
    }

    /**
     * Exits this JVM, removing the pool's queues (which no one else would), once the pool's JVM
     * is gone: a killed pool must leave no worker and no segment behind. The pool is named by
     * pid and start time, as shm-sync names lock holders: a zombie is dead, a reused pid is
     * another process, and "cannot tell" is alive.
     */
    /** The result queue; if it is gone (the pool closed meanwhile), this worker's task queue goes too. */
    private static MessageQueue openOrRemove(SegmentDirectory dir, String resultQueue, String taskQueue) {
        try {
            return MessageQueue.open(dir, resultQueue);
        } catch (RuntimeException e) {
            try {
                dir.unlink(taskQueue);
            } catch (RuntimeException ignored) {
                // already gone
            }
            throw e;
        }
    }

    private static void watchParent(long parentPid, long started, SegmentDirectory dir, String taskQueue, String resultQueue) {
        Thread.ofPlatform().daemon().name("shmkit pool worker: parent watch").start(() -> {
            while (parentAlive(parentPid, started)) {
                try {
                    Thread.sleep(PARENT_CHECK);
                } catch (InterruptedException e) {
                    return;
                }
            }
            orphaned(dir, taskQueue, resultQueue);
        });
    }

    private static boolean parentAlive(long pid, long started) {
        long now = ProcessLiveness.startTicks(pid);
        return now == ProcessLiveness.UNKNOWN || (now != ProcessLiveness.DEAD && (started == ProcessLiveness.UNKNOWN || now == started));
    }

    private static void orphaned(SegmentDirectory dir, String taskQueue, String resultQueue) {
        for (String name : List.of(taskQueue, resultQueue)) {
            try {
                dir.unlink(name);
            } catch (RuntimeException ignored) {
                // another worker removed it first
            }
        }
        Runtime.getRuntime().halt(ORPHANED);
    }

    private void run(QueueConsumer in, QueueProducer out) throws InterruptedException {
        send(out, PoolProtocol.READY, PoolProtocol.ready(index, pid));
        for (;;) {
            QueueConsumer.Message m;
            try {
                m = in.take(Duration.ofSeconds(1));
            } catch (EndOfStreamException closed) {
                return; // the pool closed: every job was taken
            }
            if (m != null && m.type() == PoolProtocol.JOB) {
                send(out, PoolProtocol.DONE, runJob(m.payload(), out));
            }
        }
    }

    /** Runs one job; returns its DONE message, or null after sending FAILED. */
    private byte[] runJob(byte[] payload, QueueProducer out) throws InterruptedException {
        long job = -1;
        int index = -1;
        try {
            DataInputStream in = PoolProtocol.reader(payload);
            job = in.readLong();
            String taskClass = PoolProtocol.readString(in);
            Task<Object, Object> task = task(taskClass);
            List<Object> args = PoolProtocol.readValues(in, loader, this::attach);
            List<Object> results = new ArrayList<>(args.size());
            for (index = 0; index < args.size(); index++) {
                results.add(task.apply(args.get(index)));
            }
            index = -1;
            byte[] done = PoolProtocol.done(this.index, pid, job, results);
            if (done.length > out.queue().maxMessageLength()) {
                throw new IllegalArgumentException("the results take " + done.length + " bytes, more than a message of the"
                        + " pool's result queue carries (" + out.queue().maxMessageLength() + "); return large data in a"
                        + " shared segment, which crosses by name");
            }
            return done;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError fatal && !(t instanceof StackOverflowError)) {
                throw fatal; // the worker dies; the pool retries or fails the job
            }
            byte[] failed = PoolProtocol.failed(this.index, pid, job, Math.max(index, 0), t, out.queue().maxMessageLength());
            send(out, PoolProtocol.FAILED, failed);
            return null;
        } finally {
            for (AutoCloseable c : oneJob) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // this worker's own attachment
                }
            }
            oneJob.clear();
        }
    }

    @SuppressWarnings("unchecked")
    private Task<Object, Object> task(String name) throws ReflectiveOperationException {
        Task<Object, Object> task = tasks.get(name);
        if (task == null) {
            Class<?> type;
            try {
                type = Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                throw new ClassNotFoundException("task class " + name + " is not on worker pid " + pid + "'s class path"
                        + " nor in a module of its boot layer", e);
            }
            if (!Task.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(name + " does not implement " + Task.class.getName());
            }
            Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            task = (Task<Object, Object>) constructor.newInstance();
            tasks.put(name, task);
        }
        return task;
    }

    /** Each named segment is attached once and kept while its name still names it (see {@link #attached}). */
    private Object attach(Class<?> type, Attachable.Ref ref) {
        List<Object> key = List.of(type.getName(), ref);
        Object now = fileKeyOf(ref);
        Kept kept = attached.get(key);
        if (kept != null && now != null && now.equals(kept.fileKey())) {
            return kept.object();
        }
        if (kept != null) {
            attached.remove(key);
            kept.close(); // its name names another file now, or nothing
        }
        Object opened = ValueCodec.open(type, ref);
        Object key2 = fileKeyOf(ref);
        if (key2 != null) {
            attached.put(key, new Kept(opened, key2));
        } else if (opened instanceof AutoCloseable) {
            oneJob.add((AutoCloseable) opened); // cannot be checked later: closed after this job
        }
        return opened;
    }

    /** Attachments kept for one job only. */
    private final List<AutoCloseable> oneJob = new ArrayList<>();

    private static void send(QueueProducer out, int type, byte[] message) throws InterruptedException {
        if (message != null) {
            out.put(type, message, Duration.ofDays(1));
        }
    }
}
