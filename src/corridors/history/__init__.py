"""Does the model reproduce what happened? Observed figures against model outputs (``corridors check-history``).

``validation/observed.yaml`` lists observed figures, each with its source,
the model output it is compared to and a tolerance fixed beforehand; the
figures a parameter was set from (``calibration``) are kept apart from those
that only test the model (``test``). :func:`check_history` runs what they
need and compares; :func:`markdown` and :func:`write_docs` put the table into
``docs/validation.md``.

Where things live
-----------------
``observed``
    The file's records and its reader (every problem located, at once).
``measure``
    One function per model quantity (capacity, trains a day, border time,
    speed, tonnage share, delivered tonnes).
``check``
    Running, comparing, the tables and files.
"""

from __future__ import annotations

from corridors.history.check import (
    BEGIN,
    END,
    Outcome,
    check_docs,
    check_history,
    markdown,
    write_docs,
    write_outputs,
)
from corridors.history.observed import Observation, Observed, ObservedError, read_observed

__all__ = [
    "BEGIN",
    "END",
    "Observation",
    "Observed",
    "ObservedError",
    "Outcome",
    "check_docs",
    "check_history",
    "markdown",
    "read_observed",
    "write_docs",
    "write_outputs",
]
