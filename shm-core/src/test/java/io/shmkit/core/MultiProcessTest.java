package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.process.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shared memory between real JVMs: every test here starts child processes. */
class MultiProcessTest extends SegmentTestSupport {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private JvmProcess child(Class<?> main, String... args) {
        List<String> all = new ArrayList<>();
        all.add(dir.path().toString());
        all.addAll(List.of(args));
        return JvmProcess.builder(main).jvmOptions("-Xmx64m", "-XX:+UseSerialGC").args(all.toArray(String[]::new)).start();
    }

    private static int finish(JvmProcess p) throws InterruptedException {
        assertTrue(p.join(TIMEOUT), () -> p + " did not exit in " + TIMEOUT + "; output:\n" + p.output());
        return p.exitCode();
    }

    @Test
    void whatAChildWritesTheParentReads() throws Exception {
        try (JvmProcess p = child(ChildMains.Writer.class)) {
            assertEquals(0, finish(p), p::output);
        }
        try (var v = SharedDouble.open(dir, "child-value");
             var xs = SharedIntArray.open(dir, "child-array");
             var ps = SharedStructArray.open(dir, "child-points", StructsTest.Point.class)) {
            assertEquals(2.75, v.get());
            assertEquals(List.of(3, 1, 4, 1, 5), java.util.Arrays.stream(xs.toArray()).boxed().toList());
            assertEquals(List.of(new StructsTest.Point(1, -6), new StructsTest.Point(-5, 2)), ps.toList());
            assertTrue(v.info().creatorPid() != ProcessHandle.current().pid(), "the header records the child as creator");
        }
    }

    @Test
    void whatTheParentWritesAChildReadsAndChangesInPlace() throws Exception {
        try (var v = SharedLong.create(dir, "parent-value", 123456789012L);
             var xs = SharedDoubleArray.create(dir, "parent-array", new double[] {0.5, 1.5, 2.5});
             var ps = SharedStructArray.create(dir, "parent-points", StructsTest.Point.class,
                     List.of(new StructsTest.Point(1, -6), new StructsTest.Point(-5, 2), new StructsTest.Point(2, 9)));
             var s = SharedByteString.create(dir, "parent-string", "hello world".getBytes());
             JvmProcess p = child(ChildMains.ReaderWriter.class)) {
            assertEquals(0, finish(p), p::output);
            assertEquals(123456789013L, v.getVolatile());
            assertEquals(-1.0, xs.get(1));
            assertEquals(List.of(new StructsTest.Point(1, -6), new StructsTest.Point(25, 2), new StructsTest.Point(4, 9)), ps.toList());
            assertEquals("bye", s.valueAsString());
        }
    }

    @Test
    void fourJvmsCasIncrementOneLongToTheExactTotal() throws Exception {
        int jvms = 4;
        long each = 250_000;
        try (SharedLong counter = SharedLong.create(dir, "counter")) {
            List<JvmProcess> children = new ArrayList<>();
            try {
                for (int i = 0; i < jvms; i++) {
                    children.add(child(ChildMains.CasIncrementer.class, "counter", Long.toString(each)));
                }
                for (JvmProcess p : children) {
                    assertEquals(0, finish(p), p::output);
                }
            } finally {
                children.forEach(JvmProcess::close);
            }
            assertEquals(jvms * each, counter.getVolatile());
        }
    }

    @Test
    void jvmsRacingToOpenOrCreateTheSameNameGetExactlyOneCreator() throws Exception {
        int jvms = 4;
        List<JvmProcess> children = new ArrayList<>();
        try (SharedInt start = SharedInt.create(dir, "start")) {
            for (int i = 0; i < jvms; i++) {
                children.add(child(ChildMains.RacingOpenOrCreate.class, "raced", "start"));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (start.getVolatile() < jvms && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(jvms, start.getVolatile(), "children did not all get ready");
            start.setVolatile(100);
            int created = 0;
            for (JvmProcess p : children) {
                assertEquals(0, finish(p), p::output);
                created += p.output().strip().equals("created") ? 1 : 0;
            }
            assertEquals(1, created, "exactly one JVM created the segment");
            try (SharedLong counter = SharedLong.open(dir, "raced")) {
                assertEquals(jvms, counter.get(), "every JVM incremented the one segment");
            }
        } finally {
            children.forEach(JvmProcess::close);
        }
    }

    @Test
    void attachingWithTheWrongLayoutFailsClearlyInTheChild() throws Exception {
        try (var ps = SharedStructArray.create(dir, "points", StructsTest.Point.class, 3); JvmProcess p = child(ChildMains.WrongLayout.class)) {
            assertEquals(3, finish(p), p::output);
            assertEquals("segment 'points' holds STRUCT_ARRAY Point{x:f64@0,y:f64@8}#16 x 3 (element size 16), requested "
                    + "STRUCT_ARRAY Point3{x:f64@0,y:f64@8,z:f64@16}#24 (element size 24): field 'z' (f64@16) is missing in the segment",
                    p.output().strip());
        }
    }

    @Test
    void anUnlinkedSegmentStaysSharedBetweenProcessesThatHaveItOpen() throws Exception {
        try (SharedLong flag = SharedLong.create(dir, "flag"); JvmProcess p = child(ChildMains.OutlivesUnlink.class)) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (flag.getVolatile() != 1 && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(1);
            }
            assertEquals(1, flag.getVolatile(), p::output);
            assertTrue(dir.unlink("flag"));
            flag.setVolatile(2);
            assertEquals(0, finish(p), p::output);
            assertEquals(3, flag.getVolatile());
        }
    }
}
