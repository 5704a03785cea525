import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.SharedQueue;
import io.shmkit.process.JvmProcess;
import java.util.ArrayList;
import java.util.stream.LongStream;

public class ParallelSum {
    record Total(long value) {}

    static void total(long n, SharedQueue<Total> results) throws InterruptedException {
        results.put(new Total(LongStream.rangeClosed(1, n).sum()));
    }

    public static void main(String[] args) throws Exception {
        try (var results = SharedQueue.ofRecords(SegmentDirectory.shm().temporary(), "results", Total.class, 1 << 12)) {
            var workers = JvmProcess.target(ParallelSum.class, "total", 10_000_000L, results).startCopies(4);
            JvmProcess.joinAll(workers);      // first: the stream ends when every producer closed and all was read
            var totals = new ArrayList<Long>();
            for (var w : workers) totals.add(results.get().value());
            System.out.println(totals);
        }
    }
}
