"""Benchmark: a full simulated year of the shipped baseline.

Prints wall time, peak resident memory, SimPy events processed, the number of
resource cycles (a train taking, holding and releasing a block, a headway gate,
a border track or a ferry berth), and the ratio of the engine's cost per cycle
to a bare SimPy loop doing the same number of request-hold-release cycles on
plain ``simpy.Resource`` objects, measured in the same process (ratios are what
to compare on a shared, noisy machine).

Targets (issue 4): a full year under 60 s on a 2-core machine, peak memory
under 2 GB, ratio at most 2.

The year is run twice: untraced (what every command but ``run --trace`` does;
the targets are for it) and traced (``Simulation(trace=True)``: the passages of
``run --trace``; its result also gives the cycle count). With ``--untraced-only``
the cycles are counted from the untraced run's train records instead (the legs
of each train's route it finished; within a per cent).

Usage: .venv/bin/python bench/engine.py [--days 365] [--untraced-only]
"""

from __future__ import annotations

import argparse
import itertools
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


def _timed(spec, trace: bool):
    sim = Simulation(spec, trace=trace)
    t0 = time.perf_counter()
    res = sim.run()
    return sim, res, time.perf_counter() - t0


def _cycles_traced(sim, res) -> int:
    """Resource cycles of a traced run: blocks of every single-track pass, one per other link pass."""
    cycles = 0
    for _tid, lid, _fwd, _t0, _t1 in res.trace:
        el = sim.elements[lid]
        cycles += el.n_blocks if isinstance(el, SingleTrack) else 1
    return cycles


def _cycles_from_trains(sim, res) -> int:
    """Resource cycles counted from the routes of the trains' records (legs not finished left out, roughly)."""
    cycles = 0
    for t in res.trains:
        if not t.route:
            continue
        nodes = t.route.split(">")
        legs = list(itertools.pairwise(nodes))
        if t.status != "delivered":  # stopped on the way: count the legs before the element it is on
            stop = next((k for k, (a, b) in enumerate(legs) if t.where in (a, b)), len(legs))
            legs = legs[:stop]
        for a, b in legs:
            for el in sim.elements.values():
                if {a, b} == set(el.link.ends):
                    cycles += el.n_blocks if isinstance(el, SingleTrack) else 1
                    break
    return cycles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=365.0)
    ap.add_argument("--untraced-only", action="store_true", help="skip the traced run")
    args = ap.parse_args()
    spec = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml").with_settings(days=args.days)
    sim, res, wall = _timed(spec, trace=False)
    events = next(sim.env._eid)  # SimPy's event counter (private, fine for a benchmark)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.untraced_only:
        cycles = _cycles_from_trains(sim, res)
        traced = None
    else:
        del sim, res
        traced = _timed(spec, trace=True)
        cycles = _cycles_traced(traced[0], traced[1])
        res = traced[1]
    bare = bare_simpy(cycles)
    print(f"baseline {args.days:g} days: {res.generated} trains, untraced wall {wall:.1f} s (target < 60 s)")
    print(f"peak resident memory, untraced {peak_mb:.0f} MB (target < 2048 MB)")
    print(f"SimPy events processed {events:,}; resource cycles {cycles:,}")
    print(f"untraced: engine {wall / cycles * 1e6:.2f} us/cycle, bare SimPy {bare / cycles * 1e6:.2f} us/cycle, "
          f"ratio {wall / bare:.2f} (target <= 2)")
    if traced is not None:
        t_wall = traced[2]
        t_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        n_pass = len(getattr(traced[1], "passages", ()))
        print(f"traced: wall {t_wall:.1f} s, ratio {t_wall / bare:.2f}, {n_pass:,} passages, "
              f"peak resident memory {t_peak:.0f} MB")


if __name__ == "__main__":
    main()
