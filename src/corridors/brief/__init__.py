"""Policy brief: a short, sendable document written from a result folder.

``corridors brief RESULT_DIR`` reads the folder of ``corridors compare`` (or of
a single ``corridors run``) and writes the same brief as

* **HTML**, self-contained: the figures are embedded as data URIs, the style
  sheet is inline, there are no scripts, fonts or other external resources; it
  reads on screen and prints on A4 (print CSS, page breaks before the maps);
* **Markdown**, with the PNG figures copied beside it, for pasting into other
  documents;
* **PDF**, printed from the HTML by headless Chromium (``--print-to-pdf``).

Nothing is simulated again: every number in the brief is read from the files
of the result folder (``comparison.json``, ``summary.json``, ``sections.csv``,
``crossings.csv``, ``scenario.resolved.yaml``, ``run.json``). The key messages
are sentences built from those numbers, never typed in.

The content is built once as a list of blocks (headings, paragraphs, lists,
tables, figures); one renderer turns the blocks into HTML, another into
Markdown, so the formats cannot drift apart.

This is a leaf module like :mod:`corridors.reports`: it reads result files
and imports nothing but :mod:`corridors.errors`, :mod:`corridors.results`
(for ``RESULT_FORMAT``) and the package constants.
"""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corridors import REGIONS, __version__
from corridors.errors import CorridorsError, ResultError
from corridors.results import RESULT_FORMAT

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "BriefError", "find_browser", "read_result", "write_brief"]

#: Output formats, in the order they are written.
FORMATS: tuple[str, ...] = ("html", "md", "pdf")

#: Utilisation above which an element counts as near capacity.
NEAR_CAPACITY = 0.9

#: Figures of a compare folder, in the order the brief shows them: file, caption, starts a page in print.
COMPARE_FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("capacity-before-after.png",
     "Analytic capacity of every link (trains per day and direction), before and after.", False),
    ("capacity-bars.png", "Simulated capacity per region and direction, before and after (Mt/yr).", False),
    ("capacity-change.png",
     ("Change in analytic capacity between the scenarios; arrows give the simulated capacity to each region "
      "and circled elements are the limits after the change."), True),
)

#: Figure of a run folder.
RUN_FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("map.png", "Utilisation of analytic capacity per link; the five busiest are labelled.", False),
)

#: Files every run folder must hold for a brief.
RUN_FILES: tuple[str, ...] = ("summary.json", "run.json", "scenario.resolved.yaml", "sections.csv", "crossings.csv")

#: Browser executables tried, in order, when none is given.
BROWSER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Command-line flags for headless Chromium that work as root, offline and without a display.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars",
)

KIND_LABEL = {
    "single_track": "single-track section",
    "double_track": "double-track section",
    "border": "border crossing",
    "ferry": "ferry link",
}

MINUS = "\u2212"

#: Changed fields of an element that are geometry, summarised rather than listed.
GEOMETRY_FIELDS = frozenset({"coords", "geometry", "lon", "lat"})


class BriefError(CorridorsError):
    """The brief cannot be written as asked (unknown format, no PDF renderer, renderer failed)."""


# =========================================================================== reading the result folder


@dataclass(frozen=True)
class RunFolder:
    """The files of one ``corridors run`` output folder, read.

    Attributes
    ----------
    path
        The folder.
    summary
        ``summary.json``.
    meta
        ``run.json``.
    scenario
        ``scenario.resolved.yaml``.
    sections, crossings
        Rows of ``sections.csv`` and ``crossings.csv`` (numbers parsed, empty cells ``None``).
    """

    path: Path
    summary: dict
    meta: dict
    scenario: dict
    sections: list[dict]
    crossings: list[dict]

    @property
    def name(self) -> str:
        """The scenario name."""
        return str(self.summary.get("scenario") or self.scenario.get("name") or self.path.name)

    @property
    def description(self) -> str:
        """The scenario's description on one line."""
        return " ".join(str(self.scenario.get("description") or "").split())

    def element(self, eid: str) -> dict | None:
        """The row of ``sections.csv`` or ``crossings.csv`` with this id."""
        for row in (*self.sections, *self.crossings):
            if row["id"] == eid:
                return row
        return None


@dataclass(frozen=True)
class ResultFolder:
    """A result folder, read: one run, or a comparison of two.

    Attributes
    ----------
    path
        The folder.
    kind
        ``"compare"`` or ``"run"``.
    runs
        ``(base, alt)`` for a comparison, ``(run,)`` for a single run.
    meta
        The top-level ``run.json``.
    comparison
        ``comparison.json`` (``None`` for a single run).
    capacity
        ``capacity-before.json`` and ``capacity-after.json`` when present.
    """

    path: Path
    kind: str
    runs: tuple[RunFolder, ...]
    meta: dict
    comparison: dict | None = None
    capacity: tuple[dict, ...] = ()

    def element(self, eid: str) -> dict | None:
        """An element's row in the last run that has it (the after scenario first)."""
        for run in reversed(self.runs):
            row = run.element(eid)
            if row is not None:
                return row
        return None


def _read_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(doc, dict):
        raise ResultError(f"{path}: expected a JSON object, found {type(doc).__name__}")
    return doc


def _read_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise ResultError(f"{path}: not a readable YAML file ({exc})") from None
    if not isinstance(doc, dict):
        raise ResultError(f"{path}: expected a mapping at the top level")
    return doc


def _cell(value: str):
    """A CSV cell as None, bool, int, float or str."""
    if value == "":
        return None
    if value in ("True", "False"):
        return value == "True"
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def _read_csv(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [{k: _cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultError(f"{path}: not a readable CSV file ({exc})") from None
    if rows and not {"id", "name", "utilisation"} <= set(rows[0]):
        raise ResultError(f"{path}: expected the columns id, name and utilisation")
    return rows


def _check_format(doc: dict, path: Path) -> None:
    """Refuse a file whose ``result_format`` major differs from :data:`RESULT_FORMAT`."""
    fmt = doc.get("result_format")
    want = RESULT_FORMAT.split(".")[0]
    written_by = doc.get("corridors_version") or doc.get("version") or "an unknown version"
    if fmt is None:
        raise ResultError(
            f"{path}: no result_format: written by corridors {written_by}, older than result format "
            f"{RESULT_FORMAT} that this corridors {__version__} reads; run the scenarios again"
        )
    if str(fmt).split(".")[0] != want:
        raise ResultError(
            f"{path}: result format {fmt} (corridors {written_by}) is incompatible with format "
            f"{RESULT_FORMAT} that this corridors {__version__} reads; run the scenarios again with this version"
        )


def _read_run(folder: Path) -> RunFolder:
    missing = [f for f in RUN_FILES if not (folder / f).is_file()]
    if missing:
        raise ResultError(f"{folder}: incomplete run folder, missing {', '.join(missing)}")
    summary = _read_json(folder / "summary.json")
    _check_format(summary, folder / "summary.json")
    meta = _read_json(folder / "run.json")
    _check_format(meta, folder / "run.json")
    for key in ("scenario", "regions", "trains"):
        if key not in summary:
            raise ResultError(f"{folder / 'summary.json'}: no '{key}' key; not a corridors run summary")
    return RunFolder(path=folder, summary=summary, meta=meta, scenario=_read_yaml(folder / "scenario.resolved.yaml"),
                     sections=_read_csv(folder / "sections.csv"), crossings=_read_csv(folder / "crossings.csv"))


def read_result(result_dir: str | Path) -> ResultFolder:
    """Read a ``corridors compare`` or ``corridors run`` output folder.

    Parameters
    ----------
    result_dir
        The folder: holds ``comparison.json`` with ``base/`` and ``alt/`` run
        folders (compare), or ``summary.json`` at the top (run).

    Returns
    -------
    ResultFolder

    Raises
    ------
    ResultError
        The folder does not exist, is no result folder, is incomplete, or was
        written in a result format whose major version differs from
        :data:`corridors.results.RESULT_FORMAT`.
    """
    folder = Path(result_dir)
    if not folder.exists():
        raise ResultError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ResultError(f"{folder}: not a folder; give the output folder of 'corridors compare' or 'corridors run'")
    if (folder / "comparison.json").is_file():
        meta = _read_json(folder / "run.json")
        _check_format(meta, folder / "run.json")
        comparison = _read_json(folder / "comparison.json")
        if not isinstance(comparison.get("regions"), dict):
            raise ResultError(f"{folder / 'comparison.json'}: no 'regions'; not a corridors comparison")
        runs = (_read_run(folder / "base"), _read_run(folder / "alt"))
        caps = tuple(_read_json(folder / f) for f in ("capacity-before.json", "capacity-after.json")
                     if (folder / f).is_file())
        return ResultFolder(folder, "compare", runs, meta, comparison, caps)
    if (folder / "summary.json").is_file():
        run = _read_run(folder)
        return ResultFolder(folder, "run", (run,), run.meta)
    if (folder / "capacity.json").is_file():
        raise ResultError(f"{folder}: a 'corridors capacity' folder; a brief needs the output folder of "
                          f"'corridors compare' or 'corridors run'")
    raise ResultError(f"{folder}: not a result folder (no comparison.json or summary.json); give the output "
                      f"folder of 'corridors compare' or 'corridors run'")


# =========================================================================== number and name formats


def fmt_mt(x: float | None) -> str:
    """Mt/yr for text and tables: one decimal, two below 1 Mt/yr."""
    if x is None:
        return "–"
    x = x + 0.0  # no negative zero
    t = f"{x:,.2f}" if abs(x) < 1 else f"{x:,.1f}"
    return "0.00" if t == "-0.00" else t.replace("-", MINUS)


def fmt_num(x: float | None, nd: int = 1) -> str:
    """A plain number with ``nd`` decimals (``–`` for missing; no decimals from 100 up)."""
    if x is None:
        return "–"
    t = f"{x:,.{0 if abs(x) >= 100 else nd}f}"
    return t.lstrip("-") if float(t.replace(",", "")) == 0 else t.replace("-", MINUS)


def fmt_pct(rel: float | None, *, sign: bool = False) -> str:
    """A share as a whole percentage (``rel`` = 0.25 gives ``25%``), with a true minus sign."""
    if rel is None:
        return "–"
    v = round(rel * 100)
    if sign and v != 0:
        return f"{'+' if v > 0 else MINUS}{abs(v):,.0f}%"
    return f"{v:,.0f}%".replace("-", MINUS)


def resolved(rec: dict) -> bool:
    """The capacity search found a stable demand level above zero."""
    return (rec.get("simulated_mt") or 0) > 0


def _pm(value: float | None, precision: float | None) -> str:
    """Simulated capacity for a table cell: ``15.6 ± 1.9``, ``< 0.66`` or ``none found``."""
    if value is None:
        return "–"
    if value <= 0:
        return f"< {fmt_mt(precision)}" if (precision or 0) > 0 else "none found"
    return fmt_mt(value) if precision is None else f"{fmt_mt(value)} ± {fmt_mt(precision)}"


def _cap_phrase(value: float | None, precision: float | None) -> str:
    """Simulated capacity in a sentence."""
    if value is not None and value <= 0:
        if (precision or 0) > 0:
            return f"below {fmt_mt(precision)} Mt/yr"
        return "not found (no stable demand level)"
    return f"{_pm(value, precision)} Mt/yr"


def _arrow(a: str, b: str) -> str:
    return a if a == b else f"{a} → {b}"


def _clean_name(name: str) -> str:
    return str(name).replace(" - ", " – ")


def _kind_of(row: dict | None) -> str | None:
    if row is None:
        return None
    if "tracks" in row:
        return "single_track" if row["tracks"] == 1 else "double_track"
    return row.get("kind")


def flow_label(region: str, direction: str) -> str:
    """``to China`` for inbound, ``from China`` for outbound."""
    return f"{'to' if direction == 'inbound' else 'from'} {region}"


# =========================================================================== the document model


@dataclass
class Heading:
    """A section heading (level 2) or sub-heading (level 3)."""

    text: str
    level: int = 2
    page: bool = False


@dataclass
class Para:
    """A paragraph; ``**bold**`` spans and URLs are marked up in HTML."""

    text: str
    css: str = ""


@dataclass
class Bullets:
    """A bulleted list of paragraphs."""

    items: list[str]
    css: str = ""


@dataclass
class Table:
    """A table of text cells; ``numeric`` columns are right-aligned."""

    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()
    note: str = ""
    css: str = ""


@dataclass
class Figure:
    """A PNG figure with its caption; ``page`` starts a new page in print."""

    path: Path
    caption: str
    page: bool = False


@dataclass
class Brief:
    """The content of a brief, ready to render."""

    title: str
    header: list[str]
    blocks: list = field(default_factory=list)
    key_messages: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        """The figures, in order."""
        return [b for b in self.blocks if isinstance(b, Figure)]


# =========================================================================== content: shared pieces


class _Names:
    """Element names and kinds of a result folder, for sentences and tables."""

    def __init__(self, result: ResultFolder) -> None:
        self.result = result

    def name(self, eid: str) -> str:
        row = self.result.element(eid)
        return _clean_name(row["name"]) if row and row.get("name") else eid

    def kind(self, eid: str, kind: str | None = None) -> str | None:
        return kind or _kind_of(self.result.element(eid))

    def describe(self, eid: str, kind: str | None = None) -> str:
        """``the single-track section Aktogay – Moyinty``."""
        name = self.name(eid)
        if any(w in name.lower() for w in ("ferry", "facility", "crossing", "border")):
            return f"the {name}"
        label = KIND_LABEL.get(self.kind(eid, kind) or "", "element")
        return f"the {label} {name}"

    def label(self, eid: str | None, kind: str | None = None) -> str:
        """``Aktogay – Moyinty (single-track section)`` for tables."""
        if not eid:
            return "–"
        k = KIND_LABEL.get(self.kind(eid, kind) or "")
        return f"{self.name(eid)} ({k})" if k else self.name(eid)


def _limit_kind(rec: dict, eid: str | None) -> str | None:
    for e in (*rec.get("binding", []), *rec.get("bottlenecks", [])):
        if e.get("id") == eid:
            return e.get("kind")
    return None


def _title_header(result: ResultFolder, today: datetime.date) -> tuple[str, list[str]]:
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


def _delivery_table(result: ResultFolder) -> Table:
    cols = ["Flows", "Offered (Mt/yr)", "Delivered (Mt/yr)", "Transit, mean (days)", "Transit, 95th pct (days)"]
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            recs = [run.summary["regions"].get(r, {}).get(d, {}) for run in result.runs]
            if not any((x.get("offered_mt") or 0) > 0 or (x.get("delivered_mt") or 0) > 0 for x in recs):
                continue
            rows.append([flow_label(r, d)] + [
                _arrow(*(fn(x.get(k)) for x in recs)) if len(recs) > 1 else fn(recs[0].get(k))
                for k, fn in (("offered_mt", fmt_mt), ("delivered_mt", fmt_mt),
                              ("transit_days_mean", fmt_num), ("transit_days_p95", fmt_num))
            ])
    note = ("Annualised over the measured period (after the warm-up), at each scenario's own demand; "
            "a flow between two regions counts in both. ")
    if len(result.runs) > 1:
        note += "Cells read before → after."
    return Table(cols, rows, frozenset({1, 2, 3, 4}), note=note)


def _corridor_table(result: ResultFolder, top: int = 15) -> Table:
    runs = result.runs
    by_run = [{c["corridor"]: c for c in run.summary.get("corridor_indicators") or []} for run in runs]
    flows = {}
    for run in runs:
        for f in run.scenario.get("demand") or []:
            flows.setdefault(f.get("id"), f)
    ids = sorted(set().union(*by_run))
    trains = {c: max((b.get(c, {}).get("trains") or 0) for b in by_run) for c in ids}
    shown = set(sorted(ids, key=lambda c: -trains[c])[:top])
    left = [c for c in ids if c not in shown]
    ids = [c for c in ids if c in shown]
    cols = ["Corridor (flow)", "Trains", "Speed without delay (km/h)", "Speed with delay (km/h)",
            "Border crossing time (h per crossing)", "Transit, mean (days)"]
    rows = []
    for cid in ids:
        recs = [b.get(cid, {}) for b in by_run]
        f = flows.get(cid) or {}
        label = f"{cid} ({f.get('origin')} → {f.get('destination')})" if f else cid
        cells = [label]
        for k, fn in (("trains", lambda v: fmt_num(v, 0)), ("speed_without_delay_kmh", fmt_num),
                      ("speed_with_delay_kmh", fmt_num), ("border_crossing_time_h", fmt_num),
                      ("transit_days_mean", fmt_num)):
            vals = [fn(x.get(k)) for x in recs]
            cells.append(_arrow(*vals) if len(vals) > 1 else vals[0])
        rows.append(cells)
    note = ("CAREC Corridor Performance Measurement and Monitoring indicators, from trains delivered in the "
            "measured period. Speed without delay: route km over moving time; with delay: over door-to-door time; "
            "border crossing time: mean queue plus dwell per crossing.")
    if len(runs) > 1:
        note += " Cells read before → after; – where the flow does not run."
    if left:
        note += (f" The {len(left)} corridors with fewer trains are in corridors.csv"
                 + (" of each run folder." if len(runs) > 1 else "."))
    return Table(cols, rows, frozenset({1, 2, 3, 4, 5}), note=note)


def _bottleneck_tables(result: ResultFolder, names: _Names, top: int = 10) -> list:
    runs = result.runs
    util: dict[str, list] = {}
    for i, run in enumerate(runs):
        for row in (*run.sections, *run.crossings):
            util.setdefault(row["id"], [None] * len(runs))[i] = row.get("utilisation")
    order = sorted(util, key=lambda k: -max((u or 0.0) for u in util[k]))
    order = [k for k in order if max((u or 0.0) for u in util[k]) > 0][:top]
    head = ["Element", "Type"] + (["Utilisation before", "Utilisation after"] if len(runs) > 1 else ["Utilisation"])
    rows = [[names.name(k), KIND_LABEL.get(names.kind(k) or "", "")]
            + [fmt_pct(u) if u is not None else "not open" for u in util[k]] for k in order]
    out: list = [Heading("Busiest elements", 3), Table(
        head, rows, frozenset(range(2, len(head))),
        note="Carried trains over analytic capacity at scenario demand (single track: both directions share one "
             "budget). Above 90% queues grow quickly with any extra traffic.")]
    # queues at crossings, per direction
    qrows = []
    keys = {}
    for i, run in enumerate(runs):
        for row in run.crossings:
            for d, (a, b) in (("ab", ("from_node", "to_node")), ("ba", ("to_node", "from_node"))):
                keys.setdefault((row["id"], d), [None] * len(runs))[i] = (row, row[a], row[b])
    for (cid, d), per in keys.items():
        waits = [(p[0].get(f"wait_mean_h_{d}") or 0.0) if p else 0.0 for p in per]
        if max(waits) <= 0.005:
            continue
        some = next(p for p in per if p)
        cells = [names.name(cid), f"{some[1]} → {some[2]}"]
        for k in ("wait_mean_h", "wait_p95_h", "queue_mean"):
            vals = [fmt_num(p[0].get(f"{k}_{d}"), 1 if k != "queue_mean" else 2) if p else "–" for p in per]
            cells.append(_arrow(*vals) if len(vals) > 1 else vals[0])
        qrows.append((max(waits), cells))
    qrows.sort(key=lambda x: -x[0])
    out.append(Heading("Where queues formed", 3))
    if qrows:
        out.append(Table(["Crossing", "Direction", "Wait, mean (h)", "Wait, 95th pct (h)", "Queue, mean (trains)"],
                         [c for _, c in qrows[:top]], frozenset({2, 3, 4}),
                         note="Waits before service at border crossings and ferries (dwell excluded); mean queue "
                              "by Little's law."
                              + (" Cells read before → after." if len(runs) > 1 else "")))
    else:
        out.append(Para("No train waited at a border crossing or ferry for more than a few minutes on average."))
    return out


def _disruption_text(result: ResultFolder, names: _Names, run: RunFolder) -> list[str]:
    out = []
    for d in run.scenario.get("disruptions") or []:
        what = "closed" if not d.get("factor") else f"working at {fmt_pct(d.get('factor'))} of its rate"
        reason = f" ({d['reason']})" if d.get("reason") else ""
        out.append(f"{names.name(str(d.get('target')))} {what}, days {fmt_num(d.get('start_day'), 0)}–"
                   f"{fmt_num(d.get('end_day'), 0)}{reason}")
    return out


def _caveats(result: ResultFolder, names: _Names) -> list[str]:
    items = []
    label = (lambda run: f"the {run.name} run") if len(result.runs) > 1 else (lambda run: "the run")
    for run in result.runs:
        near = sorted(((r["utilisation"], r["id"]) for r in (*run.sections, *run.crossings)
                       if (r.get("utilisation") or 0) > NEAR_CAPACITY), reverse=True)
        if near:
            items.append(f"Near capacity in {label(run)}: "
                         + "; ".join(f"{names.name(e)} at {fmt_pct(u)}" for u, e in near)
                         + ". Small changes in demand or operations move queues there a lot.")
    if not any(i.startswith("Near capacity") for i in items):
        items.append(f"No element runs above {fmt_pct(NEAR_CAPACITY)} of its analytic capacity at scenario demand.")
    for run in result.runs:
        tr = run.summary.get("trains", {})
        refused = run.summary.get("refused_by_reason") or {}
        if tr.get("refused"):
            why = ", ".join(f"{k.replace('_', ' ')}: {fmt_num(v, 0)}" for k, v in refused.items())
            items.append(f"Flows not fully served in {label(run)}: {fmt_num(tr['refused'], 0)} trains were refused "
                         f"at entry{f' ({why})' if why else ''}; the demand there exceeds what the network takes.")
        where = run.summary.get("in_network_where") or {}
        if tr.get("in_network"):
            top = sorted(where.items(), key=lambda kv: -kv[1])[:3]
            at = ", ".join(f"{names.name(k)}: {fmt_num(v, 0)}" for k, v in top)
            items.append(f"{fmt_num(tr['in_network'], 0)} of {fmt_num(tr.get('generated'), 0)} trains were still "
                         f"under way when {label(run)} ended (most on {at}); normal in transit, but a large number "
                         f"on one element marks a queue.")
    if not any(run.summary.get("trains", {}).get("refused") for run in result.runs):
        items.append("No train was refused at entry: every flow was served at its scenario demand.")
    dis = [(run, _disruption_text(result, names, run)) for run in result.runs]
    if any(t for _, t in dis):
        for run, texts in dis:
            if texts:
                items.append(f"Closures and slowdowns in force in {label(run)}: " + "; ".join(texts) + ".")
    else:
        items.append("No closures or slowdowns are in force in " +
                     ("either scenario." if len(result.runs) > 1 else "the scenario."))
    if result.comparison:
        coarse = []
        for r in REGIONS:
            for d in ("inbound", "outbound"):
                for when in ("before", "after"):
                    rec = result.comparison["regions"][r][d][when]
                    v, p = rec.get("simulated_mt"), rec.get("precision_mt")
                    if v and p and p > 0.25 * v:
                        coarse.append(f"{flow_label(r, d)} {when} the change ({_pm(v, p)} Mt/yr)")
        unresolved = [f"{flow_label(r, d)} {when}" for r in REGIONS for d in ("inbound", "outbound")
                      for when in ("before", "after")
                      if result.comparison["regions"][r][d][when].get("simulated_mt") is not None
                      and not resolved(result.comparison["regions"][r][d][when])]
        if unresolved:
            by_when = {w: [u.rsplit(" ", 1)[0] for u in unresolved if u.endswith(w)] for w in ("before", "after")}
            items.append("The capacity search found no stable demand level above zero "
                         + "; ".join(f"{w} the change for the flows {', '.join(fl)}" for w, fl in by_when.items() if fl)
                         + ": even the smallest scaling tried did not settle, or the run is unstable at its own "
                         "demand. Look at that run's queues and refused trains before quoting these figures.")
        if coarse:
            items.append("The capacity search is coarse (precision above a quarter of the value) for the flows "
                         + "; ".join(coarse) + ": run 'corridors compare' "
                         "with more --rounds (or longer --search-days) to narrow it before quoting these figures.")
        notes = sorted({n.strip() for r in REGIONS for d in ("inbound", "outbound")
                        for when in ("before", "after")
                        for n in str(result.comparison["regions"][r][d][when].get("note") or "").split(";")
                        if n.strip() and "no flows" not in n})
        if notes:
            items.append("Notes of the capacity search: " + "; ".join(notes) + ".")
    reps = [int((run.scenario.get("simulation") or {}).get("replications") or 1) for run in result.runs]
    who = "Each scenario was" if len(result.runs) > 1 else "The scenario was"
    if max(reps) <= 1:
        items.append(f"{who} simulated with one random seed; the spread between seeds is not measured, "
                     "so no confidence intervals are given.")
    else:
        items.append(f"{who} run with up to {max(reps)} replications, but the result files hold no spread "
                     "between them yet, so no confidence intervals are given.")
    return items


def _sha_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _locate(result: ResultFolder, recorded: str) -> Path | None:
    """Find a recorded input file from here: as recorded, or under the cwd or a parent of the result folder."""
    p = Path(recorded)
    if p.is_absolute():
        return p if p.is_file() else None
    for root in (Path.cwd(), *result.path.resolve().parents):
        if (root / p).is_file():
            return root / p
    return None


def _sources_md(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Headings and source keys (``**key** — title``) of a network's SOURCES.md."""
    headings, keys = [], []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return headings, keys
    has_keys_section = bool(re.search(r"^##\s+.*source keys", text, re.IGNORECASE | re.MULTILINE))
    in_keys = not has_keys_section
    for line in text.splitlines():
        m = re.match(r"^##\s+(.*)", line)
        if m:
            headings.append(m.group(1).strip())
            in_keys = not has_keys_section or "source keys" in m.group(1).lower()
            continue
        m = re.match(r"^\*\*(.+?)\*\*\s*[—-]\s*(.*)", line) if in_keys else None
        if m:
            title = re.split(r"(?<=\))\.\s|\.\s|:\s|;\s", m.group(2), maxsplit=1)[0].strip().rstrip(".:")
            keys.append((m.group(1).strip(), title[:140]))
    return headings, keys


def _ops_table(result: ResultFolder) -> Table:
    runs = result.runs
    ops = [run.scenario.get("operations") or {} for run in runs]
    keys = list(dict.fromkeys(k for o in ops for k in o))
    rows = [[k] + [fmt_value(o.get(k)) for o in ops] for k in keys]
    head = ["Parameter"] + ([r.name for r in runs] if len(runs) > 1 else ["Value"])
    return Table(head, rows, frozenset(range(1, len(head))))


def fmt_value(v) -> str:
    """A scalar or a small mapping from a scenario file, for a table cell."""
    if isinstance(v, dict):
        return ", ".join(f"{k}: {fmt_value(x)}" for k, x in v.items()) or "–"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v) or "–"
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _changes(result: ResultFolder, names: _Names) -> list[str]:
    """What the after scenario changes in the network, relative to the before scenario."""
    base, alt = result.runs
    before = base.scenario.get("changed_elements") or {}
    out = []
    for eid, rec in (alt.scenario.get("changed_elements") or {}).items():
        if before.get(eid) == rec:
            continue
        kinds = rec.get("change") or []
        name = _clean_name(rec.get("name") or eid)
        if "added" in kinds:
            txt = f"{name}: added"
        elif "opened" in kinds:
            txt = f"{name}: opened"
        else:
            txt = f"{name}: changed"
        fields = rec.get("changed_fields") or {}
        shown = [f"{k} {_or_none(v.get('from'))} → {_or_none(v.get('to'))}" for k, v in fields.items()
                 if k not in GEOMETRY_FIELDS]
        if any(k in GEOMETRY_FIELDS for k in fields):
            shown.append("alignment redrawn")
        if shown:
            txt += " (" + ", ".join(shown) + ")"
        out.append(txt)
    alt_links, base_links = set(alt.scenario.get("active_links") or []), set(base.scenario.get("active_links") or [])
    for eid in sorted(base_links - alt_links):
        out.append(f"{names.name(eid)}: not in service")
    return out


def _or_none(v) -> str:
    return "none" if v is None else fmt_value(v)


def _method(result: ResultFolder, names: _Names) -> list:
    runs = result.runs
    first = runs[-1]
    blocks: list = []
    items = []
    net = first.meta.get("network") or {}
    net_line = f"Network: {net.get('name', '?')}, version {net.get('version', '?')}"
    as_of = (first.scenario.get("network") or {}).get("as_of")
    if as_of:
        net_line += f", as of {as_of}"
    items.append(net_line + f" (file {net.get('file', '?')}).")
    for run in runs:
        s = run.summary
        reps = (run.scenario.get("simulation") or {}).get("replications", 1)
        items.append(f"{run.name}: seed {s.get('seed')}, {fmt_num(s.get('sim_days'), 0)} simulated days of which "
                     f"{fmt_num(s.get('warmup_days'), 0)} warm-up (excluded from all figures), {reps} replication"
                     f"{'' if reps == 1 else 's'}; figures are annualised over the measured period.")
    if result.kind == "compare":
        search = (result.capacity[0].get("search") if result.capacity else None) or {}
        rounds = result.meta.get("search_rounds", search.get("rounds"))
        days = result.meta.get("search_days", search.get("days"))
        tol = search.get("tolerance")
        items.append(
            "Capacity to or from a region is the largest uniform scaling of that region's flows the network carries "
            "while every other flow runs at its scenario demand, in Mt/yr. The **bound** is a linear programme over "
            "the analytic capacities of all links (an upper limit); the **simulated** capacity is the largest "
            f"scaling found stable in simulation ({rounds} search round{'s' if rounds != 1 else ''} of two "
            f"{fmt_num(days, 0)}-day runs"
            + (f", at most {fmt_pct(tol)} of trains undelivered" if tol is not None else "")
            + "). The ± figure is the width of the search's final bracket: stable at the value shown, unstable at "
            "the value plus the precision.")
        items.append("The limiting element is the first element of the bound's binding cut, or else the busiest "
                     "element of the simulation at capacity.")
    blocks.append(Bullets(items))
    if result.kind == "compare":
        ch = _changes(result, names)
        blocks.append(Heading("What the after scenario changes", 3))
        blocks.append(Bullets(ch) if ch else Para("No network element differs between the two scenarios; "
                                                  "only demand or operations change."))
    blocks.append(Heading("Input files", 3))
    rows = []
    seen = set()
    for meta in [result.meta, *(r.meta for r in runs)]:
        for f, h in (meta.get("input_sha256") or {}).items():
            if f in seen:
                continue
            seen.add(f)
            here = _locate(result, f)
            now = _sha_of(here) if here else None
            state = "not found here" if now is None else ("unchanged" if now == h else "changed since the run")
            rows.append([f, h[:16], state])
    blocks.append(Table(["File", "SHA-256 (first 16 hex digits)", "File now"], rows,
                        note="Full hashes in run.json. 'Changed since the run' means the file on this machine "
                             "no longer matches what was simulated.", css="files"))
    blocks.append(Heading("Operating parameters", 3))
    blocks.append(_ops_table(result))
    blocks.append(Heading("Sources", 3))
    net_file = _locate(result, str(net.get("file") or ""))
    src = net_file.parent / "SOURCES.md" if net_file else None
    if src and src.is_file():
        headings, keys = _sources_md(src)
        rel = f"{net_file.parent.name}/SOURCES.md"
        blocks.append(Para(f"Network data: every figure's source is in {rel} (sections: "
                           + "; ".join(headings) + ")." + (" Its source keys:" if keys else "")))
        if keys:
            blocks.append(Bullets([f"{k}: {t}" for k, t in keys], css="sources"))
    else:
        blocks.append(Para("Network data: see SOURCES.md beside the network file (not found from here)."))
    flows: dict[str, str] = {}
    for run in runs:
        for f in run.scenario.get("demand") or []:
            flows.setdefault(str(f.get("id")), " ".join(str(f.get("source") or "no source given").split()))
    blocks.append(Para("Demand (the `source` of each flow in the scenario files):"))
    blocks.append(Bullets([f"{k}: {v}" for k, v in flows.items()], css="sources"))
    sw = first.meta
    libs = ", ".join(f"{k} {v}" for k, v in (sw.get("libraries") or {}).items() if v)
    blocks.append(Para(f"Software: corridors {sw.get('corridors_version', '?')}, Python {sw.get('python', '?')}"
                       + (f", {libs}" if libs else "") + f"; result format {sw.get('result_format', '?')}.",
                       css="small"))
    return blocks


# =========================================================================== content: key messages


def _bound_clause(b: dict, a: dict) -> str:
    bb, ba = b.get("bound_mt"), a.get("bound_mt")
    if bb is None or ba is None:
        return ""
    if fmt_mt(ba) == fmt_mt(bb):
        return f"its bound stays at {fmt_mt(ba)} Mt/yr"
    return f"its bound moves from {fmt_mt(bb)} to {fmt_mt(ba)} Mt/yr"


def _compare_headline(result: ResultFolder, names: _Names, r: str, d: str) -> str:
    """One sentence on the capacity to or from a region, before and after."""
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    who = f"Capacity {flow_label(r, d)}"
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    pb, pa = b.get("precision_mt"), a.get("precision_mt")
    lb, la = k.get("bottleneck_before"), k.get("bottleneck_after")
    if vb is None:
        s = f"A route {flow_label(r, d)} opens with a capacity of {_cap_phrase(va, pa)}"
        if a.get("bound_mt") is not None:
            s += f" (bound {fmt_mt(a['bound_mt'])})"
        if la:
            s += f", limited by {names.describe(la, _limit_kind(a, la))}"
        return s + "."
    if va is None:
        return f"{who} ({_cap_phrase(vb, pb)} before) is lost: no route serves these flows after the change."
    bound = _bound_clause(b, a)
    if not (resolved(b) and resolved(a)):
        found = {w: rec for w, rec in (("before", b), ("after", a)) if resolved(rec) or (rec.get("precision_mt") or 0) > 0}
        lost = [w for w in ("before", "after") if w not in found]
        s = f"{who} is " + " and ".join(f"{_cap_phrase(rec['simulated_mt'], rec['precision_mt'])} {w}"
                                         for w, rec in found.items()) if found else who
        if lost:
            s += ("; " if found else ": ") + f"{lost[0]} the change the capacity search found no stable demand level"
            if bound:
                s += f", although {bound}"
            return s + ": check that run before quoting a change."
        return s + (f"; {bound}" if bound else "") + "."
    rel = k.get("simulated_change_rel")
    pct = f" ({fmt_pct(rel, sign=True)})" if rel is not None else ""
    if fmt_mt(va) == fmt_mt(vb):
        s = f"{who} stays at {_cap_phrase(va, pa)}"
    else:
        verb = "rises" if va > vb else "falls"
        s = f"{who} {verb} from {_pm(vb, pb)} to {_cap_phrase(va, pa)}{pct}"
        if abs(va - vb) < max(pb or 0, pa or 0):
            s += ", a change within the search precision"
    if bound:
        s += f"; {bound}"
    if lb and la and lb != la:
        s += (f"; the limit moves from {names.describe(lb, _limit_kind(b, lb))} "
              f"to {names.describe(la, _limit_kind(a, la))}")
    elif la:
        s += f"; the limit stays at {names.describe(la, _limit_kind(a, la))}"
    return s + "."


def _short_change(result: ResultFolder, r: str, d: str) -> str:
    """``to Europe 2.0 → 1.5 (−24%)`` for the sentence on the other regions."""
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    if vb is None:
        return f"{flow_label(r, d)} new at {_pm(va, a.get('precision_mt'))}"
    if va is None:
        return f"{flow_label(r, d)} lost (was {_pm(vb, b.get('precision_mt'))})"
    rel = k.get("simulated_change_rel")
    if not (resolved(b) and resolved(a)):
        rel = None
    return (f"{flow_label(r, d)} {_pm(vb, None) if resolved(b) else _pm(vb, b.get('precision_mt'))} → "
            f"{_pm(va, None) if resolved(a) else _pm(va, a.get('precision_mt'))}"
            + (f" ({fmt_pct(rel, sign=True)})" if rel is not None else ""))


def _transit_message(result: ResultFolder) -> str | None:
    base, alt = result.runs
    b = {c["corridor"]: c for c in base.summary.get("corridor_indicators") or []}
    a = {c["corridor"]: c for c in alt.summary.get("corridor_indicators") or []}
    both = [c for c in a if c in b and a[c].get("transit_days_mean") is not None
            and b[c].get("transit_days_mean") is not None]
    if not both:
        return None
    cid = max(both, key=lambda c: (abs(a[c]["transit_days_mean"] - b[c]["transit_days_mean"]), a[c].get("trains", 0)))
    tb, ta = b[cid]["transit_days_mean"], a[cid]["transit_days_mean"]
    sb, sa = b[cid].get("speed_with_delay_kmh"), a[cid].get("speed_with_delay_kmh")
    if fmt_num(tb) == fmt_num(ta):
        s = f"At scenario demand, door-to-door transit on corridor {cid} stays at {fmt_num(ta)} days"
    else:
        s = (f"At scenario demand, door-to-door transit on corridor {cid} "
             f"{'shortens' if ta < tb else 'lengthens'} from {fmt_num(tb)} to {fmt_num(ta)} days")
    if sb is not None and sa is not None:
        s += f" (speed with delay {fmt_num(sb)} → {fmt_num(sa)} km/h)"
    return s + "."


def _precision_message(result: ResultFolder) -> str:
    ps = [rec.get("precision_mt") for r in REGIONS for d in ("inbound", "outbound")
          for rec in (result.comparison["regions"][r][d]["before"], result.comparison["regions"][r][d]["after"])
          if resolved(rec) and rec.get("precision_mt") is not None]
    reps = max(int((run.scenario.get("simulation") or {}).get("replications") or 1) for run in result.runs)
    if ps:
        lo, hi = min(ps), max(ps)
        rng = f"±{fmt_mt(hi)}" if fmt_mt(lo) == fmt_mt(hi) else f"±{fmt_mt(lo)} to ±{fmt_mt(hi)}"
        s = f"Simulated capacities are known to {rng} Mt/yr (the precision of the capacity search)"
    else:
        s = "The capacity search found no stable demand level for any region, so no simulated capacity is given"
    if reps <= 1:
        s += "; each scenario ran with one random seed, so no confidence intervals are given."
    else:
        s += f"; {reps} replications were run, but the result files hold no confidence intervals yet."
    return s


def compare_key_messages(result: ResultFolder, names: _Names) -> list[str]:
    """Three to five sentences from ``comparison.json`` and the two run summaries."""
    regs = result.comparison["regions"]
    pairs = [(r, d) for r in REGIONS for d in ("inbound", "outbound")
             if regs[r][d]["before"].get("simulated_mt") is not None
             or regs[r][d]["after"].get("simulated_mt") is not None]

    def weight(rd):
        k = regs[rd[0]][rd[1]]
        b, a = k["before"].get("simulated_mt"), k["after"].get("simulated_mt")
        return (abs((a or 0) - (b or 0)), max(a or 0, b or 0))

    pairs.sort(key=weight, reverse=True)
    msgs = []
    if not pairs:
        msgs.append(f"No region has flows in {result.runs[0].name} or {result.runs[1].name}: there is no "
                    f"capacity to compare.")
    head, rest = (pairs, []) if len(pairs) <= 3 else (pairs[:2], pairs[2:])
    msgs += [_compare_headline(result, names, r, d) for r, d in head]
    if rest:
        msgs.append("Elsewhere (simulated, Mt/yr): " + "; ".join(_short_change(result, r, d) for r, d in rest) + ".")
    t = _transit_message(result)
    if t:
        msgs.append(t)
    msgs.append(_precision_message(result))
    return msgs[:5]


def run_key_messages(result: ResultFolder, names: _Names) -> list[str]:
    """Three to five sentences from one run's summary and element tables."""
    (run,) = result.runs
    s = run.summary
    tr = s.get("trains", {})
    msgs = [(f"Of {fmt_num(tr.get('generated'), 0)} trains generated, {fmt_num(tr.get('delivered'), 0)} were "
             f"delivered, {fmt_num(tr.get('refused'), 0)} refused at entry and {fmt_num(tr.get('in_network'), 0)} "
             f"still under way at the end.")]
    regs = [(r, d, s["regions"][r][d]) for r in REGIONS for d in ("inbound", "outbound")
            if (s["regions"].get(r, {}).get(d, {}).get("delivered_mt") or 0) > 0]
    regs.sort(key=lambda x: -x[2]["delivered_mt"])
    if regs:
        parts = [f"{fmt_mt(x['delivered_mt'])} Mt/yr {flow_label(r, d)} in {fmt_num(x['transit_days_mean'])} days"
                 for r, d, x in regs[:3]]
        msgs.append("Delivered freight and mean transit: " + "; ".join(parts) + ".")
    rows = sorted((x for x in (*run.sections, *run.crossings) if x.get("utilisation") is not None),
                  key=lambda x: -x["utilisation"])
    if rows:
        top = rows[0]
        n = sum(1 for x in rows if x["utilisation"] > NEAR_CAPACITY)
        msgs.append(f"The busiest element is {names.describe(top['id'])} at {fmt_pct(top['utilisation'])} of its "
                    f"analytic capacity; {fmt_num(n, 0)} element{'s' if n != 1 else ''} run above "
                    f"{fmt_pct(NEAR_CAPACITY)}.")
    waits = [(max(c.get("wait_mean_h_ab") or 0, c.get("wait_mean_h_ba") or 0), c) for c in run.crossings]
    waits = [w for w in waits if w[0] > 0.005]
    if waits:
        w, c = max(waits, key=lambda x: x[0])
        days = f" ({fmt_num(w / 24)} days)" if w >= 48 else ""
        msgs.append(f"The longest mean wait is at {names.describe(c['id'])}: {fmt_num(w)} h{days} per train "
                    f"before service.")
    reps = int((run.scenario.get("simulation") or {}).get("replications") or 1)
    msgs.append(f"These figures come from one simulation (seed {s.get('seed')}"
                + (f", {reps} replications" if reps > 1 else "") + "); the spread between random seeds is not "
                "measured, and a run does not give capacity: use 'corridors compare' or 'corridors capacity' for that.")
    return msgs[:5]


# =========================================================================== content: assembling


def _capacity_table(result: ResultFolder, names: _Names) -> tuple[Table, list[str]]:
    cols = ["Flows", "Bound before", "Bound after", "Simulated before", "Simulated after", "Change",
            "Limit before", "Limit after"]
    rows, empty = [], []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = result.comparison["regions"][r][d]
            b, a = k["before"], k["after"]
            if all(x.get(f) is None for x in (b, a) for f in ("bound_mt", "simulated_mt")):
                empty.append(flow_label(r, d))
                continue
            rows.append([flow_label(r, d), fmt_mt(b.get("bound_mt")), fmt_mt(a.get("bound_mt")),
                         _pm(b.get("simulated_mt"), b.get("precision_mt")),
                         _pm(a.get("simulated_mt"), a.get("precision_mt")),
                         fmt_pct(k.get("simulated_change_rel"), sign=True) if resolved(b) and resolved(a) else "–",
                         names.label(k.get("bottleneck_before"), _limit_kind(b, k.get("bottleneck_before"))),
                         names.label(k.get("bottleneck_after"), _limit_kind(a, k.get("bottleneck_after")))])
    note = ("Mt/yr. Bound: upper limit from the network's link capacities; simulated: largest stable demand in "
            "simulation, ± the search precision ('< x': unstable even at x; 'none found': no stable level in the "
            "search). Change: simulated, after against before. Limit: the element that caps the flows.")
    return Table(cols, rows, frozenset({1, 2, 3, 4, 5}), note=note, css="capacity"), empty


def _figures(result: ResultFolder, specs) -> list:
    out = []
    for name, caption, page in specs:
        p = result.path / name
        if p.is_file():
            out.append(Figure(p, caption, page))
        else:
            log.warning("%s: figure missing, left out of the brief", p)
            out.append(Para(f"(Figure {name} is missing from the result folder.)", css="small"))
    return out


def build_brief(result: ResultFolder, *, today: datetime.date | None = None) -> Brief:
    """The content of the brief for a read result folder.

    Parameters
    ----------
    result
        From :func:`read_result`.
    today
        The date printed on the brief (default: today).

    Returns
    -------
    Brief
    """
    today = today or datetime.date.today()
    names = _Names(result)
    title, header = _title_header(result, today)
    if result.kind == "compare":
        msgs = compare_key_messages(result, names)
    else:
        msgs = run_key_messages(result, names)
    br = Brief(title, header, key_messages=msgs)
    B = br.blocks
    B += [Heading("Key messages"), Bullets(msgs, css="key")]
    if result.kind == "compare":
        table, empty = _capacity_table(result, names)
        B += [Heading("Capacity per region and direction"), table]
        if empty:
            B.append(Para("No flows " + ", ".join(empty) + " in either scenario.", css="small"))
        B.append(Heading("Capacity maps", page=True))
        B += _figures(result, COMPARE_FIGURES)
    B += [Heading("Delivered volume, transit time and corridor indicators"), _delivery_table(result),
          Heading("CAREC corridor indicators", 3), _corridor_table(result)]
    B.append(Heading("Bottlenecks", page=result.kind == "run"))
    if result.kind == "run":
        B += _figures(result, RUN_FIGURES)
    B += _bottleneck_tables(result, names)
    B.append(Heading("Method and assumptions"))
    B += _method(result, names)
    B += [Heading("Caveats"), Bullets(_caveats(result, names))]
    return br


# =========================================================================== rendering: HTML

CSS = """
:root { --ink: #1b1f24; --muted: #5a6470; --rule: #cfd6de; --accent: #1f5f8b; --band: #eef3f7; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0 auto; padding: 24px 28px 48px; max-width: 980px; color: var(--ink);
       font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif; line-height: 1.45;
       overflow-wrap: break-word; }
h1 { font-size: 1.65rem; line-height: 1.2; margin: 0 0 .5rem; color: var(--accent); }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent);
     color: var(--accent); break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1rem; margin: 1.1rem 0 .35rem; break-after: avoid; page-break-after: avoid; }
header p { margin: .15rem 0; }
header { border-bottom: 1px solid var(--rule); padding-bottom: .6rem; }
p, li { max-width: 100%; }
ul { padding-left: 1.3rem; margin: .4rem 0; }
li { margin: .25rem 0; }
ul.key { background: var(--band); border-left: 4px solid var(--accent); padding: .6rem 1rem .6rem 1.8rem;
         break-inside: avoid; page-break-inside: avoid; }
ul.key li { margin: .35rem 0; }
ul.sources { font-size: .8rem; color: var(--muted); }
ul.sources li { margin: .1rem 0; overflow-wrap: anywhere; }
.small { font-size: .8rem; color: var(--muted); }
a { color: var(--accent); overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .2rem; font-size: .8rem;
        font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .35rem; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: var(--band); font-weight: bold; overflow-wrap: normal; word-break: normal; }
.tbl.keep { break-inside: avoid; page-break-inside: avoid; }
table.capacity td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
table.files td { overflow-wrap: anywhere; word-break: break-all; }
tr { break-inside: avoid; page-break-inside: avoid; }
.note { font-size: .75rem; color: var(--muted); margin: .15rem 0 .8rem; }
figure { margin: .8rem 0 1rem; break-inside: avoid; page-break-inside: avoid; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .8rem; color: var(--muted); margin-top: .3rem; text-align: left; }
footer { margin-top: 2rem; font-size: .75rem; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: .4rem; }
@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  h2 { margin-top: 1.1rem; }
  figure.page, h2.page { break-before: page; page-break-before: always; }
  figure img { max-height: 225mm; width: auto; border: none; }
  a { color: inherit; text-decoration: none; }
  ul.key { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_URL = re.compile(r"https?://[^\s<>\"']+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline_html(text: str) -> str:
    """Escape ``text``; mark up ``**bold**``, ``code`` and URLs (trailing punctuation stays outside the link)."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        url = m.group(0)
        trail = ""
        while url and url[-1] in ".,;:)]":
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            trail = url[-1] + trail
            url = url[:-1]
        out.append(_markup(text[pos:m.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>{html.escape(trail)}')
        pos = m.end()
    out.append(_markup(text[pos:]))
    return "".join(out)


def _markup(text: str) -> str:
    t = html.escape(text, quote=False)
    t = _BOLD.sub(r"<strong>\1</strong>", t)
    return _CODE.sub(r"<code>\1</code>", t)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(br: Brief) -> str:
    """The brief as one self-contained HTML document (figures as data URIs, inline CSS, no scripts)."""
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(br.title)}</title>",
             f'<meta name="generator" content="corridors {html.escape(__version__)}">',
             f"<style>{CSS}</style>", "</head>", "<body>", "<header>", f"<h1>{html.escape(br.title)}</h1>"]
    parts += [f"<p>{_inline_html(h)}</p>" for h in br.header]
    parts.append("</header>")
    for b in br.blocks:
        if isinstance(b, Heading):
            cls = ' class="page"' if b.page else ""
            parts.append(f"<h{b.level}{cls}>{_inline_html(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{b.css}"' if b.css else ""
            parts.append(f"<p{cls}>{_inline_html(b.text)}</p>")
        elif isinstance(b, Bullets):
            cls = f' class="{b.css}"' if b.css else ""
            parts.append(f"<ul{cls}>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            cls = f' class="{b.css}"' if b.css else ""
            num = [' class="num"' if j in b.numeric else "" for j in range(len(b.columns))]
            head = "".join(f"<th{num[j]}>{_inline_html(c)}</th>" for j, c in enumerate(b.columns))
            body = "".join("<tr>" + "".join(f"<td{num[j]}>{_inline_html(c)}</td>" for j, c in enumerate(row))
                           + "</tr>" for row in b.rows)
            keep = " keep" if len(b.rows) <= 15 else ""
            note = f'<p class="note">{_inline_html(b.note)}</p>' if b.note else ""
            parts.append(f'<div class="tbl{keep}"><table{cls}><thead><tr>{head}</tr></thead>'
                         f"<tbody>{body}</tbody></table>{note}</div>")
        elif isinstance(b, Figure):
            cls = ' class="page"' if b.page else ""
            parts.append(f'<figure{cls}><img src="{_data_uri(b.path)}" alt="{html.escape(b.caption, quote=True)}">'
                         f"<figcaption>{_inline_html(b.caption)}</figcaption></figure>")
    parts.append(f"<footer>Written by corridors {html.escape(__version__)} from the result files; no number in this "
                 f"brief is typed in by hand.</footer>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


# =========================================================================== rendering: Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(br: Brief) -> str:
    """The brief as Markdown (GitHub flavour); figures are linked by file name, to sit beside the file."""
    out = [f"# {br.title}", ""]
    for h in br.header:
        out += [h + "  ", ]
    out.append("")
    for b in br.blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Bullets):
            out += [f"- {i}" for i in b.items] + [""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(c) for c in b.columns) + " |")
            out.append("|" + "|".join("---:" if j in b.numeric else "---" for j in range(len(b.columns))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
            if b.note:
                out += [f"*{b.note}*", ""]
        elif isinstance(b, Figure):
            out += [f"![{b.caption}]({b.path.name})", "", f"*{b.caption}*", ""]
    out += ["---", "", f"*Written by corridors {__version__} from the result files.*", ""]
    return "\n".join(out)


# =========================================================================== rendering: PDF


def find_browser(browser: str | os.PathLike | None = None) -> str | None:
    """The Chromium executable to print PDFs with, or ``None`` when there is none.

    Parameters
    ----------
    browser
        A path or command name; default: the first of :data:`BROWSER_NAMES` on ``PATH``.
    """
    if browser is not None:
        b = str(browser)
        if os.sep in b:
            return b if Path(b).is_file() and os.access(b, os.X_OK) else None
        return shutil.which(b)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _no_browser_message() -> str:
    return ("PDF output needs headless Chromium, which was not found (tried "
            + ", ".join(BROWSER_NAMES) + " on PATH). Install it (Debian/Ubuntu: 'apt-get install chromium'), "
            "or leave PDF out: --format html,md")


def print_pdf(html_file: Path, pdf_file: Path, *, browser: str, timeout_s: float = 180.0) -> None:
    """Print an HTML file to PDF (A4, the page size its CSS asks for) with headless Chromium.

    Raises
    ------
    BriefError
        Chromium failed, timed out or wrote no PDF.
    """
    with tempfile.TemporaryDirectory(prefix="corridors-chromium-") as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_file}", html_file.resolve().as_uri()]
        log.debug("printing PDF: %s", " ".join(cmd))
        try:
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout_s,
                                  env={**os.environ, "HOME": profile}, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise BriefError(f"{browser} did not print the PDF within {timeout_s:.0f} s") from None
        except OSError as exc:
            raise BriefError(f"could not start {browser}: {exc}") from None
    ok = pdf_file.is_file() and pdf_file.read_bytes()[:5] == b"%PDF-"
    if proc.returncode != 0 or not ok:
        tail = "\n".join(line for line in proc.stderr.splitlines()[-5:] if "dbus" not in line)
        raise BriefError(f"{browser} failed to print the PDF (exit status {proc.returncode})"
                         + (f":\n{tail}" if tail else ""))


# =========================================================================== writing


def _parse_formats(formats: Iterable[str] | str) -> list[str]:
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted = []
    for f in formats:
        f = f.strip().lower().lstrip(".")
        f = {"markdown": "md", "htm": "html"}.get(f, f)
        if not f:
            continue
        if f not in FORMATS:
            raise BriefError(f"unknown brief format '{f}'; choose from {', '.join(FORMATS)}")
        if f not in wanted:
            wanted.append(f)
    if not wanted:
        raise BriefError(f"no brief format given; choose from {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in wanted]


def _targets(result_dir: Path, out: str | Path | None, formats: Sequence[str]) -> dict[str, Path]:
    """``format -> file``: ``out`` names the file (any one extension) or a folder; default ``RESULT_DIR/brief.*``."""
    if out is None:
        stem = result_dir / "brief"
    else:
        o = Path(out)
        if o.is_dir():
            stem = o / "brief"
        elif o.suffix.lower().lstrip(".") in (*FORMATS, "markdown", "htm"):
            stem = o.with_suffix("")
        else:
            stem = o
    return {f: stem.with_name(f"{stem.name}.{f}") for f in formats}


def write_brief(
    result_dir: str | Path,
    *,
    formats: Iterable[str] | str = FORMATS,
    out: str | Path | None = None,
    browser: str | os.PathLike | None = None,
    today: datetime.date | None = None,
) -> list[Path]:
    """Write the policy brief of a ``compare`` or ``run`` result folder.

    Nothing is simulated; every number comes from the folder's files. The
    files appear only when all asked formats were written (no half-written
    brief is left behind).

    Parameters
    ----------
    result_dir
        Output folder of ``corridors compare`` or ``corridors run``.
    formats
        Any of ``"html"``, ``"md"``, ``"pdf"`` (a sequence, or one comma-separated string).
    out
        Where to write: a file name (its extension is replaced per format, so
        ``--out report.html`` gives ``report.html``, ``report.md`` and
        ``report.pdf``) or an existing folder (``brief.*`` inside it).
        Default: ``RESULT_DIR/brief.*``. The Markdown's figures are copied
        beside it when it is not in the result folder.
    browser
        Chromium executable for the PDF (default: found on ``PATH``, see :func:`find_browser`).
    today
        Date printed on the brief (default: today).

    Returns
    -------
    list of Path
        The files written: the brief in each format, then the figures copied for the Markdown.

    Raises
    ------
    ResultError
        ``result_dir`` is not a readable result folder of a compatible version.
    BriefError
        Unknown format, or PDF asked but Chromium missing or failing (checked
        before anything is written).
    """
    fmts = _parse_formats(formats)
    result = read_result(result_dir)
    chrome = None
    if "pdf" in fmts:
        chrome = find_browser(browser)
        if chrome is None:
            raise BriefError(_no_browser_message())
    targets = _targets(result.path, out, fmts)
    br = build_brief(result, today=today)
    written: list[Path] = []
    parent = next(iter(targets.values())).parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".brief-", dir=parent) as tmpd:
        tmp = Path(tmpd)
        staged: dict[str, Path] = {}
        html_text = render_html(br) if ("html" in fmts or "pdf" in fmts) else ""
        if html_text:
            (tmp / "brief.html").write_text(html_text, encoding="utf-8")
        if "html" in fmts:
            staged["html"] = tmp / "brief.html"
        if "md" in fmts:
            (tmp / "brief.md").write_text(render_markdown(br), encoding="utf-8")
            staged["md"] = tmp / "brief.md"
        if "pdf" in fmts:
            print_pdf(tmp / "brief.html", tmp / "brief.pdf", browser=chrome)
            staged["pdf"] = tmp / "brief.pdf"
        for f in fmts:
            os.replace(staged[f], targets[f])
            written.append(targets[f])
    if "md" in fmts:
        md_dir = targets["md"].parent.resolve()
        for fig in br.figures:
            dest = md_dir / fig.path.name
            if fig.path.resolve().parent == md_dir or (dest.exists() and dest.samefile(fig.path)):
                continue
            shutil.copyfile(fig.path, dest)
            written.append(targets["md"].parent / fig.path.name)
    for p in written:
        log.info("brief written: %s", p)
    return written
