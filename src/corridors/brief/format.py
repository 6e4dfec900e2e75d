"""Number and name formats of the brief: one rule per kind of figure, shared by all sections.

Mt/yr get one decimal (two below 1 Mt/yr), shares whole percentages, and a
negative number a true minus sign (U+2212); a missing value is ``–``.
"""

from __future__ import annotations

from corridors.elements import flow_label
from corridors.statistics import excludes_zero

__all__ = [
    "MINUS",
    "arrow",
    "cap_cell",
    "cap_phrase",
    "capital",
    "change_cell",
    "ci_range",
    "clean_name",
    "flow_label",
    "fmt_mt",
    "fmt_num",
    "fmt_pct",
    "fmt_value",
    "limit_word",
    "or_none",
    "resolved",
    "significant",
    "with_ci",
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
    """Tell whether the capacity search gave a practical capacity above zero.

    Parameters
    ----------
    rec
        A capacity record or a ``before``/``after`` record of ``comparison.json`` (``simulated_mt`` in Mt/yr).

    Returns
    -------
    bool
    """
    return (rec.get("simulated_mt") or 0) > 0


def ci_range(ci: list | None, *, signed: bool = False) -> str:
    """Format a 95 % interval as ``12.0 to 14.6`` (``""`` without one).

    Parameters
    ----------
    ci
        ``[low, high]`` in Mt/yr, or ``None``.
    signed
        Put a sign on both ends (for a change).

    Returns
    -------
    str
    """
    if not ci:
        return ""
    f = (lambda x: ("+" if x > 0 else "") + fmt_mt(x)) if signed else fmt_mt
    return f"{f(ci[0])} to {f(ci[1])}"


def with_ci(value: float | None, ci: list | None) -> str:
    """Format a figure with its 95 % interval for a table cell: ``13.3 (12.0–14.6)``, the value alone, or ``–``.

    Parameters
    ----------
    value
        The mean over replications, Mt/yr (or ``None``).
    ci
        Its ``[low, high]`` interval, or ``None`` (one replication).

    Returns
    -------
    str
    """
    if value is None:
        return "–"
    return fmt_mt(value) + (f" ({fmt_mt(ci[0])}–{fmt_mt(ci[1])})" if ci else "")


def cap_cell(rec: dict) -> str:
    """Format a record's practical capacity for a table cell: ``13.3 (12.0–14.6)``, ``≥ 17.2`` or ``–``."""
    if rec.get("simulated_is_lower_limit") and rec.get("simulated_mt") is not None:
        return f"≥ {fmt_mt(rec['simulated_mt'])}"
    return with_ci(rec.get("simulated_mt"), rec.get("simulated_ci_mt"))


def limit_word(before: dict, after: dict) -> str | None:
    """How a change reads when a side is a lower limit: ``"at most"``, ``"at least"``, ``"undetermined"`` or ``None``.

    Parameters
    ----------
    before, after
        The two capacity records (``simulated_is_lower_limit``).

    Returns
    -------
    str or None
        ``None`` when both sides are determined.
    """
    b, a = bool(before.get("simulated_is_lower_limit")), bool(after.get("simulated_is_lower_limit"))
    return {(True, False): "at most", (False, True): "at least", (True, True): "undetermined"}.get((b, a))


def change_cell(change: float | None, ci: list | None, limit: str | None = None) -> str:
    """Format a paired change for a table cell: ``+2.1 (+0.9 to +3.3)``, ``n.s. (−0.4 to +0.8)`` or ``–``.

    Parameters
    ----------
    change
        Mean paired change, Mt/yr (or ``None``).
    ci
        Its paired 95 % interval, or ``None``.
    limit
        :func:`limit_word` of the two sides.

    Returns
    -------
    str
        ``n.s.`` (not significant) when the interval contains zero; ``at most −5.0`` when a side is a lower limit.
    """
    if change is None:
        return "–"
    if limit == "undetermined":
        return "? (both lower limits)"
    if limit:  # a side is a lower limit: the change is a limit, with no significance to claim
        return f"{limit} {'+' if change > 0 else ''}{fmt_mt(change)}"
    if ci and not excludes_zero(ci):
        return f"n.s. ({ci_range(ci, signed=True)})"
    head = ("+" if change > 0 else "") + fmt_mt(change)
    return head + (f" ({ci_range(ci, signed=True)})" if ci else "")


def significant(ci: list | None) -> bool:
    """Tell whether a paired 95 % interval excludes zero (``False`` without an interval)."""
    return excludes_zero(ci)


def cap_phrase(rec: dict, *, ci: bool = True) -> str:
    """Format a record's practical capacity for a sentence.

    Parameters
    ----------
    rec
        A capacity record (``simulated_mt``, ``simulated_ci_mt``, ``simulated_is_lower_limit``).
    ci
        Give the 95 % interval (leave it out where a table beside the sentence gives it).

    Returns
    -------
    str
        ``13.3 Mt/yr (95 % CI 12.0 to 14.6)``, ``13.3 Mt/yr`` (one replication), ``at least 17.2 Mt/yr``
        (the service level held at every load probed) or ``not found (...)``.
    """
    value, interval = rec.get("simulated_mt"), rec.get("simulated_ci_mt") if ci else None
    if value is None or value <= 0:
        return "not found (waiting above the service level at every load probed)"
    if rec.get("simulated_is_lower_limit"):
        return f"at least {fmt_mt(value)} Mt/yr"
    return f"{fmt_mt(value)} Mt/yr" + (f" (95 % CI {ci_range(interval)})" if interval else "")


def arrow(a: str, b: str) -> str:
    """Join a before and an after cell: ``a → b``, or ``a`` alone when both read the same."""
    return a if a == b else f"{a} → {b}"


def clean_name(name: str) -> str:
    """Return an element name with an en dash between its ends (``Aktogay – Moyinty``)."""
    return str(name).replace(" - ", " – ")


def capital(text: str) -> str:
    """Return ``text`` with its first letter in capitals and the rest as it is (``to China`` -> ``To China``)."""
    return text[:1].upper() + text[1:]
