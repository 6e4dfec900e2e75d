"""The "Method" section (network, runs, capacity search, what the after scenario changes) and the appendix.

The appendix holds the sources (:mod:`~corridors.brief.sources`), the operating
rules in words, and the input files: they are looked up again from here (as
recorded, or under the current folder or a parent of the result folder) to say
whether they still match the SHA-256 recorded in ``run.json``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from corridors import REGIONS
from corridors.brief.document import Block, Bullets, Heading, Para
from corridors.brief.format import arrow, clean_name, fmt_num, fmt_value
from corridors.brief.messages import closure_items
from corridors.brief.names import ElementNames, field_label, operation_label
from corridors.brief.read import DIRECTIONS, ResultFolder, locate_input
from corridors.brief.sources import sources_blocks
from corridors.brief.tables import BUSIEST_ROWS, busiest_ids

__all__ = ["appendix_blocks", "method_blocks"]

#: Changed fields of an element that are geometry, summarised rather than listed.
GEOMETRY_FIELDS = frozenset({"coords", "geometry", "lon", "lat"})


def _sha_of(path: Path) -> str | None:
    """Return the SHA-256 hex digest of a file, or ``None`` when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _ops_items(result: ResultFolder) -> Bullets:
    """List the operating rules (``operations``) in words, ``before → after`` where the scenarios differ."""
    runs = result.runs
    ops = [run.scenario.get("operations") or {} for run in runs]
    keys = list(dict.fromkeys(k for o in ops for k in o))
    cells = [[_field_value(o.get(k)) for o in ops] for k in keys]  # flags as yes/no
    return Bullets(tuple(f"{operation_label(k)}: {arrow(*c) if len(c) > 1 else c[0]}" for k, c in zip(keys, cells)),
                   css="columns")


def _field_value(value) -> str:
    """Format a changed field's value: ``not set`` for none, yes/no for a flag, else as :func:`fmt_value`."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return fmt_value(value)


def _changes(result: ResultFolder, names: ElementNames) -> list[str]:
    """List what the after scenario changes in the network, relative to the before scenario."""
    base, alt = result.runs
    before = base.scenario.get("changed_elements") or {}
    out = []
    for eid, rec in (alt.scenario.get("changed_elements") or {}).items():
        if before.get(eid) == rec:
            continue
        kinds = rec.get("change") or []
        name = clean_name(rec.get("name") or eid)
        if "added" in kinds:
            txt = f"{name}: added"
        elif "opened" in kinds:
            txt = f"{name}: opened"
        else:
            txt = f"{name}: changed"
        fields = rec.get("changed_fields") or {}
        shown = [f"{field_label(k)} {_field_value(v.get('from'))} → {_field_value(v.get('to'))}"
                 for k, v in fields.items() if k not in GEOMETRY_FIELDS]
        if any(k in GEOMETRY_FIELDS for k in fields):
            shown.append("alignment redrawn")
        if shown:
            txt += " (" + ", ".join(shown) + ")"
        out.append(txt)
    alt_links, base_links = set(alt.scenario.get("active_links") or []), set(base.scenario.get("active_links") or [])
    for eid in sorted(base_links - alt_links):
        out.append(f"{names.name(eid)}: not in service")
    return out


def _method_items(result: ResultFolder) -> list[str]:
    """Write the method bullets: network, each run's seed and horizon, and (compare) the capacity search."""
    runs = result.runs
    net = runs[-1].meta.get("network") or {}
    net_line = f"Network: {net.get('name', '?')}, version {net.get('version', '?')}"
    as_of = (runs[-1].scenario.get("network") or {}).get("as_of")
    if as_of:
        net_line += f", as of {as_of}"
    items = [net_line + f" (file {net.get('file', '?')})."]
    for run in runs:
        s = run.summary
        reps = (run.scenario.get("simulation") or {}).get("replications", 1)
        items.append(f"{run.name}: seed {s.get('seed')}, {fmt_num(s.get('sim_days'), 0)} simulated days of which "
                     f"{fmt_num(s.get('warmup_days'), 0)} warm-up (excluded from all figures), {reps} replication"
                     f"{'' if reps == 1 else 's'}; figures are annualised over the measured period.")
    if result.kind == "compare":
        search = (result.capacity[0].get("search") if result.capacity else None) or {}
        days = result.meta.get("search_days", search.get("days"))
        reps = search.get("replications", 1)
        items.append(
            "Capacity to or from a market is read from its load–delay curve: the market's flows are simulated at a "
            f"few loads, every other flow at its scenario demand, {reps} replication{'s' if reps != 1 else ''} of "
            f"{fmt_num(days, 0)} days at each, the same random numbers before and after; the terms are defined "
            "in the glossary and the formulas in docs/capacity.md.")
    return items


def _inputs_para(result: ResultFolder) -> Para:
    """Name the input files recorded in ``run.json``, their hash and whether the file here still matches."""
    items, seen = [], set()
    for meta in [result.meta, *(r.meta for r in result.runs)]:
        for f, h in (meta.get("input_sha256") or {}).items():
            if f in seen:
                continue
            seen.add(f)
            here = locate_input(result, f)
            now = _sha_of(here) if here else None
            state = "not found here" if now is None else ("unchanged" if now == h else "changed since the run")
            items.append(f"{f} ({h[:16]}, {state})")
    return Para("Input files, with the first 16 hex digits of their SHA-256 (in full in run.json) and whether the "
                "file here still matches what was simulated: " + "; ".join(items) + ".", css="small")


def method_blocks(result: ResultFolder, names: ElementNames) -> list[Block]:
    """Build the body of the "Method" section.

    Parameters
    ----------
    result
        A compare or run folder.
    names
        Element names of ``result``.

    Returns
    -------
    list of Block
        Method bullets (network, seeds, horizon in days, capacity search) and (compare) what the after scenario
        changes, each element by its name and each field in words.
    """
    blocks: list[Block] = [Bullets(tuple(_method_items(result)))]
    if result.kind == "compare":
        ch = _changes(result, names) + closure_items(result, names)  # a shutdown: what closes, how long, why
        blocks.append(Heading("What the after scenario changes", 3))
        blocks.append(Bullets(tuple(ch), css="columns") if ch else Para("No network element differs between the two scenarios; "
                                                         "only demand or operations change."))
    return blocks


def _named_elements(result: ResultFolder) -> set[str]:
    """Return the ids of the elements the brief names: limits, the busiest and (compare) the changed ones."""
    ids = set(busiest_ids(result, BUSIEST_ROWS))
    if result.comparison:
        for r in REGIONS:
            for d in DIRECTIONS:
                k = result.comparison["regions"][r][d]
                ids |= {k.get("bottleneck_before"), k.get("bottleneck_after")}
        ids |= set(result.runs[-1].scenario.get("changed_elements") or {})
    return {i for i in ids if i}


def appendix_blocks(result: ResultFolder, names: ElementNames) -> list[Block]:
    """Build the appendix: sources, operating rules, input files and software.

    Parameters
    ----------
    result
        A compare or run folder.
    names
        Element names of ``result``.

    Returns
    -------
    list of Block
        Sources (network and demand), the operating rules of each scenario, the input files with their SHA-256
        and whether they still match, and the software versions.
    """
    blocks: list[Block] = [Heading("Sources", 3), *sources_blocks(result, names, _named_elements(result)),
                           Heading("Operating rules", 3), _ops_items(result), _inputs_para(result)]
    sw = result.runs[-1].meta
    libs = ", ".join(f"{k} {v}" for k, v in (sw.get("libraries") or {}).items() if v)
    blocks.append(Para(f"Software: corridors {sw.get('corridors_version', '?')}, Python {sw.get('python', '?')}"
                       + (f", {libs}" if libs else "") + f"; result format {sw.get('result_format', '?')}.",
                       css="small"))
    return blocks
