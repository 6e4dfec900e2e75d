"""Located problem messages: ``file:line: path.to.key: what is wrong, expected ...``.

Every stage of a resolution reports into one :class:`Problems` collector,
which turns a key path into the file and line that hold the key (through
the provenance map of the merged ``extends`` chain) and drops duplicates.
The small text helpers (:func:`show`, :func:`did_you_mean`,
:func:`unknown_key`) give all messages the same wording.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: A key's path inside a document: mapping keys (str) and list indexes (int).
KeyPath = tuple[Any, ...]
#: Where a key came from: display file name, 1-based line, and its path inside that file.
Origin = tuple[str, int, KeyPath]
#: Provenance map: the origin of every key path of a (merged) document.
Provenance = dict[KeyPath, Origin]
#: Longest excerpt of a user's text quoted in a message (a file named by mistake is not echoed).
EXCERPT_CHARS = 40


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Return ``text`` cut to ``limit`` characters (the cut marked with ``...``).

    Parameters
    ----------
    text
        A user's text: a key, a value, a file name.
    limit
        The most characters returned.

    Returns
    -------
    str
        ``text`` itself when short enough; characters that do not print
        (NUL, terminal escapes) written as Python escapes.
    """
    cut = text if len(text) <= limit else text[: limit - 3] + "..."
    return cut if cut.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)


def fmt_path(path: KeyPath) -> str:
    """Return a key path as text, e.g. ``demand[2].via[0]``.

    Parameters
    ----------
    path
        Mapping keys and list indexes, outermost first.

    Returns
    -------
    str
        Keys joined by ``.`` (each cut to :data:`EXCERPT_CHARS`), indexes as
        ``[i]``; empty for the empty path.
    """
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + excerpt(str(part))
    return out


def show(value: Any) -> str:
    """Return a short YAML-flavoured description of a value for a message.

    Parameters
    ----------
    value
        Any plain value read from YAML.

    Returns
    -------
    str
        ``'text'``, ``a mapping {k, ...}``, ``a list of n items``, ``null``,
        ``true``/``false`` or the number; cut to :data:`EXCERPT_CHARS` characters.
    """
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a mapping {" + ", ".join(excerpt(str(k)) for k in list(value)[:5]) + "}"
    elif isinstance(value, list):
        text = f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return excerpt(text)


#: Least similarity (0-1, :class:`difflib.SequenceMatcher` ratio) for a choice to be suggested.
SUGGEST_CUTOFF = 0.6
#: Longest text a suggestion is looked for (ids and names are far shorter).
SUGGEST_MAX_CHARS = 120


def _words(text: str) -> str:
    """Return the words of an id or a name, lower case and sorted (``zhetygen_altynkol`` -> ``altynkol zhetygen``)."""
    return " ".join(sorted(w for w in re.split(r"[\W_]+", text.casefold()) if w))


def _similarity(word: str, choice: str, name: str | None) -> float:
    """Return how close ``word`` is to a choice: its whole id, its words in any order, or its human name.

    A name is also read without its bracketed note and as the note alone (``Alat (UZ)`` is ``Alat`` and
    ``UZ``), and every typed word found among the name's or the id's words counts as a near match (0.9).
    """
    def ratio(a: str, b: str) -> float:
        return difflib.SequenceMatcher(None, a, b).ratio()

    typed = _words(word)
    scores = [ratio(word.casefold(), choice.casefold()), ratio(typed, _words(choice))]
    for text in ([name, name.split(" (")[0], *re.findall(r"\(([^)]*)\)", name)] if name else []):
        scores.append(ratio(typed, _words(text)))
    own = set(_words(choice).split()) | (set(_words(name).split()) if name else set())
    if typed and set(typed.split()) <= own:
        scores.append(0.9)
    return max(scores)


def did_you_mean(word: Any, choices: Iterable[Any], names: Mapping[str, str] | None = None) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close.

    A choice is ranked by the best of three similarities: of the whole id, of
    its words in any order (``altynkol_zhetygen`` finds ``zhetygen_altynkol``),
    and of its human name (``Altynkol`` finds ``zhetygen_altynkol`` through
    "Zhetygen - Altynkol"). Ties go to the first in sorted order.

    Parameters
    ----------
    word
        What the user wrote.
    choices
        The valid ids. A mapping whose values have a ``name`` attribute (network
        nodes and links) lends those names.
    names
        More human names by id (added to those of ``choices``).

    Returns
    -------
    str
        ``"; did you mean 'id'?"``, with ``(name)`` after the id when the choice
        has a name that is not the id; ``""`` when no choice reaches
        :data:`SUGGEST_CUTOFF`.
    """
    pool = dict(choices) if isinstance(choices, Mapping) else {c: None for c in choices}
    known: dict[str, str] = {}
    for key, value in pool.items():
        name = getattr(value, "name", None)
        if isinstance(name, str):
            known[str(key)] = name
    known.update({str(k): v for k, v in (names or {}).items()})
    text = str(word)
    if len(text) > SUGGEST_MAX_CHARS:  # no id is this long, and ranking it against every id would take seconds
        return ""
    best, best_score = None, SUGGEST_CUTOFF
    for choice in sorted(set(map(str, pool))):
        score = _similarity(text, choice, known.get(choice))
        if score > best_score or (best is None and score >= best_score):
            best, best_score = choice, score
    if best is None:
        return ""
    name = known.get(best)
    shown = f" ({excerpt(name)})" if name and _words(name.split(" (")[0]) != _words(best) else ""
    return f"; did you mean '{best}'{shown}?"


def unknown_key(key: Any, allowed: Iterable[str]) -> str:
    """Return the message for a key that is not allowed (at most 14 allowed keys listed)."""
    allowed = list(allowed)
    listed = ", ".join(allowed) if len(allowed) <= 14 else ", ".join(allowed[:14]) + ", ..."
    return f"unknown key '{excerpt(str(key))}', expected one of: {listed}{did_you_mean(key, allowed)}"


class Problems:
    """Every problem found while resolving one scenario, in the order found.

    Parameters
    ----------
    path
        The file being resolved: the fallback location of a message whose key
        has no known origin.

    Attributes
    ----------
    lines
        The messages, each ``file:line: path: message`` (no duplicates).
    prov
        Provenance of the merged document, set once the ``extends`` chain is
        merged; :meth:`err` locates keys through it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        self._seen: set[str] = set()  # lines already recorded (a list search made 80,000 problems quadratic)
        self.prov: Provenance = {}

    def __len__(self) -> int:
        """Return the number of problems."""
        return len(self.lines)

    def add(self, file: str, line: int, path: KeyPath, msg: str) -> None:
        """Record ``msg`` for the key ``path`` of ``file`` at ``line`` (1-based)."""
        p = fmt_path(path)
        text = f"{file}:{line}: {p}: {msg}" if p else f"{file}:{line}: {msg}"
        if text not in self._seen:
            self._seen.add(text)
            self.lines.append(text)

    def raw(self, text: str) -> None:
        """Record an already located message (a file that cannot be read, a network problem)."""
        self.lines.append(text)

    def err_in(self, prov: Provenance, path: KeyPath, msg: str) -> None:
        """Record ``msg`` at ``path``, located with the provenance map ``prov``.

        The longest prefix of ``path`` with a known origin gives the file and
        line; the rest of the path is appended to that origin's own path.
        """
        for i in range(len(path), -1, -1):
            origin = prov.get(tuple(path[:i]))
            if origin is not None:
                file, line, orig = origin
                self.add(file, line, (*orig, *path[i:]), msg)
                return
        self.add(self.path, 1, path, msg)

    def err(self, path: KeyPath, msg: str) -> None:
        """Record ``msg`` at ``path`` of the merged document (see :meth:`err_in`)."""
        self.err_in(self.prov, path, msg)

    def origin_text(self, path: KeyPath) -> str:
        """Return ``file:line`` of the key at ``path`` of the merged document."""
        for i in range(len(path), -1, -1):
            origin = self.prov.get(tuple(path[:i]))
            if origin is not None:
                return f"{origin[0]}:{origin[1]}"
        return self.path
