"""Capacity per region and before/after comparison of two scenarios.

``capacity.json`` (contract)::

    {"scenario": str, "regions": {R: {"inbound": C, "outbound": C}}}
    C = {"bound_mt", "simulated_mt", "precision_mt", "bottlenecks": [{"id", "kind", "utilisation"}],
         ... more: demand_mt, bound_trains_per_day, binding (the LP cut), note}

``comparison.json`` (contract)::

    {"base": str, "alt": str, "regions": {R: {"inbound": K, "outbound": K}}}
    K = {"before": C', "after": C', ...}, C' = C + {"delivered_mt", "transit_days_mean"}

All numbers come from the LP bound (:mod:`corridors.bound`), the capacity
search (:mod:`corridors.search`) and the runs' summaries; nothing is typed in.
"""

from __future__ import annotations

from concurrent.futures import Executor

from corridors import REGIONS, __version__
from corridors.bound import Bound, region_bounds
from corridors.model import RunSpec
from corridors.search import SimulatedCapacity, bottlenecks_at, search_many

DIRECTIONS = ("inbound", "outbound")


def _r(x, nd=3):
    return None if x is None else round(float(x), nd) + 0.0  # + 0.0: no "-0.0" in files


def capacity_record(spec: RunSpec, b: Bound, sc: SimulatedCapacity) -> dict:
    """The record C of ``capacity.json`` for one region and direction."""
    return {
        "demand_mt": _r(b.demand_mt),
        "bound_mt": _r(b.bound_mt),
        "bound_trains_per_day": _r(b.bound_trains_per_day, 2),
        "bound_uniform_mt": _r(b.uniform_mt),
        "simulated_mt": _r(sc.simulated_mt),
        "precision_mt": _r(sc.precision_mt),
        "simulated_scale": _r(sc.scale, 4),
        "bottlenecks": bottlenecks_at(sc, spec),
        "binding": [{k: e[k] for k in ("id", "kind", "direction", "utilisation")} for e in b.binding],
        "others_served_share": _r(b.others_served_share, 4),
        "probes": [{"scale": _r(p.scale, 4), "mt": _r(p.scale * b.demand_mt), "stable": p.stable, "why": p.reason}
                   for p in sorted(sc.probes, key=lambda p: p.scale)],
        "note": "; ".join(x for x in (b.note, sc.note) if x),
    }


def assess_many(
    specs: list[RunSpec], *, executor: Executor | None = None, rounds: int = 2,
    days: float | None = None, warmup_days: float | None = None,
) -> list[dict]:
    """``capacity.json`` documents for several scenarios, searched in lock-step."""
    all_bounds = [region_bounds(s) for s in specs]
    items = [(s, bs[r][d]) for s, bs in zip(specs, all_bounds) for r in REGIONS for d in DIRECTIONS]
    found = iter(search_many(items, rounds=rounds, executor=executor, days=days, warmup_days=warmup_days))
    docs = []
    for s, bs in zip(specs, all_bounds):
        regions = {r: {} for r in REGIONS}
        for r in REGIONS:
            for d in DIRECTIONS:
                regions[r][d] = capacity_record(s, bs[r][d], next(found))
        docs.append({
            "scenario": s.name, "seed": s.settings.seed, "version": __version__,
            "search": {"rounds": rounds, "days": days or s.settings.days,
                       "warmup_days": warmup_days if warmup_days is not None else s.settings.warmup_days,
                       "tolerance": 0.05},
            "regions": regions,
        })
    return docs


def capacity_rows(doc: dict) -> list[dict]:
    """``capacity.csv``: one row per region and direction."""
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            c = doc["regions"][r][d]
            rows.append({
                "scenario": doc["scenario"], "region": r, "direction": d, "demand_mt": c["demand_mt"],
                "bound_mt": c["bound_mt"], "bound_trains_per_day": c["bound_trains_per_day"],
                "simulated_mt": c["simulated_mt"], "precision_mt": c["precision_mt"],
                "binding": " ".join(e["id"] for e in c["binding"]),
                "bottlenecks": " ".join(f"{e['id']}:{e['utilisation']:.2f}" for e in c["bottlenecks"]),
                "note": c["note"],
            })
    return rows


def _change(a, b):
    if a is None or b is None:
        return None, None
    return _r(b - a), (_r((b - a) / a, 4) if a else None)


def compare_docs(base_cap: dict, alt_cap: dict, base_sum: dict, alt_sum: dict) -> dict:
    """``comparison.json`` from two capacity documents and two run summaries."""
    regions = {}
    for r in REGIONS:
        regions[r] = {}
        for d in DIRECTIONS:
            before = dict(base_cap["regions"][r][d])
            after = dict(alt_cap["regions"][r][d])
            for rec, summ in ((before, base_sum), (after, alt_sum)):
                rec["delivered_mt"] = summ["regions"][r][d]["delivered_mt"]
                rec["transit_days_mean"] = summ["regions"][r][d]["transit_days_mean"]
            bound_abs, bound_rel = _change(before["bound_mt"], after["bound_mt"])
            sim_abs, sim_rel = _change(before["simulated_mt"], after["simulated_mt"])
            regions[r][d] = {
                "before": before, "after": after,
                "bound_change_mt": bound_abs, "bound_change_rel": bound_rel,
                "simulated_change_mt": sim_abs, "simulated_change_rel": sim_rel,
                "bottleneck_before": _top(before), "bottleneck_after": _top(after),
            }
    return {"base": base_cap["scenario"], "alt": alt_cap["scenario"], "version": __version__, "regions": regions}


def _top(rec: dict) -> str | None:
    """The limiting element: the LP cut's first element, else the busiest simulated element."""
    if rec["binding"]:
        return rec["binding"][0]["id"]
    if rec["bottlenecks"]:
        return rec["bottlenecks"][0]["id"]
    return None


def comparison_rows(doc: dict) -> list[dict]:
    """``comparison.csv``: one row per region and direction."""
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            k = doc["regions"][r][d]
            b, a = k["before"], k["after"]
            rows.append({
                "region": r, "direction": d,
                "bound_before_mt": b["bound_mt"], "bound_after_mt": a["bound_mt"],
                "bound_change_mt": k["bound_change_mt"], "bound_change_rel": k["bound_change_rel"],
                "simulated_before_mt": b["simulated_mt"], "simulated_after_mt": a["simulated_mt"],
                "precision_before_mt": b["precision_mt"], "precision_after_mt": a["precision_mt"],
                "simulated_change_mt": k["simulated_change_mt"], "simulated_change_rel": k["simulated_change_rel"],
                "delivered_before_mt": b["delivered_mt"], "delivered_after_mt": a["delivered_mt"],
                "transit_days_before": b["transit_days_mean"], "transit_days_after": a["transit_days_mean"],
                "bottleneck_before": k["bottleneck_before"], "bottleneck_after": k["bottleneck_after"],
            })
    return rows


def attribution_rows(base_cap: dict, project_caps: dict[str, dict], alt_cap: dict) -> list[dict]:
    """Each project alone against the base: its change in bound and simulated capacity.

    ``project_caps`` maps a project (overlay) name to the capacity document of
    base + that overlay. The last column sets the sum of single-project
    changes against the combined change, which shows interactions.
    """
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            base = base_cap["regions"][r][d]
            row = {"region": r, "direction": d, "base_bound_mt": base["bound_mt"]}
            total = 0.0
            for name, cap in project_caps.items():
                ch, _ = _change(base["bound_mt"], cap["regions"][r][d]["bound_mt"])
                row[f"{name}_bound_change_mt"] = ch
                total += ch or 0.0
            comb, _ = _change(base["bound_mt"], alt_cap["regions"][r][d]["bound_mt"])
            row["sum_of_projects_mt"] = _r(total)
            row["all_projects_together_mt"] = comb
            rows.append(row)
    return rows
