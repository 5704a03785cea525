package io.shmkit.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.shmkit.core.ProcessLiveness;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentInfo;
import io.shmkit.core.SegmentKind;
import io.shmkit.core.SharedMemory;
import io.shmkit.msg.Broadcast;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueStatus;
import io.shmkit.sync.LockDescriptor;
import io.shmkit.sync.LockHolder;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code shm inspect NAME}: every header field, the layout as ctypes would declare it, a preview
 * of the values, the locks (the built-in one, or the lock of a lock segment) with their
 * holders' liveness, and a queue's positions and roles. Reads only: the segment is attached
 * read-only (a queue read-write, taking no role and writing nothing).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a segment's header, layout, values, locks and queue state.")
final class Inspect implements Callable<Integer> {
    private static final Map<String, String> CTYPES = Map.ofEntries(Map.entry("f64", "c_double"), Map.entry("f32", "c_float"),
            Map.entry("i64", "c_int64"), Map.entry("i32", "c_int32"), Map.entry("i16", "c_int16"), Map.entry("i8", "c_int8"),
            Map.entry("u16", "c_uint16"), Map.entry("u8", "c_uint8"), Map.entry("bool", "c_bool"), Map.entry("char", "c_char"));
    private static final List<String> LOCK_STATES = List.of("MutexState", "ReentrantLockState", "ReadWriteLockState",
            "SemaphoreState", "SeqLockState");
    static final int PREVIEW = 3;

    @Mixin
    Shm.Common common;
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "segment name")
    String name;

    @Override
    public Integer call() {
        SegmentDirectory dir = common.directory();
        Map<String, Object> report = inspectSafely(dir, Shm.name(name));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.write(report));
        } else {
            print(out, report, "");
        }
        return 0;
    }

    /**
     * {@link #inspect}, with a segment truncated while it is read (the JDK turns the SIGBUS into
     * an {@link InternalError}) reported as such.
     */
    static Map<String, Object> inspectSafely(SegmentDirectory dir, String name) {
        try {
            return inspect(dir, name);
        } catch (InternalError e) {
            throw new IllegalStateException("segment '" + name + "' was truncated or replaced while it was being read", e);
        }
    }

    static Map<String, Object> inspect(SegmentDirectory dir, String name) {
        SegmentInfo info = dir.info(name);
        Scan.Entry entry = Scan.entry(dir, name, Scan.mappers(dir.path()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("path", info.path().toString());
        m.put("kind", info.kind().name());
        m.put("layout", info.layout());
        m.put("ctypes", ctypes(info));
        m.put("elements", info.elementCount());
        m.put("elementSize", info.elementSize());
        m.put("elementAlignment", info.elementAlignment());
        m.put("dataOffset", info.dataOffset());
        m.put("dataSize", info.dataSize());
        m.put("fileSize", info.totalSize());
        m.put("created", info.createdAt().toString());
        m.put("creatorPid", info.creatorPid());
        m.put("creatorAlive", info.creator().liveness().name());
        m.put("creator", info.creator().describe());
        m.put("instanceId", String.format("%016x", info.instanceId()));
        m.put("mappedBy", List.copyOf(entry.mappedBy()));
        // pids and start times in lock words mean processes of the creator's pid namespace and boot only
        boolean sameView = info.creator().sameHostView(io.shmkit.core.ProcessIdentity.current());
        if (info.kind() == SegmentKind.QUEUE) {
            m.put("queue", queue(MessageQueue.inspect(dir, name)));
            return m;
        }
        if (info.kind() == SegmentKind.BROADCAST) {
            try (Broadcast b = Broadcast.openReadOnly(dir, name)) {
                Map<String, Object> cast = new LinkedHashMap<>();
                cast.put("capacity", b.capacity());
                cast.put("maxMessage", b.maxMessageLength());
                cast.put("position", b.position());
                cast.put("transmitter", b.transmitterHolder().map(Inspect::holder).orElse(null));
                cast.put("transmitterGone", b.isTransmitterGone());
                m.put("broadcast", cast); // how far each receiver lags or was lapped is its own, not in the segment
            }
            return m;
        }
        try (SharedMemory memory = SharedMemory.openReadOnlyView(dir, name)) {
            MemorySegment data = memory.asSegment();
            if (info.kind() != SegmentKind.BROADCAST) {
                m.put("preview", preview(info, data));
            }
            m.put("builtInLock", lock(memory.lockArea(), 0, sameView));
            String state = info.layout().contains("{") ? info.layout().substring(0, info.layout().indexOf('{')) : "";
            if (info.kind() == SegmentKind.STRUCT && LOCK_STATES.contains(state)) {
                Map<String, Object> lock = new LinkedHashMap<>();
                lock.put("type", state);
                lock.putAll(lock(data, 0, sameView)); // a lock segment: its owner block starts the data
                if (state.equals("ReadWriteLockState") || state.equals("SemaphoreState")) {
                    lock.put(state.equals("SemaphoreState") ? "holders" : "readers",
                            slots(data, LockDescriptor.SLOTS_OFFSET, LockDescriptor.SLOT_COUNT, sameView));
                }
                m.put("lock", lock);
            }
        }
        return m;
    }

    /** A top-level field of a struct layout: its type text ({@code f64}, {@code f64[4]}, {@code {...}#n}) and offset. */
    record Field(String name, String type, long offset) {
        boolean isScalar() {
            return CTYPES.containsKey(type);
        }

        /** The ctypes type: a scalar, {@code T * n} for an array of scalars; null for a nested struct. */
        String ctype() {
            if (isScalar()) {
                return CTYPES.get(type);
            }
            Matcher a = ARRAY.matcher(type);
            return a.matches() && CTYPES.containsKey(a.group(1)) ? CTYPES.get(a.group(1)) + " * " + a.group(2) : null;
        }
    }

    private static final Pattern ARRAY = Pattern.compile("([a-z]+[0-9]*)\\[(\\d+)]");

    /** The top-level fields of a struct layout text, splitting at commas outside nested braces and brackets. */
    static List<Field> fields(String layout) {
        int open = layout.indexOf('{');
        int close = layout.lastIndexOf('}');
        List<Field> out = new ArrayList<>();
        if (open < 0 || close < open) {
            return out;
        }
        String body = layout.substring(open + 1, close);
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ',';
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String part = body.substring(start, i);
                int colon = part.indexOf(':');
                int at = part.lastIndexOf('@');
                if (colon > 0 && at > colon) {
                    try {
                        out.add(new Field(part.substring(0, colon), part.substring(colon + 1, at), Long.parseLong(part.substring(at + 1))));
                    } catch (NumberFormatException ignored) {
                        // not a field this tool understands: shown in the layout line
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** The layout as ctypes would declare it, or what cannot be declared here. */
    static String ctypes(SegmentInfo info) {
        String layout = info.layout();
        String element;
        int brace = layout.indexOf('{');
        if (brace > 0) {
            List<String> decl = new ArrayList<>();
            List<Field> fields = fields(layout);
            for (Field f : fields) {
                decl.add(f.ctype() == null ? null : "('" + f.name() + "', " + f.ctype() + ")");
            }
            if (decl.contains(null) || fields.isEmpty()) {
                element = "(nested struct fields: declare from the layout line, or use python/shmkit.py's ctypes())";
            } else {
                element = "class " + layout.substring(0, brace) + "(Structure): _fields_ = [" + String.join(", ", decl) + "]";
            }
        } else {
            element = CTYPES.getOrDefault(layout, layout);
        }
        return switch (info.kind()) {
            case ARRAY, STRUCT_ARRAY -> element + (brace > 0 ? "\n" + layout.substring(0, brace) : "") + " * " + info.elementCount();
            case BYTES -> "c_uint8 * " + info.dataSize();
            default -> element;
        };
    }

    /** The first and last elements: scalars as numbers, structs by top-level scalar field. */
    static List<Object> preview(SegmentInfo info, MemorySegment data) {
        List<Object> out = new ArrayList<>();
        long n = info.kind() == SegmentKind.BYTES ? Math.min(info.dataSize(), 16) : info.elementCount();
        if (info.kind() == SegmentKind.BYTES) {
            StringBuilder hex = new StringBuilder();
            for (long i = 0; i < n; i++) {
                hex.append(String.format("%02x ", data.get(JAVA_BYTE, i)));
            }
            out.add(hex.toString().trim() + (info.dataSize() > n ? " ..." : ""));
            return out;
        }
        if (info.layout().equals("char")) {
            byte[] bytes = data.asSlice(0, Math.min(info.dataSize(), 200)).toArray(JAVA_BYTE);
            int end = 0;
            while (end < bytes.length && bytes[end] != 0) {
                end++;
            }
            out.add(new String(bytes, 0, end, java.nio.charset.StandardCharsets.UTF_8) + (end == bytes.length && info.dataSize() > end ? "..." : ""));
            return out;
        }
        for (long i = 0; i < n; i++) {
            if (i == PREVIEW && n > 2L * PREVIEW) {
                out.add("... " + (n - 2L * PREVIEW) + " more");
                i = n - PREVIEW;
            }
            long base = i * info.elementSize();
            if (info.layout().contains("{")) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("index", i);
                for (Field f : fields(info.layout())) {
                    record.put(f.name(), f.isScalar() ? scalar(data, base + f.offset(), f.type()) : "(" + f.type() + ")");
                }
                out.add(record);
            } else {
                out.add(scalar(data, base, info.layout()));
            }
        }
        return out;
    }

    private static Object scalar(MemorySegment data, long at, String code) {
        return switch (code) {
            case "f64" -> data.get(JAVA_DOUBLE, at);
            case "f32" -> data.get(JAVA_FLOAT, at);
            case "i64" -> data.get(JAVA_LONG, at);
            case "i32" -> data.get(JAVA_INT, at);
            case "i16" -> data.get(JAVA_SHORT, at);
            case "u16" -> (int) data.get(JAVA_SHORT, at) & 0xFFFF;
            case "i8" -> data.get(JAVA_BYTE, at);
            case "u8" -> data.get(JAVA_BYTE, at) & 0xFF;
            case "bool" -> data.get(JAVA_BYTE, at) != 0;
            default -> "(" + code + ")";
        };
    }

    /** An owner block at {@code offset} of {@code s}, decoded, with the holder's liveness read from /proc. */
    static Map<String, Object> lock(MemorySegment s, long offset, boolean sameView) {
        long owner = s.get(JAVA_LONG, offset + LockDescriptor.OWNER_OFFSET);
        long holder = s.get(JAVA_LONG, offset + LockDescriptor.THREAD_OFFSET);
        int flags = s.get(JAVA_INT, offset + LockDescriptor.FLAGS_OFFSET);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("held", owner != 0);
        if (owner != 0) {
            long pid = (owner >>> 32) & 0x7FFF_FFFFL;
            long tag = owner & 0xFFFF_FFFFL;
            long ticks = ProcessLiveness.startTicks(pid);
            String alive = !sameView || ticks == ProcessLiveness.UNKNOWN ? "UNKNOWN"
                    : ticks != ProcessLiveness.DEAD && (ticks & 0xFFFF_FFFFL) == tag ? "ALIVE" : "DEAD";
            m.put("holderPid", pid);
            m.put("holderThread", holder & 0xFFFF_FFFFL);
            m.put("holderAlive", alive);
            m.put("holds", s.get(JAVA_INT, offset + LockDescriptor.HOLDS_OFFSET));
            m.put("takingOver", owner < 0);
        }
        m.put("consistent", (flags & LockDescriptor.FLAG_INCONSISTENT) == 0);
        m.put("recoveries", s.get(JAVA_INT, offset + LockDescriptor.RECOVERIES_OFFSET));
        m.put("lastDeadPid", s.get(JAVA_INT, offset + LockDescriptor.DEAD_PID_OFFSET));
        return m;
    }

    /**
     * The used slots of a slot array (docs/locks.md §2: {@code pid << 32 | tag16 << 16 | count}),
     * each with its process's liveness.
     */
    static List<Object> slots(MemorySegment s, long offset, int count, boolean sameView) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long word = s.get(JAVA_LONG, offset + 8L * i);
            if (word == 0) {
                continue;
            }
            long pid = (word >>> 32) & 0x7FFF_FFFFL;
            long ticks = ProcessLiveness.startTicks(pid);
            Map<String, Object> slot = new LinkedHashMap<>();
            slot.put("slot", i);
            slot.put("pid", pid);
            slot.put("holds", word & 0xFFFF);
            slot.put("alive", !sameView || ticks == ProcessLiveness.UNKNOWN ? "UNKNOWN"
                    : ticks != ProcessLiveness.DEAD && (ticks & 0xFFFF) == ((word >>> 16) & 0xFFFF) ? "ALIVE" : "DEAD");
            out.add(slot);
        }
        return out;
    }

    static Map<String, Object> queue(QueueStatus q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("producers", q.producers());
        m.put("capacity", q.capacity());
        m.put("maxMessage", q.maxMessage());
        m.put("recordLayout", q.recordLayout());
        m.put("head", q.head());
        m.put("tail", q.tail());
        m.put("depthBytes", q.depthBytes());
        m.put("depthMessages", q.depthMessages());
        m.put("unblocked", q.unblocked());
        m.put("claimTakeovers", q.claimTakeovers());
        m.put("consumer", q.consumer().map(Inspect::holder).orElse(null));
        m.put("producerHolders", q.producerList().stream().map(Inspect::holder).toList());
        m.put("endOfStream", q.endOfStream());
        return m;
    }

    private static Map<String, Object> holder(LockHolder h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", h.pid());
        m.put("alive", h.alive());
        m.put("holds", h.holds());
        return m;
    }

    /** Indented text: maps as "key  value" lines, lists one item per line. */
    @SuppressWarnings("unchecked")
    static void print(PrintWriter out, Map<String, Object> m, String indent) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> sub) {
                out.println(indent + e.getKey() + ":");
                print(out, (Map<String, Object>) sub, indent + "  ");
            } else if (v instanceof List<?> list && !list.isEmpty() && !(list.getFirst() instanceof Long)) {
                out.println(indent + e.getKey() + ":");
                for (Object item : list) {
                    out.println(indent + "  " + Shm.printable(String.valueOf(item)));
                }
            } else {
                String text = Shm.printable(String.valueOf(v)).replace("\\x0a", "\n");
                out.printf("%s%-18s %s%n", indent, e.getKey(), text.replace("\n", "\n" + indent + " ".repeat(19)));
            }
        }
    }
}
