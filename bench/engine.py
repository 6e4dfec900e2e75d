"""Benchmark: a full simulated year of the shipped baseline.

Prints wall time, peak resident memory, SimPy events processed, the number of
resource cycles (a train taking, holding and releasing a block, a headway gate,
a border track or a ferry berth), and the ratio of the engine's cost per cycle
to a bare SimPy loop doing the same number of request-hold-release cycles on
plain ``simpy.Resource`` objects, measured in the same process (ratios are what
to compare on a shared, noisy machine).

Targets (issue 4): a full year under 60 s on a 2-core machine, peak memory
under 2 GB, ratio at most 2.

Usage: .venv/bin/python bench/engine.py [--days 365]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import simpy

from corridors.scenario import load_scenario
from corridors.simulation import Simulation
from corridors.simulation.elements_sim import SingleTrack

ROOT = Path(__file__).resolve().parents[1]


def bare_simpy(cycles: int, n_resources: int = 200, n_procs: int = 400) -> float:
    """Seconds for ``cycles`` request-hold-release cycles spread over processes and resources."""
    env = simpy.Environment()
    resources = [simpy.Resource(env, capacity=1) for _ in range(n_resources)]
    per_proc = cycles // n_procs

    def proc(k: int):
        for j in range(per_proc):
            with resources[(k + j) % n_resources].request() as req:
                yield req
                yield env.timeout(0.5)

    for k in range(n_procs):
        env.process(proc(k))
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=365.0)
    args = ap.parse_args()
    spec = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml").with_settings(days=args.days)
    sim = Simulation(spec, trace=True)
    t0 = time.perf_counter()
    res = sim.run()
    wall = time.perf_counter() - t0
    events = next(sim.env._eid)  # SimPy's event counter (private, fine for a benchmark)
    cycles = 0
    for _tid, lid, _fwd, _t0, _t1 in res.trace:
        el = sim.elements[lid]
        cycles += el.n_blocks if isinstance(el, SingleTrack) else 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bare = bare_simpy(cycles)
    print(f"baseline {args.days:g} days: {res.generated} trains, wall {wall:.1f} s (target < 60 s)")
    print(f"peak resident memory {peak_mb:.0f} MB (target < 2048 MB)")
    print(f"SimPy events processed {events:,}; resource cycles {cycles:,}")
    print(f"engine {wall / cycles * 1e6:.2f} us/cycle, bare SimPy {bare / cycles * 1e6:.2f} us/cycle, "
          f"ratio {wall / bare:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
