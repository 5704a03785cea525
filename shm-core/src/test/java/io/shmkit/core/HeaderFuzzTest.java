package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of valid segment files of every kind (bit flips, byte and field
 * changes, truncation and extension, with the checksum recomputed and without), each opened as
 * its own kind and as every other kind, read-write and read-only. Every open must either
 * succeed with accessors that stay inside the file, or throw a documented
 * {@link SegmentException}; never another exception, a crash or a hang; and the file must be
 * byte for byte what it was. {@code -Dshmkit.fuzz.cases=N} sets the number of mutated files
 * (400, a few seconds; the stress profile runs 50,000, {@code -Dshmkit.fuzz.stress.cases=N});
 * {@code -Dshmkit.fuzz.seed=S} replays a run.
 */
class HeaderFuzzTest extends SegmentTestSupport {
    record Point(double x, double y) {
    }

    record Line(Point from, int tag, Point to, @Length(3) String name) {
    }

    private static final Map<String, BiFunction<SegmentDirectory, String, SharedObject>> CREATORS = new LinkedHashMap<>();
    private static final Map<String, Opener> OPENERS = new LinkedHashMap<>();

    @FunctionalInterface
    interface Opener {
        SharedObject open(SegmentDirectory dir, String name, Access access);
    }

    static {
        CREATORS.put("value", (d, n) -> SharedLong.create(d, n, 42));
        CREATORS.put("array", (d, n) -> SharedDoubleArray.create(d, n, new double[] {1, 2, 3, 4, 5}));
        CREATORS.put("string", (d, n) -> SharedByteString.create(d, n, "hello".getBytes()));
        CREATORS.put("struct", (d, n) -> SharedStruct.create(d, n, Point.class, new Point(1, 2)));
        CREATORS.put("structs", (d, n) -> SharedStructArray.create(d, n, Line.class,
                List.of(new Line(new Point(1, 2), 3, new Point(4, 5), "ab"), new Line(new Point(6, 7), 8, new Point(9, 0), "xyz"))));
        CREATORS.put("bytes", (d, n) -> SharedMemory.create(d, n, 100));
        OPENERS.put("value", SharedLong::open);
        OPENERS.put("int", SharedInt::open);
        OPENERS.put("array", SharedDoubleArray::open);
        OPENERS.put("bools", SharedBooleanArray::open);
        OPENERS.put("string", SharedByteString::open);
        OPENERS.put("struct", (d, n, a) -> SharedStruct.open(d, n, Point.class, a));
        OPENERS.put("structs", (d, n, a) -> SharedStructArray.open(d, n, Line.class, a));
        OPENERS.put("points", (d, n, a) -> SharedStructArray.open(d, n, Point.class, a));
        OPENERS.put("bytes", SharedMemory::open);
    }

    @Test
    void mutatedHeadersAreRefusedCleanlyOrOpenSafelyAndAreNeverModified() throws Exception {
        fuzz(Integer.getInteger("shmkit.fuzz.cases", 400));
    }

    /** The same, many more cases: {@code ./mvnw -B -Pstress verify}. */
    @Test
    @org.junit.jupiter.api.Tag("stress")
    void manyMutatedHeaders() throws Exception {
        fuzz(Integer.getInteger("shmkit.fuzz.stress.cases", 50_000));
    }

    private void fuzz(int cases) throws Exception {
        long seed = Long.getLong("shmkit.fuzz.seed", System.nanoTime());
        System.out.println("HeaderFuzzTest: " + cases + " cases, -Dshmkit.fuzz.seed=" + seed);
        Random random = new Random(seed);
        List<byte[]> originals = new ArrayList<>();
        for (var creator : CREATORS.entrySet()) {
            creator.getValue().apply(dir, "base-" + creator.getKey()).close();
            originals.add(Files.readAllBytes(dir.pathOf("base-" + creator.getKey())));
        }
        int opened = 0;
        int refused = 0;
        for (int i = 0; i < cases; i++) {
            byte[] file = mutate(originals.get(random.nextInt(originals.size())), random);
            String name = "f" + i;
            Path path = dir.pathOf(name);
            Files.write(path, file);
            String replay = "case " + i + " of -Dshmkit.fuzz.seed=" + seed;
            int[] counts = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> openEveryWay(name, replay), replay);
            opened += counts[0];
            refused += counts[1];
            assertArrayEquals(file, Files.readAllBytes(path), "the file was modified: " + replay);
            Files.delete(path);
        }
        System.out.println("HeaderFuzzTest: " + opened + " opens succeeded, " + refused + " refused with a SegmentException");
        assertTrue(opened > 0 && refused > 0, "the mutations never produced both outcomes: opened " + opened + ", refused " + refused);
    }

    private int[] openEveryWay(String name, String replay) {
        int opened = 0;
        int refused = 0;
        try {
            SegmentInfo info = dir.info(name);
            assertTrue(info.dataOffset() + info.dataSize() == info.totalSize(), replay);
        } catch (SegmentException expected) {
            refused++;
        }
        for (var opener : OPENERS.entrySet()) {
            for (Access access : Access.values()) {
                SharedObject object;
                try {
                    object = opener.getValue().open(dir, name, access);
                } catch (SegmentException expected) {
                    refused++;
                    continue;
                } catch (Throwable t) {
                    throw new AssertionError("opening as " + opener.getKey() + " " + access + " threw " + t + ": " + replay, t);
                }
                try (object) {
                    exercise(object);
                    opened++;
                } catch (Throwable t) {
                    throw new AssertionError("using what opened as " + opener.getKey() + " threw " + t + ": " + replay, t);
                }
            }
        }
        return new int[] {opened, refused};
    }

    /** Reads the first and last element and the whole rendering: must stay inside the mapping. */
    private static void exercise(SharedObject object) {
        long fileSize = object.info().totalSize();
        assertTrue(object.info().dataOffset() + object.asSegment().byteSize() <= fileSize);
        String shown = object.toString();
        assertTrue(shown.startsWith(object.getClass().getSimpleName()), shown);
        switch (object) {
            case SharedArray array when array.length() > 0 -> {
                object.asSegment().get(ValueLayout.JAVA_BYTE, object.asSegment().byteSize() - 1);
                if (array instanceof SharedDoubleArray d) {
                    d.get(0);
                    d.get(d.length() - 1);
                }
            }
            case SharedStructArray<?> structs when structs.length() > 0 -> {
                structs.get(0);
                structs.get(structs.length() - 1);
            }
            case SharedStruct<?> struct -> struct.get();
            default -> {
            }
        }
        object.lockArea().get(ValueLayout.JAVA_LONG, 0);
    }

    /** One random change; the checksum recomputed half the time, so that deeper checks are reached. */
    static byte[] mutate(byte[] original, Random random) {
        byte[] out = original.clone();
        int headerEnd = Math.min(out.length, SegmentDescriptor.LAYOUT_OFFSET + 64);
        switch (random.nextInt(7)) {
            case 0 -> {
                int at = random.nextInt(headerEnd);
                out[at] ^= (byte) (1 << random.nextInt(8));
            }
            case 1 -> out[random.nextInt(headerEnd)] = (byte) random.nextInt(256);
            case 2 -> {
                int[] fields = {SegmentDescriptor.TOTAL_SIZE_OFFSET, SegmentDescriptor.DATA_OFFSET_OFFSET,
                        SegmentDescriptor.DATA_SIZE_OFFSET, SegmentDescriptor.ELEMENT_COUNT_OFFSET, SegmentDescriptor.ELEMENT_SIZE_OFFSET};
                long[] values = {0, 1, -1, -2, Long.MAX_VALUE, Long.MIN_VALUE, 8, 16, 40, 64, 1L << 32, random.nextLong(),
                        out.length, out.length - SegmentDescriptor.LAYOUT_OFFSET};
                ByteBuffer.wrap(out).order(ByteOrder.nativeOrder()).putLong(fields[random.nextInt(fields.length)],
                        values[random.nextInt(values.length)]);
            }
            case 3 -> {
                int[] fields = {SegmentDescriptor.ELEMENT_ALIGNMENT_OFFSET, SegmentDescriptor.LAYOUT_LENGTH_OFFSET,
                        SegmentDescriptor.BYTE_ORDER_MARK_OFFSET};
                int[] values = {0, 1, -1, 2, 3, 8, 64, 1 << 16, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt()};
                ByteBuffer.wrap(out).order(ByteOrder.nativeOrder()).putInt(fields[random.nextInt(fields.length)],
                        values[random.nextInt(values.length)]);
            }
            case 4 -> {
                int layoutLength = ByteBuffer.wrap(out).order(ByteOrder.nativeOrder()).getInt(SegmentDescriptor.LAYOUT_LENGTH_OFFSET);
                int at = SegmentDescriptor.LAYOUT_OFFSET + random.nextInt(Math.max(1, Math.min(layoutLength, 64)));
                byte[] interesting = {'{', '}', '[', ']', '@', '#', ',', ':', '0', '9', 0, (byte) 0xff, (byte) 0xc3, 'f', 'i'};
                out[at] = interesting[random.nextInt(interesting.length)];
            }
            case 5 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
            default -> {
                byte[] longer = java.util.Arrays.copyOf(out, out.length + 1 + random.nextInt(4096));
                for (int i = out.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                out = longer;
            }
        }
        if (random.nextBoolean() && out.length >= SegmentDescriptor.LAYOUT_OFFSET) {
            fixChecksum(out);
        }
        return out;
    }

    static void fixChecksum(byte[] all) {
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
        int layoutLength = b.getInt(SegmentDescriptor.LAYOUT_LENGTH_OFFSET);
        if (layoutLength < 0 || SegmentDescriptor.LAYOUT_OFFSET + (long) layoutLength > all.length) {
            return;
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(all, 0, SegmentDescriptor.CHECKSUM_OFFSET);
        crc.update(all, SegmentDescriptor.CHECKSUM_OFFSET + 4, SegmentDescriptor.CHECKSUMMED_END - SegmentDescriptor.CHECKSUM_OFFSET - 4);
        crc.update(all, SegmentDescriptor.LAYOUT_OFFSET, layoutLength);
        b.putInt(SegmentDescriptor.CHECKSUM_OFFSET, (int) crc.getValue());
    }

    static void poke(Path p, int offset, long value) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value), offset);
        }
    }

    static void pokeByte(Path p, int offset, byte value) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {value}), offset);
        }
    }
}
