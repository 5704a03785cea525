import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SharedStructArray;
import io.shmkit.core.StructField;
import io.shmkit.process.JvmProcess;
import java.util.List;

public class Points {
    record Point(double x, double y) {}

    static final StructField.OfDouble X = StructField.ofDouble(Point.class, "x"), Y = StructField.ofDouble(Point.class, "y");

    static void square(SharedStructArray<Point> points) {
        for (long i = 0; i < points.length(); i++) {
            X.update(points, i, x -> x * x);                      // p.x **= 2, in place
            Y.update(points, i, y -> y * y);
        }
    }

    public static void main(String[] args) throws Exception {
        try (var points = SharedStructArray.create(SegmentDirectory.shm().temporary(), "points", Point.class,
                List.of(new Point(1, -6), new Point(-5, 2), new Point(2, 9)))) {
            JvmProcess.target(Points.class, "square", points).run();
            System.out.println(points.toList());
        }
    }
}
