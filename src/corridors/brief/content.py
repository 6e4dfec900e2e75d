"""The content of a brief: the sections in order, as typed blocks (no HTML or Markdown here).

:func:`build_brief` assembles the sections from :mod:`~corridors.brief.messages`,
:mod:`~corridors.brief.tables`, :mod:`~corridors.brief.method` and
:mod:`~corridors.brief.caveats` into one :class:`~corridors.brief.document.Brief`.
"""

from __future__ import annotations

import datetime
import logging

from corridors import REGIONS, __version__
from corridors.brief.caveats import caveats
from corridors.brief.document import Block, Brief, Bullets, Figure, Heading, Para
from corridors.brief.messages import compare_key_messages, run_key_messages
from corridors.brief.method import method_blocks
from corridors.brief.names import ElementNames
from corridors.brief.read import DIRECTIONS, ResultFolder
from corridors.brief.tables import (
    attribution_table,
    bottleneck_blocks,
    capacity_table,
    corridor_table,
    delivery_table,
    practical_attribution_table,
)
from corridors.capacity import curve_file_stem

log = logging.getLogger(__name__)

__all__ = ["COMPARE_FIGURES", "RUN_FIGURES", "build_brief"]

#: Figures of a compare folder, in the order the brief shows them: file, caption, starts a page in print.
COMPARE_FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("capacity-before-after.png",
     "Analytic capacity of every link (trains per day and direction), before and after.", False),
    ("capacity-bars.png", "Practical capacity per region and direction, before and after (Mt/yr).", False),
    ("capacity-change.png",
     ("Change in analytic capacity between the scenarios; arrows give the simulated capacity to each region "
      "and circled elements are the limits after the change."), True),
)

#: Figure of a run folder.
RUN_FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("map.png", "Utilisation of analytic capacity per link; the five busiest are labelled.", False),
)


def _title_header(result: ResultFolder, today: datetime.date) -> tuple[str, list[str]]:
    """Write the title and the header lines: scenarios with their descriptions, dates, versions."""
    created = str(result.meta.get("created_at") or "")[:10] or "an unknown date"
    wrote = result.meta.get("corridors_version") or "unknown"
    ver = f"corridors {__version__}" + (f" (results written by corridors {wrote})" if wrote != __version__ else "")
    if result.kind == "compare":
        base, alt = result.runs
        title = f"Freight corridor capacity: {base.name} → {alt.name}"
        header = [f"**Before:** {base.name}: {base.description or 'no description'}",
                  f"**After:** {alt.name}: {alt.description or 'no description'}"]
    else:
        (run,) = result.runs
        title = f"Freight corridor performance: {run.name}"
        header = [f"**Scenario:** {run.name}: {run.description or 'no description'}"]
    header.append(f"**Date:** {today.isoformat()}, from results of {created}; {ver}.")
    return title, header


def _figures(result: ResultFolder, specs: tuple[tuple[str, str, bool], ...]) -> list[Block]:
    """Collect the figures of the result folder; a missing one becomes a note (and a warning in the log)."""
    out: list[Block] = []
    for name, caption, page in specs:
        p = result.path / name
        if p.is_file():
            out.append(Figure(p, caption, page))
        else:
            log.warning("%s: figure missing, left out of the brief", p)
            out.append(Para(f"(Figure {name} is missing from the result folder.)", css="small"))
    return out


def _curve_blocks(result: ResultFolder) -> list[Block]:
    """Collect the load--delay curve of every region and direction that has one (before and after on one chart)."""
    out: list[Block] = []
    for r in REGIONS:
        for d in DIRECTIONS:
            p = result.path / f"{curve_file_stem(r, d)}.png"
            if p.is_file():
                word = "to" if d == "inbound" else "from"
                out.append(Figure(p, (f"Load and delay of freight {word} {r}: delivered volume (top) and mean added "
                                      "waiting (bottom) against the offered load, before and after, with 95 % bands; "
                                      "the practical capacity is where the waiting reaches the service level."),
                                  False))
    if out:
        out.insert(0, Heading("Load and delay per region", page=True))
    return out


def build_brief(result: ResultFolder, *, today: datetime.date | None = None) -> Brief:
    """Build the content of the brief for a read result folder.

    Parameters
    ----------
    result
        From :func:`~corridors.brief.read.read_result`.
    today
        The date printed on the brief (default: today).

    Returns
    -------
    Brief
        Title, header and the sections in order: key messages; (compare) capacity table and maps; delivered
        volume and corridor indicators; bottlenecks (with the utilisation map of a run); method and assumptions;
        caveats.
    """
    today = today or datetime.date.today()
    names = ElementNames(result)
    title, header = _title_header(result, today)
    compare = result.kind == "compare"
    msgs = compare_key_messages(result, names) if compare else run_key_messages(result, names)
    blocks: list[Block] = [Heading("Key messages"), Bullets(tuple(msgs), css="key")]
    if compare:
        table, empty = capacity_table(result, names)
        blocks += [Heading("Capacity per region and direction"), table]
        if empty:
            blocks.append(Para("No flows " + ", ".join(empty) + " in either scenario.", css="small"))
        blocks.append(Heading("Capacity maps", page=True))
        blocks += _figures(result, COMPARE_FIGURES)
        attribution = [t for t in (practical_attribution_table(result), attribution_table(result)) if t is not None]
        if attribution:
            blocks += [Heading("What each project adds"), *attribution]
        blocks += _curve_blocks(result)
    blocks += [Heading("Delivered volume, transit time and corridor indicators"), delivery_table(result),
               Heading("CAREC corridor indicators", 3), corridor_table(result)]
    blocks.append(Heading("Bottlenecks", page=not compare))
    if not compare:
        blocks += _figures(result, RUN_FIGURES)
    blocks += bottleneck_blocks(result, names)
    blocks.append(Heading("Method and assumptions"))
    blocks += method_blocks(result, names)
    blocks += [Heading("Caveats"), Bullets(tuple(caveats(result, names)))]
    return Brief(title, tuple(header), tuple(blocks), key_messages=tuple(msgs))
