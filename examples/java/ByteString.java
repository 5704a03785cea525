import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedByteString;
import io.shmkit.process.JvmProcess;

public class ByteString {
    static void shout(SharedByteString s) {
        s.setValue(s.valueAsString().toUpperCase());
    }

    public static void main(String[] args) throws Exception {
        try (var s = SharedByteString.create(SegmentDirectory.shm().temporary(), "s", "hello world")) {
            JvmProcess.target(ByteString.class, "shout", s).run();
            System.out.println(s.valueAsString());
        }
    }
}
