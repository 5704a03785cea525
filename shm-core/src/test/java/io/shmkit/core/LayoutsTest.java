package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Record layouts against ctypes. The expected offsets, sizes and alignments were printed by
 * CPython 3.11's ctypes on x86-64 Linux for the equivalent Structure (see docs/layouts.md);
 * PythonInteropTest re-checks the same rules live against ctypes.
 */
class LayoutsTest {
    record Point(double x, double y) {}
    record Mixed(byte b, double d, int i) {}
    record ShortByte(short s, byte b) {}
    record Four(byte a, int b, short c, long d) {}
    record Line(Point a, byte tag, Point b) {}
    record Named(int id, @Length(5) String name, double v) {}
    record Flags(boolean f, char c, float x) {}
    record Samples(byte b, @Length(3) double[] xs) {}
    record Poly(int n, @Length(2) Point[] ps) {}
    record Tail(long l, byte b) {}

    static Stream<Arguments> ctypesFacts() {
        return Stream.of(
                Arguments.of(Mixed.class, new long[] {0, 8, 16}, 24, 8),
                Arguments.of(ShortByte.class, new long[] {0, 2}, 4, 2),
                Arguments.of(Four.class, new long[] {0, 4, 8, 16}, 24, 8),
                Arguments.of(Line.class, new long[] {0, 16, 24}, 40, 8),
                Arguments.of(Named.class, new long[] {0, 4, 16}, 24, 8),
                Arguments.of(Flags.class, new long[] {0, 2, 4}, 8, 4),
                Arguments.of(Samples.class, new long[] {0, 8}, 32, 8),
                Arguments.of(Poly.class, new long[] {0, 8}, 40, 8),
                Arguments.of(Tail.class, new long[] {0, 8}, 16, 8),
                Arguments.of(Point.class, new long[] {0, 8}, 16, 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ctypesFacts")
    void recordLayoutMatchesCtypes(Class<? extends Record> type, long[] offsets, long size, long alignment) {
        StructLayout layout = Layouts.of(type);
        long[] actual = Arrays.stream(type.getRecordComponents())
                .mapToLong(c -> layout.byteOffset(MemoryLayout.PathElement.groupElement(c.getName())))
                .toArray();
        assertEquals(Arrays.toString(offsets), Arrays.toString(actual));
        assertEquals(size, layout.byteSize());
        assertEquals(alignment, layout.byteAlignment());
    }

    @Test
    void canonicalTextNamesEveryFieldTypeAndOffset() {
        assertEquals("Point{x:f64@0,y:f64@8}#16", Layouts.describe(Layouts.of(Point.class)));
        assertEquals("Mixed{b:i8@0,d:f64@8,i:i32@16}#24", Layouts.describe(Layouts.of(Mixed.class)));
        assertEquals("Line{a:{x:f64@0,y:f64@8}#16@0,tag:i8@16,b:{x:f64@0,y:f64@8}#16@24}#40",
                Layouts.describe(Layouts.of(Line.class)));
        assertEquals("Named{id:i32@0,name:char[5]@4,v:f64@16}#24", Layouts.describe(Layouts.of(Named.class)));
        assertEquals("Flags{f:bool@0,c:u16@2,x:f32@4}#8", Layouts.describe(Layouts.of(Flags.class)));
        assertEquals("Poly{n:i32@0,ps:{x:f64@0,y:f64@8}#16[2]@8}#40", Layouts.describe(Layouts.of(Poly.class)));
        assertEquals("f64[2][3]", Layouts.describe(MemoryLayout.sequenceLayout(2, MemoryLayout.sequenceLayout(3, ValueLayout.JAVA_DOUBLE))));
    }

    @Test
    void explicitLayoutsWithTheirOwnPaddingAreDescribedByTheirOffsets() {
        StructLayout padded = MemoryLayout.structLayout(
                ValueLayout.JAVA_INT.withName("a"), MemoryLayout.paddingLayout(12), ValueLayout.JAVA_LONG.withName("b")).withName("P");
        assertEquals("P{a:i32@0,b:i64@16}#24", Layouts.describe(padded));
    }

    record NoLength(double[] xs) {}
    record BadLength(@Length(0) String s) {}
    record LengthOnScalar(@Length(2) int x) {}
    record Boxed(Integer x) {}
    record Empty() {}
    record Nested2(@Length(2) String[] names) {}

    @Test
    void unsupportedRecordsAreRejectedNamingTheComponent() {
        assertEquals("NoLength.xs (double[]) needs @Length(n): a struct has a fixed size",
                assertThrows(IllegalArgumentException.class, () -> Layouts.of(NoLength.class)).getMessage());
        assertEquals("BadLength.s has @Length(0); it must be at least 1",
                assertThrows(IllegalArgumentException.class, () -> Layouts.of(BadLength.class)).getMessage());
        assertEquals("LengthOnScalar.x has @Length but is not an array or String",
                assertThrows(IllegalArgumentException.class, () -> Layouts.of(LengthOnScalar.class)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Layouts.of(Boxed.class)).getMessage()
                .startsWith("Boxed.x has type java.lang.Integer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Layouts.of(Empty.class)).getMessage().endsWith("has no components to lay out"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Layouts.of(Nested2.class)).getMessage().contains("arrays of arrays or strings"));
    }

    @Test
    void layoutsASegmentCannotHoldAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Layouts.describe(ValueLayout.ADDRESS));
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        assertThrows(IllegalArgumentException.class, () -> Layouts.describe(ValueLayout.JAVA_INT.withOrder(other)));
        assertThrows(IllegalArgumentException.class, () -> Layouts.describe(MemoryLayout.unionLayout(ValueLayout.JAVA_INT.withName("a"))));
        var e = assertThrows(IllegalArgumentException.class, () -> Layouts.describe(MemoryLayout.structLayout(ValueLayout.JAVA_INT).withName("S")));
        assertTrue(e.getMessage().startsWith("member of S has no name"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Layouts.describe(MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("a b"))));
    }

    @Test
    void differenceSpeaksFieldByField() {
        String point = Layouts.describe(Layouts.of(Point.class));
        assertEquals("field 'z' (f64@16) is missing in the segment",
                Layouts.difference(point, "Point3{x:f64@0,y:f64@8,z:f64@16}#24"));
        assertEquals("field 'x' is f64@0 in the segment, f32@0 requested; field 'y' is f64@8 in the segment, f32@4 requested",
                Layouts.difference(point, "Point{x:f32@0,y:f32@4}#8"));
        assertEquals("the segment has field 'y' (f64@8) that was not requested", Layouts.difference(point, "Point{x:f64@0}#16"));
        assertEquals("struct name is Point in the segment, Vec requested", Layouts.difference(point, "Vec{x:f64@0,y:f64@8}#16"));
        assertEquals("", Layouts.difference("i64", "f64"));
    }
}
