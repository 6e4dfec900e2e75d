"""Reading a sweep file: what varies, every point resolved and checked before anything runs.

A sweep file (``docs/sweeps.md``) names a base scenario, what each point is
(a ``run``, a ``capacity`` or a ``compare``) and what varies: overlays on or
off, demand scale factors, any scenario setting by its YAML path, seeds. The
points are every combination of the levels, in file order (the last
dimension varies fastest). Each point is resolved as if a scenario file said
``extends: [base, its overlays..., its settings]``: the settings are a last,
in-memory document (:class:`~corridors.scenario.LocatedDoc`) whose keys stand
for the lines of the sweep file that set them, so a bad value is reported
there, the same way as in a scenario. Every problem of every point is
collected before anything is raised.
"""

from __future__ import annotations

import copy
import itertools
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridors import SEARCH_DAYS
from corridors.errors import ValidationError
from corridors.model import RunSpec
from corridors.scenario import LocatedDoc, compose
from corridors.scenario.problems import KeyPath, did_you_mean, show, unknown_key
from corridors.scenario.reader import KeyReader, open_located
from corridors.scenario.schema import is_id
from corridors.search import REFINE_ROUNDS
from corridors.sweep.columns import KINDS, METRICS, default_headline, default_metrics, metric_columns

#: Keys of a sweep file, in the order the documentation lists them.
SWEEP_KEYS = ("sweep", "description", "base", "kind", "vary", "replications", "search", "report")
#: What can vary, in the order the points are built (the last varies fastest).
VARY_KEYS = ("overlays", "demand_scale", "settings", "seeds")
SEARCH_KEYS = ("rounds", "days")
REPORT_KEYS = ("metrics", "headline")
#: Most points a sweep may have (each is at least one full run; the run budget applies as well).
MAX_POINTS = 1000

log = logging.getLogger(__name__)
#: Scenario keys a setting may not change: the sweep owns them (``vary.seeds``, ``replications``,
#: ``vary.demand_scale``) or they would make a point another scenario.
NOT_SETTINGS = ("name", "description", "extends", "overlay", "demand_scale", "simulation.seed",
                "simulation.replications")


class SweepError(ValidationError):
    """A sweep file is malformed, or one of its points does not resolve."""


@dataclass(frozen=True)
class Point:
    """One point of a sweep: a scenario resolved with the point's levels.

    Attributes
    ----------
    index
        Its number, from 0, in the order the points are built.
    overlays
        Overlay files applied to the base (as written in the sweep file).
    demand_scale
        Factor on the base's demand (1 when the sweep does not vary it).
    settings
        ``(YAML path, value)`` of every varied setting.
    seed
        The seed of its first replication (the others: ``seed + 1, ...``).
    spec
        The resolved scenario (for ``compare``: the side with the overlays).
    before
        For ``compare``: the base with the same demand scale, settings and seed.
    """

    index: int
    overlays: tuple[str, ...]
    demand_scale: float
    settings: tuple[tuple[str, Any], ...]
    seed: int
    spec: RunSpec
    before: RunSpec | None = None

    @property
    def overlay_names(self) -> str:
        """Return the overlays' file stems joined by ``+`` (``none`` without one)."""
        return "+".join(Path(o).stem for o in self.overlays) or "none"


@dataclass(frozen=True)
class Sweep:
    """A sweep file, read and resolved.

    Attributes
    ----------
    name, description
        The sweep's id and what it asks.
    file
        The sweep file as named.
    base
        The base scenario file (relative to the working directory).
    kind
        ``run``, ``capacity`` or ``compare`` (:data:`~corridors.sweep.columns.KINDS`).
    varied
        The dimensions that have more than one level, in :data:`VARY_KEYS` order,
        settings by their YAML path.
    setting_paths
        The YAML path of every setting under ``vary.settings`` (one level or more), in file order.
    replications
        Replications of every point: the file's ``replications``, else the base scenario's.
    search_rounds, search_days
        The capacity search's refinement rounds and run length (kinds ``capacity`` and ``compare``).
    metrics
        Metrics reported, per region and direction (:data:`~corridors.sweep.columns.METRICS`).
    headline
        The column drawn in the chart.
    points
        Every point, in order.
    """

    name: str
    description: str
    file: str
    base: str
    kind: str
    varied: tuple[str, ...]
    setting_paths: tuple[str, ...]
    replications: int
    search_rounds: int
    search_days: float
    metrics: tuple[str, ...]
    headline: str
    points: tuple[Point, ...]


# --------------------------------------------------------------------------- checks of the file's structure


def _overlay_levels(r: KeyReader, raw: Any) -> list[tuple[tuple[str, ...], KeyPath]]:
    """Return the ``vary.overlays`` levels: each a file or a list of files (``[]``: none)."""
    out = []
    for i, level in enumerate(r.levels(raw, ("vary", "overlays"))):
        path: KeyPath = ("vary", "overlays", i)
        items = level if isinstance(level, list) else [level]
        if level is None:
            items = []
        files = [r.file(f, (*path, j) if isinstance(level, list) else path) for j, f in enumerate(items)]
        out.append((tuple(f for f in files if f), path))
    return out


def _setting_levels(r: KeyReader, raw: Any) -> list[tuple[str, list[tuple[Any, KeyPath]]]]:
    """Return the ``vary.settings`` entries: ``YAML path -> levels``, each level with its key path."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        r.err(("vary", "settings"), f"got {show(raw)}, expected a mapping of YAML paths (simulation.days) "
                                    "to lists of values")
        return []
    out = []
    for key, values in raw.items():
        path: KeyPath = ("vary", "settings", key)
        parts = key.split(".")
        if not all(p.strip() and "[" not in p for p in parts):
            r.err(path, "expected the YAML path of a scenario setting, mapping keys joined by '.' "
                        "(operations.border_dwell_h); list items cannot be set")
            continue
        owned = key if key in NOT_SETTINGS or parts[0] in NOT_SETTINGS else None
        levels = r.levels(values, path)
        for v in levels:
            owned = owned or next((p for p in _paths_in(key, v) if p in NOT_SETTINGS), None)
        if owned:
            r.err(path, f"'{owned}' is set by the sweep itself ({_owner(owned)}), not under settings")
            continue
        over = next((k for k, _ in out if k.startswith(key + ".") or key.startswith(k + ".")), None)
        if over is not None:
            r.err(path, f"'{key}' and '{over}' set the same key (one holds the other): expected each setting once")
            continue
        out.append((key, [(v, (*path, i) if isinstance(values, list) else path) for i, v in enumerate(levels)]))
    return out


def _paths_in(key: str, value: Any) -> list[str]:
    """Return the YAML paths a setting's value sets: ``key`` and, inside a mapping, every key below it."""
    out = [key]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths_in(f"{key}.{k}", v))
    return out


def _owner(key: str) -> str:
    return {"demand_scale": "vary.demand_scale", "simulation.seed": "vary.seeds",
            "simulation.replications": "replications"}.get(key, "the point's name and chain")


def _nested(path: str, value: Any) -> dict:
    """Return ``{"a": {"b": value}}`` for the YAML path ``a.b`` (a copy of ``value``: the file's data is never changed)."""
    out: Any = copy.deepcopy(value)
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


# --------------------------------------------------------------------------- the file


def _top(r: KeyReader, data: dict) -> dict:
    """Return the top-level keys other than ``vary``, checked (``None`` where a value is wrong)."""
    for k in data:
        if k not in SWEEP_KEYS:
            r.err((k,), unknown_key(k, SWEEP_KEYS))
    name = data.get("sweep")
    if not (isinstance(name, str) and len(name) <= 100 and is_id(name)):
        r.err(("sweep",), f"got {show(name)}, expected the sweep's name (letters, digits, '.', '_' or '-'; "
                          "it names the output folder)")
        name = None
    desc = data.get("description", "")
    if not isinstance(desc, str):
        r.err(("description",), f"got {show(desc)}, expected text")
    base = r.file(data.get("base"), ("base",)) if "base" in data else None
    if "base" not in data:
        r.err((), "missing key 'base': the scenario file every point starts from")
    kind = data.get("kind", "run")
    if kind not in KINDS:
        r.err(("kind",), f"got {show(kind)}, expected one of {', '.join(KINDS)}{did_you_mean(kind, KINDS)}")
        kind = None
    reps = None
    if "replications" in data:
        reps = r.number(data["replications"], ("replications",), 1, 1000, integer=True)
    search = r.mapping(data.get("search"), ("search",), SEARCH_KEYS)
    if search and kind == "run":
        r.err(("search",), "a run sweep has no capacity search: expected kind capacity or compare, or no search")
    rounds = r.number(search.get("rounds", REFINE_ROUNDS), ("search", "rounds"), 1, 8, integer=True)
    days = r.number(search.get("days", SEARCH_DAYS), ("search", "days"), 1, 3650)
    report = r.mapping(data.get("report"), ("report",), REPORT_KEYS)
    return {"name": name, "description": desc if isinstance(desc, str) else "", "base": base, "kind": kind,
            "replications": reps, "rounds": rounds, "days": days, "report": report}


def _report(r: KeyReader, kind: str, report: dict) -> tuple[tuple[str, ...], str | None]:
    """Return the metrics reported and the chart's headline column, checked against ``kind``."""
    metrics = default_metrics(kind)
    if "metrics" in report:
        raw = report["metrics"] if isinstance(report["metrics"], list) else [report["metrics"]]
        if not raw:
            r.err(("report", "metrics"), "got an empty list, expected at least one metric")
        allowed = [m for m, d in METRICS.items() if kind == "compare" or kind in d.kinds]
        chosen = []
        for i, m in enumerate(raw):
            path = ("report", "metrics", i) if isinstance(report["metrics"], list) else ("report", "metrics")
            if m in allowed:
                chosen.append(m)
            else:
                r.err(path, f"got {show(m)}, expected one of {', '.join(allowed)}{did_you_mean(m, allowed)}")
        metrics = tuple(dict.fromkeys(chosen)) or metrics
    columns = [c.name for c in metric_columns(kind, metrics) if not c.flag]
    headline = report.get("headline", default_headline(kind, metrics))
    if headline not in columns:
        r.err(("report", "headline"), f"got {show(headline)}, expected a reported column such as "
                                      f"{', '.join(columns[:3])}{did_you_mean(headline, columns)}")
        return metrics, None
    return metrics, headline


def _levels(r: KeyReader, vary: dict) -> list[tuple[str, list[tuple[Any, KeyPath]]]]:
    """Return every dimension as ``(name, [(level, key path)])``, in :data:`VARY_KEYS` order (settings by path)."""
    dims: list[tuple[str, list[tuple[Any, KeyPath]]]] = []
    ovs = _overlay_levels(r, vary["overlays"]) if "overlays" in vary else [((), ("vary",))]
    dims.append(("overlays", ovs))
    scales = vary.get("demand_scale", 1.0)
    dims.append(("demand_scale", [(v, ("vary", "demand_scale", i) if isinstance(scales, list) else
                                   ("vary", "demand_scale")) for i, v in enumerate(r.levels(scales, ("vary", "demand_scale")))]))
    dims.extend(_setting_levels(r, vary.get("settings")))
    if "seeds" in vary:
        seeds = vary["seeds"]
        dims.append(("seeds", [(v, ("vary", "seeds", i) if isinstance(seeds, list) else ("vary", "seeds"))
                               for i, v in enumerate(r.levels(seeds, ("vary", "seeds")))]))
    return dims


def read_sweep(path: str | Path) -> Sweep:
    """Read a sweep file and resolve every point.

    Parameters
    ----------
    path
        A sweep YAML file (``docs/sweeps.md``); the files it names are relative to it.

    Returns
    -------
    Sweep
        Its points resolved into scenarios, in order.

    Raises
    ------
    SweepError
        Listing every problem of the file and of every point (``file:line: path: what``),
        each once; a point's bad setting is located at the line of the sweep file that set it.
    """
    data, r = open_located(path, SweepError)
    display, problems = str(path), r.problems
    top = _top(r, data)
    vary = r.mapping(data.get("vary"), ("vary",), VARY_KEYS)
    dims = _levels(r, vary)
    n = math.prod(len(levels) for _, levels in dims)
    if n > MAX_POINTS:
        r.err(("vary",), f"{n:,} points, expected at most {MAX_POINTS:,} (fewer levels, or several sweeps)")
    metrics, headline = _report(r, top["kind"], top["report"]) if top["kind"] else ((), None)
    if top["base"] is not None and top["replications"] is None:
        base = _resolve(r, {}, top["base"], (), {}, {}, "base")
        top["replications"] = base.settings.replications if base is not None else 1
    # the points are resolved even when the file has other problems, so that all are reported at once
    points = _points(r, top, dims) if top["base"] is not None and n <= MAX_POINTS else []
    if problems or not points:
        where = f"{display}:{r.line(('base',))}: base: "
        lines = [where + t[len(COMPOSED_AT):] if t.startswith(COMPOSED_AT) else t for t in problems.lines]
        raise SweepError(_in_line_order(list(dict.fromkeys(lines)), display)
                         or [f"{display}:1: no point resolves"], what=display)
    _warn_shared_seeds(points)
    varied = tuple(name for name, levels in dims if len(levels) > 1)
    settings = tuple(name for name, _ in dims if name not in ("overlays", "demand_scale", "seeds"))
    return Sweep(top["name"], top["description"], display, top["base"], top["kind"], varied, settings,
                 top["replications"], top["rounds"], top["days"], metrics, headline, tuple(points))


#: Where a problem of the composed scenario itself (not of one of its files) is located: the sweep's base.
COMPOSED_AT = "<compose>:1: "


def _warn_shared_seeds(points: list[Point]) -> None:
    """Warn when two points with different seeds share some (their replications are then not independent)."""
    seeds = sorted({(p.seed, p.spec.settings.replications) for p in points})
    for (a, n), (b, _) in zip(seeds, seeds[1:]):
        if b < a + n:
            log.warning("seeds %d and %d are fewer than %d replications apart: points share random streams "
                        "(replication r runs with seed + r)", a, b, n)
            return


def _in_line_order(lines: list[str], display: str) -> list[str]:
    """Return the messages of the sweep file in line order, then those of other files as found."""
    def key(text: str) -> tuple:
        head, _, rest = text.partition(f"{display}:")
        line = rest.split(":", 1)[0]
        return (0, int(line)) if not head and line.isdigit() else (1, 0)

    return sorted(lines, key=key)


def _points(r: KeyReader, top: dict, dims: list) -> list[Point]:
    """Resolve every combination of the levels (problems recorded in ``r``, each once).

    Points whose parts are the same share one scenario object (for ``compare``,
    the side without overlays is shared by every overlay level), so that it is
    simulated once.
    """
    points: list[Point] = []
    cache: dict[str, RunSpec | None] = {}
    for index, combo in enumerate(itertools.product(*(levels for _, levels in dims))):
        doc: dict = {}
        origins: dict[KeyPath, tuple[str, int, KeyPath]] = {}
        overlays: tuple[str, ...] = ()
        scale, settings = 1.0, []
        for (name, _), (value, path) in zip(dims, combo, strict=True):
            origin = (r.display, r.line(path), path)
            if name == "overlays":
                overlays = value
            elif name == "demand_scale":
                scale = value
                doc["demand_scale"], origins[("demand_scale",)] = value, origin
            elif name == "seeds":
                doc.setdefault("simulation", {})["seed"] = value
                origins[("simulation", "seed")] = origin
            else:
                settings.append((name, value))
                _merge_into(doc, _nested(name, value))
                origins[tuple(name.split("."))] = origin
        # every point runs the sweep's replications (an overlay cannot change them)
        doc.setdefault("simulation", {})["replications"] = top["replications"]
        if ("replications",) in r.lines:
            origins[("simulation", "replications")] = (r.display, r.line(("replications",)), ("replications",))
        spec = _resolve(r, cache, top["base"], overlays, doc, origins, f"{top['name']}-p{index:03d}")
        before = None
        if top["kind"] == "compare":
            if not overlays:
                r.err(combo[0][1], "a compare point needs at least one overlay on (this level has none): "
                                   "each point is compared with the base without its overlays")
            before = _resolve(r, cache, top["base"], (), doc, origins, f"{top['name']}-base-p{index:03d}")
            spec = None if spec is None or before is None else _paired_with(spec, before)
        if spec is not None:
            points.append(Point(index, overlays, float(scale), tuple(settings), spec.settings.seed, spec, before))
    return points


def _paired_with(after: RunSpec, before: RunSpec) -> RunSpec:
    """Return ``after`` on ``before``'s seed and service level, as ``corridors compare`` pairs its two sides."""
    b = before.settings
    if after.settings.seed != b.seed:
        log.info("%s runs with the seed of its base (%d, not %d): a comparison pairs its replications",
                 after.name, b.seed, after.settings.seed)
    return after.with_settings(seed=b.seed, replications=b.replications,
                               service_level_wait_share=b.service_level_wait_share)


def _merge_into(doc: dict, add: dict) -> None:
    """Merge the nested mapping ``add`` into ``doc`` (two settings under one parent)."""
    for k, v in add.items():
        if isinstance(v, dict) and isinstance(doc.get(k), dict):
            _merge_into(doc[k], v)
        else:
            doc[k] = v


def _resolve(r: KeyReader, cache: dict, base: str, overlays: tuple[str, ...], doc: dict,
             origins: dict, name: str) -> RunSpec | None:
    """Compose ``base + overlays + doc`` named ``name``, or the scenario already composed of the same parts.

    Problems are recorded once however many points share them; None when it does not resolve.
    """
    key = repr((overlays, doc))
    if key not in cache:
        try:
            cache[key] = compose(base, *overlays, LocatedDoc(doc, origins), name=name)
        except ValidationError as exc:
            for line in exc.problems:
                if line not in r.problems.lines:
                    r.problems.raw(line)
            cache[key] = None
    return cache[key]
