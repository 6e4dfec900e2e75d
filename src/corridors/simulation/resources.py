"""Light building blocks of the engine: the block resource, disruption schedules, the calendar.

Time is in hours from 1 January 00:00 of the first simulated year (a 365-day
year).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator

import numpy as np
import simpy

from corridors.elements import HOURS_PER_DAY

_MONTH_START_DAY = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])


def month_of(t_h: float) -> int:
    """Month index 0..11 of simulation time ``t_h`` (hours; a 365-day year)."""
    day = (t_h / HOURS_PER_DAY) % 365.0
    return int(np.searchsorted(_MONTH_START_DAY, day, side="right") - 1)


def poisson_times(rate_h: float, monthly_profile, end_h: float, rng: np.random.Generator) -> Iterator[float]:
    """Arrival times of a Poisson process whose rate follows the months, up to ``end_h``.

    Unit-rate Poisson points ``S_1 < S_2 < ...`` (sums of unit exponentials)
    are mapped through the inverse of the cumulative intensity
    ``Lambda(t) = rate_h * integral of p(month(u)) du``, ``p`` the monthly
    profile divided by its mean (Cinlar's inversion method; Law, *Simulation
    Modeling and Analysis*, 5th ed., section 8.6.2). Multiplying ``rate_h`` by
    ``s`` divides every ``Lambda^-1`` argument by ``s``: the same random numbers
    give the arrivals at every load.

    Parameters
    ----------
    rate_h : float
        Mean arrivals per hour over the year (> 0).
    monthly_profile : sequence of 12 float
        Relative volume per month (non-negative, not all zero).
    end_h : float
        No arrival at or after this time, hours.
    rng : numpy.random.Generator
        The flow's own stream.

    Yields
    ------
    float
        Arrival times, hours, increasing.
    """
    prof = np.asarray(monthly_profile, dtype=float)
    rates = rate_h * prof / prof.mean()  # arrivals per hour in each month
    target = float(rng.exponential())  # Lambda at the next arrival
    seg_start, acc = 0.0, 0.0  # current month's start (h) and Lambda there
    k = 0  # month counter from the start of the run (wraps over years)
    while seg_start < end_h:
        m = k % 12
        seg_end = (k // 12) * 365.0 * HOURS_PER_DAY + (
            _MONTH_START_DAY[m + 1] if m < 11 else 365.0) * HOURS_PER_DAY
        seg_mass = rates[m] * (seg_end - seg_start)
        while target <= acc + seg_mass:
            t = seg_start + (target - acc) / rates[m]
            if t >= end_h:
                return
            yield t
            target += float(rng.exponential())
        acc += seg_mass
        seg_start = seg_end
        k += 1


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


#: The schedule of an element without disruptions (compared by identity on the hot path).
NO_DISRUPTION = Schedule([])


class Block:
    """One block between passing loops: held by at most one train at a time.

    A light replacement for ``simpy.PriorityResource`` on the engine's hot
    path: an uncontended request costs no event. Waiting trains are served
    by ``(priority, arrival order)``; the block becomes free ``overhead``
    after its holder has left it.
    """

    __slots__ = ("env", "free_at", "held", "holder_dir", "queue", "seq", "wake_pending")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.held = False
        self.free_at = -math.inf
        self.queue: list = []
        self.seq = 0
        self.wake_pending = False
        self.holder_dir: str | None = None

    def acquire(self, priority: float, now: float | None = None) -> simpy.Event | None:
        """Take the block now (returns ``None``) or get an event that fires when granted.

        ``now`` is the simulation clock when the caller has it at hand (hot path), else read here.
        """
        if now is None:
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
        """Let the holder leave; the block is free for others from ``free_at``."""
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



class Tracks:
    """Parallel servers (a border's handling tracks in one direction) with a priority queue.

    Serves as ``simpy.PriorityResource`` does, event for event (requests in
    order of priority, then request time, then arrival; at most one waiting
    request granted per request made and per release processed), but keeps
    its waiting requests in a heap: SimPy's ``SortedQueue`` sorts the whole
    list at every request, which costs O(n) per request when queues are long
    (overload), this O(log n).

    Parameters
    ----------
    env
        The environment.
    capacity
        Servers (>= 1).
    """

    __slots__ = ("capacity", "env", "queue", "seq", "users")

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        self.env = env
        self.capacity = capacity
        self.users = 0
        self.queue: list = []
        self.seq = 0

    def request(self, priority: float) -> simpy.Event:
        """Return an event that fires when a server is granted (at once, in event order, when one is free)."""
        ev = self.env.event()
        self.seq += 1
        heapq.heappush(self.queue, (priority, self.env.now, self.seq, ev))
        self._grant_one()
        return ev

    def release(self) -> None:
        """Free one server now; the next waiting request is granted when this release is processed."""
        self.users -= 1
        done = self.env.event()
        done.callbacks.append(self._grant_one)
        done.succeed()

    def _grant_one(self, _event=None) -> None:
        if self.queue and self.users < self.capacity:
            self.users += 1
            heapq.heappop(self.queue)[3].succeed()
