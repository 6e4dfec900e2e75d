"""Every rule of the engine's docstring (``corridors.simulation``) against a timeline computed by hand.

Times in the comments are hours:minutes from 00:00 of day 0; the asserts are
to the minute (``abs=1/60`` would hide nothing: they are exact to 1e-9).
Cases already pinned in ``test_simulation.py`` (opposing meet at a loop,
following train one block behind, border + ferry chain, a long train split
over two sailings, border closure and slowdown) are not repeated here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import border, ferry, flow, make_network, make_spec, node, rail

from corridors.elements import link_capacity
from corridors.model import Disruption
from corridors.simulation import simulate

MIN = 1 / 60


def hm(h: int, m: float = 0.0) -> float:
    """Hours from 00:00 of day 0 for ``h:m``."""
    return h + m / 60


def trains(spec):
    """The run's train records by (flow, departure order)."""
    res = simulate(spec)
    out = {}
    for t in sorted(res.trains, key=lambda r: (r.flow, r.generated_h)):
        out.setdefault(t.flow, []).append(t)
    return res, out


def exact(x):
    return pytest.approx(x, abs=1e-9)


def double(length_km, *, speed_kmh=50.0, headway_min=10.0):
    return make_network([node("a", 70.0), node("b", 71.0)],
                        [rail("ab", "a", "b", length_km, tracks=2, headway_min=headway_min, speed_kmh=speed_kmh)])


def single(length_km, loop_km, *, speed_kmh=60.0):
    return make_network([node("a", 70.0), node("b", 71.0)],
                        [rail("ab", "a", "b", length_km, loop_spacing_km=loop_km, speed_kmh=speed_kmh)])


# --------------------------------------------------------------------------- maintenance


def test_double_track_train_stands_during_the_window():
    """The issue's example: 09:00 onto 100 km at 50 km/h (2 h), maintenance 10:00-12:00.

    It no longer runs through the window: it runs 09:00-10:00 (50 km), stands at a
    station 10:00-12:00, runs the other 50 km 12:00-13:00 and leaves at 13:00.
    """
    spec = make_spec(double(100.0), [flow("x", "a", "b", departures_h=[hm(9)])],
                     maintenance_h=2.0, maintenance_start_h=10.0)
    _, t = trains(spec)
    (x,) = t["x"]
    assert x.entered_h == exact(hm(9))
    assert x.arrived_h == exact(hm(13))
    assert x.wait_h == exact(2.0) and x.moving_h == exact(2.0)


@pytest.mark.parametrize(("depart", "enter", "leave"), [
    (hm(7, 30), hm(7, 30), hm(9, 30)),  # clear before 10:00
    (hm(8), hm(8), hm(10)),             # out at 10:00 exactly: no stand
    (hm(8, 1), hm(8, 1), hm(12, 1)),    # 1 h 59 min run, stand 10:00-12:00, 1 min more
    (hm(10, 30), hm(12), hm(14)),       # inside the window: no entry until 12:00
    (hm(12), hm(12), hm(14)),           # the window has just closed
])
def test_double_track_maintenance_boundaries(depart, enter, leave):
    """100 km at 50 km/h = 2 h of running; window 10:00-12:00."""
    spec = make_spec(double(100.0), [flow("x", "a", "b", departures_h=[depart])],
                     maintenance_h=2.0, maintenance_start_h=10.0)
    _, t = trains(spec)
    assert t["x"][0].entered_h == exact(enter)
    assert t["x"][0].arrived_h == exact(leave)


def test_single_track_train_waits_at_the_loop_before_a_block_it_cannot_clear():
    """30 km, loops every 10 km (3 blocks of 10 min at 60 km/h), no overhead, window 10:00-12:00.

    Departs 09:35: block 0 09:35-09:45, block 1 09:45-09:55; block 2 would end at 10:05,
    so the train waits in the loop until 12:00 and runs block 2 12:00-12:10.
    """
    spec = make_spec(single(30.0, 10.0), [flow("x", "a", "b", departures_h=[hm(9, 35)])],
                     maintenance_h=2.0, maintenance_start_h=10.0, meet_overhead_min=0.0)
    _, t = trains(spec)
    (x,) = t["x"]
    assert x.entered_h == exact(hm(9, 35))  # the first block clears before 10:00
    assert x.arrived_h == exact(hm(12, 10))
    assert x.wait_h == exact(hm(2, 5))
    assert x.moving_h == exact(0.5)


def test_single_track_train_inside_the_window_waits_for_it_to_close():
    """Departs 11:00 inside the window 10:00-12:00: enters 12:00, three 10-min blocks, out 12:30."""
    spec = make_spec(single(30.0, 10.0), [flow("x", "a", "b", departures_h=[hm(11)])],
                     maintenance_h=2.0, maintenance_start_h=10.0, meet_overhead_min=0.0)
    _, t = trains(spec)
    assert t["x"][0].entered_h == exact(hm(12))
    assert t["x"][0].arrived_h == exact(hm(12, 30))


def test_double_track_longer_than_a_day_stands_during_each_window():
    """1150 km at 50 km/h = 23 h: longer than the 22 h between two windows.

    Departs 08:00 (no window in force): runs 08:00-10:00 (2 h), stands 10:00-12:00,
    runs the remaining 21 h 12:00-09:00 next day (before that day's window at 10:00).
    """
    spec = make_spec(double(1150.0), [flow("x", "a", "b", departures_h=[hm(8)])],
                     maintenance_h=2.0, maintenance_start_h=10.0)
    _, t = trains(spec)
    (x,) = t["x"]
    assert x.entered_h == exact(hm(8))
    assert x.arrived_h == exact(hm(24 + 9))
    assert x.moving_h == exact(23.0) and x.wait_h == exact(2.0)


# --------------------------------------------------------------------------- double track


def test_double_track_headway_at_entry_and_no_overtaking():
    """60 km, line speed 60 km/h, headway 10 min; no window.

    Ore train (speed factor 0.9: 54 km/h, 66 min 40 s) departs 00:00 and enters at once.
    Container (factor 1.15: 69 km/h, 52 min 10 s) departs 00:01, waits for the gate until
    00:10 (one headway), would be out at 01:02:10 but leaves one headway after the ore
    train: 01:06:40 + 10 min = 01:16:40. A general train the other way at 00:00 is
    not held by either (its own gate): out at 01:00.
    """
    net = double(60.0, speed_kmh=60.0)
    spec = make_spec(net, [flow("ore", "a", "b", cargo="ore_metals", departures_h=[0.0]),
                           flow("box", "a", "b", cargo="container", departures_h=[MIN]),
                           flow("back", "b", "a", departures_h=[0.0])], double_track_occupancy=1.0)
    _, t = trains(spec)
    assert t["ore"][0].arrived_h == exact(60 / 54)
    assert t["box"][0].entered_h == exact(10 * MIN)
    assert t["box"][0].arrived_h == exact(60 / 54 + 10 * MIN)
    assert t["box"][0].moving_h == exact(60 / 69)
    assert t["back"][0].arrived_h == exact(1.0)


def test_double_track_two_trains_at_once_enter_one_headway_apart():
    """60 km at 60 km/h, headway 10 min, timetable at the minimum headway (occupancy 1): out at 01:00 and 01:10."""
    spec = make_spec(double(60.0, speed_kmh=60.0), [flow("x", "a", "b", departures_h=[0.0, 0.0])],
                     double_track_occupancy=1.0)
    _, t = trains(spec)
    assert [r.arrived_h for r in t["x"]] == [exact(1.0), exact(hm(1, 10))]


@pytest.mark.parametrize("occupancy, second_out_h", [(None, hm(1, 16) + 40 / 3600), (0.75, hm(1, 13) + 20 / 3600)])
def test_double_track_spaces_trains_by_the_timetable_headway(occupancy, second_out_h):
    """UIC 406 buffer: the default 60 % plans 10 / 0.6 = 16 min 40 s between entries (out at 01:16:40);
    75 % plans 13 min 20 s (out at 01:13:20). The capacity tables divide the day by the same headway."""
    ops = {} if occupancy is None else {"double_track_occupancy": occupancy}
    spec = make_spec(double(60.0, speed_kmh=60.0), [flow("x", "a", "b", departures_h=[0.0, 0.0])], **ops)
    _, t = trains(spec)
    assert [r.arrived_h for r in t["x"]] == [exact(1.0), exact(second_out_h)]
    headway_h = second_out_h - 1.0
    assert link_capacity(spec.network.links["ab"], maintenance_h=0.0,
                         double_track_occupancy=spec.operations.double_track_occupancy
                         ).trains_per_day == pytest.approx(24 / headway_h)


# --------------------------------------------------------------------------- single track


def test_single_track_block_layout_rounds_half_up():
    """25 km with 10 km loops: 2.5 blocks, rounded up to 3 blocks of 8 1/3 km (8 min 20 s at 60 km/h).

    A following train 1 min behind, overhead 6 min: it enters block 0 when the first
    train's hold ends (08:20 + 6 min = 14:20 after 00:00) and arrives 25 min later.
    """
    spec = make_spec(single(25.0, 10.0), [flow("x", "a", "b", departures_h=[0.0, MIN])], meet_overhead_min=6.0)
    res, t = trains(spec)
    assert res.elements["ab"].single_track.blocks == 3
    first, second = t["x"]
    assert first.arrived_h == exact(25 * MIN)
    assert second.entered_h == exact((25 / 3 + 6) * MIN)
    assert second.arrived_h == exact((25 / 3 + 6 + 25) * MIN)


def test_single_track_train_further_into_the_section_goes_first():
    """3 blocks of 10 min, overhead 6 min (a block is free 6 min after its holder left).

    E departs a 00:00: block 0 00:00-00:10, block 1 00:10-00:20, then waits for block 2.
    W0 departs b 00:15: block 2 00:15-00:25 (free at 00:31), block 1 (free at 00:26)
    00:26-00:36, block 0 00:36-00:46: out at 00:46.
    W1 departs b 00:18 and asks for block 2 before E does (00:20), but E is further into
    the section and goes first at 00:31: block 2 00:31-00:41, out at 00:41 (arrival order
    would have sent W1 first). W1 then: block 2 00:47-00:57, block 1 (free at 00:42)
    00:57-01:07, block 0 (free at 00:52) 01:07-01:17: out at 01:17.
    """
    net = single(30.0, 10.0)
    spec = make_spec(net, [flow("e", "a", "b", departures_h=[0.0]),
                           flow("w", "b", "a", departures_h=[15 * MIN, 18 * MIN])], meet_overhead_min=6.0)
    res, t = trains(spec)
    assert t["e"][0].arrived_h == exact(41 * MIN)
    assert [r.arrived_h for r in t["w"]] == [exact(46 * MIN), exact(77 * MIN)]
    assert res.elements["ab"].single_track.opposing_violations == 0


# --------------------------------------------------------------------------- borders


def test_border_parallel_handling_tracks():
    """Two handling tracks, fixed dwell 3 h: three trains at 00:00 leave at 03:00, 03:00, 06:00."""
    net = make_network([node("a", 70.0), node("b", 70.1, country="CN")], [border("ab", "a", "b", tracks=2, dwell_h=3.0)])
    _, t = trains(make_spec(net, [flow("x", "a", "b", departures_h=[0.0, 0.0, 0.0])]))
    assert [r.arrived_h for r in t["x"]] == [exact(3.0), exact(3.0), exact(6.0)]


def test_border_exchange_limit_resets_at_midnight():
    """Three tracks, dwell 2 h, exchange limit 2 trains/day.

    Trains at 20:00 and 21:00 pass (out 22:00, 23:00): the day's two. The 22:00 and 23:00
    trains hold a track and wait for midnight, pass at 24:00 (day 1's two, out 26:00);
    the 23:30 train finds day 1 used up too and waits until 48:00 (out 50:00).
    """
    net = make_network([node("a", 70.0), node("b", 70.1, country="CN")],
                       [border("ab", "a", "b", tracks=3, dwell_h=2.0, limit=2)])
    deps = [hm(20), hm(21), hm(22), hm(23), hm(23, 30)]
    _, t = trains(make_spec(net, [flow("x", "a", "b", departures_h=deps)], days=5))
    assert [r.arrived_h for r in t["x"]] == [exact(22), exact(23), exact(26), exact(26), exact(50)]


def test_border_serves_cargo_priority_first():
    """One track, dwell 2 h: general at 00:00 (out 02:00); general at 00:30 and container at 01:00 wait;
    the container (priority 1) goes first at 02:00 (out 04:00), the general at 04:00 (out 06:00)."""
    net = make_network([node("a", 70.0), node("b", 70.1, country="CN")], [border("ab", "a", "b", dwell_h=2.0)])
    spec = make_spec(net, [flow("g", "a", "b", departures_h=[0.0, 0.5]),
                           flow("c", "a", "b", cargo="container", departures_h=[1.0])])
    _, t = trains(spec)
    assert [r.arrived_h for r in t["g"]] == [exact(2.0), exact(6.0)]
    assert t["c"][0].arrived_h == exact(4.0)


# --------------------------------------------------------------------------- ferries


def _port_pair(**kw):
    return make_network([node("p", 50.0, node_type="port"), node("q", 52.0, node_type="port")],
                        [ferry("pq", "p", "q", crossing_h=10.0, handling_h=1.0, **kw)])


def test_ferry_sails_when_full():
    """114-wagon vessel, max wait 5 h; two 57-wagon trains at 00:00 and 03:00.

    The second fills the vessel at 03:00: loading 1 h, sails 04:00, crossing 10 h,
    unloading 1 h: both trains are made up again at 15:00.
    """
    spec = make_spec(_port_pair(wagons=114, max_wait_h=5.0), [flow("x", "p", "q", departures_h=[0.0, 3.0])])
    _, t = trains(spec)
    assert [r.arrived_h for r in t["x"]] == [exact(15.0), exact(15.0)]


def test_ferry_sails_after_max_wait_and_comes_back_empty():
    """120-wagon vessel, max wait 5 h; 57-wagon trains at 00:00, 03:00 and 05:30.

    Not full (114 wagons): it sails 5 h after loading started, 05:00 + 1 h loading = 06:00,
    arrives 16:00, unloaded 17:00 (the first two trains). The third train missed it: the
    vessel returns empty (no port handling) 17:00-27:00, loads from 27:00, waits until
    32:00, loading to 33:00, crossing to 43:00, unloading to 44:00.
    """
    spec = make_spec(_port_pair(wagons=120, max_wait_h=5.0),
                     [flow("x", "p", "q", departures_h=[0.0, 3.0, 5.5])], days=5)
    _, t = trains(spec)
    assert [r.arrived_h for r in t["x"]] == [exact(17.0), exact(17.0), exact(44.0)]


# --------------------------------------------------------------------------- closures and slowdowns


def _with(spec, *disruptions):
    return replace(spec, disruptions=tuple(disruptions))


def test_single_track_closure_stops_entry_into_the_next_block():
    """3 blocks of 10 min, closed 12:00-24:00 (days [0.5, 1)).

    Departs 11:55: block 0 11:55-12:05 (entered before the closure); block 1 waits
    until 24:00: 24:00-24:10, block 2 24:10-24:20.
    """
    spec = make_spec(single(30.0, 10.0), [flow("x", "a", "b", departures_h=[hm(11, 55)])], meet_overhead_min=0.0)
    _, t = trains(_with(spec, Disruption("ab", 0.5, 1.0)))
    assert t["x"][0].arrived_h == exact(hm(24, 20))


def test_double_track_closure_and_slowdown():
    """30 km double track at 60 km/h (30 min), closed 12:00-24:00, at half speed on day 1.

    11:55 enters before the closure, out 12:25. 12:30 waits until 24:00, enters at half speed
    (slowdown from 24:00): 60 min, out 25:00.
    """
    spec = make_spec(double(30.0, speed_kmh=60.0), [flow("x", "a", "b", departures_h=[hm(11, 55), hm(12, 30)])])
    _, t = trains(_with(spec, Disruption("ab", 0.5, 1.0), Disruption("ab", 1.0, 2.0, 0.5)))
    assert [r.arrived_h for r in t["x"]] == [exact(hm(12, 25)), exact(hm(25))]


def test_single_track_slowdown_divides_block_speed():
    """3 blocks of 10 min at factor 0.5 on day 0: 20 min each, out at 01:00."""
    spec = make_spec(single(30.0, 10.0), [flow("x", "a", "b", departures_h=[0.0])], meet_overhead_min=0.0)
    _, t = trains(_with(spec, Disruption("ab", 0.0, 1.0, 0.5)))
    assert t["x"][0].arrived_h == exact(1.0)


def test_ferry_does_not_sail_while_closed():
    """Closed 00:00-12:00; a train at 00:00, max wait 0: loaded 01:00, sails at 12:00, ashore 23:00."""
    spec = make_spec(_port_pair(wagons=57, max_wait_h=0.0), [flow("x", "p", "q", departures_h=[0.0])])
    _, t = trains(_with(spec, Disruption("pq", 0.0, 0.5)))
    assert t["x"][0].arrived_h == exact(23.0)


def test_ferry_slowdown_slows_port_handling():
    """Factor 0.5 on day 0: loading 2 h (00:00-02:00), crossing 10 h, unloading 2 h: ashore 14:00."""
    spec = make_spec(_port_pair(wagons=57, max_wait_h=0.0), [flow("x", "p", "q", departures_h=[0.0])])
    _, t = trains(_with(spec, Disruption("pq", 0.0, 1.0, 0.5)))
    assert t["x"][0].arrived_h == exact(14.0)


# --------------------------------------------------------------------------- counting


def test_refused_at_entry_when_the_origin_backlog_is_full():
    """A border closed for the whole run: trains wait at the origin; with 10 trains/day and
    ``max_origin_backlog_days`` 0.5 at most 5 wait, every later train is refused."""
    net = make_network([node("a", 70.0), node("b", 70.1, country="CN")], [border("ab", "a", "b")])
    spec = make_spec(net, [flow("x", "a", "b", trains_per_year=10 * 365)], days=5, max_origin_backlog_days=0.5)
    res = simulate(_with(spec, Disruption("ab", 0.0, 5.0)))
    assert res.in_network == 5
    assert res.refused == res.generated - 5 > 0
    assert res.refused_by_reason == {"origin_backlog": res.refused}


def test_refused_when_no_route_exists():
    """Two nodes without a link between them: every train is refused with no_route."""
    net = make_network([node("a", 70.0), node("b", 70.1), node("c", 70.2)], [border("ab", "a", "b")])
    res = simulate(make_spec(net, [flow("x", "a", "c", departures_h=[0.0, 1.0])]))
    assert res.refused_by_reason == {"no_route": 2} and res.generated == 2
