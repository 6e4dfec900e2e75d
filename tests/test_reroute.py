"""Rerouting on the way: a train meets a closure that started after it left, and goes round it.

The issue's case first: trains never changed route once they had left, so a
closure that started while a train was on its way stranded it behind the
closure though another route was open. The network::

    a --60 km-- b --60 km-- c
                 \\         /
                 60 km   60 km
                   \\     /
                      d

All single track at 60 km/h, one block per section (loops 100 km apart). A
train leaves a at 0 h on the fast route a-b-c (2 h); b-c closes at 0.5 h,
when it is on a-b, until day 5. At b (1 h) the rest of its route costs 1 h
plus 119 h of closure, the way over d 2 h: it turns to d and reaches c at
1 + 1 + 1 = 3 h (the way over d is 1.5 times the fast route: within the
candidates' detour limit of 1.6).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import flow, make_network, make_spec, node, rail

from corridors.model import Disruption
from corridors.simulation import simulate


def _spec(closed_until_day: float = 5.0, **ops):
    net = make_network([node("a", 70.0), node("b", 70.5), node("c", 71.0), node("d", 70.75, 44.5)],
                       [rail("ab", "a", "b", 60.0, loop_spacing_km=100.0),
                        rail("bc", "b", "c", 60.0, loop_spacing_km=100.0),
                        rail("bd", "b", "d", 60.0, loop_spacing_km=100.0),
                        rail("dc", "d", "c", 60.0, loop_spacing_km=100.0)])
    spec = make_spec(net, [flow("f", "a", "c", departures_h=(0.0,))], days=10.0, meet_overhead_min=0.0, **ops)
    return replace(spec, disruptions=(Disruption("bc", 0.5 / 24, closed_until_day),))


def test_a_train_goes_round_a_closure_that_started_after_it_left():
    res = simulate(_spec())
    (t,) = res.trains
    assert t.status == "delivered" and t.arrived_h == pytest.approx(3.0)
    assert t.route == "a>b>d>c" and t.reroutes == 1 and t.route_km == pytest.approx(180.0)
    assert res.route_shares == {"f": {"a>b>d>c": 1}}
    assert res.generated == res.delivered + res.in_network + res.refused == 1


def test_without_the_rule_it_waits_for_the_line_to_reopen():
    res = simulate(_spec(reroute_on_closure=False))
    (t,) = res.trains
    assert t.route == "a>b>c" and t.reroutes == 0
    assert t.arrived_h == pytest.approx(5 * 24 + 1.0)  # stands at b until day 5, then 1 h to c


def test_a_short_closure_is_waited_out():
    # reopens at 1.5 h: half an hour of waiting beats a way round 1 h longer
    res = simulate(_spec(closed_until_day=1.5 / 24))
    (t,) = res.trains
    assert t.route == "a>b>c" and t.reroutes == 0 and t.arrived_h == pytest.approx(2.5)


def test_a_closure_in_force_at_departure_is_avoided_from_the_start():
    spec = _spec()
    spec = replace(spec, disruptions=(Disruption("bc", 0.0, 5.0),))
    (t,) = simulate(spec).trains
    assert t.route == "a>b>d>c" and t.reroutes == 0  # chosen at departure, not changed on the way


def test_conservation_holds_with_many_trains_rerouting():
    # 40 trains an hour apart; b-c closes for two days from hour 10: those on a-b turn, the rest choose d
    spec = _spec()
    spec = replace(spec, flows=(flow("f", "a", "c", departures_h=tuple(float(h) for h in range(40))),),
                   disruptions=(Disruption("bc", 10.5 / 24, 2.0),))
    res = simulate(spec)
    assert res.generated == 40 == res.delivered + res.in_network + res.refused
    assert sum(t.reroutes for t in res.trains) >= 1
    assert sum(res.route_shares["f"].values()) == 40
    assert {t.route for t in res.trains} == set(res.route_shares["f"])


def test_flows_with_a_via_keep_their_route():
    spec = _spec()
    spec = replace(spec, flows=(flow("f", "a", "c", departures_h=(0.0,), via=(("bc",),)),))
    (t,) = simulate(spec).trains
    assert t.route == "a>b>c" and t.reroutes == 0


def _junction_spec(closed_until_h: float):
    """a-j-b-c (3 h) or a-j-d-c (3.5 h); b-c closes at 0.5 h, when the train is on a-j."""
    net = make_network([node("a", 70.0), node("j", 70.5), node("b", 71.0), node("c", 71.5), node("d", 71.0, 44.5)],
                       [rail(lid, u, v, km, loop_spacing_km=100.0) for lid, u, v, km in
                        (("aj", "a", "j", 60.0), ("jb", "j", "b", 60.0), ("bc", "b", "c", 60.0),
                         ("jd", "j", "d", 60.0), ("dc", "d", "c", 90.0))])
    spec = make_spec(net, [flow("f", "a", "c", departures_h=(0.0,))], days=10.0, meet_overhead_min=0.0)
    return replace(spec, disruptions=(Disruption("bc", 0.5 / 24, closed_until_h / 24),))


def test_at_a_junction_a_closure_further_ahead_turns_the_train():
    # at j (1 h) b-c is two legs ahead, closed until day 5: round over d, 1 + 1 + 1.5 h
    (t,) = simulate(_junction_spec(120.0)).trains
    assert t.route == "a>j>d>c" and t.reroutes == 1 and t.arrived_h == pytest.approx(3.5)


def test_a_closure_that_ends_before_the_train_gets_there_is_ignored():
    # b-c reopens at 1.5 h; from j the train would reach it at 2 h: it stays on its route
    (t,) = simulate(_junction_spec(1.5)).trains
    assert t.route == "a>j>b>c" and t.reroutes == 0 and t.arrived_h == pytest.approx(3.0)


def test_a_train_never_turns_back_over_track_it_has_run():
    # the reviewer's case: a-b-c, and a way round a-e-c; b-c closes while the train is on a-b. From b the only
    # other way is back through a: the train waits at b for the reopening instead of running a>b>a>e>c.
    net = make_network([node("a", 70.0), node("b", 70.5), node("c", 71.0), node("e", 70.5, 44.5)],
                       [rail(lid, u, v, km, loop_spacing_km=100.0) for lid, u, v, km in
                        (("ab", "a", "b", 60.0), ("bc", "b", "c", 60.0), ("ae", "a", "e", 70.0),
                         ("ec", "e", "c", 70.0))])
    spec = make_spec(net, [flow("f", "a", "c", departures_h=(0.0,))], days=10.0, meet_overhead_min=0.0)
    (t,) = simulate(replace(spec, disruptions=(Disruption("bc", 0.5 / 24, 2.0),))).trains
    assert t.route == "a>b>c" and t.reroutes == 0 and t.arrived_h == pytest.approx(48.0 + 1.0)
