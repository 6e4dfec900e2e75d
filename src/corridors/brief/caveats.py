"""The caveats the model can see in its own results, as sentences for the brief's last section.

Load near capacity, trains refused or still under way, closures in force,
capacity searches without an answer or with wide intervals, and the replications.
"""

from __future__ import annotations

from collections.abc import Callable

from corridors import REGIONS
from corridors.brief.format import flow_label, fmt_num, fmt_pct, resolved, with_ci
from corridors.brief.messages import NEAR_CAPACITY
from corridors.brief.names import ElementNames
from corridors.brief.read import DIRECTIONS, ResultFolder, RunFolder

__all__ = ["caveats"]

#: How a caveat names a run.
_Label = Callable[[RunFolder], str]


def _load_caveats(result: ResultFolder, names: ElementNames, label: _Label) -> list[str]:
    """Name the elements above :data:`NEAR_CAPACITY` in each run, or say there are none."""
    items = []
    for run in result.runs:
        near = sorted(((r["utilisation"], r["id"]) for r in (*run.sections, *run.crossings)
                       if (r.get("utilisation") or 0) > NEAR_CAPACITY), reverse=True)
        if near:
            items.append(f"Near capacity in {label(run)}: "
                         + "; ".join(f"{names.name(e)} at {fmt_pct(u)}" for u, e in near)
                         + ". Small changes in demand or operations move queues there a lot.")
    if not items:
        items.append(f"No element runs above {fmt_pct(NEAR_CAPACITY)} of its analytic capacity at scenario demand.")
    return items


def _train_caveats(result: ResultFolder, names: ElementNames, label: _Label) -> list[str]:
    """Report trains refused at entry and trains still under way at the end, per run.

    The run's own ``warnings`` (:func:`corridors.results.run_warnings`: refusals, a growing backlog, a short
    horizon) are quoted as they are, so the brief and the run say the same; folders written before them get
    the refusals from ``refused_by_reason``. Trains still under way are placed on their elements unless a
    backlog warning already says they are more than a steady flow.
    """
    items = []
    for run in result.runs:
        tr = run.summary.get("trains", {})
        warnings = run.summary.get("warnings")
        if warnings is not None:
            items += [f"In {label(run)}: {w[:1].lower() + w[1:] if w[:1].isalpha() else w}" for w in warnings]
        elif tr.get("refused"):
            refused = run.summary.get("refused_by_reason") or {}
            why = ", ".join(f"{k.replace('_', ' ')}: {fmt_num(v, 0)}" for k, v in refused.items())
            items.append(f"Flows not fully served in {label(run)}: {fmt_num(tr['refused'], 0)} trains were refused "
                         f"at entry{f' ({why})' if why else ''}; the demand there exceeds what the network takes.")
        backlog = any("backlog grew" in w for w in warnings or [])
        where = run.summary.get("in_network_where") or {}
        if tr.get("in_network") and not backlog:
            top = sorted(where.items(), key=lambda kv: -kv[1])[:3]
            at = ", ".join(f"{names.name(k)}: {fmt_num(v, 0)}" for k, v in top)
            steady = ("no more than half again what a steady flow has in transit" if warnings is not None else
                      "normal in transit, but a large number on one element marks a queue")
            items.append(f"{fmt_num(tr['in_network'], 0)} of {fmt_num(tr.get('generated'), 0)} trains were still "
                         f"under way when {label(run)} ended (most on {at}); {steady}.")
    if not any(run.summary.get("trains", {}).get("refused") for run in result.runs):
        items.append("No train was refused at entry: every flow was served at its scenario demand.")
    return items


def _disruption_text(names: ElementNames, run: RunFolder) -> list[str]:
    """Write one phrase per closure or slowdown of a run's scenario: element, rate, days, reason."""
    out = []
    for d in run.scenario.get("disruptions") or []:
        what = "closed" if not d.get("factor") else f"working at {fmt_pct(d.get('factor'))} of its rate"
        reason = f" ({d['reason']})" if d.get("reason") else ""
        out.append(f"{names.name(str(d.get('target')))} {what}, days {fmt_num(d.get('start_day'), 0)}–"
                   f"{fmt_num(d.get('end_day'), 0)}{reason}")
    return out


def _disruption_caveats(result: ResultFolder, names: ElementNames, label: _Label) -> list[str]:
    """List the closures and slowdowns in force in each run, or say there are none."""
    dis = [(run, _disruption_text(names, run)) for run in result.runs]
    if not any(t for _, t in dis):
        return ["No closures or slowdowns are in force in "
                + ("either scenario." if len(result.runs) > 1 else "the scenario.")]
    return [f"Closures and slowdowns in force in {label(run)}: " + "; ".join(texts) + "."
            for run, texts in dis if texts]


def _window_caveats(result: ResultFolder, names: ElementNames) -> list[str]:
    """Say which closures of a shutdown fall outside the days the capacity search simulates (``[]``: none)."""
    closures = (result.comparison or {}).get("closures") or []
    days = result.meta.get("search_days")
    if not closures or not days:
        return []
    warm = min(result.runs[0].summary.get("warmup_days") or 0.0, days / 3)
    outside = [names.name(str(c["id"])) for c in closures if c["to_day"] <= warm or c["from_day"] >= days]
    if not outside:
        return []
    return [(f"The practical capacities come from runs of days {fmt_num(warm, 0)}–{fmt_num(days, 0)} of the year "
             f"(the capacity search, after its warm-up), and the closure of {', '.join(outside)} lies outside them: "
             "only the upper bound, which averages closures over the whole year, and the runs at demand see it.")]


def _search_caveats(comparison: dict) -> list[str]:
    """Report wide intervals, capacities the search could not find, and the searches' own notes."""
    items = []
    recs = [(r, d, when, comparison["regions"][r][d][when])
            for r in REGIONS for d in DIRECTIONS for when in ("before", "after")]
    wide = [f"{flow_label(r, d)} {when} the change ({with_ci(rec['simulated_mt'], ci)} Mt/yr)"
            for r, d, when, rec in recs
            for ci in [rec.get("simulated_ci_mt")] if resolved(rec) and ci and ci[1] - ci[0] > 0.5 * rec["simulated_mt"]]
    unresolved = [f"{flow_label(r, d)} {when}" for r, d, when, rec in recs
                  if rec.get("probes") and not resolved(rec)]
    single = any(rec.get("replications") == 1 for *_, rec in recs)
    if comparison.get("checks"):
        items.append("The comparison's own checks found figures that contradict each other beyond their intervals: "
                     + "; ".join(comparison["checks"]) + ". Do not quote those figures before looking at the runs.")
    if unresolved:
        items.append("The capacity search found no load within the service level for the flows "
                     + "; ".join(unresolved) + ": the trains wait longer than the level allows even at the lowest "
                     "load tried. Look at that run's queues before quoting these figures.")
    if wide:
        items.append("The 95 % interval of the practical capacity is wider than half its value for the flows "
                     + "; ".join(wide) + ": run 'corridors compare' with more --replications to narrow it.")
    if single:
        items.append("Some capacities come from a single replication: they carry no interval, and no change "
                     "between them can be called significant.")
    notes = sorted({n.strip() for *_, rec in recs for n in str(rec.get("note") or "").split(";")
                    if n.strip() and "no flows" not in n})
    if notes:
        items.append("Notes of the capacity search: " + "; ".join(notes) + ".")
    return items


def _seed_caveat(result: ResultFolder) -> str:
    """Say how many replications the figures rest on, and what their intervals do and do not cover."""
    if result.comparison:
        regs = result.comparison["regions"]
        reps = max((regs[r][d][w].get("replications") or 1 for r in REGIONS for d in DIRECTIONS
                    for w in ("before", "after")), default=1)
    else:
        reps = max(((run.summary.get("replications") or {}).get("n") or 1 for run in result.runs), default=1)
    who = "Each scenario was" if len(result.runs) > 1 else "The scenario was"
    if reps <= 1:
        return (f"{who} simulated with one random seed; the spread between seeds is not measured, "
                "so no confidence intervals are given.")
    return (f"{who} simulated in {reps} replications; the 95 % intervals cover the randomness the model draws "
            "(arrivals, border dwell, storms), not errors in its inputs (line data, border rates, demand).")


def caveats(result: ResultFolder, names: ElementNames) -> list[str]:
    """Write the caveats of a result folder.

    Parameters
    ----------
    result
        A compare or run folder.
    names
        Element names of ``result``.

    Returns
    -------
    list of str
        One sentence each, in this order: (run only) elements above 90 % utilisation; trains refused at entry and still
        under way at the end; closures and slowdowns; (compare only) capacity searches without an answer,
        wide intervals and the searches' notes; the replications and what their intervals cover.
    """
    label: _Label = (lambda run: f"the {run.name} run") if len(result.runs) > 1 else (lambda run: "the run")
    # A compare brief names the busiest elements in its bottleneck table; a caveat would repeat them.
    items = [*([] if result.comparison else _load_caveats(result, names, label)),
             *_train_caveats(result, names, label), *_disruption_caveats(result, names, label),
             *_window_caveats(result, names)]
    if result.comparison:
        items += _search_caveats(result.comparison)
    items.append(_seed_caveat(result))
    return items
