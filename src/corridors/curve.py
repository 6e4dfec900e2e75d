"""The load--delay curve of a region's flows: one run at one load, every replication at a load, where it leaves the service level.

A run at one load gives one point of one replication's curve
(:class:`Observation`, measured by :func:`observe`): the offered load, the
volume delivered and the mean added waiting per train. :class:`LoadPoint`
holds every replication at one load; :func:`crossing` finds where one
replication's curve rises above the :class:`ServiceLevel`. The search that
chooses the loads is :mod:`corridors.search`.

The added waiting of a train is its door-to-door time (from generation to
arrival, the wait at the origin included) less the free transit time of its
flow's best route. The cohort of a flow is its trains generated after the
warm-up and early enough to reach the level before the end (generation before
``end - (1 + level) free - 2 days``); a train of the cohort still in the network
at the end counts with its waiting so far, a train refused at entry (its
origin already held ``max_origin_backlog_days`` of trains) with that backlog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from corridors.elements import utilisation, yard_capacity_per_day
from corridors.model import RunSpec
from corridors.simulation import HOURS_PER_DAY, SimResult
from corridors.statistics import Estimate, estimate

#: Days added to a flow's cohort margin beyond ``(1 + level)`` times its free transit time.
MARGIN_DAYS = 2.0


@dataclass(frozen=True)
class ServiceLevel:
    """What the practical capacity is judged on.

    Attributes
    ----------
    max_added_wait_share : float
        The region's trains' mean added waiting may be at most this share of
        their mean free transit time (dimensionless).
    """

    max_added_wait_share: float

    def to_dict(self) -> dict:
        """Return the level as ``capacity.json`` writes it (value and definition)."""
        return {"max_added_wait_share": self.max_added_wait_share,
                "definition": (f"mean added waiting per train at most {self.max_added_wait_share:.0%} of the mean "
                               "free transit time of the region's trains")}


@dataclass(frozen=True)
class Observation:
    """One run at one load: one point of one replication's load--delay curve.

    Attributes
    ----------
    scale : float
        Multiple of the region's scenario demand simulated.
    replication : int
        0-based replication; the run's seed is the scenario's seed plus this.
    offered_mt : float
        Region's volume generated in the measured period, annualised, Mt/yr.
    delivered_mt : float
        Region's volume delivered in the measured period, annualised, Mt/yr.
    delivered_trains_per_day : float
        The same in trains per day.
    added_wait_h : float
        Mean added waiting per train of the cohort, hours.
    free_transit_h : float
        Mean free transit time of the cohort's trains, hours.
    cohort : int
        Trains in the cohort.
    refused : int
        Trains of the region refused at entry, measured period.
    utilisation : dict
        ``link id -> utilisation`` of the elements at 90 % of capacity or more, busiest first.
    """

    scale: float
    replication: int
    offered_mt: float
    delivered_mt: float
    delivered_trains_per_day: float
    added_wait_h: float
    free_transit_h: float
    cohort: int
    refused: int
    utilisation: dict[str, float] = field(default_factory=dict)

    @property
    def wait_share(self) -> float:
        """Mean added waiting over mean free transit time (0 for an empty cohort)."""
        return self.added_wait_h / self.free_transit_h if self.free_transit_h > 0 else 0.0


@dataclass(frozen=True)
class LoadPoint:
    """Every replication at one load.

    Attributes
    ----------
    scale : float
        Multiple of the region's demand.
    observations : tuple of Observation
        One per replication, in replication order.
    """

    scale: float
    observations: tuple[Observation, ...]

    def delivered(self) -> Estimate:
        """Delivered Mt/yr over replications."""
        return estimate([o.delivered_mt for o in self.observations])

    def added_wait_h(self) -> Estimate:
        """Mean added waiting per train, hours, over replications."""
        return estimate([o.added_wait_h for o in self.observations])

    def wait_share(self) -> Estimate:
        """Return the added waiting as a share of free transit time, over replications."""
        return estimate([o.wait_share for o in self.observations])


@dataclass(frozen=True)
class Crossing:
    """Where one replication's curve leaves the service level.

    Attributes
    ----------
    scale : float
        The interpolated load, multiple of demand.
    low, high : float
        The probed loads it lies between (``low = 0`` below the first load;
        ``high = low`` when the level held at every load probed).
    held_at_all : bool
        The level held at every probed load: the practical capacity is at least ``scale``.
    """

    scale: float
    low: float
    high: float
    held_at_all: bool = False


def _between(x0: float, w0: float, x1: float, w1: float, level: float) -> float:
    """Load where the waiting share reaches ``level`` between ``(x0, w0)`` and ``(x1, w1)``, ``w0 <= level < w1``.

    Linear in the logarithm of the waiting share when both are positive (a
    load--delay curve is convex, and its chord would cross too early), else
    linear.
    """
    if w0 > 0:
        frac = (math.log(level) - math.log(w0)) / (math.log(w1) - math.log(w0))
    else:
        frac = (level - w0) / (w1 - w0)
    return x0 + min(1.0, max(0.0, frac)) * (x1 - x0)


def crossing(scales: list[float], shares: list[float], level: float) -> Crossing:
    """Largest load within the service level, interpolated on one replication's curve.

    Parameters
    ----------
    scales : list of float
        Probed loads, increasing (multiples of demand).
    shares : list of float
        The replication's added waiting share at each load.
    level : float
        The service level (:attr:`ServiceLevel.max_added_wait_share`, > 0).

    Returns
    -------
    Crossing
        Between the last load within the level and the first above it
        (:func:`_between`); from zero load, taken as zero waiting, when even the
        first load is above it.

    Examples
    --------
    >>> crossing([1.0, 2.0], [0.25, 1.0], 0.5).scale
    1.5
    """
    prev_x, prev_w = 0.0, 0.0
    for x, w in zip(scales, shares):
        if w > level:
            return Crossing(_between(prev_x, prev_w, x, w, level), prev_x, x)
        prev_x, prev_w = x, w
    return Crossing(prev_x, prev_x, prev_x, held_at_all=True)


def observe(spec: RunSpec, res: SimResult, free_h: dict[str, float], *, scale: float, replication: int,
            level: float) -> Observation:
    """Measure one run for the flows in ``free_h`` (see the module docstring).

    Parameters
    ----------
    spec : RunSpec
        The scenario the run simulated (for its origin backlog limit and elements).
    res : SimResult
        The run's result.
    free_h : dict of str to float
        The region's flows: free transit time of each one's best route, hours.
    scale, replication : float, int
        Recorded in the observation.
    level : float
        The service level, a share of the free time (it sets each flow's cohort margin).

    Returns
    -------
    Observation
    """
    warm = res.warmup_days * HOURS_PER_DAY
    end = res.sim_days * HOURS_PER_DAY
    years = max((end - warm) / (365.0 * HOURS_PER_DAY), 1e-9)
    backlog_h = spec.operations.max_origin_backlog_days * HOURS_PER_DAY
    wait_sum = free_sum = 0.0
    cohort = refused = delivered = 0
    tonnes = offered = 0.0
    for t in res.trains:
        free = free_h.get(t.flow)
        if free is None:
            continue
        if t.generated_h >= warm:
            offered += t.tonnes
        if t.status == "refused" and t.generated_h >= warm:
            refused += 1
        if t.status == "delivered" and t.arrived_h >= warm:
            delivered += 1
            tonnes += t.tonnes
        if not warm <= t.generated_h < end - (1 + level) * free - MARGIN_DAYS * HOURS_PER_DAY:
            continue
        cohort += 1
        free_sum += free
        if t.status == "refused":
            wait_sum += backlog_h
        else:
            done = t.arrived_h if t.status == "delivered" else end
            wait_sum += done - t.generated_h - free
    return Observation(
        scale=scale, replication=replication, offered_mt=offered / 1e6 / years, delivered_mt=tonnes / 1e6 / years,
        delivered_trains_per_day=delivered / years / 365.0,
        added_wait_h=wait_sum / cohort if cohort else 0.0, free_transit_h=free_sum / cohort if cohort else 0.0,
        cohort=cohort, refused=refused, utilisation=busy_elements(spec, res),
    )


def busy_elements(spec: RunSpec, res: SimResult, threshold: float = 0.9) -> dict[str, float]:
    """Elements carrying at least ``threshold`` of their analytic capacity, busiest first.

    Parameters
    ----------
    spec
        The scenario the run simulated.
    res
        The run's result.
    threshold
        Smallest utilisation reported (:func:`corridors.elements.utilisation`).

    Returns
    -------
    dict of str to float
        Link (or yard node) id -> utilisation rounded to 4 decimals, in decreasing order.
    """
    from corridors.results import capacities

    caps = capacities(spec)
    out = {}
    for lid, cap in caps.items():
        el = res.elements[lid]
        out[lid] = utilisation(spec.network.links[lid], cap, el.ab.trains_per_day, el.ba.trains_per_day)
    for nid, st in res.yards.items():  # a yard: all directions against its one capacity
        out[nid] = st.trains_per_day / yard_capacity_per_day(spec.network.nodes[nid])
    busy = {k: round(v, 4) for k, v in out.items() if v >= threshold}
    return dict(sorted(busy.items(), key=lambda kv: -kv[1]))
