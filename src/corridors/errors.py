"""Exceptions that the CLI turns into a clear message and a non-zero exit.

Every user-facing error derives from :class:`CorridorsError`. Validation errors
carry the whole list of problems, so that a user fixes a file in one pass.
"""

from __future__ import annotations


class CorridorsError(Exception):
    """Base class for every error a user can cause with bad input."""


class ValidationError(CorridorsError, ValueError):
    """One or more problems found in an input file.

    Parameters
    ----------
    problems
        Each problem as one line, already located (``file:line: path: what``).
    what
        A short name of what was checked, used in the heading.
    """

    def __init__(self, problems: list[str], what: str = "input") -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {what}:"
        super().__init__("\n".join([head, *("  " + p for p in self.problems)]))


class NetworkError(ValidationError):
    """The network data breaks its contract (see :mod:`corridors.network`)."""


class ScenarioError(ValidationError):
    """A scenario file is malformed or inconsistent with its network."""


class ResultError(CorridorsError):
    """A result folder is missing, incomplete or from an incompatible version."""
