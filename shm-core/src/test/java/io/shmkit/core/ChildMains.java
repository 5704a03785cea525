package io.shmkit.core;

import java.nio.file.Path;
import java.util.List;

/**
 * Entry points run in child JVMs by {@link MultiProcessTest}. Each takes the segment directory as
 * its first argument, reports through its exit code (0 = checks passed) and prints what it saw.
 */
final class ChildMains {
    private ChildMains() {
    }

    static SegmentDirectory dir(String[] args) {
        return SegmentDirectory.of(Path.of(args[0]));
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("CHECK FAILED: " + what);
            System.exit(1);
        }
    }

    /** Writes a value, an array and a struct array that the parent then reads. */
    static final class Writer {
        public static void main(String[] args) {
            SegmentDirectory dir = dir(args);
            try (SharedDouble v = SharedDouble.create(dir, "child-value", 2.75);
                 SharedIntArray xs = SharedIntArray.create(dir, "child-array", new int[] {3, 1, 4, 1, 5});
                 SharedStructArray<StructsTest.Point> ps = SharedStructArray.create(dir, "child-points", StructsTest.Point.class,
                         List.of(new StructsTest.Point(1, -6), new StructsTest.Point(-5, 2)))) {
                System.out.println("wrote " + v + " " + xs + " " + ps);
            }
        }
    }

    /** Reads what the parent wrote, checks it, then changes it for the parent to see. */
    static final class ReaderWriter {
        public static void main(String[] args) {
            SegmentDirectory dir = dir(args);
            try (SharedLong v = SharedLong.open(dir, "parent-value");
                 SharedDoubleArray xs = SharedDoubleArray.open(dir, "parent-array");
                 SharedStructArray<StructsTest.Point> ps = SharedStructArray.open(dir, "parent-points", StructsTest.Point.class);
                 SharedByteString s = SharedByteString.open(dir, "parent-string")) {
                check(v.getVolatile() == 123456789012L, "value " + v);
                check(xs.length() == 3 && xs.get(0) == 0.5 && xs.get(2) == 2.5, "array " + xs);
                check(ps.get(2).equals(new StructsTest.Point(2, 9)), "points " + ps);
                check(s.valueAsString().equals("hello world"), "string " + s);
                v.addAndGet(1);
                xs.set(1, -1.0);
                StructField.OfDouble x = StructField.ofDouble(StructsTest.Point.class, "x");
                for (long i = 0; i < ps.length(); i++) {
                    x.set(ps, i, x.get(ps, i) * x.get(ps, i));
                }
                s.setValue("bye");
                System.out.println("child saw and changed " + v + " " + xs + " " + ps + " " + s);
            }
        }
    }

    /** args: dir, name, increments. CAS-increments a shared long, retrying on contention. */
    static final class CasIncrementer {
        public static void main(String[] args) {
            try (SharedLong counter = SharedLong.open(dir(args), args[1])) {
                long n = Long.parseLong(args[2]);
                long retries = 0;
                for (long k = 0; k < n; k++) {
                    long seen;
                    do {
                        seen = counter.getVolatile();
                        retries++;
                    } while (!counter.compareAndSet(seen, seen + 1));
                }
                System.out.println("done, " + (retries - n) + " CAS retries");
            }
        }
    }

    /**
     * args: dir, name, start-flag name. Waits for the parent's start flag so that all children
     * race, then openOrCreate + increment; prints whether it attached or created.
     */
    static final class RacingOpenOrCreate {
        public static void main(String[] args) {
            SegmentDirectory dir = dir(args);
            try (SharedInt start = SharedInt.open(dir, args[2])) {
                start.incrementAndGet();                 // ready
                while (start.getVolatile() < 100) {      // the parent releases everyone at once
                    Thread.onSpinWait();
                }
            }
            try (SharedLong counter = SharedLong.openOrCreate(dir, args[1])) {
                counter.incrementAndGet();
                System.out.println(counter.info().creatorPid() == ProcessHandle.current().pid() ? "created" : "attached");
            }
        }
    }

    /** Attaches to a Point array as Point3: must fail; prints the message and exits 3. */
    static final class WrongLayout {
        public static void main(String[] args) {
            try (var ignored = SharedStructArray.open(dir(args), "points", StructsTest.Point3.class)) {
                System.out.println("attached, which is wrong");
                System.exit(1);
            } catch (SegmentLayoutException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }

    /** Attaches, then waits for the parent to unlink the name, then writes through its mapping. */
    static final class OutlivesUnlink {
        public static void main(String[] args) throws InterruptedException {
            SegmentDirectory dir = dir(args);
            try (SharedLong flag = SharedLong.open(dir, "flag")) {
                flag.setVolatile(1);                         // attached
                while (flag.getVolatile() != 2) {            // parent unlinked the name
                    Thread.onSpinWait();
                }
                check(!dir.exists("flag"), "name still exists");
                flag.setVolatile(3);                         // still shared with the parent
            }
        }
    }

    /** Exits with the code given, after printing to both streams. */
    static final class Exit {
        public static void main(String[] args) {
            System.out.println("out:" + String.join(",", args));
            System.err.println("err");
            System.exit(Integer.parseInt(args[0]));
        }
    }

    /** Sleeps forever, for kill and timeout tests. */
    static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("sleeping");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Creates segment {@code args[1]} with permissions {@code args[2]}, then an owner-only segment "owner". */
    static final class Creator {
        public static void main(String[] args) {
            SegmentDirectory dir = dir(args);
            SharedLong.create(dir.withPermissions(java.nio.file.attribute.PosixFilePermissions.fromString(args[2])), args[1]).close();
            SharedLong.create(dir, "owner").close();
            System.out.println("created " + args[1] + " and owner");
        }
    }

    /** Creates a segment in {@code args[0]} and exits, leaving its header naming a dead creator. */
    static final class CreateAndExit {
        public static void main(String[] args) {
            SharedLongArray.create(dir(args), args[1], 4).close();
        }
    }

    /**
     * On a 1 MiB tmpfs at {@code args[0]}: two 768 KiB segments with reservation, of which the
     * second must fail cleanly; then two without, of which filling the second fails with the
     * InternalError that reservation exists to avoid. Prints what happened.
     */
    static final class Reserve {
        public static void main(String[] args) throws Exception {
            SegmentDirectory dir = dir(args).reservingSpace();
            SharedMemory first = SharedMemory.create(dir, "r1", 768 * 1024);
            try {
                SharedMemory.create(dir, "r2", 768 * 1024).close();
                check(false, "a second reservation of 768 KiB succeeded on a 1 MiB file system");
            } catch (SegmentException e) {
                check(e.getMessage().contains("No space left"), "the failure does not say why: " + e.getMessage());
                System.out.println("RESERVE REFUSED: " + e.getMessage());
            }
            try (var files = java.nio.file.Files.list(dir.path())) {
                check(files.map(f -> f.getFileName().toString()).toList().equals(List.of("r1")), "a temporary file was left");
            }
            first.asSegment().fill((byte) 1); // reserved: every page is backed
            first.close();
            check(dir.unlink("r1"), "r1 was not removed");
            SegmentDirectory sparse = dir(args);
            try (SharedMemory a = SharedMemory.create(sparse, "s1", 768 * 1024);
                 SharedMemory b = SharedMemory.create(sparse, "s2", 768 * 1024)) {
                a.asSegment().fill((byte) 1);
                try {
                    b.asSegment().fill((byte) 1);
                    check(false, "filled 1.5 MiB on a 1 MiB file system");
                } catch (InternalError e) {
                    System.out.println("SPARSE FILL: " + e);
                }
            }
        }
    }
}
