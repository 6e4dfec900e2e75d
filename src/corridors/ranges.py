"""Plausible ranges for every number a user can give (network attributes, scenario keys).

A numeric field is declared with :func:`number`: a finite value inside a
physically plausible range, with the reason for the range. Every out-of-range,
infinite or NaN value then gives one error of type ``number_range`` whose
message names the range and why (``got inf, expected a number between 0.001
and 1000 Mt/yr (...)``). The tables in ``docs/scenario-format.md`` list them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, WrapValidator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError
#: Pydantic error types that mean "a number, but not in its range" (replaced by the range's own message).
_OUT_OF_RANGE = {"finite_number", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _num_text(x: float) -> str:
    """Write a bound for people: ``2100``, ``0.001``, ``4,294,967,295``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}"


def _got_text(value: Any) -> str:
    """Describe a rejected number, short even when it is a 4,000-digit integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return repr(value)[:60]


@dataclass(frozen=True)
class Range:
    """The plausible range of a numeric field: finite, between ``lo`` and ``hi``, and why.

    Used as pydantic metadata (see :func:`number`): it refuses ``.inf``,
    ``.nan`` and anything outside the range with one error of type
    ``number_range`` whose message names the range and its reason.

    Attributes
    ----------
    lo, hi
        The bounds, included unless ``lo_open`` / ``hi_open``.
    why
        Where the bounds come from (a physical or practical limit), for messages and docs.
    unit
        The unit written after the bounds (``km/h``), or ``""``.
    integer
        The field is an integer.
    """

    lo: float
    hi: float
    why: str
    unit: str = ""
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def text(self) -> str:
        """Return the "expected ..." text: ``a number between 5 and 200 km/h (why)``."""
        lo, hi = _num_text(self.lo), _num_text(self.hi)
        span = {(False, False): f"between {lo} and {hi}", (True, False): f"greater than {lo} and at most {hi}",
                (False, True): f"at least {lo} and less than {hi}",
                (True, True): f"greater than {lo} and less than {hi}"}[self.lo_open, self.hi_open]
        unit = f" {self.unit}" if self.unit else ""
        return f"{'an integer' if self.integer else 'a number'} {span}{unit} ({self.why})"

    def holds(self, x: Any) -> bool:
        """Whether the number ``x`` is finite and inside the range (exact for integers of any size)."""
        if isinstance(x, float) and not math.isfinite(x):
            return False
        above = self.lo < x if self.lo_open else self.lo <= x
        below = x < self.hi if self.hi_open else x <= self.hi
        return above and below

    def problem(self, value: Any) -> str | None:
        """Say why ``value`` is not a number in this range (``got ..., expected ...``); None when it is one."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and self.holds(value):
            return None
        return f"got {_got_text(value)}, expected {self.text()}"

    def __call__(self, value: Any, handler: Any) -> Any:
        """Validate ``value`` (pydantic wrap validator): numbers out of range get the range's message."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not self.holds(value):
            raise self._error(value)
        try:
            out = handler(value)
        except PydanticValidationError as exc:
            if any(e["type"] in _OUT_OF_RANGE for e in exc.errors()):
                raise self._error(value) from None
            raise
        if not self.holds(out):  # a string read as a number in lax mode
            raise self._error(value)
        return out

    def _error(self, value: Any) -> PydanticCustomError:
        return PydanticCustomError(
            "number_range", "got {got}, expected {expected}", {"got": _got_text(value), "expected": self.text()}
        )


def number(lo: float, hi: float, why: str, *, unit: str = "", lo_open: bool = False, hi_open: bool = False,
           integer: bool = False) -> Any:
    """Return a float (or int) type restricted to a finite, plausible range, for pydantic fields.

    Parameters
    ----------
    lo, hi
        The bounds (included unless ``lo_open`` / ``hi_open``).
    why
        Where they come from, shown in every message and in the docs.
    unit
        Written after the bounds.
    lo_open, hi_open
        Exclude the bound itself.
    integer
        An integer field.

    Returns
    -------
    typing.Annotated
        ``Annotated[float | int, Field(ge/gt, le/lt, allow_inf_nan=False), WrapValidator(Range)]``;
        the :class:`Range` is in the field's metadata (``docs`` and tests read it).
    """
    return number_type(Range(lo, hi, why, unit, lo_open, hi_open, integer))


def number_type(rng: Range) -> Any:
    """Return the pydantic type of numbers in ``rng`` (see :func:`number`).

    Parameters
    ----------
    rng
        The range.

    Returns
    -------
    typing.Annotated
        As :func:`number` returns.
    """
    lo, hi, integer = rng.lo, rng.hi, rng.integer
    bounds: dict[str, Any] = {"gt" if rng.lo_open else "ge": lo, "lt" if rng.hi_open else "le": hi}
    if integer:
        return Annotated[int, Field(**bounds), WrapValidator(rng)]
    return Annotated[float, Field(allow_inf_nan=False, **bounds), WrapValidator(rng)]


def range_of(info: Any) -> Range | None:
    """Return the :class:`Range` of a pydantic field (``model.model_fields[name]``), or None.

    A required field keeps its range in ``info.metadata``; an optional one
    (``number(...) | None``) inside its annotation.
    """
    metas = list(info.metadata)
    for arg in getattr(info.annotation, "__args__", ()):
        metas += list(getattr(arg, "__metadata__", ()))
    for meta in metas:
        if isinstance(meta, WrapValidator) and isinstance(meta.func, Range):
            return meta.func
    return None


#: What a property of each JSON type must be, for the strict type errors (a text "8" or true is not a number).
_EXPECTED_TYPE = {"float_type": "a number", "int_type": "a whole number", "bool_type": "true or false",
                  "string_type": "a text"}


def record_problems(exc: PydanticValidationError, show, excerpt_chars: int) -> list[str]:
    """Turn a strict validation error of a network record into ``"key: got X, expected Y"`` messages.

    Parameters
    ----------
    exc
        The error of ``TypeAdapter.validate_python(..., strict=True)``.
    show
        Quotes a user's value for a message.
    excerpt_chars
        Longest key quoted for an unknown property.

    Returns
    -------
    list of str
        One message per error; a range's own message (it states its reason) is kept whole.
    """
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function"))
        if err["type"] == "extra_forbidden":
            out.append(f"{loc[:excerpt_chars]}: unknown property")
        elif err["type"] in _EXPECTED_TYPE:
            out.append(f"{loc}: got {show(err.get('input'))}, expected {_EXPECTED_TYPE[err['type']]}")
        elif err["type"] == "literal_error":
            out.append(f"{loc}: got {show(err.get('input'))}, expected {err.get('ctx', {}).get('expected')}")
        else:
            out.append(f"{loc}: {err['msg'][:400]}")
    return out
