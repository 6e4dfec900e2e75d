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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridors.errors import ValidationError
from corridors.scenario.problems import show
from corridors.scenario.reader import KeyReader, open_located
from corridors.scenario.schema import is_id, is_number

if TYPE_CHECKING:
    from corridors.model import RunSpec

#: The two sets a figure can belong to.
SETS = ("calibration", "test")
#: Model outputs a figure can be compared to, with the keys each takes beside ``quantity`` and
#: ``scenario`` (``docs/validation.md`` says what each measures).
QUANTITIES: dict[str, tuple[str, ...]] = {
    "capacity": ("links", "cargo"),
    "trains_per_day": ("links", "into", "out_of"),
    "border_time_h": ("links", "into", "out_of", "side"),
    "speed_kmh": ("delay", "cargo", "through"),
    "tonnage_share": ("via", "among"),
    "delivered_mt": ("via", "cargo"),
    "cpmm_cost_usd": ("countries",),
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
    side
        ``border_time_h``: ISO country code of one side of the crossings; only
        the time at that side counts, as CAREC CPMM counts a country's
        border-crossing time. A train entering the country spends its
        handling and clearance hold there, one leaving it its queue before the
        handover (:func:`corridors.elements.clearance_h`).
    cargo
        Cargo class: ``capacity`` in Mt/yr of this cargo; ``speed_kmh`` and
        ``delivered_mt`` only its trains.
    delay
        ``speed_kmh``: ``with`` (door to door) or ``without`` (moving only), as CAREC CPMM.
    through, via, among
        Node ids a train's route must touch (any of them).
    countries
        ``cpmm_cost_usd``: ISO country codes; the rail sections in them and the border crossings with a side
        in them count (:func:`corridors.costs.country_cpmm_usd`).
    """

    quantity: str
    scenario: str
    links: tuple[str, ...] = ()
    into: str = ""
    out_of: str = ""
    side: str = ""
    cargo: str = ""
    delay: str = ""
    through: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    among: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


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
    """The whole file: scenario paths by short name, replications, the fast settings, the figures.

    ``specs`` holds each named scenario, loaded and checked against the figures while the file was read.
    """

    path: str
    scenarios: dict[str, str]
    replications: int
    fast_days: float
    fast_warmup_days: float
    fast_replications: int
    observations: tuple[Observation, ...]
    specs: dict = field(default_factory=dict, repr=False, compare=False)


def directions(spec: RunSpec, link_id: str, into: str = "", out_of: str = "") -> tuple[str, ...]:
    """Return the directions of ``link_id`` that count: both, the one entering ``into``, or the one leaving ``out_of``.

    Parameters
    ----------
    spec
        The resolved scenario.
    link_id
        An element of its network.
    into, out_of
        ISO country code, or ``""``; at most one of them.

    Returns
    -------
    tuple of str
        ``("ab", "ba")``, ``("ab",)``, ``("ba",)``, or ``()`` when the link
        crosses no border of that country in the asked direction.
    """
    if not into and not out_of:
        return ("ab", "ba")
    frm, to = _countries(spec, link_id)
    ends = (("ab", frm, to), ("ba", to, frm))
    if into:
        return tuple(d for d, a, b in ends if b == into and a != into)
    return tuple(d for d, a, b in ends if a == out_of and b != out_of)


def _countries(spec: RunSpec, link_id: str) -> tuple[str, str]:
    """Countries of the ``from_node`` and ``to_node`` of ``link_id``."""
    lk = spec.network.links[link_id]
    nodes = spec.network.nodes
    return nodes[lk.from_node].country, nodes[lk.to_node].country


def side_of(spec: RunSpec, link_id: str, d: str) -> tuple[str, str]:
    """Return ``(exit, entry)``: the countries a train passing ``link_id`` in direction ``d`` leaves and enters."""
    frm, to = _countries(spec, link_id)
    return (frm, to) if d == "ab" else (to, frm)


def problems_of(spec: RunSpec, m: Measure) -> list[tuple[str, str]]:
    """Return what in ``m`` the scenario does not have, as ``(key, message)``: unknown elements, nodes, cargo, directions."""
    out = []
    for lid in m.links:
        if lid not in spec.network.links:
            out.append(("links", f"got '{lid}', expected an element of scenario {m.scenario}"))
        elif m.quantity == "border_time_h" and spec.network.links[lid].kind == "rail":
            out.append(("links", f"got rail section '{lid}', expected a border crossing or a ferry"))
        elif m.side and spec.network.links[lid].kind != "border":
            out.append(("side", f"got {m.side} on {spec.network.links[lid].kind} '{lid}', expected side only on "
                                "border crossings (a ferry or a section has no sides)"))
        elif m.side and len(set(_countries(spec, lid))) < 2:
            out.append(("side", f"got {m.side} on '{lid}', whose two ends are both in "
                                f"{_countries(spec, lid)[0]}, expected a crossing between two countries"))
        elif m.side and m.side not in _countries(spec, lid):
            out.append(("side", f"got {m.side}, expected one of the two countries of border crossing '{lid}': "
                                f"{' or '.join(_countries(spec, lid))}"))
        elif m.into and not directions(spec, lid, into=m.into):
            out.append(("into", f"got {m.into}, expected a country that '{lid}' enters"))
        elif m.out_of and not directions(spec, lid, out_of=m.out_of):
            out.append(("out_of", f"got {m.out_of}, expected a country that '{lid}' leaves"))
    for key in ("through", "via", "among"):
        for nid in getattr(m, key):
            if nid not in spec.network.nodes:
                out.append((key, f"got '{nid}', expected a node of scenario {m.scenario}"))
    known = sorted({n.country for n in spec.network.nodes.values()})
    for c in m.countries:
        if c not in known:
            out.append(("countries", f"got '{c}', expected a country of scenario {m.scenario}: {', '.join(known)}"))
    if m.cargo and m.cargo not in spec.cargo:
        out.append(("cargo", f"got '{m.cargo}', expected a cargo class: {', '.join(sorted(spec.cargo))}"))
    if set(m.via) - set(m.among) and m.quantity == "tonnage_share":
        out.append(("via", "got nodes missing from among, expected every node of via also in among (a share of "
                   "what among counts)"))
    return out



def _strings(r: KeyReader, value: Any, path: tuple) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        r.err(path, f"got {show(value)}, expected an id or a list of ids")
        return ()
    return tuple(items)


def _measure(r: KeyReader, raw: Any, path: tuple, scenarios: dict) -> Measure | None:
    if not isinstance(raw, dict):
        r.err(path, f"got {show(raw)}, expected a mapping with quantity, scenario and the quantity's keys")
        return None
    q = raw.get("quantity")
    if not isinstance(q, str) or q not in QUANTITIES:
        r.err((*path, "quantity"), f"got {show(q)}, expected one of {', '.join(QUANTITIES)}")
        return None
    data = r.mapping(raw, path, ("quantity", "scenario", *QUANTITIES[q]))
    if not isinstance(data.get("scenario"), str) or data["scenario"] not in scenarios:
        r.err((*path, "scenario"), f"got {show(data.get('scenario'))}, expected one of the file's scenarios: "
              f"{', '.join(scenarios) or '(none)'}")
        return None
    kw: dict[str, Any] = {}
    for key in ("links", "through", "via", "among", "countries"):
        if key in data:
            kw[key] = _strings(r, data[key], (*path, key))
    for key, choices in (("into", None), ("out_of", None), ("side", None), ("cargo", None),
                         ("delay", ("with", "without"))):
        if key in data:
            v = data[key]
            if not isinstance(v, str) or not v or (choices and v not in choices):
                r.err((*path, key), f"got {show(v)}, expected {' or '.join(choices) if choices else 'a name'}")
            else:
                kw[key] = v
    need = {"capacity": "links", "trains_per_day": "links", "border_time_h": "links", "speed_kmh": "delay",
            "tonnage_share": "among", "delivered_mt": "via", "cpmm_cost_usd": "countries"}[q]
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


def _figure(r: KeyReader, raw: Any, path: tuple, scenarios: dict, measures: list) -> Observation | None:
    if not isinstance(raw, dict):
        r.err(path, f"got {show(raw)}, expected a mapping with keys {', '.join(FIGURE_KEYS)}")
        return None
    data = r.mapping(raw, path, FIGURE_KEYS)
    missing = [k for k in FIGURE_KEYS if k not in ("fast", "note", "fails") and k not in data]
    if missing:  # and go on: the keys that are there are checked too
        r.err(path, f"missing {', '.join(missing)}")
    ok_id = isinstance(data.get("id"), str) and is_id(data["id"])
    if not ok_id:
        r.err((*path, "id"), f"got {show(data.get('id'))}, expected an id (letters, digits, - and _)")
    if data.get("set") not in SETS:
        r.err((*path, "set"), f"got {show(data.get('set'))}, expected {' or '.join(SETS)}")
    texts_ok = True
    for key in ("measures", "unit", "source", "note", "fails"):
        if key not in data and key in ("note", "fails"):
            continue
        v = data.get(key)
        if not isinstance(v, str) or not v.strip() or any(ord(c) < 32 and c not in "\n\t" for c in v):
            what = "a sentence on what in the model explains it" if key == "fails" else "text"
            r.err((*path, key), f"got {show(v)}, expected {what} (no control characters)")
            texts_ok = False
    year = str(data.get("year", ""))
    if not (re.fullmatch(r"(19|20)\d\d([-–/]\d{2,4})?", year)):
        r.err((*path, "year"), f"got {show(data.get('year'))}, expected a year (2023) or a span (2022-23)")
    value = data.get("value")
    if not (is_number(value) and abs(value) < 1e15 and math.isfinite(value)):
        r.err((*path, "value"), f"got {show(value)}, expected a number (the observed figure, in its unit)")
        value = None
    if "fast" in data and not isinstance(data["fast"], bool):
        r.err((*path, "fast"), f"got {show(data['fast'])}, expected true or false")
    measure = _measure(r, data.get("model"), (*path, "model"), scenarios)
    if measure is not None:  # checked against its scenario even if the figure has other problems
        measures.append((path[-1], measure))
    tol = _tolerance(r, data.get("tolerance"), (*path, "tolerance"))
    if value is None or measure is None or tol is None or not ok_id or data.get("set") not in SETS or missing \
            or not texts_ok:
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
    data, r = open_located(path, ObservedError, "the observed figures")
    display, problems = str(path), r.problems
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
    figures, seen, measures = [], {}, []
    for i, item in enumerate(raw):
        fid = item.get("id") if isinstance(item, dict) else None
        if isinstance(fid, str) and fid in seen:
            r.err(("observations", i, "id"), f"got '{fid}' again (as item {seen[fid]}), expected each id once")
        elif isinstance(fid, str):
            seen[fid] = i
        fig = _figure(r, item, ("observations", i), scenarios, measures)
        if fig is not None:
            figures.append(fig)
    specs = _check_against_scenarios(r, scenarios, measures)
    if problems.lines:
        raise ObservedError(problems.lines, "the observed figures")
    return Observed(path=os.path.normpath(display), scenarios=scenarios, replications=reps, fast_days=days,
                    fast_warmup_days=warm, fast_replications=fast_reps, observations=tuple(figures), specs=specs)


def _check_against_scenarios(r: KeyReader, scenarios: dict[str, str], measures: list[tuple[int, Measure]]) -> dict:
    """Load every named scenario and check each figure's ids against its own; problems join the file's."""
    from corridors.scenario import load_scenario  # here: reading the file's keys needs no network

    specs = {}
    for name, file in scenarios.items():
        try:
            specs[name] = load_scenario(file)
        except ValidationError as exc:
            r.err(("scenarios", name), f"'{file}' does not load, expected a valid scenario ({len(exc.problems)} "
                  "problems below)")
            for line in exc.problems:
                r.problems.raw(line)
    for index, m in measures:
        if m.scenario in specs:
            for key, msg in problems_of(specs[m.scenario], m):
                r.err(("observations", index, "model", key), msg)
    return specs
