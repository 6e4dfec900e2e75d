"""The observed figures a model is checked against: ``validation/observed.yaml`` read into typed records.

Each figure says what was observed (value, unit, year, source, what it
measures), which model output it is compared to, and the tolerance, written
down before the comparison is run. A figure belongs to one of two sets, kept
apart: ``calibration`` (the 2022–2023 figures a parameter was or may be set
from) and ``test`` (figures of other years, never used to set anything).
The file format is in ``docs/validation.md``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridors.errors import ValidationError
from corridors.scenario.load import read_located
from corridors.scenario.problems import Problems, show
from corridors.scenario.reader import KeyReader
from corridors.scenario.schema import is_id, is_number

#: The two sets a figure can belong to.
SETS = ("calibration", "test")
#: Model outputs a figure can be compared to, with the keys each takes beside ``quantity`` and
#: ``scenario`` (``docs/validation.md`` says what each measures).
QUANTITIES: dict[str, tuple[str, ...]] = {
    "capacity": ("links", "cargo"),
    "trains_per_day": ("links", "into", "out_of"),
    "border_time_h": ("links", "into", "out_of"),
    "speed_kmh": ("delay", "cargo", "through"),
    "tonnage_share": ("via", "among"),
    "delivered_mt": ("via", "cargo"),
}
#: Quantities that need a simulation run (the others are analytic).
SIMULATED = frozenset(QUANTITIES) - {"capacity"}
TOLERANCES = ("relative", "absolute", "at_least", "at_most")
FIGURE_KEYS = ("id", "set", "measures", "value", "unit", "year", "source", "model", "tolerance", "fast", "note",
               "fails")
TOP_KEYS = ("scenarios", "replications", "fast", "observations")
FAST_KEYS = ("days", "warmup_days", "replications")


class ObservedError(ValidationError):
    """The observed-figures file is malformed."""


@dataclass(frozen=True)
class Measure:
    """The model output a figure is compared to.

    Attributes
    ----------
    quantity
        One of :data:`QUANTITIES`.
    scenario
        Short name of the scenario (a key of the file's ``scenarios``).
    links
        Element ids: ``capacity`` takes the smallest, ``trains_per_day`` the sum,
        ``border_time_h`` the train-weighted mean.
    into, out_of
        ISO country code: only the direction entering (leaving) that country;
        both directions when neither is given.
    cargo
        Cargo class: ``capacity`` in Mt/yr of this cargo; ``speed_kmh`` and
        ``delivered_mt`` only its trains.
    delay
        ``speed_kmh``: ``with`` (door to door) or ``without`` (moving only), as CAREC CPMM.
    through, via, among
        Node ids a train's route must touch (any of them).
    """

    quantity: str
    scenario: str
    links: tuple[str, ...] = ()
    into: str = ""
    out_of: str = ""
    cargo: str = ""
    delay: str = ""
    through: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    among: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tolerance:
    """How far the model may be from the observation: one of :data:`TOLERANCES` (``at_*`` take no number)."""

    kind: str
    amount: float = 0.0

    def passes(self, model: float, observed: float) -> bool:
        """Return whether ``model`` is within the tolerance of ``observed``."""
        if self.kind == "at_least":
            return model >= observed
        if self.kind == "at_most":
            return model <= observed
        allowed = self.amount * abs(observed) if self.kind == "relative" else self.amount
        return abs(model - observed) <= allowed + 1e-12

    def text(self, unit: str) -> str:
        """Return the tolerance in words (``±20 %``, ``±5 h``, ``at least``)."""
        if self.kind == "relative":
            return f"±{self.amount:.0%}".replace("%", " %")
        if self.kind == "absolute":
            return f"±{self.amount:g} {unit}"
        return self.kind.replace("_", " ")


@dataclass(frozen=True)
class Observation:
    """One observed figure and what it is compared to (a row of ``validation/observed.yaml``).

    ``fails`` is the sentence, written after the comparison, on what in the model
    explains a figure outside its tolerance (empty for a figure that passes):
    the tolerance itself is never changed after a result is seen, and the test
    suite fails when a figure's result no longer matches it.
    """

    id: str
    set: str
    measures: str
    value: float
    unit: str
    year: str
    source: str
    model: Measure
    tolerance: Tolerance
    fast: bool = False
    note: str = ""
    fails: str = ""
    line: int = 0
    index: int = 0


@dataclass(frozen=True)
class Observed:
    """The whole file: scenario paths by short name, replications, the fast settings, the figures."""

    path: str
    scenarios: dict[str, str]
    replications: int
    fast_days: float
    fast_warmup_days: float
    fast_replications: int
    observations: tuple[Observation, ...]


def _strings(r: KeyReader, value: Any, path: tuple) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        r.err(path, f"got {show(value)}, expected an id or a list of ids")
        return ()
    return tuple(items)


def _measure(r: KeyReader, raw: Any, path: tuple, scenarios: dict) -> Measure | None:
    q = raw.get("quantity") if isinstance(raw, dict) else None
    if q not in QUANTITIES:
        r.err((*path, "quantity") if isinstance(raw, dict) else path,
              f"got {show(q)}, expected one of {', '.join(QUANTITIES)}")
        return None
    data = r.mapping(raw, path, ("quantity", "scenario", *QUANTITIES[q]))
    if data.get("scenario") not in scenarios:
        r.err((*path, "scenario"), f"got {show(data.get('scenario'))}, expected one of the file's scenarios: "
              f"{', '.join(scenarios) or '(none)'}")
        return None
    kw: dict[str, Any] = {}
    for key in ("links", "through", "via", "among"):
        if key in data:
            kw[key] = _strings(r, data[key], (*path, key))
    for key, choices in (("into", None), ("out_of", None), ("cargo", None), ("delay", ("with", "without"))):
        if key in data:
            v = data[key]
            if not isinstance(v, str) or (choices and v not in choices):
                r.err((*path, key), f"got {show(v)}, expected {' or '.join(choices) if choices else 'a name'}")
            else:
                kw[key] = v
    need = {"capacity": "links", "trains_per_day": "links", "border_time_h": "links", "speed_kmh": "delay",
            "tonnage_share": "among", "delivered_mt": "via"}[q]
    if need not in kw:
        r.err(path, f"{q} needs {need}")
        return None
    if "into" in kw and "out_of" in kw:
        r.err((*path, "out_of"), "got both into and out_of, expected one direction or neither")
        return None
    if q == "tonnage_share" and "via" not in kw:
        r.err(path, "tonnage_share needs via (the share's nodes) and among (all the nodes counted)")
        return None
    return Measure(quantity=q, scenario=data["scenario"], **kw)


def _tolerance(r: KeyReader, raw: Any, path: tuple) -> Tolerance | None:
    data = r.mapping(raw, path, TOLERANCES)
    if len(data) != 1:
        r.err(path, f"got {show(raw)}, expected exactly one of {', '.join(TOLERANCES)}")
        return None
    (kind, amount), = data.items()
    if kind in ("at_least", "at_most"):
        if amount is not True:
            r.err((*path, kind), f"got {show(amount)}, expected true")
            return None
        return Tolerance(kind)
    high = 1.0 if kind == "relative" else 1e9
    got = r.number(amount, (*path, kind), 0.0, high)
    return None if got is None else Tolerance(kind, got)


def _figure(r: KeyReader, raw: Any, path: tuple, scenarios: dict) -> Observation | None:
    data = r.mapping(raw, path, FIGURE_KEYS)
    missing = [k for k in FIGURE_KEYS if k not in ("fast", "note", "fails") and k not in data]
    if isinstance(raw, dict) and missing:
        r.err(path, f"missing {', '.join(missing)}")
        return None
    ok_id = isinstance(data.get("id"), str) and is_id(data["id"])
    if not ok_id:
        r.err((*path, "id"), f"got {show(data.get('id'))}, expected an id (letters, digits, - and _)")
    if data.get("set") not in SETS:
        r.err((*path, "set"), f"got {show(data.get('set'))}, expected {' or '.join(SETS)}")
    for key in ("measures", "unit", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            r.err((*path, key), f"got {show(data.get(key))}, expected text")
    year = str(data.get("year", ""))
    if not year[:4].isdigit():
        r.err((*path, "year"), f"got {show(data.get('year'))}, expected a year (2023) or a span (2022-23)")
    value = data.get("value")
    if not (is_number(value) and math.isfinite(value)):
        r.err((*path, "value"), f"got {show(value)}, expected a number (the observed figure, in its unit)")
        value = None
    if "fails" in data and (not isinstance(data["fails"], str) or not data["fails"].strip()):
        r.err((*path, "fails"), f"got {show(data['fails'])}, expected a sentence on what in the model explains it")
    if "fast" in data and not isinstance(data["fast"], bool):
        r.err((*path, "fast"), f"got {show(data['fast'])}, expected true or false")
    measure = _measure(r, data.get("model"), (*path, "model"), scenarios)
    tol = _tolerance(r, data.get("tolerance"), (*path, "tolerance"))
    if value is None or measure is None or tol is None or not ok_id or data.get("set") not in SETS:
        return None
    return Observation(id=data["id"], set=data["set"], measures=data["measures"].strip(), value=float(value),
                       unit=data["unit"], year=year, source=" ".join(data["source"].split()), model=measure,
                       tolerance=tol, fast=bool(data.get("fast", False)), note=" ".join(str(data.get("note", "")).split()),
                       fails=" ".join(str(data.get("fails", "")).split()), line=r.line(path),
                       index=path[-1])


def read_observed(path: str | Path) -> Observed:
    """Read and check ``validation/observed.yaml``; every problem is reported at once.

    Parameters
    ----------
    path
        The file. Scenario paths in it are relative to it.

    Returns
    -------
    Observed

    Raises
    ------
    ObservedError
        Any problem, each as ``file:line: key.path: what, expected ...``.
    """
    display = str(path)
    problems = Problems(display)
    read = read_located(display, problems)
    if read is None:
        raise ObservedError(problems.lines, "the observed figures")
    data, lines = read
    r = KeyReader(display, lines, problems)
    top = r.mapping(data, (), TOP_KEYS)
    scenarios: dict[str, str] = {}
    raw_scenarios = top.get("scenarios")
    if not isinstance(raw_scenarios, dict) or not raw_scenarios:
        r.err(("scenarios",), f"got {show(raw_scenarios)}, expected a mapping of short names to scenario files")
        raw_scenarios = {}
    for name, file in raw_scenarios.items():
        got = r.file(file, ("scenarios", name))
        if got is not None:
            scenarios[name] = got
    reps = r.number(top.get("replications", 3), ("replications",), 1, 100, integer=True)
    fast = r.mapping(top.get("fast", {}), ("fast",), FAST_KEYS)
    days = r.number(fast.get("days", 60), ("fast", "days"), 1, 3650)
    warm = r.number(fast.get("warmup_days", 10), ("fast", "warmup_days"), 0, 3650)
    fast_reps = r.number(fast.get("replications", 1), ("fast", "replications"), 1, 100, integer=True)
    if days is not None and warm is not None and warm >= days:
        r.err(("fast", "warmup_days"), f"got {warm:g}, expected less than fast.days ({days:g})")
    raw = top.get("observations")
    if not isinstance(raw, list) or not raw:
        r.err(("observations",), f"got {show(raw)}, expected a list of observed figures")
        raw = []
    figures, seen = [], {}
    for i, item in enumerate(raw):
        fid = item.get("id") if isinstance(item, dict) else None
        if isinstance(fid, str) and fid in seen:
            r.err(("observations", i, "id"), f"got '{fid}' again (as item {seen[fid]}), expected each id once")
        elif isinstance(fid, str):
            seen[fid] = i
        fig = _figure(r, item, ("observations", i), scenarios)
        if fig is not None:
            figures.append(fig)
    if problems.lines:
        raise ObservedError(problems.lines, "the observed figures")
    return Observed(path=os.path.normpath(display), scenarios=scenarios, replications=reps, fast_days=days,
                    fast_warmup_days=warm, fast_replications=fast_reps, observations=tuple(figures))
