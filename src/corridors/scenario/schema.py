"""The schema of a scenario file: pydantic models and their messages in the scenario's terms.

The top level (:class:`TopSpec`) is validated once the ``extends`` chain is
merged; ``changes`` and ``demand`` items are validated one by one by their
stages, so that one bad item does not hide the others. Pydantic errors are
translated by their error *type* (``float_parsing``, ``greater_than``,
``missing``, ``extra_forbidden`` ...), never by their English text.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from corridors.elements import MAX_SPEED_FACTOR
from corridors.model import Operations, SimSettings
from corridors.ranges import number
from corridors.scenario.problems import KeyPath, Problems, show, unknown_key

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

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MMDD_PATTERN = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
#: What a pattern means, for "expected ..." (patterns of network records included).
PATTERN_HINTS = {
    ID_PATTERN: "letters, digits, '.', '_' or '-' (it names a folder or an id)",
    MMDD_PATTERN: 'a day of the year as "MM-DD" in quotes, e.g. "12-15"',
    r"^[A-Z]{2}$": 'a two-letter upper-case country code, e.g. "KZ"',
}

_OPS = Operations()
_SIM = SimSettings()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


#: The longest horizon: ten years (a yearly statistic gains nothing from more; see also the run-size limit).
MAX_DAYS = 3650
Days = number(0, MAX_DAYS, "within the longest simulation horizon, ten years", unit="days")
Scale = number(0.001, 100, "a multiple of the demand; below a thousandth a flow has almost no trains, "
               "above 100 times it swamps any network")
Detour = number(1, 10, "a multiple of the best route; a route ten times longer is never taken and larger "
                "limits enumerate many more paths")
Priority = number(0, 99, "lower runs first; a few levels are enough", integer=True)
_WAGONS = (1, 300, "the longest 1520 mm freight trains have 100-150 wagons")
Wagons = number(*_WAGONS, integer=True)


class CargoSpec(_Strict):
    """Override of a default cargo class, or a new class (see model.CargoClass)."""

    net_t_per_train: number(10, 20_000, "a few wagons at least; the heaviest trains on 1520 mm carry about "
                            "12,000 t", unit="t") | None = None
    wagons_per_train: Wagons | None = None
    teu_per_train: number(1, 500, "a 57-wagon train carries ~100 TEU, a long double-stack train a few hundred",
                          unit="TEU") | None = None
    speed_factor: number(0.1, MAX_SPEED_FACTOR, "a share of the line speed; slower than a tenth is a breakdown, "
                         f"faster than {MAX_SPEED_FACTOR:g} times is beyond any freight timetable") | None = None
    priority: Priority | None = None


class OperationsSpec(_Strict):
    """``operations``: the operating rules (defaults of :class:`corridors.model.Operations`)."""

    maintenance_h: number(0, 12, "a daily window longer than half a day is a closure: use close",
                          unit="h") = _OPS.maintenance_h
    maintenance_start_h: number(0, 24, "an hour of the day", unit="h", hi_open=True) = _OPS.maintenance_start_h
    meet_overhead_min: number(0, 120, "calibrated at 22 min (docs/capacity.md); two hours per meeting would "
                              "close a single track", unit="min") = _OPS.meet_overhead_min
    double_track_occupancy: number(0.3, 1, "UIC 406's daily limit is 60 % on mixed-traffic lines; 1 plans "
                                   "trains at the minimum headway all day (docs/capacity.md)"
                                   ) = _OPS.double_track_occupancy
    k_routes: number(1, 50, "more candidate routes only slow route choice", integer=True) = _OPS.k_routes
    max_detour: Detour = _OPS.max_detour
    route_overlap_max: number(0, 1, "a share of a route's length") = _OPS.route_overlap_max
    gateway_detour: Detour = _OPS.gateway_detour
    congestion_weight: number(0, 100, "0 routes statically; 1 weighs queues like running time") = (
        _OPS.congestion_weight)
    reroute_on_closure: bool = _OPS.reroute_on_closure
    reroute_gain_h: number(0, 1000, "hours a route must save to be worth leaving the booked one; 0 never "
                           "reroutes on queues", unit="h") = _OPS.reroute_gain_h
    max_origin_backlog_days: number(0.1, MAX_DAYS, "at least a few hours of trains, at most the longest "
                                    "horizon", unit="days") = _OPS.max_origin_backlog_days
    wagons_per_train_reference: number(*_WAGONS) = _OPS.wagons_per_train_reference
    routing: Literal["adaptive", "assigned"] = _OPS.routing
    priorities: dict[str, Priority] = Field(default_factory=dict)


class SimulationSpec(_Strict):
    """``simulation``: horizon (days), warm-up (days), seed and replications."""

    days: number(1, MAX_DAYS, "at least a day, at most ten years; the run-size limit also applies",
                 unit="days") = _SIM.days
    warmup_days: number(0, MAX_DAYS, "less than simulation.days", unit="days") = _SIM.warmup_days
    seed: number(0, 2**32 - 1, "a 32-bit seed of numpy's generator", integer=True) = _SIM.seed
    replications: number(1, 1000, "a thousand runs give confidence intervals far narrower than the "
                         "model's own error", integer=True) = _SIM.replications
    service_level_wait_share: number(0.01, 10, "added waiting as a share of the free transit time: below 1 % "
                                     "no real line qualifies, ten times the free time is no service") = (
        _SIM.service_level_wait_share)


class TopSpec(_Strict):
    """The merged top level; ``changes`` and ``demand`` items are checked one by one."""

    # None only when the key is absent (a parent may give it); an explicit null is an error
    name: str = Field(None, pattern=ID_PATTERN)  # type: ignore[assignment]
    description: str = ""
    network: str = None  # type: ignore[assignment]
    changes: list[Any] = Field(default_factory=list)
    cargo_classes: dict[str, CargoSpec] = Field(default_factory=dict)
    demand: list[Any] = None  # type: ignore[assignment]
    demand_scale: Scale = 1.0
    demand_scale_by_region: dict[str, Scale] = Field(default_factory=dict)
    operations: OperationsSpec = Field(default_factory=OperationsSpec)
    simulation: SimulationSpec = Field(default_factory=SimulationSpec)


class FlowSpec(_Strict):
    """One ``demand`` item: a freight flow (volume in Mt/yr or TEU/yr)."""

    id: str = Field(pattern=ID_PATTERN)
    origin: str
    destination: str
    cargo: str
    volume_mt: number(0.001, 1000, "from less than a train a year to about all that Russia's railways carry "
                      "(~1,200 Mt/yr)", unit="Mt/yr") | None = None
    volume_teu: number(1, 100_000_000, "about 1,000 Mt/yr at 10 t per TEU", unit="TEU/yr") | None = None
    seasonal: list[number(0, 1e9, "factors are normalised to mean 1; monthly tonnes will do")] | None = None
    via: Any = None
    avoid: Any = None
    source: str = Field(min_length=1)
    remove: bool = False


class SeasonSpec(_Strict):
    """A yearly season ``from`` .. ``to`` (both ``"MM-DD"``, inclusive)."""

    from_: str = Field(alias="from", pattern=MMDD_PATTERN)
    to: str = Field(pattern=MMDD_PATTERN)


class CloseSpec(_Strict):
    """A ``close`` change: a link or node closed for days or a yearly season."""

    id: str
    from_day: Days | None = None
    to_day: Days | None = None
    season: SeasonSpec | None = None
    reason: str = ""


class SlowdownSpec(CloseSpec):
    """A ``slowdown`` change: like ``close``, but running at ``factor`` (0..1) of the speed."""

    factor: number(0.01, 1, "the share of speed that remains; below 1 % is a closure: use close", hi_open=True)


# --------------------------------------------------------------------------- messages

#: "expected ..." by pydantic error type; ``{name}`` fields come from the error's context.
_EXPECTED_BY_TYPE: dict[str, str] = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_parsing": "an integer, unable to parse string as an integer",
    "int_from_float": "an integer, got a number with a fractional part",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean, unable to interpret input",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a tuple",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "string_too_short": "a non-empty text",
    "greater_than": "a number greater than {gt}",
    "greater_than_equal": "a number greater than or equal to {ge}",
    "less_than": "a number less than {lt}",
    "less_than_equal": "a number less than or equal to {le}",
    "number_range": "{expected}",
    "literal_error": "{expected}",
}


#: "expected ..." of a wrong type for keys whose type alone says too little.
_EXPECTED_BY_KEY: dict[tuple, str] = {
    ("name",): "the scenario name (it names outputs/<name>/)",
    ("network",): "the path of a network GeoJSON file",
    ("demand",): "a list of flows",
}


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


def _bound_text(value: Any) -> Any:
    """Write a bound as pydantic does: a whole float without ``.0`` (``ge=0.0`` reads "0")."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _expected(err: dict) -> str:
    """Return the "expected ..." part of the message for one pydantic error."""
    typ, ctx = err["type"], err.get("ctx") or {}
    if typ == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return PATTERN_HINTS.get(pattern, f"text matching {pattern}")
    if typ in ("too_short", "too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        if lo is not None and lo == hi:
            return f"exactly {lo} items"
        return f"at least {lo} items" if typ == "too_short" else f"at most {hi} items"
    if typ == "value_error":
        return str(ctx.get("error", err["msg"]))
    if typ in _EXPECTED_BY_TYPE:
        return _EXPECTED_BY_TYPE[typ].format(**{k: _bound_text(v) for k, v in ctx.items()})
    msg = err["msg"]  # a type no scenario model produces today: pydantic's own words
    return msg[:1].lower() + msg[1:]


def pydantic_messages(
    exc: PydanticValidationError, model: type[BaseModel] | None
) -> list[tuple[KeyPath, str]]:
    """Turn a pydantic error into ``(path, message)`` pairs in the scenario's own terms.

    Parameters
    ----------
    exc
        The error raised by ``model.model_validate``.
    model
        The model validated, to list the allowed keys of an unknown key.

    Returns
    -------
    list of (KeyPath, str)
        One pair per pydantic error: the key path inside the validated data
        and ``unknown key ...``, ``required key is missing`` or
        ``got X, expected Y``.
    """
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            out.append((loc, unknown_key(loc[-1], _model_keys(model, loc[:-1]))))
        elif err["type"] == "missing":
            out.append((loc, "required key is missing"))
        else:
            want = _EXPECTED_BY_KEY.get(loc) if model is TopSpec and err["type"].endswith("_type") else None
            out.append((loc, f"got {show(err.get('input'))}, expected {want or _expected(err)}"))
    return out


def validate(
    problems: Problems, model: type[BaseModel], data: Any, path: KeyPath, **kw: Any
) -> Any:
    """Validate ``data`` at ``path`` against ``model``; report every error into ``problems``.

    Parameters
    ----------
    problems
        Collector of the resolution (located through its provenance map).
    model
        A pydantic model (a scenario spec or a network record).
    data
        The raw value read from YAML; anything but a mapping is reported.
    path
        Where ``data`` sits in the merged document.
    **kw
        Passed to ``model.model_validate`` (e.g. ``strict=True``).

    Returns
    -------
    BaseModel or None
        The model instance, or None when ``data`` was not valid.
    """
    if not isinstance(data, dict):
        problems.err(path, f"got {show(data)}, expected a mapping")
        return None
    try:
        return model.model_validate(data, **kw)
    except PydanticValidationError as exc:
        for loc, msg in pydantic_messages(exc, model):
            problems.err((*path, *loc), msg)
        return None


def is_number(x: Any) -> bool:
    """Return whether ``x`` is an int or float (not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_id(text: str) -> bool:
    """Return whether ``text`` is a valid id or name (letters, digits, ``.``, ``_``, ``-``)."""
    return re.match(ID_PATTERN, text) is not None
