"""Command-line interface: ``corridors network | validate | show | run | timeline | capacity | compare | sweep | check-history | brief``.

The CLI only parses arguments, configures logging, orchestrates the stages and
maps errors to exit codes: a :class:`~corridors.errors.CorridorsError` prints
its message and exits 1 (click keeps 2 for usage errors). Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import re
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from corridors import SEARCH_DAYS, __version__
from corridors.errors import CorridorsError
from corridors.progress import Reporter
from corridors.workers import LOCAL_CLUSTER, PROCESS_POOL, machine_workers, scheduler_for

log = logging.getLogger(__name__)
#: Width of the tables when the output is not a terminal: a pipe or a log file keeps whole names.
PIPED_WIDTH = 400


def _console(stream, stderr: bool) -> Console:
    """Return a console for ``stream``: user text is data (no :codes: turned into emoji); wide when not a terminal."""
    tty = bool(getattr(stream, "isatty", None) and stream.isatty())
    return Console(stderr=stderr, emoji=False, width=None if tty else PIPED_WIDTH)


console = _console(sys.stdout, stderr=False)
err_console = _console(sys.stderr, stderr=True)


def _friendly(fn):
    """Turn user errors into a message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CorridorsError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
            sys.exit(1)
        except KeyboardInterrupt:
            # a result folder being written is discarded on the way out (outdir.staged_dir)
            err_console.print("interrupted", highlight=False)
            sys.exit(130)

    return wrapper


@click.group()
@click.version_option(__version__, prog_name="corridors")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Simulate freight corridors: capacity, throughput and transit times per region."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Dask sets up its own loggers (at INFO) when first imported, from this setting: ours instead
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", logging.getLevelName(level).lower())


class _FiniteRange(click.FloatRange):
    """A float option between two bounds that refuses ``inf`` and ``nan`` (``FloatRange`` lets ``nan`` through)."""

    name = "number"

    def convert(self, value, param, ctx):
        """Convert ``value`` to a finite float inside the range, or fail with a usage error."""
        rv = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number, expected a number in {self._describe_range()}", param, ctx)
        return super().convert(rv, param, ctx)


class _ShortIntRange(click.IntRange):
    """An integer option in a range whose text is at most 20 characters (a 5,000-digit number is refused unread)."""

    def convert(self, value, param, ctx):
        """Convert ``value`` to an int inside the range, or fail with a usage error."""
        if isinstance(value, str) and len(value.strip()) > 20:
            self.fail(f"got a number of {len(value.strip())} characters, expected an integer in "
                      f"{self._describe_range()}", param, ctx)
        return super().convert(value, param, ctx)


#: A Dask scheduler's address: ``[protocol://]host:port``.
_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+):\d{1,5}$")


def _scheduler_address(ctx, param, value: str | None) -> str | None:
    """Check ``--scheduler``: ``local``, ``pool`` or ``[protocol://]host:port`` (a usage error otherwise)."""
    if value is None or value in (LOCAL_CLUSTER, PROCESS_POOL) or _ADDRESS.match(value):
        return value
    raise click.BadParameter(f"{value!r}: expected 'local', 'pool' or a Dask scheduler address such as "
                             "tcp://host:8786")


#: ``--quiet``: no progress display.
_QUIET_HELP = ("Show no progress. Without it: bars on a terminal; elsewhere one line per stage and every 30 s "
               "(runs done, time spent and left).")
#: ``--scheduler``: where the runs go (corridors.workers.executor).
_SCHEDULER_HELP = ("Where the simulations run. Not given: a Dask cluster of --workers processes here ('local'), "
                   "or with --workers 1 this process. An address (tcp://host:8786): a running Dask scheduler "
                   "(its workers need corridors installed). 'pool': a plain process pool here. Results are "
                   "identical either way.")
#: ``--workers``: processes here (Dask workers of the local cluster, or of the pool).
_WORKERS_HELP = "Parallel simulation processes here (default: this machine's cores, at most 8)."
#: ``--days`` and ``--search-days``: as ``simulation.days`` in a scenario (one day to ten years).
DAYS = _FiniteRange(1, 3650)
#: ``--seed``: as ``simulation.seed`` (numpy's 32-bit seeds).
SEED = _ShortIntRange(0, 2**32 - 1)
#: ``--replications``: as ``simulation.replications``.
REPLICATIONS = _ShortIntRange(1, 1000)
_REPLICATIONS_HELP = ("Independent runs (seeds seed, seed+1, ...) of every run and of every load the capacity search "
                      "probes; overrides simulation.replications. Figures get 95 % intervals from them.")


# --------------------------------------------------------------------------- network


@main.command("network")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--map", "map_file", type=click.Path(dir_okay=False), help="Draw the network to PNG/SVG/PDF.")
@click.option("--export", "export_file", type=click.Path(dir_okay=False), help="Write nodes and links to a GeoPackage.")
@_friendly
def network_cmd(file: str | None, map_file: str | None, export_file: str | None) -> None:
    """Check and summarise a network file (default: the shipped reference network)."""
    from corridors.network import default_network_path, read_network

    from corridors.screen import network_summary_tables

    net = read_network(file or default_network_path())
    for table in network_summary_tables(net):
        console.print(table)
    if map_file:
        from corridors.viz import plot_network, save_figure

        fig, _ = plot_network(net, title=f"{net.name} rail and transit network ({net.as_of})")
        save_figure(fig, map_file)
        console.print(f"map written to {escape(map_file)}")
    if export_file:
        from corridors.network import to_gdfs

        from corridors.results import fix_gpkg_timestamps

        out = Path(export_file).resolve()  # through a symbolic link, as a plain write would go
        if out.suffix.lower() != ".gpkg":
            raise CorridorsError(f"--export {export_file}: expected a file name ending in .gpkg")
        if not out.parent.is_dir() or not os.access(out.parent, os.W_OK | os.X_OK):
            raise CorridorsError(f"--export {export_file}: {out.parent} is not a folder that can be written")
        nodes, links = to_gdfs(net)
        # written beside the target and moved in whole: an existing export is replaced only once the new one is complete
        fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".partial.gpkg", dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        tmp.unlink()  # GDAL creates the file itself
        try:
            nodes.to_file(tmp, layer="nodes", driver="GPKG")
            links.to_file(tmp, layer="links", driver="GPKG")
            fix_gpkg_timestamps(tmp)
            tmp.replace(out)
        except OSError as exc:
            raise CorridorsError(f"--export {export_file}: cannot write: {exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
        console.print(f"GeoPackage written to {escape(export_file)} (layers: nodes, links)")


# --------------------------------------------------------------------------- scenarios


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_friendly
def validate_cmd(files: tuple[str, ...]) -> None:
    """Check scenario files without running them; exit 0 when all are clean."""
    from corridors.scenario import validate_file

    bad = 0
    for f in files:
        problems = validate_file(f)
        if problems:
            bad += 1
            err_console.print(f"[red]{escape(f)}: {len(problems)} problem(s)[/]", highlight=False)
            for p in problems:
                err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        else:
            console.print(f"{escape(f)}: ok", highlight=False)
    if bad:
        sys.exit(1)


@main.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@_friendly
def show_cmd(file: str) -> None:
    """Print the fully resolved scenario (after extends and changes) as YAML."""
    from corridors.scenario import dump_resolved_yaml

    click.echo(dump_resolved_yaml(file), nl=False)


# --------------------------------------------------------------------------- run


def _load(scenario: str, seed: int | None, days: float | None, replications: int | None = None):
    from corridors.scenario import load_scenario

    spec = load_scenario(scenario)
    if days is not None:
        if days <= spec.settings.warmup_days:
            raise CorridorsError(f"--days {days:g} must exceed the warm-up of {spec.settings.warmup_days:g} days")
        spec = load_scenario(scenario, days=days)  # seasons re-expanded over the new horizon
    if replications is not None:
        spec = spec.with_settings(replications=replications)
    return spec.with_settings(seed=seed) if seed is not None else spec


@contextlib.contextmanager
def _day_progress(spec):
    """Show a progress bar over simulated days (on a terminal only); yield the engine's callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(), console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as prog:
        task = prog.add_task(escape(spec.name), total=spec.settings.days)
        yield lambda day: prog.update(task, completed=day)


@main.command("run")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default outputs/<scenario name>/).")
@click.option("--seed", type=SEED, help="Override the scenario's seed.")
@click.option("--days", type=DAYS, help="Override the simulated days (warm-up included), 1 to 3650.")
@click.option("--replications", type=REPLICATIONS, help=_REPLICATIONS_HELP)
@click.option("--workers", type=click.IntRange(1, 64), default=machine_workers(), show_default=True,
              help=_WORKERS_HELP)
@click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address, help=_SCHEDULER_HELP)
@click.option("--trace", is_flag=True,
              help="Also write trace.csv.gz and trace-links.csv: every train's pass through every link and yard "
                   "(block by block on single track), for 'corridors timeline'. First replication only.")
@click.option("-q", "--quiet", is_flag=True, help=_QUIET_HELP)
@_friendly
def run_cmd(scenario: str, out: str | None, seed: int | None, days: float | None,
            replications: int | None, workers: int, scheduler: str | None, trace: bool, quiet: bool) -> None:
    """Simulate SCENARIO and write its results."""
    from corridors.pipeline import run_pipeline
    from corridors.screen import print_run_summary

    spec = _load(scenario, seed, days, replications)
    folder = _target(out, spec.name)
    n = spec.settings.replications
    if n > 1:
        with Reporter(err_console, quiet=quiet) as report:
            doc, wall = run_pipeline(spec, folder, workers=workers, scheduler=scheduler_for(scheduler, workers),
                                     report=report, trace=trace)
    elif err_console.is_terminal and not quiet:
        with _day_progress(spec) as progress:
            doc, wall = run_pipeline(spec, folder, progress=progress, trace=trace)
    else:
        days = int(spec.settings.days)
        with Reporter(err_console, quiet=quiet) as report:
            doc, wall = run_pipeline(spec, folder, progress=lambda day: report("simulation", int(day), days, "days"),
                                     trace=trace)
    print_run_summary(console, doc)
    console.print(f"results written to {escape(str(folder))}/ ({wall:.1f} s simulated time {spec.settings.days:g} days)")


# --------------------------------------------------------------------------- timeline


@main.command("timeline")
@click.argument("run_dir", type=click.Path())
@click.option("--line", required=True, metavar="ID[,ID...]",
              help="Link ids separated by commas, in the order a train passes them (each may be run either way); "
                   "distance is measured along them from the first.")
@click.option("--from", "from_day", required=True, metavar="DAY",
              help="First day of the window (day 0 is 1 January of the first simulated year; fractions allowed).")
@click.option("--days", required=True, metavar="N", help="Length of the window, days (> 0).")
@click.option("--out", type=click.Path(),
              help="File stem: writes STEM.png and STEM.svg (default "
                   "RUN_DIR/timeline-<first node>-<last node>-day<DAY>-<N>d).")
@_friendly
def timeline_cmd(run_dir: str, line: str, from_day: str, days: str, out: str | None) -> None:
    """Draw the time-space diagram of a line: every train's distance along it against time (PNG and SVG).

    RUN_DIR is the folder of 'corridors run SCENARIO --trace'. Flat stretches are trains standing: in a passing loop
    (a meet, or waiting for the block ahead), at a station or in a yard; waits for crossings and yards are shaded.
    """
    from corridors.timeline import write_timeline

    done = write_timeline(run_dir, line, from_day, days, out)
    console.print(f"{escape(done.title)} ({done.trains} trains)", highlight=False)
    for p in done.files:
        console.print(f"written {escape(str(p))}", highlight=False)


# --------------------------------------------------------------------------- capacity / compare


def _target(out: str | None, default_name: str) -> Path:
    """Return a command's result folder, checked before anything is simulated (see :mod:`corridors.outdir`)."""
    from corridors.outdir import check_target

    folder = Path(out) if out else Path("outputs") / default_name
    check_target(folder)
    return folder


_search_options = [
    click.option("--rounds", type=click.IntRange(1, 8), default=2, show_default=True,
                 help="Refinement rounds of the capacity search after its first loads (the scenario's demand and "
                      "the LP scaling): each probes one load at the practical capacity found so far."),
    click.option("--replications", type=REPLICATIONS, help=_REPLICATIONS_HELP),
    click.option("--search-days", type=DAYS, default=SEARCH_DAYS, show_default=True,
                 help="Simulated days of each search run (warm-up included)."),
    click.option("--workers", type=click.IntRange(1, 64), default=machine_workers(), show_default=True,
                 help=_WORKERS_HELP),
    click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address, help=_SCHEDULER_HELP),
    click.option("-q", "--quiet", is_flag=True, help=_QUIET_HELP),
]


def _with_search_options(fn):
    for opt in reversed(_search_options):
        fn = opt(fn)
    return fn


@main.command("capacity")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default outputs/capacity-<name>/).")
@click.option("--seed", type=SEED, help="Override the scenario's seed.")
@_with_search_options
@_friendly
def capacity_cmd(scenario, out, seed, rounds, replications, search_days, workers, scheduler, quiet) -> None:
    """Capacity to and from each region: LP bound, practical capacity, maximum throughput, bottlenecks."""
    from corridors.pipeline import capacity_pipeline
    from corridors.screen import print_capacity

    spec = _load(scenario, seed, None, replications)
    folder = _target(out, f"capacity-{spec.name}")
    with Reporter(err_console, quiet=quiet) as report:
        doc = capacity_pipeline(spec, folder, workers=workers, rounds=rounds, search_days=search_days,
                                scheduler=scheduler_for(scheduler, workers), report=report)
    print_capacity(console, doc)
    console.print(f"capacity written to {escape(str(folder))}/")


@main.command("compare")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("alt", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default outputs/compare-<base>-vs-<alt>/).")
@click.option("--seed", type=SEED, help="Override both scenarios' seed.")
@click.option("--attribute/--no-attribute", default=True, show_default=True,
              help="Attribute the change to each overlay of ALT (each alone against BASE, LP bound).")
@click.option("--attribute-capacity/--no-attribute-capacity", default=False, show_default=True,
              help="Also attribute the practical capacity where ALT changes it significantly: one capacity search "
                   "per overlay alone, paired with BASE (about doubles the run time).")
@_with_search_options
@_friendly
def compare_cmd(base, alt, out, seed, attribute, attribute_capacity, rounds, replications, search_days,
                workers, scheduler, quiet) -> None:
    """Run BASE and ALT, find their capacities and write the comparison, maps and charts."""
    from corridors.pipeline import compare_pipeline
    from corridors.scenario import direct_overlays
    from corridors.screen import print_comparison

    if attribute_capacity and not attribute:
        raise click.UsageError("--attribute-capacity needs the attribution: drop --no-attribute")
    base_spec, alt_spec = _load(base, seed, None, replications), _load(alt, seed, None, replications)
    folder = _target(out, f"compare-{base_spec.name}-vs-{alt_spec.name}")
    with Reporter(err_console, quiet=quiet) as report:
        doc = compare_pipeline(base_spec, alt_spec, folder, workers=workers, rounds=rounds, search_days=search_days,
                               replications=replications, attribute_overlays=direct_overlays(alt) if attribute else [],
                               attribute_capacity=attribute_capacity, scheduler=scheduler_for(scheduler, workers),
                               report=report)
    print_comparison(console, doc)
    console.print(f"comparison written to {escape(str(folder))}/")


# --------------------------------------------------------------------------- sweep


@main.command("sweep")
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default outputs/sweep-<name>/).")
@click.option("--workers", type=click.IntRange(1, 64), default=machine_workers(), show_default=True,
              help=_WORKERS_HELP)
@click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address, help=_SCHEDULER_HELP)
@click.option("--dry-run", is_flag=True, help="Check the file, list the points and check the run budget; run nothing.")
@click.option("-q", "--quiet", is_flag=True, help=_QUIET_HELP)
@_friendly
def sweep_cmd(sweep_file: str, out: str | None, workers: int, scheduler: str | None, dry_run: bool,
              quiet: bool) -> None:
    """Run every point of SWEEP_FILE (a base scenario and what varies) into one table and chart."""
    from corridors.screen import print_sweep
    from corridors.sweep import check_sweep_budget, read_sweep, run_sweep

    sweep = read_sweep(sweep_file)
    if dry_run:
        check_sweep_budget(sweep, workers)
        console.print(f"{escape(sweep.file)}: {len(sweep.points)} {sweep.kind} points x {sweep.replications} "
                      f"replications, varying {', '.join(sweep.varied) or 'nothing'}; within the run budget",
                      highlight=False)
        for p in sweep.points:
            console.print(f"  {p.spec.name}: overlays {escape(p.overlay_names)}, demand x{p.demand_scale:g}, "
                          f"seed {p.seed}" + "".join(f", {escape(k)}={escape(json.dumps(v))}" for k, v in p.settings),
                          highlight=False)
        return
    folder = _target(out, f"sweep-{sweep.name}")
    with Reporter(err_console, quiet=quiet) as report:
        doc = run_sweep(sweep, folder, workers=workers, scheduler=scheduler_for(scheduler, workers), report=report)
    print_sweep(console, doc)
    console.print(f"sweep written to {escape(str(folder))}/")


# --------------------------------------------------------------------------- check-history


@main.command("check-history")
@click.argument("observed_file", default="validation/observed.yaml", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default outputs/history/).")
@click.option("--docs", "docs_file", type=click.Path(dir_okay=False),
              help="Also put the table into this Markdown file, between its check-history markers "
                   "(docs/validation.md).")
@click.option("--fast", is_flag=True, help="Only the figures marked fast, on the file's short horizon "
                                          "(the test suite's version).")
@click.option("--workers", type=click.IntRange(1, 64), default=machine_workers(), show_default=True,
              help=_WORKERS_HELP)
@click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address, help=_SCHEDULER_HELP)
@_friendly
def check_history_cmd(observed_file: str, out: str | None, docs_file: str | None, fast: bool, workers: int,
                      scheduler: str | None) -> None:
    """Compare the model with the observed figures of OBSERVED_FILE (default validation/observed.yaml)."""
    from corridors.history import check_docs, check_history, markdown, read_observed, write_docs, write_outputs
    from corridors.outdir import staged_dir

    if fast and docs_file:
        raise click.UsageError("--docs writes the full table; with --fast it would be replaced by the fast subset. "
                               "Drop one of the two options.")
    observed = read_observed(observed_file)
    if docs_file:
        check_docs(Path(docs_file))
    folder = _target(out, "history")
    reps = observed.fast_replications if fast else observed.replications
    with staged_dir(folder) as tmp:  # the folder's lock before the runs; nothing left behind if they fail
        with err_console.status("running the scenarios the figures need ..."):
            outcomes = check_history(observed, fast=fast, workers=workers,
                                     scheduler=scheduler_for(scheduler, workers))
        write_outputs(tmp, outcomes, fast=fast, replications=reps)
        if docs_file:  # before the folder is published: a failure leaves neither
            write_docs(Path(docs_file), markdown(outcomes, fast=fast, replications=reps))
    console.print(markdown(outcomes, fast=fast, replications=reps), highlight=False, markup=False)
    console.print(f"written to {escape(str(folder))}/" + (f" and {escape(docs_file)}" if docs_file else ""))


# --------------------------------------------------------------------------- brief


@main.command("brief")
@click.argument("result_dir", type=click.Path())
@click.option("--format", "formats", default="html,md,pdf", show_default=True,
              help="Comma-separated output formats: html, md, pdf (pdf needs headless Chromium).")
@click.option("--out", type=click.Path(),
              help="Output file (its extension is replaced per format) or folder (default RESULT_DIR/brief.*).")
@_friendly
def brief_cmd(result_dir: str, formats: str, out: str | None) -> None:
    """Write a policy brief (HTML, Markdown, PDF) from a compare or run folder; nothing is simulated again."""
    from corridors.brief import write_brief

    with err_console.status("writing the brief ..."):
        files = write_brief(result_dir, formats=formats, out=out)
    for p in files:
        console.print(f"written {escape(str(p))}", highlight=False)


if __name__ == "__main__":  # python -m corridors.cli
    main()
