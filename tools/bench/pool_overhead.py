#!/usr/bin/env python3
"""Python's multiprocessing.Pool cost per task for a task that does nothing, measured the two
ways shm-bench's PoolTaskBenchmark measures shm-pool:

  round trip     pool.apply_async(f, (0,)).get(), one task at a time (latency)
  map, chunk 1   pool.map(f, range(1000), chunksize=1), per task (throughput)

Usage: python3 tools/bench/pool_overhead.py [workers=1,2] [seconds per round=2] [rounds=5]
Prints, per pool size, each round's microseconds per task and the mean with its 95% interval
(Student's t over the rounds), as JMH reports a score and its error."""
import math
import multiprocessing
import statistics
import sys
import time

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def f(x):
    return x


def rounds_of(run, seconds, rounds):
    run(seconds / 2)                        # warm-up, as JMH's warm-up iterations
    return [run(seconds) for _ in range(rounds)]


def report(name, per_task):
    mean = statistics.mean(per_task)
    err = T95.get(len(per_task) - 1, 2.0) * statistics.stdev(per_task) / math.sqrt(len(per_task)) if len(per_task) > 1 else float("nan")
    print("  %-14s %8.2f ± %.2f us/task   rounds: %s" % (name, mean, err, ", ".join("%.2f" % x for x in per_task)))


def main():
    workers = [int(w) for w in (sys.argv[1] if len(sys.argv) > 1 else "1,2").split(",")]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    print("Python %s, multiprocessing.Pool, start method %s" % (sys.version.split()[0], multiprocessing.get_start_method()))
    for n in workers:
        with multiprocessing.Pool(n) as pool:
            def round_trip(duration):
                count, end = 0, time.perf_counter() + duration
                start = time.perf_counter()
                while time.perf_counter() < end:
                    pool.apply_async(f, (0,)).get()
                    count += 1
                return (time.perf_counter() - start) * 1e6 / count

            def map_chunk_1(duration):
                count, end = 0, time.perf_counter() + duration
                start = time.perf_counter()
                while time.perf_counter() < end:
                    pool.map(f, range(1000), chunksize=1)
                    count += 1000
                return (time.perf_counter() - start) * 1e6 / count

            print("workers=%d" % n)
            report("round trip", rounds_of(round_trip, seconds, rounds))
            report("map, chunk 1", rounds_of(map_chunk_1, seconds, rounds))


if __name__ == "__main__":
    main()
