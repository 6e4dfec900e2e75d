"""Screen tables and result folders: the glue between results, maps and the CLI.

This is a leaf module: it may import every stage (results, maps, scenario);
nothing but the CLI imports it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from corridors import REGIONS
from corridors.elements import border_rate_per_day
from corridors.network import BorderCrossing, FerryLink, Network, RailSection, route_km
from corridors.outdir import staged_dir

if TYPE_CHECKING:  # the documents' module pulls in the LP and the simulation: imported where used
    from corridors.comparison import CapacityDoc, ComparisonDoc


def _table(title: str, columns: list[str], rows: list[list]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*[f"{v:,.0f}" if isinstance(v, float) else str(v) for v in r])
    return t


def network_summary_tables(net: Network) -> list[Table]:
    """Route-km by country, track count and status; crossings; ferries; gateways per region."""
    out: list = [
        f"[bold]{net.name}[/] network, version {net.version}, as of {net.as_of} (all statuses; see 'by status')",
        _table("route-km by country", ["country", "route-km"],
               [[k, v] for k, v in route_km(net, "country").items()]),
        _table("route-km by track count", ["tracks", "route-km"], [[k, v] for k, v in route_km(net, "tracks").items()]),
        _table("route-km by status", ["status", "route-km"], [[k, v] for k, v in route_km(net, "status").items()]),
    ]
    borders = [lk for lk in net.links.values() if isinstance(lk, BorderCrossing)]
    out.append(_table(
        f"border crossings ({len(borders)})",
        ["id", "countries", "gauge change", "tracks", "dwell h", "trains/day/dir", "status"],
        [[b.id, b.countries, "yes" if b.gauge_change else "no", b.handling_tracks, f"{b.dwell_h:g}",
          f"{border_rate_per_day(b):.1f}", b.status]
         for b in sorted(borders, key=lambda b: b.id)],
    ))
    ferries = [lk for lk in net.links.values() if isinstance(lk, FerryLink)]
    out.append(_table(
        f"Caspian ferry links ({len(ferries)})",
        ["id", "crossing h", "vessels", "wagons/vessel", "weather downtime", "status"],
        [[f.id, f"{f.crossing_h:g}", f.vessels, f.wagons_per_vessel, f"{f.weather_downtime_share:.0%}", f.status]
         for f in sorted(ferries, key=lambda f: f.id)],
    ))
    out.append(_table(
        "gateways per region", ["region", "gateway nodes"],
        [[r, ", ".join(net.gateways(r)) or "-"] for r in REGIONS],
    ))
    n_rail = sum(isinstance(lk, RailSection) for lk in net.links.values())
    countries = sorted({n.country for n in net.nodes.values()})
    out.append(_table("totals", ["item", "count"], [
        ["nodes", len(net.nodes)], ["countries", f"{len(countries)} ({' '.join(countries)})"],
        ["rail sections", n_rail], ["border crossings", len(borders)], ["ferry links", len(ferries)],
    ]))
    return out


def _fmt(v, nd=2) -> str:
    return "-" if v is None else f"{v:,.{nd}f}"


def print_run_summary(console, doc: dict) -> None:
    """The short table printed at the end of ``corridors run``."""
    tr = doc["trains"]
    console.print(
        f"[bold]{doc['scenario']}[/] seed {doc['seed']}, {doc['sim_days']:g} days "
        f"({doc['warmup_days']:g} warm-up): generated {tr['generated']}, delivered {tr['delivered']}, "
        f"in network {tr['in_network']}, refused {tr['refused']}"
    )
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            x = doc["regions"][r][d]
            rows.append([r, d, _fmt(x["offered_mt"]), _fmt(x["delivered_mt"]), x["trains"],
                         _fmt(x["transit_days_mean"], 1), _fmt(x["transit_days_p95"], 1)])
    t = Table(title="freight per region (annualised, measured period)", title_justify="left")
    for c in ["region", "direction", "offered Mt/yr", "delivered Mt/yr", "trains", "transit d mean", "transit d p95"]:
        t.add_column(c, justify="right" if c not in ("region", "direction") else "left")
    for row in rows:
        t.add_row(*[str(v) for v in row])
    console.print(t)


def _yaml_text(data) -> str:
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def draw_utilisation_map(spec, secs: list[dict], crossings: list[dict], path: Path, *, title: str) -> None:
    """``map.png``: links coloured by utilisation, the five busiest labelled."""
    from corridors.viz import plot_utilisation, save_figure

    util = {r["id"]: r["utilisation"] for r in [*secs, *crossings] if r["utilisation"] is not None}
    top = sorted(util.items(), key=lambda kv: -kv[1])[:5]
    labels = {lid: f"{spec.network.links[lid].name} {u:.0%}" for lid, u in top if u > 0}
    fig, _ = plot_utilisation(spec.network, util, labels=labels, title=title)
    save_figure(fig, path)


def write_run_folder(spec, res, out: Path, *, wall_s: float, extra_meta: dict | None = None,
                     replications: dict | None = None) -> dict:
    """Write every file of a run into ``out`` atomically (nothing half-written); return the summary."""
    from corridors import results
    from corridors.scenario import resolved_dict

    with staged_dir(Path(out)) as tmp:
        secs = results.section_rows(spec, res)
        crossings = results.crossing_rows(spec, res)
        doc = results.write_run(tmp, spec, res, replications=replications, secs=secs, crossings=crossings)
        (tmp / "scenario.resolved.yaml").write_text(_yaml_text(resolved_dict(spec)), encoding="utf-8")
        draw_utilisation_map(spec, secs, crossings, tmp / "map.png",
                             title=f"{spec.name}: utilisation of analytic capacity (seed {res.seed})")
        results.write_json(tmp / "run.json", results.run_metadata(spec, wall_time_s=wall_s, extra=extra_meta))
    return doc


# --------------------------------------------------------------------------- capacity / compare


def print_capacity(console, doc: CapacityDoc) -> None:
    """Screen table of ``capacity.json``."""
    t = Table(title=f"{doc.scenario}: capacity per region (Mt/yr)", title_justify="left")
    for c in ["region", "direction", "demand", "LP bound", "simulated", "±", "binding (LP cut)", "bottlenecks >90%"]:
        t.add_column(c, justify="left" if c in ("region", "direction") or "bind" in c or "bottle" in c else "right")
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            c = doc.regions[r][d]
            t.add_row(r, d, _fmt(c.demand_mt, 1), _fmt(c.bound_mt, 1), _fmt(c.simulated_mt, 1),
                      _fmt(c.precision_mt, 1), " ".join(e.id for e in c.binding[:2]) or c.note or "-",
                      " ".join(f"{e.id} {e.utilisation:.0%}" for e in c.bottlenecks[:3]) or "-")
    console.print(t)


def print_comparison(console, doc: ComparisonDoc) -> None:
    """Screen table of ``comparison.json``."""
    t = Table(title=f"{doc.base} -> {doc.alt}: capacity per region (Mt/yr)", title_justify="left")
    for c in ["region", "direction", "bound before", "bound after", "change", "simulated before",
              "simulated after", "limit before", "limit after"]:
        t.add_column(c, justify="left" if c in ("region", "direction") or "limit" in c else "right")
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = doc.regions[r][d]
            rel = k.bound_change_rel
            t.add_row(r, d, _fmt(k.before.bound_mt, 1), _fmt(k.after.bound_mt, 1),
                      "-" if rel is None else f"{rel:+.0%}", _fmt(k.before.simulated_mt, 1),
                      _fmt(k.after.simulated_mt, 1), k.bottleneck_before or "-", k.bottleneck_after or "-")
    console.print(t)


def write_capacity_folder(doc: CapacityDoc, out: Path) -> None:
    """``capacity.json`` and ``capacity.csv`` written atomically into ``out``."""
    from corridors import results

    with staged_dir(Path(out)) as tmp:
        results.write_json(tmp / "capacity.json", doc.to_dict())
        results.write_csv(tmp / "capacity.csv", doc.csv_rows())


def link_capacity_values(spec) -> dict[str, float]:
    """Analytic capacity per link in trains/day per direction (both directions for single track)."""
    from corridors.results import capacities

    out = {}
    for lid, cap in capacities(spec).items():
        out[lid] = cap.trains_per_day
    return out


def _arrow_anchor(net, region: str) -> str | None:
    """A gateway to hang a region's arrow on: the outermost one toward the region."""
    used = {n for lk in net.links.values() for n in lk.ends}
    gws = [net.nodes[g] for g in net.gateways(region) if g in used]
    if not gws:
        return None
    key = {"China": lambda n: n.lon, "Europe": lambda n: -n.lon, "Russia": lambda n: n.lat,
           "South Asia": lambda n: -n.lat}[region]
    return max(gws, key=key).id


def draw_compare_maps(base_spec, alt_spec, cmp_doc: ComparisonDoc, folder: Path) -> list[str]:
    """Before/after pair, change map and bar chart, each as PNG and SVG; returns the file names."""
    from corridors.viz import plot_capacity_change, plot_capacity_pair, plot_region_bars, save_figure

    base_vals, alt_vals = link_capacity_values(base_spec), link_capacity_values(alt_spec)
    files = []
    fig, _ = plot_capacity_pair(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                titles=(f"Before: {cmp_doc.base}", f"After: {cmp_doc.alt}"),
                                value_label="Analytic capacity (trains/day per direction)")
    files += [p.name for p in save_figure(fig, folder / "capacity-before-after", formats=("png", "svg"))]
    bottlenecks = sorted({k.bottleneck_after for r in REGIONS for k in cmp_doc.regions[r].values()
                          if k.bottleneck_after})
    arrows = {}
    for r in REGIONS:
        k = cmp_doc.regions[r]["inbound"]
        at = _arrow_anchor(alt_spec.network, r)
        b, a = k.before.simulated_mt, k.after.simulated_mt
        if at and b is not None and a is not None:
            arrows[r] = {"label": f"to {r}: {b:.0f} → {a:.0f} Mt/yr", "at": at}
    fig, _ = plot_capacity_change(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                  bottlenecks=bottlenecks, region_arrows=arrows,
                                  title=f"Capacity change: {cmp_doc.base} → {cmp_doc.alt}")
    files += [p.name for p in save_figure(fig, folder / "capacity-change", formats=("png", "svg"))]
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = cmp_doc.regions[r][d]
            if k.before.simulated_mt is None and k.after.simulated_mt is None:
                continue
            rows.append({"region": r, "direction": d, "before": k.before.simulated_mt or 0.0,
                         "after": k.after.simulated_mt or 0.0})
    fig, _ = plot_region_bars(rows, title="Simulated capacity per region and direction, before and after")
    files += [p.name for p in save_figure(fig, folder / "capacity-bars", formats=("png", "svg"))]
    return files


def compare_run(base_spec, alt_spec, folder: Path, *, executor=None, rounds: int = 2, search_days: float = 100.0,
                attribute_overlays=()) -> ComparisonDoc:
    """Everything ``corridors compare`` writes, into ``folder`` atomically; returns comparison.json."""
    import time

    from corridors import results
    from corridors.bound import region_bounds
    from corridors.comparison import assess_many, attribution_rows, compare_docs
    from corridors.simulation import simulate

    t0 = time.perf_counter()
    futures = None
    if executor is not None:
        futures = [executor.submit(simulate, s) for s in (base_spec, alt_spec)]
    # Serial work of this process overlaps the two runs in the pool.
    project_bounds = {Path(ov).stem: region_bounds(_base_plus(base_spec, ov)) for ov in attribute_overlays}
    warm = min(base_spec.settings.warmup_days, search_days / 3)
    base_cap, alt_cap = assess_many([base_spec, alt_spec], executor=executor, rounds=rounds,
                                    days=search_days, warmup_days=warm)
    if futures:
        base_res, alt_res = (f.result() for f in futures)
    else:
        base_res, alt_res = simulate(base_spec), simulate(alt_spec)
    attribution = attribution_rows(base_cap, project_bounds, alt_cap) if project_bounds else []
    wall = time.perf_counter() - t0
    with staged_dir(Path(folder)) as tmp:
        doc = compare_docs(base_cap, alt_cap, results.summary(base_spec, base_res), results.summary(alt_spec, alt_res))
        jobs = [(base_spec, base_res, tmp / "base"), (alt_spec, alt_res, tmp / "alt")]
        if executor is not None:  # the two run folders are written by the pool while the maps are drawn here
            writes = [executor.submit(write_run_folder, s, r, f, wall_s=wall) for s, r, f in jobs]
        else:
            writes = [write_run_folder(s, r, f, wall_s=wall) for s, r, f in jobs]
        results.write_json(tmp / "capacity-before.json", base_cap.to_dict())
        results.write_json(tmp / "capacity-after.json", alt_cap.to_dict())
        results.write_json(tmp / "comparison.json", doc.to_dict())
        results.write_csv(tmp / "comparison.csv", doc.csv_rows())
        if attribution:
            results.write_csv(tmp / "attribution.csv", [row.to_dict() for row in attribution])
        draw_compare_maps(base_spec, alt_spec, doc, tmp)
        for w in writes:
            if executor is not None:
                w.result()
        results.write_json(tmp / "run.json", {
            **results.run_metadata(alt_spec, wall_time_s=time.perf_counter() - t0),
            "base": base_spec.name, "alt": alt_spec.name, "search_rounds": rounds, "search_days": search_days,
            "attributed_overlays": [str(p) for p in attribute_overlays],
        })
    return doc


def _base_plus(base_spec, overlay: Path):
    """``base_spec``'s file extended by one overlay, loaded through a temporary scenario file."""
    import tempfile

    from corridors.scenario import load_scenario

    base_file = Path(base_spec.source_files[0]).resolve() if base_spec.source_files else None
    if base_file is None:
        from corridors.errors import CorridorsError

        raise CorridorsError("the base scenario has no source file to extend for attribution")
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "attribution.yaml"
        f.write_text(
            f"name: {base_spec.name}-plus-{Path(overlay).stem}\n"
            f"description: attribution run\nextends: [{base_file}, {Path(overlay).resolve()}]\n",
            encoding="utf-8",
        )
        return load_scenario(f)
