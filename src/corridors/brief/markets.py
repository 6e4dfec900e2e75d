"""The market pages of a compare brief: for each market, its curves, its limits and what each project adds.

A market is one of :data:`corridors.REGIONS`; its two directions are the
flows *to* it and *from* it. Each market gets a short section: the compact
load--delay figure the brief draws (:mod:`~corridors.brief.charts`), and a table of the limiting element before and after and of each project's own
paired change of the practical capacity (``attribution.csv``).
"""

from __future__ import annotations

from pathlib import Path

from corridors import REGIONS
from corridors.brief.document import Block, Figure, Heading, Table
from corridors.brief.format import (
    arrow,
    cap_cell,
    capital,
    change_cell,
    flow_label,
    fmt_mt,
    limit_word,
    significant,
)
from corridors.brief.names import ElementNames, limit_kind
from corridors.brief.read import DIRECTIONS, ResultFolder
from corridors.brief.tables import project_change

__all__ = ["has_flows", "headline_table", "market_blocks", "markets_with_flows"]


def has_flows(result: ResultFolder, r: str, d: str) -> bool:
    """Tell whether either scenario has flows to (``inbound``) or from (``outbound``) market ``r``."""
    k = result.comparison["regions"][r][d]
    return any(k[w].get(f) is not None for w in ("before", "after") for f in ("bound_mt", "simulated_mt"))


def markets_with_flows(result: ResultFolder) -> list[str]:
    """Return the markets with flows in either direction in either scenario, in :data:`REGIONS` order."""
    return [r for r in REGIONS if any(has_flows(result, r, d) for d in DIRECTIONS)]


def headline_table(result: ResultFolder) -> Table:
    """Tabulate the practical capacity of every market and direction, before and after, with the paired change.

    Parameters
    ----------
    result
        A compare folder.

    Returns
    -------
    Table
        One row per market and direction with flows: demand, practical capacity before and after (95 %
        intervals) and the paired change, all Mt/yr; 5 columns.
    """
    rows = []
    for r in markets_with_flows(result):
        for d in (d for d in DIRECTIONS if has_flows(result, r, d)):
            k = result.comparison["regions"][r][d]
            b, a = k["before"], k["after"]
            flag = ["*" if x.get("demand_exceeds_capacity") else "" for x in (b, a)]
            rows.append((capital(flow_label(r, d)), arrow(fmt_mt(b.get("demand_mt")), fmt_mt(a.get("demand_mt"))),
                         cap_cell(b) + flag[0], cap_cell(a) + flag[1],
                         change_cell(k.get("simulated_change_mt"), k.get("simulated_change_ci_mt"), limit_word(b, a))))
    reps = max((result.comparison["regions"][r][d][w].get("replications") or 1 for r in REGIONS for d in DIRECTIONS
                for w in ("before", "after")), default=1)
    note = (f"Mean of {reps} replication{'s' if reps != 1 else ''}, in brackets the 95 % confidence interval. "
            "Change: paired, n.s. not significant; ≥: a lower limit; *: demand above the practical capacity's mean "
            "(at capacity, or beyond it when above the interval; terms in the glossary).")
    return Table(("Flows", "Demand (Mt/yr)", "Before (Mt/yr)", "After (Mt/yr)", "Change (Mt/yr)"),
                 tuple(rows), frozenset({1, 2, 3, 4}), note=note, css="capacity")


def _projects_cell(result: ResultFolder, projects: dict[str, str], r: str, d: str) -> str:
    """Say which projects raise this flow's practical capacity on their own, or why that is not known."""
    row = next((x for x in result.attribution if x.get("region") == r and x.get("direction") == d), None)
    searched = any(x.get("practical_all_projects_mt") is not None for x in result.attribution)
    if row is None:
        return "–"
    if not searched:  # compared with --attribute only: the upper bound's attribution, in its own table
        return "not simulated per project (upper bound: see 'What each project adds')"
    if row.get("practical_all_projects_mt") is None:
        k = result.comparison["regions"][r][d]
        ci = k.get("simulated_change_ci_mt")
        if ci and not significant(ci):
            return "not searched: no significant change with all projects together"
        return "not searched per project"
    before = result.comparison["regions"][r][d]["before"]
    parts = []
    for stem, name in projects.items():
        cell, adds = project_change(row, stem, before)
        if adds:
            parts.append(f"{name} {cell}")
    return "; ".join(parts) or "none alone (only together)"


def _market_table(result: ResultFolder, names: ElementNames, projects: dict[str, str], r: str) -> Table:
    """Tabulate a market's limit (before → after) and the projects that raise its capacity on their own."""
    rows = []
    for d in (d for d in DIRECTIONS if has_flows(result, r, d)):
        k = result.comparison["regions"][r][d]
        b, a = k["before"], k["after"]
        lb, la = k.get("bottleneck_before"), k.get("bottleneck_after")
        rows.append((capital(flow_label(r, d)),
                     arrow(names.label(lb, limit_kind(b, lb)), names.label(la, limit_kind(a, la))),
                     _projects_cell(result, projects, r, d) if projects else "–"))
    return Table(("Flows", "Limit (before → after)", "Projects that add on their own (Mt/yr, paired 95 % CI)"),
                 tuple(rows), css="market")


def market_blocks(result: ResultFolder, names: ElementNames, projects: dict[str, str],
                  figures: dict[str, Path]) -> list[Block]:
    """Build the market sections of a compare brief.

    Parameters
    ----------
    result
        A compare folder.
    names
        Element names of ``result``.
    projects
        Attributed projects: overlay stem -> human name (:func:`~corridors.brief.names.project_names`).
    figures
        Market -> its compact load--delay PNG (:func:`~corridors.brief.charts.market_figures`).

    Returns
    -------
    list of Block
        Per market: a heading, the figure, and the limits-and-projects table (the capacities themselves are in
        :func:`headline_table`).
    """
    out: list[Block] = []
    for r in markets_with_flows(result):
        out.append(Heading(r, 3))
        if r in figures:
            out.append(Figure(figures[r], f"Load–delay curves to and from {r}: added waiting against offered load, "
                                          "before and after, with 95 % intervals.", css="market", show_caption=False))
        out.append(_market_table(result, names, projects, r))
    return out
