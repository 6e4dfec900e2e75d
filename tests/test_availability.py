"""Closures and slowdowns take capacity: the LP bound, the tables and the engine agree (corridors.availability)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corridors.availability import available_capacities, capacity_shares, slowed_capacity_share
from corridors.bound import bound_for
from corridors.curve import busy_elements
from corridors.model import Disruption
from corridors.results import capacities, crossing_rows
from corridors.simulation import simulate

from conftest import border, ferry, flow, make_network, make_spec, node, rail


def two_crossings(limit=None):
    """a feeds China over two crossings: b–c (1 track, 4 h: 6 trains/day) and d–e (1 track, 6 h: 4 trains/day)."""
    nodes = [node("a", 70.0), node("b", 71.0), node("d", 71.0, 44.0),
             node("c", 71.1, country="CN", region="China", gauge=1435),
             node("e", 71.1, 44.0, country="CN", region="China", gauge=1435)]
    links = [rail("ab", "a", "b", 100.0, tracks=2, headway_min=10.0),
             rail("ad", "a", "d", 150.0, tracks=2, headway_min=10.0),
             border("bc", "b", "c", dwell_h=4.0, limit=limit, gauge_change=True),
             border("de", "d", "e", dwell_h=6.0, gauge_change=True)]
    return make_network(nodes, links)


def spec_with(*disruptions, limit=None, days=120.0, warmup_days=20.0):
    """Ten trains a day from a to China over :func:`two_crossings`, measured over days 20 to 120."""
    spec = make_spec(two_crossings(limit), [flow("x", "a", "China", trains_per_year=10 * 365.0)], days=days,
                     warmup_days=warmup_days)
    return replace(spec, disruptions=tuple(disruptions))


def bound_per_day(spec):
    return bound_for(spec, "China", "inbound").bound_trains_per_day


def test_the_bound_without_closures_is_both_crossings():
    spec = spec_with()
    assert bound_per_day(spec) == pytest.approx(6.0 + 4.0)
    assert capacity_shares(spec) == {}
    assert capacities(spec) == available_capacities(spec)


def test_a_crossing_closed_throughout_carries_nothing_and_the_flow_takes_the_other():
    """Closed over the whole measured period: its capacity is 0, the bound is the other crossing's 4 a day."""
    spec = spec_with(Disruption("bc", 0.0, 120.0, 0.0, "closed"))
    assert capacity_shares(spec) == {"bc": 0.0}
    assert bound_per_day(spec) == pytest.approx(4.0)
    assert [e.id for e in bound_for(spec, "China", "inbound").binding] == ["de"]
    assert capacities(spec)["bc"].trains_per_day == 0.0
    # both crossings closed: nothing reaches China
    both = spec_with(Disruption("bc", 0.0, 120.0, 0.0), Disruption("de", 0.0, 120.0, 0.0))
    assert bound_per_day(both) == pytest.approx(0.0, abs=1e-9)


def test_a_crossing_closed_a_tenth_of_the_measured_period_keeps_nine_tenths():
    """Days 50–60 of the measured 20–120: 6 x 0.9 = 5.4 a day through b–c, 9.4 in all.

    A closure in the warm-up (days 0–20) takes nothing from the measured period; a node
    closure closes every link that touches the node.
    """
    spec = spec_with(Disruption("bc", 50.0, 60.0, 0.0))
    assert capacity_shares(spec)["bc"] == pytest.approx(0.9)
    assert bound_per_day(spec) == pytest.approx(5.4 + 4.0)
    assert capacities(spec)["bc"].trains_per_day == pytest.approx(5.4)
    assert "0.9 available" in capacities(spec)["bc"].formula
    assert capacity_shares(spec_with(Disruption("bc", 0.0, 20.0, 0.0)))["bc"] == pytest.approx(1.0)
    node_closed = spec_with(Disruption("b", 50.0, 60.0, 0.0))
    assert capacity_shares(node_closed) == pytest.approx({"ab": 0.9, "bc": 0.9})
    assert bound_per_day(node_closed) == pytest.approx(9.4)


def test_slowdowns_scale_what_the_engine_slows():
    """Half the rate for half the measured period (days 70–120) on b–c.

    Without a limit the handling rate halves: share (1 + 0.5) / 2 = 0.75, bound 4.5 + 4. With an exchange
    limit of 5 a day the rate is min(6, 5) = 5, slowed min(3, 5) = 3: share (1 + 0.6) / 2 = 0.8, bound 4 + 4.
    Overlapping: a closure wins over a slowdown, two slowdowns take the smaller factor.
    """
    slow = Disruption("bc", 70.0, 120.0, 0.5)
    assert capacity_shares(spec_with(slow))["bc"] == pytest.approx(0.75)
    assert bound_per_day(spec_with(slow)) == pytest.approx(8.5)
    assert capacity_shares(spec_with(slow, limit=5.0))["bc"] == pytest.approx(0.8)
    assert bound_per_day(spec_with(slow, limit=5.0)) == pytest.approx(8.0)
    both = spec_with(slow, Disruption("bc", 70.0, 80.0, 0.0), Disruption("bc", 100.0, 120.0, 0.25))
    # days 20-70 at 1, 70-80 closed, 80-100 at 0.5, 100-120 at 0.25: (50 + 0 + 10 + 5) / 100
    assert capacity_shares(both)["bc"] == pytest.approx(0.65)


def test_slowed_share_of_each_element_kind_by_hand():
    """Single track 100 km, 20 km loops, 60 km/h, tau 10 min: blocks of 20 min, (20 + 10) / (40 + 10) = 0.6.

    Double track keeps its headway (1); a ferry of 10 h crossings and 1 h port calls has a 24 h cycle,
    28 h at half the handling rate (24 / 28); closed is 0, undisturbed 1.
    """
    single = rail("s", "a", "b", 100.0, loop_spacing_km=20.0, speed_kmh=60.0)
    assert slowed_capacity_share(single, 0.5, meet_overhead_min=10.0) == pytest.approx(0.6)
    # a train 1.2 times as fast: blocks of 16.7 min, (16.7 + 10) / (33.3 + 10), more than the standard train's
    fast = slowed_capacity_share(single, 0.5, meet_overhead_min=10.0, speed_factor=1.2)
    assert fast == pytest.approx((100 / 6 + 10) / (200 / 6 + 10)) and fast > 0.6
    double = rail("d", "a", "b", 100.0, tracks=2, headway_min=10.0)
    assert slowed_capacity_share(double, 0.5, meet_overhead_min=10.0) == 1.0
    sea = ferry("f", "p", "q", crossing_h=10.0, handling_h=1.0)
    assert slowed_capacity_share(sea, 0.5, meet_overhead_min=10.0) == pytest.approx(24 / 28)
    assert slowed_capacity_share(sea, 0.0, meet_overhead_min=10.0) == 0.0
    assert slowed_capacity_share(sea, 1.0, meet_overhead_min=10.0) == 1.0


def test_the_engine_carries_the_open_share_and_the_tables_measure_against_it():
    """b–c alone, fed beyond capacity, closed for a tenth of the measured period: it carries about 5.4 a day,
    which the crossings table and the search's bottlenecks read as full, not as 90 % of a 6-a-day crossing."""
    net = make_network([node("b", 71.0), node("c", 71.1, country="CN", region="China", gauge=1435)],
                       [border("bc", "b", "c", dwell_h=4.0, gauge_change=True)])
    spec = make_spec(net, [flow("x", "b", "China", trains_per_year=12 * 365.0)], days=120, warmup_days=20,
                     max_origin_backlog_days=1e9)
    spec = replace(spec, disruptions=(Disruption("bc", 50.0, 60.0, 0.0),))
    res = simulate(spec)
    carried = res.elements["bc"].ab.trains_per_day
    assert carried == pytest.approx(5.4, rel=0.03)
    (row,) = crossing_rows(spec, res)
    assert row["capacity_trains_per_day"] == pytest.approx(5.4)
    assert row["utilisation"] == pytest.approx(1.0, abs=0.03)
    assert busy_elements(spec, res)["bc"] == pytest.approx(1.0, abs=0.03)
