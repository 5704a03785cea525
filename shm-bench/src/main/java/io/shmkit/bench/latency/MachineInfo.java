package io.shmkit.bench.latency;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The machine as the latency report needs it: CPU topology from {@code lscpu} and sysfs, the
 * JDK, and the cost of {@code System.nanoTime()}. A two-process round trip on two vCPUs
 * behaves differently when they are two cores (each side spins on its own core) or two
 * hyperthreads of one core (the spinning sides share one core's pipeline), so the report
 * states which it is, as far as the guest can tell.
 */
public final class MachineInfo {
    /** The {@code lscpu} fields kept, by their English names. */
    static final List<String> LSCPU_FIELDS = List.of("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "Socket(s)", "Hypervisor vendor", "Virtualization type", "NUMA node(s)", "L3 cache");

    private MachineInfo() {}

    /** The CPU topology as one sentence (vCPUs, cores, threads per core, whether any are hyperthread siblings). */
    public static String topology() {
        Map<String, String> lscpu = lscpu();
        Integer threadsPerCore = integer(lscpu.get("Thread(s) per core"));
        return describe(Runtime.getRuntime().availableProcessors(), threadsPerCore, integer(lscpu.get("Core(s) per socket")),
                lscpu.get("Hypervisor vendor"), hyperthreadSiblings(threadsPerCore, threadSiblings()));
    }

    /** Everything above, as the JSON's {@code machine} object. */
    static Map<String, Object> collect() {
        Map<String, String> lscpu = lscpu();
        Map<String, Object> machine = new LinkedHashMap<>();
        Map<String, Object> kept = new LinkedHashMap<>();
        for (String field : LSCPU_FIELDS) {
            if (lscpu.containsKey(field)) {
                kept.put(field, lscpu.get(field));
            }
        }
        machine.put("lscpu", kept);
        int cpus = Runtime.getRuntime().availableProcessors();
        Integer threadsPerCore = integer(lscpu.get("Thread(s) per core"));
        List<String> siblings = threadSiblings();
        machine.put("modelName", lscpu.getOrDefault("Model name", cpuinfoModel()));
        machine.put("cpus", integer(lscpu.get("CPU(s)")) != null ? integer(lscpu.get("CPU(s)")) : cpus);
        machine.put("threadsPerCore", threadsPerCore);
        machine.put("coresPerSocket", integer(lscpu.get("Core(s) per socket")));
        machine.put("sockets", integer(lscpu.get("Socket(s)")));
        machine.put("hypervisor", lscpu.get("Hypervisor vendor"));
        machine.put("threadSiblings", siblings);
        Boolean smt = hyperthreadSiblings(threadsPerCore, siblings);
        machine.put("cpusAreHyperthreadSiblings", smt);
        machine.put("topology", describe(cpus, threadsPerCore, integer(lscpu.get("Core(s) per socket")),
                lscpu.get("Hypervisor vendor"), smt));
        machine.put("availableProcessors", cpus);
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("nanoTimeCostNs", nanoTimeCost());
        return machine;
    }

    /**
     * Whether the vCPUs this guest sees include hyperthread siblings: {@code lscpu}'s threads
     * per core above 1, or any sysfs {@code thread_siblings_list} naming more than one CPU.
     * Null when neither is known.
     */
    static Boolean hyperthreadSiblings(Integer threadsPerCore, List<String> siblings) {
        if (threadsPerCore != null && threadsPerCore > 1) {
            return true;
        }
        for (String list : siblings) {
            if (list.contains(",") || list.contains("-")) {
                return true;
            }
        }
        return threadsPerCore == null && siblings.isEmpty() ? null : false;
    }

    static String describe(int cpus, Integer threadsPerCore, Integer coresPerSocket, String hypervisor, Boolean smt) {
        StringBuilder s = new StringBuilder().append(cpus).append(hypervisor != null ? " vCPUs" : " CPUs");
        if (threadsPerCore != null && coresPerSocket != null) {
            s.append(": ").append(coresPerSocket).append(" core(s) per socket × ").append(threadsPerCore)
             .append(" thread(s) per core");
        }
        if (smt == null) {
            s.append("; whether they are hyperthreads of one core is unknown");
        } else if (smt) {
            s.append("; some are hyperthread siblings of one core, so the two processes of a round trip may share a core");
        } else {
            s.append("; no two are hyperthreads of one core");
        }
        if (hypervisor != null) {
            s.append(", as this ").append(hypervisor).append(" guest sees it (the host may still back the vCPUs with "
                    + "sibling hyperthreads, and steal time shows when it runs something else on them)");
        }
        return s.toString();
    }

    /** {@code lscpu}'s "Field: value" lines, in the C locale; empty if it cannot run. */
    static Map<String, String> lscpu() {
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            ProcessBuilder pb = new ProcessBuilder("lscpu").redirectErrorStream(true);
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fields;
            }
            fields.putAll(parseLscpu(out));
        } catch (IOException e) {
            // no lscpu here: the topology falls back to sysfs
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fields;
    }

    static Map<String, String> parseLscpu(String out) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** Each CPU's {@code thread_siblings_list} from sysfs ("0", "1" on two cores; "0-1" twice on one core). */
    static List<String> threadSiblings() {
        List<String> lists = new ArrayList<>();
        for (int cpu = 0; ; cpu++) {
            Path file = Path.of("/sys/devices/system/cpu/cpu" + cpu + "/topology/thread_siblings_list");
            if (!Files.isReadable(file)) {
                return lists;
            }
            try {
                lists.add(Files.readString(file).trim());
            } catch (IOException e) {
                return lists;
            }
        }
    }

    private static String cpuinfoModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown CPU";
    }

    private static Integer integer(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Nanoseconds per {@code System.nanoTime()} call, the best of a few batches once warm:
     * each recorded round trip includes about one call's worth of it.
     */
    static double nanoTimeCost() {
        double best = Double.MAX_VALUE;
        for (int batch = 0; batch < 20; batch++) {
            int calls = 200_000;
            long start = System.nanoTime();
            long last = start;
            for (int i = 0; i < calls; i++) {
                last = System.nanoTime(); // the last call's value ends the batch, so none is dead code
            }
            best = Math.min(best, (double) (last - start) / calls);
        }
        return Math.round(best * 10) / 10.0;
    }
}
