"""Names and kinds of network elements, as sentences and tables of the brief write them."""

from __future__ import annotations

from dataclasses import dataclass

from corridors.brief.format import clean_name
from corridors.brief.read import ResultFolder

__all__ = ["KIND_LABEL", "ElementNames", "limit_kind"]

#: Element kind -> how the brief names it.
KIND_LABEL = {
    "single_track": "single-track section",
    "double_track": "double-track section",
    "border": "border crossing",
    "ferry": "ferry link",
    "yard": "yard",
}


def _kind_of(row: dict | None) -> str | None:
    """Return the kind of an element row: sections by their track count, crossings by their ``kind``."""
    if row is None:
        return None
    if "tracks" in row:
        return "single_track" if row["tracks"] == 1 else "double_track"
    if "yard_tracks" in row:
        return "yard"
    return row.get("kind")


def limit_kind(rec: dict, eid: str | None) -> str | None:
    """Return the kind the capacity search recorded for a limiting element.

    Parameters
    ----------
    rec
        A ``before`` or ``after`` record of ``comparison.json`` (its ``binding`` and ``bottlenecks`` lists).
    eid
        Element id, or ``None``.

    Returns
    -------
    str or None
        ``"single_track"``, ``"border"``, ... or ``None`` when the record does not list ``eid``.
    """
    for e in (*rec.get("binding", []), *rec.get("bottlenecks", [])):
        if e.get("id") == eid:
            return e.get("kind")
    return None


@dataclass(frozen=True)
class ElementNames:
    """Element names and kinds of a result folder, for sentences and tables.

    Attributes
    ----------
    result
        The folder whose ``sections.csv`` and ``crossings.csv`` name the elements (the after run first).
    """

    result: ResultFolder

    def name(self, eid: str) -> str:
        """Return an element's name (``Aktogay – Moyinty``), or its id when no table names it."""
        row = self.result.element(eid)
        return clean_name(row["name"]) if row and row.get("name") else eid

    def kind(self, eid: str, kind: str | None = None) -> str | None:
        """Return ``kind`` when given, else the element's kind from its row (``None`` when unknown)."""
        return kind or _kind_of(self.result.element(eid))

    def describe(self, eid: str, kind: str | None = None) -> str:
        """Name an element in a sentence: ``the single-track section Aktogay – Moyinty``.

        Parameters
        ----------
        eid
            Element id.
        kind
            Its kind when known from elsewhere (see :func:`limit_kind`); default: from its row.

        Returns
        -------
        str
        """
        name = self.name(eid)
        if any(w in name.lower() for w in ("ferry", "facility", "crossing", "border")):
            return f"the {name}"
        label = KIND_LABEL.get(self.kind(eid, kind) or "", "element")
        return f"the {label} {name}"

    def label(self, eid: str | None, kind: str | None = None) -> str:
        """Name an element in a table cell: ``Aktogay – Moyinty (single-track section)``; ``–`` for none.

        Parameters
        ----------
        eid
            Element id, or ``None``.
        kind
            Its kind when known from elsewhere; default: from its row.

        Returns
        -------
        str
        """
        if not eid:
            return "–"
        k = KIND_LABEL.get(self.kind(eid, kind) or "")
        return f"{self.name(eid)} ({k})" if k else self.name(eid)
