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
    ``excess <= tol`` holds for :data:`HOLD_DAYS` days in a row (or to the
    end of the run); ``None`` when it never does before the next episode starts
    or the run ends (said in words). For one element with deterministic
    service at ``mu`` trains a day, arrivals at ``lambda < mu`` and a closure
    of ``N`` days this is ``lambda N / (mu - lambda)``, the peak ``lambda N``
    (``tests/test_disruption.py`` checks both).
delayed trains
    Trains whose time in the network (generation to delivery, or to the end of
    the run) is more than :data:`DELAY_MIN_H` longer than in the twin.
extra train-hours
    The sum over all trains of that difference (negative parts included).
extra refused
    Trains refused at entry in the run beyond those refused in the twin.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace

import numpy as np

from corridors.elements import flow_label
from corridors.model import RunSpec
from corridors.daily import DailyBalance, daily_balances
from corridors.simulation import HOURS_PER_DAY, SimResult

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
    end = spec.settings.days
    spans = sorted((d.start_day, min(d.end_day, end)) for d in spec.disruptions if d.start_day < end)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b > a]


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
        ``peak_backlog_mt``, ``recovery_days`` (``None``: not recovered in the window).
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
    def worst(self) -> dict:
        """The episode with the largest peak backlog (the first among equals)."""
        return max(self.episodes, key=lambda e: (e["peak_backlog_trains"], -e["start_day"]))

    def to_dict(self) -> dict:
        """Return this effect as plain JSON-ready data, its worst episode's figures at the top."""
        w = self.worst
        return {"market": self.market, "direction": self.direction,
                "peak_backlog_trains": w["peak_backlog_trains"], "peak_backlog_mt": w["peak_backlog_mt"],
                "peak_day": w["peak_day"], "recovery_days": w["recovery_days"],
                "delayed_trains": self.delayed_trains, "delayed_kt": self.delayed_kt,
                "extra_train_hours": self.extra_train_hours, "extra_refused": self.extra_refused,
                "tolerance_trains": self.tolerance_trains, "episodes": list(self.episodes)}


def _tolerance(twin: DailyBalance, warmup_days: float) -> float:
    """Return the 95th percentile of the twin's day-to-day change of trains in the network, measured days only."""
    first = min(int(math.ceil(warmup_days)), len(twin.in_network) - 1)
    steps = np.abs(np.diff(twin.in_network[max(first, 0):]))
    return float(np.percentile(steps, BAND_PERCENTILE)) if len(steps) else 0.0


def _episode(excess: np.ndarray, excess_kt: np.ndarray, tol: float, start: float, end: float,
             until: float) -> dict:
    """Peak and recovery of one episode ``[start, end)`` whose window runs until day ``until`` (exclusive)."""
    days = len(excess)
    # day-end d (1-based) is index d - 1; the window holds the day-ends after the start up to `until`
    lo, hi = int(math.floor(start)), min(int(math.ceil(until)), days)
    window = excess[lo:hi]
    k = int(np.argmax(window)) if len(window) else 0
    peak = int(window[k]) if len(window) else 0
    peak_kt = float(np.max(excess_kt[lo:hi])) if hi > lo else 0.0
    recovery = None
    first = int(math.ceil(end - 1e-9))  # the first day-end at or after the episode's end
    for d in range(max(first, 1), hi + 1):
        stretch = excess[d - 1:min(d - 1 + HOLD_DAYS, hi)]
        if len(stretch) and np.all(stretch <= tol + 1e-9):
            recovery = round(d - end, 3)
            break
    return {"start_day": start, "end_day": end, "peak_backlog_trains": max(peak, 0),
            "peak_day": lo + k + 1 if peak > 0 else None,
            "peak_backlog_mt": round(max(peak_kt, 0.0) / 1e3, 4), "recovery_days": recovery}


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
        per = tuple(_episode(excess, excess_kt, tol, a, e, until) for (a, e), until in zip(eps, bounds))
        extra = [(mine[i][0] - theirs[i][0], mine[i][2]) for i in sorted(b.train_ids)]
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
    episode under ``episodes``); ``markets`` the same per market and direction,
    for the markets the disruption touched: a peak backlog above the
    tolerance, or trains refused beyond the twin's (delays alone are not
    enough: reordered service delays a few trains everywhere).
    """
    if not found:
        return None
    net, rest = found[0], found[1:]
    touched = [e.to_dict() for e in rest if e.worst["peak_backlog_trains"] > e.tolerance_trains or e.extra_refused > 0]
    return {"definition": "backlog and delays against the undisturbed twin (same seed, no disruptions); "
                          f"recovered when the backlog stays within the twin's plus its {BAND_PERCENTILE:g}th "
                          f"percentile day-to-day change for {HOLD_DAYS} days; delayed = over {DELAY_MIN_H:g} h "
                          "longer in the network",
            "episodes": [{"start_day": a, "end_day": b} for a, b in episodes(spec)],
            "network": net.to_dict(), "markets": touched}


def day_date(day: float) -> str:
    """Return the calendar date of simulation day ``day`` (day 0 is 1 January; a year of 365 days), e.g. ``12 Sep``."""
    d = datetime.date(2023, 1, 1) + datetime.timedelta(days=int(math.floor(day)) % 365)
    return f"{d.day} {d:%b}"


def _figure(value, stats: dict | None, nd: int, unit: str = "") -> str:
    """Write a figure with its 95 % interval over replications when there is one (the mean then, not the first run)."""
    if stats and stats.get("mean") is not None:
        value = stats["mean"]
        if stats.get("ci95") is not None:
            return f"{value:,.{nd}f}{unit} (95 % interval ±{stats['ci95']:,.{nd}f})"
    return f"{value:,.{nd}f}{unit}"


def _scaled(stats: dict | None, factor: float) -> dict | None:
    """Interval statistics ``{"mean", "ci95"}`` times ``factor`` (e.g. kt to Mt)."""
    return None if not stats else {k: None if v is None else v * factor for k, v in stats.items()}


def describe(doc: dict) -> list[str]:
    """Say a run's disruption indicators in words (``[]`` for a run without disruptions).

    One sentence for the network (peak backlog, when, time to recover) and one
    for the delays, then one for the market whose backlog peaked highest.
    With replications (``doc["replications"]["disruption"]``) the network's
    figures are their means with 95 % intervals; otherwise the run's own, said
    to be one run. The CLI prints these and the brief quotes them.

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
    net = block["network"]
    reps = (doc.get("replications") or {}).get("disruption") or {}
    n = (doc.get("replications") or {}).get("n", 1)
    spans = ", ".join(f"{day_date(e['start_day'])}–{day_date(e['end_day'] - 1e-9)}" for e in block["episodes"])
    if net["peak_backlog_trains"] <= net["tolerance_trains"]:
        return [f"Disruptions ({spans}): no backlog beyond the normal day-to-day variation of the undisturbed run."]
    peak = (f"the backlog peaked at {_figure(net['peak_backlog_trains'], reps.get('peak_backlog_trains'), 0)} "
            f"trains ({_figure(net['peak_backlog_mt'], reps.get('peak_backlog_mt'), 2)} Mt) above the undisturbed "
            f"run, on {day_date(net['peak_day'] - 1)}")
    if net["recovery_days"] is None:
        back = "it had not returned to its normal band by the end of the run (or of the next disruption)"
    else:
        back = (f"it was back within its normal band (the undisturbed backlog + {net['tolerance_trains']:g} trains) "
                f"{_figure(net['recovery_days'], reps.get('recovery_days'), 1)} days after the disruption ended")
        if reps and reps.get("recovered_in", n) < n:
            back += f" (in the {reps['recovered_in']} of {n} replications that recovered)"
    out = [f"Disruptions ({spans}): {peak}; {back}."]
    refused = net["extra_refused"]
    out.append(f"{_figure(net['delayed_trains'], reps.get('delayed_trains'), 0)} trains "
               f"({_figure(net['delayed_kt'] / 1e3, _scaled(reps.get('delayed_kt'), 1e-3), 2)} Mt) "
               f"were delayed by more than {DELAY_MIN_H:g} h, "
               f"{_figure(net['extra_train_hours'], reps.get('extra_train_hours'), 0)} extra train-hours in all; "
               + (f"{refused:,} more trains were refused at entry." if refused > 0 else "no more trains were refused."))
    if not reps and n == 1:
        out[-1] += " (One run: no interval; run with --replications for one.)"
    markets = sorted(block.get("markets") or [], key=lambda m: -m["peak_backlog_trains"])
    if markets and markets[0]["peak_backlog_trains"] > 0:
        m = markets[0]
        out.append(f"Most affected: the flows {flow_label(m['market'], m['direction'])}, whose backlog peaked at "
                   f"{m['peak_backlog_trains']:,} trains on {day_date(m['peak_day'] - 1)}"
                   + ("." if m["recovery_days"] is None else f" and recovered {m['recovery_days']:g} days after."))
    return out
