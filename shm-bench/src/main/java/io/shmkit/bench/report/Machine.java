package io.shmkit.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of this machine for the report: CPU model, topology, memory, OS. */
public final class Machine {
    private Machine() {}

    public static String describe() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: keep "unknown CPU"
        }
        long memory = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = Long.parseLong(line.replaceAll("[^0-9]", "")) / (1024 * 1024);
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep -1
        }
        return cpu + ", " + io.shmkit.bench.latency.MachineInfo.topology()
                + (memory > 0 ? ", " + memory + " GiB" : "") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version");
    }
}
