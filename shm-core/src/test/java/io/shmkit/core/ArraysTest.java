package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ArraysTest extends SegmentTestSupport {

    @Test
    void longArrayBulkCopyWithOffsetsAndAtomics() {
        try (var xs = SharedLongArray.create(dir, "xs", 10)) {
            xs.copyFrom(new long[] {9, 1, 2, 3, 9}, 1, 4, 3);
            long[] out = new long[6];
            xs.copyTo(3, out, 1, 4);
            assertArrayEquals(new long[] {0, 0, 1, 2, 3, 0}, out);
            assertEquals(1, xs.getAndAdd(4, 10));
            assertEquals(12, xs.addAndGet(4, 1));
            assertEquals(13, xs.incrementAndGet(4));
            assertTrue(xs.compareAndSet(5, 2, 20));
            assertEquals(20, xs.getAndSet(5, 21));
            xs.setRelease(0, -1);
            assertEquals(-1, xs.getAcquire(0));
            xs.fill(7, 10, 5);
            assertArrayEquals(new long[] {-1, 0, 0, 0, 13, 21, 3, 5, 5, 5}, xs.toArray());
            assertThrows(IndexOutOfBoundsException.class, () -> xs.copyTo(8, new long[4], 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> xs.copyFrom(new long[2], 1, 0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> xs.fill(5, 11, 0));
            var e = assertThrows(IndexOutOfBoundsException.class, () -> xs.get(10));
            assertEquals("segment 'xs' (i64 x 10): Index 10 out of bounds for length 10", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> xs.set(-1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> xs.get(Long.MAX_VALUE / 8 + 2), "offset overflow is caught");
        }
    }

    @Test
    void everyPrimitiveArrayRoundTripsThroughASecondAttachment() {
        try (var b = SharedByteArray.create(dir, "b", new byte[] {1, -2, 3});
             var s = SharedShortArray.create(dir, "s", new short[] {1, -2, 3});
             var c = SharedCharArray.create(dir, "c", "añ€".toCharArray());
             var i = SharedIntArray.create(dir, "i", new int[] {1, -2, 3});
             var f = SharedFloatArray.create(dir, "f", new float[] {1.5f, -2f, 3f});
             var d = SharedDoubleArray.create(dir, "d", new double[] {1.5, -2, 3});
             var z = SharedBooleanArray.create(dir, "z", new boolean[] {true, false, true})) {
            assertArrayEquals(new byte[] {1, -2, 3}, SharedByteArray.open(dir, "b").toArray());
            assertArrayEquals(new short[] {1, -2, 3}, SharedShortArray.open(dir, "s").toArray());
            assertArrayEquals("añ€".toCharArray(), SharedCharArray.open(dir, "c").toArray());
            assertArrayEquals(new int[] {1, -2, 3}, SharedIntArray.open(dir, "i").toArray());
            assertArrayEquals(new float[] {1.5f, -2f, 3f}, SharedFloatArray.open(dir, "f").toArray());
            assertArrayEquals(new double[] {1.5, -2, 3}, SharedDoubleArray.open(dir, "d").toArray());
            assertArrayEquals(new boolean[] {true, false, true}, SharedBooleanArray.open(dir, "z").toArray());
            assertEquals(2, i.incrementAndGet(0));
            assertTrue(f.compareAndSet(1, -2f, 4f));
            assertEquals(1.5, d.getAndAdd(0, 1.0));
            assertEquals(2.5, d.get(0));
            z.set(1, true);
            assertTrue(z.getVolatile(1));
            b.fill((byte) 9);
            assertArrayEquals(new byte[] {9, 9, 9}, b.toArray());
            assertEquals("i8 i16 u16 i32 f32 f64 bool", String.join(" ", b.info().layout(), s.info().layout(), c.info().layout(),
                    i.info().layout(), f.info().layout(), d.info().layout(), z.info().layout()));
        }
        for (SegmentInfo info : dir.list()) {
            dir.unlink(info.name());
        }
    }

    @Test
    void viewsAreZeroCopyAndNativeOrder() {
        try (var d = SharedDoubleArray.create(dir, "d", 4); var i = SharedIntArray.create(dir, "i", 4); var b = SharedByteArray.create(dir, "b", 4)) {
            var buf = d.asDoubleBuffer();
            buf.put(2, 6.5);
            assertEquals(6.5, d.get(2));
            d.set(3, 7.5);
            assertEquals(7.5, buf.get(3));
            assertEquals(ByteOrder.nativeOrder(), buf.order());
            d.asSegment().set(ValueLayout.JAVA_DOUBLE, 0, 1.25);
            assertEquals(1.25, d.get(0));
            assertEquals(32, d.asSegment().byteSize());
            i.asIntBuffer().put(1, 42);
            assertEquals(42, i.get(1));
            b.asByteBuffer().put(0, (byte) 5);
            assertEquals(5, b.get(0));
        }
    }

    @Test
    void byteStringHasTheSemanticsOfPythonsArrayC() {
        // the figures are Python's: a = multiprocessing.Array('c', b'hello world'); len(a), a.value = b'hi'; a.raw
        try (var s = SharedByteString.create(dir, "s", "hello world")) {
            assertEquals(11, s.length(), "Array('c', b'hello world') has 11 bytes");
            assertEquals("hello world", s.valueAsString());
            s.setValue("hi");
            assertArrayEquals("hi".getBytes(), s.value());
            assertArrayEquals("hi\0lo world".getBytes(), s.raw(), "b'hi\\x00lo world': the tail is left as it was");
            s.setValue("exactly1234");
            assertEquals("exactly1234", s.valueAsString(), "full length, no terminator");
            var e = assertThrows(IllegalArgumentException.class, () -> s.setValue("twelve123456"));
            assertEquals("segment 's' holds at most 11 bytes; the value has 12", e.getMessage());
            assertEquals("exactly1234", s.valueAsString(), "a refused value changes nothing");
            s.set(2, (byte) 0);
            assertEquals("ex", s.valueAsString());
            assertEquals('c', s.get(3));
            try (var again = SharedByteString.open(dir, "s")) {
                assertEquals("ex", again.valueAsString());
            }
            assertThrows(SegmentLayoutException.class, () -> SharedByteArray.open(dir, "s"), "c_char is not c_int8");
        }
    }

    @Test
    void rawSharedMemoryBlock() {
        try (var m = SharedMemory.create(dir, "raw", 100); var other = SharedMemory.open(dir, "raw")) {
            assertEquals(100, m.size());
            m.asByteBuffer().putLong(8, 0x0102030405060708L);
            assertEquals(0x0102030405060708L, other.asSegment().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
            assertEquals(SegmentKind.BYTES, other.info().kind());
            assertTrue(m.toString().startsWith("SharedMemory[raw, u8: 100 bytes: 00 00 00 00 00 00 00 00 "), m.toString());
            assertThrows(SegmentLayoutException.class, () -> SharedMemory.openOrCreate(dir, "raw", 99));
        }
    }

    @Test
    void zeroLengthArraysAreValid() {
        try (var xs = SharedLongArray.create(dir, "empty", 0)) {
            assertEquals(0, xs.length());
            assertEquals(0, xs.toArray().length);
            assertThrows(IndexOutOfBoundsException.class, () -> xs.get(0));
            assertEquals("SharedLongArray[empty, i64 x 0: empty]", xs.toString());
        }
    }

    @Test
    void threeGibibyteArrayWorksAcrossThe2GiBLine() {
        long length = 3L * 1024 * 1024 * 1024 / 8; // 3 GiB of longs; pages appear only when touched
        try (var big = SharedLongArray.create(dir, "big", length)) {
            assertEquals(length, big.length());
            long beyond = (1L << 31) / 8 + 3; // byte offset past 2^31
            big.set(length - 1, 42);
            big.set(beyond, 7);
            assertEquals(1, big.getAndAdd(beyond + 1, 1) + 1);
            try (var other = SharedLongArray.open(dir, "big", Access.READ_ONLY)) {
                assertEquals(42, other.get(length - 1));
                assertEquals(7, other.get(beyond));
                assertEquals(1, other.get(beyond + 1));
                assertEquals(0, other.get(length / 2));
            }
            var e = assertThrows(UnsupportedOperationException.class, big::asLongBuffer);
            assertTrue(e.getMessage().startsWith("segment 'big' holds 3221225472 bytes; a java.nio buffer addresses at most"), e.getMessage());
            assertEquals(3L << 30, big.asSegment().byteSize());
        } finally {
            dir.unlink("big");
        }
        try (var bytes = SharedByteArray.create(dir, "bytes", 3L << 30)) {
            bytes.set((3L << 30) - 1, (byte) 1);
            var e = assertThrows(UnsupportedOperationException.class, bytes::toArray);
            assertEquals("segment 'bytes' has 3221225472 elements, too many for a Java array: use copyTo on ranges", e.getMessage());
            byte[] tail = new byte[2];
            bytes.copyTo((3L << 30) - 2, tail, 0, 2);
            assertArrayEquals(new byte[] {0, 1}, tail);
        } finally {
            dir.unlink("bytes");
        }
    }
}
