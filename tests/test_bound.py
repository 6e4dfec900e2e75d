"""The LP bound on hand-computed networks, and its monotonicity."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridors.bound import bound_for, route_split
from corridors.elements import link_capacity
from corridors.pipeline import simulate_scenario
from corridors.simulation import flow_routes, simulate

from conftest import border, ferry, flow, make_network, make_spec, node, rail


def chain(single_spacing=20.0, border_tracks=1):
    """a --single 100 km-- b --border-- c (China gateway)."""
    nodes = [node("a", 70.0), node("b", 71.0), node("c", 71.1, country="CN", region="China", gauge=1435)]
    links = [rail("ab", "a", "b", 100.0, loop_spacing_km=single_spacing, speed_kmh=50.0),
             border("bc", "b", "c", tracks=border_tracks, dwell_h=4.0, gauge_change=True)]
    return make_network(nodes, links)


def test_bound_is_the_tightest_element():
    net = chain()
    spec = make_spec(net, [flow("x", "a", "China", trains_per_year=365.0)], maintenance_h=2.0, meet_overhead_min=10.0)
    b = bound_for(spec, "China", "inbound")
    single = link_capacity(net.links["ab"], maintenance_h=2.0, meet_overhead_min=10.0).trains_per_day
    # one direction only uses the whole single-track budget (2 x pairs); the border takes 6/day
    assert 2 * single > 6
    assert b.bound_trains_per_day == pytest.approx(6.0)
    assert [e.id for e in b.binding] == ["bc"]
    assert b.bound_mt == pytest.approx(6.0 * 365 * 2850 / 1e6)


def test_a_yard_binds_both_directions_together_and_counts_a_region_gateway_once():
    """b's yard takes 3 tracks x 24 / 6 h = 12 trains/day, all directions: with 5/day fixed toward a, the
    flow to China gets 7, below the border's 24; a yard at the gateway c (8/day) binds alone once b's is large."""
    nodes = [node("a", 70.0), node("b", 71.0, yard_tracks=3, yard_dwell_h=6.0),
             node("c", 71.1, country="CN", region="China", gauge=1435)]
    links = [rail("ab", "a", "b", 100.0, tracks=2, headway_min=10.0),
             border("bc", "b", "c", tracks=4, dwell_h=4.0, gauge_change=True)]
    spec = make_spec(make_network(nodes, links), [flow("x", "a", "China", trains_per_year=365.0),
                                                  flow("back", "c", "a", trains_per_year=5 * 365.0)])
    b = bound_for(spec, "China", "inbound")
    assert b.bound_trains_per_day == pytest.approx(7.0)
    assert [(e.id, e.kind, e.direction) for e in b.binding] == [("b", "yard", "both")]
    nodes[1] = node("b", 71.0, yard_tracks=30, yard_dwell_h=6.0)
    nodes[2] = node("c", 71.1, country="CN", region="China", gauge=1435, yard_tracks=2, yard_dwell_h=6.0)
    spec = make_spec(make_network(nodes, links), [flow("x", "a", "China", trains_per_year=365.0)])
    b = bound_for(spec, "China", "inbound")
    assert b.bound_trains_per_day == pytest.approx(8.0)
    assert [e.id for e in b.binding] == ["c"]


def test_a_yard_at_the_origin_or_a_route_s_first_gateway_counts_once():
    """An origin node's yard (arc-flow: through the flow's throughput) and a region gateway's yard on route
    columns (a ``via`` flow, and every flow in ``route_split``) bind as in the engine, where each train stops once.

    Review's failing case: route_split's columns from a region did not count the gateway's yard, so the split put
    all of China's 10 trains a day through c1's 8-train yard; 2 must take the longer way through c2.
    """
    nodes = [node("a", 70.0), node("b", 71.0, yard_tracks=3, yard_dwell_h=6.0),
             node("c", 71.1, country="CN", region="China", gauge=1435)]
    links = [rail("ab", "a", "b", 100.0, tracks=2, headway_min=10.0),
             border("bc", "b", "c", tracks=4, dwell_h=4.0, gauge_change=True)]
    spec = make_spec(make_network(nodes, links), [flow("x", "b", "China", trains_per_year=365.0)])
    assert bound_for(spec, "China", "inbound").bound_trains_per_day == pytest.approx(12.0)  # b's yard, at the origin

    nodes = [node("a", 70.0), node("b1", 71.0), node("b2", 71.0, 44.0),
             node("c1", 71.1, country="CN", region="China", gauge=1435, yard_tracks=1, yard_dwell_h=3.0),
             node("c2", 71.1, 44.0, country="CN", region="China", gauge=1435)]
    links = [rail("ab1", "a", "b1", 100.0, tracks=2, headway_min=10.0),
             rail("ab2", "a", "b2", 300.0, tracks=2, headway_min=10.0),
             border("b1c1", "b1", "c1", tracks=4, dwell_h=4.0, gauge_change=True),
             border("b2c2", "b2", "c2", tracks=4, dwell_h=4.0, gauge_change=True)]
    net = make_network(nodes, links)
    via = make_spec(net, [flow("x", "China", "a", trains_per_year=365.0, via=(("b1c1",),))])
    assert bound_for(via, "China", "outbound").bound_trains_per_day == pytest.approx(8.0)  # c1's yard, first node
    spec = make_spec(net, [flow("x", "China", "a", trains_per_year=10 * 365.0)])
    routes = flow_routes(spec)
    shares = dict(zip((r.label for r in routes["x"]), route_split(spec, routes)["x"]))
    assert shares == {"c1>b1>a": pytest.approx(0.8), "c2>b2>a": pytest.approx(0.2)}


def test_single_track_budget_is_shared_by_both_directions():
    net = chain(border_tracks=20)
    flows = [flow("in", "a", "China", trains_per_year=365.0), flow("back", "China", "a", trains_per_year=5 * 365.0)]
    spec = make_spec(net, flows, maintenance_h=2.0, meet_overhead_min=10.0)
    b = bound_for(spec, "China", "inbound")
    pairs = link_capacity(net.links["ab"], maintenance_h=2.0, meet_overhead_min=10.0).trains_per_day
    assert b.bound_trains_per_day == pytest.approx(2 * pairs - 5.0, rel=1e-6)
    assert b.binding[0].id == "ab" and b.binding[0].kind == "single_track"


def test_via_ferry_forces_the_sea_route():
    nodes = [node("a", 50.0), node("p", 51.0, node_type="port"), node("q", 53.0, node_type="port"),
             node("e", 54.0, country="TR", region="Europe")]
    links = [rail("ap", "a", "p", 50.0, tracks=2, headway_min=10.0), ferry("pq", "p", "q", vessels=2),
             rail("qe", "q", "e", 50.0, tracks=2, headway_min=10.0), rail("ae", "a", "e", 900.0, tracks=2, headway_min=10.0)]
    net = make_network(nodes, links)
    f_free = flow("free", "a", "Europe", trains_per_year=365.0)
    f_sea = flow("sea", "a", "Europe", trains_per_year=365.0, via=(("ferry",),))
    b_free = bound_for(make_spec(net, [f_free]), "Europe", "inbound")
    b_sea = bound_for(make_spec(net, [f_sea]), "Europe", "inbound")
    wagons = link_capacity(net.links["pq"], maintenance_h=0).wagons_per_day
    assert b_sea.bound_trains_per_day == pytest.approx(wagons / 57)
    assert b_free.bound_trains_per_day > b_sea.bound_trains_per_day


def test_no_flows_gives_no_bound():
    spec = make_spec(chain(), [flow("x", "a", "b", trains_per_year=10.0)])
    assert bound_for(spec, "Russia", "outbound").bound_mt is None


@settings(max_examples=20, deadline=None)
@given(st.floats(5, 50), st.integers(1, 4), st.floats(0.1, 20), st.sampled_from(["track", "section"]))
def test_adding_infrastructure_never_lowers_the_bound(spacing, tracks, demand, change):
    net = chain(single_spacing=spacing, border_tracks=tracks)
    flows = [flow("x", "a", "China", trains_per_year=demand * 365), flow("y", "China", "a", trains_per_year=365.0)]
    before = bound_for(make_spec(net, flows), "China", "inbound").bound_mt
    links = dict(net.links)
    if change == "track":
        links["ab"] = links["ab"].model_copy(update={"tracks": 2, "headway_min": 15.0})
    else:
        links["ab2"] = rail("ab2", "a", "b", 140.0, tracks=1, loop_spacing_km=30.0)
        # a parallel line needs its own pair of nodes in a simple graph: route it via a new node
        links.pop("ab2")
        nodes = dict(net.nodes)
        nodes["m"] = node("m", 70.5, 45.5)
        links["am"] = rail("am", "a", "m", 70.0, loop_spacing_km=30.0)
        links["mb"] = rail("mb", "m", "b", 70.0, loop_spacing_km=30.0)
        net = net.with_links(links, nodes)
        after = bound_for(make_spec(net, flows), "China", "inbound").bound_mt
        assert after >= before - 1e-6
        return
    after = bound_for(make_spec(net.with_links(links), flows), "China", "inbound").bound_mt
    assert after >= before - 1e-6


def test_route_split_follows_the_lp_and_assigned_routing_runs_it():
    """Two parallel double tracks of 10 and 20 trains/day, 15 trains/day of demand: the least-time split at demand
    fills the shorter route (10) and sends the rest (5) the longer way."""
    nodes = [node("a", 70.0), node("b", 70.5, lat=45.2), node("d", 70.5, lat=44.8), node("c", 71.0)]
    links = [rail("ab", "a", "b", 40.0, tracks=2, headway_min=24 * 60 / 10),
             rail("bc", "b", "c", 40.0, tracks=2, headway_min=24 * 60 / 10),
             rail("ad", "a", "d", 41.0, tracks=2, headway_min=24 * 60 / 20),
             rail("dc", "d", "c", 41.0, tracks=2, headway_min=24 * 60 / 20)]
    spec = make_spec(make_network(nodes, links), [flow("x", "a", "c", trains_per_year=15 * 365)], days=30.0,
                     double_track_occupancy=1.0)
    routes = flow_routes(spec)
    assert [r.label for r in routes["x"]] == ["a>b>c", "a>d>c"]
    split = route_split(spec, routes)
    assert split["x"] == pytest.approx((2 / 3, 1 / 3), abs=1e-6)
    res = simulate(spec, routes=routes, split=split)
    shares = res.route_shares["x"]
    total = sum(shares.values())
    assert total > 300 and abs(shares["a>b>c"] - 2 * total / 3) <= 1  # within one train of its share
    # the scenario setting reaches the runs
    assigned = replace(spec, operations=replace(spec.operations, routing="assigned"))
    assert simulate_scenario(assigned).route_shares == res.route_shares
    assert simulate_scenario(spec).route_shares != res.route_shares  # adaptive prefers the shorter route
