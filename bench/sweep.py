"""Benchmark: a 16-point sweep on one and on two Dask workers, and the cluster's cost per task.

The sweep is 16 runs of the shipped 2023 baseline (8 demand scales x 2 seeds,
one replication each, ``--days`` of simulated time each), run by
``corridors.sweep.run_sweep`` on a Dask ``LocalCluster`` of one worker and then
of two. Prints the wall time of each (the cluster's start included, and that
start measured alone), the speed-up from one worker to two (target: at least
1.8 on the 2-core machine, issue 13), whether both tables are byte-identical,
and the per-task overhead of the cluster: the round trip of an empty task
submitted alone (latency), and per task when 200 empty tasks are submitted at
once (throughput), beside the same for this machine's process pool. What two
processes can gain on this machine at all is measured in the same run (a
pure-Python loop in one process, then in two at once): on a shared machine the
sweep's speed-up is to be read against it.

Usage: .venv/bin/python bench/sweep.py [--days 90]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from corridors.sweep import read_sweep, run_sweep
from corridors.workers import executor

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline-2023.yaml"
SWEEP = """\
sweep: bench-16
base: {base}
kind: run
replications: 1
vary:
  demand_scale: [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3]
  settings:
    simulation.days: {days}
    simulation.warmup_days: 20
  seeds: [1, 2]
"""
#: Empty tasks submitted at once to measure the cluster's throughput.
EMPTY_TASKS = 200


def _nothing(i: int) -> int:
    """Return ``i``: an empty task."""
    return i


def _spin(n: int) -> float:
    """Return the seconds a pure-Python loop of ``n`` steps takes (CPU only, no memory traffic)."""
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t0


def machine_speedup(n: int = 20_000_000) -> float:
    """Return how much faster two processes do two loops than one process does them one after the other."""
    from concurrent.futures import ProcessPoolExecutor

    one = _spin(n)
    with ProcessPoolExecutor(2) as pool:
        pool.submit(_spin, 1).result()
        t0 = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        two = time.perf_counter() - t0
    return 2 * one / two


def per_task_overhead(workers: int, scheduler: str | None) -> tuple[float, float, float]:
    """Return the executor's start time, one empty task's round trip, and the time per task of a batch (seconds)."""
    t0 = time.perf_counter()
    with executor(workers, scheduler) as pool:
        start_s = time.perf_counter() - t0
        pool.submit(_nothing, 0).result()  # warm: the first task imports on the workers
        t1 = time.perf_counter()
        for i in range(20):
            pool.submit(_nothing, i).result()
        latency_s = (time.perf_counter() - t1) / 20
        t2 = time.perf_counter()
        futures = [pool.submit(_nothing, i) for i in range(EMPTY_TASKS)]
        assert [f.result() for f in futures] == list(range(EMPTY_TASKS))
        batch_s = (time.perf_counter() - t2) / EMPTY_TASKS
    return start_s, latency_s, batch_s


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=float, default=90.0, help="simulated days of each point (warm-up 20 included)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-16.yaml"
        path.write_text(SWEEP.format(base=BASE, days=args.days))
        sweep = read_sweep(path)
        print(f"sweep: {len(sweep.points)} runs of the 2023 baseline, {args.days:g} days each, 1 replication")
        walls, tables = {}, {}
        for n in (1, 2):
            out = Path(tmp) / f"w{n}"
            t0 = time.perf_counter()
            run_sweep(sweep, out, workers=n, scheduler="local")
            walls[n] = time.perf_counter() - t0
            tables[n] = (out / "sweep.csv").read_bytes() + (out / "sweep.parquet").read_bytes()
            print(f"  {n} Dask worker{'s' if n > 1 else ''}: {walls[n]:7.1f} s (cluster start included)")
    speedup = walls[1] / walls[2]
    machine = machine_speedup()
    print(f"speed-up 1 -> 2 workers: {speedup:.2f}x (target >= 1.8x on 2 cores: "
          f"{'met' if speedup >= 1.8 else 'NOT met'})")
    print(f"this machine's own speed-up, two processes against one (pure-Python loop, now): {machine:.2f}x; "
          f"the sweep reaches {speedup / machine:.0%} of it")
    print(f"tables identical on 1 and 2 workers: {tables[1] == tables[2]}")
    print("per-task overhead (empty task):     start     round trip    per task in a batch of "
          f"{EMPTY_TASKS}")
    for label, n, scheduler in (("Dask LocalCluster, 2 workers", 2, "local"), ("process pool, 2 workers", 2, None)):
        start_s, latency_s, batch_s = per_task_overhead(n, scheduler)
        print(f"  {label:30s} {start_s:7.2f} s  {latency_s * 1e3:8.2f} ms  {batch_s * 1e3:10.2f} ms")


if __name__ == "__main__":
    main()
