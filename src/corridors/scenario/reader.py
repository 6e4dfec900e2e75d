"""Reading the tool's own plain-data YAML files (sweeps, observed figures): typed checks located at their lines.

Scenario files have their own schema (:mod:`.schema`); the other YAML files
the tool reads are small, so their checks are written by hand with this
reader, which words and locates every problem the way a scenario's are.
"""

from __future__ import annotations

import math
import os
from typing import Any

from corridors.errors import ValidationError
from corridors.scenario.load import read_located
from corridors.scenario.plain_yaml import YAML_SUFFIXES, file_problem
from corridors.scenario.problems import KeyPath, Problems, show, unknown_key
from corridors.scenario.schema import is_number


class KeyReader:
    """Checks of one plain-data YAML file of the tool (a sweep file, the observed figures), each problem located at its key's line.

    Parameters
    ----------
    display
        The file's path, as messages show it.
    lines
        The 1-based line of every key path (:func:`corridors.scenario.load.read_located`).
    problems
        Collector of the messages (``file:line: path: what, expected ...``).
    """

    def __init__(self, display: str, lines: dict[KeyPath, int], problems: Problems) -> None:
        self.display, self.lines, self.problems = display, lines, problems

    def line(self, path: KeyPath) -> int:
        """Return the line of ``path`` (of its nearest known parent)."""
        for i in range(len(path), -1, -1):
            if tuple(path[:i]) in self.lines:
                return self.lines[tuple(path[:i])]
        return 1

    def err(self, path: KeyPath, msg: str) -> None:
        """Record ``msg`` at ``path``."""
        self.problems.add(self.display, self.line(path), path, msg)

    def mapping(self, value: Any, path: KeyPath, keys: tuple[str, ...]) -> dict:
        """Return ``value`` if it is a mapping of known keys (unknown keys reported), else ``{}``."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, f"got {show(value)}, expected a mapping with keys {', '.join(keys)}")
            return {}
        for k in value:
            if k not in keys:
                self.err((*path, k), unknown_key(k, keys))
        return value

    def levels(self, value: Any, path: KeyPath) -> list:
        """Return a non-empty list of distinct levels (a single value is one level), else ``[]`` (reported).

        A level given twice is reported at its second place: two equal points
        would be one scenario under two names.
        """
        if not isinstance(value, list):
            return [value]
        if not value:
            self.err(path, "got an empty list, expected at least one level")
        seen: dict[str, int] = {}
        for i, v in enumerate(value):
            key = repr(v)
            if key in seen:
                self.err((*path, i), f"got {show(v)} again (as item {seen[key]}), expected each level once")
                return []
            seen[key] = i
        return value

    def number(self, value: Any, path: KeyPath, low: float, high: float, *, integer: bool = False) -> float | None:
        """Return ``value`` if it is a (whole) number in ``[low, high]``, else None (reported)."""
        ok = is_number(value) and low <= value <= high and math.isfinite(value)  # range first: a 400-digit int
        if ok and integer and value != int(value):
            ok = False
        if not ok:
            kind = "an integer" if integer else "a number"
            self.err(path, f"got {show(value)}, expected {kind} between {low:g} and {high:g}")
            return None
        return int(value) if integer else float(value)

    def file(self, value: Any, path: KeyPath) -> str | None:
        """Return a YAML file named relative to the file being read (as a path from here), else None (reported)."""
        if not isinstance(value, str) or not value.strip():
            self.err(path, f"got {show(value)}, expected a YAML file name (relative to this file)")
            return None
        name = os.path.normpath(os.path.join(os.path.dirname(self.display), value))
        why = file_problem(name, YAML_SUFFIXES)
        if why is not None:
            self.err(path, f"'{value}': {why}, expected a scenario or overlay file (relative to this file)")
            return None
        return name


def open_located(path, error: type[ValidationError] = ValidationError, what: str | None = None) -> tuple[Any, KeyReader]:
    """Read a plain YAML file whose keys are checked one by one (factor files, sweeps, observed figures).

    Parameters
    ----------
    path
        The file, as messages show it.
    error
        The error raised when the file cannot be read as plain YAML at all.
    what
        The heading of that error (default: the path).

    Returns
    -------
    data, reader
        The file's top-level value and a :class:`KeyReader` collecting every further problem at its line
        (``reader.problems``); the caller raises them once it has read the whole file.

    Raises
    ------
    corridors.errors.ValidationError
        ``error``: a missing or unreadable file, or text that is not plain YAML (with its line).
    """
    display = str(path)
    problems = Problems(display)
    read = read_located(display, problems)
    if read is None:
        raise error(problems.lines, what=what or display)
    data, lines = read
    return data, KeyReader(display, lines, problems)
