"""Number and name formats of the brief: one rule per kind of figure, shared by all sections.

Mt/yr get one decimal (two below 1 Mt/yr), shares whole percentages, and a
negative number a true minus sign (U+2212); a missing value is ``–``.
"""

from __future__ import annotations

__all__ = [
    "MINUS", "arrow", "cap_phrase", "clean_name", "flow_label", "fmt_mt", "fmt_num", "fmt_pct", "fmt_value",
    "or_none", "pm", "resolved",
]

MINUS = "\u2212"


def fmt_mt(x: float | None) -> str:
    """Format Mt/yr for text and tables: one decimal, two below 1 Mt/yr.

    Parameters
    ----------
    x
        Mass flow in Mt/yr, or ``None``.

    Returns
    -------
    str
        ``"15.6"``, ``"0.66"``, ``"−2.0"``; ``"–"`` for ``None``; never a negative zero.
    """
    if x is None:
        return "–"
    x = x + 0.0  # no negative zero
    t = f"{x:,.2f}" if abs(x) < 1 else f"{x:,.1f}"
    return "0.00" if t == "-0.00" else t.replace("-", MINUS)


def fmt_num(x: float | None, nd: int = 1) -> str:
    """Format a plain number with ``nd`` decimals, none from 100 up.

    Parameters
    ----------
    x
        Any number (days, km/h, hours, trains), or ``None``.
    nd
        Decimals below 100.

    Returns
    -------
    str
        With thousands separators and a true minus sign; ``"–"`` for ``None``.
    """
    if x is None:
        return "–"
    t = f"{x:,.{0 if abs(x) >= 100 else nd}f}"
    return t.lstrip("-") if float(t.replace(",", "")) == 0 else t.replace("-", MINUS)


def fmt_pct(rel: float | None, *, sign: bool = False) -> str:
    """Format a share as a whole percentage (``rel`` = 0.25 gives ``25%``), with a true minus sign.

    Parameters
    ----------
    rel
        Share or relative change (1.0 = 100 %), or ``None``.
    sign
        Prefix ``+`` to a positive value (for changes).

    Returns
    -------
    str
        ``"25%"``, ``"+10%"``, ``"−24%"``; ``"–"`` for ``None``.
    """
    if rel is None:
        return "–"
    v = round(rel * 100)
    if sign and v != 0:
        return f"{'+' if v > 0 else MINUS}{abs(v):,.0f}%"
    return f"{v:,.0f}%".replace("-", MINUS)


def fmt_value(v) -> str:
    """Format a scalar, list or small mapping from a scenario file for a table cell.

    Parameters
    ----------
    v
        ``None``, a number, a string, a list or a dict (nested ones allowed).

    Returns
    -------
    str
        Floats in ``%g``, lists and dicts comma-separated (``key: value``); ``"–"`` for nothing.
    """
    if isinstance(v, dict):
        return ", ".join(f"{k}: {fmt_value(x)}" for k, x in v.items()) or "–"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v) or "–"
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def or_none(v) -> str:
    """Format a field value of a changed element: ``none`` for ``None``, else :func:`fmt_value`."""
    return "none" if v is None else fmt_value(v)


def resolved(rec: dict) -> bool:
    """Tell whether the capacity search found a stable demand level above zero.

    Parameters
    ----------
    rec
        A ``before`` or ``after`` record of ``comparison.json`` (``simulated_mt`` in Mt/yr).

    Returns
    -------
    bool
    """
    return (rec.get("simulated_mt") or 0) > 0


def pm(value: float | None, precision: float | None) -> str:
    """Format a simulated capacity for a table cell: ``15.6 ± 1.9``, ``< 0.66`` or ``none found``.

    Parameters
    ----------
    value, precision
        Simulated capacity and the search precision, Mt/yr (either may be ``None``).

    Returns
    -------
    str
    """
    if value is None:
        return "–"
    if value <= 0:
        return f"< {fmt_mt(precision)}" if (precision or 0) > 0 else "none found"
    return fmt_mt(value) if precision is None else f"{fmt_mt(value)} ± {fmt_mt(precision)}"


def cap_phrase(value: float | None, precision: float | None) -> str:
    """Format a simulated capacity for a sentence: ``15.6 ± 1.9 Mt/yr``, ``below 0.66 Mt/yr`` or ``not found``.

    Parameters
    ----------
    value, precision
        Simulated capacity and the search precision, Mt/yr.

    Returns
    -------
    str
    """
    if value is not None and value <= 0:
        if (precision or 0) > 0:
            return f"below {fmt_mt(precision)} Mt/yr"
        return "not found (no stable demand level)"
    return f"{pm(value, precision)} Mt/yr"


def arrow(a: str, b: str) -> str:
    """Join a before and an after cell: ``a → b``, or ``a`` alone when both read the same."""
    return a if a == b else f"{a} → {b}"


def clean_name(name: str) -> str:
    """Return an element name with an en dash between its ends (``Aktogay – Moyinty``)."""
    return str(name).replace(" - ", " – ")


def flow_label(region: str, direction: str) -> str:
    """Name a region's flows: ``to China`` for inbound, ``from China`` for outbound.

    Parameters
    ----------
    region
        One of :data:`corridors.REGIONS`.
    direction
        ``"inbound"`` or ``"outbound"``.

    Returns
    -------
    str
    """
    return f"{'to' if direction == 'inbound' else 'from'} {region}"
