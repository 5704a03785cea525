import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedInt;
import io.shmkit.process.JvmProcess;
import io.shmkit.sync.SharedReentrantLock;

public class Counter {
    static void add(SharedInt counter, int n) {
        for (int i = 0; i < n; i++) {
            try (var held = SharedReentrantLock.of(counter).hold()) {   // with counter.get_lock():
                counter.set(counter.get() + 1);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try (var counter = SharedInt.create(SegmentDirectory.shm().temporary(), "counter", 0)) {
            JvmProcess.joinAll(JvmProcess.target(Counter.class, "add", counter, 10_000).startCopies(4));
            System.out.println(counter.get());
        }
    }
}
