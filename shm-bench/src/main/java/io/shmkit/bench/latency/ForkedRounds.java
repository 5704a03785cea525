package io.shmkit.bench.latency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the harnesses of this package ({@link LatencyHarness}, {@link WakeHarness}) share: rounds
 * of runs, each in JVMs of its own, every name once per round, forward in odd rounds and
 * backward in even ones so that drift on a noisy machine hits every name alike; and the frame of
 * their JSON file: format, date, elapsed time, the machine ({@link MachineInfo}) with the steal
 * time of the whole harness, the settings, the runs and the series.
 */
final class ForkedRounds {
    /** One run: {@code name} in {@code round}, the {@code order}-th run of the harness (from 1). */
    interface Fork<R> {
        R run(String name, int round, int order);
    }

    private ForkedRounds() {}

    /**
     * Runs every name of {@code names} in each of {@code rounds} rounds, printing each run's
     * {@code summary} as it ends, and writes {@code json} (directories created).
     *
     * @param runJson each run's entry of {@code runs}
     * @param series  the {@code series} entries, from all the runs
     * @return {@code json}
     */
    static <R> Path run(Path json, String format, Map<String, Object> settings, int rounds, List<String> names, Fork<R> fork,
                        Function<R, String> summary, Function<R, Map<String, Object>> runJson,
                        Function<List<R>, List<Map<String, Object>>> series) throws IOException {
        if (json.toAbsolutePath().getParent() != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
        }
        Instant began = Instant.now();
        Map<String, Object> machine = MachineInfo.collect();
        CpuTimes cpuStart = CpuTimes.now();
        long start = System.nanoTime();
        List<R> runs = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<String> order = new ArrayList<>(names);
            if (round % 2 == 0) {
                Collections.reverse(order);
            }
            for (String name : order) {
                R run = fork.run(name, round, runs.size() + 1);
                runs.add(run);
                System.out.println(summary.apply(run));
            }
        }
        machine.put("stealPercent", CpuTimes.stealPercent(cpuStart, CpuTimes.now()));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", format);
        root.put("date", began.toString());
        root.put("elapsedSeconds", (System.nanoTime() - start) / 1e9);
        root.put("machine", machine);
        root.put("settings", settings);
        root.put("runs", runs.stream().map(runJson).toList());
        root.put("series", series.apply(List.copyOf(runs)));
        Files.writeString(json, JsonText.write(root));
        return json;
    }
}
