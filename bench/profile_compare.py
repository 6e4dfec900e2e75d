"""Profile: where the compare's time goes (issue 13 asks for it before any speed-up).

Measures, serially in this process, the pieces a ``corridors compare`` is made of:

* one full baseline year (each scenario's replications are such runs);
* the candidate routes of every flow and the LP bounds of every region (once per scenario);
* one capacity-search probe (a region's flows scaled, ``--search-days`` long), profiled with
  ``cProfile``: the functions with the most own time, and the share of SimPy's core, the
  engine's elements and the rest.

With ``--from`` a compare folder, it reads how many runs and probes that compare made
(``run.json``, ``capacity-before.json``, ``capacity-after.json``) and splits its work into
scenario runs and search probes in core-seconds, with the probe measured here as the unit.

Usage: .venv/bin/python bench/profile_compare.py [--from outputs/compare-...] [--search-days 100]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path

from corridors.bound import region_bounds
from corridors.scenario import load_scenario
from corridors.search import scaled_spec
from corridors.simulation import flow_routes, simulate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline-2023.yaml"


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def _groups(stats: pstats.Stats) -> dict[str, float]:
    """Own time per part of the code: SimPy core, the engine's elements, the engine's loop, the rest."""
    parts = {"simpy": 0.0, "elements_sim": 0.0, "engine/resources": 0.0, "other": 0.0}
    for (path, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if "simpy" in path:
            parts["simpy"] += tt
        elif path.endswith("elements_sim.py"):
            parts["elements_sim"] += tt
        elif path.endswith(("engine.py", "resources.py", "streams.py")):
            parts["engine/resources"] += tt
        else:
            parts["other"] += tt
    return parts


def _probe_counts(folder: Path) -> tuple[int, int, float]:
    """Scenario runs, probe runs and the probes' horizon (days) of a compare folder."""
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    reps = meta.get("replications") or 1
    probes, days = 0, 0.0
    for name in ("capacity-before.json", "capacity-after.json"):
        doc = json.loads((folder / name).read_text(encoding="utf-8"))
        days = doc["search"]["days"]
        for dirs in doc["regions"].values():
            for rec in dirs.values():
                probes += len(rec.get("probes") or []) * (rec.get("replications") or reps)
    return 2 * reps, probes, days


def main() -> None:
    """Measure and print the pieces of a compare (module docstring)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="folder", type=Path, default=None, help="a compare folder to split")
    ap.add_argument("--search-days", type=float, default=100.0)
    ap.add_argument("--region", default="Russia")
    ap.add_argument("--direction", default="outbound")
    ap.add_argument("--scale", type=float, default=2.0)
    args = ap.parse_args()
    spec = load_scenario(BASE)
    routes, t_routes = _timed(flow_routes, spec)
    _, t_lp = _timed(region_bounds, spec)
    res, t_year = _timed(simulate, spec, routes=routes)
    print(f"candidate routes of {len(spec.flows)} flows: {t_routes:.1f} s; LP bounds of every region: {t_lp:.1f} s")
    print(f"one baseline year ({spec.settings.days:g} days, {res.generated} trains): {t_year:.1f} s")
    warm = min(spec.settings.warmup_days, args.search_days / 3)
    probe_spec = scaled_spec(spec.with_settings(days=args.search_days, warmup_days=warm), args.region,
                             args.direction, args.scale)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    probe = simulate(probe_spec, routes=routes)
    prof.disable()
    t_probe = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    print(f"one probe ({args.region} {args.direction} x{args.scale:g}, {args.search_days:g} days, "
          f"{probe.generated} trains): {t_probe:.1f} s under the profiler")
    print("own time by part: " + ", ".join(f"{k} {v / total:.0%}" for k, v in _groups(stats).items()))
    print("functions with the most own time:")
    top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
    for (path, line, name), (_cc, nc, tt, ct, _callers) in top:
        print(f"  {tt / total:5.1%} own, {ct / total:5.1%} cumulative, {nc:>9,} calls  "
              f"{Path(path).name}:{line}({name})")
    if args.folder is not None:
        runs, probes, days = _probe_counts(args.folder)
        # the probe without the profiler costs about the year's cost per simulated day
        unit = t_year * days / spec.settings.days
        work_runs, work_probes = runs * t_year, probes * unit
        whole = work_runs + work_probes
        print(f"{args.folder.name}: {runs} scenario runs, {probes} probe runs of {days:g} days")
        print(f"  estimated core-seconds: runs {work_runs:.0f} ({work_runs / whole:.0%}), "
              f"probes {work_probes:.0f} ({work_probes / whole:.0%}) (probes at demand; loads above it cost more)")


if __name__ == "__main__":
    main()
