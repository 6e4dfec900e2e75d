"""Discrete-event simulation of freight trains on the network (SimPy).

Time is in **hours** (float) from 1 January 00:00 of the first simulated year;
day ``d`` is ``[24 d, 24 (d + 1))``. Distances are km, speeds km/h.

What occupies what
------------------
* **Single track.** A section with loop spacing ``s`` is cut into
  ``n = max(1, round(length / s))`` equal blocks between passing loops. A block
  is a resource of capacity one shared by both directions: opposing trains can
  only meet in a loop, and a following train keeps at least one block behind.
  A train holds a block for its running time plus the meeting overhead (the
  block is released ``overhead`` after the train has left it). Where trains
  wait for the same block, the one further into the section goes first
  (then cargo priority, then arrival order): clearing the line keeps opposing
  trains from filling the loops and halving the throughput.
* **Double track.** Each direction has an entry gate held for one headway per
  train; a train leaves a section no earlier than one headway after the train
  ahead of it, so there is no overtaking inside a section.
* **Maintenance.** Every day from ``maintenance_start_h`` for ``maintenance_h``
  no train enters a block or double-track section that it could not clear
  before the window opens.
* **Border crossings.** Per direction, ``handling_tracks`` parallel servers with
  a log-normal dwell (typical ``dwell_h``, spread ``dwell_cv``), and a daily
  exchange limit where one exists (the count resets at midnight).
* **Caspian ferries.** Vessels cycle between the two ports. A train is split
  into wagon lots; a vessel loads until full or until ``max_wait_h`` after it
  started loading, sails (not while a storm or closure is on), unloads, and the
  train is made up again when its last wagon is ashore. Storms are random,
  with a winter-heavy season and a long-run share ``weather_downtime_share``.
* **Closures and slowdowns** (scenario disruptions) stop entry into an element,
  or divide its speed or handling rate by ``1 / factor``, for their interval.

Deadlock freedom
----------------
No train ever waits for a resource while holding another one in a way that
depends on that wait: a block is released a fixed time after entry whatever
happens next, loops (and yards at borders and ports) hold any number of
waiting trains, and vessels always sail after at most ``max_wait_h``. The
"hold and wait" condition of a deadlock therefore never arises; the stress
test in ``tests/test_simulation.py`` checks it under heavy opposing traffic.

Counting
--------
Every generated train ends as delivered, still in the network (with the
element it is on or waiting for), or refused at entry (``origin_backlog``:
more than ``max_origin_backlog_days`` of the flow's trains are already
waiting to enter; ``no_route``: no route exists). :class:`SimResult` keeps the
three counts, and they add up by construction and by test.

The module imports neither geopandas nor matplotlib; its input
(:class:`~corridors.model.RunSpec`) and output (:class:`SimResult`) are plain
picklable data.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import simpy

from corridors import REGIONS
from corridors.model import CargoClass, Flow, RunSpec
from corridors.network import BorderCrossing, FerryLink, RailSection
from corridors.routing import Route, candidate_routes, route_graph

log = logging.getLogger(__name__)

HOURS_PER_DAY = 24.0
_MONTH_START_DAY = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
#: Relative storm frequency by month on the Caspian (winter-heavy; ASSUMPTION,
#: networks/SOURCES.md "Weather"). Normalised to mean 1 at use.
WEATHER_SEASON = (2.0, 1.8, 1.3, 0.8, 0.6, 0.4, 0.4, 0.5, 0.7, 1.0, 1.4, 1.9)
#: Mean length of one Caspian storm closure, hours (ASSUMPTION: storms of 1–2 days).
STORM_MEAN_H = 36.0


def month_of(t_h: float) -> int:
    """Month index 0..11 of simulation time ``t_h`` (a 365-day year)."""
    day = (t_h / HOURS_PER_DAY) % 365.0
    return int(np.searchsorted(_MONTH_START_DAY, day, side="right") - 1)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class TrainRecord:
    """One train's life, for ``trains.csv``. Times in hours; ``nan`` where not reached."""

    train_id: int
    flow: str
    cargo: str
    origin: str
    destination: str
    status: str  # delivered | in_network | refused
    where: str  # last element (in network), refusal reason, or destination node
    route: str  # node ids joined by ">"
    route_km: float
    tonnes: float
    generated_h: float
    entered_h: float
    arrived_h: float
    wait_h: float
    border_h: float
    ferry_h: float
    moving_h: float
    border_crossings: int


@dataclass
class ElementStats:
    """Occupancy and waiting at one element in one direction (``"ab"`` / ``"ba"`` / ``"both"``)."""

    trains: int = 0
    busy_h: float = 0.0
    wait_sum_h: float = 0.0
    wait_max_h: float = 0.0
    waits: list = field(default_factory=list)
    queue_area: float = 0.0
    queue_max: int = 0


@dataclass(frozen=True)
class SimResult:
    """Everything a run produced, as plain data.

    Attributes
    ----------
    name, seed, sim_days, warmup_days
        Identity and horizon of the run.
    generated, delivered, in_network, refused
        Train counts over the whole run; ``generated`` is the sum of the others.
    refused_by_reason
        Refusals by reason.
    trains
        One :class:`TrainRecord` per generated train, in id order.
    elements
        Per link id and direction: a dict of measured statistics (after warm-up).
    route_shares
        Per flow: route label -> trains that took it (measured period).
    in_network_where
        Element (or ``origin:<node>``) -> trains there at the end.
    """

    name: str
    seed: int
    sim_days: float
    warmup_days: float
    generated: int
    delivered: int
    in_network: int
    refused: int
    refused_by_reason: dict[str, int]
    trains: tuple[TrainRecord, ...]
    elements: dict[str, dict[str, dict[str, float]]]
    route_shares: dict[str, dict[str, int]]
    in_network_where: dict[str, int]
    trace: tuple[tuple[int, str, bool, float, float], ...] = ()


# --------------------------------------------------------------------------- disruptions


class Schedule:
    """Closures and slowdowns of one element: sorted, possibly overlapping intervals (hours)."""

    __slots__ = ("intervals",)

    def __init__(self, intervals: list[tuple[float, float, float]]) -> None:
        self.intervals = sorted(intervals)

    def closed_until(self, t: float) -> float | None:
        """End of the closure in force at ``t`` (following chained closures), else ``None``."""
        end = None
        changed = True
        while changed:
            changed = False
            for a, b, f in self.intervals:
                probe = end if end is not None else t
                if f == 0.0 and a <= probe < b:
                    end = b
                    changed = True
        return end

    def factor(self, t: float) -> float:
        """Remaining share of speed / handling rate at ``t`` (1 when normal)."""
        f = 1.0
        for a, b, g in self.intervals:
            if a <= t < b and g > 0:
                f = min(f, g)
        return f


_NO_DISRUPTION = Schedule([])


# --------------------------------------------------------------------------- trains


class Train:
    """A moving train: its flow, route and running totals."""

    __slots__ = (
        "id", "flow", "cargo", "tonnes", "generated_h", "entered_h", "arrived_h", "route", "where",
        "wait_h", "border_h", "ferry_h", "moving_h", "crossings", "sim", "route_label", "route_km",
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
        self.sim = sim

    def entered(self, now: float) -> None:
        """Called by the first element that admits the train."""
        if math.isnan(self.entered_h):
            self.entered_h = now
            self.sim.waiting_at_origin[self.flow.id] -= 1


# --------------------------------------------------------------------------- elements


class Element:
    """Base class: one link of the network as a set of SimPy resources."""

    kind = ""

    def __init__(self, sim: Simulation, link, schedule: Schedule) -> None:
        self.sim = sim
        self.env = sim.env
        self.link = link
        self.id = link.id
        self.schedule = schedule
        self.stats = {"ab": ElementStats(), "ba": ElementStats()}
        self.waiting = {"ab": 0, "ba": 0}

    def measuring(self, t: float) -> bool:
        return t >= self.sim.warmup_h

    def _wait_open(self, t: Train) -> Iterator:
        """Wait while a closure is in force."""
        end = self.schedule.closed_until(self.env.now)
        while end is not None:
            yield self.env.timeout(end - self.env.now)
            end = self.schedule.closed_until(self.env.now)

    def _busy(self, d: str, start: float, dur: float) -> None:
        """Add the measured part of an occupation ``[start, start+dur)`` to direction ``d``."""
        lo = max(start, self.sim.warmup_h)
        hi = min(start + dur, self.sim.end_h)
        if hi > lo:
            self.stats[d].busy_h += hi - lo

    def _waited(self, d: str, arrived: float, granted: float) -> None:
        """Record one train's wait ``granted - arrived``, counted when it ends in the measured period."""
        if self.measuring(granted):
            s = self.stats[d]
            w = max(0.0, granted - arrived)
            s.wait_sum_h += w
            s.waits.append(w)
            if w > s.wait_max_h:
                s.wait_max_h = w

    def _passed(self, d: str) -> None:
        """Count one train leaving the element now (throughput of the measured period)."""
        if self.measuring(self.env.now):
            self.stats[d].trains += 1

    def delay_estimate_h(self, d: str) -> float:
        """Expected extra wait for a train deciding now (used by route choice)."""
        return 0.0

    def traverse(self, t: Train, forward: bool) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError


class Block:
    """One block between passing loops: held by at most one train at a time.

    A light replacement for ``simpy.PriorityResource`` on the engine's hot
    path: an uncontended request costs no event. Waiting trains are served
    by ``(priority, arrival order)``; the block becomes free ``overhead``
    after its holder has left it.
    """

    __slots__ = ("env", "held", "free_at", "queue", "seq", "wake_pending", "holder_dir")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.held = False
        self.free_at = -math.inf
        self.queue: list = []
        self.seq = 0
        self.wake_pending = False
        self.holder_dir: str | None = None

    def acquire(self, priority: float) -> simpy.Event | None:
        """Take the block now (returns ``None``) or get an event that fires when granted."""
        now = self.env.now
        if not self.held and not self.queue and self.free_at <= now:
            self.held = True
            return None
        ev = self.env.event()
        self.seq += 1
        heapq.heappush(self.queue, (priority, self.seq, ev))
        self._schedule_wake()
        return ev

    def release(self, free_at: float) -> None:
        """The holder has left; the block is free for others from ``free_at``."""
        self.held = False
        self.holder_dir = None
        self.free_at = free_at
        if self.queue and not self.wake_pending:
            self._schedule_wake()

    def _schedule_wake(self) -> None:
        if self.held or not self.queue or self.wake_pending:
            return
        self.wake_pending = True
        delay = max(0.0, self.free_at - self.env.now)
        self.env.timeout(delay).callbacks.append(self._grant)

    def _grant(self, _event) -> None:
        self.wake_pending = False
        if self.held or not self.queue:
            return
        if self.free_at > self.env.now:
            self._schedule_wake()
            return
        self.held = True
        heapq.heappop(self.queue)[2].succeed()


class SingleTrack(Element):
    """A single-track section cut into blocks between passing loops."""

    kind = "single"

    def __init__(self, sim, link: RailSection, schedule) -> None:
        super().__init__(sim, link, schedule)
        spacing = min(link.loop_spacing_km, link.length_km)
        self.n_blocks = max(1, round(link.length_km / spacing))
        self.block_km = link.length_km / self.n_blocks
        self.overhead_h = sim.spec.operations.meet_overhead_min / 60.0
        self.blocks = [Block(self.env) for _ in range(self.n_blocks)]
        self.block_busy = [0.0] * self.n_blocks
        self.max_opposing = 0  # invariant check: never > 0

    def delay_estimate_h(self, d: str) -> float:
        waiting = self.waiting["ab"] + self.waiting["ba"]
        return waiting * (self.block_km / self.link.speed_kmh + self.overhead_h)

    def traverse(self, t: Train, forward: bool) -> Iterator:
        # The engine's hot path: locals instead of attribute lookups, totals
        # added to the train once per section.
        env, sim = self.env, self.sim
        d = "ab" if forward else "ba"
        order = range(self.n_blocks) if forward else range(self.n_blocks - 1, -1, -1)
        speed = self.link.speed_kmh * min(t.cargo.speed_factor, 1.2)
        base_run_h = self.block_km / speed
        disrupted = self.schedule is not _NO_DISRUPTION
        overhead_h = self.overhead_h
        blocks, block_busy = self.blocks, self.block_busy
        priority = t.cargo.priority
        warm = sim.warmup_h
        m_start, m_dur = sim.maint
        arrived = env.now
        waited = moving = busy = 0.0
        for progress, i in enumerate(order):
            block = blocks[i]
            req_t = env.now
            # Trains further into the section go first: clearing the line keeps
            # the loops from filling with trains that block each other.
            ev = block.acquire(priority - 100 * progress)
            if ev is not None:
                self.waiting[d] += 1
                yield ev
                self.waiting[d] -= 1
            if disrupted:
                yield from self._wait_open(t)
                run_h = base_run_h / self.schedule.factor(env.now)
            else:
                run_h = base_run_h
            if m_dur > 0:
                # inline of Simulation.maintenance_delay (hot path)
                phase = (env.now - m_start) % HOURS_PER_DAY
                if phase < m_dur or run_h > HOURS_PER_DAY - phase:
                    yield env.timeout(sim.maintenance_delay(run_h))
            if block.holder_dir is not None:
                self.max_opposing += 1  # two trains in one block: must never happen
            block.holder_dir = d
            if progress == 0:
                t.entered(env.now)
            waited += env.now - req_t
            hold = run_h + overhead_h
            block_busy[i] += hold
            if env.now >= warm:
                busy += hold
            yield env.timeout(run_h)
            moving += run_h
            block.release(env.now + overhead_h)
        t.wait_h += waited
        t.moving_h += moving
        self.stats[d].busy_h += busy / self.n_blocks
        self._waited(d, arrived, arrived + waited)
        self._passed(d)


class DoubleTrack(Element):
    """A double-track section: each direction with its own headway gate, no overtaking."""

    kind = "double"

    def __init__(self, sim, link: RailSection, schedule) -> None:
        super().__init__(sim, link, schedule)
        self.headway_h = link.headway_min / 60.0
        self.gates = {d: Block(self.env) for d in ("ab", "ba")}
        self.last_exit = {"ab": -math.inf, "ba": -math.inf}

    def delay_estimate_h(self, d: str) -> float:
        return self.waiting[d] * self.headway_h

    def traverse(self, t: Train, forward: bool) -> Iterator:
        env = self.env
        d = "ab" if forward else "ba"
        gate = self.gates[d]
        arrived = env.now
        ev = gate.acquire(t.cargo.priority)
        if ev is not None:
            self.waiting[d] += 1
            yield ev
            self.waiting[d] -= 1
        if self.schedule is not _NO_DISRUPTION:
            yield from self._wait_open(t)
        delay = self.sim.maintenance_delay(0.0)
        if delay > 0:
            yield self.env.timeout(delay)
        t.entered(env.now)
        t.wait_h += env.now - arrived
        self._waited(d, arrived, env.now)
        self._busy(d, env.now, self.headway_h)
        gate.release(env.now + self.headway_h)  # the next train may enter one headway later
        speed = self.link.speed_kmh * min(t.cargo.speed_factor, 1.2) * self.schedule.factor(env.now)
        run_h = self.link.length_km / speed
        exit_at = max(env.now + run_h, self.last_exit[d] + self.headway_h)
        self.last_exit[d] = exit_at
        t.moving_h += run_h
        t.wait_h += exit_at - env.now - run_h
        yield env.timeout(exit_at - env.now)
        self._passed(d)


class Border(Element):
    """A border crossing: parallel handling tracks per direction, random dwell, daily limit."""

    kind = "border"

    def __init__(self, sim, link: BorderCrossing, schedule) -> None:
        super().__init__(sim, link, schedule)
        self.tracks = {d: simpy.PriorityResource(self.env, capacity=link.handling_tracks) for d in ("ab", "ba")}
        self.limit = link.exchange_limit_trains_per_day
        self.day_count = {"ab": (-1, 0), "ba": (-1, 0)}
        cv = link.dwell_cv
        self.sigma = math.sqrt(math.log1p(cv * cv)) if cv > 0 else 0.0
        self.mu = math.log(link.dwell_h) - self.sigma**2 / 2

    def delay_estimate_h(self, d: str) -> float:
        return self.waiting[d] * self.link.dwell_h / self.link.handling_tracks

    def dwell_h(self) -> float:
        if self.sigma == 0.0:
            return self.link.dwell_h
        return float(self.sim.rng.lognormal(self.mu, self.sigma))

    def traverse(self, t: Train, forward: bool) -> Iterator:
        env = self.env
        d = "ab" if forward else "ba"
        arrived = env.now
        self.waiting[d] += 1
        req = self.tracks[d].request(priority=t.cargo.priority)
        yield req
        self.waiting[d] -= 1
        yield from self._wait_open(t)
        if self.limit is not None:
            while True:
                day = int(env.now // HOURS_PER_DAY)
                seen_day, n = self.day_count[d]
                if seen_day != day:
                    n = 0
                if n < self.limit:
                    self.day_count[d] = (day, n + 1)
                    break
                yield env.timeout((day + 1) * HOURS_PER_DAY - env.now)
        t.entered(env.now)
        self._waited(d, arrived, env.now)
        dwell = self.dwell_h() / self.schedule.factor(env.now)
        self._busy(d, env.now, dwell)
        t.wait_h += env.now - arrived
        yield env.timeout(dwell)
        self.tracks[d].release(req)
        t.border_h += env.now - arrived
        t.crossings += 1
        self._passed(d)


class Ferry(Element):
    """A rail-ferry link: vessels cycling between two ports, trains split into wagon lots."""

    kind = "ferry"

    def __init__(self, sim, link: FerryLink, schedule) -> None:
        super().__init__(sim, link, schedule)
        self.queue = {"ab": deque(), "ba": deque()}  # [train, wagons_left_to_load, done_event, counter]
        self.queued_wagons = {"ab": 0, "ba": 0}
        self.docked = {"ab": 0, "ba": 0}  # vessels at the port where direction d starts
        self.arrival = {"ab": self.env.event(), "ba": self.env.event()}
        self.storm_until = 0.0
        self.sailings = {"ab": 0, "ba": 0}
        self.wagons_carried = {"ab": 0, "ba": 0}
        for k in range(link.vessels):
            self.env.process(self._vessel("ab" if k % 2 == 0 else "ba"))
        if link.weather_downtime_share > 0:
            self.env.process(self._weather())

    def delay_estimate_h(self, d: str) -> float:
        lk = self.link
        per_h = lk.vessels * lk.wagons_per_vessel / (2 * lk.crossing_h + 4 * lk.port_handling_h)
        return self.queued_wagons[d] / per_h + lk.max_wait_h / 2

    def _weather(self) -> Iterator:
        """Alternate calm spells and storms; storm share ``weather_downtime_share`` in the long run."""
        share = self.link.weather_downtime_share
        season = np.asarray(WEATHER_SEASON) / np.mean(WEATHER_SEASON)
        calm_mean_h = STORM_MEAN_H * (1 - share) / share
        rng = self.sim.rng
        while True:
            w = season[month_of(self.env.now)]
            yield self.env.timeout(float(rng.exponential(calm_mean_h / w)))
            dur = float(rng.exponential(STORM_MEAN_H))
            self.storm_until = self.env.now + dur
            yield self.env.timeout(dur)

    def _can_sail(self) -> float | None:
        """``None`` if a vessel may depart now, else the time to wait until."""
        ends = []
        if self.storm_until > self.env.now:
            ends.append(self.storm_until)
        closed = self.schedule.closed_until(self.env.now)
        if closed is not None:
            ends.append(closed)
        return max(ends) if ends else None

    def _vessel(self, d: str) -> Iterator:
        env, lk = self.env, self.link
        other = {"ab": "ba", "ba": "ab"}
        while True:
            self.docked[d] += 1
            # Wait for cargo here, or reposition empty if the other port has cargo and no vessel.
            while not self.queue[d]:
                if self.queue[other[d]] and self.docked[other[d]] == 0:
                    break
                yield self.arrival[d] | self.arrival[other[d]]
            load: list = []
            loaded = 0
            started = env.now
            while loaded < lk.wagons_per_vessel:
                while self.queue[d] and loaded < lk.wagons_per_vessel:
                    entry = self.queue[d][0]
                    take = min(entry[1], lk.wagons_per_vessel - loaded)
                    entry[1] -= take
                    loaded += take
                    self.queued_wagons[d] -= take
                    load.append((entry, take))
                    if entry[1] == 0:
                        self.queue[d].popleft()
                remaining = started + lk.max_wait_h - env.now
                if loaded >= lk.wagons_per_vessel or remaining <= 0 or loaded == 0:
                    break
                yield self.arrival[d] | env.timeout(remaining)
            if loaded:
                yield env.timeout(lk.port_handling_h / self.schedule.factor(env.now))
            until = self._can_sail()
            while until is not None:
                yield env.timeout(until - env.now)
                until = self._can_sail()
            self.docked[d] -= 1
            if self.measuring(env.now):
                self.sailings[d] += 1
                self.wagons_carried[d] += loaded
            self._busy(d, env.now, lk.crossing_h)
            yield env.timeout(lk.crossing_h)
            if loaded:
                yield env.timeout(lk.port_handling_h / self.schedule.factor(env.now))
            for entry, take in load:
                entry[3] -= take
                if entry[3] == 0:
                    entry[2].succeed()
            d = other[d]

    def traverse(self, t: Train, forward: bool) -> Iterator:
        env = self.env
        d = "ab" if forward else "ba"
        arrived = env.now
        t.entered(env.now)
        wagons = t.cargo.wagons_per_train
        done = env.event()
        self.queue[d].append([t, wagons, done, wagons])
        self.queued_wagons[d] += wagons
        ev, self.arrival[d] = self.arrival[d], env.event()
        ev.succeed()
        yield done
        total = env.now - arrived
        t.ferry_h += total
        t.moving_h += self.link.crossing_h
        t.wait_h += max(0.0, total - self.link.crossing_h - 2 * self.link.port_handling_h)
        self._waited(d, arrived, env.now - self.link.crossing_h - 2 * self.link.port_handling_h)
        self._passed(d)


# --------------------------------------------------------------------------- engine


class Simulation:
    """One run of a :class:`~corridors.model.RunSpec`.

    Parameters
    ----------
    spec
        The resolved scenario.
    progress
        Optional callable ``progress(sim_day)`` called once per simulated day.
    """

    def __init__(
        self,
        spec: RunSpec,
        *,
        progress: Callable[[float], None] | None = None,
        trace: bool = False,
        stop_on_refusal: frozenset[str] = frozenset(),
        routes: dict[str, list[Route]] | None = None,
    ) -> None:
        self.spec = spec
        self.trace: list | None = [] if trace else None
        self.stop_on_refusal = stop_on_refusal
        st = spec.settings
        self.rng = np.random.default_rng(st.seed)
        self.env = simpy.Environment()
        self.end_h = st.days * HOURS_PER_DAY
        self.warmup_h = st.warmup_days * HOURS_PER_DAY
        self.progress = progress
        ops = spec.operations
        self.maint = (ops.maintenance_start_h % 24.0, ops.maintenance_h)
        net = spec.network
        self.G = route_graph(net)
        self.regions = {r: net.gateways(r) for r in REGIONS}
        sched = _schedules(spec)
        self.elements: dict[str, Element] = {}
        for link in net.links.values():
            s = sched.get(link.id, _NO_DISRUPTION)
            if isinstance(link, RailSection):
                el = SingleTrack(self, link, s) if link.tracks == 1 else DoubleTrack(self, link, s)
            elif isinstance(link, BorderCrossing):
                el = Border(self, link, s)
            else:
                el = Ferry(self, link, s)
            self.elements[link.id] = el
        self.routes: dict[str, list[Route]] = dict(routes or {})
        self.trains: list[Train] = []
        self.refused: dict[int, str] = {}
        self.waiting_at_origin: Counter = Counter()
        self.route_shares: dict[str, Counter] = defaultdict(Counter)
        self._ids = itertools.count()

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

    # -- demand -------------------------------------------------------------------------

    def _arrivals(self, flow: Flow) -> Iterator[float]:
        """Inter-arrival gaps: timetabled, or non-homogeneous Poisson by thinning."""
        if flow.departures_h:
            last = 0.0
            for dep in sorted(flow.departures_h):
                yield dep - last
                last = dep
            return
        rate_h = flow.trains_per_year / (365.0 * HOURS_PER_DAY)
        if rate_h <= 0:
            return
        prof = np.asarray(flow.monthly_profile, dtype=float)
        prof = prof / prof.mean()
        peak = rate_h * prof.max()
        gap = 0.0
        while True:
            step = float(self.rng.exponential(1.0 / peak))
            gap += step
            t_next = self.env.now + gap
            if t_next >= self.end_h:
                yield gap
                return
            if self.rng.random() * peak <= rate_h * prof[month_of(t_next)]:
                yield gap
                gap = 0.0

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
                via=flow.via, avoid=flow.avoid, regions=self.regions, gateway_detour=ops.gateway_detour,
            )
        return self.routes[flow.id]

    def choose_route(self, routes: list[Route]) -> Route:
        """The candidate with the least free time plus current expected delay."""
        w = self.spec.operations.congestion_weight
        if len(routes) == 1 or w == 0:
            return routes[0]
        now = self.env.now
        best, best_cost = routes[0], math.inf
        for r in routes:
            cost = r.free_h
            for lid, fwd in r.legs:
                el = self.elements[lid]
                cost += w * el.delay_estimate_h("ab" if fwd else "ba")
                closed = el.schedule.closed_until(now)
                if closed is not None:
                    cost += closed - now
            if cost < best_cost - 1e-9:
                best, best_cost = r, cost
        return best

    def _run_train(self, t: Train, routes: list[Route]) -> Iterator:
        route = self.choose_route(routes)
        t.route, t.route_label, t.route_km = route, route.label, route.km
        if t.generated_h >= self.warmup_h:
            self.route_shares[t.flow.id][route.label] += 1
        for lid, fwd in route.legs:
            t.where = lid
            start = self.env.now
            yield from self.elements[lid].traverse(t, fwd)
            if self.trace is not None:
                self.trace.append((t.id, lid, fwd, start, self.env.now))
        t.arrived_h = self.env.now
        t.where = route.nodes[-1]

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
        self.env.run(until=self.env.any_of([self.env.timeout(self.end_h), self.aborted]))
        return self._result()

    def _result(self) -> SimResult:
        records, where = [], Counter()
        n_del = n_in = 0
        for t in self.trains:
            if t.id in self.refused:
                status, loc = "refused", self.refused[t.id]
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
                    t.arrived_h, t.wait_h, t.border_h, t.ferry_h, t.moving_h, t.crossings,
                )
            )
        measured_h = max(self.end_h - self.warmup_h, 1e-9)
        elements: dict[str, dict[str, dict[str, float]]] = {}
        for lid, el in self.elements.items():
            per = {}
            for d, s in el.stats.items():
                waits = np.asarray(s.waits) if s.waits else np.zeros(1)
                per[d] = {
                    "trains": s.trains,
                    "trains_per_day": s.trains / measured_h * HOURS_PER_DAY,
                    "busy_share": s.busy_h / measured_h,
                    "wait_mean_h": float(waits.mean()) if s.waits else 0.0,
                    "wait_p95_h": float(np.percentile(waits, 95)) if s.waits else 0.0,
                    "wait_max_h": s.wait_max_h,
                }
            if isinstance(el, SingleTrack):
                per["both"] = {
                    "blocks": el.n_blocks,
                    "critical_block_busy_share": max(el.block_busy) / self.end_h,
                    "opposing_violations": el.max_opposing,
                }
            if isinstance(el, Ferry):
                per["both"] = {
                    "sailings": el.sailings["ab"] + el.sailings["ba"],
                    "wagons_carried": el.wagons_carried["ab"] + el.wagons_carried["ba"],
                    "queued_wagons_end": el.queued_wagons["ab"] + el.queued_wagons["ba"],
                }
            elements[lid] = per
        refused_by = Counter(self.refused.values())
        return SimResult(
            name=self.spec.name,
            seed=self.spec.settings.seed,
            sim_days=self.spec.settings.days,
            warmup_days=self.spec.settings.warmup_days,
            generated=len(self.trains),
            delivered=n_del,
            in_network=n_in,
            refused=len(self.refused),
            refused_by_reason=dict(sorted(refused_by.items())),
            trains=tuple(records),
            elements=elements,
            route_shares={f: dict(sorted(c.items())) for f, c in sorted(self.route_shares.items())},
            in_network_where=dict(sorted(where.items())),
            trace=tuple(self.trace or ()),
        )


def _schedules(spec: RunSpec) -> dict[str, Schedule]:
    """Disruption intervals per link id (a node target applies to every link touching it)."""
    per: dict[str, list] = defaultdict(list)
    links = spec.network.links
    for dis in spec.disruptions:
        a, b = dis.start_day * HOURS_PER_DAY, dis.end_day * HOURS_PER_DAY
        if dis.target in links:
            targets = [dis.target]
        else:
            targets = [lid for lid, lk in links.items() if dis.target in lk.ends]
        for lid in targets:
            per[lid].append((a, b, dis.factor))
    return {k: Schedule(v) for k, v in per.items()}


def simulate(
    spec: RunSpec,
    *,
    progress: Callable[[float], None] | None = None,
    trace: bool = False,
    stop_on_refusal: frozenset[str] = frozenset(),
    routes: dict[str, list[Route]] | None = None,
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
        link every train passes (for tests and time-space diagrams).
    stop_on_refusal
        Flow ids whose first refusal at entry ends the run early (the capacity
        search only needs to know that demand outran capacity). The result then
        covers the time simulated so far.
    routes
        Candidate routes per flow id, computed before (:func:`flow_routes`);
        runs of the same network and flows can share them.
    """
    return Simulation(spec, progress=progress, trace=trace, stop_on_refusal=stop_on_refusal, routes=routes).run()


def flow_routes(spec: RunSpec) -> dict[str, list[Route]]:
    """The candidate routes of every flow of ``spec``, as the simulation computes them."""
    sim = Simulation(spec)
    return {f.id: sim._routes_for(f) for f in spec.flows}
