"""Property tests: random small networks and demands never break the engine's invariants."""

from __future__ import annotations

import math

import pytest
from conftest import border, flow, make_network, make_spec, node, rail
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corridors.simulation import simulate


@st.composite
def small_runs(draw):
    """A random tree of 3-6 nodes (single/double track, maybe a border, maybe yards) with 1-4 random flows."""
    n = draw(st.integers(3, 6))
    nodes = []
    for i in range(n):
        yard = draw(st.none() | st.tuples(st.integers(1, 3), st.floats(0.2, 3.0)))
        nodes.append(node(f"n{i}", 70.0 + 0.5 * i, **({} if yard is None else
                                                      {"yard_tracks": yard[0], "yard_dwell_h": yard[1]})))
    links = []
    for i in range(1, n):
        parent = draw(st.integers(0, i - 1))
        kind = draw(st.sampled_from(["single", "double", "border"]))
        length = draw(st.floats(10, 120))
        lid = f"l{parent}_{i}"
        if kind == "single":
            links.append(rail(lid, f"n{parent}", f"n{i}", length, loop_spacing_km=draw(st.floats(5, 40))))
        elif kind == "double":
            links.append(rail(lid, f"n{parent}", f"n{i}", length, tracks=2, headway_min=draw(st.floats(5, 20))))
        else:
            links.append(border(lid, f"n{parent}", f"n{i}", tracks=draw(st.integers(1, 3)),
                                dwell_h=draw(st.floats(0.5, 6)), cv=draw(st.floats(0, 1)),
                                limit=draw(st.none() | st.integers(2, 20))))
    flows = []
    for k in range(draw(st.integers(1, 4))):
        a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        flows.append(flow(f"f{k}", f"n{a}", f"n{b}", trains_per_year=draw(st.floats(50, 20000))))
    net = make_network(nodes, links)
    return make_spec(net, flows, days=12, warmup_days=2, seed=draw(st.integers(0, 2**31)),
                     maintenance_h=draw(st.sampled_from([0.0, 2.0])), meet_overhead_min=draw(st.floats(0, 20)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_runs())
def test_engine_invariants(spec):
    res = simulate(spec, trace=True)
    # Counts add up exactly.
    assert res.generated == res.delivered + res.in_network + res.refused
    assert res.generated == len(res.trains)
    # No block ever held two trains (opposing or not).
    for el in res.elements.values():
        assert el.single_track is None or el.single_track.opposing_violations == 0
    # Every train passes the links of its route in order, none skipped, time moving forward.
    legs: dict[int, list] = {}
    for tid, lid, fwd, t0, t1 in res.trace:
        assert t1 >= t0
        legs.setdefault(tid, []).append((lid, fwd, t0, t1))
    for t in res.trains:
        got = legs.get(t.train_id, [])
        if t.status == "refused":
            assert not got
            continue
        nodes = t.route.split(">")
        stop = [spec.network.nodes[n].yard_dwell_h or 0.0 for n in nodes]
        assert len(got) <= len(nodes) - 1
        if t.status == "delivered":
            assert len(got) == len(nodes) - 1
            if stop[-1]:
                assert t.arrived_h >= got[-1][3] + stop[-1] - 1e-9  # its stop at the destination's yard
            else:
                assert math.isclose(got[-1][3], t.arrived_h)
        for (lid, fwd, t0, t1), (u, v) in zip(got, zip(nodes, nodes[1:])):
            link = spec.network.links[lid]
            assert (link.from_node, link.to_node) == ((u, v) if fwd else (v, u))
        for k, (a, b) in enumerate(zip(got, got[1:]), start=1):
            if stop[k]:
                assert b[2] >= a[3] + stop[k] - 1e-9  # a yard between: its stop, maybe a queue before it
            else:
                assert b[2] == a[3]  # the next link starts when the previous one ends
    # A yard never holds more trains than its tracks: its busy time fits in tracks x the measured hours.
    for nid, st_ in res.yards.items():
        assert st_.busy_share <= spec.network.nodes[nid].yard_tracks + 1e-9


@settings(max_examples=5, deadline=None)
@given(small_runs())
def test_same_seed_same_result(spec):
    assert simulate(spec) == simulate(spec)


# --------------------------------------------------------------------------- saturation


#: How far the utilisation of a saturated rail section may be from 100 % in the tables.
#: The engine and the formula share each rule (elements.py), so what remains is
#: discreteness: a day's last train does or does not fit before the maintenance
#: window, and trains are counted when they leave (one train at each end of the
#: measured 8 days). Observed spread on 60 examples: 0.99-1.012.
RAIL_TOLERANCE = 0.03


def tolerance(link, row, measured_days: float) -> float:
    """Allowed distance from 100 %: :data:`RAIL_TOLERANCE`, plus, on rail, one train a day (the day's last
    block occupation or headway may not fit before the maintenance window: 1/22.9 of a day's capacity on a
    36 km single-block section with 25 km loops, the first example found), and at a border with a random
    dwell :data:`BORDER_SDS` standard deviations of a renewal count (relative sd ``dwell_cv / sqrt(n)``, n trains served)."""
    if link.kind != "border":
        per_day = row["capacity_trains_per_day"] * (2 if link.tracks == 1 else 1)  # a single track's pairs
        return RAIL_TOLERANCE + 1.0 / per_day
    n = max(row["trains_per_day_ab"], row["trains_per_day_ba"]) * measured_days
    return RAIL_TOLERANCE + BORDER_SDS * link.dwell_cv / math.sqrt(max(n, 1.0))


#: Standard deviations of a renewal count a border may be off by. Three failed a CI run now and then: 20 examples
#: a run, a third with a border, each a 0.27 % chance; seed 646284 (below) was 3.75 away. Four: about 0.01 %.
BORDER_SDS = 4


@st.composite
def saturated_chains(draw):
    """A chain of 1-3 elements (single or double track, maybe one border), each fed from both
    ends with local flows at 2.5x its analytic capacity."""
    from corridors.elements import link_capacity

    n = draw(st.integers(1, 3))
    nodes = [node(f"n{i}", 70.0 + 0.5 * i) for i in range(n + 1)]
    maintenance_h = draw(st.sampled_from([0.0, 2.0]))
    overhead_min = draw(st.floats(5, 25))
    kinds = draw(st.lists(st.sampled_from(["single", "double"]), min_size=n, max_size=n))
    if n > 1 and draw(st.booleans()):
        kinds[draw(st.integers(0, n - 1))] = "border"
    links, flows = [], []
    for i, kind in enumerate(kinds):
        a, b, lid = f"n{i}", f"n{i + 1}", f"l{i}"
        length = draw(st.floats(8, 150))
        speed = draw(st.floats(40, 100))
        if kind == "single":
            lk = rail(lid, a, b, length, loop_spacing_km=draw(st.floats(4, 40)), speed_kmh=speed)
        elif kind == "double":
            lk = rail(lid, a, b, length, tracks=2, headway_min=draw(st.floats(6, 20)), speed_kmh=speed)
        else:
            lk = border(lid, a, b, tracks=draw(st.integers(1, 3)), dwell_h=draw(st.floats(1, 6)),
                        cv=draw(st.floats(0, 0.5)), limit=draw(st.none() | st.integers(4, 20)))
        links.append(lk)
        cap = link_capacity(lk, maintenance_h=maintenance_h, meet_overhead_min=overhead_min).trains_per_day
        per_year = 2.5 * cap * 365
        flows += [flow(f"{lid}e", a, b, trains_per_year=per_year), flow(f"{lid}w", b, a, trains_per_year=per_year)]
    return make_spec(make_network(nodes, links), flows, days=10, warmup_days=2, seed=draw(st.integers(0, 2**31)),
                     maintenance_h=maintenance_h, meet_overhead_min=overhead_min, max_origin_backlog_days=0.5)


def _saturated_border_case():
    """The failing example of a CI run (2026-11-30): a short single track then a 1-track border (4 h, cv 0.5)."""
    nodes = [node("n0", 70.0), node("n1", 70.5), node("n2", 71.0)]
    links = [rail("l0", "n0", "n1", 8.0, loop_spacing_km=4.0, speed_kmh=40.0),
             border("l1", "n1", "n2", tracks=1, dwell_h=4.0, cv=0.5)]
    flows = []
    for lk, per_day in ((links[0], 59727.27272727272 / 365), (links[1], 2.5 * 6.0)):
        flows += [flow(f"{lk.id}e", lk.from_node, lk.to_node, trains_per_year=per_day * 365),
                  flow(f"{lk.id}w", lk.to_node, lk.from_node, trains_per_year=per_day * 365)]
    return make_spec(make_network(nodes, links), flows, days=10, warmup_days=2, seed=646284,
                     max_origin_backlog_days=0.5)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(saturated_chains())
@example(_saturated_border_case())
def test_saturated_elements_report_full_utilisation(spec):
    """Every element fed far beyond capacity from both ends shows ~100 % in sections.csv / crossings.csv."""
    from corridors.results import crossing_rows, section_rows

    res = simulate(spec)
    rows = section_rows(spec, res) + crossing_rows(spec, res)
    assert len(rows) == len(spec.network.links)
    measured_days = spec.settings.days - spec.settings.warmup_days
    for row in rows:
        link = spec.network.links[row["id"]]
        assert abs(row["utilisation"] - 1.0) <= tolerance(link, row, measured_days), (row, link)


def test_a_single_block_section_loses_at_most_one_train_a_day_to_the_window():
    """The example hypothesis found: a 36 km single track with 25 km loops is one block of 58 min per train;
    22.9 occupations fit in the 22 h between windows, 22 run: 96 % of the formula, within one train a day."""
    from corridors.elements import link_capacity
    from corridors.results import section_rows

    lk = rail("l1", "n1", "n2", 36.0, loop_spacing_km=25.0, speed_kmh=41.0)
    cap = link_capacity(lk, maintenance_h=2.0, meet_overhead_min=5.0).trains_per_day
    per_year = 2.5 * cap * 365
    flows = [flow("e", "n1", "n2", trains_per_year=per_year), flow("w", "n2", "n1", trains_per_year=per_year)]
    spec = make_spec(make_network([node("n1", 70.0), node("n2", 70.5)], [lk]), flows, days=10, warmup_days=2,
                     maintenance_h=2.0, meet_overhead_min=5.0, max_origin_backlog_days=0.5)
    (row,) = section_rows(spec, simulate(spec))
    assert row["utilisation"] == pytest.approx(22 / (2 * cap), abs=0.002)
    assert abs(row["utilisation"] - 1.0) <= tolerance(lk, row, 8.0)
