"""The network's elements as SimPy processes: single and double track, borders, ferries.

Each :class:`Element` turns one link into resources and a ``traverse``
generator that a train's process runs through. The rules they share with the
capacity formulas and the LP bound (block layout, speed cap, block
occupation, ferry cycle and transit) come from :mod:`corridors.elements`; the
dispatching rules are in the package docstring of :mod:`corridors.simulation`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING, Iterator

import numpy as np

from corridors.elements import (
    HOURS_PER_DAY,
    block_layout,
    block_occupation_h,
    clearance_h,
    ferry_cycle_h,
    ferry_transit_h,
    running_speed_kmh,
    running_time_h,
    timetable_headway_min,
    yard_dwell_h,
)
from corridors.network import BorderCrossing, FerryLink, RailSection
from corridors.simulation.records import (
    DirectionStats,
    ElementResult,
    ElementStats,
    FerryStats,
    Passage,
    SingleTrackStats,
)
from corridors.simulation.resources import NO_DISRUPTION, Block, Schedule, Tracks, month_of

if TYPE_CHECKING:
    from corridors.simulation.engine import Simulation, Train

#: Relative storm frequency by month on the Caspian (winter-heavy; ASSUMPTION,
#: networks/SOURCES.md "Weather"). Normalised to mean 1 at use.
WEATHER_SEASON = (2.0, 1.8, 1.3, 0.8, 0.6, 0.4, 0.4, 0.5, 0.7, 1.0, 1.4, 1.9)
#: Mean length of one Caspian storm closure, hours (ASSUMPTION: storms of 1–2 days).
STORM_MEAN_H = 36.0


class Element:
    """Base class: one link of the network as a set of SimPy resources.

    Parameters
    ----------
    sim
        The simulation the element belongs to (its environment, clock and
        operating rules).
    link
        The link record (:class:`~corridors.network.RailSection`,
        :class:`~corridors.network.BorderCrossing` or
        :class:`~corridors.network.FerryLink`).
    schedule
        The link's closures and slowdowns (``NO_DISRUPTION`` when none).
    """

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
        """Whether time ``t`` (hours) lies in the measured period (after warm-up)."""
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
        """Estimate the extra wait, hours, of a train deciding now to pass in direction ``d`` (route choice)."""
        return 0.0

    def queued(self, d: str) -> int:
        """Trains waiting now in direction ``d`` for a block, a gate, a handling track or a yard track."""
        return self.waiting[d]

    def traverse(self, t: Train, forward: bool) -> Iterator:  # pragma: no cover - abstract
        """SimPy generator that takes train ``t`` through the element (``forward``: ``from_node`` first).

        Raises
        ------
        NotImplementedError
            On the base class.
        """
        raise NotImplementedError

    def result(self, measured_h: float) -> ElementResult:
        """Summarise the element's measured statistics over ``measured_h`` hours (> 0)."""
        return ElementResult(
            DirectionStats.from_stats(self.stats["ab"], measured_h),
            DirectionStats.from_stats(self.stats["ba"], measured_h),
        )


class SingleTrack(Element):
    """A single-track section cut into blocks between passing loops (:func:`~corridors.elements.block_layout`)."""

    kind = "single"

    def __init__(self, sim, link: RailSection, schedule) -> None:
        super().__init__(sim, link, schedule)
        layout = block_layout(link)
        self.n_blocks = layout.n_blocks
        self.block_km = layout.block_km
        self.overhead_h = sim.spec.operations.meet_overhead_min / 60.0
        self.occupation_h = block_occupation_h(link, sim.spec.operations.meet_overhead_min)
        self.blocks = [Block(self.env) for _ in range(self.n_blocks)]
        self.block_busy = [0.0] * self.n_blocks
        self.max_opposing = 0  # invariant check: never > 0

    def delay_estimate_h(self, d: str) -> float:
        """Trains waiting in either direction times one standard block occupation, hours."""
        waiting = self.waiting["ab"] + self.waiting["ba"]
        return waiting * self.occupation_h

    def result(self, measured_h: float) -> ElementResult:
        """Per-direction statistics plus the blocks' whole-run figures."""
        return replace(
            super().result(measured_h),
            single_track=SingleTrackStats(self.n_blocks, max(self.block_busy) / self.sim.end_h, self.max_opposing),
        )

    def traverse(self, t: Train, forward: bool) -> Iterator:
        """Take ``t`` block by block through the section (see the package docstring)."""
        # The engine's hot path: locals instead of attribute lookups, totals
        # added to the train once per section.
        env, sim = self.env, self.sim
        d = "ab" if forward else "ba"
        order = range(self.n_blocks) if forward else range(self.n_blocks - 1, -1, -1)
        base_run_h = running_time_h(self.block_km, self.link, t.cargo.speed_factor)
        disrupted = self.schedule is not NO_DISRUPTION
        overhead_h = self.overhead_h
        blocks, block_busy = self.blocks, self.block_busy
        priority = t.cargo.priority
        warm = sim.warmup_h
        m_start, m_dur = sim.maint
        timeout = env.timeout
        arrived = now = env.now  # the clock is read once after each yield
        waited = moving = busy = 0.0
        traced = [] if sim.passages is not None else None  # each block's entry and exit times
        for progress, i in enumerate(order):
            block = blocks[i]
            req_t = now
            # Trains further into the section go first: clearing the line keeps
            # the loops from filling with trains that block each other.
            ev = block.acquire(priority - 100 * progress, now)
            if ev is not None:
                self.waiting[d] += 1
                yield ev
                self.waiting[d] -= 1
                now = env.now
            if disrupted:
                yield from self._wait_open(t)
                now = env.now
                run_h = base_run_h / self.schedule.factor(now)
            else:
                run_h = base_run_h
            if m_dur > 0:
                # inline of Simulation.maintenance_delay's test (hot path)
                phase = (now - m_start) % HOURS_PER_DAY
                if phase < m_dur or run_h > HOURS_PER_DAY - phase:
                    yield timeout(sim.maintenance_delay(run_h))
                    now = env.now
            if block.holder_dir is not None:
                self.max_opposing += 1  # two trains in one block: must never happen
            block.holder_dir = d
            if progress == 0:
                t.entered(now)
            waited += now - req_t
            hold = run_h + overhead_h
            block_busy[i] += hold
            if now >= warm:
                busy += hold
            if traced is not None:
                traced.append(now)
            yield timeout(run_h)
            now = env.now
            moving += run_h
            block.release(now + overhead_h)
            if traced is not None:
                traced.append(now)
        t.wait_h += waited
        t.moving_h += moving
        self.stats[d].busy_h += busy / self.n_blocks
        self._waited(d, arrived, arrived + waited)
        self._passed(d)
        if traced is not None:
            sim.passages.append(Passage(t.id, self.id, self.kind, forward, arrived, traced[0], now, tuple(traced)))


class DoubleTrack(Element):
    """A double-track section: each direction with its own headway gate, no overtaking."""

    kind = "double"

    def __init__(self, sim, link: RailSection, schedule) -> None:
        super().__init__(sim, link, schedule)
        # the timetable headway (minimum headway plus UIC 406 buffer), as the capacity tables use it
        self.headway_h = timetable_headway_min(link, sim.spec.operations.double_track_occupancy) / 60.0
        self.gates = {d: Block(self.env) for d in ("ab", "ba")}
        self.last_exit = {"ab": -math.inf, "ba": -math.inf}

    def delay_estimate_h(self, d: str) -> float:
        """Trains waiting in direction ``d`` times one headway, hours."""
        return self.waiting[d] * self.headway_h

    def traverse(self, t: Train, forward: bool) -> Iterator:
        """Pass the entry gate (one headway per train), clear the maintenance rule, run; leave no earlier than the train ahead."""
        env = self.env
        d = "ab" if forward else "ba"
        gate = self.gates[d]
        arrived = env.now
        ev = gate.acquire(t.cargo.priority)
        if ev is not None:
            self.waiting[d] += 1
            yield ev
            self.waiting[d] -= 1
        speed = running_speed_kmh(self.link, t.cargo.speed_factor)
        if self.schedule is not NO_DISRUPTION:
            yield from self._wait_open(t)
            speed *= self.schedule.factor(env.now)  # (undisturbed, the factor is exactly 1: not asked)
        run_h = self.link.length_km / speed
        elapsed_h = run_h
        if self.sim.maint[1] > 0:
            # No entry during the window; on the way, the train stands at a
            # station while a window is in force (see elements.double_track_entry_h).
            delay = self.sim.maintenance_delay(0.0)
            if delay > 0:
                yield env.timeout(delay)
            elapsed_h = self.sim.through_windows_h(run_h)
        t.entered(env.now)
        start = env.now
        t.wait_h += env.now - arrived
        self._waited(d, arrived, env.now)
        self._busy(d, env.now, self.headway_h)
        gate.release(env.now + self.headway_h)  # the next train may enter one headway later
        exit_at = max(env.now + elapsed_h, self.last_exit[d] + self.headway_h)
        self.last_exit[d] = exit_at
        t.moving_h += run_h
        t.wait_h += exit_at - env.now - run_h
        yield env.timeout(exit_at - env.now)
        self._passed(d)
        if self.sim.passages is not None:
            self.sim.passages.append(Passage(t.id, self.id, self.kind, forward, arrived, start, env.now))


class Border(Element):
    """A border crossing: parallel handling tracks per direction, random dwell, daily limit."""

    kind = "border"

    def __init__(self, sim, link: BorderCrossing, schedule) -> None:
        super().__init__(sim, link, schedule)
        self.tracks = {d: Tracks(self.env, link.handling_tracks) for d in ("ab", "ba")}
        self.limit = link.exchange_limit_trains_per_day
        self.day_count = {"ab": (-1, 0), "ba": (-1, 0)}
        cv = link.dwell_cv
        self.sigma = math.sqrt(math.log1p(cv * cv)) if cv > 0 else 0.0
        self.mu = math.log(link.dwell_h) - self.sigma**2 / 2
        #: Mean clearance hold per direction (:func:`corridors.elements.clearance_h`), looked up once, not per train.
        self.hold_h = {d: clearance_h(link, d == "ab") for d in ("ab", "ba")}

    def delay_estimate_h(self, d: str) -> float:
        """Trains waiting in direction ``d`` times the typical dwell per handling track, hours."""
        return self.waiting[d] * self.link.dwell_h / self.link.handling_tracks

    def dwell_h(self, d: str) -> float:
        """One train's dwell in direction ``d``, hours: log-normal around ``dwell_h`` (fixed when ``dwell_cv`` is 0)."""
        if self.sigma == 0.0:
            return self.link.dwell_h
        return float(self.sim.streams.get("dwell", f"{self.id}/{d}").lognormal(self.mu, self.sigma))

    def clearance_hold_h(self, d: str) -> float:
        """One train's clearance hold in direction ``d``, hours: log-normal around its mean with the dwell's cv.

        The mean is :func:`corridors.elements.clearance_h`; a crossing without
        a hold draws nothing, so its streams stay as they were.
        """
        mean = self.hold_h[d]
        if mean == 0.0 or self.sigma == 0.0:
            return mean
        return float(self.sim.streams.get("clearance", f"{self.id}/{d}").lognormal(
            math.log(mean) - self.sigma**2 / 2, self.sigma))

    def traverse(self, t: Train, forward: bool) -> Iterator:
        """Wait for a handling track (and the daily exchange limit), dwell, then the clearance hold."""
        env = self.env
        d = "ab" if forward else "ba"
        arrived = env.now
        self.waiting[d] += 1
        yield self.tracks[d].request(t.cargo.priority)
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
        start = env.now
        self._waited(d, arrived, env.now)
        dwell = self.dwell_h(d) / self.schedule.factor(env.now)
        self._busy(d, env.now, dwell)
        t.wait_h += env.now - arrived
        yield env.timeout(dwell)
        self.tracks[d].release()
        # The receiving side's formalities: on a reception track, so no handling track is held.
        hold = self.clearance_hold_h(d) / self.schedule.factor(env.now)
        if hold > 0.0:
            yield env.timeout(hold)
        t.border_h += env.now - arrived
        t.crossings += 1
        self._passed(d)
        if self.sim.passages is not None:
            self.sim.passages.append(Passage(t.id, self.id, self.kind, forward, arrived, start, env.now))


class Yard(Element):
    """A node's yard: receiving-departure tracks shared by every direction; each train touching the node stops.

    ``link`` is the :class:`~corridors.network.Node`; its statistics are kept
    as direction ``ab`` (all trains).
    """

    kind = "yard"

    def __init__(self, sim, node, schedule) -> None:
        super().__init__(sim, node, schedule)
        self.tracks = Tracks(self.env, node.yard_tracks)
        self.stop_h = yard_dwell_h(node)

    def delay_estimate_h(self, d: str = "ab") -> float:
        """Trains waiting times the stop per track, hours."""
        return self.waiting["ab"] * self.stop_h / self.link.yard_tracks

    def traverse(self, t: Train, forward: bool = True) -> Iterator:
        """Wait for a yard track, then stop ``yard_dwell_h``; the wait is the train's, the stop is free time."""
        env = self.env
        arrived = env.now
        self.waiting["ab"] += 1
        yield self.tracks.request(t.cargo.priority)
        self.waiting["ab"] -= 1
        self._waited("ab", arrived, env.now)
        t.wait_h += env.now - arrived
        start = env.now
        self._busy("ab", env.now, self.stop_h)
        yield env.timeout(self.stop_h)
        self.tracks.release()
        self._passed("ab")
        if self.sim.passages is not None:
            self.sim.passages.append(Passage(t.id, self.id, self.kind, True, arrived, start, env.now))

    def stats_all(self, measured_h: float) -> DirectionStats:
        """Summarise the yard's measured statistics over ``measured_h`` hours (> 0), all trains together."""
        return DirectionStats.from_stats(self.stats["ab"], measured_h)


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
        """Queued wagons in direction ``d`` over the fleet's wagons per hour, plus half the loading wait."""
        lk = self.link
        per_h = lk.vessels * lk.wagons_per_vessel / ferry_cycle_h(lk)
        return self.queued_wagons[d] / per_h + lk.max_wait_h / 2

    def _weather(self) -> Iterator:
        """Alternate calm spells and storms; storm share ``weather_downtime_share`` in the long run."""
        share = self.link.weather_downtime_share
        season = np.asarray(WEATHER_SEASON) / np.mean(WEATHER_SEASON)
        calm_mean_h = STORM_MEAN_H * (1 - share) / share
        rng = self.sim.streams.get("weather", self.id)
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

    def queued(self, d: str) -> int:
        """Trains at the port in direction ``d`` not yet wholly loaded onto a vessel.

        A train counts from its arrival at the port until its last wagon has
        been loaded (a part-loaded train still waits for the next vessel).
        """
        return len(self.queue[d])

    def result(self, measured_h: float) -> ElementResult:
        """Per-direction statistics plus sailings and wagons of both directions."""
        return replace(
            super().result(measured_h),
            ferry=FerryStats(
                sailings=self.sailings["ab"] + self.sailings["ba"],
                wagons_carried=self.wagons_carried["ab"] + self.wagons_carried["ba"],
                queued_wagons_end=self.queued_wagons["ab"] + self.queued_wagons["ba"],
            ),
        )

    def traverse(self, t: Train, forward: bool) -> Iterator:
        """Queue the train's wagons at the port; done when its last wagon is ashore at the far end."""
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
        transit_h = ferry_transit_h(self.link)
        t.wait_h += max(0.0, total - transit_h)
        self._waited(d, arrived, env.now - transit_h)
        self._passed(d)
        if self.sim.passages is not None:
            self.sim.passages.append(Passage(t.id, self.id, self.kind, forward, arrived,
                                             max(arrived, env.now - transit_h), env.now))

