package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class StructsTest extends SegmentTestSupport {
    record Point(double x, double y) {}
    record Point3(double x, double y, double z) {}
    record Line(Point from, byte tag, Point to) {}
    record Sample(int id, @Length(8) String label, @Length(3) double[] xs, @Length(2) Point[] corners, boolean ok, char unit) {}
    record Counter(long hits, int misses, float ratio, short s, byte b) {}

    static final StructField.OfDouble X = StructField.ofDouble(Point.class, "x");

    @Test
    void pointArrayAsInTheCourseExercise() {
        List<Point> initial = List.of(new Point(1, -6), new Point(-5, 2), new Point(2, 9));
        try (var points = SharedStructArray.create(dir, "points", Point.class, initial)) {
            assertEquals(3, points.length());
            assertEquals(16, points.stride());
            assertEquals(initial, points.toList());
            // a.x **= 2 in place, for every element, with no allocation
            for (long i = 0; i < points.length(); i++) {
                X.set(points, i, X.get(points, i) * X.get(points, i));
            }
            assertEquals(List.of(new Point(1, -6), new Point(25, 2), new Point(4, 9)), points.toList());
            assertEquals(new Point(25, 2), points.get(1));
        }
    }

    @Test
    void recordsWithNestedArraysAndStringsRoundTrip() {
        Sample s = new Sample(7, "volts", new double[] {1.5, 2.5, 3.5}, new Point[] {new Point(0, 1), new Point(2, 3)}, true, 'V');
        try (var samples = SharedStructArray.create(dir, "samples", Sample.class, 2)) {
            samples.set(1, s);
            Sample back = samples.get(1);
            assertEquals(7, back.id());
            assertEquals("volts", back.label());
            assertArrayEquals(s.xs(), back.xs());
            assertArrayEquals(s.corners(), back.corners());
            assertTrue(back.ok());
            assertEquals('V', back.unit());
            Sample zero = samples.get(0);
            assertEquals("", zero.label());
            assertEquals(new Point(0, 0), zero.corners()[1]);
            assertEquals(2.5, StructField.ofDouble(Sample.class, "xs[1]").get(samples, 1));
            assertEquals(3.0, StructField.ofDouble(Sample.class, "corners[1].y").get(samples, 1));
            assertEquals('V', StructField.ofChar(Sample.class, "unit").get(samples, 1));
            assertTrue(StructField.ofBoolean(Sample.class, "ok").get(samples, 1));
            assertEquals(samples.fieldOffset("corners") + 16 + 8, samples.fieldOffset("corners[1].y"));
        }
    }

    @Test
    void aStringOfExactlyTheLengthHasNoTerminatorAndALongerOneIsRefusedWithoutPartialWrite() {
        try (var samples = SharedStructArray.create(dir, "s", Sample.class, 1)) {
            Sample full = new Sample(1, "12345678", new double[3], new Point[] {new Point(0, 0), new Point(0, 0)}, false, 'a');
            samples.set(0, full);
            assertEquals("12345678", samples.get(0).label());
            Sample tooLong = new Sample(2, "123456789", new double[3], new Point[] {new Point(0, 0), new Point(0, 0)}, false, 'b');
            var e = assertThrows(IllegalArgumentException.class, () -> samples.set(0, tooLong));
            assertEquals("segment 's': cannot store a Sample at index 0: Sample.label holds at most 8 bytes; \"123456789\" is 9"
                    + " bytes in UTF-8", e.getMessage());
            assertEquals(1, samples.get(0).id(), "the id written before the label was not stored");
            Sample shortArray = new Sample(3, "x", new double[2], new Point[] {new Point(0, 0), new Point(0, 0)}, false, 'c');
            assertTrue(assertThrows(IllegalArgumentException.class, () -> samples.set(0, shortArray)).getMessage()
                    .startsWith("segment 's': cannot store a Sample at index 0: Sample.xs has length 2; the layout holds exactly 3"));
            assertThrows(NullPointerException.class, () -> samples.set(0, null));
            assertThrows(NullPointerException.class, () -> samples.set(0, new Sample(4, null, new double[3], new Point[2], false, 'd')));
            assertEquals(full.label(), samples.get(0).label());
        }
    }

    @Test
    void initialContentsAreWrittenBeforeTheNameAppearsAndABadOneCreatesNothing() throws Exception {
        Sample bad = new Sample(1, "far too long a label", new double[3], new Point[] {new Point(0, 0), new Point(0, 0)}, false, 'x');
        Sample good = new Sample(2, "ok", new double[3], new Point[] {new Point(0, 0), new Point(0, 0)}, false, 'y');
        assertThrows(IllegalArgumentException.class, () -> SharedStructArray.create(dir, "bad", Sample.class, List.of(good, bad)));
        assertThrows(IllegalArgumentException.class, () -> SharedStruct.create(dir, "bad1", Sample.class, bad));
        try (var files = java.nio.file.Files.list(dir.path())) {
            assertEquals(List.of(), files.toList(), "neither the name nor a temporary file is left");
        }
    }

    @Test
    void singleStructWithAtomicFields() {
        try (var c = SharedStruct.create(dir, "c", Counter.class, new Counter(1, 2, 0.5f, (short) 3, (byte) 4))) {
            assertEquals(new Counter(1, 2, 0.5f, (short) 3, (byte) 4), c.get());
            StructField.OfLong hits = StructField.ofLong(Counter.class, "hits");
            assertEquals(1, hits.getAndAdd(c, 0, 10));
            assertTrue(hits.compareAndSet(c, 0, 11, 20));
            assertEquals(20, hits.getVolatile(c, 0));
            StructField.OfInt misses = StructField.ofInt(Counter.class, "misses");
            assertEquals(2, misses.getAndAdd(c, 0, 1));
            assertTrue(misses.compareAndSet(c, 0, 3, 29));
            misses.setVolatile(c, 0, 30);
            StructField.ofFloat(Counter.class, "ratio").set(c, 0, 0.25f);
            StructField.ofShort(Counter.class, "s").set(c, 0, (short) -1);
            StructField.ofByte(Counter.class, "b").set(c, 0, (byte) -2);
            assertEquals(new Counter(20, 30, 0.25f, (short) -1, (byte) -2), c.get());
            assertEquals("SharedStruct[c, Counter{hits:i64@0,misses:i32@8,ratio:f32@12,s:i16@16,b:i8@18}#24: "
                    + "Counter[hits=20, misses=30, ratio=0.25, s=-1, b=-2]]", c.toString());
        }
    }

    @Test
    void fieldAccessorsCheckTypeNameAndIndex() {
        try (var points = SharedStructArray.create(dir, "pts", Point.class, 2)) {
            assertEquals("field 'x' of Point{x:f64@0,y:f64@8}#16 is f64, not long",
                    assertThrows(IllegalArgumentException.class, () -> StructField.ofLong(Point.class, "x")).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StructField.ofDouble(Point.class, "w")).getMessage()
                    .startsWith("no field 'w' in Point{x:f64@0,y:f64@8}#16"));
            assertThrows(IllegalArgumentException.class, () -> StructField.ofDouble(Point.class, "x["));
            StructField.OfDouble x = X;
            var forged = assertThrows(IllegalArgumentException.class,
                    () -> new StructField.OfDouble(x.layout(), "x", 8, 16, x.layoutText()));
            assertTrue(forged.getMessage().startsWith("field 'x' of Point{x:f64@0,y:f64@8}#16 is at offset 0 with stride 16, not 8 and 16"),
                    forged.getMessage());
            try (var other = SharedStructArray.create(dir, "p3", Point3.class, 2)) {
                var wrong = assertThrows(IllegalArgumentException.class, () -> x.get(other, 0));
                assertEquals("segment 'p3' holds Point3{x:f64@0,y:f64@8,z:f64@16}#24; the field accessor is for Point{x:f64@0,y:f64@8}#16",
                        wrong.getMessage());
            }
            var e = assertThrows(IndexOutOfBoundsException.class, () -> x.get(points, 2));
            assertTrue(e.getMessage().startsWith("segment 'pts' (Point{x:f64@0,y:f64@8}#16 x 2): Index 2 out of bounds for length 2"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> x.set(points, -1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> x.get(points, Long.MIN_VALUE / 8 + 1), "an index whose offset wraps is still caught");
            assertThrows(IndexOutOfBoundsException.class, () -> points.get(2));
            assertThrows(IndexOutOfBoundsException.class, () -> points.set(-1, new Point(0, 0)));
        }
    }

    @Test
    void wrongLayoutOnAttachIsReportedFieldByField() {
        try (var points = SharedStructArray.create(dir, "points", Point.class, 3)) {
            var e = assertThrows(SegmentLayoutException.class, () -> SharedStructArray.open(dir, "points", Point3.class));
            assertEquals("segment 'points' holds STRUCT_ARRAY Point{x:f64@0,y:f64@8}#16 x 3 (element size 16), requested "
                    + "STRUCT_ARRAY Point3{x:f64@0,y:f64@8,z:f64@16}#24 (element size 24): "
                    + "field 'z' (f64@16) is missing in the segment", e.getMessage());
            assertThrows(SegmentLayoutException.class, () -> SharedStruct.open(dir, "points", Point.class));
            assertThrows(SegmentLayoutException.class, () -> SharedDoubleArray.open(dir, "points"));
        }
    }

    @Test
    void explicitStructLayoutWithCustomPaddingIsAccepted() {
        // A C struct with 8 reserved bytes between its fields: { double x; char reserved[8]; double y; }
        StructLayout c = MemoryLayout.structLayout(
                ValueLayout.JAVA_DOUBLE.withName("x"), MemoryLayout.paddingLayout(8), ValueLayout.JAVA_DOUBLE.withName("y")).withName("Point");
        try (var points = SharedStructArray.create(dir, "padded", Point.class, c, 2)) {
            points.set(1, new Point(3, 4));
            assertEquals(24, points.stride());
            assertEquals(16, points.fieldOffset("y"));
            assertEquals(4.0, points.asSegment().get(ValueLayout.JAVA_DOUBLE, 24 + 16));
            assertEquals("Point{x:f64@0,y:f64@16}#24", points.info().layout());
            try (var again = SharedStructArray.open(dir, "padded", Point.class, c, Access.READ_ONLY)) {
                assertEquals(new Point(3, 4), again.get(1));
            }
            assertThrows(SegmentLayoutException.class, () -> SharedStructArray.open(dir, "padded", Point.class));
        }
        StructLayout missing = MemoryLayout.structLayout(ValueLayout.JAVA_DOUBLE.withName("x")).withName("Point");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharedStructArray.create(dir, "m", Point.class, missing, 1))
                .getMessage().startsWith("Point.y has no member named 'y'"));
        StructLayout wrongType = MemoryLayout.structLayout(ValueLayout.JAVA_DOUBLE.withName("x"), ValueLayout.JAVA_LONG.withName("y")).withName("Point");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharedStructArray.create(dir, "w", Point.class, wrongType, 1))
                .getMessage().startsWith("Point.y is double but the layout member is"));
        assertFalse(dir.exists("m") || dir.exists("w"), "a refused layout creates nothing");
    }

    @Test
    void nestedRecordsAndSingleStructAttach() {
        try (var line = SharedStruct.create(dir, "line", Line.class, new Line(new Point(1, 2), (byte) 9, new Point(3, 4)));
             var other = SharedStruct.open(dir, "line", Line.class)) {
            assertEquals(new Line(new Point(1, 2), (byte) 9, new Point(3, 4)), other.get());
            StructField.ofDouble(Line.class, "to.y").set(other, 0, 40);
            assertEquals(40, line.get().to().y());
            assertEquals(24 + 8, line.fieldOffset("to.y"));
        }
    }
}
