"""The content of a brief: the sections in order, as typed blocks (no HTML or Markdown here).

:func:`build_brief` assembles the sections from :mod:`~corridors.brief.messages`,
:mod:`~corridors.brief.markets`, :mod:`~corridors.brief.tables`,
:mod:`~corridors.brief.method`, :mod:`~corridors.brief.glossary` and
:mod:`~corridors.brief.caveats` into one :class:`~corridors.brief.document.Brief`:
a summary page, a section per market, and the rest, to print on 4-6 A4 pages.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from corridors import REGIONS, __version__
from corridors.brief.caveats import caveats
from corridors.brief.charts import market_figures
from corridors.brief.disruption import disruption_blocks
from corridors.brief.document import Block, Brief, Bullets, Figure, Heading, Para, Table
from corridors.brief.footprint import footprint_blocks
from corridors.brief.glossary import glossary_items
from corridors.brief.markets import headline_table, market_blocks, markets_with_flows
from corridors.brief.messages import compare_key_messages, run_key_messages, transit_corridor
from corridors.brief.method import appendix_blocks, method_blocks
from corridors.brief.names import ElementNames, project_names
from corridors.brief.read import DIRECTIONS, ResultFolder
from corridors.brief.tables import (
    attribution_table,
    bottleneck_blocks,
    corridor_table,
    delivery_table,
    practical_attribution_table,
)

log = logging.getLogger(__name__)

__all__ = ["CHANGE_MAP", "RUN_FIGURES", "build_brief"]

#: The summary's map of a compare folder: file, caption.
CHANGE_MAP: tuple[str, str] = (
    "capacity-change.png",
    "Change in analytic capacity (trains a day); arrows: practical capacity to each market, before → after; "
    "circled: the limits after.",
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


def _figures(result: ResultFolder, specs: tuple[tuple[str, str, bool], ...], css: str = "") -> list[Block]:
    """Collect the figures of the result folder; a missing one becomes a note (and a warning in the log)."""
    out: list[Block] = []
    for name, caption, page in specs:
        p = result.path / name
        if p.is_file():
            out.append(Figure(p, caption, page, css))
        else:
            log.warning("%s: figure missing, left out of the brief", p)
            out.append(Para(f"(Figure {name} is missing from the result folder.)", css="small"))
    return out


#: Where the glossary goes; replaced by :func:`build_brief` once the rest of the text is known.
GLOSSARY_SLOT = Para("")


def _text_of(blocks: list[Block]) -> str:
    """Return the words of the blocks: headings, paragraphs, list items, table cells and notes, captions."""
    out = []
    for b in blocks:
        if isinstance(b, (Heading, Para)):
            out.append(b.text)
        elif isinstance(b, Bullets):
            out += b.items
        elif isinstance(b, Table):
            out += [*b.columns, *(c for row in b.rows for c in row), b.note]
        elif isinstance(b, Figure):
            out.append(b.caption)
    return "\n".join(out)


def _level_share(result: ResultFolder) -> float | None:
    """Return the service level of a compare folder's capacity search (``None`` for a run folder)."""
    if not result.comparison:
        return None
    for r in REGIONS:
        for d in DIRECTIONS:
            level = (result.comparison["regions"][r][d]["before"].get("service_level") or {})
            if level.get("max_added_wait_share") is not None:
                return level["max_added_wait_share"]
    return None


def _compare_blocks(result: ResultFolder, names: ElementNames, msgs: list[str],
                    figure_dir: Path | None) -> list[Block]:
    """Build the body of a compare brief: summary page, market pages, projects, transit, bottlenecks, method, appendix."""
    blocks: list[Block] = [Heading("Key messages"), Bullets(tuple(msgs), css="key"),
                           Heading("Practical capacity to and from each market", 3), headline_table(result)]
    blocks += _figures(result, ((CHANGE_MAP[0], CHANGE_MAP[1], False),), css="wide")
    projects = project_names(result)
    figures = market_figures(result, figure_dir, markets_with_flows(result)) if figure_dir else {}
    blocks += [Heading("Market by market", page=True),
               Para("For each market: the load–delay curves the practical capacity is read from (added waiting "
                    "against the freight offered; the capacity is where a curve crosses the service level), the "
                    "element that limits the flows, and the projects that raise the capacity on their own.",
                    css="small"),
               *market_blocks(result, names, projects, figures)]
    # The simulated (practical) attribution when it was searched, else the upper bound's.
    attribution = practical_attribution_table(result, projects) or attribution_table(result, projects)
    if attribution is not None:
        blocks += [Heading("What each project adds"), attribution]
    # delivered volume and transit per market are in the time, cost and CO2 table (or, for results written
    # without cost, in the delivery table)
    blocks += footprint_blocks(result) or [Heading("Transit times and corridor indicators"), delivery_table(result)]
    blocks += [Heading("CAREC corridor indicators", 3),
               corridor_table(result, names, top=4, include=tuple(filter(None, [transit_corridor(result)]))),
               Heading("Bottlenecks"), *bottleneck_blocks(result, names),
               Heading("Method"), *method_blocks(result, names),
               Heading("Glossary", 3), GLOSSARY_SLOT,
               Heading("Caveats"), Bullets(tuple(caveats(result, names))),
               Heading("Appendix"), *appendix_blocks(result, names)]
    return blocks


def _run_blocks(result: ResultFolder, names: ElementNames, msgs: list[str]) -> list[Block]:
    """Build the body of a run brief: key messages, delivery and corridors, bottlenecks with the map, method, appendix."""
    return [Heading("Key messages"), Bullets(tuple(msgs), css="key"), *disruption_blocks(result),
            Heading("Delivered volume, transit time and corridor indicators"), delivery_table(result),
            Heading("CAREC corridor indicators", 3), corridor_table(result, names), *footprint_blocks(result),
            Heading("Bottlenecks"), *_figures(result, RUN_FIGURES), *bottleneck_blocks(result, names),
            Heading("Method"), *method_blocks(result, names),
            Heading("Glossary", 3), GLOSSARY_SLOT,
            Heading("Caveats"), Bullets(tuple(caveats(result, names))),
            Heading("Appendix"), *appendix_blocks(result, names)]


def build_brief(result: ResultFolder, *, today: datetime.date | None = None,
                figure_dir: Path | None = None) -> Brief:
    """Build the content of the brief for a read result folder.

    Parameters
    ----------
    result
        From :func:`~corridors.brief.read.read_result`.
    today
        The date printed on the brief (default: today).
    figure_dir
        Where the brief draws its own figures (each market's load--delay curves,
        :mod:`~corridors.brief.charts`); ``None`` leaves them out.

    Returns
    -------
    Brief
        Title, header and the sections in order. A compare brief: key messages, the practical capacity of every
        market and the change map (the summary page); a section per market (curves, limits, projects); what each
        project adds; delivered volume, transit, cost and CO2 per market with the corridor indicators; bottlenecks; method and glossary; caveats; the appendix
        (sources, operating rules, input files, software). A run brief: key messages, delivered volume and
        corridor indicators, time, cost and CO2 per market, bottlenecks with the utilisation map, method, glossary, caveats, appendix; with
        closures or slowdowns, a section on the backlog and the recovery after the key messages.
    """
    today = today or datetime.date.today()
    names = ElementNames(result)
    title, header = _title_header(result, today)
    if result.kind == "compare":
        msgs = compare_key_messages(result, names)
        blocks = _compare_blocks(result, names, msgs, Path(figure_dir) if figure_dir else None)
    else:
        msgs = run_key_messages(result, names)
        blocks = _run_blocks(result, names, msgs)
    # The glossary defines the terms the other sections use, so it is filled in last.
    glossary = glossary_items(_level_share(result), _text_of(blocks))
    blocks = [glossary if b is GLOSSARY_SLOT else b for b in blocks]
    return Brief(title, tuple(header), tuple(blocks), key_messages=tuple(msgs))
