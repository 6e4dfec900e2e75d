"""Benchmark: the full `corridors compare` of the shipped baseline and build-out, with replications.

Prints the wall time of the compare at the default replications, the ratio of
that time to one baseline simulation measured in the same run (the ratio is
what to track on a shared, noisy machine), what the replications cost (with
``--single``: the same compare with one replication, and the ratio of the two),
and what common random numbers saved: for every region and direction, the
paired 95 % interval of the practical capacity's change against the unpaired
one (``sqrt(h_before^2 + h_after^2)`` of the two sides' half-widths), which is
what independent seeds on the two sides would give. Targets at the default
replications on a 2-core machine: under 3 minutes (issue 10), under 90 s (issue 13).

Usage: .venv/bin/python bench/compare.py [--workers 2] [--replications N] [--single]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from corridors import REGIONS
from corridors.cli import main
from corridors.scenario import load_scenario
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline-2023.yaml"
ALT = ROOT / "scenarios" / "buildout-1300km.yaml"


def compare(workers: int, replications: int | None, out: Path) -> float:
    """Run the compare into ``out``; return its wall time in seconds."""
    args = ["compare", str(BASE), str(ALT), "--out", str(out), "--workers", str(workers)]
    if replications:
        args += ["--replications", str(replications)]
    t0 = time.perf_counter()
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    wall = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    return wall


def pairing_gain(folder: Path) -> None:
    """Print paired against unpaired interval half-widths of each practical-capacity change."""
    doc = json.loads((folder / "comparison.json").read_text())
    print("practical capacity change, Mt/yr: paired 95 % half-width vs unpaired (independent seeds)")
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = doc["regions"][r][d]
            b, a, ci = k["before"]["simulated_ci_mt"], k["after"]["simulated_ci_mt"], k["simulated_change_ci_mt"]
            if not (b and a and ci):
                continue
            unpaired = math.hypot((b[1] - b[0]) / 2, (a[1] - a[0]) / 2)
            paired = (ci[1] - ci[0]) / 2
            print(f"  {r:>10} {d:<8} change {k['simulated_change_mt']:+7.2f}  paired ±{paired:5.2f}  "
                  f"unpaired ±{unpaired:5.2f}  ({paired / unpaired:.0%} of it)" if unpaired else "")


def runs_made(folder: Path) -> None:
    """Print how many search runs the compare made (the run at demand counted once per scenario and replication)."""
    for side in ("before", "after"):
        doc = json.loads((folder / f"capacity-{side}.json").read_text())
        reps = doc["search"]["replications"]
        loads = [p["scale"] for r in doc["regions"].values() for k in r.values() for p in (k.get("probes") or [])]
        private = sum(1 for x in loads if x != 1.0)
        print(f"  {side}: {len(loads)} loads over the searches, {private} of their own and one shared at demand: "
              f"{(private + (private < len(loads))) * reps} runs of {doc['search']['days']:g} days")


def main_() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replications", type=int, default=None, help="default: the scenarios' own")
    ap.add_argument("--single", action="store_true", help="also run the compare with one replication")
    args = ap.parse_args()
    spec = load_scenario(BASE)
    t0 = time.perf_counter()
    res = simulate(spec.with_settings(replications=1))
    one_run = time.perf_counter() - t0
    reps = args.replications or spec.settings.replications
    print(f"one baseline run ({spec.settings.days:g} days, {res.generated} trains): {one_run:.1f} s")
    with tempfile.TemporaryDirectory() as d:
        wall = compare(args.workers, args.replications, Path(d) / "cmp")
        print(f"compare wall time with {reps} replications: {wall:.1f} s (targets: < 180 s issue 10, "
              f"< 90 s issue 13), "
              f"{args.workers} worker processes")
        print(f"compare / one run: {wall / one_run:.1f}x")
        print("search runs:")
        runs_made(Path(d) / "cmp")
        pairing_gain(Path(d) / "cmp")
        if args.single:
            single = compare(args.workers, 1, Path(d) / "one")
            print(f"compare with 1 replication: {single:.1f} s; {reps} replications cost {wall / single:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the main process: {peak:.0f} MB")


if __name__ == "__main__":
    main_()
