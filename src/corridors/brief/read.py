"""Read and check a result folder: a ``corridors compare`` folder or a ``corridors run`` folder.

Every file the brief needs is read here, once, into :class:`ResultFolder`;
the content modules never open a result file themselves. A folder written in
a result format whose major version differs from
:data:`corridors.results.RESULT_FORMAT` is refused with :class:`ResultError`.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from corridors import __version__
from corridors.errors import ResultError
from corridors.results import RESULT_FORMAT

__all__ = ["DIRECTIONS", "RUN_FILES", "ResultFolder", "RunFolder", "locate_input", "read_result"]

#: Directions of each region's flows in ``summary.json`` and ``comparison.json``, in the order the brief lists them.
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")

#: Files every run folder must hold for a brief.
RUN_FILES: tuple[str, ...] = ("summary.json", "run.json", "scenario.resolved.yaml", "sections.csv", "crossings.csv")


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
    sections, crossings, yards
        Rows of ``sections.csv``, ``crossings.csv`` and ``yards.csv`` (numbers
        parsed, empty cells ``None``; no yards when the file is absent).
    nodes
        Rows of ``nodes.csv`` (every node's id and name; empty in folders written before it existed).
    """

    path: Path
    summary: dict
    meta: dict
    scenario: dict
    sections: list[dict]
    crossings: list[dict]
    yards: list[dict] = field(default_factory=list)
    nodes: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return the scenario name (from the summary, else the scenario file, else the folder)."""
        return str(self.summary.get("scenario") or self.scenario.get("name") or self.path.name)

    @property
    def description(self) -> str:
        """Return the scenario's description on one line (``""`` when it has none)."""
        return " ".join(str(self.scenario.get("description") or "").split())

    def element(self, eid: str) -> dict | None:
        """Return the row of ``sections.csv``, ``crossings.csv`` or ``yards.csv`` with this id.

        Parameters
        ----------
        eid
            Element id (a link or crossing id of the network).

        Returns
        -------
        dict or None
            The row (column name to parsed cell), or ``None`` when neither table holds ``eid``.
        """
        for row in (*self.sections, *self.crossings, *self.yards):
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
    attribution
        Rows of ``attribution.csv`` when present (each project alone against the base).
    """

    path: Path
    kind: str
    runs: tuple[RunFolder, ...]
    meta: dict
    comparison: dict | None = None
    capacity: tuple[dict, ...] = ()
    attribution: tuple[dict, ...] = ()

    def element(self, eid: str) -> dict | None:
        """Return an element's row from the last run that has it (the after scenario first).

        Parameters
        ----------
        eid
            Element id.

        Returns
        -------
        dict or None
            The row of ``sections.csv`` or ``crossings.csv``, or ``None`` when no run has ``eid``.
        """
        for run in reversed(self.runs):
            row = run.element(eid)
            if row is not None:
                return row
        return None


def _read_json(path: Path) -> dict:
    """Read a JSON object; ``ResultError`` when missing, unreadable or not an object."""
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
    """Read a YAML mapping; ``ResultError`` when missing, unreadable or not a mapping."""
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


def _cell(value: str | None):
    """Parse a CSV cell as None, bool, int, float or str (an empty, missing or non-finite number is ``None``)."""
    if value is None or value == "":
        return None
    if value in ("True", "False"):
        return value == "True"
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else None


def _read_csv(path: Path, columns: tuple[str, ...] = ("id", "name", "utilisation")) -> list[dict]:
    """Read a table of the folder, cells parsed by :func:`_cell`, checking that it has ``columns``.

    The default columns are those of an element table (``sections.csv`` or ``crossings.csv``).
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [{k: _cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultError(f"{path}: not a readable CSV file ({exc})") from None
    if rows and not set(columns) <= set(rows[0]):
        raise ResultError(f"{path}: expected the columns {', '.join(columns)}")
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
    """Read and check one run folder (``ResultError`` when incomplete or of another format)."""
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
                     sections=_read_csv(folder / "sections.csv"), crossings=_read_csv(folder / "crossings.csv"),
                     yards=_read_csv(folder / "yards.csv") if (folder / "yards.csv").is_file() else [],
                     nodes=_read_csv(folder / "nodes.csv", ("id", "name")) if (folder / "nodes.csv").is_file() else [])


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
        Kind ``"compare"`` with runs ``(base, alt)``, or kind ``"run"`` with one run.

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
        attribution = (tuple(_read_csv(folder / "attribution.csv", ("region", "direction", "base_bound_mt")))
                       if (folder / "attribution.csv").is_file() else ())
        return ResultFolder(folder, "compare", runs, meta, comparison, caps, attribution)
    if (folder / "summary.json").is_file():
        run = _read_run(folder)
        return ResultFolder(folder, "run", (run,), run.meta)
    if (folder / "capacity.json").is_file():
        raise ResultError(f"{folder}: a 'corridors capacity' folder; a brief needs the output folder of "
                          f"'corridors compare' or 'corridors run'")
    raise ResultError(f"{folder}: not a result folder (no comparison.json or summary.json); give the output "
                      f"folder of 'corridors compare' or 'corridors run'")



def locate_input(result: ResultFolder, recorded: str) -> Path | None:
    """Find an input file recorded in ``run.json`` from here.

    Parameters
    ----------
    result
        The result folder that recorded it.
    recorded
        The path as recorded (absolute, or relative to where the command ran).

    Returns
    -------
    Path or None
        The file as recorded, or under the current folder or a parent of the
        result folder; ``None`` when none of these holds it.
    """
    p = Path(recorded)
    if p.is_absolute():
        return p if p.is_file() else None
    for root in (Path.cwd(), *result.path.resolve().parents):
        if (root / p).is_file():
            return root / p
    return None
