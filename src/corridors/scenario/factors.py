"""Factor files: named numbers in plain YAML, each in a stated range, read with every problem located.

The emission factors (``networks/emission-factors.yaml``) and the cost
factors (``networks/cost-factors.yaml``) share one layout: a ``standard``
(the method the factors follow), then sections of numbers. This reads that
layout once: unknown and missing keys, numbers out of range and a missing
``standard`` are all reported at their lines, and the caller adds its own
checks of further keys before :meth:`FactorFile.finish` raises them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridors.errors import ValidationError
from corridors.scenario.problems import Problems
from corridors.scenario.reader import KeyReader, open_located

#: One factor: its key path in the file, the field it fills, and the lowest and highest plausible value.
FactorKey = tuple[tuple[str, str], str, float, float]


@dataclass
class FactorFile:
    """A factor file being read.

    Attributes
    ----------
    data
        The file's top-level mapping.
    reader
        Reports problems at their lines (:class:`~corridors.scenario.reader.KeyReader`).
    problems
        Everything found so far.
    values
        Each factor's field name to its value (factors with a problem left out).
    standard
        The ``standard`` text.
    """

    data: dict
    reader: KeyReader
    problems: Problems
    values: dict[str, Any]
    standard: str = ""

    def finish(self) -> dict[str, Any]:
        """Return the values with ``standard``, or raise every problem found.

        Raises
        ------
        corridors.errors.ValidationError
            One line per problem: ``file:line: path: got ..., expected ...``.
        """
        if self.problems:
            raise ValidationError(self.problems.lines, what=self.problems.path)
        return {**self.values, "standard": self.standard}


def read_factors(path: str | Path, keys: tuple[FactorKey, ...], extra: tuple[str, ...] = ()) -> FactorFile:
    """Read a factor file's ``standard`` and numbers; problems are collected, raised by :meth:`FactorFile.finish`.

    Parameters
    ----------
    path
        The YAML file.
    keys
        Its factors: ``((section, key), field, low, high)``.
    extra
        Further top-level keys the caller reads itself.

    Returns
    -------
    FactorFile

    Raises
    ------
    corridors.errors.ValidationError
        When the file cannot be read as plain YAML at all.
    """
    data, r = open_located(path)
    problems = r.problems
    sections = tuple(dict.fromkeys(k[0][0] for k in keys))
    r.mapping(data, (), ("standard", *sections, *extra))
    for section in sections:
        names = tuple(k[0][1] for k in keys if k[0][0] == section)
        r.mapping(data.get(section), (section,), names)  # reports a value that is no mapping
        if data.get(section) is None:
            r.err((section,), f"missing, expected a mapping with keys {', '.join(names)}")
    values: dict[str, Any] = {}
    for (section, key), name, low, high in keys:
        block = data.get(section)
        if isinstance(block, dict) and key not in block:
            r.err((section, key), f"missing, expected a number between {low:g} and {high:g}")
        elif isinstance(block, dict):
            value = r.number(block[key], (section, key), low, high)
            if value is not None:
                values[name] = value
    standard = data.get("standard")
    if not isinstance(standard, str) or not standard.strip():
        r.err(("standard",), f"got {standard!r}, expected the standard or method the factors follow")
        standard = ""
    return FactorFile(data, r, problems, values, standard)
