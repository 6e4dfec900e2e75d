"""Scenario files: YAML in, a typed :class:`~corridors.model.RunSpec` out.

A scenario names a network file, changes to it (lines opened, sections
upgraded, closures), the freight demand, and operating and simulation
settings. Files can build on each other with ``extends``; a file with
``overlay: true`` is a partial file (typically one build-out project) meant
to be combined with others. The format and the merge rules are written out
in ``docs/scenario-format.md``; this module is their single implementation.

Public functions
----------------
:func:`load_scenario`
    Read, merge, validate and resolve one scenario into a :class:`RunSpec`.
:func:`validate_file`
    The list of problems of one file (a scenario or an overlay); never raises.
:func:`resolved_dict`, :func:`dump_resolved_yaml`
    The fully resolved scenario as plain data / YAML text (``corridors show``,
    ``scenario.resolved.yaml``).

Every problem is reported as one line ``file:line: path.to.key: what is wrong,
expected ...``, where *file* and *line* are those of the file (possibly a
parent named in ``extends``) that holds the offending key, and *path* is the
key's path inside that file. All problems of a file are collected before
anything is raised.

YAML is read with ruamel.yaml's round-trip loader, which never constructs
arbitrary Python objects; explicit tags (``!!python/...``) are rejected.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import logging
import math
import os
import re
import types
import typing
from dataclasses import asdict, dataclass, field, replace
from io import StringIO
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from corridors import REGIONS
from corridors.errors import NetworkError, ScenarioError
from corridors.model import (
    DEFAULT_CARGO,
    CargoClass,
    Disruption,
    Flow,
    Operations,
    RunSpec,
    SimSettings,
    region_of,
)
from corridors.routing import candidate_routes, route_graph
from corridors.network import (
    LENGTH_TOLERANCE,
    BorderCrossing,
    FerryLink,
    Network,
    Node,
    RailSection,
    check_network,
    default_network_path,
    geodesic_length_km,
    read_network,
    to_graph,
)

log = logging.getLogger(__name__)

__all__ = [
    "CHANGE_KINDS",
    "TOP_LEVEL_KEYS",
    "dump_resolved_yaml",
    "load_scenario",
    "resolved_dict",
    "validate_file",
]

KeyPath = tuple[Any, ...]
#: Where a key came from: display file name, 1-based line, and its path inside that file.
Origin = tuple[str, int, KeyPath]

#: Keys a scenario file may have at the top level.
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "extends",
    "overlay",
    "network",
    "changes",
    "cargo_classes",
    "demand",
    "demand_scale",
    "demand_scale_by_region",
    "operations",
    "simulation",
)

#: Kinds of ``changes`` items (each item is a mapping with exactly one of these keys).
CHANGE_KINDS: tuple[str, ...] = (
    "open",
    "add_node",
    "add_section",
    "add_border",
    "add_ferry",
    "upgrade",
    "set_border",
    "set_ferry",
    "close",
    "slowdown",
    "remove",
)

#: Top-level mappings that are deep-merged along ``extends`` (child wins key by key).
DEEP_MERGED: frozenset[str] = frozenset(
    {"operations", "simulation", "cargo_classes", "demand_scale_by_region"}
)

#: The ``via`` element that stands for any ferry link.
FERRY = "ferry"

#: Days of a simulated year (seasons are laid on a 365-day calendar; day 0 = 1 January).
YEAR_DAYS = 365

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_MMDD_PATTERN = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_PATTERN_HINTS = {
    _ID_PATTERN: "letters, digits, '.', '_' or '-' (it names a folder or an id)",
    _MMDD_PATTERN: 'a day of the year as "MM-DD" in quotes, e.g. "12-15"',
    r"^[A-Z]{2}$": 'a two-letter upper-case country code, e.g. "KZ"',
}
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_UPGRADE_KEYS = ("tracks", "loop_spacing_km", "headway_min", "speed_kmh", "electrified")
_SET_BORDER_KEYS = (
    "handling_tracks",
    "dwell_h",
    "dwell_cv",
    "handling_trains_per_day",
    "exchange_limit_trains_per_day",
)
_SET_FERRY_KEYS = (
    "vessels",
    "wagons_per_vessel",
    "crossing_h",
    "port_handling_h",
    "max_wait_h",
    "weather_downtime_share",
)
_ADD_RECORD: dict[str, type[BaseModel]] = {
    "add_node": Node,
    "add_section": RailSection,
    "add_border": BorderCrossing,
    "add_ferry": FerryLink,
}
_KIND_WORD = {"rail": "rail section", "border": "border crossing", "ferry": "ferry link"}

_OPS = Operations()
_SIM = SimSettings()


# --------------------------------------------------------------------------- schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


PositiveFloat = Annotated[float, Field(gt=0)]


class _CargoSpec(_Strict):
    """Override of a default cargo class, or a new class (see model.CargoClass)."""

    net_t_per_train: float | None = Field(None, gt=0)
    wagons_per_train: int | None = Field(None, ge=1)
    teu_per_train: float | None = Field(None, gt=0)
    speed_factor: float | None = Field(None, gt=0, le=1.2)
    priority: int | None = None


class _OperationsSpec(_Strict):
    maintenance_h: float = Field(_OPS.maintenance_h, ge=0, lt=24)
    maintenance_start_h: float = Field(_OPS.maintenance_start_h, ge=0, lt=24)
    meet_overhead_min: float = Field(_OPS.meet_overhead_min, ge=0)
    k_routes: int = Field(_OPS.k_routes, ge=1, le=50)
    max_detour: float = Field(_OPS.max_detour, ge=1)
    gateway_detour: float = Field(_OPS.gateway_detour, ge=1)
    congestion_weight: float = Field(_OPS.congestion_weight, ge=0)
    max_origin_backlog_days: float = Field(_OPS.max_origin_backlog_days, gt=0)
    wagons_per_train_reference: float = Field(_OPS.wagons_per_train_reference, gt=0)
    priorities: dict[str, int] = Field(default_factory=dict)


class _SimulationSpec(_Strict):
    days: float = Field(_SIM.days, gt=0)
    warmup_days: float = Field(_SIM.warmup_days, ge=0)
    seed: int = Field(_SIM.seed, ge=0)
    replications: int = Field(_SIM.replications, ge=1)


class _TopSpec(_Strict):
    """The merged top level; ``changes`` and ``demand`` items are checked one by one."""

    name: str | None = Field(None, pattern=_ID_PATTERN)
    description: str = ""
    network: str | None = None
    changes: list[Any] = Field(default_factory=list)
    cargo_classes: dict[str, _CargoSpec] = Field(default_factory=dict)
    demand: list[Any] | None = None
    demand_scale: float = Field(1.0, gt=0)
    demand_scale_by_region: dict[str, PositiveFloat] = Field(default_factory=dict)
    operations: _OperationsSpec = Field(default_factory=_OperationsSpec)
    simulation: _SimulationSpec = Field(default_factory=_SimulationSpec)


class _FlowSpec(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    origin: str
    destination: str
    cargo: str
    volume_mt: float | None = Field(None, gt=0)
    volume_teu: float | None = Field(None, gt=0)
    seasonal: list[Annotated[float, Field(ge=0)]] | None = None
    via: Any = None
    avoid: Any = None
    source: str = Field(min_length=1)
    remove: bool = False


class _Season(_Strict):
    from_: str = Field(alias="from", pattern=_MMDD_PATTERN)
    to: str = Field(pattern=_MMDD_PATTERN)


class _Close(_Strict):
    id: str
    from_day: float | None = None
    to_day: float | None = None
    season: _Season | None = None
    reason: str = ""


class _Slowdown(_Close):
    factor: float = Field(gt=0, lt=1)


# --------------------------------------------------------------------------- messages


def _fmt_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a mapping {" + ", ".join(map(str, value)) + "}"
    elif isinstance(value, list):
        text = f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _did_you_mean(word: Any, choices) -> str:
    match = difflib.get_close_matches(str(word), sorted(set(map(str, choices))), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _unknown_key(key: Any, allowed) -> str:
    allowed = list(allowed)
    listed = ", ".join(allowed) if len(allowed) <= 14 else ", ".join(allowed[:14]) + ", ..."
    return f"unknown key '{key}', expected one of: {listed}{_did_you_mean(key, allowed)}"


def _unwrap(ann: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` from a type annotation."""
    while True:
        origin = typing.get_origin(ann)
        if origin is Annotated:
            ann = typing.get_args(ann)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann


def _model_keys(model: type[BaseModel] | None, loc: KeyPath) -> list[str]:
    """Keys allowed in the mapping at ``loc`` inside ``model`` (for unknown-key messages)."""
    ann: Any = model
    for part in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            fld = next((f for n, f in ann.model_fields.items() if (f.alias or n) == part), None)
            if fld is None:
                return []
            ann = fld.annotation
        elif typing.get_origin(ann) in (dict, list):
            ann = typing.get_args(ann)[-1]
        else:
            return []
    ann = _unwrap(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [f.alias or n for n, f in ann.model_fields.items()]
    return []


def _expected(err: dict) -> str:
    typ, msg, ctx = err["type"], err["msg"], err.get("ctx") or {}
    if typ == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return _PATTERN_HINTS.get(pattern, f"text matching {pattern}")
    if typ in ("too_short", "too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        if lo is not None and lo == hi:
            return f"exactly {lo} items"
        return f"at least {lo} items" if typ == "too_short" else f"at most {hi} items"
    if typ in ("model_type", "dict_type", "model_attributes_type"):
        return "a mapping"
    if typ == "string_too_short":
        return "a non-empty text"
    if typ == "value_error":
        return msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        rest = (
            msg[len("Input should be ") :]
            .replace("a valid integer", "an integer")
            .replace("a valid ", "a ")
        )
        rest = rest.replace("a number, unable to parse string as a number", "a number")
        if rest.startswith(("greater", "less")):
            rest = "a number " + rest
        if rest == "a dictionary":
            rest = "a mapping"
        return rest
    return msg[:1].lower() + msg[1:]


def _pydantic_messages(
    exc: PydanticValidationError, model: type[BaseModel] | None
) -> list[tuple[KeyPath, str]]:
    """Turn a pydantic error into ``(path, message)`` pairs in the scenario's own terms."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            out.append((loc, _unknown_key(loc[-1], _model_keys(model, loc[:-1]))))
        elif err["type"] == "missing":
            out.append((loc, "required key is missing"))
        else:
            out.append((loc, f"got {_show(err.get('input'))}, expected {_expected(err)}"))
    return out


# --------------------------------------------------------------------------- provenance


def _sub(prov: dict[KeyPath, Origin], prefix: KeyPath) -> dict[KeyPath, Origin]:
    """Entries of ``prov`` under ``prefix``, re-rooted at ``prefix``."""
    n = len(prefix)
    return {p[n:]: v for p, v in prov.items() if p[:n] == prefix}


def _replace_under(
    prov: dict[KeyPath, Origin], prefix: KeyPath, sub: dict[KeyPath, Origin]
) -> None:
    n = len(prefix)
    for p in [p for p in prov if p[:n] == prefix]:
        del prov[p]
    for p, v in sub.items():
        prov[prefix + p] = v


def _list_prov(items: list[tuple[Any, dict]], head: Origin | None) -> tuple[list, dict]:
    values, prov = [], {}
    if head is not None:
        prov[()] = head
    for j, (value, sub) in enumerate(items):
        values.append(value)
        for p, v in sub.items():
            prov[(j, *p)] = v
    return values, prov


@dataclass
class _File:
    """One scenario file as read, with the line of every key."""

    display: str
    real: Path
    data: dict
    prov: dict[KeyPath, Origin]
    extends: list[tuple[str, KeyPath]]
    overlay: bool
    overlay_line: int
    network_display: str | None


@dataclass
class _Doc:
    """The merged data of a chain of files, with the origin of every key."""

    data: dict
    prov: dict[KeyPath, Origin]
    network_display: str | None = None
    files: list[str] = field(default_factory=list)


def _merge_deep(b: dict, bprov: dict, o: dict, oprov: dict) -> tuple[dict, dict]:
    res, prov = dict(b), dict(bprov)
    for k, v in o.items():
        osub = _sub(oprov, (k,))
        if k in res and isinstance(res[k], dict) and isinstance(v, dict):
            v, osub = _merge_deep(res[k], _sub(prov, (k,)), v, osub)
        res[k] = v
        _replace_under(prov, (k,), osub)
    if () in oprov:
        prov[()] = oprov[()]
    return res, prov


def _flow_id(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return None


def _merge_demand(b: list, bprov: dict, o: list, oprov: dict) -> tuple[list, dict]:
    items: list[tuple[Any, dict] | None] = [(x, _sub(bprov, (i,))) for i, x in enumerate(b)]
    index = {fid: j for j, (x, _) in enumerate(items) if (fid := _flow_id(x)) is not None}
    for i, x in enumerate(o):
        sub = _sub(oprov, (i,))
        fid = _flow_id(x)
        if fid is not None and fid in index:
            j = index[fid]
            if x.get("remove") is True:
                items[j] = None
                del index[fid]
            else:
                items[j] = (x, sub)
        else:
            if fid is not None:
                index[fid] = len(items)
            items.append((x, sub))
    return _list_prov([it for it in items if it is not None], oprov.get(()))


def _merge(base: _Doc, f: _File) -> _Doc:
    """Apply file ``f`` over the accumulated ``base`` (the merge rules of docs/scenario-format.md)."""
    data, prov = dict(base.data), dict(base.prov)
    for k, v in f.data.items():
        osub = _sub(f.prov, (k,))
        if k in data:
            bv, bsub = data[k], _sub(prov, (k,))
            if k == "changes" and isinstance(bv, list) and isinstance(v, list):
                items = [(x, _sub(bsub, (i,))) for i, x in enumerate(bv)]
                items += [(x, _sub(osub, (i,))) for i, x in enumerate(v)]
                v, osub = _list_prov(items, osub.get(()))
            elif k == "demand" and isinstance(bv, list) and isinstance(v, list):
                v, osub = _merge_demand(bv, bsub, v, osub)
            elif k in DEEP_MERGED and isinstance(bv, dict) and isinstance(v, dict):
                v, osub = _merge_deep(bv, bsub, v, osub)
            elif k == "demand_scale" and _is_number(bv) and _is_number(v):
                v = bv * v
        data[k] = v
        _replace_under(prov, (k,), osub)
    prov[()] = f.prov[()]
    network_display = f.network_display if "network" in f.data else base.network_display
    return _Doc(data, prov, network_display, [*base.files, f.display])


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# --------------------------------------------------------------------------- reading YAML


def _plain(
    node: Any, path: KeyPath, lines: dict[KeyPath, int], bad_tags: list[tuple[KeyPath, str]]
) -> Any:
    """Plain Python data from a round-trip node, recording the line of every key and item."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) or (
        tag is not None and isinstance(node, (CommentedMap, CommentedSeq))
    ):
        bad_tags.append((path, str(tag or getattr(node, "tag", ""))))
        return None
    if isinstance(node, CommentedMap):
        out = {}
        for k, v in node.items():
            key = k if isinstance(k, str) else str(k)
            lines[(*path, key)] = node.lc.key(k)[0] + 1
            out[key] = _plain(v, (*path, key), lines, bad_tags)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, v in enumerate(node):
            lines[(*path, i)] = node.lc.item(i)[0] + 1
            out_list.append(_plain(v, (*path, i), lines, bad_tags))
        return out_list
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    return node


class _Resolution:
    """One resolution of a scenario file: collects every problem, builds the RunSpec."""

    def __init__(self, path: str | Path, *, mode: str, days: float | None = None) -> None:
        self.days = days
        # mode: "load" (a full scenario), "load_overlay" (an overlay is accepted too: overlay_ok),
        # "validate" (either, each checked as what it is)
        self.path = str(path)
        self.mode = mode
        self.problems: list[str] = []
        self.prov: dict[KeyPath, Origin] = {}
        self.overlay = False
        self.chain_broken = (
            False  # a parent could not be read: skip checks that need the whole chain
        )

    # -- problem reporting

    def _add(self, file: str, line: int, path: KeyPath, msg: str) -> None:
        p = _fmt_path(path)
        text = f"{file}:{line}: {p}: {msg}" if p else f"{file}:{line}: {msg}"
        if text not in self.problems:
            self.problems.append(text)

    def err_in(self, prov: dict[KeyPath, Origin], path: KeyPath, msg: str) -> None:
        """Report ``msg`` at ``path`` using the provenance map ``prov``."""
        for i in range(len(path), -1, -1):
            origin = prov.get(tuple(path[:i]))
            if origin is not None:
                file, line, orig = origin
                self._add(file, line, (*orig, *path[i:]), msg)
                return
        self._add(self.path, 1, path, msg)

    def err(self, path: KeyPath, msg: str) -> None:
        self.err_in(self.prov, path, msg)

    def _origin_text(self, path: KeyPath) -> str:
        for i in range(len(path), -1, -1):
            origin = self.prov.get(tuple(path[:i]))
            if origin is not None:
                return f"{origin[0]}:{origin[1]}"
        return self.path

    # -- stage 1: read and linearise the extends chain

    def _read_file(self, display: str) -> _File | None:
        try:
            text = Path(display).read_text(encoding="utf-8")
        except OSError as exc:
            self.problems.append(f"{display}: cannot read: {exc.strerror or exc}")
            return None
        except UnicodeDecodeError as exc:
            self.problems.append(f"{display}: cannot read: not UTF-8 text ({exc.reason})")
            return None
        try:
            node = YAML(typ="rt", pure=True).load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            what = exc.problem or exc.context or "syntax error"
            self.problems.append(f"{display}:{line}: invalid YAML: {what}")
            return None
        except YAMLError as exc:
            self.problems.append(f"{display}:1: invalid YAML: {exc}")
            return None
        if node is None:
            self.problems.append(
                f"{display}:1: the file is empty, expected a mapping of scenario keys"
            )
            return None
        if not isinstance(node, CommentedMap):
            self.problems.append(
                f"{display}:1: got {_show(_plain(node, (), {}, []))} at the top level, expected a mapping"
            )
            return None
        lines: dict[KeyPath, int] = {(): 1}
        bad_tags: list[tuple[KeyPath, str]] = []
        data = _plain(node, (), lines, bad_tags)
        prov: dict[KeyPath, Origin] = {p: (display, ln, p) for p, ln in lines.items()}
        for p, tag in bad_tags:
            self.err_in(prov, p, f"explicit YAML tag '{tag}' is not allowed, expected plain data")
        # per-file keys: extends and overlay are not inherited
        extends: list[tuple[str, KeyPath]] = []
        raw = data.pop("extends", None)
        if isinstance(raw, str):
            raw = [raw]
            extends_paths: list[KeyPath] = [("extends",)]
        else:
            extends_paths = (
                [("extends", i) for i in range(len(raw))] if isinstance(raw, list) else []
            )
        if raw is not None and not isinstance(raw, list):
            self.err_in(
                prov,
                ("extends",),
                f"got {_show(raw)}, expected a file name or a list of file names",
            )
        for item, p in zip(raw or [], extends_paths, strict=True):
            if isinstance(item, str) and item.strip():
                extends.append((item, p))
            else:
                self.err_in(
                    prov, p, f"got {_show(item)}, expected a file name (relative to this file)"
                )
        overlay = data.pop("overlay", False)
        if not isinstance(overlay, bool):
            self.err_in(prov, ("overlay",), f"got {_show(overlay)}, expected true or false")
            overlay = False
        network_display = None
        if isinstance(data.get("network"), str):
            network_display = os.path.normpath(
                os.path.join(os.path.dirname(display), data["network"])
            )
        self._check_demand_ids(data, prov)
        return _File(
            display,
            Path(display).resolve(),
            data,
            prov,
            extends,
            overlay,
            lines.get(("overlay",), 1),
            network_display,
        )

    def _check_demand_ids(self, data: dict, prov: dict) -> None:
        demand = data.get("demand")
        if not isinstance(demand, list):
            return
        first: dict[str, int] = {}
        for i, item in enumerate(demand):
            fid = _flow_id(item)
            if fid is None:
                continue
            if fid in first:
                line = prov.get(("demand", first[fid]), (None, "?"))[1]
                self.err_in(
                    prov,
                    ("demand", i, "id"),
                    f"duplicate flow id '{fid}' (first used on line {line}), expected unique ids within a file",
                )
            else:
                first[fid] = i
            if item.get("remove") is True:
                extra = sorted(set(item) - {"id", "remove"})
                if extra:
                    self.err_in(
                        prov,
                        ("demand", i, extra[0]),
                        f"a flow with 'remove: true' only takes 'id', got also: {', '.join(extra)}",
                    )

    def _linearise(
        self, display: str, stack: list[tuple[Path, str]], seen: set[Path], order: list[_File]
    ) -> _File | None:
        f = self._read_file(display)
        if f is None:
            return None
        seen.add(f.real)
        stack = [*stack, (f.real, f.display)]
        for ext, p in f.extends:
            pdisplay = os.path.normpath(os.path.join(os.path.dirname(f.display), ext))
            preal = Path(pdisplay).resolve()
            reals = [r for r, _ in stack]
            if preal in reals:
                chain = [d for _, d in stack[reals.index(preal) :]] + [pdisplay]
                self.err_in(f.prov, p, "cyclic extends: " + " -> ".join(chain))
                continue
            if preal in seen:
                continue  # a diamond: every file is applied once, at its first occurrence
            if not preal.is_file():
                self.err_in(
                    f.prov,
                    p,
                    f"cannot read '{ext}' ({pdisplay}): no such file, expected a path relative to this file",
                )
                self.chain_broken = True
                continue
            if self._linearise(pdisplay, stack, seen, order) is None:
                self.chain_broken = True
        order.append(f)
        return f

    # -- the pipeline

    def run(self) -> RunSpec | None:
        order: list[_File] = []
        root = self._linearise(self.path, [], set(), order)
        if root is None:
            return None
        self.overlay = root.overlay
        if self.mode == "load" and root.overlay:
            self._add(
                root.display,
                root.overlay_line,
                ("overlay",),
                "this file is an overlay (overlay: true), expected a full scenario; "
                "extend it from a scenario, or load it with overlay_ok=True",
            )
            return None
        doc = _Doc({}, {(): (root.display, 1, ())})
        for f in order:
            doc = _merge(doc, f)
        self.prov = doc.prov
        top = self._check_top(doc)
        if top is not None and self.days is not None:
            # A horizon set on the command line: seasons and closures are checked
            # and expanded against it, as if the file said so.
            top = top.model_copy(update={"simulation": top.simulation.model_copy(update={"days": self.days})})
        net = None if self.chain_broken else self._read_network(doc)
        if net is None:
            # still check the items' own schema, so that a user sees those problems too
            self._check_items_schema(top)
            return None
        state = self._apply_changes(net, top.changes)
        cargo = self._cargo(top)
        resolved = net.with_links({k: state.links[k] for k in state.active}, state.nodes)
        network_ok = self._check_resolved(resolved, state)
        flows = self._flows(top, resolved, state, cargo, check_routes=network_ok)
        disruptions = self._disruptions(top, state)
        if self.problems:
            return None
        spec = RunSpec(
            name=top.name or Path(root.display).stem,
            network=resolved,
            flows=tuple(flows),
            cargo=cargo,
            operations=Operations(**top.operations.model_dump(exclude={"priorities"})),
            disruptions=tuple(disruptions),
            settings=SimSettings(**top.simulation.model_dump()),
            description=top.description,
            source_files=tuple(doc.files),
        )
        log.info(
            "scenario %s: %d flows, %d active links, %d disruptions (from %s)",
            spec.name,
            len(spec.flows),
            len(resolved.links),
            len(spec.disruptions),
            ", ".join(doc.files),
        )
        return spec

    # -- stage 2: top-level schema

    def _check_top(self, doc: _Doc) -> _TopSpec:
        data = dict(doc.data)
        try:
            top = _TopSpec.model_validate(data)
        except PydanticValidationError as exc:
            bad = set()
            for loc, msg in _pydantic_messages(exc, _TopSpec):
                self.err(loc, msg)
                bad.add(loc[0])
            try:
                top = _TopSpec.model_validate({k: v for k, v in data.items() if k not in bad})
            except PydanticValidationError:  # pragma: no cover - every bad key was dropped
                top = _TopSpec()
        if not self.overlay and not self.chain_broken:
            if top.name is None and "name" not in data:
                self.err(
                    ("name",),
                    "required key is missing (in this file or a parent), expected the scenario name (it names outputs/<name>/)",
                )
            if doc.network_display is None and "network" not in data:
                self.err(
                    ("network",),
                    "required key is missing (in this file or a parent), expected the path of a network GeoJSON file",
                )
            if top.demand is None and "demand" not in data:
                self.err(
                    ("demand",),
                    "required key is missing (in this file or a parent), expected a list of flows",
                )
        sim = top.simulation
        if sim.warmup_days >= sim.days:
            self.err(
                ("simulation", "warmup_days"),
                f"got {sim.warmup_days:g}, expected less than simulation.days ({sim.days:g})",
            )
        for region in top.demand_scale_by_region:
            if region not in REGIONS:
                self.err(
                    ("demand_scale_by_region", region),
                    f"unknown region '{region}', expected one of: {', '.join(REGIONS)}{_did_you_mean(region, REGIONS)}",
                )
        return top

    def _read_network(self, doc: _Doc) -> Network | None:
        path = doc.network_display
        if path is None:
            if not self.overlay:
                return None  # reported as a missing key
            path = str(default_network_path())
        if not Path(path).is_file():
            self.err(
                ("network",),
                f"cannot read network file '{path}': no such file, expected a network GeoJSON file (relative to the file that names it)",
            )
            return None
        try:
            return read_network(path)
        except NetworkError as exc:
            self.err(
                ("network",),
                f"the network file '{path}' has {len(exc.problems)} problem(s), listed below",
            )
            self.problems.extend(exc.problems)
            return None

    def _check_items_schema(self, top: _TopSpec) -> None:
        for i, item in enumerate(top.demand or []):
            if isinstance(item, dict) and item.get("remove") is not True:
                self._validate(_FlowSpec, item, ("demand", i))

    def _validate(self, model: type[BaseModel], data: Any, path: KeyPath, **kw) -> Any:
        if not isinstance(data, dict):
            self.err(path, f"got {_show(data)}, expected a mapping")
            return None
        try:
            return model.model_validate(data, **kw)
        except PydanticValidationError as exc:
            for loc, msg in _pydantic_messages(exc, model):
                self.err((*path, *loc), msg)
            return None

    # -- stage 3: changes

    def _apply_changes(self, net: Network, changes: list) -> _State:
        state = _State(
            nodes=dict(net.nodes),
            links=dict(net.links),
            active={k: None for k, v in net.links.items() if v.status == "existing"},
            default_year=int(net.as_of[:4]) if net.as_of[:4].isdigit() else 2000,
            network_name=net.source or net.name,
        )
        for i, item in enumerate(changes):
            path = ("changes", i)
            if not isinstance(item, dict) or len(item) != 1:
                got = f"keys {', '.join(map(str, item))}" if isinstance(item, dict) else _show(item)
                self.err(
                    path,
                    f"got {got}, expected a mapping with exactly one key, one of: {', '.join(CHANGE_KINDS)}",
                )
                continue
            ((kind, body),) = item.items()
            if kind not in CHANGE_KINDS:
                self.err(
                    (*path, kind),
                    f"unknown change '{kind}', expected one of: {', '.join(CHANGE_KINDS)}{_did_you_mean(kind, CHANGE_KINDS)}",
                )
                continue
            getattr(self, f"_change_{kind}")(state, body, (*path, kind))
        return state

    def _unknown_link(
        self, state: _State, lid: Any, path: KeyPath, choices=None, what: str = "link"
    ) -> None:
        choices = state.links if choices is None else choices
        if lid in state.nodes:
            self.err(path, f"'{lid}' is a node, expected a {what} id")
        else:
            self.err(
                path,
                f"unknown {what} '{lid}', expected a link id of {state.network_name} or one added by changes{_did_you_mean(lid, choices)}",
            )

    def _change_open(self, state: _State, body: Any, path: KeyPath) -> None:
        items = (
            [(body, path)]
            if isinstance(body, str)
            else [(x, (*path, j)) for j, x in enumerate(body)]
            if isinstance(body, list)
            else None
        )
        if not items:
            self.err(path, f"got {_show(body)}, expected a link id or a list of link ids")
            return
        closed = [k for k, v in state.links.items() if v.status != "existing"]
        for lid, p in items:
            if not isinstance(lid, str):
                self.err(p, f"got {_show(lid)}, expected a link id")
            elif lid not in state.links:
                self._unknown_link(state, lid, p, closed, "planned or under-construction link")
            elif lid in state.active:
                link = state.links[lid]
                if link.status == "existing":
                    self.err(
                        p,
                        f"link '{lid}' already has status existing in the network file, expected a planned or under-construction link",
                    )
                else:
                    self.err(
                        p, f"link '{lid}' is already open, expected a link that is not active yet"
                    )
            else:
                state.active[lid] = None
                state.touched[lid] = p

    def _change_remove(self, state: _State, body: Any, path: KeyPath) -> None:
        if not isinstance(body, str):
            self.err(path, f"got {_show(body)}, expected a link id")
        elif body not in state.links:
            self._unknown_link(state, body, path)
        elif body not in state.active:
            self.err(
                path,
                f"link '{body}' is not active (status {state.links[body].status}), expected an active link",
            )
        else:
            del state.active[body]
            state.touched[body] = path

    def _check_keys(self, body: dict, allowed, path: KeyPath) -> bool:
        unknown = [k for k in body if k not in allowed]
        for k in unknown:
            self.err((*path, k), _unknown_key(k, allowed))
        return not unknown

    def _change_add_node(self, state: _State, body: Any, path: KeyPath) -> None:
        self._add_element(state, "add_node", body, path)

    def _change_add_section(self, state: _State, body: Any, path: KeyPath) -> None:
        self._add_element(state, "add_section", body, path)

    def _change_add_border(self, state: _State, body: Any, path: KeyPath) -> None:
        self._add_element(state, "add_border", body, path)

    def _change_add_ferry(self, state: _State, body: Any, path: KeyPath) -> None:
        self._add_element(state, "add_ferry", body, path)

    def _add_element(self, state: _State, kind: str, body: Any, path: KeyPath) -> None:
        model = _ADD_RECORD[kind]
        if not isinstance(body, dict):
            self.err(path, f"got {_show(body)}, expected a mapping of the new element's attributes")
            return
        allowed = [n for n in model.model_fields if n not in ("kind", "coords")]
        if model is not Node:
            allowed.append("points")
        ok = self._check_keys(body, allowed, path)
        eid = body.get("id")
        if isinstance(eid, str) and (eid in state.nodes or eid in state.links):
            what = "node" if eid in state.nodes else _KIND_WORD[state.links[eid].kind]
            self.err(
                (*path, "id"),
                f"'{eid}' already exists (a {what}), expected a new id (use upgrade / set_border / set_ferry / open to change an existing element)",
            )
            ok = False
        rec = {k: v for k, v in body.items() if k != "points" and k in allowed}
        rec.setdefault("source", f"scenario change at {self._origin_text(path)}")
        if model is Node:
            node = self._validate(model, rec, path, strict=True)
            if node is not None and ok:
                state.nodes[node.id] = node
                state.touched[node.id] = path
            return
        ends = []
        for end in ("from_node", "to_node"):
            nid = body.get(end)
            if isinstance(nid, str) and nid not in state.nodes:
                self.err(
                    (*path, end),
                    f"unknown node '{nid}', expected a node of the network or one added earlier in changes{_did_you_mean(nid, state.nodes)}",
                )
                ok = False
            elif isinstance(nid, str):
                ends.append(state.nodes[nid])
        points = self._points(body.get("points"), (*path, "points"))
        if points is None:
            ok = False
        coords: tuple = ()
        if len(ends) == 2 and points is not None and points:
            coords = ((ends[0].lon, ends[0].lat), *points, (ends[1].lon, ends[1].lat))
        rec.update(kind=model.model_fields["kind"].default, coords=coords)
        rec.setdefault("status", "planned")
        rec.setdefault("opening_year", state.default_year)
        if len(ends) == 2:
            if model is not RailSection and "length_km" not in rec:
                line = coords or ((ends[0].lon, ends[0].lat), (ends[1].lon, ends[1].lat))
                rec["length_km"] = max(1.0, round(geodesic_length_km(line), 1))
            if model is BorderCrossing and "gauge_change" not in rec:
                rec["gauge_change"] = ends[0].gauge_mm != ends[1].gauge_mm
        link = self._validate(model, rec, path, strict=True)
        if link is None or not ok:
            return
        state.links[link.id] = link
        state.active[link.id] = None
        state.touched[link.id] = path
        if coords:
            state.with_points.append(link.id)

    def _points(self, raw: Any, path: KeyPath) -> tuple | None:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.err(path, f"got {_show(raw)}, expected a list of [lon, lat] pairs")
            return None
        out = []
        for j, pt in enumerate(raw):
            if (
                isinstance(pt, list)
                and len(pt) == 2
                and all(_is_number(c) for c in pt)
                and -180 <= pt[0] <= 180
                and -90 <= pt[1] <= 90
            ):
                out.append((float(pt[0]), float(pt[1])))
            else:
                self.err((*path, j), f"got {_show(pt)}, expected a [lon, lat] pair in degrees")
                return None
        return tuple(out)

    def _modify(self, state: _State, body: Any, path: KeyPath, keys, cls: type, verb: str) -> None:
        if not isinstance(body, dict):
            self.err(
                path, f"got {_show(body)}, expected a mapping with id and the attributes to change"
            )
            return
        ok = self._check_keys(body, ("id", *keys), path)
        lid = body.get("id")
        word = {
            RailSection: "rail section",
            BorderCrossing: "border crossing",
            FerryLink: "ferry link",
        }[cls]
        if "id" not in body:
            self.err(
                (*path, "id"), f"required key is missing, expected the id of the {word} to change"
            )
            return
        if not isinstance(lid, str):
            self.err((*path, "id"), f"got {_show(lid)}, expected the id of a {word}")
            return
        link = state.links.get(lid)
        if link is None:
            of_kind = [k for k, v in state.links.items() if isinstance(v, cls)]
            self._unknown_link(state, lid, (*path, "id"), of_kind, word)
            return
        if not isinstance(link, cls):
            hint = {"rail": "upgrade", "border": "set_border", "ferry": "set_ferry"}[link.kind]
            self.err(
                (*path, "id"),
                f"'{lid}' is a {_KIND_WORD[link.kind]}, expected a {word} ({verb} changes {word}s; use {hint})",
            )
            return
        if not ok:
            return
        update = {k: v for k, v in body.items() if k != "id"}
        if not update:
            self.err(path, f"nothing to change, expected at least one of: {', '.join(keys)}")
            return
        new = self._validate(cls, {**link.model_dump(), **update}, path, strict=True)
        if new is None:
            return
        if isinstance(new, RailSection):
            if new.tracks == 2 and new.headway_min is None:
                self.err(
                    (*path, "tracks"),
                    "double track needs headway_min, expected headway_min in this upgrade",
                )
                return
            if new.tracks == 1 and new.loop_spacing_km is None:
                self.err(
                    (*path, "tracks"),
                    "single track needs loop_spacing_km, expected loop_spacing_km in this upgrade",
                )
                return
        if lid not in state.active:
            log.warning(
                "%s: %s changes '%s', which is not active (status %s)",
                _fmt_path(path),
                verb,
                lid,
                link.status,
            )
        state.links[lid] = new
        state.touched[lid] = path

    def _change_upgrade(self, state: _State, body: Any, path: KeyPath) -> None:
        self._modify(state, body, path, _UPGRADE_KEYS, RailSection, "upgrade")

    def _change_set_border(self, state: _State, body: Any, path: KeyPath) -> None:
        self._modify(state, body, path, _SET_BORDER_KEYS, BorderCrossing, "set_border")

    def _change_set_ferry(self, state: _State, body: Any, path: KeyPath) -> None:
        self._modify(state, body, path, _SET_FERRY_KEYS, FerryLink, "set_ferry")

    def _change_close(self, state: _State, body: Any, path: KeyPath) -> None:
        spec = self._validate(_Close, body, path)
        if spec is None:
            return
        has_days = spec.from_day is not None or spec.to_day is not None
        if spec.season is not None and has_days:
            self.err((*path, "season"), "got both season and from_day/to_day, expected one of them")
            state.disruptions.append((path, spec, False))
        elif spec.season is None and (spec.from_day is None or spec.to_day is None):
            missing = "from_day" if spec.from_day is None else "to_day"
            self.err(
                (*path, missing),
                "required key is missing, expected from_day and to_day (or a season)",
            )
            state.disruptions.append((path, spec, False))
        else:
            state.disruptions.append((path, spec, True))

    def _change_slowdown(self, state: _State, body: Any, path: KeyPath) -> None:
        spec = self._validate(_Slowdown, body, path)
        if spec is None:
            return
        if spec.season is not None and (spec.from_day is not None or spec.to_day is not None):
            self.err((*path, "season"), "got both season and from_day/to_day, expected one of them")
            state.disruptions.append((path, spec, False))
        else:
            state.disruptions.append((path, spec, True))

    # -- stage 4: the resolved network

    def _check_resolved(self, net: Network, state: _State) -> bool:
        before = len(self.problems)
        for p in check_network(net, check_lengths=False):
            eid = p.split(":", 1)[0]
            self.err(state.touched.get(eid, ("network",)), f"after changes: {p}")
        for lid in state.with_points:
            link = net.links.get(lid)
            if link is None:
                continue
            geo_km = geodesic_length_km(link.coords)
            if geo_km > 0 and abs(link.length_km - geo_km) / geo_km > LENGTH_TOLERANCE:
                self.err(
                    (*state.touched[lid], "length_km"),
                    f"got {link.length_km:g}, expected within {LENGTH_TOLERANCE:.0%} of the geodesic length "
                    f"of from_node + points + to_node ({geo_km:.0f} km)",
                )
        return len(self.problems) == before

    # -- stage 5: cargo classes and flows

    def _cargo(self, top: _TopSpec) -> dict[str, CargoClass]:
        cargo = dict(DEFAULT_CARGO)
        for name, spec in top.cargo_classes.items():
            fields = {k: getattr(spec, k) for k in spec.model_fields_set}
            if name in cargo:
                cargo[name] = replace(cargo[name], **fields)
            elif not _is_id(name):
                self.err(
                    ("cargo_classes", name),
                    f"got class name '{name}', expected {_PATTERN_HINTS[_ID_PATTERN]}",
                )
            elif spec.net_t_per_train is None or spec.wagons_per_train is None:
                self.err(
                    ("cargo_classes", name),
                    f"new cargo class '{name}' needs net_t_per_train and wagons_per_train, expected both"
                    f"{_did_you_mean(name, cargo)}",
                )
            else:
                cargo[name] = CargoClass(
                    name=name, **{k: v for k, v in fields.items() if v is not None}
                )
        for name, prio in top.operations.priorities.items():
            if name not in cargo:
                self.err(
                    ("operations", "priorities", name),
                    f"unknown cargo class '{name}', expected one of: {', '.join(cargo)}{_did_you_mean(name, cargo)}",
                )
            else:
                cargo[name] = replace(cargo[name], priority=prio)
        return cargo

    def _flows(
        self,
        top: _TopSpec,
        net: Network,
        state: _State,
        cargo: dict[str, CargoClass],
        *,
        check_routes: bool,
    ) -> list[Flow]:
        flows: list[Flow] = []
        graph = to_graph(net) if check_routes else None
        n_items = sum(
            1 for x in top.demand or [] if not (isinstance(x, dict) and x.get("remove") is True)
        )
        places = [*net.nodes, *REGIONS]
        for i, item in enumerate(top.demand or []):
            path = ("demand", i)
            if isinstance(item, dict) and item.get("remove") is True:
                if not self.overlay:
                    self.err(
                        (*path, "remove"),
                        f"no inherited flow has id '{item.get('id')}', expected the id of a flow of a parent file",
                    )
                continue
            spec = self._validate(_FlowSpec, item, path)
            # ids are cross-checked even when the schema failed, so that every problem shows at once
            ok = self._flow_ids(item, path, net, cargo, places) and spec is not None
            if spec is None:
                continue
            if ok and spec.origin == spec.destination:
                self.err(
                    (*path, "destination"),
                    f"got '{spec.destination}', the same as origin, expected another place",
                )
                ok = False
            cls = cargo.get(spec.cargo)
            if spec.volume_mt is None and spec.volume_teu is None:
                self.err(
                    path, "no volume, expected volume_mt (million tonnes/yr) or volume_teu (TEU/yr)"
                )
                ok = False
            elif spec.volume_mt is not None and spec.volume_teu is not None:
                self.err(
                    (*path, "volume_teu"),
                    "got both volume_mt and volume_teu, expected exactly one of them",
                )
                ok = False
            elif spec.volume_teu is not None and cls is not None and not cls.teu_per_train:
                self.err(
                    (*path, "volume_teu"),
                    f"cargo '{spec.cargo}' has no teu_per_train, expected volume_mt "
                    f"(or set cargo_classes.{spec.cargo}.teu_per_train)",
                )
                ok = False
            profile = (1.0,) * 12
            if spec.seasonal is not None and len(spec.seasonal) != 12:
                self.err(
                    (*path, "seasonal"),
                    f"got {len(spec.seasonal)} factors, expected 12 (one per month, January first)",
                )
                ok = False
            elif spec.seasonal is not None:
                mean = sum(spec.seasonal) / 12
                if mean <= 0:
                    self.err(
                        (*path, "seasonal"),
                        "all twelve factors are 0, expected positive factors (normalised to mean 1)",
                    )
                    ok = False
                else:
                    profile = tuple(f / mean for f in spec.seasonal)
            via = self._groups(spec.via, (*path, "via"), state, net, allow_ferry=True)
            avoid = self._groups(
                spec.avoid, (*path, "avoid"), state, net, allow_ferry=False, flat=True
            )
            if via is None or avoid is None or not ok:
                continue
            avoid_flat = tuple(g[0] for g in avoid)
            for end in ("origin", "destination"):
                if getattr(spec, end) in avoid_flat:
                    self.err(
                        (*path, "avoid"),
                        f"avoids its own {end} '{getattr(spec, end)}', expected elements on the way",
                    )
                    ok = False
            for g in via:
                if all(e in avoid_flat for e in g):
                    self.err(
                        (*path, "via"),
                        f"every element of via group {list(g)} is in avoid, expected a reachable group",
                    )
                    ok = False
            if not ok:
                continue
            if graph is not None and not _route_exists(
                graph, net, spec.origin, spec.destination, via, avoid_flat
            ):
                detail = "".join(
                    [
                        f" via {[list(g) for g in via]}" if via else "",
                        f" avoiding {list(avoid_flat)}" if avoid_flat else "",
                    ]
                )
                self.err(
                    path,
                    f"flow '{spec.id}': no route from {spec.origin} to {spec.destination}{detail} over the active "
                    "links of this scenario, expected a connected origin and destination (open a line or relax via/avoid)",
                )
                continue
            if spec.volume_teu is not None:
                trains = spec.volume_teu / cls.teu_per_train
                tonnes = trains * cls.net_t_per_train
            else:
                tonnes = spec.volume_mt * 1e6
                trains = tonnes / cls.net_t_per_train
            flow = Flow(
                id=spec.id,
                origin=spec.origin,
                destination=spec.destination,
                cargo=spec.cargo,
                trains_per_year=trains,
                tonnes_per_year=tonnes,
                monthly_profile=profile,
                via=via,
                avoid=avoid_flat,
                origin_region=region_of(spec.origin, net),
                destination_region=region_of(spec.destination, net),
                source=spec.source,
            )
            factor = top.demand_scale
            for region in sorted({flow.origin_region, flow.destination_region} - {None}):
                factor *= top.demand_scale_by_region.get(region, 1.0)
            flows.append(flow.scaled(factor) if factor != 1.0 else flow)
        if n_items == 0 and top.demand is not None and not self.overlay:
            self.err(("demand",), "no flows, expected at least one flow")
        return flows

    def _flow_ids(
        self, item: Any, path: KeyPath, net: Network, cargo: dict, places: list[str]
    ) -> bool:
        """Check a flow's origin, destination and cargo names (where they are strings)."""
        if not isinstance(item, dict):
            return False
        ok = True
        for end in ("origin", "destination"):
            place = item.get(end)
            if isinstance(place, str) and place not in net.nodes and place not in REGIONS:
                self.err(
                    (*path, end),
                    f"unknown node or region '{place}', expected a node id of the network or one of: "
                    f"{', '.join(REGIONS)}{_did_you_mean(place, places)}",
                )
                ok = False
        name = item.get("cargo")
        if isinstance(name, str) and name not in cargo:
            self.err(
                (*path, "cargo"),
                f"unknown cargo class '{name}', expected one of: {', '.join(cargo)}{_did_you_mean(name, cargo)}",
            )
            ok = False
        return ok

    def _groups(
        self,
        raw: Any,
        path: KeyPath,
        state: _State,
        net: Network,
        *,
        allow_ferry: bool,
        flat: bool = False,
    ):
        """``via`` / ``avoid`` as a tuple of groups (``avoid``: one element per group)."""
        if raw is None:
            return ()
        items = (
            [(raw, path)]
            if isinstance(raw, str)
            else [(x, (*path, j)) for j, x in enumerate(raw)]
            if isinstance(raw, list)
            else None
        )
        if items is None:
            self.err(
                path,
                f"got {_show(raw)}, expected a list of ids"
                + ("" if flat else " or of lists of ids"),
            )
            return None
        groups, ok = [], True
        choices = [*state.nodes, *state.links] + ([FERRY] if allow_ferry else [])
        for x, p in items:
            elems = (
                [(x, p)]
                if isinstance(x, str)
                else [(y, (*p, k)) for k, y in enumerate(x)]
                if isinstance(x, list) and not flat
                else None
            )
            if not elems:
                self.err(
                    p,
                    f"got {_show(x)}, expected a node or link id"
                    + ("" if flat else " or a list of them"),
                )
                ok = False
                continue
            for e, q in elems:
                if not isinstance(e, str):
                    self.err(q, f"got {_show(e)}, expected a node or link id")
                    ok = False
                elif e == FERRY and allow_ferry:
                    continue
                elif e in state.links and e not in net.links:
                    self.err(
                        q,
                        f"link '{e}' is not active in this scenario (status {state.links[e].status}), expected an active link",
                    )
                    ok = False
                elif e not in state.nodes and e not in state.links:
                    extra = f" or '{FERRY}'" if allow_ferry else ""
                    self.err(
                        q,
                        f"unknown node or link '{e}', expected a node or link id{extra}{_did_you_mean(e, choices)}",
                    )
                    ok = False
            groups.append(tuple(e for e, _ in elems))
        return tuple(groups) if ok else None

    # -- stage 6: disruptions

    def _disruptions(self, top: _TopSpec, state: _State) -> list[Disruption]:
        days = top.simulation.days
        out: list[Disruption] = []
        for path, spec, times_ok in state.disruptions:
            target = spec.id
            if target in state.links and target not in state.active:
                self.err(
                    (*path, "id"),
                    f"link '{target}' is not active in this scenario (status {state.links[target].status}), "
                    "expected an active link or a node",
                )
                continue
            if target not in state.links and target not in state.nodes:
                self.err(
                    (*path, "id"),
                    f"unknown node or link '{target}', expected an active link or a node id"
                    f"{_did_you_mean(target, [*state.nodes, *state.active])}",
                )
                continue
            if not times_ok:
                continue
            if spec.season is not None:
                try:
                    start_doy, end_doy = (
                        _day_of_year(spec.season.from_),
                        _day_of_year(spec.season.to) + 1,
                    )
                except ValueError as exc:
                    self.err((*path, "season"), str(exc))
                    continue
                intervals = _season_intervals(start_doy, end_doy, days)
                label = f"{spec.season.from_}..{spec.season.to}"
            else:
                start = spec.from_day if spec.from_day is not None else 0.0
                end = spec.to_day if spec.to_day is not None else days
                if start >= end:
                    self.err(
                        (*path, "to_day"), f"got {end:g}, expected more than from_day ({start:g})"
                    )
                    continue
                intervals = (
                    [(max(start, 0.0), min(end, days))] if min(end, days) > max(start, 0.0) else []
                )
                label = ""
            if not intervals:
                when = f"season {label}" if label else f"[{spec.from_day:g}, {spec.to_day:g})"
                self.err(
                    path,
                    f"{when} is outside the simulation horizon [0, {days:g}) days, expected at least part of it inside",
                )
                continue
            factor = getattr(spec, "factor", 0.0)
            reason = spec.reason or ("closure" if factor == 0 else f"slowdown x{factor:g}") + (
                f" (season {label})" if label else ""
            )
            out.extend(Disruption(target, s, e, factor, reason) for s, e in intervals)
        return out


@dataclass
class _State:
    """The network while changes are applied."""

    nodes: dict[str, Node]
    links: dict
    active: dict[str, None]
    default_year: int
    network_name: str
    touched: dict[str, KeyPath] = field(default_factory=dict)
    with_points: list[str] = field(default_factory=list)
    disruptions: list[tuple[KeyPath, _Close, bool]] = field(default_factory=list)


def _is_id(text: str) -> bool:
    return re.match(_ID_PATTERN, text) is not None


def _day_of_year(mmdd: str) -> int:
    """0-based day of a 365-day year for ``"MM-DD"``."""
    month, day = int(mmdd[:2]), int(mmdd[3:])
    if day > _MONTH_DAYS[month - 1]:
        raise ValueError(f'got "{mmdd}", expected a day that exists in a 365-day year (no 02-29)')
    return sum(_MONTH_DAYS[: month - 1]) + day - 1


def _season_intervals(start_doy: int, end_doy: int, days: float) -> list[tuple[float, float]]:
    """Day intervals ``[s, e)`` of a yearly season within ``[0, days)``; ``end_doy`` is exclusive."""
    out = []
    for year in range(-1, math.ceil(days / YEAR_DAYS) + 1):
        s = YEAR_DAYS * year + start_doy
        e = YEAR_DAYS * year + end_doy if end_doy > start_doy else YEAR_DAYS * (year + 1) + end_doy
        s, e = max(float(s), 0.0), min(float(e), days)
        if e > s:
            out.append((s, e))
    return out


def _route_exists(graph: nx.Graph, net: Network, origin: str, destination: str, via, avoid) -> bool:
    """Whether a loop-free route joins origin and destination, through every via group, avoiding ``avoid``.

    The same candidate search the simulation uses (:mod:`corridors.routing`),
    so a flow that passes this check is never refused for want of a route.
    """
    regions = {r: net.gateways(r) for r in REGIONS}
    return bool(candidate_routes(route_graph(net), origin, destination, k=1, max_detour=1.0,
                                 via=tuple(via), avoid=tuple(avoid), regions=regions))


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | Path, *, overlay_ok: bool = False, days: float | None = None) -> RunSpec:
    """Read a scenario file, merge its ``extends`` chain, check it, and resolve it.

    Parameters
    ----------
    path
        A scenario YAML file (``docs/scenario-format.md``).
    overlay_ok
        Also accept an overlay (``overlay: true``): it is then resolved on its
        own, on its ``network`` (or the shipped network), with whatever demand
        it has (possibly none) and its file name as default ``name``.
    days
        Override ``simulation.days`` (``corridors run --days``); seasonal
        closures are expanded over this horizon.

    Returns
    -------
    RunSpec
        Its ``network`` holds all nodes (added ones included) and only the
        active links: those with status ``existing`` in the network file plus
        those opened or added by ``changes``, with upgrades applied. Seasonal
        closures are expanded to one :class:`~corridors.model.Disruption` per
        year of the horizon.

    Raises
    ------
    ScenarioError
        Listing every problem found, each as ``file:line: path.to.key: what is
        wrong, expected ...``.
    """
    res = _Resolution(path, mode="load_overlay" if overlay_ok else "load", days=days)
    spec = res.run()
    if res.problems or spec is None:
        raise ScenarioError(res.problems or [f"{path}: could not be resolved"], what=str(path))
    return spec


def validate_file(path: str | Path) -> list[str]:
    """Check one scenario or overlay file and return its problems (empty when clean).

    An overlay (``overlay: true``) is checked as an overlay: its own schema and
    its ids against its ``network`` (or the shipped network), without requiring
    ``name``, ``network`` or ``demand``. This function never raises for a bad
    file; an unexpected internal failure is returned as a problem too.
    """
    try:
        res = _Resolution(path, mode="validate")
        res.run()
        return list(res.problems)
    except Exception as exc:  # the contract is "return problems, never a traceback"
        log.exception("internal error while validating %s", path)
        return [
            f"{path}: internal error while validating ({type(exc).__name__}: {exc}); please report this"
        ]


def _round(x: float, ndigits: int = 3) -> float | int:
    r = round(float(x), ndigits)
    return int(r) if r == int(r) and abs(r) < 1e15 else r


def _plain_value(v: Any) -> Any:
    return _round(v) if isinstance(v, float) else v


def _record_attrs(rec: BaseModel) -> dict:
    out = {}
    for k, v in rec.model_dump(exclude={"coords", "source"}).items():
        out[k] = _round(v) if isinstance(v, float) else v
    return out


def resolved_dict(spec_or_path: RunSpec | str | Path) -> dict:
    """Return the fully resolved scenario as plain, YAML-able data in a deterministic order.

    Parameters
    ----------
    spec_or_path
        A :class:`RunSpec`, or the path of a scenario file (loaded with
        :func:`load_scenario`).

    Returns
    -------
    dict
        ``name``, ``description``, ``source_files``, ``network`` (file, name,
        version, as_of), ``active_links`` (sorted ids), ``removed_links``,
        ``changed_elements`` (id → change kinds, changed fields and the full
        attributes, for every element added, opened or modified relative to
        the network file), ``demand`` (flows with tonnes and trains per year),
        ``demand_totals``, ``cargo_classes``, ``operations``, ``disruptions``
        (plain day intervals) and ``simulation``.
    """
    spec = spec_or_path if isinstance(spec_or_path, RunSpec) else load_scenario(spec_or_path)
    net = spec.network
    base: Network | None = None
    if net.source and Path(net.source).is_file():
        try:
            base = read_network(net.source)
        except NetworkError:
            base = None
    changed: dict[str, dict] = {}
    removed: list[str] = []
    if base is not None:
        for nid in sorted(set(net.nodes) - set(base.nodes)):
            changed[nid] = {"change": ["added"], **_record_attrs(net.nodes[nid])}
        for lid in sorted(net.links):
            link, old = net.links[lid], base.links.get(lid)
            kinds, fields = [], []
            if old is None:
                kinds.append("added")
            else:
                if old.status != "existing":
                    kinds.append("opened")
                new_d, old_d = link.model_dump(), old.model_dump()
                fields = [k for k in new_d if new_d[k] != old_d.get(k)]
                if fields:
                    kinds.append("modified")
            if kinds:
                entry: dict[str, Any] = {"change": kinds}
                if fields:
                    entry["changed_fields"] = {
                        k: {
                            "from": _plain_value(getattr(old, k)),
                            "to": _plain_value(getattr(link, k)),
                        }
                        for k in fields
                    }
                entry.update(_record_attrs(link))
                changed[lid] = entry
        removed = sorted(
            k for k, v in base.links.items() if v.status == "existing" and k not in net.links
        )
    flows = []
    for f in spec.flows:
        cls = spec.cargo.get(f.cargo)
        row: dict[str, Any] = {
            "id": f.id,
            "origin": f.origin,
            "destination": f.destination,
            "cargo": f.cargo,
            "tonnes_per_year": _round(f.tonnes_per_year, 0),
            "trains_per_year": _round(f.trains_per_year, 2),
        }
        if cls is not None and cls.teu_per_train:
            row["teu_per_year"] = _round(f.trains_per_year * cls.teu_per_train, 0)
        if f.monthly_profile != (1.0,) * 12:
            row["monthly_profile"] = [_round(x, 4) for x in f.monthly_profile]
        if f.via:
            row["via"] = [list(g) for g in f.via]
        if f.avoid:
            row["avoid"] = list(f.avoid)
        row["origin_region"] = f.origin_region
        row["destination_region"] = f.destination_region
        row["source"] = f.source
        flows.append(row)
    return {
        "name": spec.name,
        "description": spec.description,
        "source_files": list(spec.source_files),
        "network": {
            "file": net.source,
            "name": net.name,
            "version": net.version,
            "as_of": net.as_of,
        },
        "active_links": sorted(net.links),
        "removed_links": removed,
        "changed_elements": changed,
        "demand": flows,
        "demand_totals": {
            "flows": len(spec.flows),
            "tonnes_per_year": _round(sum(f.tonnes_per_year for f in spec.flows), 0),
            "trains_per_year": _round(sum(f.trains_per_year for f in spec.flows), 2),
        },
        "cargo_classes": {
            k: {kk: _round(vv) if isinstance(vv, float) else vv for kk, vv in asdict(v).items()}
            for k, v in spec.cargo.items()
        },
        "operations": {
            k: _round(v) if isinstance(v, float) else v for k, v in asdict(spec.operations).items()
        },
        "disruptions": [
            {
                "target": d.target,
                "start_day": _round(d.start_day),
                "end_day": _round(d.end_day),
                "factor": _round(d.factor),
                "reason": d.reason,
            }
            for d in spec.disruptions
        ],
        "simulation": {
            k: _round(v) if isinstance(v, float) else v for k, v in asdict(spec.settings).items()
        },
    }


def _yaml_ready(x: Any) -> Any:
    """Plain data for the round-trip dumper: short lists of scalars print on one line."""
    if isinstance(x, dict):
        return {k: _yaml_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        items = [_yaml_ready(v) for v in x]
        if (
            items
            and len(items) <= 12
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items)
        ):
            seq = CommentedSeq(items)
            seq.fa.set_flow_style()
            return seq
        if (
            items
            and all(isinstance(v, str) for v in items)
            and sum(len(v) + 2 for v in items) <= 80
        ):
            seq = CommentedSeq(items)
            seq.fa.set_flow_style()
            return seq
        return items
    return x


def dump_resolved_yaml(spec_or_path: RunSpec | str | Path) -> str:
    """:func:`resolved_dict` as YAML text, with a short header comment."""
    from corridors import __version__

    data = resolved_dict(spec_or_path)
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    buf = StringIO()
    buf.write(
        f"# Resolved scenario '{data['name']}' (extends and changes applied), corridors {__version__}.\n"
    )
    buf.write("# Generated; edit the scenario files listed in source_files instead.\n")
    yaml.dump(_yaml_ready(data), buf)
    return buf.getvalue()
