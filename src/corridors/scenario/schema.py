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
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from corridors.model import Operations, SimSettings
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


PositiveFloat = Annotated[float, Field(gt=0)]


class CargoSpec(_Strict):
    """Override of a default cargo class, or a new class (see model.CargoClass)."""

    net_t_per_train: float | None = Field(None, gt=0)
    wagons_per_train: int | None = Field(None, ge=1)
    teu_per_train: float | None = Field(None, gt=0)
    speed_factor: float | None = Field(None, gt=0, le=1.2)
    priority: int | None = None


class OperationsSpec(_Strict):
    """``operations``: the operating rules (defaults of :class:`corridors.model.Operations`)."""

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


class SimulationSpec(_Strict):
    """``simulation``: horizon (days), warm-up (days), seed and replications."""

    days: float = Field(_SIM.days, gt=0)
    warmup_days: float = Field(_SIM.warmup_days, ge=0)
    seed: int = Field(_SIM.seed, ge=0)
    replications: int = Field(_SIM.replications, ge=1)


class TopSpec(_Strict):
    """The merged top level; ``changes`` and ``demand`` items are checked one by one."""

    name: str | None = Field(None, pattern=ID_PATTERN)
    description: str = ""
    network: str | None = None
    changes: list[Any] = Field(default_factory=list)
    cargo_classes: dict[str, CargoSpec] = Field(default_factory=dict)
    demand: list[Any] | None = None
    demand_scale: float = Field(1.0, gt=0)
    demand_scale_by_region: dict[str, PositiveFloat] = Field(default_factory=dict)
    operations: OperationsSpec = Field(default_factory=OperationsSpec)
    simulation: SimulationSpec = Field(default_factory=SimulationSpec)


class FlowSpec(_Strict):
    """One ``demand`` item: a freight flow (volume in Mt/yr or TEU/yr)."""

    id: str = Field(pattern=ID_PATTERN)
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


class SeasonSpec(_Strict):
    """A yearly season ``from`` .. ``to`` (both ``"MM-DD"``, inclusive)."""

    from_: str = Field(alias="from", pattern=MMDD_PATTERN)
    to: str = Field(pattern=MMDD_PATTERN)


class CloseSpec(_Strict):
    """A ``close`` change: a link or node closed for days or a yearly season."""

    id: str
    from_day: float | None = None
    to_day: float | None = None
    season: SeasonSpec | None = None
    reason: str = ""


class SlowdownSpec(CloseSpec):
    """A ``slowdown`` change: like ``close``, but running at ``factor`` (0..1) of the speed."""

    factor: float = Field(gt=0, lt=1)


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
    "literal_error": "{expected}",
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
            out.append((loc, f"got {show(err.get('input'))}, expected {_expected(err)}"))
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
