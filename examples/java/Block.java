import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedMemory;
import io.shmkit.process.JvmProcess;
import java.nio.charset.StandardCharsets;

public class Block {
    static void fill(SharedMemory shm) {
        shm.asByteBuffer().put("howdy".getBytes(StandardCharsets.US_ASCII));
    }

    public static void main(String[] args) throws Exception {
        try (var shm = SharedMemory.create(SegmentDirectory.shm().temporary(), "block", 10)) {   // unlinked on close
            JvmProcess.target(Block.class, "fill", shm).run();
            System.out.println(StandardCharsets.US_ASCII.decode(shm.asByteBuffer().limit(5)));
        }
    }
}
