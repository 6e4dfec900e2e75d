"""The pipelines behind ``run``, ``capacity`` and ``compare``: the only place that wires stages together.

Each pipeline takes resolved scenarios (:class:`~corridors.model.RunSpec`),
checks the run's size against its budget, takes the result folder (its staging
folder is the lock: a second run aimed at the same folder fails at once, before
simulating), runs the stages (simulation, LP bound, capacity search,
comparison) and publishes the folder whole (:func:`corridors.outdir.staged_dir`).
Figures come from :mod:`corridors.figures`; nothing here prints (the CLI does,
through :mod:`corridors.screen`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corridors import SEARCH_DAYS, results
from corridors.bound import region_bounds, route_split
from corridors.capacity import CapacityDoc, assess_many
from corridors.comparison import (
    ComparisonDoc,
    ProjectCapacity,
    attributed_regions,
    attribution_rows,
    compare_docs,
)
from corridors.daily import daily_balances
from corridors.disruption import effects, episodes, summary_doc, undisturbed
from corridors.errors import CorridorsError
from corridors.figures import draw_backlog, draw_compare_maps, draw_curves, draw_queues, draw_utilisation_map
from corridors.model import RunSpec
from corridors.outdir import staged_dir
from corridors.scenario import compose, dump_resolved_yaml
from corridors.search import FIRST_LOADS, MAX_SCALE, REFINE_ROUNDS, search_many
from corridors.simulation import SimResult, flow_routes, simulate
from corridors.simulation.budget import Estimate, check_budget, estimate_run, estimate_search
from corridors.trace import write_trace
from corridors.workers import executor as open_executor

log = logging.getLogger(__name__)

#: ``report(stage, done, total)``: a long command's progress, for the CLI's display. ``total``
#: is what the stage can still need at most (a capacity search stops early where it can).
Report = Callable[[str, int, int], None]
#: Stages a command reports.
STAGE_REPLICATIONS = "replications"
STAGE_RUNS = "scenario runs"
STAGE_SEARCH = "capacity search"
STAGE_PROJECTS = "each project alone"
STAGE_FILES = "maps and files"


def _tell(report: Report | None, stage: str, done: int, total: int) -> None:
    if report is not None:
        report(stage, done, total)


def _stage(report: Report | None, stage: str) -> Callable[[int, int], None] | None:
    """``on_run(done, total)`` of a search, reported as ``stage``."""
    return None if report is None else (lambda done, total: report(stage, done, total))


def count_done(started: list, stage: str, report: Report | None) -> None:
    """Report ``stage`` as each of ``started`` (futures, or values already there) finishes.

    Futures' callbacks run in the executor's own thread; the report must be thread-safe.
    """
    if report is None:
        return
    lock = threading.Lock()
    done = [0]

    def one(future=None) -> None:
        if future is not None and future.cancelled():
            return  # never ran (an interrupted command): not a finished run
        with lock:
            done[0] += 1
            report(stage, done[0], len(started))

    report(stage, 0, len(started))
    for f in started:
        if hasattr(f, "add_done_callback"):
            f.add_done_callback(one)
        else:
            one()


# --------------------------------------------------------------------------- run


def replication_specs(spec: RunSpec, replications: int | None = None) -> list[RunSpec]:
    """``spec`` once per replication, with the seeds ``seed, seed + 1, ...``.

    Parameters
    ----------
    spec
        The resolved scenario.
    replications
        How many (default: ``simulation.replications``).

    Returns
    -------
    list of RunSpec
        Replication ``i`` has seed ``seed + i`` and ``replications = 1``.
    """
    n = replications or spec.settings.replications
    return [spec.with_settings(seed=spec.settings.seed + i, replications=1) for i in range(n)]


def simulate_scenario(spec: RunSpec, progress: Callable[[float], None] | None = None,
                      trace: bool = False) -> SimResult:
    """Simulate ``spec`` under its routing rule: adaptive, or the LP's route shares (``operations.routing``).

    Parameters
    ----------
    spec
        The resolved scenario.
    progress
        Called with the simulated day once a day.
    trace
        Record every train's passages (:func:`corridors.simulation.simulate`).

    Returns
    -------
    SimResult
    """
    if spec.operations.routing != "assigned":
        return simulate(spec, progress=progress, trace=trace)
    routes = flow_routes(spec)
    return simulate(spec, progress=progress, routes=routes, split=route_split(spec, routes), trace=trace)


@dataclass(frozen=True)
class Observed:
    """One run kept whole, with what its undisturbed twin tells about its disruptions.

    Attributes
    ----------
    simulated
        The run (not named ``result``: futures are told from values by their ``result`` method).
    undisturbed
        The twin's daily balances (:func:`corridors.daily.daily_balances`), for
        ``timeseries.csv``; ``None`` without disruptions.
    disruption
        ``summary.json``'s ``disruption`` block (:func:`corridors.disruption.summary_doc`); ``None`` without.
    """

    simulated: SimResult
    undisturbed: list | None = None
    disruption: dict | None = None

    def summary(self, spec: RunSpec) -> dict:
        """Build this run's ``summary.json``."""
        return results.summary(spec, self.simulated, self.disruption)


def observe(spec: RunSpec, progress: Callable[[float], None] | None = None, trace: bool = False) -> Observed:
    """Simulate ``spec`` and, when it has closures or slowdowns, its undisturbed twin (same seed).

    The twin doubles the cost of a disrupted run; it is what the backlog, the
    time to recover and the delays are measured against (:mod:`corridors.disruption`).
    ``trace`` traces the run (never the twin).
    """
    res = simulate_scenario(spec, progress=progress, trace=trace)
    if not episodes(spec):
        return Observed(res)
    log.info("%s: simulating the undisturbed twin (no closures or slowdowns, seed %d)", spec.name,
             spec.settings.seed)
    twin = simulate_scenario(undisturbed(spec))
    return Observed(res, daily_balances(spec, twin), summary_doc(spec, effects(spec, res, twin)))


def run_summary(spec: RunSpec) -> dict:
    """Simulate ``spec`` (and its twin, when disrupted) and keep only its ``summary.json``."""
    return observe(spec).summary(spec)


def start_replications(spec: RunSpec, executor: Executor | None, replications: int | None = None,
                       trace: bool = False) -> list:
    """Start every replication of ``spec``: the first returns its :class:`SimResult`, the others their summaries.

    Parameters
    ----------
    spec
        The resolved scenario.
    executor
        Runs them in parallel; ``None`` runs them here, now.
    replications
        How many (default: ``simulation.replications``).
    trace
        Trace the first replication (:func:`simulate_scenario`).

    Returns
    -------
    list
        Futures (or, without an executor, the values): the first replication's
        :class:`Observed`, then one ``summary.json`` dict per
        other replication. Only the first is kept whole, so memory does not grow
        with replications.
    """
    specs = replication_specs(spec, replications)
    if executor is None:
        return [observe(specs[0], None, trace), *(run_summary(s) for s in specs[1:])]
    return [executor.submit(observe, specs[0], None, trace), *(executor.submit(run_summary, s) for s in specs[1:])]


def finish_replications(spec: RunSpec, started: list, replications: int | None = None) -> tuple[Observed, list[dict]]:
    """Collect what :func:`start_replications` started.

    Returns
    -------
    tuple
        The first replication (:class:`Observed`) and every replication's ``summary.json``, in order.
    """
    done = [f.result() if hasattr(f, "result") else f for f in started]
    first_spec = replication_specs(spec, replications)[0]
    return done[0], [done[0].summary(first_spec), *done[1:]]


def simulate_replications(spec: RunSpec, *, workers: int = 2, replications: int | None = None,
                          progress: Callable[[float], None] | None = None, scheduler: str | None = None,
                          report: Report | None = None, trace: bool = False) -> tuple[Observed, dict | None]:
    """Simulate ``spec`` once, or once per replication with seeds seed, seed+1, ...

    Parameters
    ----------
    spec
        The resolved scenario.
    workers
        Processes for the replications (at most one per replication).
    replications
        How many (default: ``simulation.replications``).
    progress
        Called with the simulated day (single run only).
    scheduler
        Where the replications run (:func:`corridors.workers.executor`): ``None``
        for this machine's process pool, ``"local"`` or a Dask scheduler's address.
    report
        Progress of the replications (:data:`Report`, stage :data:`STAGE_REPLICATIONS`).
    trace
        Trace the first replication (its passages, for ``trace.csv.gz``).

    Returns
    -------
    tuple
        The first replication (:class:`Observed`; its files are
        written) and, with more than one replication, :func:`corridors.results.replication_stats`
        over all of them (``None`` otherwise).
    """
    n = replications or spec.settings.replications
    if n <= 1:
        return observe(spec.with_settings(replications=1), progress=progress, trace=trace), None
    with open_executor(min(workers, n), scheduler) as pool:
        started = start_replications(spec, pool, n, trace=trace)
        count_done(started, STAGE_REPLICATIONS, report)
        first, sums = finish_replications(spec, started, n)
    return first, results.replication_stats(sums)


def run_pipeline(spec: RunSpec, folder: Path, *, workers: int = 2, replications: int | None = None,
                 progress: Callable[[float], None] | None = None, scheduler: str | None = None,
                 report: Report | None = None, trace: bool = False) -> tuple[dict, float]:
    """``corridors run``: simulate and write the run folder.

    Parameters
    ----------
    spec
        The resolved scenario.
    folder
        The result folder (see :mod:`corridors.outdir`).
    workers, replications, progress, scheduler, report
        See :func:`simulate_replications`.
    trace
        Also write the first replication's trace (``trace.csv.gz`` and
        ``trace-links.csv``, :mod:`corridors.trace`).

    Returns
    -------
    tuple
        ``summary.json`` as a dict, and the wall time of the simulation in seconds.

    Raises
    ------
    corridors.errors.CorridorsError
        The run is beyond the budget, or ``folder`` cannot be written safely.
    """
    if replications:
        spec = spec.with_settings(replications=replications)
    check_budget(estimate_run(spec, workers=workers, trace=trace))
    with staged_dir(folder) as tmp:
        t0 = time.perf_counter()
        res, stats = simulate_replications(spec, workers=workers, progress=progress, scheduler=scheduler,
                                           report=report, trace=trace)
        wall_s = time.perf_counter() - t0
        doc = write_run_files(tmp, spec, res, wall_s=wall_s, replications=stats)
        if trace:
            write_trace(tmp, spec, res.simulated.passages)
    return doc, wall_s


def write_run_files(out: Path, spec: RunSpec, run: Observed, *, wall_s: float,
                    replications: dict | None = None) -> dict:
    """Write every file of one run into the folder ``out`` (created if missing).

    Parameters
    ----------
    out
        A staging folder (or a sub-folder of one): the caller publishes it.
    spec, run
        The scenario and its run (with its twin's figures when disrupted).
    wall_s
        Wall time of the run, seconds (for ``run.json``).
    replications
        :func:`corridors.results.replication_stats`, when the scenario asked for several.

    Returns
    -------
    dict
        ``summary.json``.
    """
    out.mkdir(parents=True, exist_ok=True)
    res = run.simulated
    secs = results.section_rows(spec, res)
    crossings = results.crossing_rows(spec, res)
    doc = results.write_run(out, spec, res, replications=replications, secs=secs, crossings=crossings,
                            undisturbed=run.undisturbed, disruption=run.disruption)
    (out / "scenario.resolved.yaml").write_text(dump_resolved_yaml(spec), encoding="utf-8")
    draw_utilisation_map(spec, secs, crossings, out / "map.png",
                         title=f"{spec.name}: utilisation of analytic capacity (seed {res.seed})",
                         yards=results.yard_rows(spec, res))
    draw_backlog(daily_balances(spec, res), run.undisturbed, episodes(spec), out / "backlog.png",
                 warmup_days=spec.settings.warmup_days,
                 title=f"{spec.name}: trains in the network, day by day (seed {res.seed})")
    draw_queues(spec, res, episodes(spec), out / "queues.png",
                title=f"{spec.name}: trains waiting at the busiest elements, day by day (seed {res.seed})")
    results.write_json(out / "run.json", results.run_metadata(spec, wall_time_s=wall_s))
    return doc


# --------------------------------------------------------------------------- capacity / compare


def search_estimate(spec: RunSpec, *, rounds: int, search_days: float, workers: int,
                    replications: int | None = None, regions: set[tuple[str, str]] | None = None) -> Estimate:
    """Return the up-front size of ``spec``'s capacity search (:func:`corridors.simulation.budget.estimate_search`).

    Parameters
    ----------
    spec
        The resolved scenario.
    rounds, search_days, workers, replications
        As for :func:`capacity_pipeline`.
    regions
        ``(region, direction)`` pairs searched (default: every one).

    Returns
    -------
    corridors.simulation.budget.Estimate
        Every load the search may probe (its own first ones, the refinements and
        one for the maximum throughput, and the run at demand that every region
        shares) times the replications, a region at
        most at :data:`corridors.search.MAX_SCALE` times its demand.
    """
    n = replications or spec.settings.replications
    # first loads of a search's own: the LP's (FIRST_LOADS, both when below demand); the run at demand is shared
    return estimate_search(spec, days=search_days, probes_per_search=n * (len(FIRST_LOADS) + rounds + 1),
                           max_scale=MAX_SCALE, workers=workers, regions=regions, shared_runs=n)


def search_warmup(spec: RunSpec, search_days: float) -> float:
    """Return the warm-up of a scenario's search runs, days: the scenario's, at most a third of their horizon."""
    return min(spec.settings.warmup_days, search_days / 3)


def capacity_pipeline(spec: RunSpec, folder: Path, *, workers: int = 2, rounds: int = REFINE_ROUNDS,
                      search_days: float = SEARCH_DAYS, replications: int | None = None,
                      scheduler: str | None = None, report: Report | None = None) -> CapacityDoc:
    """``corridors capacity``: LP bound and simulated capacities per region and direction, written to ``folder``.

    Parameters
    ----------
    spec
        The resolved scenario.
    folder
        The result folder.
    workers
        Processes for the search runs.
    rounds, search_days
        Refinement rounds and the simulated days of each search run (warm-up included).
    replications
        Runs per load (default: ``simulation.replications``).
    scheduler
        Where the runs go (:func:`corridors.workers.executor`; ``None``: this machine's process pool).
    report
        Progress (:data:`Report`): the search's runs, then the files.

    Returns
    -------
    CapacityDoc
        What ``capacity.json`` holds.

    Raises
    ------
    corridors.errors.CorridorsError
        The search is beyond the budget, or ``folder`` cannot be written safely.
    """
    if replications:
        spec = spec.with_settings(replications=replications)
    check_budget(search_estimate(spec, rounds=rounds, search_days=search_days, workers=workers))
    with staged_dir(folder) as tmp, open_executor(workers, scheduler) as pool:
        (doc,) = assess_many([spec], executor=pool, rounds=rounds, days=search_days,
                             warmup_days=search_warmup(spec, search_days), on_run=_stage(report, STAGE_SEARCH))
        _tell(report, STAGE_FILES, 0, 1)
        results.write_json(tmp / "capacity.json", doc.to_dict())
        results.write_csv(tmp / "capacity.csv", doc.csv_rows())
        results.write_csv(tmp / "curves.csv", doc.curve_rows())
        draw_curves([doc], tmp)
    _tell(report, STAGE_FILES, 1, 1)
    return doc


def compare_pipeline(base_spec: RunSpec, alt_spec: RunSpec, folder: Path, *, workers: int = 2,
                     rounds: int = REFINE_ROUNDS, search_days: float = SEARCH_DAYS, replications: int | None = None,
                     attribute_overlays=(), attribute_capacity: bool = False,
                     scheduler: str | None = None, report: Report | None = None) -> ComparisonDoc:
    """``corridors compare``: both scenarios' runs and capacities, the paired comparison, maps and charts in ``folder``.

    Parameters
    ----------
    base_spec, alt_spec
        The resolved scenarios before and after.
    folder
        The result folder.
    workers, rounds, search_days, scheduler, report
        See :func:`capacity_pipeline`; ``report`` hears of the scenario runs, the
        capacity search, the projects' searches and the files.
    replications
        Runs of each scenario and runs per load of each search, the same seeds
        on both sides (default: the larger ``simulation.replications`` of the
        two). ALT always runs with BASE's seed, so that the replications pair,
        and is judged on BASE's service level.
    attribute_overlays
        Overlay files of ``alt_spec`` to attribute the change to, each alone against ``base_spec`` (LP bound).
    attribute_capacity
        Also attribute the practical capacity: for every region whose practical
        capacity the projects together change significantly, a capacity search
        of base + each overlay alone on the base's seeds, paired with the base.

    Returns
    -------
    ComparisonDoc
        What ``comparison.json`` holds.

    Raises
    ------
    corridors.errors.CorridorsError
        The runs are beyond the budget, or ``folder`` cannot be written safely.
    """
    # Paired differences need the same replications and the same seeds on both sides.
    n = replications or max(base_spec.settings.replications, alt_spec.settings.replications)
    if alt_spec.settings.seed != base_spec.settings.seed:
        log.info("%s runs with the seed of %s (%d, not %d): a comparison pairs its replications", alt_spec.name,
                 base_spec.name, base_spec.settings.seed, alt_spec.settings.seed)
    base_spec = base_spec.with_settings(replications=n)
    # ... and one definition of practical capacity on both sides
    alt_spec = alt_spec.with_settings(replications=n, seed=base_spec.settings.seed,
                                      service_level_wait_share=base_spec.settings.service_level_wait_share)
    projects = {Path(ov).stem: _base_plus(base_spec, ov) for ov in attribute_overlays}
    # The projects' searches are checked once their regions are known (_over_project_budget).
    stages = [*(estimate_run(s, workers=workers) for s in (base_spec, alt_spec)),
              *(search_estimate(s, rounds=rounds, search_days=search_days, workers=workers)
                for s in (base_spec, alt_spec))]
    check_budget(*stages)
    with staged_dir(folder) as tmp, open_executor(workers, scheduler) as pool:
        return _compare_into(tmp, base_spec, alt_spec, executor=pool, rounds=rounds, search_days=search_days,
                             projects=projects, attribute_capacity=attribute_capacity,
                             overlays=[str(p) for p in attribute_overlays], stages=stages, workers=workers,
                             report=report)


def _compare_into(tmp: Path, base_spec: RunSpec, alt_spec: RunSpec, *, executor: Executor | None, rounds: int,
                  search_days: float, projects: dict[str, RunSpec], attribute_capacity: bool,
                  overlays: list[str], stages: list[Estimate], workers: int,
                  report: Report | None = None) -> ComparisonDoc:
    """Run and write everything of a comparison into the staging folder ``tmp``."""
    t0 = time.perf_counter()
    started = [start_replications(s, executor) for s in (base_spec, alt_spec)]
    count_done([f for fs in started for f in fs], STAGE_RUNS, report)
    # Serial work of this process overlaps the runs in the pool.
    project_bounds = {name: region_bounds(spec) for name, spec in projects.items()}
    base_cap, alt_cap = assess_many([base_spec, alt_spec], executor=executor, rounds=rounds,
                                    days=search_days, warmup_days=search_warmup(base_spec, search_days),
                                    on_run=_stage(report, STAGE_SEARCH))
    (base_res, base_sums), (alt_res, alt_sums) = (finish_replications(s, f) for s, f in zip((base_spec, alt_spec),
                                                                                            started))
    doc = compare_docs(base_cap, alt_cap, base_sums, alt_sums, base_spec=base_spec, alt_spec=alt_spec)
    regions = attributed_regions(doc) if attribute_capacity and projects else []
    skipped = regions and _over_project_budget(stages, list(projects.values()), set(regions), rounds, search_days,
                                               workers)
    if skipped:
        regions = []
    project_caps = (project_capacities(base_spec, projects, project_bounds, regions, executor=executor,
                                       rounds=rounds, search_days=search_days,
                                       on_run=_stage(report, STAGE_PROJECTS)) if regions else None)
    _tell(report, STAGE_FILES, 0, 1)
    attribution = (attribution_rows(base_cap, project_bounds, alt_cap, project_caps, doc) if project_bounds
                   else [])
    wall = time.perf_counter() - t0
    stats = [results.replication_stats(sums) if len(sums) > 1 else None for sums in (base_sums, alt_sums)]
    # the folders hold the first replication (seed = the scenario's seed) and every replication's statistics
    jobs = [(tmp / "base", base_spec, base_res, stats[0]), (tmp / "alt", alt_spec, alt_res, stats[1])]
    # The two run folders are written by the local pool while the maps are drawn here; a Dask
    # cluster's workers may not share this machine's disk, so there they are written here.
    writes = ([executor.submit(write_run_files, *job[:3], wall_s=wall, replications=job[3]) for job in jobs]
              if isinstance(executor, ProcessPoolExecutor) else None)
    if writes is None:
        for job in jobs:
            write_run_files(*job[:3], wall_s=wall, replications=job[3])
    results.write_json(tmp / "capacity-before.json", base_cap.to_dict())
    results.write_json(tmp / "capacity-after.json", alt_cap.to_dict())
    results.write_json(tmp / "comparison.json", doc.to_dict())
    results.write_csv(tmp / "comparison.csv", doc.csv_rows())
    results.write_csv(tmp / "curves.csv", base_cap.curve_rows() + alt_cap.curve_rows())
    if attribution:
        names = tuple(projects) if attribute_capacity else ()
        results.write_csv(tmp / "attribution.csv", [row.to_dict(names) for row in attribution])
    draw_compare_maps(base_spec, alt_spec, doc, tmp)
    draw_curves([base_cap, alt_cap], tmp)
    for w in writes or ():
        w.result()
    results.write_json(tmp / "run.json", {
        **results.run_metadata(alt_spec, wall_time_s=time.perf_counter() - t0),
        "base": base_spec.name, "alt": alt_spec.name, "search_rounds": rounds, "search_days": search_days,
        "replications": base_spec.settings.replications,
        "attributed_overlays": overlays,
        "attributed_capacity_regions": [f"{r} {d}" for r, d in regions],
        "attributed_capacity_skipped": skipped or None,
    })
    _tell(report, STAGE_FILES, 1, 1)
    return doc


def _base_plus(base_spec: RunSpec, overlay: Path) -> RunSpec:
    """``base_spec``'s scenario file with one overlay applied, composed in memory, on ``base_spec``'s settings.

    The seed, replications and service level are the base's, so a project's
    searches pair with the base's.
    """
    if not base_spec.source_files:
        raise CorridorsError("the base scenario has no source file to extend for attribution")
    st = base_spec.settings
    # source_files lists the extends chain first and the scenario's own file last
    spec = compose(Path(base_spec.source_files[-1]).resolve(), Path(overlay).resolve(),
                   name=f"{base_spec.name}-plus-{Path(overlay).stem}", description="attribution run")
    return spec.with_settings(seed=st.seed, replications=st.replications,
                              service_level_wait_share=st.service_level_wait_share)


def _over_project_budget(stages: list[Estimate], specs: list[RunSpec], regions: set[tuple[str, str]], rounds: int,
                         search_days: float, workers: int) -> str | None:
    """Say why the projects' searches of ``regions``, after ``stages``, exceed the run budget (then skipped), else ``None``."""
    try:
        check_budget(*stages, *(search_estimate(s, rounds=rounds, search_days=search_days, workers=workers, regions=regions)
                       for s in specs))
    except CorridorsError as exc:
        log.warning("practical capacity not attributed to each project: %s", exc)
        return str(exc)
    return None


def project_capacities(base_spec: RunSpec, projects: dict[str, RunSpec], project_bounds: dict,
                       regions: list[tuple[str, str]], *, executor: Executor | None, rounds: int,
                       search_days: float, on_run: Callable[[int, int], None] | None = None,
                       ) -> dict[str, dict[tuple[str, str], ProjectCapacity]]:
    """Search the practical capacity of ``regions`` with each project alone, on the base's seeds.

    Parameters
    ----------
    base_spec
        The base scenario (its search warm-up is used).
    projects
        Project name -> base + that project (:func:`_base_plus`).
    project_bounds
        Project name -> its :func:`corridors.bound.region_bounds`.
    regions
        ``(region, direction)`` pairs to search.
    executor, rounds, search_days
        As for :func:`compare_pipeline`.
    on_run
        Progress of the searches' runs (:func:`corridors.search.search_many`).

    Returns
    -------
    dict
        Project name -> ``{(region, direction): ProjectCapacity}``.
    """
    keys = [(name, r, d) for name in projects for r, d in regions]
    found = search_many([(projects[name], project_bounds[name][r][d]) for name, r, d in keys], rounds=rounds,
                        days=search_days, warmup_days=search_warmup(base_spec, search_days), executor=executor,
                        on_run=on_run)
    out: dict[str, dict[tuple[str, str], ProjectCapacity]] = {name: {} for name in projects}
    for (name, r, d), sc in zip(keys, found):
        out[name][(r, d)] = ProjectCapacity(tuple(round(x, 3) for x in sc.practical_by_replication_mt),
                                            sc.held_at_all)
    return out
