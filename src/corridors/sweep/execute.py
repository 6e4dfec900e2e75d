"""Running a sweep: every point's runs and searches on one executor, then the table, chart and files.

The scenarios of all points are gathered first (one object per distinct
scenario: a ``compare`` sweep's side without overlays is shared by every
overlay level), so that nothing is simulated twice. Then every replication of
every run is submitted at once and the capacity searches of all scenarios run
interleaved (:func:`corridors.capacity.assess_many`): the executor's workers
stay busy across points. Seeds are per task (a point's seed, plus the
replication), never per worker, so the table is the same file for file
whatever runs it: here, a local Dask cluster or a remote one.
"""

from __future__ import annotations

import time
from pathlib import Path

from corridors import results
from corridors.capacity import assess_many
from corridors.errors import CorridorsError
from corridors.model import RunSpec
from corridors.outdir import staged_dir
from corridors.pipeline import (
    STAGE_FILES,
    STAGE_RUNS,
    STAGE_SEARCH,
    Report,
    count_done,
    replication_specs,
    run_summary,
    search_estimate,
    search_warmup,
)
from corridors.scenario import dump_resolved_yaml
from corridors.simulation.budget import check_budget, estimate_run
from corridors.sweep.chart import draw_sweep
from corridors.sweep.plan import Sweep
from corridors.sweep.table import Found, columns, point_estimates, rows, write_table
from corridors.workers import executor as open_executor


def scenarios(sweep: Sweep) -> list[RunSpec]:
    """Return the distinct scenarios of a sweep's points, in point order (each object once)."""
    seen: dict[int, RunSpec] = {}
    for p in sweep.points:
        for s in (p.before, p.spec):
            if s is not None:
                seen.setdefault(id(s), s)
    return list(seen.values())


def _needs(sweep: Sweep) -> tuple[bool, bool]:
    """Whether the sweep needs full runs, and capacity searches."""
    return sweep.kind in ("run", "compare"), sweep.kind in ("capacity", "compare")


def check_sweep_budget(sweep: Sweep, workers: int) -> None:
    """Refuse a sweep whose runs and searches together exceed the run budget (before anything runs).

    Raises
    ------
    corridors.errors.CorridorsError
        Naming the limit exceeded (:func:`corridors.simulation.budget.check_budget`).
    """
    runs, searches = _needs(sweep)
    specs = scenarios(sweep)
    try:
        _check(sweep, specs, runs, searches, workers)
    except CorridorsError as exc:
        raise CorridorsError(f"{exc}; or fewer points ({sweep.file}: {len(sweep.points)} points, "
                             f"{len(specs)} distinct scenarios)") from None


def _check(sweep: Sweep, specs: list[RunSpec], runs: bool, searches: bool, workers: int) -> None:
    check_budget(*([estimate_run(s, workers=workers) for s in specs] if runs else []),
                 *([search_estimate(s, rounds=sweep.search_rounds, search_days=sweep.search_days, workers=workers)
                    for s in specs] if searches else []))


def _search(sweep: Sweep, specs: list[RunSpec], pool, report: Report | None, found: Found) -> None:
    """Search the capacity of every scenario, those with the same search warm-up together.

    A compare point's overlay side searches with its base side's warm-up, as ``corridors compare`` does.
    """
    warm_of = {id(p.spec): p.before for p in sweep.points if p.before is not None}
    groups: dict[float, list[RunSpec]] = {}
    for s in specs:
        groups.setdefault(search_warmup(warm_of.get(id(s), s), sweep.search_days), []).append(s)
    on_run = None if report is None else (lambda done, total: report(STAGE_SEARCH, done, total))
    for warmup, group in groups.items():
        docs = assess_many(group, executor=pool, rounds=sweep.search_rounds, days=sweep.search_days,
                           warmup_days=warmup, on_run=on_run)
        found.capacities.update({id(s): d for s, d in zip(group, docs, strict=True)})


def _start_runs(specs: list[RunSpec], pool, report: Report | None) -> dict[int, list]:
    """Start every replication of every scenario (on ``pool``, or here one after the other, reported as done)."""
    reps = {id(s): replication_specs(s) for s in specs}
    if pool is not None:
        started = {key: [pool.submit(run_summary, r) for r in rs] for key, rs in reps.items()}
        count_done([f for fs in started.values() for f in fs], STAGE_RUNS, report)
        return started
    total, done = sum(len(rs) for rs in reps.values()), 0
    out = {}
    for key, rs in reps.items():
        out[key] = []
        for r in rs:
            if report is not None:
                report(STAGE_RUNS, done, total)
            out[key].append(run_summary(r))
            done += 1
    if report is not None:
        report(STAGE_RUNS, done, total)
    return out


def run_sweep(sweep: Sweep, folder: Path, *, workers: int = 2, scheduler: str | None = None,
              report: Report | None = None) -> dict:
    """``corridors sweep``: run every point and write the table, the chart and the points' scenarios.

    Parameters
    ----------
    sweep
        The sweep, read by :func:`corridors.sweep.read_sweep`.
    folder
        The result folder (:mod:`corridors.outdir`): ``sweep.parquet``, ``sweep.csv``,
        ``sweep.json``, ``sweep.png`` and ``sweep.svg``, ``points/`` (each point's resolved
        scenario) and ``run.json``.
    workers
        Processes (or Dask workers with ``scheduler="local"``).
    scheduler
        Where the runs go (:func:`corridors.workers.executor`).
    report
        Progress: the runs, the capacity search, the files.

    Returns
    -------
    dict
        What ``sweep.json`` holds (the headline figure per point among it).

    Raises
    ------
    corridors.errors.CorridorsError
        Beyond the run budget, or ``folder`` cannot be written safely.
    """
    check_sweep_budget(sweep, workers)
    runs, searches = _needs(sweep)
    specs = scenarios(sweep)
    found = Found()
    t0 = time.perf_counter()
    with staged_dir(folder) as tmp, open_executor(workers, scheduler) as pool:
        started = _start_runs(specs, pool, report) if runs else {}
        if searches:
            _search(sweep, specs, pool, report, found)
        for key, fs in started.items():
            found.summaries[key] = [f.result() if hasattr(f, "result") else f for f in fs]
        if report is not None:
            report(STAGE_FILES, 0, 1)
        doc = _write(tmp, sweep, rows(sweep, found))
        results.write_json(tmp / "run.json", {**results.run_metadata(sweep.points[0].spec,
                                                                      wall_time_s=time.perf_counter() - t0),
                                              "sweep": sweep.name, "sweep_file": sweep.file,
                                              "sweep_sha256": results.file_sha256(sweep.file),
                                              "overlays": sorted({o for p in sweep.points for o in p.overlays}),
                                              "workers": workers,
                                              "scheduler": scheduler or ("process pool" if workers > 1
                                                                         else "this process")})
    if report is not None:
        report(STAGE_FILES, 1, 1)
    return doc


def _write(tmp: Path, sweep: Sweep, table: list[dict]) -> dict:
    """Write the table, ``sweep.json``, the chart and every point's resolved scenario; return ``sweep.json``."""
    write_table(tmp, sweep, table)
    headline = point_estimates(sweep, table, sweep.headline)
    doc = {
        "sweep": sweep.name, "description": sweep.description, "file": sweep.file, "base": sweep.base,
        "kind": sweep.kind, "varied": list(sweep.varied), "replications": sweep.replications,
        "search": {"rounds": sweep.search_rounds, "days": sweep.search_days} if sweep.kind != "run" else None,
        "metrics": list(sweep.metrics), "headline": sweep.headline,
        "columns": columns(sweep),
        "points": [{"point": p.index, "scenario": p.spec.name, "overlays": list(p.overlays),
                    "overlay_names": p.overlay_names,
                    "demand_scale": p.demand_scale, "settings": dict(p.settings), "seed": p.seed,
                    "headline": h} for p, h in zip(sweep.points, headline, strict=True)],
    }
    results.write_json(tmp / "sweep.json", doc)
    draw_sweep(sweep, headline, tmp)
    (tmp / "points").mkdir()
    for p in sweep.points:
        (tmp / "points" / f"{p.spec.name}.yaml").write_text(dump_resolved_yaml(p.spec), encoding="utf-8")
    return doc
