"""The pipelines behind ``run``, ``capacity`` and ``compare``: the only place that wires stages together.

Each pipeline takes resolved scenarios (:class:`~corridors.model.RunSpec`),
runs the stages (simulation, LP bound, capacity search, comparison), and writes
one result folder through :func:`corridors.outdir.staged_dir`, so the folder
appears whole or not at all. Figures come from :mod:`corridors.viz`; nothing
here prints (the CLI does, through :mod:`corridors.screen`).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from corridors import REGIONS, results
from corridors.outdir import staged_dir

if TYPE_CHECKING:
    from corridors.comparison import CapacityDoc, ComparisonDoc
    from corridors.model import RunSpec
    from corridors.simulation import SimResult

log = logging.getLogger(__name__)


#: ``prctl`` option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1
#: How often a worker checks that the run that started it is still there, in seconds.
_WATCH_INTERVAL_S = 0.5


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a killed run awaiting its reaper)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _die_with(run_pid: int) -> None:
    """Pool initializer: end this worker when the run that started it ends, even by ``kill -9``.

    On Linux the kernel sends SIGTERM when the worker's parent (the
    forkserver, which exits when the run's end of its pipe closes) dies; a
    watchdog thread also ends the worker when its parent changes or the run's
    process is gone, on every platform.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent or not _process_alive(run_pid):
                os._exit(1)  # no one is left to collect this worker's results
            time.sleep(_WATCH_INTERVAL_S)

    threading.Thread(target=watch, name="corridors-run-watch", daemon=True).start()


@contextmanager
def process_pool(workers: int) -> Iterator[Executor | None]:
    """Open a process pool for simulation runs, shut down on exit; ``None`` for one worker.

    Parameters
    ----------
    workers
        Number of worker processes; 1 or fewer runs everything in this process.

    Yields
    ------
    concurrent.futures.Executor or None
        ``forkserver`` workers (safe beside a progress thread), or ``None``.
        The workers end with this process, even when it is killed (``kill -9``):
        none is left running after the run.
    """
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_die_with, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


# --------------------------------------------------------------------------- run


def simulate_replications(spec: RunSpec, *, workers: int = 2,
                          progress: Callable[[float], None] | None = None) -> tuple[SimResult, dict | None]:
    """Simulate ``spec`` once, or ``simulation.replications`` times with seeds seed, seed+1, ...

    Parameters
    ----------
    spec
        The resolved scenario.
    workers
        Processes for the replications (at most one per replication).
    progress
        Called with the simulated day (single run only).

    Returns
    -------
    tuple
        The first replication's :class:`~corridors.simulation.SimResult` (its files are
        written) and, with more than one replication, :func:`corridors.results.replication_stats`
        over all of them (``None`` otherwise).
    """
    from corridors.simulation import simulate

    n = spec.settings.replications
    if n <= 1:
        return simulate(spec, progress=progress), None
    specs = [spec.with_settings(seed=spec.settings.seed + i) for i in range(n)]
    with process_pool(min(workers, n)) as pool:
        runs = list(pool.map(simulate, specs)) if pool else [simulate(s) for s in specs]
    stats = results.replication_stats([results.summary(s, r) for s, r in zip(specs, runs)])
    return runs[0], stats


def run_pipeline(spec: RunSpec, folder: Path, *, workers: int = 2,
                 progress: Callable[[float], None] | None = None) -> tuple[dict, float]:
    """``corridors run``: simulate and write the run folder.

    Parameters
    ----------
    spec
        The resolved scenario.
    folder
        The result folder (checked by :func:`corridors.outdir.check_target`).
    workers, progress
        See :func:`simulate_replications`.

    Returns
    -------
    tuple
        ``summary.json`` as a dict, and the wall time of the simulation in seconds.
    """
    from corridors.simulation.budget import check_budget, estimate_run

    check_budget(estimate_run(spec, workers=workers))
    t0 = time.perf_counter()
    res, stats = simulate_replications(spec, workers=workers, progress=progress)
    wall_s = time.perf_counter() - t0
    return write_run_folder(spec, res, folder, wall_s=wall_s, replications=stats), wall_s


def draw_utilisation_map(spec, secs: list[dict], crossings: list[dict], path: Path, *, title: str) -> None:
    """``map.png``: links coloured by utilisation, the five busiest labelled."""
    from corridors.viz import plot_utilisation, save_figure

    util = {r["id"]: r["utilisation"] for r in [*secs, *crossings] if r["utilisation"] is not None}
    top = sorted(util.items(), key=lambda kv: -kv[1])[:5]
    labels = {lid: f"{spec.network.links[lid].name} {u:.0%}" for lid, u in top if u > 0}
    fig, _ = plot_utilisation(spec.network, util, labels=labels, title=title)
    save_figure(fig, path)


def write_run_folder(spec, res, out: Path, *, wall_s: float, extra_meta: dict | None = None,
                     replications: dict | None = None) -> dict:
    """Write every file of a run into ``out`` atomically (nothing half-written); return the summary."""
    from corridors.scenario import dump_resolved_yaml

    with staged_dir(Path(out)) as tmp:
        secs = results.section_rows(spec, res)
        crossings = results.crossing_rows(spec, res)
        doc = results.write_run(tmp, spec, res, replications=replications, secs=secs, crossings=crossings)
        (tmp / "scenario.resolved.yaml").write_text(dump_resolved_yaml(spec), encoding="utf-8")
        draw_utilisation_map(spec, secs, crossings, tmp / "map.png",
                             title=f"{spec.name}: utilisation of analytic capacity (seed {res.seed})")
        results.write_json(tmp / "run.json", results.run_metadata(spec, wall_time_s=wall_s, extra=extra_meta))
    return doc


def write_capacity_folder(doc: CapacityDoc, out: Path) -> None:
    """``capacity.json`` and ``capacity.csv`` written atomically into ``out``."""
    with staged_dir(Path(out)) as tmp:
        results.write_json(tmp / "capacity.json", doc.to_dict())
        results.write_csv(tmp / "capacity.csv", doc.csv_rows())




# --------------------------------------------------------------------------- capacity / compare


def search_estimate(spec: RunSpec, *, rounds: int, search_days: float, workers: int):
    """Return the up-front size of ``spec``'s capacity search (:func:`corridors.simulation.budget.estimate_search`).

    Parameters
    ----------
    spec
        The resolved scenario.
    rounds, search_days, workers
        As for :func:`capacity_pipeline`.

    Returns
    -------
    corridors.simulation.budget.Estimate
        At most two probes per round, extra rounds included, a region at most at
        :data:`corridors.search.MAX_SCALE` times its demand.
    """
    from corridors.search import EXTRA_ROUNDS, MAX_SCALE
    from corridors.simulation.budget import estimate_search

    return estimate_search(spec, days=search_days, probes_per_search=2 * (rounds + EXTRA_ROUNDS),
                           max_scale=MAX_SCALE, workers=workers)


def capacity_pipeline(spec: RunSpec, folder: Path, *, workers: int = 2, rounds: int = 2,
                      search_days: float = 100.0) -> CapacityDoc:
    """``corridors capacity``: LP bound and simulated capacity per region and direction, written to ``folder``.

    Parameters
    ----------
    spec
        The resolved scenario.
    folder
        The result folder.
    workers
        Processes for the search runs.
    rounds, search_days
        Search rounds and the simulated days of each search run (warm-up included).

    Returns
    -------
    CapacityDoc
        What ``capacity.json`` holds.
    """
    from corridors.comparison import assess_many
    from corridors.simulation.budget import check_budget

    check_budget(search_estimate(spec, rounds=rounds, search_days=search_days, workers=workers))
    warm = min(spec.settings.warmup_days, search_days / 3)
    with process_pool(workers) as pool:
        (doc,) = assess_many([spec], executor=pool, rounds=rounds, days=search_days, warmup_days=warm)
    write_capacity_folder(doc, folder)
    return doc


def compare_pipeline(base_spec: RunSpec, alt_spec: RunSpec, folder: Path, *, workers: int = 2, rounds: int = 2,
                     search_days: float = 100.0, attribute_overlays=()) -> ComparisonDoc:
    """``corridors compare``: both runs, both capacities, the comparison, maps and charts in ``folder``.

    Parameters
    ----------
    base_spec, alt_spec
        The resolved scenarios before and after.
    folder
        The result folder.
    workers, rounds, search_days
        See :func:`capacity_pipeline`.
    attribute_overlays
        Overlay files of ``alt_spec`` to attribute the change to, each alone against ``base_spec`` (LP bound).

    Returns
    -------
    ComparisonDoc
        What ``comparison.json`` holds.
    """
    from corridors.simulation.budget import check_budget, estimate_run

    check_budget(*(estimate_run(s.with_settings(replications=1), workers=workers) for s in (base_spec, alt_spec)),
                 *(search_estimate(s, rounds=rounds, search_days=search_days, workers=workers)
                   for s in (base_spec, alt_spec)))
    with process_pool(workers) as pool:
        return compare_run(base_spec, alt_spec, folder, executor=pool, rounds=rounds, search_days=search_days,
                           attribute_overlays=attribute_overlays)


def link_capacity_values(spec) -> dict[str, float]:
    """Analytic capacity per link in trains/day per direction (both directions for single track)."""
    from corridors.results import capacities

    out = {}
    for lid, cap in capacities(spec).items():
        out[lid] = cap.trains_per_day
    return out


def _arrow_anchor(net, region: str) -> str | None:
    """Pick a gateway to hang a region's arrow on: the outermost one toward the region."""
    used = {n for lk in net.links.values() for n in lk.ends}
    gws = [net.nodes[g] for g in net.gateways(region) if g in used]
    if not gws:
        return None
    key = {"China": lambda n: n.lon, "Europe": lambda n: -n.lon, "Russia": lambda n: n.lat,
           "South Asia": lambda n: -n.lat}[region]
    return max(gws, key=key).id


def draw_compare_maps(base_spec, alt_spec, cmp_doc: ComparisonDoc, folder: Path) -> list[str]:
    """Before/after pair, change map and bar chart, each as PNG and SVG; returns the file names."""
    from corridors.viz import plot_capacity_change, plot_capacity_pair, plot_region_bars, save_figure

    base_vals, alt_vals = link_capacity_values(base_spec), link_capacity_values(alt_spec)
    files = []
    fig, _ = plot_capacity_pair(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                titles=(f"Before: {cmp_doc.base}", f"After: {cmp_doc.alt}"),
                                value_label="Analytic capacity (trains/day per direction)")
    files += [p.name for p in save_figure(fig, folder / "capacity-before-after", formats=("png", "svg"))]
    bottlenecks = sorted({k.bottleneck_after for r in REGIONS for k in cmp_doc.regions[r].values()
                          if k.bottleneck_after})
    arrows = {}
    for r in REGIONS:
        k = cmp_doc.regions[r]["inbound"]
        at = _arrow_anchor(alt_spec.network, r)
        b, a = k.before.simulated_mt, k.after.simulated_mt
        if at and b is not None and a is not None:
            arrows[r] = {"label": f"to {r}: {b:.0f} → {a:.0f} Mt/yr", "at": at}
    fig, _ = plot_capacity_change(base_spec.network, alt_spec.network, base_vals, alt_vals,
                                  bottlenecks=bottlenecks, region_arrows=arrows,
                                  title=f"Capacity change: {cmp_doc.base} → {cmp_doc.alt}")
    files += [p.name for p in save_figure(fig, folder / "capacity-change", formats=("png", "svg"))]
    rows = []
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            k = cmp_doc.regions[r][d]
            if k.before.simulated_mt is None and k.after.simulated_mt is None:
                continue
            rows.append({"region": r, "direction": d, "before": k.before.simulated_mt or 0.0,
                         "after": k.after.simulated_mt or 0.0})
    fig, _ = plot_region_bars(rows, title="Simulated capacity per region and direction, before and after")
    files += [p.name for p in save_figure(fig, folder / "capacity-bars", formats=("png", "svg"))]
    return files


def compare_run(base_spec, alt_spec, folder: Path, *, executor=None, rounds: int = 2, search_days: float = 100.0,
                attribute_overlays=()) -> ComparisonDoc:
    """Everything ``corridors compare`` writes, into ``folder`` atomically; returns comparison.json."""
    from corridors.bound import region_bounds
    from corridors.comparison import assess_many, attribution_rows, compare_docs
    from corridors.simulation import simulate

    t0 = time.perf_counter()
    futures = None
    if executor is not None:
        futures = [executor.submit(simulate, s) for s in (base_spec, alt_spec)]
    # Serial work of this process overlaps the two runs in the pool.
    project_bounds = {Path(ov).stem: region_bounds(_base_plus(base_spec, ov)) for ov in attribute_overlays}
    warm = min(base_spec.settings.warmup_days, search_days / 3)
    base_cap, alt_cap = assess_many([base_spec, alt_spec], executor=executor, rounds=rounds,
                                    days=search_days, warmup_days=warm)
    if futures:
        base_res, alt_res = (f.result() for f in futures)
    else:
        base_res, alt_res = simulate(base_spec), simulate(alt_spec)
    attribution = attribution_rows(base_cap, project_bounds, alt_cap) if project_bounds else []
    wall = time.perf_counter() - t0
    with staged_dir(Path(folder)) as tmp:
        doc = compare_docs(base_cap, alt_cap, results.summary(base_spec, base_res), results.summary(alt_spec, alt_res))
        jobs = [(base_spec, base_res, tmp / "base"), (alt_spec, alt_res, tmp / "alt")]
        if executor is not None:  # the two run folders are written by the pool while the maps are drawn here
            writes = [executor.submit(write_run_folder, s, r, f, wall_s=wall) for s, r, f in jobs]
        else:
            writes = [write_run_folder(s, r, f, wall_s=wall) for s, r, f in jobs]
        results.write_json(tmp / "capacity-before.json", base_cap.to_dict())
        results.write_json(tmp / "capacity-after.json", alt_cap.to_dict())
        results.write_json(tmp / "comparison.json", doc.to_dict())
        results.write_csv(tmp / "comparison.csv", doc.csv_rows())
        if attribution:
            results.write_csv(tmp / "attribution.csv", [row.to_dict() for row in attribution])
        draw_compare_maps(base_spec, alt_spec, doc, tmp)
        for w in writes:
            if executor is not None:
                w.result()
        results.write_json(tmp / "run.json", {
            **results.run_metadata(alt_spec, wall_time_s=time.perf_counter() - t0),
            "base": base_spec.name, "alt": alt_spec.name, "search_rounds": rounds, "search_days": search_days,
            "attributed_overlays": [str(p) for p in attribute_overlays],
        })
    return doc


def _base_plus(base_spec: RunSpec, overlay: Path) -> RunSpec:
    """``base_spec``'s scenario file with one overlay applied, composed in memory."""
    from corridors.errors import CorridorsError
    from corridors.scenario import compose

    if not base_spec.source_files:
        raise CorridorsError("the base scenario has no source file to extend for attribution")
    return compose(Path(base_spec.source_files[0]).resolve(), Path(overlay).resolve(),
                   name=f"{base_spec.name}-plus-{Path(overlay).stem}", description="attribution run")
