"""Availability: the share of each element's capacity that a run's closures and slowdowns leave.

A ``close`` or ``slowdown`` change (:class:`~corridors.model.Disruption`)
takes capacity from an element for a time. Everything that reads a capacity
(the LP bound, the result tables, the bottlenecks of the capacity search, the
capacity maps) reads it here, over the run's **measured period**
``[warmup_days, days)``:

* while an element is closed it carries nothing (share 0);
* while it works at ``factor`` of its rate it keeps
  :func:`slowed_capacity_share` of its capacity, which follows what the engine
  slows (:mod:`corridors.simulation.elements_sim`): a single track's running
  time, not its meeting overhead; a crossing's dwell, not its exchange limit;
  a ferry's port handling, not its crossing; a double track's running, not
  the headway at which its trains enter (its capacity stays);
* overlapping intervals act as the engine's schedule does: any closure closes,
  else the smallest factor in force applies;
* a node named by a closure or slowdown stands for every link that touches it.

The share is the time-average over the measured period, so an annual-average
capacity stays an upper bound of what the element carries: traffic can gather
in the open weeks, never beyond the open capacity. What a period's edges
leave out is small and on the bound's side: a train that is in a block, or a
vessel at sea, when a closure starts finishes its move. A link without
disruptions in the period keeps its capacity exactly, so results of scenarios
without closures are unchanged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING

from corridors.elements import (
    Capacity,
    block_layout,
    border_handling_per_day,
    border_rate_per_day,
    ferry_cycle_h,
    link_capacity,
    running_time_h,
)
from corridors.model import RunSpec

if TYPE_CHECKING:
    from corridors.network import Link


def slowed_capacity_share(link: Link, factor: float, *, meet_overhead_min: float, speed_factor: float = 1.0) -> float:
    """Share of its capacity an element keeps while it works at ``factor`` of its rate (0: closed).

    Single track ``(t + tau) / (t / factor + tau)``, ``t`` the block running
    time of a train of ``speed_factor`` and ``tau`` the meeting overhead;
    double track 1; border ``min(h factor, limit) / min(h, limit)``, ``h`` the
    handling rate; ferry ``cycle_h / (2 crossing_h + 4 port_handling_h / factor)``.

    Parameters
    ----------
    link
        A rail section, border crossing or ferry link.
    factor
        Share of the normal rate that remains: 0 for a closure, 1 when undisturbed.
    meet_overhead_min
        Single-track meeting overhead per train, minutes.
    speed_factor
        Cargo speed factor of the train a single track's share is taken for.
        The share grows with the speed (a fast train's block time is mostly
        the overhead, which a slowdown leaves as it is), so the fastest class
        gives an upper bound for any mix of trains.

    Returns
    -------
    float
        In ``[0, 1]``: 1 when ``factor >= 1``, 0 when ``factor <= 0``.
    """
    if factor >= 1.0:
        return 1.0
    if factor <= 0.0:
        return 0.0
    if link.kind == "rail":
        if link.tracks != 1:
            return 1.0
        t = running_time_h(block_layout(link).block_km, link, speed_factor)
        tau = meet_overhead_min / 60.0
        return (t + tau) / (t / factor + tau)
    if link.kind == "border":
        limit = link.exchange_limit_trains_per_day or math.inf
        return min(border_handling_per_day(link) * factor, limit) / border_rate_per_day(link)
    return ferry_cycle_h(link) / (2 * link.crossing_h + 4 * link.port_handling_h / factor)


def link_disruptions(spec: RunSpec) -> dict[str, list[tuple[float, float, float]]]:
    """Closures and slowdowns per link: ``link id -> [(start_day, end_day, factor), ...]``, in scenario order.

    A disruption of a node applies to every link that touches it (the rule
    of ``close`` and ``slowdown``, ``docs/scenario-format.md``). Links without
    any are left out.

    Parameters
    ----------
    spec
        The scenario.

    Returns
    -------
    dict
        Factor 0 for a closure.
    """
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    links = spec.network.links
    for dis in spec.disruptions:
        targets = [dis.target] if dis.target in links else [lid for lid, lk in links.items() if dis.target in lk.ends]
        for lid in targets:
            per[lid].append((dis.start_day, dis.end_day, dis.factor))
    return dict(per)


def _factor_at(intervals: list[tuple[float, float, float]], day: float) -> float:
    """Return the rate in force at ``day``: 0 under any closure, else the smallest slowdown factor (1 when none)."""
    f = 1.0
    for a, b, g in intervals:
        if a <= day < b:
            if g == 0.0:
                return 0.0
            f = min(f, g)
    return f


def capacity_shares(spec: RunSpec, *, speed_factor: float = 1.0) -> dict[str, float]:
    """Time-average share of each disrupted link's capacity over the measured period ``[warmup_days, days)``.

    Parameters
    ----------
    spec
        The scenario (its disruptions, network, operations and horizon).
    speed_factor
        Cargo speed factor for single-track slowdowns (:func:`slowed_capacity_share`).

    Returns
    -------
    dict of str to float
        Link id -> share in ``[0, 1]``, for the links with a closure or
        slowdown; a link left out keeps its whole capacity.
    """
    lo, hi = spec.settings.warmup_days, spec.settings.days
    tau = spec.operations.meet_overhead_min
    out = {}
    for lid, intervals in link_disruptions(spec).items():
        link = spec.network.links[lid]
        cuts = sorted({lo, hi, *(min(max(t, lo), hi) for a, b, _ in intervals for t in (a, b))})
        kept = sum((b - a) * slowed_capacity_share(link, _factor_at(intervals, (a + b) / 2),
                                                   meet_overhead_min=tau, speed_factor=speed_factor)
                   for a, b in pairwise(cuts) if b > a)
        out[lid] = kept / (hi - lo) if hi > lo else 1.0
    return out


def available(cap: Capacity, share: float) -> Capacity:
    """Return ``cap`` over a period in which its element keeps ``share`` of it on average (``cap`` itself at 1).

    Parameters
    ----------
    cap
        An element's capacity (:func:`corridors.elements.link_capacity`).
    share
        Its share kept (:func:`capacity_shares`).

    Returns
    -------
    Capacity
        Trains (and wagons) per day times ``share``; the formula says so.
    """
    if share == 1.0:
        return cap
    return replace(cap, trains_per_day=cap.trains_per_day * share,
                   wagons_per_day=None if cap.wagons_per_day is None else cap.wagons_per_day * share,
                   formula=f"{cap.formula}; x {share:.4g} available over the measured period (closures, slowdowns)")


def available_capacities(spec: RunSpec, *, speed_factor: float = 1.0) -> dict[str, Capacity]:
    """Analytic capacity of every link of the run's network under its operating rules and disruptions.

    Parameters
    ----------
    spec
        The scenario (its network; ``operations``: maintenance window, meeting
        overhead, double-track occupancy, reference wagons per train; its
        closures and slowdowns over the measured period).
    speed_factor
        Cargo speed factor for single-track slowdowns (:func:`slowed_capacity_share`).

    Returns
    -------
    dict of str to Capacity
        :func:`corridors.elements.link_capacity` per link id, times its
        :func:`capacity_shares` where it has one.
    """
    ops = spec.operations
    shares = capacity_shares(spec, speed_factor=speed_factor) if spec.disruptions else {}
    return {
        lid: available(link_capacity(lk, maintenance_h=ops.maintenance_h, meet_overhead_min=ops.meet_overhead_min,
                                     double_track_occupancy=ops.double_track_occupancy,
                                     wagons_per_train=ops.wagons_per_train_reference), shares.get(lid, 1.0))
        for lid, lk in spec.network.links.items()
    }


def merge_spans(spans, end: float | None = None) -> list[tuple[float, float]]:
    """Merge intervals ``(start, stop)`` that overlap or touch, in time order, clipped to ``[.., end)``.

    The one rule for joining closures and slowdowns (the disruption
    episodes, the days a comparison's alternative closes an element).

    Parameters
    ----------
    spans
        Intervals ``(start, stop)``, any order, in one unit (days).
    end
        Where the horizon ends (``None``: no clipping); intervals that start
        there or later are dropped.

    Returns
    -------
    list of (float, float)
        Disjoint, non-empty intervals, earliest first.
    """
    merged: list[list[float]] = []
    for a, b in sorted((a, b if end is None else min(b, end)) for a, b in spans if end is None or a < end):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b > a]

