package io.shmkit.cli;

import io.shmkit.core.SegmentDirectory;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code shm watch NAME...}: refreshes in place, like {@code top}, on a terminal; prints one line
 * per segment per refresh otherwise. Shows the first values, a queue's depth and the messages
 * consumed per second, a lock's holder and the take-overs.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Refresh values, queue depth and rates, and lock holders, like top.")
final class Watch implements Callable<Integer> {
    @Mixin
    Shm.Common common;
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "PT1S", description = "refresh period (default ${DEFAULT-VALUE})")
    Duration interval;
    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "stop after N refreshes (default: never)")
    int count;
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "segment names")
    List<String> names;

    @Override
    public Integer call() throws InterruptedException {
        SegmentDirectory dir = common.directory();
        names.forEach(Shm::name);
        if (count < 0) {
            throw new IllegalArgumentException("--count must be 0 (forever) or more, not " + count);
        }
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("--interval must be at least 10 ms, not " + interval);
        }
        boolean anyFailed = false;
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null && !common.json;
        Map<String, long[]> last = new LinkedHashMap<>();
        for (int i = 0; count == 0 || i < count; i++) {
            if (i > 0) {
                Thread.sleep(interval);
            }
            if (terminal) {
                out.print("\033[H\033[2J");
                out.println("shm watch  " + dir.path() + "  " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  every " + interval);
            }
            boolean allFailed = true;
            for (String n : names) {
                Map<String, Object> line = sample(dir, n, last, interval);
                allFailed &= line.containsKey("error");
                out.println(common.json ? Json.write(line) : Shm.printable(text(line)));
            }
            anyFailed = allFailed;
            out.flush();
        }
        return anyFailed ? Shm.FAILED : 0; // every segment of the last refresh could not be read
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> sample(SegmentDirectory dir, String name, Map<String, long[]> last, Duration interval) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("name", name);
        Map<String, Object> m;
        try {
            m = Inspect.inspectSafely(dir, name);
        } catch (RuntimeException e) {
            line.put("error", e.getMessage());
            return line;
        }
        line.put("kind", m.get("kind"));
        if (m.get("queue") instanceof Map<?, ?> q) {
            long head = (Long) q.get("head");
            long now = System.nanoTime();
            long[] before = last.put(name, new long[] {head, now});
            line.put("depthMessages", q.get("depthMessages"));
            line.put("depthBytes", q.get("depthBytes"));
            line.put("consumedBytesPerSecond", before == null || head < before[0] ? null // none yet, or the queue was made anew
                    : (long) ((head - before[0]) * 1e9 / Math.max(1, now - before[1])));
            line.put("consumer", q.get("consumer"));
        }
        if (m.get("preview") instanceof List<?> p && !p.isEmpty()) {
            line.put("first", p.getFirst());
        }
        Map<String, Object> lock = (Map<String, Object>) (m.containsKey("lock") ? m.get("lock") : m.get("builtInLock"));
        if (lock != null) {
            line.put("lock", lock);
        }
        return line;
    }

    private static String text(Map<String, Object> line) {
        StringBuilder sb = new StringBuilder();
        line.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "  ").append(k).append('=').append(v));
        return sb.toString();
    }
}
