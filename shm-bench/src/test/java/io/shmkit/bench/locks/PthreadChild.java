package io.shmkit.bench.locks;

import io.shmkit.bench.ipc.BenchNames;
import io.shmkit.bench.ipc.PthreadMutex;
import io.shmkit.core.SharedLongArray;
import java.nio.file.Path;

/**
 * A child JVM of {@link PthreadMutexTest}, started with native access (the test JVM itself
 * makes no native call):
 * <pre>
 *   increment &lt;create|open&gt; &lt;mutex file&gt; &lt;counter segment&gt; &lt;n&gt;
 *       create (or open) the mutex, print READY, wait for the start word, then increment the
 *       counter n times under the mutex; print DONE &lt;times the other process had moved it&gt;
 *   hold &lt;mutex file&gt;      create the mutex, lock it, print LOCKED, sleep until killed
 *   recover &lt;mutex file&gt;   open it, print WAITING, lock (the holder dies meanwhile), print
 *                           RECOVERED &lt;recoveries&gt;, unlock, lock and unlock again, print USABLE &lt;recoveries&gt;
 * </pre>
 */
public final class PthreadChild {
    static final int COUNTER = 0;
    static final int START = 16;

    private PthreadChild() {}

    public static void main(String[] args) throws InterruptedException {
        switch (args[0]) {
            case "increment" -> increment(args[1].equals("create"), Path.of(args[2]), args[3], Long.parseLong(args[4]));
            case "hold" -> {
                PthreadMutex mutex = PthreadMutex.create(Path.of(args[1]));
                mutex.lock();
                say("LOCKED");
                Thread.sleep(120_000); // killed long before
            }
            case "recover" -> {
                try (PthreadMutex mutex = PthreadMutex.open(Path.of(args[1]))) {
                    say("WAITING");
                    mutex.lock();
                    say("RECOVERED " + mutex.recoveries());
                    mutex.unlock();
                    mutex.lock();
                    mutex.unlock();
                    say("USABLE " + mutex.recoveries());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void increment(boolean create, Path file, String counterName, long n) throws InterruptedException {
        try (PthreadMutex mutex = create ? PthreadMutex.create(file) : PthreadMutex.open(file);
             SharedLongArray words = SharedLongArray.open(BenchNames.shm(), counterName)) {
            say("READY");
            while (words.getVolatile(START) == 0) {
                Thread.sleep(1);
            }
            long interleaved = 0;
            long last = -1;
            for (long i = 0; i < n; i++) {
                mutex.lock();
                long value = words.get(COUNTER); // plain read and write: only the mutex keeps them exact
                words.set(COUNTER, value + 1);
                mutex.unlock();
                if (last >= 0 && value != last) { // the other process incremented since our last turn
                    interleaved++;
                }
                last = value + 1;
            }
            say("DONE " + interleaved);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
