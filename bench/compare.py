"""Benchmark: the full `corridors compare` of the shipped baseline and build-out.

Prints wall time and the ratio of
compare time to one baseline simulation measured in the same run (the ratio is
what to track on a shared, noisy machine). Target (issue 5): under 3 minutes
on a 2-core machine using both cores.

Usage: .venv/bin/python bench/compare.py [--workers 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from corridors.cli import main
from corridors.scenario import load_scenario
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline-2023.yaml"
ALT = ROOT / "scenarios" / "buildout-1300km.yaml"


def main_() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    spec = load_scenario(BASE)
    t0 = time.perf_counter()
    res = simulate(spec)
    one_run = time.perf_counter() - t0
    print(f"one baseline run ({spec.settings.days:g} days, {res.generated} trains): {one_run:.1f} s")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        r = CliRunner().invoke(main, ["compare", str(BASE), str(ALT), "--out", d, "--workers", str(args.workers),
                                      "--rounds", str(args.rounds)], catch_exceptions=False)
        wall = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    print(f"compare wall time: {wall:.1f} s (target < 180 s) with {args.workers} worker processes")
    print(f"compare / one run: {wall / one_run:.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the main process: {peak:.0f} MB")


if __name__ == "__main__":
    main_()
