package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentLifecycleTest extends SegmentTestSupport {

    @Test
    void createThenOpenSeesTheSameMemory() {
        try (SharedLong a = SharedLong.create(dir, "counter", 41); SharedLong b = SharedLong.open(dir, "counter")) {
            assertEquals(41, b.get());
            a.set(42);
            assertEquals(42, b.getVolatile());
        }
    }

    @Test
    void createFailsIfTheNameExists() {
        try (SharedLong first = SharedLong.create(dir, "x")) {
            var e = assertThrows(SegmentExistsException.class, () -> SharedInt.create(dir, "x"));
            assertEquals("segment 'x' already exists: " + dir.pathOf("x") + ", created by pid " + ProcessHandle.current().pid()
                    + " (a process with that pid is running) (attach with open or openOrCreate; remove a leftover with"
                    + " SegmentDirectory.unlink(name), or all of them with 'shm gc'; SegmentDirectory.temporary() gives"
                    + " each run unique names that are removed on close)", e.getMessage());
            assertEquals("x", e.segmentName());
        }
    }

    @Test
    void aStaleSegmentOfADeadCreatorIsNamedAsALeftover() throws Exception {
        // python3 is not needed: a child JVM creates the segment and exits without unlinking
        try (var child = io.shmkit.process.JvmProcess.target(SegmentLifecycleTest.class, "createAndLeave", dir, "stale")
                .captureOutput().start()) {
            child.joinChecked(java.time.Duration.ofSeconds(60));
            var e = assertThrows(SegmentExistsException.class, () -> SharedInt.create(dir, "stale"));
            assertTrue(e.getMessage().contains("created by pid " + child.pid() + ", which is no longer running: a crashed"
                    + " run's leftover?"), e.getMessage());
        } finally {
            dir.unlink("stale");
        }
    }

    static void createAndLeave(SegmentDirectory directory, String name) {
        SharedLong.create(directory, name).close();
    }

    @Test
    void aTemporarySegmentHasAUniqueNameAndGoesWhenItsCreatorClosesIt() {
        SegmentDirectory temporary = dir.temporary();
        SharedLong a = SharedLong.create(temporary, "counter");
        SharedLong b = SharedLong.openOrCreate(temporary, "counter");
        try {
            assertTrue(a.name().matches("counter-[0-9a-f]{12}"), a.name());
            assertNotEquals(a.name(), b.name(), "openOrCreate through a temporary directory creates");
            try (SharedLong other = SharedLong.open(dir, a.name())) {   // a child attaches by the full name
                other.set(5);
                assertEquals(5, a.get());
            }
            assertTrue(dir.exists(a.name()), "an attacher's close leaves it");
        } finally {
            a.close();
            b.close();
        }
        assertFalse(dir.exists(a.name()), "the creator's close unlinks it");
        assertFalse(dir.exists(b.name()));
    }

    @Test
    void openFailsClearlyIfTheNameIsAbsent() {
        var e = assertThrows(SegmentNotFoundException.class, () -> SharedLong.open(dir, "nope"));
        assertEquals("segment 'nope' does not exist: " + dir.pathOf("nope"), e.getMessage());
    }

    @Test
    void openOrCreateCreatesOnceThenAttaches() {
        try (SharedLongArray a = SharedLongArray.openOrCreate(dir, "xs", 4); SharedLongArray b = SharedLongArray.openOrCreate(dir, "xs", 4)) {
            a.set(3, 7);
            assertEquals(7, b.get(3));
            var e = assertThrows(SegmentLayoutException.class, () -> SharedLongArray.openOrCreate(dir, "xs", 5));
            assertTrue(e.getMessage().contains("holds ARRAY i64 x 4"), e.getMessage());
        }
    }

    @Test
    void accessAfterCloseThrowsIllegalStateNamingTheSegment() {
        SharedDoubleArray xs = SharedDoubleArray.create(dir, "xs", 8);
        var view = xs.asSegment();
        var buffer = xs.asDoubleBuffer();
        var field = xs;
        xs.close();
        xs.close(); // idempotent
        assertTrue(xs.isClosed());
        var e = assertThrows(IllegalStateException.class, () -> field.get(0));
        assertEquals("segment 'xs' is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> xs.set(1, 2.0));
        assertThrows(IllegalStateException.class, () -> xs.compareAndSet(1, 0, 2.0));
        assertThrows(IllegalStateException.class, xs::asSegment);
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_DOUBLE, 0));
        assertThrows(IllegalStateException.class, () -> buffer.get(0));
        assertTrue(xs.toString().endsWith("closed]"), xs.toString());
    }

    @Test
    void unlinkRemovesTheNameButOpenMappingsKeepWorking() {
        try (SharedInt v = SharedInt.create(dir, "v", 5)) {
            assertTrue(dir.exists("v"));
            assertTrue(dir.unlink("v"));
            assertFalse(dir.exists("v"));
            assertFalse(dir.unlink("v"));
            v.set(6);
            assertEquals(6, v.get());
            assertThrows(SegmentNotFoundException.class, () -> SharedInt.open(dir, "v"));
            try (SharedInt again = SharedInt.create(dir, "v")) {
                assertEquals(0, again.get(), "a new segment of the same name is new memory");
                assertEquals(6, v.get());
            }
        }
    }

    @Test
    void listShowsOnlyValidSegmentsSortedWithTheirHeaders() throws Exception {
        Files.writeString(dir.pathOf("foreign"), "not a segment");
        try (var b = SharedDoubleArray.create(dir, "b", 3); var a = SharedLong.create(dir, "a")) {
            List<SegmentInfo> all = dir.list();
            assertEquals(List.of("a", "b"), all.stream().map(SegmentInfo::name).toList());
            SegmentInfo info = all.get(1);
            assertEquals(SegmentKind.ARRAY, info.kind());
            assertEquals("f64", info.layout());
            assertEquals(3, info.elementCount());
            assertEquals(8, info.elementSize());
            assertEquals(24, info.dataSize());
            assertEquals(0, info.dataOffset() % SegmentDescriptor.DATA_ALIGNMENT);
            assertEquals(Files.size(dir.pathOf("b")), info.totalSize());
            assertEquals(ProcessHandle.current().pid(), info.creatorPid());
            assertEquals(ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli(), info.creatorStartEpochMillis());
            assertEquals(info, dir.info("b"));
        }
        assertEquals(List.of(), SegmentDirectory.of(dir.path().resolve("missing")).list());
    }

    @Test
    void segmentsAreOwnerOnlyUnlessAskedOtherwise() throws Exception {
        try (var a = SharedLong.create(dir, "private");
             var b = SharedLong.create(dir.withPermissions(PosixFilePermissions.fromString("rw-rw----")), "group")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.pathOf("private"))));
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.pathOf("group"))));
        }
    }

    @Test
    void readOnlyAttachRefusesEveryWriteNamingTheSegment() {
        try (var rw = SharedLongArray.create(dir, "ro", 4); var ro = SharedLongArray.open(dir, "ro", Access.READ_ONLY)) {
            rw.set(1, 9);
            assertEquals(9, ro.get(1));
            assertTrue(ro.isReadOnly());
            var e = assertThrows(UnsupportedOperationException.class, () -> ro.set(0, 1));
            assertEquals("segment 'ro' is attached read-only; writes are not allowed", e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> ro.getAndAdd(0, 1));
            assertThrows(UnsupportedOperationException.class, () -> ro.compareAndSet(0, 0, 1));
            assertThrows(UnsupportedOperationException.class, () -> ro.setRelease(0, 1));
            assertThrows(UnsupportedOperationException.class, () -> ro.fill(3));
            assertThrows(UnsupportedOperationException.class, () -> ro.copyFrom(new long[] {1}, 0, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> ro.asSegment().set(ValueLayout.JAVA_LONG, 0, 1), "the raw view keeps FFM's own exception");
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> ro.asLongBuffer().put(0, 1));
            assertEquals(0, rw.get(0), "no write got through");
        }
        try (var rw = SharedStruct.create(dir, "p", StructsTest.Point.class); var ro = SharedStruct.open(dir, "p", StructsTest.Point.class, Access.READ_ONLY)) {
            assertThrows(UnsupportedOperationException.class, () -> ro.set(new StructsTest.Point(1, 2)));
            assertThrows(UnsupportedOperationException.class, () -> StructsTest.X.set(ro, 0, 1));
        }
    }

    @Test
    void toStringShowsNameLayoutAndAPreview() {
        try (var xs = SharedDoubleArray.create(dir, "xs", new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
             var v = SharedLong.create(dir, "v", 7);
             var s = SharedByteString.create(dir, "s", "hi".getBytes())) {
            assertEquals("SharedDoubleArray[xs, f64 x 10: 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, ... (2 more)]", xs.toString());
            assertEquals("SharedLong[v, i64: 7]", v.toString());
            assertEquals("SharedByteString[s, char x 2: b'hi']", s.toString());
        }
    }

    @Test
    void persistentDirectoryKeepsDataAcrossCloseAndReopen(@org.junit.jupiter.api.io.TempDir java.nio.file.Path disk) {
        SegmentDirectory persistent = SegmentDirectory.of(disk.resolve("nested/segments"));
        try (var xs = SharedIntArray.create(persistent, "kept", new int[] {1, 2, 3})) {
            xs.force();
        }
        try (var xs = SharedIntArray.open(persistent, "kept")) {
            assertEquals(List.of(1, 2, 3), java.util.Arrays.stream(xs.toArray()).boxed().toList());
        }
    }

    @Test
    void negativeAndOverflowingSizesAreRejectedBeforeAnythingIsCreated() {
        var e = assertThrows(IllegalArgumentException.class, () -> SharedLongArray.create(dir, "neg", -1));
        assertEquals("segment 'neg' cannot have negative length -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedLongArray.create(dir, "huge", Long.MAX_VALUE / 4));
        assertTrue(e.getMessage().startsWith("segment 'huge' is too large"), e.getMessage());
        var tooBig = assertThrows(SegmentException.class, () -> SharedLongArray.create(dir, "big", Long.MAX_VALUE / 16));
        assertTrue(tooBig.getMessage().contains("free"), tooBig.getMessage());
        assertEquals(List.of(), dir.list());
        assertFalse(dir.exists("neg") || dir.exists("huge") || dir.exists("big"));
    }

    @Test
    void openOrCreateRacingACreationNeverTakesItsTemporaryNameForAnExtraHardLink() throws Exception {
        // between a creation's link and the removal of its temporary name the file has two names; an
        // opener that saw two links and then found no temporary name refused it (4 in 12,000 here)
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.List<String> refused = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try {
            for (int n = 0; n < 2000; n++) {
                String name = "raced" + n;
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
                java.util.List<java.util.concurrent.Future<?>> racers = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    racers.add(pool.submit(() -> {
                        start.await();
                        try (SharedLong counter = SharedLong.openOrCreate(dir, name)) {
                            counter.incrementAndGet();
                        } catch (SegmentException e) {
                            refused.add(e.getMessage());
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> racer : racers) {
                    racer.get();
                }
                try (SharedLong counter = SharedLong.open(dir, name)) {
                    assertEquals(4, counter.get(), name);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(refused.isEmpty(), refused.size() + " refused, e.g. " + refused.stream().findFirst().orElse(""));
    }
}
