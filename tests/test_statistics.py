"""Intervals over replications and the pairing that common random numbers buy."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridors.pipeline import replication_specs
from corridors.simulation import simulate
from corridors.statistics import estimate, paired, t_quantile

from conftest import border, flow, make_network, make_spec, node, rail


def test_interval_is_the_student_t_interval():
    e = estimate([1.0, 2.0, 3.0])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * s / sqrt(n), s = 1
    assert (e.mean, e.low, e.high, e.n) == (2.0, pytest.approx(2 - half), pytest.approx(2 + half), 3)
    assert t_quantile(1000) == pytest.approx(1.962, abs=1e-3)
    one = estimate([5.0, None])
    assert (one.mean, one.low, one.high, one.ci, one.significant) == (5.0, None, None, None, False)
    assert estimate([None]) is None and estimate([]) is None


def test_paired_differences_need_the_same_replications():
    d = paired([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert (d.mean, d.low, d.high, d.significant) == (0.5, 0.5, 0.5, True)
    with pytest.raises(ValueError, match="as many replications"):
        paired([1.0, 2.0], [1.0])


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_the_interval_holds_the_mean_and_shrinks_with_more_of_the_same(xs):
    e = estimate(xs)
    assert e.low <= e.mean + 1e-6 * (1 + abs(e.mean)) and e.mean <= e.high + 1e-6 * (1 + abs(e.mean))
    twice = estimate(xs + xs)
    assert twice.high - twice.low <= e.high - e.low + 1e-9 * (1 + abs(e.high))


def test_common_random_numbers_make_the_paired_difference_far_tighter_than_the_unpaired_one():
    """Before/after differ only in the single track's loop spacing (an upgrade); replications share seeds."""
    def spec(loop_spacing_km):
        nodes = [node("a", 70.0), node("b", 70.5), node("c", 70.6, country="CN", region="China", gauge=1435)]
        links = [rail("ab", "a", "b", 80.0, tracks=1, loop_spacing_km=loop_spacing_km),
                 border("bc", "b", "c", tracks=2, dwell_h=5.0, cv=0.6, gauge_change=True)]
        flows = [flow("x", "a", "China", trains_per_year=8 * 365), flow("y", "China", "a", trains_per_year=6 * 365)]
        return make_spec(make_network(nodes, links), flows, days=90.0, warmup_days=15.0,
                         maintenance_h=2.0).with_settings(replications=8)

    def mean_transit(s):
        done = [t.arrived_h - t.generated_h for t in simulate(s).trains if t.status == "delivered"]
        return sum(done) / len(done)

    before = [mean_transit(s) for s in replication_specs(spec(20.0))]
    after = [mean_transit(s) for s in replication_specs(spec(10.0))]
    paired_sd = statistics.stdev(a - b for a, b in zip(after, before))
    unpaired_sd = math.sqrt(statistics.variance(before) + statistics.variance(after))
    assert statistics.mean(after) < statistics.mean(before)  # more passing loops, fewer waits for meets
    assert paired_sd < 0.5 * unpaired_sd, (paired_sd, unpaired_sd)
    # independent seeds on the after side lose the pairing
    shifted = [mean_transit(s.with_settings(seed=s.settings.seed + 100)) for s in replication_specs(spec(10.0))]
    shifted_sd = statistics.stdev(a - b for a, b in zip(shifted, before))
    assert paired_sd < 0.5 * shifted_sd, (paired_sd, shifted_sd)
