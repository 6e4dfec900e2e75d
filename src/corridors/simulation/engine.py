"""The run: demand, route choice, trains moving through the elements, the result.

:class:`Simulation` builds one :mod:`~corridors.simulation.elements_sim`
element per link, generates each flow's trains, lets each choose a route and
pass its links in order, and gathers a :class:`~corridors.simulation.records.SimResult`.
The rules it follows are in the package docstring of :mod:`corridors.simulation`.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

import simpy

from corridors import REGIONS
from corridors.availability import link_disruptions
from corridors.elements import HOURS_PER_DAY, yard_dwell_h
from corridors.model import CargoClass, Flow, RunSpec
from corridors.network import BorderCrossing, RailSection
from corridors.routing import Route, candidate_routes, route_graph
from corridors.simulation.elements_sim import Border, DoubleTrack, Element, Ferry, SingleTrack, Yard
from corridors.simulation.records import SimResult, TrainRecord
from corridors.simulation.reroute import Rerouter, joined, leg_terms, route_cost_h
from corridors.simulation.resources import NO_DISRUPTION, Schedule, poisson_times
from corridors.simulation.streams import Streams

log = logging.getLogger(__name__)


class Train:
    """A moving train: its flow, route and running totals."""

    __slots__ = (
        "arrived_h",
        "border_h",
        "cargo",
        "crossings",
        "entered_h",
        "ferry_h",
        "flow",
        "generated_h",
        "id",
        "moving_h",
        "reroutes",
        "route",
        "route_km",
        "route_label",
        "sim",
        "tonnes",
        "wait_h",
        "where",
    )

    def __init__(self, tid: int, flow: Flow, cargo: CargoClass, now: float, sim: Simulation) -> None:
        self.id = tid
        self.flow = flow
        self.cargo = cargo
        self.tonnes = cargo.net_t_per_train
        self.generated_h = now
        self.entered_h = math.nan
        self.arrived_h = math.nan
        self.route: Route | None = None
        self.route_label = ""
        self.route_km = 0.0
        self.where = f"origin:{flow.origin}"
        self.wait_h = self.border_h = self.ferry_h = self.moving_h = 0.0
        self.crossings = 0
        self.reroutes = 0
        self.sim = sim

    def entered(self, now: float) -> None:
        """Mark the train as entered (called by the first element that admits it)."""
        if math.isnan(self.entered_h):
            self.entered_h = now
            self.sim.waiting_at_origin[self.flow.id] -= 1



class Simulation:
    """One run of a :class:`~corridors.model.RunSpec`.

    Parameters
    ----------
    spec
        The resolved scenario.
    progress
        Optional callable ``progress(sim_day)`` called once per simulated day.
    trace, stop_on_refusal, routes, split
        As for :func:`simulate`.

    Attributes
    ----------
    env
        The SimPy environment (time in hours).
    elements
        One :class:`~corridors.simulation.elements_sim.Element` per link id.
    streams
        The run's random streams, one per purpose and object (:class:`~corridors.simulation.streams.Streams`).
    """

    def __init__(
        self,
        spec: RunSpec,
        *,
        progress: Callable[[float], None] | None = None,
        trace: bool = False,
        stop_on_refusal: frozenset[str] = frozenset(),
        routes: dict[str, list[Route]] | None = None,
        split: dict[str, tuple[float, ...]] | None = None,
    ) -> None:
        self.spec = spec
        self.split = split or {}
        self._assigned: dict[str, list[int]] = {}
        self.trace: list | None = [] if trace else None
        #: Traced: the elements add one Passage per train and element left (records.Passage); else None.
        self.passages: list | None = [] if trace else None
        self.stop_on_refusal = stop_on_refusal
        st = spec.settings
        self.streams = Streams(st.seed)
        self.env = simpy.Environment()
        self.end_h = st.days * HOURS_PER_DAY
        self.warmup_h = st.warmup_days * HOURS_PER_DAY
        self.progress = progress
        ops = spec.operations
        self.maint = (ops.maintenance_start_h % 24.0, ops.maintenance_h)
        net = spec.network
        self.G = route_graph(net)
        self.regions = {r: net.gateways(r) for r in REGIONS}
        self.elements, self.yards = _elements(self, spec)
        self.routes: dict[str, list[Route]] = dict(routes or {})
        self.trains: list[Train] = []
        self.refused: dict[int, str] = {}
        self.waiting_at_origin: Counter = Counter()
        self.route_shares: dict[str, Counter] = defaultdict(Counter)
        self._leg_cache: dict[int, tuple] = {}
        self.queue_days: list[tuple[int, ...]] = []
        self._ids = itertools.count()
        self.rerouter = Rerouter(self)

    # -- time rules -------------------------------------------------------------------

    def maintenance_delay(self, run_h: float) -> float:
        """Hours to wait so that ``[now, now + run_h]`` does not overlap a daily window."""
        start, dur = self.maint
        if dur <= 0:
            return 0.0
        # phase: hours since the latest window opened (0 <= phase < 24)
        phase = (self.env.now - start) % HOURS_PER_DAY
        if phase < dur:
            return dur - phase  # inside the window: wait for it to close
        if run_h <= HOURS_PER_DAY - phase:
            return 0.0  # clears the block before the next window opens
        return HOURS_PER_DAY - phase + dur  # would run into it: wait until it has closed

    def through_windows_h(self, run_h: float) -> float:
        """Elapsed hours from now to run ``run_h`` hours, standing still during each daily window met.

        For double track: the train stops at a station inside the section while
        a window is in force, and runs on when it closes.
        """
        start, dur = self.maint
        # Phase arithmetic, not clock steps: every pass runs 24 - dur > 0 hours,
        # so the loop ends whatever the rounding of a late clock.
        phase = (self.env.now - start) % HOURS_PER_DAY
        elapsed = 0.0
        if phase < dur:
            elapsed, phase = dur - phase, dur  # a window in force: stand until it closes
        left = run_h
        while left > HOURS_PER_DAY - phase:
            left -= HOURS_PER_DAY - phase  # run up to the next window ...
            elapsed += HOURS_PER_DAY - phase + dur  # ... and stand through it
            phase = dur
        return elapsed + left

    # -- demand -------------------------------------------------------------------------

    def _arrivals(self, flow: Flow) -> Iterator[float]:
        """Inter-arrival gaps: timetabled, or a non-homogeneous Poisson process by inversion.

        The flow's unit-rate Poisson points are mapped through the inverse of its
        cumulative intensity (:func:`~corridors.simulation.resources.poisson_times`),
        so a flow scaled by ``s`` sees the same points at ``1/s`` of their
        spacing: runs at different loads of one flow share their random numbers
        too, and a load--delay curve is smooth in the load.
        """
        if flow.departures_h:
            last = 0.0
            for dep in sorted(flow.departures_h):
                yield dep - last
                last = dep
            return
        rate_h = flow.trains_per_year / (365.0 * HOURS_PER_DAY)
        if rate_h <= 0:
            return
        last = 0.0
        for t in poisson_times(rate_h, flow.monthly_profile, self.end_h, self.streams.get("arrivals", flow.id)):
            yield t - last
            last = t
        yield max(self.end_h - last, 0.0)  # to the end of the run: the source stops there

    def _source(self, flow: Flow) -> Iterator:
        """Generate the trains of one flow and start each on its route."""
        cargo = self.spec.cargo[flow.cargo]
        rate_day = flow.trains_per_year / 365.0
        backlog_cap = max(1.0, self.spec.operations.max_origin_backlog_days * rate_day)
        if flow.departures_h:
            backlog_cap = math.inf  # a timetable is run as written
        for gap in self._arrivals(flow):
            yield self.env.timeout(gap)
            if self.env.now >= self.end_h:
                return
            t = Train(next(self._ids), flow, cargo, self.env.now, self)
            self.trains.append(t)
            routes = self._routes_for(flow)
            if not routes:
                self.refused[t.id] = "no_route"
                t.where = "no_route"
                continue
            if self.waiting_at_origin[flow.id] >= backlog_cap:
                self.refused[t.id] = "origin_backlog"
                t.where = "origin_backlog"
                if flow.id in self.stop_on_refusal and not self.aborted.triggered:
                    self.aborted.succeed()
                continue
            self.waiting_at_origin[flow.id] += 1
            self.env.process(self._run_train(t, routes))

    def _routes_for(self, flow: Flow) -> list[Route]:
        if flow.id not in self.routes:
            ops = self.spec.operations
            self.routes[flow.id] = candidate_routes(
                self.G, flow.origin, flow.destination, k=ops.k_routes, max_detour=ops.max_detour,
                via=flow.via, avoid=flow.avoid, regions=self.regions, gateway_detour=ops.gateway_detour, max_overlap=ops.route_overlap_max,
            )
        return self.routes[flow.id]

    def assigned_route(self, flow_id: str, routes: list[Route]) -> Route:
        """Pick the route whose count lags its assigned share most (smooth weighted round-robin).

        Deterministic: the ``n``-th train of a flow takes the route ``r`` that
        minimises ``(trains so far on r + 1) / share r``, so after ``n`` trains
        every route has carried its share to within one train.
        """
        shares = self.split[flow_id]
        if len(shares) != len(routes) or not any(sh > 0 for sh in shares):
            return self.choose_route(routes)  # shares that do not fit the routes: choose as the adaptive rule does
        counts = self._assigned.setdefault(flow_id, [0] * len(routes))
        k = min((i for i, sh in enumerate(shares) if sh > 0), key=lambda i: ((counts[i] + 1) / shares[i], i))
        counts[k] += 1
        return routes[k]

    def choose_route(self, routes: list[Route]) -> Route:
        """Pick the candidate with the least free time plus current expected delay (:func:`route_cost_h`)."""
        w = self.spec.operations.congestion_weight
        if len(routes) == 1 or w == 0:
            return routes[0]
        now = self.env.now
        best, best_cost = routes[0], math.inf
        for r in routes:
            cost = route_cost_h(r.free_h, self._legs(r), now, w)
            if cost < best_cost - 1e-9:
                best, best_cost = r, cost
        return best

    def _legs(self, route: Route) -> tuple:
        """Return the cost terms of ``route`` (:func:`~corridors.simulation.reroute.leg_terms`), cached per route.

        Route choice runs once per train over every leg of every candidate: the
        elements and directions are looked up once per route, and the closures
        of undisturbed elements (most of them) are not asked at all.
        """
        got = self._leg_cache.get(id(route))
        if got is None or got[0] is not route:
            got = self._leg_cache[id(route)] = (route, tuple(leg_terms(route, self)))  # kept alive: its id stays its own
        return got[1]

    def _run_train(self, t: Train, routes: list[Route]) -> Iterator:
        if t.flow.id in self.split:
            route = self.assigned_route(t.flow.id, routes)
        else:
            route = self.choose_route(routes)
        t.route, t.route_label, t.route_km = route, route.label, route.km
        if t.generated_h >= self.warmup_h:
            self.route_shares[t.flow.id][t.route_label] += 1
        yards, rerouter = self.yards, self.rerouter
        pos = 0
        while pos < len(route.legs):
            if pos and rerouter.active:
                rest = rerouter.replan(t, route, pos)
                if rest is not None:
                    route = self._rerouted(t, route, pos, rest)
            here, (lid, fwd) = route.nodes[pos], route.legs[pos]
            if here in yards:
                t.where = here
                yield from yards[here].traverse(t)
            t.where = lid
            start = self.env.now
            yield from self.elements[lid].traverse(t, fwd)
            if self.trace is not None:
                self.trace.append((t.id, lid, fwd, start, self.env.now))
            pos += 1
        if route.nodes[-1] in yards:
            t.where = route.nodes[-1]
            yield from yards[route.nodes[-1]].traverse(t)
        t.arrived_h = self.env.now
        t.where = route.nodes[-1]

    def _sampler(self) -> Iterator:
        """At each day's end, note the trains waiting at every element, per direction (yards: all directions).

        It reads counts and draws no random number, so the run is the same with or without it.
        """
        keys = [(el, d) for el in self.elements.values() for d in ("ab", "ba")]
        keys += [(y, "ab") for y in self.yards.values()]
        while True:
            yield self.env.timeout(HOURS_PER_DAY)
            self.queue_days.append(tuple(el.queued(d) for el, d in keys))

    def _rerouted(self, t: Train, route: Route, pos: int, rest: Route) -> Route:
        """Put ``t`` on ``rest`` from node ``pos`` of ``route``; its route (and the route shares) become the new one."""
        new = joined(route, pos, rest, self)
        if t.generated_h >= self.warmup_h:
            shares = self.route_shares[t.flow.id]
            shares[t.route_label] -= 1
            if not shares[t.route_label]:
                del shares[t.route_label]
            shares[new.label] += 1
        t.route, t.route_label, t.route_km = new, new.label, new.km
        t.reroutes += 1
        return new

    def _ticker(self) -> Iterator:
        day = 0
        while True:
            yield self.env.timeout(HOURS_PER_DAY)
            day += 1
            self.progress(day)

    # -- run ----------------------------------------------------------------------------

    def run(self) -> SimResult:
        """Simulate the horizon and return the results."""
        self.aborted = self.env.event()
        for flow in self.spec.flows:
            self.env.process(self._source(flow))
        if self.progress is not None:
            self.env.process(self._ticker())
        self.env.process(self._sampler())
        with _paced_collector():
            self.env.run(until=self.env.any_of([self.env.timeout(self.end_h), self.aborted]))
        return _collect(self)


def _collect(sim: Simulation) -> SimResult:
    """Gather a finished run's :class:`SimResult`: one record per train, element statistics, queues."""
    records, where = [], Counter()
    n_del = n_in = 0
    for t in sim.trains:
        if t.id in sim.refused:
            status, loc = "refused", sim.refused[t.id]
        elif not math.isnan(t.arrived_h):
            status, loc = "delivered", t.where
            n_del += 1
        else:
            status, loc = "in_network", t.where
            where[loc] += 1
            n_in += 1
        records.append(
            TrainRecord(
                t.id, t.flow.id, t.cargo.name, t.flow.origin, t.flow.destination, status, loc,
                t.route_label, round(t.route_km, 3), t.tonnes, t.generated_h, t.entered_h,
                t.arrived_h, t.wait_h, t.border_h, t.ferry_h, t.moving_h, t.crossings, t.reroutes,
            )
        )
    measured_h = max(sim.end_h - sim.warmup_h, 1e-9)
    elements = {lid: el.result(measured_h) for lid, el in sim.elements.items()}
    yards = {nid: y.stats_all(measured_h) for nid, y in sim.yards.items()}
    refused_by = Counter(sim.refused.values())
    keys = [(lid, d) for lid in sim.elements for d in ("ab", "ba")] + [(nid, "all") for nid in sim.yards]
    days = list(zip(*sim.queue_days)) if sim.queue_days else [()] * len(keys)
    queues = {k: v for k, v in zip(keys, days) if any(v)}
    return SimResult(
        name=sim.spec.name,
        seed=sim.spec.settings.seed,
        sim_days=sim.spec.settings.days,
        warmup_days=sim.spec.settings.warmup_days,
        generated=len(sim.trains),
        delivered=n_del,
        in_network=n_in,
        refused=len(sim.refused),
        refused_by_reason=dict(sorted(refused_by.items())),
        trains=tuple(records),
        elements=elements,
        route_shares={f: dict(sorted(c.items())) for f, c in sorted(sim.route_shares.items())},
        in_network_where=dict(sorted(where.items())),
        trace=tuple(sim.trace or ()),
        yards=yards,
        queues=queues,
        passages=tuple(sim.passages or ()),
    )


def _elements(sim: Simulation, spec: RunSpec) -> tuple[dict[str, Element], dict[str, Yard]]:
    """One element per link (with its closures and slowdowns), and one yard per node that has one."""
    sched = _schedules(spec)
    elements: dict[str, Element] = {}
    for link in spec.network.links.values():
        s = sched.get(link.id, NO_DISRUPTION)
        if isinstance(link, RailSection):
            el = SingleTrack(sim, link, s) if link.tracks == 1 else DoubleTrack(sim, link, s)
        elif isinstance(link, BorderCrossing):
            el = Border(sim, link, s)
        else:
            el = Ferry(sim, link, s)
        elements[link.id] = el
    yards = {nid: Yard(sim, node, NO_DISRUPTION) for nid, node in sorted(spec.network.nodes.items())
             if yard_dwell_h(node) > 0}
    return elements, yards


#: Allocations between two young collections of Python's cyclic garbage collector during a run (default 700).
GC_YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def _paced_collector() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a run is in progress.

    A run keeps tens of thousands of trains, events and generators alive;
    with the default thresholds the collector scans them again and again
    (about 15 % of a baseline run's time and 20 % of a congested one's,
    `bench/scaling.py` and the note of issue 13). The objects that exist
    before the run (network, routes) are frozen out of the scans, and young
    collections come every :data:`GC_YOUNG_THRESHOLD` allocations. Results do
    not depend on the collector.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _schedules(spec: RunSpec) -> dict[str, Schedule]:
    """Disruption intervals per link id, hours (a node target applies to every link touching it)."""
    return {lid: Schedule([(a * HOURS_PER_DAY, b * HOURS_PER_DAY, f) for a, b, f in intervals])
            for lid, intervals in link_disruptions(spec).items()}


def simulate(
    spec: RunSpec,
    *,
    progress: Callable[[float], None] | None = None,
    trace: bool = False,
    stop_on_refusal: frozenset[str] = frozenset(),
    routes: dict[str, list[Route]] | None = None,
    split: dict[str, tuple[float, ...]] | None = None,
) -> SimResult:
    """Run ``spec`` once and return its :class:`SimResult`.

    Parameters
    ----------
    spec
        The resolved scenario.
    progress
        Called with the simulated day number once a day.
    trace
        Also record ``(train_id, link_id, forward, enter_h, leave_h)`` for every
        link every train passes (for tests), and a
        :class:`~corridors.simulation.records.Passage` for every link and yard
        (with the block times on single track), for time-space diagrams.
    stop_on_refusal
        Flow ids whose first refusal at entry ends the run early (the capacity
        search only needs to know that demand outran capacity). The result then
        covers the time simulated so far.
    routes
        Candidate routes per flow id, computed before (:func:`flow_routes`);
        runs of the same network and flows can share them.
    split
        Shares of each flow's trains over its candidate routes (in the order
        of ``routes``), for ``operations.routing: assigned``
        (:func:`corridors.bound.route_split`); flows not in it choose adaptively.

    Returns
    -------
    SimResult
        Counts, one record per train and the measured statistics per element.
    """
    return Simulation(spec, progress=progress, trace=trace, stop_on_refusal=stop_on_refusal, routes=routes,
                      split=split).run()


def flow_routes(spec: RunSpec) -> dict[str, list[Route]]:
    """Compute the candidate routes of every flow of ``spec``, as the simulation does.

    Parameters
    ----------
    spec
        The resolved scenario.

    Returns
    -------
    dict of str to list of Route
        Per flow id, its candidate routes, best (least free time) first; empty
        when the flow has no route.
    """
    sim = Simulation(spec)
    return {f.id: sim._routes_for(f) for f in spec.flows}
