"""What the CLI prints: rich tables of a network, a run, a capacity and a comparison.

Every user-supplied string is printed as data, never as rich markup.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from corridors import REGIONS
from corridors.disruption import describe
from corridors.elements import border_rate_per_day, flow_label
from corridors.network import BorderCrossing, FerryLink, Network, RailSection, route_km

if TYPE_CHECKING:  # the documents' module pulls in the LP and the simulation: imported where used
    from corridors.capacity import CapacityDoc
    from corridors.comparison import ComparisonDoc


def _table(title: str, columns: list[str], rows: list[list]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*[f"{v:,.0f}" if isinstance(v, float) else escape(str(v)) for v in r])
    return t


def network_summary_tables(net: Network) -> list[Table]:
    """Route-km by country, track count and status; crossings; ferries; gateways per region."""
    out: list = [
        f"[bold]{escape(net.name)}[/] network, version {escape(str(net.version))}, as of {escape(str(net.as_of))} (all statuses; see 'by status')",
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
    """Print the short table at the end of ``corridors run``."""
    tr = doc["trains"]
    console.print(
        f"[bold]{escape(doc['scenario'])}[/] seed {doc['seed']}, {doc['sim_days']:g} days "
        f"({doc['warmup_days']:g} warm-up): generated {tr['generated']}, delivered {tr['delivered']}, "
        f"in network {tr['in_network']}, refused {tr['refused']}"
    )
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            x = doc["regions"][r][d]
            rows.append([flow_label(r, d), _fmt(x["offered_mt"]), _fmt(x["delivered_mt"]), x["trains"],
                         _fmt(x["transit_days_mean"], 1), _fmt(x["transit_days_p95"], 1)])
    t = Table(title="freight per region (annualised, measured period)", title_justify="left")
    for c in ["flows", "offered Mt/yr", "delivered Mt/yr", "trains", "transit d mean", "transit d p95"]:
        t.add_column(c, justify="right" if c != "flows" else "left")
    for row in rows:
        t.add_row(*[escape(str(v)) for v in row])
    console.print(t)
    for w in doc.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    for line in describe(doc):
        console.print(f"[cyan]disruption:[/] {escape(line)}")


def _with_ci(value, ci, nd: int = 1, signed: bool = False) -> str:
    """``12.3 [11.0, 13.5]``, or the value alone without an interval, or ``-``."""
    if value is None:
        return "-"
    f = f"{{:{'+' if signed else ''},.{nd}f}}"
    return f.format(value) + (f" [{ci[0]:,.{nd}f}, {ci[1]:,.{nd}f}]" if ci else "")


def print_capacity(console, doc: CapacityDoc) -> None:
    """Screen table of ``capacity.json``: both capacities with their 95 % intervals."""
    n = doc.search.replications
    t = Table(title=f"{escape(doc.scenario)}: capacity per region (Mt/yr; [95 % interval over {n} replications])",
              title_justify="left")
    for c in ["flows", "demand", "LP bound", "practical", "max throughput", "demand > practical",
              "binding (LP cut)", "bottlenecks >90%"]:
        t.add_column(c, justify="left" if c == "flows" or "bind" in c or "bottle" in c else "right")
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            c = doc.regions[r][d]
            over = {True: "yes", False: "no", None: "-"}[c.demand_exceeds_capacity]
            t.add_row(flow_label(r, d), _fmt(c.demand_mt, 1), _fmt(c.bound_mt, 1), _with_ci(c.simulated_mt, c.simulated_ci_mt),
                      _with_ci(c.max_throughput_mt, c.max_throughput_ci_mt), over,
                      escape(" ".join(e.id for e in c.binding[:2]) or c.note or "-"),
                      escape(" ".join(f"{e.id} {e.utilisation:.0%}" for e in c.bottlenecks[:3]) or "-"))
    console.print(t)


def print_comparison(console, doc: ComparisonDoc) -> None:
    """Screen table of ``comparison.json``: practical capacity before, after and its paired change."""
    t = Table(title=f"{escape(doc.base)} -> {escape(doc.alt)}: capacity per region (Mt/yr; [95 % interval])",
              title_justify="left")
    shutdown = bool(doc.closures)  # then also: over which crossings each market is carried after it
    for c in ["flows", "bound before", "bound after", "practical before", "practical after",
              "change (paired)", "limit before", "limit after"] + (["carried via after"] if shutdown else []):
        t.add_column(c, justify="left" if c == "flows" or "limit" in c or "via" in c else "right")
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = doc.regions[r][d]
            via = [" ".join(f"{v['id']} {v['share']:.0%}" for v in (k.carried_via_after or [])[:3]) or "-"]
            t.add_row(flow_label(r, d), _fmt(k.before.bound_mt, 1), _fmt(k.after.bound_mt, 1),
                      _with_ci(k.before.simulated_mt, k.before.simulated_ci_mt),
                      _with_ci(k.after.simulated_mt, k.after.simulated_ci_mt),
                      _with_ci(k.simulated_change_mt, k.simulated_change_ci_mt, signed=True),
                      escape(k.bottleneck_before or "-"), escape(k.bottleneck_after or "-"),
                      *(map(escape, via) if shutdown else ()))
    if shutdown:
        console.print("closed in " + escape(doc.alt) + ": " + escape(", ".join(
            f"{c['id']} ({c['closed_days']:g} days)" for c in doc.closures)))
    console.print(t)
    if doc.footprint:
        print_footprint(console, doc)


def print_footprint(console, doc: ComparisonDoc) -> None:
    """Screen table of ``comparison.json`` ``footprint``: cost and CO2e per market, before, after, paired change."""
    t = Table(title=f"{escape(doc.base)} -> {escape(doc.alt)}: cost (USD/t) and emissions (g CO2e/tkm, kt CO2e/yr) "
              "per region, means; change paired [95 % interval]", title_justify="left")
    for c in ["flows", "USD/t before", "USD/t after", "change", "g/tkm before", "g/tkm after", "kt/yr change"]:
        t.add_column(c, justify="left" if c == "flows" else "right")
    groups = [("network", doc.footprint["network"])] + [
        (flow_label(r, d), doc.footprint["regions"][r][d]) for r in REGIONS for d in ("inbound", "outbound")]
    for label, g in groups:
        usd, gt, kt = g["usd_per_t"], g["g_co2e_per_tkm"], g["co2e_t_per_year"]
        if usd["before"]["mean"] is None and usd["after"]["mean"] is None:
            continue
        kt_ci = None if kt["change_ci"] is None else [x / 1e3 for x in kt["change_ci"]]
        t.add_row(label, _fmt(usd["before"]["mean"], 1), _fmt(usd["after"]["mean"], 1),
                  _with_ci(usd["change"], usd["change_ci"], 2, signed=True), _fmt(gt["before"]["mean"], 1),
                  _fmt(gt["after"]["mean"], 1),
                  _with_ci(None if kt["change"] is None else kt["change"] / 1e3, kt_ci, 1, signed=True))
    console.print(t)


def _setting_text(value) -> str:
    """Return a setting's level as the sweep file writes it (JSON for a mapping or a list)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def print_sweep(console, doc: dict) -> None:
    """Screen table of ``sweep.json``: the headline figure per point, with its 95 % interval."""
    from corridors.sweep.columns import find

    unit = find(doc["headline"]).unit
    t = Table(title=f"{escape(doc['sweep'])}: {escape(doc['headline'])} ({escape(unit)}; [95 % interval over "
                    f"{doc['replications']} replications])", title_justify="left")
    settings = sorted({k for p in doc["points"] for k in p["settings"]}, key=list(doc["columns"]).index)
    for c in ["point", "overlays", "demand scale", *settings, "seed", doc["headline"]]:
        t.add_column(escape(c), justify="right" if c in ("point", "demand scale", "seed", doc["headline"]) else "left")
    for p in doc["points"]:
        h = p["headline"]
        value = "-" if h["mean"] is None else _with_ci(h["mean"], h["ci95"], 2, signed=doc["kind"] == "compare")
        t.add_row(str(p["point"]), escape(p["overlay_names"]),
                  f"{p['demand_scale']:g}", *(escape(_setting_text(p["settings"][k])) for k in settings), str(p["seed"]),
                  value)
    console.print(t)
