"""Screen tables and result folders: the glue between results, maps and the CLI.

This is a leaf module: it may import every stage (results, maps, scenario);
nothing but the CLI imports it.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.table import Table

from corridors import REGIONS
from corridors.network import BorderCrossing, FerryLink, Network, RailSection, route_km


def _table(title: str, columns: list[str], rows: list[list]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*[f"{v:,.0f}" if isinstance(v, float) else str(v) for v in r])
    return t


def network_summary_tables(net: Network) -> list[Table]:
    """Route-km by country, track count and status; crossings; ferries; gateways per region."""
    out = [
        _table(f"{net.name} {net.version}: rail route-km by country", ["country", "route-km"],
               [[k, v] for k, v in route_km(net, "country").items()]),
        _table("route-km by track count", ["tracks", "route-km"], [[k, v] for k, v in route_km(net, "tracks").items()]),
        _table("route-km by status", ["status", "route-km"], [[k, v] for k, v in route_km(net, "status").items()]),
    ]
    borders = [lk for lk in net.links.values() if isinstance(lk, BorderCrossing)]
    out.append(_table(
        f"border crossings ({len(borders)})",
        ["id", "countries", "gauge change", "tracks", "dwell h", "trains/day/dir", "status"],
        [[b.id, b.countries, "yes" if b.gauge_change else "no", b.handling_tracks, f"{b.dwell_h:g}",
          f"{min(b.handling_tracks * 24 / b.dwell_h, b.exchange_limit_trains_per_day or 1e9):.1f}", b.status]
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
    from corridors.maps import plot_utilisation, save_figure

    util = {r["id"]: r["utilisation"] for r in [*secs, *crossings] if r["utilisation"] is not None}
    top = sorted(util.items(), key=lambda kv: -kv[1])[:5]
    labels = {lid: f"{spec.network.links[lid].name} {u:.0%}" for lid, u in top if u > 0}
    fig, _ = plot_utilisation(spec.network, util, labels=labels, title=title)
    save_figure(fig, path)


def write_run_folder(spec, res, out: Path, *, wall_s: float, extra_meta: dict | None = None) -> dict:
    """Write every file of a run into ``out`` atomically (nothing half-written); return the summary."""
    from corridors import results
    from corridors.scenario import resolved_dict

    with results.staged_dir(Path(out)) as tmp:
        doc = results.write_run(tmp, spec, res)
        (tmp / "scenario.resolved.yaml").write_text(_yaml_text(resolved_dict(spec)), encoding="utf-8")
        secs = results.section_rows(spec, res)
        crossings = results.crossing_rows(spec, res)
        draw_utilisation_map(spec, secs, crossings, tmp / "map.png",
                             title=f"{spec.name}: utilisation of analytic capacity (seed {res.seed})")
        results.write_json(tmp / "run.json", results.run_metadata(spec, wall_time_s=wall_s, extra=extra_meta))
    return doc
