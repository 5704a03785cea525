import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedInt;
import io.shmkit.core.SharedLongArray;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.SharedReadWriteLock;
import java.util.ArrayList;
import java.util.Arrays;

public class ReadersWriter {
    static void reader(SharedLongArray data, SharedReadWriteLock lock, SharedInt torn) {
        for (int r = 0; r < 2000; r++) {
            long[] snapshot;
            try (var held = lock.readLock().hold()) {
                snapshot = data.toArray();
            }
            if (Arrays.stream(snapshot).distinct().count() != 1) {
                torn.incrementAndGet();
            }
        }
    }

    static void writer(SharedLongArray data, SharedReadWriteLock lock) {
        for (long n = 1; n <= 2000; n++) {
            try (var held = lock.writeLock().hold()) {
                data.fill(n);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        var shm = SegmentDirectory.shm().temporary();
        try (var data = SharedLongArray.create(shm, "data", 8); var torn = SharedInt.create(shm, "torn", 0);
             var lock = SharedReadWriteLock.create(shm, "lock")) {
            var workers = new ArrayList<>(JvmProcess.target(ReadersWriter.class, "reader", data, lock, torn).startCopies(2));
            workers.add(JvmProcess.target(ReadersWriter.class, "writer", data, lock).start());
            JvmProcess.joinAll(workers);
            System.out.println("torn snapshots: " + torn.get() + ", final: " + data.get(0));
        }
    }
}
