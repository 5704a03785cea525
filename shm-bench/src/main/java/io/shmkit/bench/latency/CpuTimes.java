package io.shmkit.bench.latency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine-wide CPU time counters of the {@code cpu} line of {@code /proc/stat}, in clock
 * ticks (usually 10 ms), to measure steal: time the hypervisor ran something else while this
 * guest's vCPUs wanted to run. On a shared VM a round trip can stall for a whole steal period
 * without either process doing anything wrong; the report shows how much of that there was.
 * And how busy the guest's vCPUs were ({@link #busyPercent}), with whatever ran on them.
 *
 * @param steal the {@code steal} column
 * @param total user + nice + system + idle + iowait + irq + softirq + steal (guest time is
 *              already counted in user and nice, so it is not added again)
 * @param idle  idle + iowait: the vCPUs had nothing to run
 */
public record CpuTimes(long steal, long total, long idle) {
    /** Counters without the idle ones (their {@link #busyPercent} is meaningless). */
    public CpuTimes(long steal, long total) {
        this(steal, total, 0);
    }

    private static final Path STAT = Path.of("/proc/stat");

    /** Now, or null where there is no {@code /proc/stat} (not Linux) or it has no steal column. */
    public static CpuTimes now() {
        try {
            for (String line : Files.readAllLines(STAT)) {
                if (line.startsWith("cpu ")) {
                    return parse(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: steal is unknown
        }
        return null;
    }

    /** Parses the aggregate {@code cpu} line; null if it lacks the steal column (kernels before 2.6.11). */
    static CpuTimes parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (f.length < 9) {
            return null;
        }
        long total = 0;
        for (int i = 1; i <= 8; i++) {
            total += Long.parseLong(f[i]);
        }
        return new CpuTimes(Long.parseLong(f[8]), total, Long.parseLong(f[4]) + Long.parseLong(f[5]));
    }

    /**
     * Steal between {@code start} and {@code end} as a percentage of all CPU time of the
     * machine (every vCPU) that elapsed in between; NaN when unknown or no tick elapsed.
     */
    public static double stealPercent(CpuTimes start, CpuTimes end) {
        if (start == null || end == null || end.total <= start.total) {
            return Double.NaN;
        }
        return 100.0 * (end.steal - start.steal) / (end.total - start.total);
    }

    /**
     * The share of all CPU time of the machine (every vCPU) between {@code start} and
     * {@code end} in which a vCPU ran something, this process or any other, neither idle nor
     * stolen, in %; NaN when unknown or no tick elapsed. On 2 vCPUs one busy thread is 50%.
     */
    public static double busyPercent(CpuTimes start, CpuTimes end) {
        if (start == null || end == null || end.total <= start.total) {
            return Double.NaN;
        }
        long busy = (end.total - start.total) - (end.idle - start.idle) - (end.steal - start.steal);
        return 100.0 * busy / (end.total - start.total);
    }
}
