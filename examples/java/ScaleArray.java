import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedDoubleArray;
import io.shmkit.process.JvmProcess;
import java.util.Arrays;

public class ScaleArray {
    static void scale(SharedDoubleArray arr, double factor) {
        for (long i = 0; i < arr.length(); i++) {
            arr.set(i, arr.get(i) * factor);
        }
    }

    public static void main(String[] args) throws Exception {
        try (var arr = SharedDoubleArray.create(SegmentDirectory.shm().temporary(), "arr", new double[] {1, 2, 3, 4})) {
            JvmProcess.target(ScaleArray.class, "scale", arr, 2.5).run();
            System.out.println(Arrays.toString(arr.toArray()));
        }
    }
}
