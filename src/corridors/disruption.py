"""What a closure or slowdown costs: backlog, time to recover, delayed trains, against an undisturbed twin.

A run of a scenario with disruptions is compared with its **undisturbed
twin**: the same scenario and seed without any closure or slowdown. Demand
is drawn from streams of its own per flow (:mod:`corridors.simulation.streams`),
so both runs generate the same trains at the same times, train ``i`` of one
is train ``i`` of the other, and every difference is the disruption's
(dwell draws at an element the disruption reorders go to other trains, which
is the noise the tolerance below absorbs).

Definitions (per group: the network, and each market and direction)
--------------------------------------------------------------------
backlog
    Trains (and tonnes) in the network at a day's end above the twin's on the
    same day: ``excess(d) = in_network(d) - in_network_twin(d)``.
episode
    Overlapping or touching disruption intervals merged into one
    ``[start_day, end_day)``.
peak backlog
    The largest ``excess(d)`` from an episode's start until the next one
    starts (or the run ends); the Mt figure is the largest tonnage excess.
normal band
    The twin's own backlog plus a tolerance ``tol``: the 95th percentile of the
    twin's day-to-day change ``|in_network_twin(d) - in_network_twin(d-1)|`` over
    the measured days (how much the backlog moves on an ordinary day; 0 for
    deterministic service).
time to recover
    Days from the episode's end until the first day's end from which
    ``excess <= tol`` holds for :data:`HOLD_DAYS` days in a row (only the end
    of the run may cut the stretch short); ``None`` when that does not happen
    before the next episode starts or the run ends, and for an episode that
    lasts to the end of the run (``ongoing``); both said in words. For one element with deterministic
    service at ``mu`` trains a day, arrivals at ``lambda < mu`` and a closure
    of ``N`` days this is ``lambda N / (mu - lambda)``, the peak ``lambda N``
    (``tests/test_disruption.py`` checks both).
delayed trains
    Trains whose time in the network (generation to delivery, or to the end of
    the run) is more than :data:`DELAY_MIN_H` longer than in the twin; trains
    refused in either run are left out (they have no time in the network).
extra train-hours
    The sum of that difference over the same trains (negative parts included:
    a train the disruption sped up, by taking queues off its way, counts less).
extra refused
    Trains refused at entry in the run beyond those refused in the twin.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace

import numpy as np

from corridors import REGIONS
from corridors.availability import merge_spans
from corridors.daily import DailyBalance, daily_balances
from corridors.elements import flow_label
from corridors.model import RunSpec
from corridors.simulation import HOURS_PER_DAY, SimResult
from corridors.statistics import estimate

#: Days in a row the backlog must stay within its normal band to count as recovered.
HOLD_DAYS = 7
#: A train is "delayed" when its time in the network exceeds the twin's by more than this, hours.
DELAY_MIN_H = 1.0
#: Percentile of the twin's daily change that sets the normal band's tolerance.
BAND_PERCENTILE = 95.0


def undisturbed(spec: RunSpec) -> RunSpec:
    """Return ``spec`` without its closures and slowdowns (same network, demand, rules and seed)."""
    return replace(spec, disruptions=())


def episodes(spec: RunSpec) -> list[tuple[float, float]]:
    """Merge the scenario's disruption intervals into episodes ``(start_day, end_day)``, in time order.

    Intervals that overlap or touch (one ends the day another starts) form one
    episode; intervals past the end of the run are clipped to it and dropped
    when nothing is left.
    """
    return merge_spans(((d.start_day, d.end_day) for d in spec.disruptions), spec.settings.days)


@dataclass(frozen=True)
class Effect:
    """A disruption's effect on one group (the network, or one market and direction).

    Attributes
    ----------
    market, direction
        As in :class:`~corridors.daily.DailyBalance`.
    tolerance_trains
        The normal band's tolerance above the twin's backlog, trains.
    episodes
        Per episode: ``start_day``, ``end_day``, ``peak_backlog_trains``, ``peak_day``,
        ``peak_backlog_mt`` (the backlog's tonnage on the peak day), ``recovery_days`` (``None``: not
        recovered in the window), ``ongoing`` (the episode lasts to the end of the run).
    delayed_trains, delayed_kt, extra_train_hours, extra_refused
        Train by train against the twin (see the module docstring).
    """

    market: str
    direction: str
    tolerance_trains: float
    episodes: tuple[dict, ...]
    delayed_trains: int
    delayed_kt: float
    extra_train_hours: float
    extra_refused: int

    @property
    def touched(self) -> bool:
        """Whether the disruption touched this group: a peak backlog above the tolerance, or more refusals.

        Delays alone are not enough: reordered service delays a few trains everywhere.
        """
        return self.worst["peak_backlog_trains"] > self.tolerance_trains or self.extra_refused > 0

    @property
    def worst(self) -> dict:
        """The episode with the largest peak backlog (the first among equals)."""
        return max(self.episodes, key=lambda e: (e["peak_backlog_trains"], -e["start_day"]))

    def to_dict(self) -> dict:
        """Return this effect as plain JSON-ready data, its worst episode's figures at the top."""
        w = self.worst
        return {"market": self.market, "direction": self.direction,
                "peak_backlog_trains": w["peak_backlog_trains"], "peak_backlog_mt": w["peak_backlog_mt"],
                "peak_day": w["peak_day"], "recovery_days": w["recovery_days"], "ongoing": w["ongoing"],
                "touched": self.touched, "delayed_trains": self.delayed_trains, "delayed_kt": self.delayed_kt,
                "extra_train_hours": self.extra_train_hours, "extra_refused": self.extra_refused,
                "tolerance_trains": self.tolerance_trains, "episodes": list(self.episodes)}


def _tolerance(twin: DailyBalance, warmup_days: float) -> float:
    """Return the 95th percentile of the twin's day-to-day change of trains in the network, measured days only."""
    first = min(int(math.ceil(warmup_days)), len(twin.in_network) - 1)
    # the change into the first measured day-end counts too: start from the day-end before it
    steps = np.abs(np.diff(twin.in_network[max(first - 1, 0):]))
    return float(np.percentile(steps, BAND_PERCENTILE)) if len(steps) else 0.0


def _episode(excess: np.ndarray, excess_kt: np.ndarray, tol: float, start: float, end: float,
             until: float, run_days: float) -> dict:
    """Peak and recovery of one episode ``[start, end)`` whose window runs until day ``until`` (exclusive).

    The window holds the day-ends ``d`` with ``start < d <= until`` (day-end
    ``d`` is index ``d - 1``). Recovery needs :data:`HOLD_DAYS` day-ends in a
    row within the band, all inside the window; only the end of the run may
    cut that stretch short. An episode that lasts to the end of the run has
    no recovery (``ongoing`` is true).
    """
    days = len(excess)
    lo, hi = int(math.floor(start)), min(int(math.floor(until + 1e-9)), days)
    window = excess[lo:hi]
    k = int(np.argmax(window)) if len(window) else 0
    peak = int(window[k]) if len(window) else 0
    ongoing = end >= run_days - 1e-9
    recovery = None
    first = int(math.ceil(end - 1e-9))  # the first day-end at or after the episode's end
    for d in range(max(first, 1), 0 if ongoing else hi + 1):
        stretch = excess[d - 1:min(d - 1 + HOLD_DAYS, hi)]
        long_enough = len(stretch) == HOLD_DAYS or d - 1 + len(stretch) >= days  # or it reaches the run's end
        if long_enough and np.all(stretch <= tol + 1e-9):
            recovery = round(d - end, 3)
            break
    return {"start_day": start, "end_day": end, "peak_backlog_trains": max(peak, 0),
            "peak_day": lo + k + 1 if peak > 0 else None,
            "peak_backlog_mt": round(max(float(excess_kt[lo + k]), 0.0) / 1e3, 4) if peak > 0 else 0.0,
            "recovery_days": recovery, "ongoing": ongoing}


def _time_in_network_h(res: SimResult) -> dict[int, tuple[float, str, float]]:
    """Per train id: hours in the network (to delivery or to the end of the run), status, tonnes."""
    end_h = res.sim_days * HOURS_PER_DAY
    out = {}
    for t in res.trains:
        if t.status == "refused":
            out[t.train_id] = (0.0, t.status, t.tonnes)
        else:
            stop = t.arrived_h if t.status == "delivered" else end_h
            out[t.train_id] = (stop - t.generated_h, t.status, t.tonnes)
    return out


def same_trains(res: SimResult, twin: SimResult) -> bool:
    """Whether the two runs generated the same trains (flow and time, id by id)."""
    return len(res.trains) == len(twin.trains) and all(
        a.flow == b.flow and a.generated_h == b.generated_h for a, b in zip(res.trains, twin.trains))


def effects(spec: RunSpec, res: SimResult, twin: SimResult) -> list[Effect]:
    """Measure the disruption's effect on the network and on each market and direction.

    Parameters
    ----------
    spec
        The disrupted scenario (its disruptions give the episodes).
    res, twin
        The run and its undisturbed twin's run (:func:`undisturbed`, same seed).

    Returns
    -------
    list of Effect
        The network first, then the markets in :data:`~corridors.REGIONS` order; empty when the
        scenario has no disruption within the run.

    Raises
    ------
    ValueError
        If the two runs did not generate the same trains (not twins).
    """
    eps = episodes(spec)
    if not eps:
        return []
    if not same_trains(res, twin):
        raise ValueError("the run and its undisturbed twin generated different trains; they are not twins")
    mine, theirs = _time_in_network_h(res), _time_in_network_h(twin)
    twins = {(b.market, b.direction): b for b in daily_balances(spec, twin)}
    out = []
    for b in daily_balances(spec, res):
        u = twins[(b.market, b.direction)]
        excess, excess_kt = b.in_network - u.in_network, b.in_network_kt - u.in_network_kt
        tol = _tolerance(u, spec.settings.warmup_days)
        bounds = [a for a, _ in eps[1:]] + [spec.settings.days]
        per = tuple(_episode(excess, excess_kt, tol, a, e, until, spec.settings.days)
                    for (a, e), until in zip(eps, bounds))
        # a train refused in either run has no time in the network to compare: it counts under extra_refused only
        extra = [(mine[i][0] - theirs[i][0], mine[i][2]) for i in sorted(b.train_ids)
                 if mine[i][1] != "refused" and theirs[i][1] != "refused"]
        delayed = [(dh, t) for dh, t in extra if dh > DELAY_MIN_H]
        refused = (sum(1 for i in b.train_ids if mine[i][1] == "refused")
                   - sum(1 for i in b.train_ids if theirs[i][1] == "refused"))
        out.append(Effect(b.market, b.direction, round(tol, 3), per, len(delayed),
                          round(sum(t for _, t in delayed) / 1e3, 3), round(sum(dh for dh, _ in extra), 1),
                          refused))
    return out


def summary_doc(spec: RunSpec, found: list[Effect]) -> dict | None:
    """Build the ``disruption`` block of ``summary.json`` (``None`` for a scenario without disruptions).

    ``network`` holds the network's figures (worst episode at the top, every
    episode under ``episodes``); ``markets`` the same for every market and
    direction with flows, each saying whether the disruption ``touched`` it
    (:attr:`Effect.touched`).
    """
    if not found:
        return None
    return {"definition": "backlog and delays against the undisturbed twin (same seed, no disruptions); "
                          f"recovered when the backlog stays within the twin's plus its {BAND_PERCENTILE:g}th "
                          f"percentile day-to-day change for {HOLD_DAYS} days; delayed = over {DELAY_MIN_H:g} h "
                          "longer in the network (trains refused in either run left out)",
            "episodes": [{"start_day": a, "end_day": b} for a, b in episodes(spec)],
            "network": found[0].to_dict(), "markets": [e.to_dict() for e in found[1:]]}


#: Figures of a ``disruption`` block given with intervals over replications.
FIGURE_KEYS = ("peak_backlog_trains", "peak_backlog_mt", "recovery_days", "delayed_trains", "delayed_kt",
               "extra_train_hours", "extra_refused")


def replication_figures(blocks: list[dict]) -> dict:
    """Mean and 95 % half-width of each group's figures over replications (``replications.disruption``).

    Parameters
    ----------
    blocks
        Each replication's ``disruption`` block (:func:`summary_doc`), in replication order.

    Returns
    -------
    dict
        ``{"n", "network": G, "markets": [G, ...]}`` with ``G`` = ``{"market", "direction", "<key>": {"mean",
        "ci95"}, ..., "recovered_in", "ongoing_in", "touched_in"}`` for every key of :data:`FIGURE_KEYS`. The
        time to recover is averaged over the replications that recovered (``recovered_in`` of them).
    """
    def group(recs: list[dict]) -> dict:
        out = {"market": recs[0]["market"], "direction": recs[0]["direction"]}
        for k in FIGURE_KEYS:
            e = estimate([r[k] for r in recs])
            out[k] = None if e is None else {"mean": round(e.mean, 4),
                                             "ci95": None if e.low is None else round((e.high - e.low) / 2, 4)}
        out["recovered_in"] = sum(r["recovery_days"] is not None for r in recs)
        out["ongoing_in"] = sum(bool(r.get("ongoing")) for r in recs)
        out["touched_in"] = sum(bool(r.get("touched", True)) for r in recs)
        return out

    keys = sorted({(m["market"], m["direction"]) for b in blocks for m in b["markets"]},
                  key=lambda md: (REGIONS.index(md[0]) if md[0] in REGIONS else 99, md[1]))
    markets = [group([m for b in blocks for m in b["markets"] if (m["market"], m["direction"]) == key])
               for key in keys]
    return {"n": len(blocks), "network": group([b["network"] for b in blocks]), "markets": markets}


def figures(doc: dict) -> tuple[int, dict, list[dict]]:
    """Return the disruption figures a reader is shown: over replications when there are several, else the run's.

    Parameters
    ----------
    doc
        A run's ``summary.json`` with a ``disruption`` block.

    Returns
    -------
    tuple
        ``(n, network, markets)``: the number of replications, then groups as in
        :func:`replication_figures` (one run: each figure's ``mean`` is the run's own, ``ci95`` ``None``), the
        markets only those the disruption touched in at least one replication, highest peak first.
    """
    reps = (doc.get("replications") or {}).get("disruption")
    if not reps:
        reps = replication_figures([doc["disruption"]])
    touched = [m for m in reps["markets"] if m["touched_in"] > 0]
    touched.sort(key=lambda m: -(m["peak_backlog_trains"] or {}).get("mean", 0.0))
    return reps["n"], reps["network"], touched


def day_date(day: float) -> str:
    """Return the calendar date of simulation day ``day`` (day 0 is 1 January; a year of 365 days), e.g. ``12 Sep``."""
    d = datetime.date(2023, 1, 1) + datetime.timedelta(days=int(math.floor(day)) % 365)
    return f"{d.day} {d:%b}"


def _figure(stats: dict | None, nd: int, scale: float = 1.0) -> str:
    """Write a figure ``{"mean", "ci95"}`` (times ``scale``) with its 95 % interval when it has one."""
    if not stats or stats.get("mean") is None:
        return "–"
    text = f"{stats['mean'] * scale:,.{nd}f}"
    return text + (f" (±{stats['ci95'] * scale:,.{nd}f})" if stats.get("ci95") is not None else "")


def recovery_words(g: dict, n: int) -> str:
    """Say briefly how a group recovered (a table cell): ``after 9.5 days``, ``not within the run``, ...

    With several replications, how many of them recovered when not all did.
    """
    if g["ongoing_in"] == n:
        return "disrupted to the end of the run"
    if not g["recovered_in"]:
        return "not within the run"
    text = f"after {_figure(g['recovery_days'], 1)} days"
    return text if g["recovered_in"] == n else f"{text} in {g['recovered_in']} of {n} replications, never in the rest"


def _recovery_clause(g: dict, n: int) -> str:
    """Say how a group recovered as the end of a sentence about its backlog."""
    words = recovery_words(g, n)
    if words.startswith("disrupted"):
        return "the disruption lasts to the end of the run"
    if words.startswith("not"):
        return "it was not back within its normal band by the end of the run"
    return f"it was back within its normal band {words}"


def describe(doc: dict) -> list[str]:
    """Say a run's disruption indicators in words (``[]`` for a run without disruptions).

    One sentence for the network's backlog and its recovery, one for the
    delays and refusals, one for the market whose backlog peaked highest. Every
    figure is the mean over the replications with its 95 % interval (±
    half-width) when the run has several, else the one run's (said so). The
    CLI prints these and the brief quotes them.

    Parameters
    ----------
    doc
        A run's ``summary.json``.

    Returns
    -------
    list of str
    """
    block = doc.get("disruption")
    if not block:
        return []
    n, net, markets = figures(doc)
    spans = ", ".join(f"{day_date(e['start_day'])}–{day_date(e['end_day'] - 1e-9)}" for e in block["episodes"])
    over = f"mean over {n} replications (± 95 % interval)" if n > 1 else "one run, no interval"
    peak = net["peak_backlog_trains"]["mean"]
    when = block["network"]["peak_day"]
    out = []
    if peak <= block["network"]["tolerance_trains"] and not net["extra_refused"]["mean"]:
        out.append(f"Disruptions ({spans}; {over}): no backlog beyond the normal day-to-day variation of the "
                   "undisturbed run.")
    else:
        date = "" if when is None else (f", on {day_date(when - 1)}" + (" in the first replication" if n > 1 else ""))
        out.append(f"Disruptions ({spans}; {over}): the backlog peaked at {_figure(net['peak_backlog_trains'], 0)} "
                   f"trains ({_figure(net['peak_backlog_mt'], 2)} Mt) above the undisturbed run{date}; "
                   f"{_recovery_clause(net, n)}.")
    refused = net["extra_refused"]
    out.append(f"{_figure(net['delayed_trains'], 0)} trains ({_figure(net['delayed_kt'], 2, 1e-3)} Mt) were delayed "
               f"by more than {DELAY_MIN_H:g} h, {_figure(net['extra_train_hours'], 0)} extra train-hours in all; "
               f"{_figure(refused, 0)} more trains were refused at entry.")
    if markets:
        m = markets[0]
        out.append(f"Most affected: the flows {flow_label(m['market'], m['direction'])}, whose backlog peaked at "
                   f"{_figure(m['peak_backlog_trains'], 0)} trains; {_recovery_clause(m, n)}.")
    return out
