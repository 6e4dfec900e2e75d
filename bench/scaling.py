"""Benchmark: how the engine's cost grows with the network and the demand (issue 13, item 5).

Synthetic networks: ``lines`` parallel single-track lines of ``sections`` sections
each (100 km, loops every 20 km, 60 km/h), from a western origin per line to a
border crossing into China (two handling tracks, 3 h log-normal dwell), one flow
per line each way. Nodes grow with ``lines x sections``; trains with the lines and
the demand multiple. Each point runs in a fresh process (its own peak memory).

The work of a run is its trains times the blocks and crossings on their routes
(resource cycles); the fitted exponent of wall time against that work says how
cost grows: 1 means linear. The demand sweep goes past the border's capacity,
where queues grow long: there a queue whose every operation is not O(log n) shows
as an exponent above 1 (SimPy's ``PriorityResource`` sorts its whole waiting list at
every request; the engine's borders use a heap).

Usage: .venv/bin/python bench/scaling.py [--full] [--days 60]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

#: Network sizes: (lines, sections per line); nodes are about lines x (sections + 1).
SIZES = [(2, 5), (5, 10), (10, 20), (20, 25)]
SIZES_FULL = [*SIZES, (50, 40), (100, 100)]
#: Demand multiples at the middle size; 1x is 4 trains/day each way per line (border about 30 % busy).
DEMANDS = [1, 2, 4, 8, 16]
BASE_TRAINS_PER_DAY = 4.0


def _spec(lines: int, sections: int, demand: float, days: float):
    from corridors.model import DEFAULT_CARGO, Flow, Operations, RunSpec, SimSettings
    from corridors.network import BorderCrossing, Network, Node, RailSection

    nodes, links, flows = {}, {}, []
    nodes["cn"] = Node(id="cn", name="China", country="CN", node_type="station", gauge_mm=1435, region="China",
                       source="synthetic", lon=80.0, lat=45.0)
    t_per_train = DEFAULT_CARGO["general"].net_t_per_train
    for i in range(lines):
        lat = 40.0 + 10.0 * i / max(lines, 1)
        ids = [f"l{i}n{j}" for j in range(sections + 1)]
        for j, nid in enumerate(ids):
            nodes[nid] = Node(id=nid, name=nid, country="KZ", node_type="station", gauge_mm=1520, region=None,
                              source="synthetic", lon=50.0 + 25.0 * j / sections, lat=lat)
        for j in range(sections):
            lid = f"l{i}s{j}"
            links[lid] = RailSection(id=lid, name=lid, from_node=ids[j], to_node=ids[j + 1], length_km=100.0,
                                     status="existing", opening_year=2000, source="synthetic", country="KZ",
                                     tracks=1, loop_spacing_km=20.0, headway_min=None, speed_kmh=60.0,
                                     electrified=False, gauge_mm=1520)
        links[f"l{i}b"] = BorderCrossing(id=f"l{i}b", name=f"l{i}b", from_node=ids[-1], to_node="cn",
                                         length_km=1.0, status="existing", opening_year=2000, source="synthetic",
                                         countries="KZ-CN", gauge_change=True, handling_tracks=2, dwell_h=3.0,
                                         dwell_cv=0.3, handling_trains_per_day=16.0,
                                         exchange_limit_trains_per_day=None)
        per_year = BASE_TRAINS_PER_DAY * demand * 365
        for fid, o, d, kw in ((f"x{i}", ids[0], "China", {"destination_region": "China"}),
                              (f"y{i}", "China", ids[0], {"origin_region": "China"})):
            flows.append(Flow(id=fid, origin=o, destination=d, cargo="general", trains_per_year=per_year,
                              tonnes_per_year=per_year * t_per_train, **kw))
    net = Network(name="synthetic", version="bench", as_of="bench", nodes=nodes, links=links)
    return RunSpec(name=f"synthetic-{lines}x{sections}-{demand:g}", network=net, flows=tuple(flows),
                   cargo=dict(DEFAULT_CARGO), operations=Operations(maintenance_h=0.0),
                   settings=SimSettings(days=days, warmup_days=min(10.0, days / 3), seed=1))


def _one(lines: int, sections: int, demand: float, days: float) -> dict:
    """Run one point here; return its figures (called in a child process)."""
    import resource

    from corridors.simulation import simulate

    spec = _spec(lines, sections, demand, days)
    t0 = time.perf_counter()
    res = simulate(spec)
    wall = time.perf_counter() - t0
    blocks_per_route = sections * 5 + 1  # 100 km at loops every 20 km: five blocks; plus the border
    return {"nodes": len(spec.network.nodes), "trains": res.generated, "in_network_end": res.in_network,
            "work": res.generated * blocks_per_route, "wall_s": wall,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run(lines: int, sections: int, demand: float, days: float) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r}); "
            f"import scaling; print(json.dumps(scaling._one({lines}, {sections}, {demand}, {days})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _exponent(points: list[dict]) -> float:
    """Least-squares slope of log(wall) against log(work)."""
    xs = [math.log(p["work"]) for p in points]
    ys = [math.log(p["wall_s"]) for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also 50x40 and 100x100 lines x sections (~10,000 nodes)")
    ap.add_argument("--days", type=float, default=60.0)
    args = ap.parse_args()
    print(f"size sweep at {BASE_TRAINS_PER_DAY:g} trains/day each way per line, {args.days:g} days")
    print(f"{'lines x sections':>17} {'nodes':>7} {'trains':>8} {'work':>11} {'wall s':>8} {'us/cycle':>9} {'peak MB':>8}")
    sized = []
    for lines, sections in SIZES_FULL if args.full else SIZES:
        p = _run(lines, sections, 1.0, args.days)
        sized.append(p)
        print(f"{lines:>8} x {sections:<6} {p['nodes']:>7,} {p['trains']:>8,} {p['work']:>11,} {p['wall_s']:>8.2f} "
              f"{1e6 * p['wall_s'] / p['work']:>9.2f} {p['peak_mb']:>8.0f}")
    print(f"fitted exponent of wall time against work (size sweep): {_exponent(sized):.2f} (1 = linear)")
    lines, sections = SIZES[2]
    print(f"\ndemand sweep on {lines} x {sections} (the border saturates near 2x: queues grow without bound)")
    print(f"{'demand':>7} {'trains':>8} {'left queued':>11} {'wall s':>8} {'us/cycle':>9} {'peak MB':>8}")
    loaded = []
    for m in DEMANDS:
        p = _run(lines, sections, float(m), args.days)
        loaded.append(p)
        print(f"{m:>6}x {p['trains']:>8,} {p['in_network_end']:>11,} {p['wall_s']:>8.2f} "
              f"{1e6 * p['wall_s'] / p['work']:>9.2f} {p['peak_mb']:>8.0f}")
    print(f"fitted exponent of wall time against work (demand sweep): {_exponent(loaded):.2f} (1 = linear)")
    top = loaded[-1]
    per_train_kb = 1024 * (top["peak_mb"] - loaded[0]["peak_mb"]) / max(top["trains"] - loaded[0]["trains"], 1)
    print(f"memory: about {per_train_kb:.1f} kB more per train generated; a demand 100x the shipped baseline's "
          f"(~2.7 million trains a year) would need about {per_train_kb * 2.7e6 / 1024 ** 2:.1f} GB for one year")


if __name__ == "__main__":
    main()
