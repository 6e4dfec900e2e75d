"""The figures of a result folder: a run's utilisation map, a comparison's capacity maps and chart, load--delay curves.

Glue between the typed results and :mod:`corridors.viz` (which knows nothing of
runs or documents): it picks what to draw and labels it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_hex, to_rgb

from corridors import REGIONS
from corridors.capacity import curve_file_stem
from corridors.elements import flow_label
from corridors.results import capacities
from corridors.viz import (
    REGION_COLOURS,
    direction_words,
    plot_capacity_change,
    plot_capacity_pair,
    plot_load_delay,
    plot_region_bars,
    plot_utilisation,
    save_figure,
)
from corridors.viz.backlog import BacklogSeries, plot_backlog

#: Size of the maps a brief prints (the change map of a comparison, the utilisation map of a run), inches: printed
#: at the text width of A4 (18.4 cm) they must be drawn at most 1.25 times wider for their 7.5-8 pt labels to
#: print at 6 pt or more (brief.layout checks it).
BRIEF_MAP_SIZE_IN = (8.2, 5.0)

if TYPE_CHECKING:
    from corridors.capacity import CapacityDoc, CapacityRecord
    from corridors.comparison import ComparisonDoc


def draw_utilisation_map(spec, secs: list[dict], crossings: list[dict], path: Path, *, title: str,
                         yards: list[dict] = ()) -> None:
    """``map.png``: links (and node yards) coloured by utilisation, the five busiest labelled."""
    util = {r["id"]: r["utilisation"] for r in [*secs, *crossings, *yards] if r["utilisation"] is not None}
    top = sorted(util.items(), key=lambda kv: -kv[1])[:5]
    names = {**{k: lk.name for k, lk in spec.network.links.items()},
             **{r["id"]: f"{r['name']} yard" for r in yards}}
    labels = {eid: f"{names[eid]} {u:.0%}" for eid, u in top if u > 0}
    fig, _ = plot_utilisation(spec.network, util, labels=labels, title=title, size_in=BRIEF_MAP_SIZE_IN)
    save_figure(fig, path)


def link_capacity_values(spec) -> dict[str, float]:
    """Analytic capacity per link in trains/day per direction (both directions for single track)."""
    out = {}
    for lid, cap in capacities(spec).items():
        out[lid] = cap.trains_per_day
    return out


def _arrow_anchor(net, region: str) -> str | None:
    """Pick a gateway to hang a region's arrow on: the outermost one toward the region."""
    used = {n for lk in net.links.values() for n in lk.ends}
    gws = [net.nodes[g] for g in net.gateways(region) if g in used]
    if not gws:
        return None
    key = {"China": lambda n: n.lon, "Europe": lambda n: -n.lon, "Russia": lambda n: n.lat,
           "South Asia": lambda n: -n.lat}.get(region)
    if key is None:  # Central Asia lies inside the map: no arrow toward it
        return None
    return max(gws, key=key).id


def limiting_notes(cmp_doc: ComparisonDoc, side: str) -> dict[str, str]:
    """Limiting element id -> what it limits (``"limits to China, from China"``), before or after.

    Parameters
    ----------
    cmp_doc
        The comparison.
    side
        ``"before"`` or ``"after"``.

    Returns
    -------
    dict of str to str
        Elements in id order; the markets in :data:`~corridors.REGIONS` order, "to" before "from".
    """
    out: dict[str, list[str]] = {}
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = cmp_doc.regions[r][d]
            eid = k.bottleneck_before if side == "before" else k.bottleneck_after
            if eid:
                out.setdefault(eid, []).append(direction_words(r, d))
    return {eid: "limits " + ", ".join(what) for eid, what in sorted(out.items())}


def draw_compare_maps(base_spec, alt_spec, cmp_doc: ComparisonDoc, folder: Path) -> list[str]:
    """Before/after pair, change map and bar chart, each as PNG and SVG; returns the file names.

    Parameters
    ----------
    base_spec, alt_spec : RunSpec
        The two scenarios (their networks and analytic capacities are drawn).
    cmp_doc : ComparisonDoc
        Their comparison (limiting elements, simulated capacity per market and direction).
    folder : Path
        Where to write ``capacity-before-after``, ``capacity-change`` and ``capacity-bars`` (``.png``, ``.svg``).

    Returns
    -------
    list of str
        The file names written.
    """
    base_vals, alt_vals = link_capacity_values(base_spec), link_capacity_values(alt_spec)
    files = []
    fig, _ = plot_capacity_pair(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                titles=(f"Before: {cmp_doc.base}", f"After: {cmp_doc.alt}"),
                                bottlenecks=(limiting_notes(cmp_doc, "before"), limiting_notes(cmp_doc, "after")))
    files += [p.name for p in save_figure(fig, folder / "capacity-before-after", formats=("png", "svg"))]
    arrows = {}
    for r in REGIONS:
        k = cmp_doc.regions[r]["inbound"]
        at = _arrow_anchor(alt_spec.network, r)
        b, a = k.before.simulated_mt, k.after.simulated_mt
        if at and b is not None and a is not None:
            arrows[r] = {"label": f"{flow_label(r, 'inbound')}: {b:.0f} \u2192 {a:.0f} Mt/yr", "at": at}
    fig, _ = plot_capacity_change(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                  bottlenecks=limiting_notes(cmp_doc, "after"), region_arrows=arrows,
                                  title=f"Capacity change: {cmp_doc.base} \u2192 {cmp_doc.alt}",
                                  size_in=BRIEF_MAP_SIZE_IN)
    files += [p.name for p in save_figure(fig, folder / "capacity-change", formats=("png", "svg"))]
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = cmp_doc.regions[r][d]
            if k.before.simulated_mt is None and k.after.simulated_mt is None:
                continue
            rows.append({"region": r, "direction": d, "before": k.before.simulated_mt or 0.0,
                         "after": k.after.simulated_mt or 0.0})
    fig, _ = plot_region_bars(rows, title="Simulated capacity per market and direction, before and after")
    files += [p.name for p in save_figure(fig, folder / "capacity-bars", formats=("png", "svg"))]
    return files


def _series(label: str, rec: CapacityRecord) -> dict:
    """One scenario's curve for :func:`corridors.viz.plot_load_delay`."""
    ci = rec.simulated_ci_mt or (None, None)
    mci = rec.max_throughput_ci_mt or (None, None)
    return {
        "label": label,
        "offered_mt": [p.mt for p in rec.probes],
        "delivered_mt": [p.delivered_mt for p in rec.probes],
        "delivered_ci": [p.delivered_ci_mt for p in rec.probes],
        "wait_share": [p.added_wait_share for p in rec.probes],
        "wait_share_ci": [p.added_wait_share_ci for p in rec.probes],
        "practical": None if rec.simulated_mt is None else (rec.simulated_mt, *ci),
        "max_throughput": None if rec.max_throughput_mt is None else (rec.max_throughput_mt, *mci),
        "demand_mt": rec.demand_mt,
    }


def draw_curves(docs: list[CapacityDoc], folder: Path) -> list[str]:
    """``curve-<region>-<direction>.png/.svg``: every scenario's load--delay curve on one chart.

    Parameters
    ----------
    docs : list of CapacityDoc
        One scenario (``capacity``) or before and after (``compare``), drawn in order.
    folder : Path
        Where to write.

    Returns
    -------
    list of str
        The file names written (regions and directions without a curve are skipped).
    """
    files = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            recs = [(doc.scenario, doc.regions[r][d]) for doc in docs if doc.regions[r][d].probes]
            if not recs:
                continue
            base = recs[0][1]
            per_mt = (base.probes[0].trains_per_day / base.probes[0].mt) if base.probes[0].mt else None
            fig, _ = plot_load_delay([_series(name, rec) for name, rec in recs],
                                     level_share=base.service_level["max_added_wait_share"],
                                     title=f"Load and delay of freight {flow_label(r, d)}", trains_per_mt=per_mt)
            files += [p.name for p in save_figure(fig, folder / curve_file_stem(r, d), formats=("png", "svg"))]
    return files


#: Market lines on the backlog chart besides the network's: the groups with the most trains in the network.
BACKLOG_LINES = 5


def draw_backlog(balances: list, undisturbed: list | None, episodes: list[tuple[float, float]], path: Path, *,
                 warmup_days: float, title: str) -> None:
    """``backlog.png``: trains in the network day by day, the network's and the busiest markets'.

    Parameters
    ----------
    balances
        :func:`corridors.daily.daily_balances` of the run (the network first).
    undisturbed
        The twin's, for a scenario with disruptions (drawn dashed, and the difference below), else ``None``.
    episodes
        Disruption episodes ``(start_day, end_day)`` (:func:`corridors.disruption.episodes`).
    path
        The PNG to write.
    warmup_days, title
        As for :func:`corridors.viz.backlog.plot_backlog`.
    """
    twins = {(b.market, b.direction): b.in_network for b in undisturbed or ()}

    def key(b):
        # with a twin, the markets the disruption hit most; else the markets with the most trains under way
        u = twins.get((b.market, b.direction))
        return -float(np.max(b.in_network - u)) if u is not None else -float(np.mean(b.in_network))

    markets = sorted(balances[1:], key=key)[:BACKLOG_LINES]
    series = [BacklogSeries("All trains", "#222222", balances[0].in_network, twins.get(("all", "all")))]
    for b in sorted(markets, key=lambda b: (REGIONS.index(b.market), b.direction)):
        colour = REGION_COLOURS.get(b.market, "#2b6ca3")
        if b.direction == "outbound":
            colour = to_hex(0.55 * np.array(to_rgb(colour)) + 0.45)  # the same hue, lighter: from the market
        label = flow_label(b.market, b.direction)
        series.append(BacklogSeries(label[:1].upper() + label[1:], colour, b.in_network,
                                    twins.get((b.market, b.direction))))
    fig, _ = plot_backlog(series, episodes=episodes, warmup_days=warmup_days, title=title)
    save_figure(fig, path)


#: Element lines on the queue chart: the element directions with the most trains waiting on average.
QUEUE_LINES = 6
#: Colours of the queue chart's lines, busiest first (colour-blind safe, Okabe--Ito).
QUEUE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def draw_queues(spec, res, episodes: list[tuple[float, float]], path: Path, *, title: str) -> None:
    """``queues.png``: trains waiting at the end of each day at the :data:`QUEUE_LINES` busiest element directions.

    Parameters
    ----------
    spec, res
        The run's scenario (element and place names) and result (:attr:`~corridors.simulation.SimResult.queues`).
    episodes
        Disruption episodes ``(start_day, end_day)``, shaded.
    path
        The PNG to write.
    title
        Figure title.
    """
    net = spec.network
    busiest = sorted(res.queues.items(), key=lambda kv: (-float(np.mean(kv[1])), kv[0]))[:QUEUE_LINES]
    series = []
    for ((eid, d), counts), colour in zip(busiest, QUEUE_COLOURS):
        if d == "all":
            label = f"{net.nodes[eid].name} yard"
        else:
            lk = net.links[eid]
            toward = net.nodes[lk.to_node if d == "ab" else lk.from_node].name
            label = f"{lk.name}, towards {toward}"
        series.append(BacklogSeries(label, colour, np.asarray(counts)))
    fig, _ = plot_backlog(series, episodes=episodes, warmup_days=spec.settings.warmup_days, title=title,
                          ylabel="trains waiting at the day's end")
    save_figure(fig, path)
