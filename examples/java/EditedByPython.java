import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStructArray;
import java.util.List;

public class EditedByPython {
    record Point(double x, double y) {}

    public static void main(String[] args) throws Exception {     // args[0]: examples/python/edit_points.py
        try (var points = SharedStructArray.create(SegmentDirectory.shm().temporary(), "points", Point.class,
                List.of(new Point(1, -6), new Point(-5, 2), new Point(2, 9)))) {
            Process python = new ProcessBuilder("python3", args[0], points.name()).inheritIO().start();
            if (python.waitFor() != 0) {
                throw new IllegalStateException("python3 " + args[0] + " exited with " + python.exitValue());
            }
            System.out.println(points.toList());
        }
    }
}
