package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ValuesTest extends SegmentTestSupport {

    @Test
    void longHasTheFullAtomicApi() {
        try (SharedLong v = SharedLong.create(dir, "l", 5)) {
            assertEquals(5, v.get());
            v.setRelease(6);
            assertEquals(6, v.getAcquire());
            v.setVolatile(7);
            assertEquals(7, v.getVolatile());
            assertTrue(v.compareAndSet(7, 8));
            assertFalse(v.compareAndSet(7, 9));
            assertEquals(8, v.getAndSet(10));
            assertEquals(10, v.getAndAdd(5));
            assertEquals(20, v.addAndGet(5));
            assertEquals(21, v.incrementAndGet());
            assertEquals(20, v.decrementAndGet());
            assertEquals(20, v.getAndUpdate(x -> x * 2));
            assertEquals(41, v.updateAndGet(x -> x + 1));
            assertEquals(82, v.accumulateAndGet(2, (a, b) -> a * b));
            v.set(Long.MIN_VALUE);
            assertEquals(Long.MIN_VALUE, v.get());
        }
    }

    @Test
    void intHasTheFullAtomicApi() {
        try (SharedInt v = SharedInt.create(dir, "i", Integer.MAX_VALUE)) {
            assertEquals(Integer.MIN_VALUE, v.incrementAndGet(), "wraps as Java int arithmetic does");
            assertTrue(v.compareAndSet(Integer.MIN_VALUE, 3));
            assertEquals(3, v.getAndAdd(4));
            assertEquals(14, v.updateAndGet(x -> x * 2));
            assertEquals(15, v.accumulateAndGet(1, Integer::sum));
        }
    }

    @Test
    void doubleAndFloatCompareBitsAndAddByCas() {
        try (SharedDouble d = SharedDouble.create(dir, "d", 1.5); SharedFloat f = SharedFloat.create(dir, "f", 2.5f)) {
            assertEquals(1.5, d.getAndAdd(1));
            assertEquals(3.5, d.addAndGet(1));
            d.set(Double.NaN);
            assertTrue(d.compareAndSet(Double.NaN, 0.0), "NaN matches NaN bit for bit");
            assertFalse(d.compareAndSet(-0.0, 1.0), "-0.0 does not match 0.0");
            assertEquals(0.0, d.getAndSet(2.0));
            assertEquals(4.0, d.updateAndGet(x -> x * 2));
            assertEquals(2.5f, f.getAndAdd(0.5f));
            assertEquals(4.0f, f.addAndGet(1f));
            assertTrue(f.compareAndSet(4.0f, -1f));
            assertEquals(-1f, f.getVolatile());
        }
    }

    @Test
    void smallTypesHaveOrderedAccessors() {
        try (SharedByte b = SharedByte.create(dir, "b", (byte) -1);
             SharedShort s = SharedShort.create(dir, "s", (short) 300);
             SharedChar c = SharedChar.create(dir, "c", 'λ');
             SharedBoolean z = SharedBoolean.create(dir, "z", true)) {
            assertEquals(-1, b.get());
            assertEquals(300, s.getAcquire());
            assertEquals('λ', c.getVolatile());
            assertTrue(z.get());
            b.setRelease((byte) 7);
            s.setVolatile((short) -2);
            c.set('x');
            z.setVolatile(false);
            try (SharedByte b2 = SharedByte.open(dir, "b"); SharedShort s2 = SharedShort.open(dir, "s");
                 SharedChar c2 = SharedChar.open(dir, "c"); SharedBoolean z2 = SharedBoolean.open(dir, "z")) {
                assertEquals(7, b2.get());
                assertEquals(-2, s2.get());
                assertEquals('x', c2.get());
                assertFalse(z2.get());
            }
            assertEquals("i8", b.info().layout());
            assertEquals("bool", z.info().layout());
            assertEquals("u16", c.info().layout());
        }
    }

    @Test
    void eachTypeRefusesTheOthersLayout() {
        try (SharedInt i = SharedInt.create(dir, "i")) {
            assertThrows(SegmentLayoutException.class, () -> SharedFloat.open(dir, "i"));
            assertThrows(SegmentLayoutException.class, () -> SharedLong.open(dir, "i"));
            assertThrows(SegmentLayoutException.class, () -> SharedIntArray.open(dir, "i"));
            try (SharedInt again = SharedInt.openOrCreate(dir, "i")) {
                again.set(3);
                assertEquals(3, i.get());
            }
        }
    }

    @Test
    void concurrentIncrementsFromManyThreadsLoseNothing() throws Exception {
        int threads = 4;
        int perThread = 100_000;
        try (SharedLong v = SharedLong.create(dir, "n"); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                done[t] = pool.submit(() -> {
                    for (int k = 0; k < perThread; k++) {
                        v.getAndAdd(1);
                    }
                });
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertEquals((long) threads * perThread, v.getVolatile());
        }
    }
}
