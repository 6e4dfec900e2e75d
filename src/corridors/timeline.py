"""``corridors timeline``: the time-space diagram of a line over a window, from a traced run folder.

Reads the folder of ``corridors run --trace`` (its trace, :mod:`corridors.trace`;
its place names, ``nodes.csv``), joins the links given into a line, draws
every train on it (:func:`corridors.viz.stringline.plot_stringline`) and
writes the chart as PNG and SVG. Nothing is simulated. Every check comes
before anything is written, and the two files appear together or not at all.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from corridors.brief.names import ElementNames
from corridors.brief.read import read_result
from corridors.elements import HOURS_PER_DAY
from corridors.errors import CorridorsError, ResultError
from corridors.scenario.problems import excerpt
from corridors.trace import (
    LINKS_FILE,
    TRACE_FILE,
    build_chain,
    chain_paths,
    read_links,
    read_passages,
)
from corridors.viz import save_figure
from corridors.viz.stringline import day_label, plot_stringline

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "Timeline", "parse_day", "write_timeline"]

#: The formats written, each beside the other.
FORMATS = ("png", "svg")
#: Most node names a title lists before it names only the ends.
TITLE_STATIONS = 5


@dataclass(frozen=True)
class Timeline:
    """What ``corridors timeline`` wrote.

    Attributes
    ----------
    files
        The PNG and the SVG.
    trains
        Trains drawn (on the line within the window).
    title
        The chart's title.
    """

    files: tuple[Path, ...]
    trains: int
    title: str


def parse_day(text: str, option: str, *, positive: bool) -> float:
    """Read a number of days given on the command line.

    Parameters
    ----------
    text
        What was typed.
    option
        The option's name, for the message.
    positive
        Require more than 0 (else at least 0).

    Returns
    -------
    float

    Raises
    ------
    CorridorsError
        Not a finite number in range.
    """
    want = "a number of days > 0" if positive else "a day number >= 0 (day 0 is 1 January)"
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise CorridorsError(f"{option} {excerpt(str(text))}: expected {want}") from None
    if not math.isfinite(value) or (value <= 0 if positive else value < 0):
        raise CorridorsError(f"{option} {excerpt(str(text))}: expected {want}")
    return value


def _run_folder(run_dir: str | Path):
    """Read the run folder and check that it holds a trace."""
    result = read_result(run_dir)
    if result.kind != "run":
        raise ResultError(f"{result.path}: a comparison folder, which holds no trace; give the folder of "
                          f"'corridors run SCENARIO --trace'")
    run = result.runs[0]
    missing = [f for f in (TRACE_FILE, LINKS_FILE) if not (run.path / f).is_file()]
    if missing:
        raise ResultError(f"{run.path}: no trace ({', '.join(missing)} missing); run the scenario again with "
                          f"'corridors run SCENARIO --trace'")
    return result, run


def _window(run, from_day: float, days: float) -> tuple[float, float]:
    """Return the window in hours, checked against the run's horizon."""
    sim_days = run.summary.get("sim_days")
    if not isinstance(sim_days, (int, float)) or not sim_days > 0:
        raise ResultError(f"{run.path / 'summary.json'}: no horizon (sim_days); run the scenario again")
    if from_day + days > sim_days + 1e-9:
        raise CorridorsError(f"--from {from_day:g} --days {days:g}: the window ends on day {from_day + days:g}, "
                             f"after the run, which covers days 0 to {sim_days:g}; choose a window inside it")
    return from_day * HOURS_PER_DAY, (from_day + days) * HOURS_PER_DAY


def _targets(run_path: Path, out: str | None, stem: str) -> dict[str, Path]:
    """``format -> file``: ``out`` is a file stem (a .png/.svg ending is dropped) or a folder."""
    if out is None:
        base = run_path / stem
    else:
        o = Path(out)
        base = o / stem if o.is_dir() else (o.with_suffix("") if o.suffix.lower() in (".png", ".svg") else o)
    return {f: base.with_name(f"{base.name}.{f}") for f in FORMATS}


def _write(fig, targets: dict[str, Path]) -> list[Path]:
    """Save both formats beside their targets, then move them into place together."""
    parent = next(iter(targets.values())).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".timeline-", dir=parent) as tmpd:
            staged = save_figure(fig, Path(tmpd) / "timeline.png", formats=FORMATS)
            for f, path in zip(FORMATS, staged, strict=True):
                os.replace(path, targets[f])
    except OSError as exc:
        raise CorridorsError(f"cannot write the timeline to {parent}: {exc.strerror or exc}") from None
    return list(targets.values())


def _maintenance(scenario: dict) -> tuple[float, float] | None:
    """Return the daily maintenance window of the resolved scenario, ``(hour it opens, hours)``, if it has one."""
    ops = scenario.get("operations")
    opens, hours = (ops.get("maintenance_start_h"), ops.get("maintenance_h")) if isinstance(ops, dict) else (0, 0)
    ok = all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in (opens, hours))
    return (float(opens), float(hours)) if ok and hours > 0 else None


def _titles(result, run, chain, names: dict[str, str], start_h: float, end_h: float) -> tuple[str, str]:
    """Return the chart's title (the line and the dates) and its subtitle (scenario, seed, days of the run)."""
    stations = [names[n] for n in chain.nodes]
    line = " – ".join(stations if len(stations) <= TITLE_STATIONS else [stations[0], "…", stations[-1]])
    whole = start_h % HOURS_PER_DAY == 0 and end_h % HOURS_PER_DAY == 0
    if whole:
        last = day_label(end_h - HOURS_PER_DAY)
        dates = day_label(start_h) if last == day_label(start_h) else f"{day_label(start_h)} to {last}"
    else:
        dates = f"{day_label(start_h, time=True)} to {day_label(end_h, time=True)}"
    warm = run.summary.get("warmup_days")
    note = " (in the warm-up)" if isinstance(warm, (int, float)) and start_h < warm * HOURS_PER_DAY else ""
    sub = (f"Scenario {run.name}, seed {run.summary.get('seed')}: days {start_h / HOURS_PER_DAY:g} to "
           f"{end_h / HOURS_PER_DAY:g} of the run{note}, day 0 being 1 January. Flat: a train standing "
           f"(in a loop: waiting for the opposing train or the block ahead).")
    return f"{line}: every train, {dates}", sub


def write_timeline(run_dir: str | Path, line: str, from_day: str | float, days: str | float,
                   out: str | None = None) -> Timeline:
    """Draw the time-space diagram of ``line`` over a window of a traced run, as PNG and SVG.

    Parameters
    ----------
    run_dir
        The folder of ``corridors run --trace``.
    line
        Link ids separated by commas, in the order a train passes them (each
        in either direction); distance is measured from the first one's far end.
    from_day, days
        The window: its first day (day 0 is 1 January of the first simulated
        year; fractions allowed) and its length in days (> 0).
    out
        File stem (``.png`` and ``.svg`` are added; a given ``.png`` or
        ``.svg`` ending is dropped) or an existing folder. Default:
        ``RUN_DIR/timeline-<first node>-<last node>-day<DAY>-<N>d``.

    Returns
    -------
    Timeline
        The files written, the trains drawn and the title.

    Raises
    ------
    CorridorsError
        A bad window or line (unknown link, links that do not join), or the
        files cannot be written.
    ResultError
        No run folder, no trace in it, or a damaged trace.
    """
    start_day = parse_day(str(from_day), "--from", positive=False)
    n_days = parse_day(str(days), "--days", positive=True)
    result, run = _run_folder(run_dir)
    start_h, end_h = _window(run, start_day, n_days)
    links = read_links(run.path / LINKS_FILE)
    en = ElementNames(result)
    nodes = {n for lk in links.values() for n in (lk.from_node, lk.to_node)}
    names = {n: en.place(n) for n in nodes}
    chain = build_chain([x.strip() for x in line.split(",") if x.strip()], links, names)
    paths, waits = chain_paths(read_passages(run.path / TRACE_FILE, chain.wanted(), start_h, end_h), chain)
    title, sub = _titles(result, run, chain, names, start_h, end_h)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"timeline-{chain.nodes[0]}-{chain.nodes[-1]}-day{start_day:g}-{n_days:g}d")
    targets = _targets(run.path, out, stem)
    fig, _ = plot_stringline(chain, paths, waits, start_h=start_h, end_h=end_h, names=names, title=title,
                             subtitle=sub, maintenance=_maintenance(run.scenario))
    files = _write(fig, targets)
    trains = len({p.train_id for p in paths})
    log.info("timeline of %s: %d trains", title, trains)
    return Timeline(tuple(files), trains, title)
