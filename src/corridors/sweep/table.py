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

from corridors import REGIONS
from corridors.capacity import CapacityDoc, CapacityRecord
from corridors.model import RunSpec
from corridors.statistics import estimate
from corridors.sweep.columns import DIRECTION_WORDS, METRICS, POINT_COLUMNS, column, describe, metric_columns
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

    def value(self, spec: RunSpec, metric: str, region: str, direction: str, rep: int) -> float | None:
        """Return ``metric`` of ``spec`` for one region, direction and replication (None where there is none)."""
        if METRICS[metric].source == "run":
            v = self.summaries[id(spec)][rep]["regions"][region][direction][metric]
        else:
            v = _capacity_value(self.capacities[id(spec)].regions[region][direction], metric, rep)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _capacity_value(rec: CapacityRecord, metric: str, rep: int) -> float | None:
    if metric == "practical_capacity_mt":
        reps = rec.simulated_by_replication_mt
    elif metric == "max_throughput_mt":
        reps = rec.max_throughput_by_replication_mt
    else:
        return getattr(rec, metric)
    return reps[rep] if rep < len(reps) else None


def setting_values(sweep: Sweep) -> dict[str, list]:
    """Return each varied setting's value per point, as a table column holds it.

    A setting whose levels are all numbers keeps them; any other (text, mappings,
    ``null`` beside text) is written as JSON text, so a column has one type.
    """
    out = {}
    for i, path in enumerate(sweep.setting_paths):
        values = [p.settings[i][1] for p in sweep.points]
        numeric = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)
        out[path] = values if numeric else [v if isinstance(v, str) else json.dumps(v, sort_keys=True)
                                            for v in values]
    return out


def rows(sweep: Sweep, found: Found) -> list[dict]:
    """Return the table: one dict per point and replication, columns in :func:`columns` order."""
    settings = setting_values(sweep)
    out = []
    for k, p in enumerate(sweep.points):
        for rep in range(p.spec.settings.replications):
            row = {"point": p.index, "replication": rep, "seed": p.seed + rep, "kind": sweep.kind,
                   "scenario": p.spec.name, "overlays": p.overlay_names, "demand_scale": p.demand_scale,
                   **{path: settings[path][k] for path in sweep.setting_paths}}
            row.update(_metrics(sweep, found, p, rep))
            out.append(row)
    return out


def _metrics(sweep: Sweep, found: Found, p: Point, rep: int) -> dict:
    out: dict[str, float | None] = {}
    for m in sweep.metrics:
        for r in REGIONS:
            for d in DIRECTION_WORDS:
                after = found.value(p.spec, m, r, d, rep)
                if p.before is None:
                    out[column(m, r, d)] = after
                    continue
                before = found.value(p.before, m, r, d, rep)
                out[column(m, r, d, "before")] = before
                out[column(m, r, d, "after")] = after
                out[column(m, r, d, "change")] = None if before is None or after is None else after - before
    return out


def columns(sweep: Sweep) -> dict[str, str]:
    """Return every column of the table with what it holds, in table order."""
    out = dict(POINT_COLUMNS)
    for path in sweep.setting_paths:
        out[path] = f"the scenario setting {path}, as the sweep file sets it at this point"
    for name in metric_columns(sweep.kind, sweep.metrics):
        out[name] = describe(name)
    return out


def point_estimates(sweep: Sweep, table: list[dict], name: str) -> list[dict]:
    """Return, per point, the mean of column ``name`` over replications and its 95 % interval.

    A difference (``change_`` column) is paired: its interval is that of the
    per-replication differences.
    """
    out = []
    for p in sweep.points:
        values = [row[name] for row in table if row["point"] == p.index]
        e = estimate(values)
        out.append({"point": p.index, "mean": None if e is None else round(e.mean, 4),
                    "ci95": None if e is None or e.ci is None else [round(x, 4) for x in e.ci],
                    "replications_with_a_value": 0 if e is None else e.n})
    return out


def write_table(folder: Path, sweep: Sweep, table: list[dict]) -> None:
    """Write ``sweep.csv`` and ``sweep.parquet`` (column meanings in the Parquet schema)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    described = columns(sweep)
    frame = pd.DataFrame(table, columns=list(described))
    frame.to_csv(folder / "sweep.csv", index=False, lineterminator="\n")
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [f.with_metadata({"description": described[f.name]}) for f in arrow.schema]
    schema = pa.schema(fields, metadata={b"corridors.sweep": sweep.name.encode()})
    pq.write_table(arrow.cast(schema), folder / "sweep.parquet")
