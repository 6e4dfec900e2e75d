"""Simulated capacity per region: the largest stable scaling of a region's flows.

Starting from the LP bound (:mod:`corridors.bound`, its uniform scaling
``lam``), the search brackets the scaling ``s`` of one region's flows (inbound
or outbound; every other flow at its scenario demand) between a stable and an
unstable value and narrows the bracket with simulation runs, two per round so
that both cores work. The first round probes ``0.85 lam`` and ``lam`` (the
bracket starts as ``[0, 1.05 lam]``); each later round probes one and two
thirds of the bracket and shrinks it threefold; up to two extra rounds run
while the bracket is wider than a tenth of its top. The answer is the largest
scaling found stable; the precision is the width of the final bracket, in
Mt/yr.

A run is **stable** for the region when, for the region's trains generated
after the warm-up and early enough to finish (a cohort that leaves a margin of
three free transit times plus five days before the end):

* none was refused at entry (an origin queue that overflows means demand
  outruns capacity),
* at least ``1 - tolerance`` of them were delivered, and
* their mean wait does not grow: the second half of the cohort waits no more
  than 1.5 times the first half plus one day, and
* their backlog does not build: the region's trains in the network at the end
  exceed those at the start of the measured period by at most 2 % of the
  trains generated in it (a queue that grows without bound).
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field, replace

from corridors.bound import Bound, region_flows
from corridors.elements import element_kind, utilisation
from corridors.model import RunSpec
from corridors.simulation import HOURS_PER_DAY, SimResult, flow_routes, simulate

log = logging.getLogger(__name__)


#: First-round probes: this share of the LP scaling, and the scaling itself.
FIRST_PROBE = 0.85
#: A run is unstable when the region's trains in the network grow over the
#: measured period by more than this share of the trains generated in it
#: (and at least this many trains): a queue building at a saturated element.
GROWTH_SHARE = 0.02
GROWTH_MIN_TRAINS = 5
#: Extra rounds allowed while the bracket is wider than this share of its top.
EXTRA_ROUNDS = 2
WIDE_BRACKET = 0.10
#: The search never simulates a region's flows beyond this multiple of their demand.
MAX_SCALE = 20.0


@dataclass(frozen=True)
class Probe:
    """One simulation run of the search: scaling, verdict and why.

    Attributes
    ----------
    scale : float
        Multiple of the region's scenario demand simulated (dimensionless).
    stable : bool
        The verdict of :func:`judge`.
    delivered_share : float
        Share of the cohort delivered (0 to 1).
    refused : int
        Trains of the region refused at entry.
    reason : str
        Why the run is (un)stable, for people.
    utilisation : dict
        ``link id -> utilisation`` of the elements at 90% of capacity or more,
        busiest first (see :func:`busy_elements`).
    """

    scale: float
    stable: bool
    delivered_share: float
    refused: int
    reason: str
    utilisation: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulatedCapacity:
    """Result of the search for one region and direction.

    Attributes
    ----------
    region, direction : str
        What was searched.
    scale : float or None
        The largest scaling found stable (multiple of demand); ``None`` when
        there was nothing to search.
    simulated_mt : float or None
        The simulated capacity, ``scale * demand``, Mt/yr.
    precision_mt : float or None
        Width of the final bracket, Mt/yr.
    probes : tuple of Probe
        Every run of the search, in the order run.
    note : str
        Why there is no answer, or that the search was capped; empty otherwise.
    """

    region: str
    direction: str
    scale: float | None
    simulated_mt: float | None
    precision_mt: float | None
    probes: tuple[Probe, ...] = ()
    note: str = ""


def scaled_spec(spec: RunSpec, region: str, direction: str, scale: float) -> RunSpec:
    """``spec`` with the flows of ``region``/``direction`` multiplied by ``scale``."""
    ids = {f.id for f in region_flows(spec, region, direction)}
    return spec.with_flows(f.scaled(scale) if f.id in ids else f for f in spec.flows)


def _margin_h(routes: dict[str, list], ids: set[str]) -> float:
    """Cohort margin: three times the longest free transit of the region's flows, plus five days.

    ``routes`` are the flows' candidate routes (best first), as the probes use them.
    """
    longest = max((routes[f][0].free_h for f in ids if routes.get(f)), default=0.0)
    return 3 * longest + 5 * HOURS_PER_DAY


def judge(spec: RunSpec, res: SimResult, ids: set[str], *, tolerance: float, margin_h: float) -> Probe:
    """Is the run stable for the flows ``ids``? (see the module docstring)."""
    warm = res.warmup_days * HOURS_PER_DAY
    last = res.sim_days * HOURS_PER_DAY - margin_h
    # Any refusal of the region's trains, warm-up included, means the origin
    # queue overflowed (and may have ended the run early).
    refused = sum(t.status == "refused" for t in res.trains if t.flow in ids)
    if refused:
        return Probe(0.0, False, 0.0, refused, f"{refused} trains refused at entry")
    cohort = [t for t in res.trains if t.flow in ids and warm <= t.generated_h < last]
    if not cohort:
        return Probe(0.0, True, 1.0, 0, "no trains in the cohort")
    delivered = [t for t in cohort if t.status == "delivered"]
    share = len(delivered) / len(cohort)
    half = len(cohort) // 2
    def mean_wait(ts):
        done = [t.arrived_h - t.generated_h - t.moving_h for t in ts if t.status == "delivered"]
        return sum(done) / len(done) if done else float("inf")
    w1, w2 = mean_wait(cohort[:half] or cohort), mean_wait(cohort[half:])
    if share < 1 - tolerance:
        return Probe(0.0, False, share, 0, f"only {share:.1%} delivered")
    if w2 > 1.5 * w1 + HOURS_PER_DAY:
        return Probe(0.0, False, share, 0, f"waits grow ({w1:.0f} h -> {w2:.0f} h)")
    # A backlog that keeps building: trains of the region in the network at the
    # end of the run against the start of the measured period.
    end = res.sim_days * HOURS_PER_DAY
    def in_network(at: float) -> int:
        return sum(1 for t in res.trains if t.flow in ids and t.generated_h <= at
                   and not (t.status == "delivered" and t.arrived_h <= at))
    growth = in_network(end) - in_network(warm)
    window = sum(1 for t in res.trains if t.flow in ids and t.generated_h >= warm)
    if growth > max(GROWTH_MIN_TRAINS, GROWTH_SHARE * window):
        return Probe(0.0, False, share, 0, f"backlog grows by {growth} trains")
    return Probe(0.0, True, share, 0, "stable")


def _probe(args) -> Probe:
    spec, region, direction, scale, tolerance, margin_h, routes = args
    ids = {f.id for f in region_flows(spec, region, direction)}
    run = scaled_spec(spec, region, direction, scale)
    res = simulate(run, stop_on_refusal=frozenset(ids), routes=routes)
    p = judge(spec, res, ids, tolerance=tolerance, margin_h=margin_h)
    return replace(p, scale=scale, utilisation=busy_elements(run, res))


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
        Link id -> utilisation rounded to 4 decimals, in decreasing order.
    """
    from corridors.results import capacities

    caps = capacities(spec)
    out = {}
    for lid, cap in caps.items():
        el = res.elements[lid]
        out[lid] = utilisation(spec.network.links[lid], cap, el.ab.trains_per_day, el.ba.trains_per_day)
    busy = {k: round(v, 4) for k, v in out.items() if v >= threshold}
    return dict(sorted(busy.items(), key=lambda kv: -kv[1]))


def search_capacity(spec: RunSpec, bound: Bound, **kw) -> SimulatedCapacity:
    """Find the simulated capacity of one region and direction (see :func:`search_many`)."""
    return search_many([(spec, bound)], **kw)[0]


@dataclass
class _Search:
    """In-flight state of one search (mutable: :meth:`record` updates it each round).

    Attributes
    ----------
    spec : RunSpec
        The scenario as the probes run it (search horizon applied).
    bound : Bound
        The LP bound the search starts from.
    margin_h : float
        Cohort margin before the end of a run, h (see :func:`_margin_h`).
    routes : dict
        Candidate routes per flow id, shared by every probe of the scenario.
    top : float
        The LP scaling, capped at :data:`MAX_SCALE`.
    lo, hi : float
        The bracket: largest stable scaling below the smallest unstable one.
    probes : list of Probe
        Every probe so far, in the order run.
    round : int
        Rounds completed.
    """

    spec: RunSpec
    bound: Bound
    margin_h: float
    routes: dict
    top: float
    lo: float = 0.0
    hi: float = 0.0
    probes: list[Probe] = field(default_factory=list)
    round: int = 0

    def points(self) -> tuple[float, float]:
        """Scalings to probe next (dimensionless multiples of demand)."""
        # The first round probes just below and at the LP scaling, where the
        # answer usually lies; later rounds cut the bracket in three.
        lo, hi = self.lo, self.hi
        if self.round == 0:
            return (FIRST_PROBE * self.top, self.top)
        return (lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3)

    def probe_args(self, tolerance: float) -> list[tuple]:
        """Arguments of :func:`_probe` for the next round's two runs."""
        b = self.bound
        return [(self.spec, b.region, b.direction, s, tolerance, self.margin_h, self.routes) for s in self.points()]

    def record(self, found: list[Probe]) -> None:
        """Add a round's probes and narrow the bracket."""
        self.probes += found
        self.round += 1
        # Noise can make a higher scaling look stable above an unstable one:
        # the bracket's top is the smallest unstable scaling seen, its bottom
        # the largest stable one below it.
        unstable = [p.scale for p in self.probes if not p.stable]
        self.hi = min([self.hi, *unstable])
        self.lo = max([0.0, *(p.scale for p in self.probes if p.stable and p.scale < self.hi)])

    def more(self, rounds: int) -> bool:
        """Whether another round is due, after at least ``rounds``."""
        # At least ``rounds`` rounds; up to two more while the bracket is still
        # wider than a tenth of its top (the answer lay far below the LP scaling).
        if self.round < rounds:
            return True
        return self.round < rounds + EXTRA_ROUNDS and self.hi - self.lo > WIDE_BRACKET * self.hi


def _start(spec: RunSpec, bound: Bound, routes: dict, days: float | None,
           warmup_days: float | None) -> _Search:
    """Set up a search: horizon set, margin computed, bracket ``[0, 1.05 top]``."""
    kw = {}
    if days is not None:
        kw["days"] = days
    if warmup_days is not None:
        kw["warmup_days"] = warmup_days
    run_spec = spec.with_settings(**kw) if kw else spec
    ids = {f.id for f in region_flows(spec, bound.region, bound.direction)}
    margin = _margin_h(routes, ids)
    st = run_spec.settings
    if st.days * HOURS_PER_DAY - margin <= st.warmup_days * HOURS_PER_DAY:
        run_spec = run_spec.with_settings(days=st.warmup_days + margin / HOURS_PER_DAY + 30)
    top = min(bound.scale, MAX_SCALE)
    return _Search(run_spec, bound, margin, routes, top, lo=0.0, hi=top * 1.05)


def _run_rounds(active: list[_Search], *, rounds: int, tolerance: float, executor: Executor | None) -> None:
    """Run every search's rounds, serially or on ``executor``."""
    if executor is None:
        for s in active:
            while s.more(rounds):
                s.record([_probe(a) for a in s.probe_args(tolerance)])
        return
    # Each search moves to its next round as soon as its own two probes are
    # back, so the pool never waits for the slowest search of a round.
    pending: dict = {}
    for k, s in enumerate(active):
        pending[k] = [executor.submit(_probe, a) for a in s.probe_args(tolerance)]
    while pending:
        wait([f for fs in pending.values() for f in fs], return_when=FIRST_COMPLETED)
        for k in [k for k, fs in pending.items() if all(f.done() for f in fs)]:
            s = active[k]
            s.record([f.result() for f in pending.pop(k)])
            if s.more(rounds):
                pending[k] = [executor.submit(_probe, a) for a in s.probe_args(tolerance)]


def _result(bound: Bound, s: _Search | None) -> SimulatedCapacity:
    """Read the answer of a finished search (or of one never started: ``s is None``)."""
    if s is None:
        return SimulatedCapacity(bound.region, bound.direction, None, None, None, note=bound.note or "no flows")
    note = ""
    if bound.scale > MAX_SCALE:
        note = f"search capped at {MAX_SCALE:g} x demand (LP scaling {bound.scale:.0f})"
    d = bound.demand_mt
    return SimulatedCapacity(bound.region, bound.direction, s.lo, s.lo * d, (s.hi - s.lo) * d, tuple(s.probes),
                             note=note)


def search_many(
    items: list[tuple[RunSpec, Bound]],
    *,
    rounds: int = 2,
    tolerance: float = 0.05,
    days: float | None = None,
    warmup_days: float | None = None,
    executor: Executor | None = None,
) -> list[SimulatedCapacity]:
    """Search several ``(scenario, bound)`` pairs in lock-step, so a pool stays busy.

    Parameters
    ----------
    items : list of (RunSpec, Bound)
        Scenario and its LP bound for one region and direction; the search
        starts from the bound.
    rounds : int
        Rounds of two runs each; every bracket shrinks threefold per round.
    tolerance : float
        Share of the cohort that may stay undelivered in a stable run.
    days, warmup_days : float, optional
        Horizon of the search runs, days (default: each scenario's own).
    executor : Executor, optional
        Runs the probes of a round in parallel (a process pool); serial when ``None``.

    Returns
    -------
    list of SimulatedCapacity
        One per item, in order; without a scaling (and with a note) where the
        bound has none or the region no demand.
    """
    searches: list[_Search | None] = []
    route_cache: dict[int, dict] = {}
    for spec, bound in items:
        if bound.scale is None or bound.demand_mt <= 0:
            searches.append(None)
            continue
        if id(spec) not in route_cache:  # scaling changes volumes, not routes: compute once per scenario
            route_cache[id(spec)] = flow_routes(spec)
        searches.append(_start(spec, bound, route_cache[id(spec)], days, warmup_days))
    _run_rounds([s for s in searches if s is not None], rounds=rounds, tolerance=tolerance, executor=executor)
    return [_result(bound, s) for (_spec, bound), s in zip(items, searches)]


@dataclass(frozen=True)
class Bottleneck:
    """An element busy in the run at the simulated capacity.

    Attributes
    ----------
    id : str
        Link id.
    kind : str
        ``single_track``, ``double_track``, ``border`` or ``ferry``.
    utilisation : float
        Its load over its analytic capacity in that run (dimensionless, 4 decimals).
    """

    id: str
    kind: str
    utilisation: float


def bottlenecks_at(sc: SimulatedCapacity, spec: RunSpec) -> tuple[Bottleneck, ...]:
    """Elements above 90% of capacity in the run at the simulated capacity, busiest first.

    That is the stable probe at the answer; when no scaling was stable, the
    smallest unstable probe stands in.

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
    if not sc.probes:
        return ()
    stable = [p for p in sc.probes if p.stable and abs(p.scale - sc.scale) < 1e-12]
    probe = stable[0] if stable else min(sc.probes, key=lambda p: p.scale)
    return tuple(Bottleneck(lid, element_kind(spec.network.links[lid]), u) for lid, u in probe.utilisation.items())
