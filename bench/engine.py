"""Benchmark: simulation engine throughput on the shipped baseline.

Prints simulated trains per wall-second and train-days per wall-second for one
baseline run, and the same on a pure single-track line (the engine's hot
path), so that a change to the engine can be judged by ratios measured in the
same run on a noisy, shared machine.

Usage: .venv/bin/python bench/engine.py [--days 120]
"""

from __future__ import annotations

import argparse
import sys
import time
import resource
from pathlib import Path

from corridors.scenario import load_scenario
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import flow, make_network, make_spec, node, rail  # noqa: E402


def timed(spec):
    t0 = time.perf_counter()
    res = simulate(spec)
    return res, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=120.0)
    args = ap.parse_args()
    spec = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml").with_settings(days=args.days, warmup_days=20)
    res, wall = timed(spec)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline {args.days:g} days: {res.generated} trains in {wall:.1f} s "
          f"= {res.generated / wall:.0f} trains/s, {res.generated * args.days / wall:.0f} train-days/s, "
          f"peak resident memory {peak_mb:.0f} MB")
    net = make_network([node("a", 70.0), node("b", 75.0)], [rail("ab", "a", "b", 500.0, loop_spacing_km=20.0)])
    line = make_spec(net, [flow("e", "a", "b", trains_per_year=8 * 365), flow("w", "b", "a", trains_per_year=8 * 365)],
                     days=args.days)
    res2, wall2 = timed(line)
    blocks = res2.delivered * 25
    print(f"single track 500 km / 25 blocks: {res2.generated} trains in {wall2:.1f} s = {blocks / wall2:.0f} "
          f"block passages/s")
    print(f"ratio baseline trains/s to single-track block passages/s: {(res.generated / wall) / (blocks / wall2):.4f}")


if __name__ == "__main__":
    main()
