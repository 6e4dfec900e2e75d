"""Checking the model against history: run what the figures need, compare, write the table.

Every scenario named by a simulated figure runs its replications once (all of
them at once on the executor); each figure is measured on every replication
and its mean compared with the observation under the tolerance the file
fixed beforehand. Analytic figures need no run. The result is a table of
observed against model with pass or fail, the calibration and test figures
in separate parts, written as JSON, CSV and the Markdown section of
``docs/validation.md`` between its two markers.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from corridors.history.measure import analytic, measure_run
from corridors.history.observed import SETS, SIMULATED, Observation, Observed, ObservedError
from corridors.model import RunSpec
from corridors.pipeline import replication_specs
from corridors.simulation.budget import check_budget, estimate_run
from corridors.statistics import Estimate, estimate
from corridors.workers import executor as open_executor

log = logging.getLogger(__name__)

#: The lines between which ``--docs`` writes the table into a Markdown file.
BEGIN, END = "<!-- check-history:begin -->", "<!-- check-history:end -->"


@dataclass(frozen=True)
class Outcome:
    """One figure against the model.

    Attributes
    ----------
    figure
        The observation.
    model
        The model's value: mean over replications and its 95 % interval
        (analytic figures: one value, no interval); None when the model gave
        no value (no train measured).
    passed
        Whether the model's mean is within the tolerance; None without a value.
    """

    figure: Observation
    model: Estimate | None
    passed: bool | None


def scenarios_for(observed: Observed, *, fast: bool) -> dict[str, RunSpec]:
    """Return the file's scenarios, with the file's replications (fast: its short horizon and replications)."""
    if fast:
        return {name: spec.with_settings(days=observed.fast_days, warmup_days=observed.fast_warmup_days,
                                         replications=observed.fast_replications)
                for name, spec in observed.specs.items()}
    return {name: spec.with_settings(replications=observed.replications) for name, spec in observed.specs.items()}


def check_history(observed: Observed, *, fast: bool = False, workers: int = 1,
                  scheduler: str | None = None) -> list[Outcome]:
    """Compare every figure (``fast``: only those marked ``fast``) with the model.

    Parameters
    ----------
    observed
        The figures (:func:`corridors.history.read_observed`).
    fast
        The test suite's version: only the ``fast`` figures, on the file's
        short horizon and replications.
    workers, scheduler
        Where the replications run (:func:`corridors.workers.executor`).

    Returns
    -------
    list of Outcome
        In the file's order.
    """
    specs = scenarios_for(observed, fast=fast)
    figures = tuple(f for f in observed.observations if f.fast or not fast)
    if not figures:
        raise ObservedError([f"{observed.path}:1: observations: got no figure with fast: true, expected at least "
                             "one for the fast version"], "the observed figures")
    by_scenario: dict[str, tuple[Observation, ...]] = {}
    for f in figures:
        if f.model.quantity in SIMULATED:
            by_scenario[f.model.scenario] = (*by_scenario.get(f.model.scenario, ()), f)
    # the run budget of every run together, before anything is simulated (as every command)
    check_budget(*(estimate_run(specs[name], workers=workers) for name in by_scenario))
    values: dict[str, list] = {}
    tasks = [(name, rep) for name in by_scenario for rep in replication_specs(specs[name])]
    if tasks:
        with open_executor(min(workers, len(tasks)), scheduler) as pool:
            started = [pool.submit(measure_run, rep, by_scenario[name]) if pool else
                       measure_run(rep, by_scenario[name]) for name, rep in tasks]
            for fut in started:
                for fid, v in (fut.result() if pool else fut).items():
                    values.setdefault(fid, []).append(v)
    out = []
    for f in figures:
        if f.model.quantity in SIMULATED:
            est = estimate(values.get(f.id, []))
        else:
            est = Estimate(analytic(specs[f.model.scenario], f.model), None, None, 1)
        out.append(Outcome(f, est, None if est is None else f.tolerance.passes(est.mean, f.value)))
    return out


def _num(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:,.0f}"


def _model_text(o: Outcome) -> str:
    if o.model is None:
        return "no value"
    if o.model.low is None:
        return _num(o.model.mean)
    return f"{_num(o.model.mean)} ({_num(o.model.low)}–{_num(o.model.high)})"


def _verdict(o: Outcome) -> str:
    return {True: "pass", False: "**fail**", None: "no value"}[o.passed]


def markdown(outcomes: list[Outcome], *, fast: bool, replications: int) -> str:
    """Return the tables of observed against model, calibration and test figures apart.

    Parameters
    ----------
    outcomes
        From :func:`check_history`.
    fast
        Whether they came from the fast version (said in the heading).
    replications
        Replications of each simulated figure (said in the heading).
    """
    n_pass = sum(o.passed is True for o in outcomes)
    n_test = sum(o.figure.set == "test" for o in outcomes)
    reps = (f"mean over {replications} replications (95 % interval)" if replications > 1
            else "one replication (no interval)")
    lines = [f"{len(outcomes)} figures ({len(outcomes) - n_test} calibration, {n_test} test), {n_pass} within "
             f"their tolerance. Simulated figures: {reps}{'; fast version (short horizon)' if fast else ''}. "
             "Produced by `corridors check-history`."]
    for which in SETS:
        rows = [o for o in outcomes if o.figure.set == which]
        if not rows:
            continue
        title = {"calibration": "Calibration figures (2022–2023: parameters may be set from these)",
                 "test": "Test figures (other years: nothing is set from these)"}[which]
        lines += ["", f"### {title}", "",
                  "| id | what is measured | year | observed | model | tolerance | result | note |",
                  "|---|---|---|---|---|---|---|---|"]
        for o in rows:
            f = o.figure
            note = " ".join(x for x in (f.note, f"*Why it fails:* {f.fails}" if f.fails and o.passed is False else "")
                            if x)
            cells = (f.id, f.measures, f.year, f"{_num(f.value)} {f.unit}", _model_text(o),
                     f.tolerance.text(f.unit), _verdict(o), note)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def as_records(outcomes: list[Outcome]) -> list[dict]:
    """Return one plain row per figure (``history.json`` / ``history.csv``)."""
    rows = []
    for o in outcomes:
        f = o.figure
        rows.append({"id": f.id, "set": f.set, "measures": f.measures, "year": f.year, "observed": f.value,
                     "unit": f.unit, "quantity": f.model.quantity, "scenario": f.model.scenario,
                     "model_mean": None if o.model is None else o.model.mean,
                     "model_ci95_low": None if o.model is None else o.model.low,
                     "model_ci95_high": None if o.model is None else o.model.high,
                     "replications": 0 if o.model is None else o.model.n,
                     "tolerance": f.tolerance.text(f.unit), "passed": o.passed, "why_it_fails": f.fails or None,
                     "source": f.source})
    return rows


def write_outputs(folder: Path, outcomes: list[Outcome], *, fast: bool, replications: int) -> None:
    """Write ``history.json``, ``history.csv`` and ``history.md`` into ``folder``."""
    rows = as_records(outcomes)
    (folder / "history.json").write_text(json.dumps({"fast": fast, "figures": rows}, indent=2,
                                                    ensure_ascii=False) + "\n", encoding="utf-8")
    with open(folder / "history.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["id"])
        w.writeheader()
        w.writerows(rows)
    (folder / "history.md").write_text(markdown(outcomes, fast=fast, replications=replications), encoding="utf-8")


_BETWEEN = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


#: Largest Markdown file ``--docs`` reads (a device or a huge file is refused, not read).
MAX_DOC_BYTES = 5_000_000


def check_docs(doc: Path) -> str:
    """Return the text of the Markdown file ``doc`` if the table can be written into it (checked before any run).

    Raises
    ------
    ObservedError
        ``doc`` is not a regular, readable and writable UTF-8 file of at most
        :data:`MAX_DOC_BYTES`, or does not hold exactly one pair of markers.
    """
    def refuse(why: str) -> ObservedError:
        return ObservedError([f"{doc}: {why}"], "the documentation file")

    real = doc.resolve()  # a symbolic link is followed: the file it names is the one rewritten
    if not real.is_file():
        raise refuse("No such file" if not real.exists() else "not a regular file, expected a Markdown file")
    if real.stat().st_size > MAX_DOC_BYTES:
        raise refuse(f"larger than {MAX_DOC_BYTES:,} bytes, expected a Markdown page")
    if not os.access(real, os.W_OK) or not os.access(real.parent, os.W_OK | os.X_OK):
        raise refuse("not writable (the file or its folder), expected a file the table can be written into")
    try:
        with open(real, encoding="utf-8", newline="") as fh:  # newline="": CRLF files stay CRLF
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise refuse(f"{why}, expected a readable UTF-8 Markdown file") from None
    if text.count(BEGIN) != 1 or text.count(END) != 1 or not _BETWEEN.search(text):
        raise ObservedError([f"{doc}:1: expected the lines {BEGIN} and {END} around the table to replace, "
                             "once each"], "the documentation file")
    return text


def write_docs(doc: Path, table: str) -> None:
    """Replace the text between :data:`BEGIN` and :data:`END` in the Markdown file ``doc`` with ``table``.

    Raises
    ------
    ObservedError
        From :func:`check_docs` (nothing is written).
    """
    text = check_docs(doc)
    pattern = _BETWEEN
    real = doc.resolve()
    newline = "\r\n" if "\r\n" in text else "\n"
    body = f"{BEGIN}\n{table}{END}".replace("\n", newline)
    tmp = real.with_name(f".{real.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(pattern.sub(lambda _: body, text))
        shutil.copymode(real, tmp)
        os.replace(tmp, real)  # whole or not at all
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ObservedError([f"{doc}: {exc.strerror or exc}, expected a writable file"],
                            "the documentation file") from None
