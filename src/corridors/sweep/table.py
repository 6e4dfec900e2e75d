"""The sweep's tidy table: one row per point and replication, and what each column means.

Rows are built from what the points' runs and searches returned: a run's
``summary.json`` per replication, a :class:`~corridors.capacity.CapacityDoc`
per scenario. The table is written as CSV and as Parquet; the Parquet file
carries every column's meaning in its schema (field metadata ``description``),
so it describes itself wherever it is read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from corridors.capacity import CapacityDoc, CapacityRecord
from corridors.model import RunSpec
from corridors.statistics import estimate
from corridors.sweep.columns import METRICS, POINT_COLUMNS, Column, metric_columns
from corridors.sweep.plan import Point, Sweep


class Found:
    """What the runs and searches of a sweep returned, by scenario (the same object for shared ones).

    Attributes
    ----------
    summaries
        ``id(spec)`` -> one ``summary.json`` per replication, in order.
    capacities
        ``id(spec)`` -> its capacity document.
    """

    def __init__(self) -> None:
        self.summaries: dict[int, list[dict]] = {}
        self.capacities: dict[int, CapacityDoc] = {}

    def value(self, spec: RunSpec, c: Column, rep: int) -> float | bool | None:
        """Return column ``c``'s figure for ``spec`` in replication ``rep``.

        Parameters
        ----------
        spec
            A scenario of the sweep (one side of a compare point).
        c
            The column (its side is ignored here).
        rep
            The replication, from 0.

        Returns
        -------
        float, bool or None
            The figure in the column's unit; a flag's true or false; None where
            the model gives no figure (no train delivered, no crossing found).
        """
        m = METRICS[c.metric]
        if m.source == "run":
            summary = self.summaries[id(spec)][rep]
            v = (summary[m.block] if m.block else summary)["regions"][c.region][c.direction][c.metric]
        else:
            rec = self.capacities[id(spec)].regions[c.region][c.direction]
            if c.flag:
                return bool(rec.simulated_is_lower_limit) if rec.simulated_mt is not None else None
            v = _capacity_value(rec, c.metric, rep)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _capacity_value(rec: CapacityRecord, metric: str, rep: int) -> float | None:
    """Return a capacity metric of one replication (the LP bound and the demand have none of their own)."""
    if metric == "practical_capacity_mt":
        reps = rec.simulated_by_replication_mt
    elif metric == "max_throughput_mt":
        reps = rec.max_throughput_by_replication_mt
    else:
        return getattr(rec, metric)
    return reps[rep] if rep < len(reps) else None


def setting_values(sweep: Sweep) -> dict[str, list]:
    """Return each setting's value per point, as a table column holds it.

    Parameters
    ----------
    sweep
        The sweep.

    Returns
    -------
    dict
        YAML path -> one value per point, in point order. A setting whose
        levels are all numbers keeps them; any other (text, mappings, ``null``
        beside text) is written as JSON text, so that a column has one type.
    """
    out = {}
    for i, path in enumerate(sweep.setting_paths):
        values = [p.settings[i][1] for p in sweep.points]
        out[path] = values if _numeric(values) else [v if isinstance(v, str) else json.dumps(v, sort_keys=True)
                                                     for v in values]
    return out


def _numeric(values: list) -> bool:
    return all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)


def rows(sweep: Sweep, found: Found) -> list[dict]:
    """Return the table.

    Parameters
    ----------
    sweep
        The sweep.
    found
        What its runs and searches returned.

    Returns
    -------
    list of dict
        One row per point and replication (points in order, replications from 0),
        keys in :func:`columns` order.
    """
    settings = setting_values(sweep)
    cols = metric_columns(sweep.kind, sweep.metrics)
    out = []
    for k, p in enumerate(sweep.points):
        for rep in range(p.spec.settings.replications):
            row = {"point": p.index, "replication": rep, "seed": p.seed + rep, "kind": sweep.kind,
                   "scenario": p.spec.name, "overlays": p.overlay_names, "demand_scale": p.demand_scale,
                   **{path: settings[path][k] for path in sweep.setting_paths}}
            for c in cols:
                row[c.name] = _cell(found, p, c, rep)
            out.append(row)
    return out


def _cell(found: Found, p: Point, c: Column, rep: int) -> float | bool | None:
    """Return one metric cell: a side's figure, or after minus before for ``change``."""
    if c.side is None:
        return found.value(p.spec, c, rep)
    if c.side != "change":
        return found.value(p.spec if c.side == "after" else p.before, c, rep)
    before, after = found.value(p.before, c, rep), found.value(p.spec, c, rep)
    return None if before is None or after is None else after - before


def columns(sweep: Sweep) -> dict[str, str]:
    """Return every column of the table and what it holds (with its unit), in table order."""
    out = dict(POINT_COLUMNS)
    for path in sweep.setting_paths:
        out[path] = f"the scenario setting {path}, as the sweep file sets it at this point"
    for c in metric_columns(sweep.kind, sweep.metrics):
        out[c.name] = c.describe()
    return out


def point_estimates(sweep: Sweep, table: list[dict], name: str) -> list[dict]:
    """Return, per point, the mean of column ``name`` over its replications and the 95 % interval.

    Parameters
    ----------
    sweep
        The sweep.
    table
        Its rows (:func:`rows`).
    name
        A metric column (not a flag).

    Returns
    -------
    list of dict
        Per point, in order: ``point``, ``mean`` and ``ci95`` (``[low, high]``, Student t;
        None with one value), ``replications_with_a_value``. A ``change_`` column's
        interval is that of the per-replication differences: paired.
    """
    out = []
    for p in sweep.points:
        e = estimate([row[name] for row in table if row["point"] == p.index])
        out.append({"point": p.index, "mean": None if e is None else round(e.mean, 4),
                    "ci95": None if e is None or e.ci is None else [round(x, 4) for x in e.ci],
                    "replications_with_a_value": 0 if e is None else e.n})
    return out


def _arrow_schema(sweep: Sweep, described: dict[str, str]):
    """Return the Parquet schema: a type per column whatever the values (an all-empty column stays a number)."""
    import pyarrow as pa

    types = {"point": pa.int64(), "replication": pa.int64(), "seed": pa.int64(), "kind": pa.string(),
             "scenario": pa.string(), "overlays": pa.string(), "demand_scale": pa.float64()}
    for path, values in setting_values(sweep).items():
        whole = all(v is None or isinstance(v, int) for v in values)
        types[path] = (pa.int64() if whole else pa.float64()) if _numeric(values) else pa.string()
    for c in metric_columns(sweep.kind, sweep.metrics):
        types[c.name] = pa.bool_() if c.flag else pa.float64()
    return pa.schema([pa.field(n, types[n], metadata={"description": d}) for n, d in described.items()],
                     metadata={b"corridors.sweep": sweep.name.encode()})


def write_table(folder: Path, sweep: Sweep, table: list[dict]) -> None:
    """Write ``sweep.csv`` and ``sweep.parquet``, the same columns in the same order.

    Parameters
    ----------
    folder
        Where to write.
    sweep
        The sweep.
    table
        Its rows (:func:`rows`).

    Notes
    -----
    The Parquet schema gives every column a fixed type (integers, numbers,
    text, true/false) and its meaning as field metadata ``description``; an
    empty cell is a missing value (null), never a number.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    described = columns(sweep)
    schema = _arrow_schema(sweep, described)
    arrow = pa.Table.from_pylist([{k: row.get(k) for k in described} for row in table], schema=schema)
    pq.write_table(arrow, folder / "sweep.parquet")
    pacsv.write_csv(arrow, folder / "sweep.csv",
                    pacsv.WriteOptions(quoting_style="needed", include_header=True))
