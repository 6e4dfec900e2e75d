"""The tables of the brief: capacity, delivered volume, corridor indicators, bottlenecks.

Every cell is formatted here (with :mod:`corridors.brief.format`); the
renderers only mark the cells up. In a compare brief a cell reads
``before → after``, or a single value when both read the same.
"""

from __future__ import annotations

from corridors import REGIONS
from corridors.brief.document import Block, Heading, Para, Table
from corridors.brief.format import (
    arrow,
    capital,
    change_cell,
    flow_label,
    fmt_mt,
    fmt_num,
    fmt_pct,
    limit_word,
)
from corridors.brief.names import KIND_LABEL, ElementNames
from corridors.brief.read import DIRECTIONS, ResultFolder

__all__ = ["BUSIEST_ROWS", "attribution_table", "bottleneck_blocks", "busiest_ids", "corridor_table", "delivery_table",
           "project_change",
           "practical_attribution_table"]


def attribution_table(result: ResultFolder, projects: dict[str, str] | None = None) -> Table | None:
    """Tabulate what each project adds on its own: the change of the bound with that overlay alone.

    Parameters
    ----------
    result
        A compare folder; ``result.attribution`` holds the rows of ``attribution.csv``.
    projects
        Overlay stem -> the project's name (:func:`~corridors.brief.names.project_names`); default: the stem.

    Returns
    -------
    Table or None
        One row per region and direction whose bound any project changes: the base bound, each project's change
        and all projects together (Mt/yr); ``None`` without ``attribution.csv``.
    """
    rows_in = [r for r in result.attribution if r.get("base_bound_mt") is not None]
    if not rows_in:
        return None
    suffix = "_bound_change_mt"
    names_of = projects or {}
    projects = [k[: -len(suffix)] for k in rows_in[0] if k.endswith(suffix)]
    rows = []
    for r in rows_in:
        changes = [r.get(p + suffix) for p in projects]
        if not any(abs(c or 0) >= 0.05 for c in [*changes, r.get("all_projects_together_mt")]):
            continue
        cells = [("+" if (c or 0) > 0 else "") + fmt_mt(c) if c is not None else "–" for c in changes]
        together = r.get("all_projects_together_mt")
        rows.append((capital(flow_label(r["region"], r["direction"])), fmt_mt(r["base_bound_mt"]), *cells,
                     ("+" if (together or 0) > 0 else "") + fmt_mt(together)))
    cols = ("Flows", "Upper bound before", *(_project(p, names_of) for p in projects), "All together")
    note = ("Mt/yr: the change of the upper bound (the network's limit, see the glossary) with each project alone "
            "added to the base, "
            "and with all of them. A sum of single-project changes above 'all together' means the projects "
            "relieve the same limit; below it, they need each other. The bound is deterministic, so these "
            "figures carry no interval.")
    if not any(r.get("practical_all_projects_mt") is not None for r in result.attribution):
        note += " The practical capacity of each project alone is not simulated here (compare --attribute-capacity)."
    return Table(cols, tuple(rows), frozenset(range(1, len(cols))), note=note, css="attribution")


def project_change(row: dict, stem: str, before: dict) -> tuple[str, bool]:
    """Format one project's own paired change of the practical capacity, and tell whether it adds capacity.

    Parameters
    ----------
    row
        A row of ``attribution.csv`` (one region and direction).
    stem
        The project's overlay stem (the prefix of its columns).
    before
        The base's capacity record of that region and direction (whether it is a lower limit).

    Returns
    -------
    cell : str
        ``+8.6 (+5.5 to +11.6)``, ``n.s. (...)``, ``at least +8.6`` or ``–`` (:func:`change_cell`).
    adds : bool
        The project alone raises the capacity: a significant positive change, or a positive lower limit.
    """
    ch = row.get(f"{stem}_practical_change_mt")
    ci = [row.get(f"{stem}_practical_change_ci_low_mt"), row.get(f"{stem}_practical_change_ci_high_mt")]
    ci = None if None in ci else ci
    limit = limit_word(before, {"simulated_is_lower_limit": bool(row.get(f"{stem}_practical_is_lower_limit"))})
    cell = change_cell(ch, ci, limit)
    if ch is None or ch <= 0 or limit in ("at most", "undetermined"):
        return cell, False
    return cell, limit == "at least" or (ci is not None and not cell.startswith("n.s."))


def practical_attribution_table(result: ResultFolder, projects: dict[str, str] | None = None) -> Table | None:
    """Tabulate each project's own paired change of the practical capacity, where it was searched.

    Parameters
    ----------
    result
        A compare folder run with ``--attribute-capacity``.
    projects
        Overlay stem -> the project's name (:func:`~corridors.brief.names.project_names`); default: the stem.

    Returns
    -------
    Table or None
        One row per region and direction whose practical capacity the projects
        together change significantly: each project alone and all together,
        Mt/yr with paired 95 % intervals; ``None`` when no region was attributed.
    """
    suffix = "_practical_change_mt"
    rows_in = [r for r in result.attribution if r.get("practical_all_projects_mt") is not None]
    if not rows_in:
        return None
    names_of = projects or {}
    projects = [k[: -len(suffix)] for k in rows_in[0] if k.endswith(suffix)]
    rows = []
    for r in rows_in:
        base = result.comparison["regions"][r["region"]][r["direction"]]["before"]
        cells = [project_change(r, p, base)[0] for p in projects]
        ci = [r["practical_all_projects_ci_low_mt"], r["practical_all_projects_ci_high_mt"]]
        k = result.comparison["regions"][r["region"]][r["direction"]]
        rows.append((capital(flow_label(r["region"], r["direction"])), *cells,
                     change_cell(r["practical_all_projects_mt"], ci if None not in ci else None,
                                 limit_word(k["before"], k["after"]))))
    cols = ("Flows", *(_project(p, names_of) for p in projects), "All together")
    note = ("Mt/yr: the change of the practical capacity with each project alone added to the base, paired over "
            "replications (the same random numbers with and without the project), with its 95 % interval; n.s.: "
            "not significant. Only the flows whose practical capacity the projects together change significantly "
            "are searched project by project. Single-project changes need not add up to 'all together': "
            "projects can relieve the same limit, or move it to each other's lines.")
    return Table(cols, tuple(rows), frozenset(range(1, len(cols))), note=note, css="attribution")


def _project(stem: str, names: dict[str, str]) -> str:
    """Name a project in a column heading: its name, else its overlay's stem in words."""
    return names.get(stem) or stem.replace("-", " ").capitalize()


def delivery_table(result: ResultFolder) -> Table:
    """Tabulate offered and delivered freight and transit time per region and direction.

    Parameters
    ----------
    result
        A compare or run folder (``summary.json`` ``regions`` of each run).

    Returns
    -------
    Table
        One row per region and direction with freight in any run: offered and delivered Mt/yr, mean and
        95th-percentile transit in days; 5 columns.
    """
    cols = ("Flows", "Offered (Mt/yr)", "Delivered (Mt/yr)", "Transit, mean (days)", "Transit, 95th pct (days)")
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            recs = [run.summary["regions"].get(r, {}).get(d, {}) for run in result.runs]
            if not any((x.get("offered_mt") or 0) > 0 or (x.get("delivered_mt") or 0) > 0 for x in recs):
                continue
            rows.append((capital(flow_label(r, d)), *(
                arrow(*(fn(x.get(k)) for x in recs)) if len(recs) > 1 else fn(recs[0].get(k))
                for k, fn in (("offered_mt", fmt_mt), ("delivered_mt", fmt_mt),
                              ("transit_days_mean", fmt_num), ("transit_days_p95", fmt_num))
            )))
    note = ("Annualised over the measured period (after the warm-up), at each scenario's own demand; "
            "a flow between two regions counts in both. Offered: the trains the simulation generated (random "
            "arrivals around the scenario's demand, so a little off it). ")
    if len(result.runs) > 1:
        note += "Cells read before → after."
    return Table(cols, tuple(rows), frozenset({1, 2, 3, 4}), note=note)


def corridor_table(result: ResultFolder, names: ElementNames, top: int = 15, include: tuple[str, ...] = ()) -> Table:
    """Tabulate the CAREC corridor indicators of the corridors with the most trains.

    Parameters
    ----------
    result
        A compare or run folder (``summary.json`` ``corridor_indicators``, ``demand`` of the scenarios).
    names
        Element names of ``result`` (corridors by their ends and cargo).
    top
        Corridors shown, those with the most trains; the others are named in the note as left in ``corridors.csv``.
    include
        Corridors shown whatever their trains (the one a key message names), after the ``top``.

    Returns
    -------
    Table
        One row per corridor, named by its ends and cargo: trains, speed without and with delay (km/h), border crossing time
        (h per crossing), mean transit (days); 6 columns.
    """
    runs = result.runs
    by_run = [{c["corridor"]: c for c in run.summary.get("corridor_indicators") or []} for run in runs]
    ids = sorted(set().union(*by_run))
    trains = {c: max((b.get(c, {}).get("trains") or 0) for b in by_run) for c in ids}
    shown = set(sorted(ids, key=lambda c: -trains[c])[:top]) | (set(include) & set(ids))
    left = [c for c in ids if c not in shown]
    ids = [c for c in ids if c in shown]
    cols = ("Corridor (cargo)", "Trains", "Speed without delay (km/h)", "Speed with delay (km/h)",
            "Border crossing time (h per crossing)", "Transit, mean (days)")
    reps = [(run.summary.get("replications") or {}).get("corridors") or {} for run in runs]
    rows = []
    for cid in ids:
        recs = [b.get(cid, {}) for b in by_run]
        cells = [names.corridor(cid)]
        for k, digits in (("trains", 0), ("speed_without_delay_kmh", 1), ("speed_with_delay_kmh", 1),
                          ("border_crossing_time_h", 1), ("transit_days_mean", 1)):
            vals = [_over_replications(x.get(k), (r.get(cid) or {}).get(k), digits) for x, r in zip(recs, reps)]
            cells.append(arrow(*vals) if len(vals) > 1 else vals[0])
        rows.append(tuple(cells))
    note = ("CAREC Corridor Performance Measurement and Monitoring indicators, from trains delivered in the "
            "measured period. Speed without delay: route km over moving time; with delay: over door-to-door time; "
            "border crossing time: mean queue, handling and clearance per crossing.")
    if any(reps):
        note += " Mean over replications ± the 95 % half-width."
    if len(runs) > 1:
        note += " Cells read before → after; – where the flow does not run."
    if left:
        note += (f" The {len(left)} corridors with fewer trains are in corridors.csv"
                 + (" of each run folder." if len(runs) > 1 else "."))
    return Table(cols, tuple(rows), frozenset({1, 2, 3, 4, 5}), note=note, css="corridors")


def _over_replications(value, stats: dict | None, digits: int) -> str:
    """Format an indicator as ``28.8 ±0.8`` from its replication statistics, else the run's own value."""
    if not stats or stats.get("mean") is None:
        return fmt_num(value, digits)
    if stats.get("ci95") is None:
        return fmt_num(stats["mean"], digits)
    # a no-break space keeps a value with its half-width when the cell wraps at the arrow
    return f"{fmt_num(stats['mean'], digits)}\u00a0±{fmt_num(stats['ci95'], digits)}"


#: Rows of the busiest-elements and queue tables.
BUSIEST_ROWS = 5


def _utilisations(result: ResultFolder) -> dict[str, list]:
    """Element id -> its utilisation in each run (``None`` where it is not open)."""
    runs = result.runs
    util: dict[str, list] = {}
    for i, run in enumerate(runs):
        for row in (*run.sections, *run.crossings, *run.yards):
            util.setdefault(row["id"], [None] * len(runs))[i] = row.get("utilisation")
    return util


def busiest_ids(result: ResultFolder, top: int) -> list[str]:
    """Return the ``top`` element ids by utilisation (the highest of the runs), busiest first."""
    util = _utilisations(result)
    order = sorted(util, key=lambda k: -max((u or 0.0) for u in util[k]))
    return [k for k in order if max((u or 0.0) for u in util[k]) > 0][:top]


def _busiest_table(result: ResultFolder, names: ElementNames, top: int) -> Table:
    """Tabulate the ``top`` elements by utilisation (the highest of the runs), one column per run."""
    runs = result.runs
    util = _utilisations(result)
    order = busiest_ids(result, top)
    head = ("Element", "Type", *(("Utilisation before", "Utilisation after") if len(runs) > 1 else ("Utilisation",)))
    rows = tuple((names.name(k), KIND_LABEL.get(names.kind(k) or "", ""),
                  *(fmt_pct(u) if u is not None else "not open" for u in util[k])) for k in order)
    return Table(head, rows, frozenset(range(2, len(head))),
                 note="Carried trains over analytic capacity at scenario demand (single track and yards: both "
                      "directions share one budget). Above 90% queues grow quickly with any extra traffic.")


def _queue_rows(result: ResultFolder, names: ElementNames) -> list[tuple[str, ...]]:
    """Build the rows of the queue table: crossings and directions with a mean wait above 0.005 h, longest first."""
    runs = result.runs
    keys: dict[tuple[str, str], list] = {}
    for i, run in enumerate(runs):
        for row in run.crossings:
            for d, (a, b) in (("ab", ("from_node", "to_node")), ("ba", ("to_node", "from_node"))):
                keys.setdefault((row["id"], d), [None] * len(runs))[i] = (row, row[a], row[b])
    qrows = []
    for (cid, d), per in keys.items():
        waits = [(p[0].get(f"wait_mean_h_{d}") or 0.0) if p else 0.0 for p in per]
        if max(waits) <= 0.005:
            continue
        some = next(p for p in per if p)
        cells = [names.name(cid), f"{names.place(some[1])} → {names.place(some[2])}"]
        for k in ("wait_mean_h", "wait_p95_h", "queue_mean"):
            vals = [fmt_num(p[0].get(f"{k}_{d}"), 1 if k != "queue_mean" else 2) if p else "–" for p in per]
            cells.append(arrow(*vals) if len(vals) > 1 else vals[0])
        qrows.append((max(waits), tuple(cells)))
    qrows.sort(key=lambda x: -x[0])
    return [c for _, c in qrows]


def bottleneck_blocks(result: ResultFolder, names: ElementNames, top: int = BUSIEST_ROWS) -> list[Block]:
    """Build the bottleneck sub-sections: busiest elements, and where queues formed at crossings.

    Parameters
    ----------
    result
        A compare or run folder (``sections.csv`` and ``crossings.csv`` of each run).
    names
        Element names of ``result``.
    top
        Rows shown in each table.

    Returns
    -------
    list of Block
        Heading and utilisation table (%); heading and queue table (waits in h, queue in trains) or a
        paragraph saying that no queue formed.
    """
    out: list[Block] = [Heading("Busiest elements", 3), _busiest_table(result, names, top)]
    qrows = _queue_rows(result, names)
    out.append(Heading("Where queues formed", 3))
    if qrows:
        out.append(Table(("Crossing", "Direction", "Wait, mean (h)", "Wait, 95th pct (h)", "Queue, mean (trains)"),
                         tuple(qrows[:top]), frozenset({2, 3, 4}),
                         note="Waits before service at border crossings and ferries (dwell excluded); mean queue "
                              "by Little's law."
                              + (" Cells read before → after." if len(result.runs) > 1 else "")))
    else:
        out.append(Para("No train waited at a border crossing or ferry for more than a few minutes on average."))
    return out
