"""Simulated capacity per region: the load--delay curve, the practical capacity and the maximum throughput.

For one region and direction (the region's inbound or outbound flows; every
other flow at its scenario demand) the search simulates the region's flows
scaled to a few loads, ``replications`` runs at each load with the seeds
``seed, seed + 1, ...`` (the same seeds at every load and in every scenario:
common random numbers, so curves are smooth in the load and a before/after
difference is paired). Each run gives one point of the **load--delay curve**:
the offered load, the volume delivered and the mean added waiting per train.

* **Practical capacity** (``simulated_mt``): the largest load at which the
  region's trains' mean added waiting stays within the service level, a share
  of their mean free transit time (``simulation.service_level_wait_share``).
  Per replication, the load where its curve first rises above the level,
  linearly interpolated between the two probed loads around it; the figure is
  the mean over replications with its 95 % Student t interval
  (:mod:`corridors.statistics`).
* **Maximum throughput**: the most the region's flows deliver per year; the
  highest mean delivered volume over the probed loads (the last of which
  overloads the network), with the interval of that load's replications.

The loads: first the scenario's own demand (one run per replication, shared
by every region's search of the scenario) and the LP's uniform scaling
(:meth:`_Search.first_loads`), then up to the given rounds of loads toward the
mean crossing so far (:meth:`_Search.next_load`), and one beyond the highest
when no load saturated the flows. ``docs/capacity.md`` gives the
method, its sources and the stopping rule.

The curve's records, the added waiting of a train and the cohort it is
measured on are in :mod:`corridors.curve`.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace

from corridors.bound import Bound, region_flows, route_split
from corridors.curve import (
    MARGIN_DAYS,
    Crossing,
    LoadPoint,
    Observation,
    ServiceLevel,
    crossing,
    observe,
)
from corridors.elements import element_kind_of
from corridors.model import RunSpec
from corridors.simulation import HOURS_PER_DAY, flow_routes, simulate
from corridors.statistics import Estimate, estimate

log = logging.getLogger(__name__)


#: First loads probed, as shares of the LP's uniform scaling (capped at :data:`MAX_SCALE`): the top
#: one always, the lower one when the scaling is below demand (:meth:`_Search.first_loads`).
FIRST_LOADS = (0.75, 1.0)
#: The scenario's own demand, probed first by every search (one shared run per replication).
DEMAND_SCALE = 1.0
#: ``on_run(done, total)``: runs finished, and at most how many there will be (progress reports).
OnRun = Callable[[int, int], None]
#: A load saturates the region's flows when they deliver less than this share of what they offer.
SATURATED_SHARE = 0.95
#: Without a saturated load, one more at this multiple of the highest (for the maximum throughput).
SATURATION_STEP = 1.3
#: Refinement rounds at most, one load each.
REFINE_ROUNDS = 2
#: No further refinement once a probed load lies within this share of the mean crossing.
REFINE_TOLERANCE = 0.05
#: The search never simulates a region's flows beyond this multiple of their demand.
MAX_SCALE = 20.0


@dataclass(frozen=True)
class SimulatedCapacity:
    """Result of the search for one region and direction.

    Attributes
    ----------
    region, direction : str
        What was searched.
    demand_mt : float
        The region's scenario demand, Mt/yr.
    demand_trains_per_day : float
        The same in trains per day.
    level : ServiceLevel
        What the practical capacity was judged on.
    points : tuple of LoadPoint
        The load--delay curve, by increasing load.
    crossings : tuple of Crossing
        Per replication, where its curve leaves the level (empty without points).
    note : str
        Why there is no answer, or what limits it; empty otherwise.
    """

    region: str
    direction: str
    demand_mt: float
    demand_trains_per_day: float
    level: ServiceLevel
    points: tuple[LoadPoint, ...] = ()
    crossings: tuple[Crossing, ...] = ()
    note: str = ""

    @property
    def practical_by_replication_mt(self) -> tuple[float, ...]:
        """Practical capacity of each replication, Mt/yr."""
        return tuple(c.scale * self.demand_mt for c in self.crossings)

    @property
    def practical(self) -> Estimate | None:
        """Practical capacity, Mt/yr, over replications (``None`` without probes)."""
        return estimate(self.practical_by_replication_mt)

    @property
    def practical_scale(self) -> float | None:
        """Practical capacity as a multiple of demand (mean over replications)."""
        return estimate([c.scale for c in self.crossings]).mean if self.crossings else None

    @property
    def bracket_mt(self) -> float | None:
        """Widest interval between probed loads that a replication's crossing was interpolated in, Mt/yr."""
        if not self.crossings:
            return None
        return max(c.high - c.low for c in self.crossings) * self.demand_mt

    @property
    def peak(self) -> LoadPoint | None:
        """The load with the highest mean delivered volume (the maximum throughput's load)."""
        return max(self.points, key=lambda p: p.delivered().mean) if self.points else None

    @property
    def max_throughput_by_replication_mt(self) -> tuple[float, ...]:
        """Delivered Mt/yr of each replication at :attr:`peak`."""
        return tuple(o.delivered_mt for o in self.peak.observations) if self.points else ()

    @property
    def max_throughput(self) -> Estimate | None:
        """Maximum throughput, Mt/yr, over replications (``None`` without probes)."""
        return estimate(self.max_throughput_by_replication_mt)

    @property
    def held_at_all(self) -> bool:
        """Whether some replication kept the service level at every probed load."""
        return any(c.held_at_all for c in self.crossings)

    def nearest_point(self) -> LoadPoint | None:
        """Return the probed load nearest to the practical capacity (for its bottlenecks)."""
        s = self.practical_scale
        return None if s is None else min(self.points, key=lambda p: abs(p.scale - s))


def scaled_spec(spec: RunSpec, region: str, direction: str, scale: float) -> RunSpec:
    """``spec`` with the flows of ``region``/``direction`` multiplied by ``scale``."""
    ids = {f.id for f in region_flows(spec, region, direction)}
    return spec.with_flows(f.scaled(scale) if f.id in ids else f for f in spec.flows)


@dataclass(frozen=True)
class _Probe:
    """One run of a search: a scenario with one region's flows scaled, seen by one or more searches.

    At the scenario's own demand (``scale`` :data:`DEMAND_SCALE`) the run is the same for every
    region of the scenario, so it is made once per replication and each search
    observes its own flows in it (``observers``: one ``(free_h, level)`` per search).
    """

    spec: RunSpec
    region: str
    direction: str
    scale: float
    replication: int
    routes: dict
    split: dict | None
    observers: tuple[tuple[dict, float], ...]


def _probe(p: _Probe) -> list[Observation]:
    """Run one probe and return each observer's :class:`Observation`, in the order of ``p.observers``."""
    run = scaled_spec(p.spec, p.region, p.direction, p.scale).with_settings(seed=p.spec.settings.seed + p.replication)
    res = simulate(run, routes=p.routes, split=p.split)
    return [observe(run, res, free_h, scale=p.scale, replication=p.replication, level=level)
            for free_h, level in p.observers]


@dataclass
class _Search:
    """In-flight state of one search (mutable: :meth:`record` adds each round's runs).

    Attributes
    ----------
    spec : RunSpec
        The scenario as the probes run it (search horizon applied).
    bound : Bound
        The LP bound the loads are set from.
    level : ServiceLevel
        The service level.
    free_h : dict
        The region's flows and their free transit times, hours.
    routes : dict
        Candidate routes per flow id, shared by every probe of the scenario.
    top : float
        The LP's uniform scaling, capped at :data:`MAX_SCALE`.
    replications : int
        Runs per load.
    rounds : int
        Refinement rounds at most.
    split : dict or None
        Route shares per flow under ``operations.routing: assigned`` (:func:`corridors.bound.route_split`).
    points : dict
        ``scale -> observations`` so far.
    round : int
        Rounds completed.
    saturation_probed : bool
        Whether the load for the maximum throughput was added.
    """

    spec: RunSpec
    bound: Bound
    level: ServiceLevel
    free_h: dict[str, float]
    routes: dict
    top: float
    replications: int
    rounds: int = REFINE_ROUNDS
    split: dict | None = None
    points: dict[float, list[Observation]] = field(default_factory=dict)
    round: int = 0
    saturation_probed: bool = False

    def curve(self) -> tuple[LoadPoint, ...]:
        """Return the load points so far, by increasing load."""
        return tuple(LoadPoint(s, tuple(sorted(obs, key=lambda o: o.replication)))
                     for s, obs in sorted(self.points.items()))

    def crossings(self) -> tuple[Crossing, ...]:
        """Each replication's crossing on the curve so far, at most what that replication delivered.

        A load the flows do not carry cannot be practical however short its
        waits: with long free times (a border hold of days) the waiting of an
        overloaded run can stay within a level relative to that time over the
        search horizon while the deliveries fall behind. So once a load of the
        replication saturated (delivered less than :data:`SATURATED_SHARE` of
        what it offered), its crossing is capped at the most it delivered at
        any load (as a multiple of demand), which keeps the practical capacity
        within the maximum throughput. A replication that saturated no load
        keeps its crossing (and a level held at every load stays a lower limit).
        """
        pts = self.curve()
        scales = [p.scale for p in pts]
        out = []
        for r in range(self.replications):
            c = crossing(scales, [p.observations[r].wait_share for p in pts], self.level.max_added_wait_share)
            obs = [p.observations[r] for p in pts]
            demand = self.bound.demand_mt
            saturated = any(o.delivered_mt < SATURATED_SHARE * o.offered_mt for o in obs)
            cap = max(o.delivered_mt for o in obs) / demand if demand > 0 and saturated else math.inf
            if c.scale > cap:
                low = max((s for s in scales if s <= cap), default=0.0)
                c = Crossing(cap, low, min((s for s in scales if s > cap), default=low))
            out.append(c)
        return tuple(out)

    def _refine(self) -> float | None:
        """Return the next load toward the crossing, or ``None`` when it is found closely enough.

        A :meth:`_higher` load while some replication kept the level at every load; else the mean
        crossing so far, unless a probed load already lies within
        :data:`REFINE_TOLERANCE` of it; then, while the loads the replications'
        crossings lie between are more than four tolerances apart, a load two
        tolerances from the crossing on the wider side.
        """
        cs = self.crossings()
        if any(c.held_at_all for c in cs):
            return self._higher()  # some replication kept the level at every load: look higher
        n = len(cs)
        x, low, high = (sum(getattr(c, a) for c in cs) / n for a in ("scale", "low", "high"))
        tol = REFINE_TOLERANCE * x
        if x <= 0:
            return None
        if not any(abs(s - x) <= tol for s in self.points):
            return x
        if high - low <= 4 * tol:
            return None
        # A load sits at the crossing but the replications straddle a wide gap:
        # close the wider side of it (unless a load is already there).
        step = x + 2 * tol if high - x >= x - low else x - 2 * tol
        return None if any(abs(s - step) <= tol for s in self.points) else step

    def saturated(self) -> bool:
        """Whether some probed load delivered clearly less than it offered (:data:`SATURATED_SHARE`)."""
        return any(sum(o.delivered_mt for o in obs) < SATURATED_SHARE * sum(o.offered_mt for o in obs)
                   for obs in self.points.values())

    def next_load(self) -> float | None:
        """Return the next load to probe, or ``None`` when the search is done.

        Up to ``rounds`` loads toward the crossing (:meth:`_refine`); then, if no
        load saturated the region's flows, one :meth:`_higher` load for the maximum throughput.
        """
        if self.round == 0:
            return None
        if self.round <= self.rounds and (x := self._refine()) is not None:
            return x
        if not self.saturated() and not self.saturation_probed:
            self.saturation_probed = True
            return self._higher()
        return None

    def _higher(self) -> float | None:
        """Return :data:`SATURATION_STEP` times the highest load, capped at :data:`MAX_SCALE` (``None`` at the cap)."""
        top = max(self.points)
        nxt = min(SATURATION_STEP * top, MAX_SCALE)
        return nxt if nxt > top * (1 + REFINE_TOLERANCE) else None

    def first_loads(self) -> list[float]:
        """Return the loads of the first round (multiples of demand).

        The scenario's own demand (:data:`DEMAND_SCALE`: the point a reader
        checks first, and one run per replication shared by every region's
        search of the scenario) and the LP's uniform scaling (the top of
        ``FIRST_LOADS``), unless that lies within :data:`REFINE_TOLERANCE` of
        demand. When the scaling is below demand (the LP cannot carry the
        scenario's demand), the lower share of ``FIRST_LOADS`` of it too, so
        that the curve has a point below capacity.
        """
        low, high = (f * self.top for f in FIRST_LOADS)
        loads = [DEMAND_SCALE]
        if abs(high - DEMAND_SCALE) > REFINE_TOLERANCE * DEMAND_SCALE:
            loads.append(high)
        if high < DEMAND_SCALE:
            loads.append(low)
        return sorted(loads)

    def most_runs_left(self) -> int:
        """Return the most runs this search can still ask for after the round in flight (for progress)."""
        # the round in flight is number self.round; refinements follow while the round count allows
        loads = max(0, self.rounds - self.round) + (0 if self.saturation_probed else 1)
        return loads * self.replications

    def next_requests(self) -> list[tuple[float, int]]:
        """``(load, replication)`` of the next round's runs (empty when done)."""
        loads = self.first_loads() if self.round == 0 else [x for x in [self.next_load()] if x is not None]
        return [(s, r) for s in loads for r in range(self.replications)]

    def probe(self, scale: float, replication: int) -> _Probe:
        """Return the run of one request, observed by this search alone."""
        return _Probe(self.spec, self.bound.region, self.bound.direction, scale, replication, self.routes, self.split,
                      ((self.free_h, self.level.max_added_wait_share),))

    @property
    def shared_key(self) -> tuple:
        """Searches with the same key make the same run at :data:`DEMAND_SCALE` (same scenario, horizon, routes)."""
        st = self.spec.settings
        return id(self.routes), st.days, st.warmup_days

    def record(self, found: list[Observation]) -> None:
        """Add a round's runs (each load once: replication ``r`` is the ``r``-th observation of its load)."""
        for o in found:
            if len(self.points.get(o.scale, ())) >= self.replications:
                raise RuntimeError(f"load {o.scale} probed twice")  # a bug of the stopping rule, not of the input
            self.points.setdefault(o.scale, []).append(o)
        self.round += 1


def _start(spec: RunSpec, bound: Bound, routes: dict, split: dict | None, level: ServiceLevel, replications: int,
           rounds: int, days: float | None, warmup_days: float | None) -> _Search:
    """Set up a search: horizon set (long enough for every flow's cohort), free times read off the routes."""
    kw = {}
    if days is not None:
        kw["days"] = days
    if warmup_days is not None:
        kw["warmup_days"] = warmup_days
    run_spec = spec.with_settings(**kw) if kw else spec
    free_h = {f.id: routes[f.id][0].free_h for f in region_flows(spec, bound.region, bound.direction)
              if routes.get(f.id)}
    st = run_spec.settings
    need_h = (1 + level.max_added_wait_share) * max(free_h.values(), default=0.0) + (MARGIN_DAYS + 20) * HOURS_PER_DAY
    if st.days * HOURS_PER_DAY - need_h <= st.warmup_days * HOURS_PER_DAY:
        run_spec = run_spec.with_settings(days=st.warmup_days + need_h / HOURS_PER_DAY)
    return _Search(run_spec, bound, level, free_h, routes, min(bound.scale, MAX_SCALE), replications, rounds,
                   split)


class _Serial(Executor):
    """Runs what is submitted here, one task per :meth:`step`: serially, a search reports its runs as a pool does."""

    def __init__(self) -> None:
        self._todo: deque = deque()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Queue ``fn(*args, **kwargs)``; its future is done after the :meth:`step` that runs it."""
        f: Future = Future()
        self._todo.append((f, fn, args, kwargs))
        return f

    def step(self) -> None:
        """Run the oldest queued task (an exception propagates at once, as in a plain call)."""
        f, fn, args, kwargs = self._todo.popleft()
        f.set_result(fn(*args, **kwargs))


def _run_rounds(active: list[_Search], executor: Executor | None, on_run: OnRun | None = None) -> None:
    """Run every search's rounds, serially or on ``executor``.

    The first round's runs at the scenario's own demand are made once per
    scenario, horizon and replication, and every search of that scenario
    observes its own flows in them. Each search then moves to its next round
    as soon as its own runs are back, so the pool never waits for the slowest
    search of a round. ``on_run(done, total)`` hears of every finished run;
    ``total`` is what the searches can still ask for at most, so it only falls.
    """
    runner = executor if executor is not None else _Serial()
    pending: dict[int, list[tuple[Future, int]]] = {}
    shared: dict[tuple, tuple[_Probe, list[int]]] = {}  # (key, replication) -> probe, its searches
    for k, s in enumerate(active):
        pending[k] = []
        for scale, r in s.next_requests():
            if scale != DEMAND_SCALE:
                pending[k].append((runner.submit(_probe, s.probe(scale, r)), 0))
                continue
            probe, seen_by = shared.setdefault((s.shared_key, r), (s.probe(scale, r), []))
            seen_by.append(k)
    for probe, seen_by in shared.values():
        probe = replace(probe, observers=tuple((active[k].free_h, active[k].level.max_added_wait_share)
                                               for k in seen_by))
        fut = runner.submit(_probe, probe)
        for i, k in enumerate(seen_by):
            pending[k].append((fut, i))
    counted: set[Future] = set()  # the runs reported done (the futures themselves: ids are reused)
    last: list = [None]

    def report() -> None:
        if on_run is None:
            return
        running = {f for fs in pending.values() for f, _ in fs}
        counted.update(f for f in running if f.done())
        now = len(counted), len(counted | running) + sum(active[k].most_runs_left() for k in pending)
        if now != last[0]:
            last[0] = now
            on_run(*now)

    report()
    while pending:
        if isinstance(runner, _Serial):
            runner.step()
        else:
            # wait on the runs still going only: a finished run of a search whose
            # other runs are still going would make the wait return at once (a spin)
            wait([f for fs in pending.values() for f, _ in fs if not f.done()], return_when=FIRST_COMPLETED)
        report()
        for k in [k for k, fs in pending.items() if all(f.done() for f, _ in fs)]:
            s = active[k]
            s.record([f.result()[i] for f, i in pending.pop(k)])
            if requests := s.next_requests():
                pending[k] = [(runner.submit(_probe, s.probe(scale, r)), 0) for scale, r in requests]
        report()


def _result(spec: RunSpec, bound: Bound, level: ServiceLevel, s: _Search | None) -> SimulatedCapacity:
    """Read the answer of a finished search (or of one never started: ``s is None``)."""
    flows = region_flows(spec, bound.region, bound.direction)
    per_day = sum(f.trains_per_year for f in flows) / 365.0
    if s is None:
        # the bound's note says why (no flows, no solution); the record joins both notes
        why = "" if bound.note else ("no capacity for these flows in the LP: nothing to simulate"
                                     if bound.scale is not None and bound.scale <= 0 else "no flows")
        return SimulatedCapacity(bound.region, bound.direction, bound.demand_mt, per_day, level, note=why)
    notes = []
    if bound.scale > MAX_SCALE:
        notes.append(f"loads capped at {MAX_SCALE:g} x demand (LP scaling {bound.scale:.0f})")
    cs = s.crossings()
    if any(c.held_at_all for c in cs):
        notes.append("the service level held at every load probed in some replications: the practical capacity "
                     "is at least the value given")
    if any(c.low == 0 for c in cs):
        notes.append("waiting above the service level even at the lowest load probed: the practical capacity "
                     "is interpolated from zero load")
    return SimulatedCapacity(bound.region, bound.direction, bound.demand_mt, per_day, level, s.curve(), cs,
                             note="; ".join(notes))


def search_many(
    items: list[tuple[RunSpec, Bound]],
    *,
    replications: int | None = None,
    rounds: int = REFINE_ROUNDS,
    days: float | None = None,
    warmup_days: float | None = None,
    executor: Executor | None = None,
    on_run: OnRun | None = None,
) -> list[SimulatedCapacity]:
    """Search several ``(scenario, bound)`` pairs together, so a pool stays busy.

    Parameters
    ----------
    items : list of (RunSpec, Bound)
        Scenario and its LP bound for one region and direction.
    replications : int, optional
        Runs per load (default: each scenario's ``simulation.replications``).
    rounds : int
        Refinement rounds at most, one load each, after the first loads.
    days, warmup_days : float, optional
        Horizon of the search runs, days (default: each scenario's own).
    executor : Executor, optional
        Runs the probes in parallel (a process pool); serial when ``None``.
    on_run : callable, optional
        ``on_run(done, total)`` after every finished run: runs done, and done
        plus the most the searches can still ask for (for a progress display).

    Returns
    -------
    list of SimulatedCapacity
        One per item, in order; without points (and with a note) where the
        bound has none or the region no demand.
    """
    searches: list[_Search | None] = []
    route_cache: dict[int, dict] = {}
    for spec, bound in items:
        level = ServiceLevel(spec.settings.service_level_wait_share)
        if bound.scale is None or bound.scale <= 0 or bound.demand_mt <= 0:
            searches.append(None)  # nothing to search: no flows, no LP solution, or no capacity at all
            continue
        if id(spec) not in route_cache:  # scaling changes volumes, not routes: compute once per scenario
            routes = flow_routes(spec)
            route_cache[id(spec)] = routes, (route_split(spec, routes) if spec.operations.routing == "assigned"
                                             else None)
        routes, split = route_cache[id(spec)]
        searches.append(_start(spec, bound, routes, split, level, replications or spec.settings.replications,
                               rounds, days, warmup_days))
    _run_rounds([s for s in searches if s is not None], executor, on_run)
    return [_result(spec, bound, ServiceLevel(spec.settings.service_level_wait_share), s)
            for (spec, bound), s in zip(items, searches)]


def search_capacity(spec: RunSpec, bound: Bound, **kw) -> SimulatedCapacity:
    """Find the simulated capacity of one region and direction (see :func:`search_many`)."""
    return search_many([(spec, bound)], **kw)[0]


@dataclass(frozen=True)
class Bottleneck:
    """An element busy in the run nearest to the practical capacity.

    Attributes
    ----------
    id : str
        Link id, or node id of a yard.
    kind : str
        ``single_track``, ``double_track``, ``border``, ``ferry`` or ``yard``.
    utilisation : float
        Its load over its analytic capacity in that run (dimensionless, 4 decimals).
    """

    id: str
    kind: str
    utilisation: float


def bottlenecks_at(sc: SimulatedCapacity, spec: RunSpec) -> tuple[Bottleneck, ...]:
    """Elements above 90 % of capacity in the first replication at the load nearest the practical capacity.

    Parameters
    ----------
    sc : SimulatedCapacity
        A finished search.
    spec : RunSpec
        The scenario searched (for the elements' kinds).

    Returns
    -------
    tuple of Bottleneck
        Empty when the search ran no probe.
    """
    p = sc.nearest_point()
    if p is None:
        return ()
    return tuple(Bottleneck(lid, element_kind_of(spec.network, lid), u)
                 for lid, u in p.observations[0].utilisation.items())
