"""The engine's light resources against SimPy's own: the same grants at the same times, in the same order."""

from __future__ import annotations

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from corridors.simulation.resources import Tracks

jobs = st.lists(st.tuples(st.floats(0, 20, allow_nan=False), st.integers(-3, 3), st.floats(0, 5, allow_nan=False)),
                min_size=1, max_size=40)


def _served(make, request, release, capacity, work):
    """Grant and end times of every job (arrival, priority, hold) on one resource, in event order."""
    env = simpy.Environment()
    res = make(env, capacity)
    log = []

    def job(k, at, prio, hold):
        yield env.timeout(at)
        req = request(res, prio)
        yield req
        log.append(("granted", k, env.now))
        yield env.timeout(hold)
        release(res, req)
        log.append(("released", k, env.now))

    for k, (at, prio, hold) in enumerate(work):
        env.process(job(k, at, prio, hold))
    env.run()
    return log


@settings(max_examples=200, deadline=None)
@given(work=jobs, capacity=st.integers(1, 3))
def test_tracks_serve_as_simpy_priority_resource_does(work, capacity):
    """Ties in time and priority included (arrivals and holds drawn from few values hit them often)."""
    work = [(round(a), p, round(h)) for a, p, h in work]
    simpy_log = _served(lambda env, c: simpy.PriorityResource(env, capacity=c),
                        lambda r, p: r.request(priority=p), lambda r, req: r.release(req), capacity, work)
    tracks_log = _served(Tracks, lambda r, p: r.request(p), lambda r, req: r.release(), capacity, work)
    assert tracks_log == simpy_log
