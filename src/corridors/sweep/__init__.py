"""Parameter sweeps: one base scenario, what varies, every point run, one tidy table.

``corridors sweep SWEEP.yaml`` reads a sweep file (``docs/sweeps.md``),
resolves every point as a scenario (a bad value is reported at its line in the
sweep file), runs them all on one executor (a process pool here, or Dask) and
writes ``sweep.parquet`` and ``sweep.csv`` (one row per point and replication),
``sweep.json`` (the sweep, every column's meaning, the headline per point) and
a chart of the headline figure.

Where things live
-----------------
``columns``
    The metrics, their units, and the column names.
``plan``
    Reading and checking the file; :class:`Sweep` and its :class:`Point` records.
``table``
    Rows from the runs' and searches' results; CSV and Parquet.
``chart``
    The headline figure across the points.
``execute``
    Running the points (:func:`run_sweep`).
"""

from __future__ import annotations

from corridors.sweep.execute import check_sweep_budget, run_sweep, scenarios
from corridors.sweep.plan import Point, Sweep, SweepError, read_sweep

__all__ = ["Point", "Sweep", "SweepError", "check_sweep_budget", "read_sweep", "run_sweep", "scenarios"]
