"""Every setting has an effect: each attribute of the network contract and each scenario key.

:data:`EFFECTS` has one entry per field of the network records
(``corridors.network``), of the run's model (``corridors.model``: operations,
horizon, cargo classes, flows) and per key of a scenario file
(``corridors.scenario.schema``, change kinds and their keys). An entry is
either a check, run below, that sets the field at two values on a tiny network
and asserts a difference in the right direction (engine, bound or tables), or
a note saying where a metadata field shows in the outputs or why it is
derived / structural. ``test_every_field_has_an_entry`` introspects the models:
a new field without an entry fails it.

The first case is the issue's: ``set_border: {handling_trains_per_day: 2}`` was
accepted, shown as changed and ignored. It is derived (tracks x 24 / dwell), so
a different value is now a located error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from conftest import border, ferry, flow, make_network, make_spec, node, rail
from scenario_support import scenario

from corridors.elements import link_capacity
from corridors.errors import CorridorsError
from corridors.model import CargoClass, Disruption, Flow, Operations, SimSettings
from corridors.network import BorderCrossing, FerryLink, Node, RailSection
from corridors.results import crossing_rows
from corridors.scenario import load_scenario
from corridors.scenario.changes import _MODIFY, CHANGE_HANDLERS
from corridors.scenario.schema import (
    TOP_LEVEL_KEYS,
    CargoSpec,
    CloseSpec,
    FlowSpec,
    OperationsSpec,
    SimulationSpec,
    SlowdownSpec,
)
from corridors.simulation import flow_routes, simulate

# --------------------------------------------------------------------------- tiny runs


def arrivals(net, flows, *, disruptions=(), **ops) -> dict[str, list[float]]:
    """Arrival hours per flow, in departure order."""
    spec = make_spec(net, flows, **ops)
    if disruptions:
        spec = dataclasses.replace(spec, disruptions=tuple(disruptions))
    out: dict[str, list[float]] = {}
    for t in sorted(simulate(spec).trains, key=lambda r: (r.flow, r.generated_h)):
        out.setdefault(t.flow, []).append(t.arrived_h)
    return out


def last(net, flows, **ops) -> float:
    """Arrival of the last train of the run."""
    return max(max(v) for v in arrivals(net, flows, **ops).values())


AB = [node("a", 70.0), node("b", 70.5)]
XB = [node("a", 70.0), node("b", 70.1, country="CN")]
PQ = [node("p", 50.0, node_type="port"), node("q", 52.0, node_type="port")]


def one(link, nodes=AB):
    return make_network(nodes, [link])


def two_trains(origin="a", dest="b", at=(0.0, 1 / 60), **kw):
    return [flow("x", origin, dest, departures_h=at, **kw)]


def later(fn: Callable[[object], float], small, large) -> None:
    """``fn(small) < fn(large)``: the larger value makes the train arrive later."""
    assert fn(small) < fn(large), (small, large)


# --------------------------------------------------------------------------- network: rail sections


def _rail_length():
    later(lambda km: last(one(rail("l", "a", "b", km, loop_spacing_km=10.0)), two_trains(at=[0.0])), 30.0, 60.0)


def _rail_speed():
    later(lambda v: -last(one(rail("l", "a", "b", 60.0, loop_spacing_km=10.0, speed_kmh=v)), two_trains(at=[0.0])),
          60.0, 120.0)


def _rail_tracks():
    """Opposing trains: on single track one waits at a loop, on double track neither waits."""
    def end(tracks):
        lk = rail("l", "a", "b", 30.0, tracks=tracks, loop_spacing_km=10.0, headway_min=10.0)
        arr = arrivals(one(lk), [flow("e", "a", "b", departures_h=[0.0]), flow("w", "b", "a", departures_h=[0.0])])
        return max(arr["e"] + arr["w"])
    later(end, 2, 1)


def _rail_loops():
    """A following train waits for the first block: shorter blocks, earlier arrival."""
    later(lambda s: last(one(rail("l", "a", "b", 60.0, loop_spacing_km=s)), two_trains()), 10.0, 30.0)


def _rail_headway():
    lk = lambda h: rail("l", "a", "b", 60.0, tracks=2, headway_min=h)
    later(lambda h: last(one(lk(h)), two_trains(at=[0.0, 0.0])), 5.0, 15.0)


# --------------------------------------------------------------------------- network: borders


def _issue_example_handling_trains_per_day(tmp_path):
    """The issue's example: the derived figure set on its own is a located error, not ignored."""
    path = scenario(tmp_path, "changes:\n  - set_border: {id: alashankou_dostyk, handling_trains_per_day: 2}\n")
    with pytest.raises(CorridorsError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "s.yaml:4" in text and "set_border.handling_trains_per_day" in text
    assert "derived from handling_tracks × 24 / dwell_h" in text
    # what it derives from changes capacity, and the figure follows
    path = scenario(tmp_path, "changes:\n  - set_border: {id: alashankou_dostyk, handling_tracks: 2}\n", name="t.yaml")
    bc = load_scenario(path).network.links["alashankou_dostyk"]
    assert bc.handling_trains_per_day == 2 * 24 / bc.dwell_h == link_capacity(bc).trains_per_day


def _border_tracks():
    later(lambda n: last(one(border("l", "a", "b", tracks=n, dwell_h=3.0), XB), two_trains(at=[0.0] * 3)), 3, 1)


def _border_dwell():
    later(lambda d: last(one(border("l", "a", "b", dwell_h=d), XB), two_trains(at=[0.0])), 2.0, 4.0)


def _border_clearance(attr):
    """A hold in its own direction only: ab delays trains a→b, ba trains b→a."""
    def check():
        def arrival(h, origin, dest):
            return last(one(border("l", "a", "b", dwell_h=2.0, **{attr: h}), XB), two_trains(origin, dest, at=[0.0]))
        fwd = attr == "clearance_ab_h"
        later(lambda h: arrival(h, *(("a", "b") if fwd else ("b", "a"))), 0.0, 5.0)
        assert arrival(0.0, *(("b", "a") if fwd else ("a", "b"))) == arrival(5.0, *(("b", "a") if fwd else ("a", "b")))
    return check


def _yard(attr):
    """A stop at b on the way a→c: longer with a longer stop, and a queue with fewer tracks."""
    def check():
        def arrival(**yard):
            nodes = [node("a", 70.0), node("b", 70.5, **yard), node("c", 71.0)]
            net = make_network(nodes, [rail("ab", "a", "b", 30.0, tracks=2, headway_min=10.0),
                                       rail("bc", "b", "c", 30.0, tracks=2, headway_min=10.0)])
            return last(net, [flow("x", "a", "c", departures_h=[0.0, 0.3, 0.6])])
        if attr == "yard_dwell_h":
            later(lambda d: arrival(yard_tracks=3, yard_dwell_h=d), 1.0, 3.0)
        else:
            later(lambda n: arrival(yard_tracks=n, yard_dwell_h=2.0), 3, 1)
    return check


def _border_cv():
    """A random dwell spreads the trains' border times; a fixed one does not."""
    def spread(cv):
        net = one(border("l", "a", "b", tracks=50, dwell_h=3.0, cv=cv), XB)
        res = simulate(make_spec(net, two_trains(at=[i / 10 for i in range(20)])))
        times = [t.border_h for t in res.trains]
        return max(times) - min(times)
    later(spread, 0.0, 0.5)


def _border_limit():
    """Two trains, two tracks: with a limit of 1 a day the second waits for midnight."""
    later(lambda lim: last(one(border("l", "a", "b", tracks=2, limit=lim), XB), two_trains(at=[0.0, 0.0])),
          5, 1)


# --------------------------------------------------------------------------- network: ferries


def _ferry(**kw):
    base = {"vessels": 1, "wagons": 57, "crossing_h": 10.0, "handling_h": 1.0, "max_wait_h": 0.0}
    return one(ferry("l", "p", "q", **{**base, **kw}), PQ)


def _ferry_crossing():
    later(lambda h: last(_ferry(crossing_h=h), two_trains("p", "q", at=[0.0])), 10.0, 20.0)


def _ferry_vessels():
    later(lambda n: last(_ferry(vessels=n), two_trains("p", "q", at=[0.0, 0.0])), 3, 1)


def _ferry_wagons():
    later(lambda w: last(_ferry(wagons=w, max_wait_h=1.0), two_trains("p", "q", at=[0.0, 0.0])), 114, 57)


def _ferry_handling():
    later(lambda h: last(_ferry(handling_h=h), two_trains("p", "q", at=[0.0])), 1.0, 3.0)


def _ferry_max_wait():
    later(lambda w: last(_ferry(wagons=114, max_wait_h=w), two_trains("p", "q", at=[0.0])), 0.0, 5.0)


def _ferry_weather():
    """Storms hold vessels in port: with half the time stormy, trains spend longer on the ferry."""
    def ferry_h(share):
        net = _ferry(vessels=2, downtime=share)
        res = simulate(make_spec(net, [flow("x", "p", "q", trains_per_year=365)], days=120))
        done = [t.ferry_h for t in res.trains if t.status == "delivered"]
        return sum(done) / len(done)
    later(ferry_h, 0.0, 0.5)


# --------------------------------------------------------------------------- network: nodes


def _node_region():
    """A flow to a region goes to the region's gateway: moving the tag moves the route's end."""
    def route(gateway):
        nodes = [node("a", 70.0), node("b", 70.5, region="Russia" if gateway == "b" else None),
                 node("c", 71.0, region="Russia" if gateway == "c" else None)]
        net = make_network(nodes, [rail("ab", "a", "b", 30.0, loop_spacing_km=10.0),
                                   rail("bc", "b", "c", 30.0, loop_spacing_km=10.0)])
        (t,) = simulate(make_spec(net, [flow("x", "a", "Russia", departures_h=[0.0])])).trains
        return t.arrived_h
    later(route, "b", "c")


# --------------------------------------------------------------------------- operations, horizon, cargo, flows


def _maintenance_h():
    net = one(rail("l", "a", "b", 100.0, tracks=2, headway_min=10.0, speed_kmh=50.0))
    later(lambda m: last(net, two_trains(at=[9.0]), maintenance_h=m, maintenance_start_h=10.0), 0.0, 2.0)


def _maintenance_start():
    net = one(rail("l", "a", "b", 100.0, tracks=2, headway_min=10.0, speed_kmh=50.0))
    later(lambda s: last(net, two_trains(at=[9.0]), maintenance_h=2.0, maintenance_start_h=s), 20.0, 10.0)


def _meet_overhead():
    net = one(rail("l", "a", "b", 30.0, loop_spacing_km=10.0))
    later(lambda m: last(net, two_trains(), meet_overhead_min=m), 0.0, 10.0)


def _double_track_occupancy():
    net = one(rail("l", "a", "b", 100.0, tracks=2, headway_min=10.0, speed_kmh=50.0))
    later(lambda u: last(net, two_trains(), double_track_occupancy=u), 1.0, 0.6)


def _alternatives():
    """a-d direct (100 km) or over b (2 x 70 km) or over c (2 x 90 km)."""
    nodes = [node("a", 70.0), node("b", 70.5, 45.5), node("c", 70.5, 44.5), node("d", 71.0, region="Russia"),
             node("e", 71.2, region="Russia")]
    links = [rail("ad", "a", "d", 100.0, tracks=2, headway_min=10.0),
             rail("ab", "a", "b", 70.0, tracks=2, headway_min=10.0), rail("bd", "b", "d", 70.0, tracks=2, headway_min=10.0),
             rail("ac", "a", "c", 90.0, tracks=2, headway_min=10.0), rail("cd", "c", "d", 90.0, tracks=2, headway_min=10.0),
             rail("ae", "a", "e", 250.0, tracks=2, headway_min=10.0)]
    return make_network(nodes, links)


def _n_routes(dest="d", **ops):
    spec = make_spec(_alternatives(), [flow("x", "a", dest, trains_per_year=365)], **ops)
    return len(flow_routes(spec)["x"])


def _k_routes():
    later(lambda k: _n_routes(k_routes=k), 1, 3)


def _max_detour():
    later(lambda m: _n_routes(k_routes=4, max_detour=m), 1.0, 2.0)


def _route_overlap_max():
    """A bypass's variants fill k = 2 at 1 (plain k shortest); at 0.8 the other route is kept as well."""
    from test_routing import _corridor

    def n_routes(m):
        spec = make_spec(_corridor(True), [flow("x", "a", "d", trains_per_year=365)], k_routes=2, max_detour=2.0,
                         route_overlap_max=m)
        return -len(flow_routes(spec)["x"])

    later(n_routes, 0.8, 1.0)


def _gateway_detour():
    """To Russia: d is best; the gateway e (2.5x as far) is offered only with a detour of 2.5 or more."""
    later(lambda g: _n_routes("Russia", k_routes=1, gateway_detour=g), 1.0, 3.0)


def _congestion_weight():
    """Trains queued on the direct line: with weight 0 all stay on it, with weight 1 some go round."""
    def share_direct(w):
        net = _alternatives()
        spec = make_spec(net, [flow("x", "a", "d", departures_h=[0.0] * 40)], congestion_weight=w, k_routes=3,
                         max_detour=2.0)
        res = simulate(spec)
        return res.route_shares["x"].get("a>d", 0)
    later(share_direct, 1.0, 0.0)


def _reroute_net(ab_tracks=1):
    """a-b-c with a way round b-d-c twice as long from b (tests/test_reroute.py)."""
    ab = (rail("ab", "a", "b", 60.0, tracks=2, headway_min=5.0) if ab_tracks == 2 else
          rail("ab", "a", "b", 60.0, loop_spacing_km=100.0))
    return make_network([node("a", 70.0), node("b", 70.5), node("c", 71.0), node("d", 70.75, 44.5)],
                        [ab, rail("bc", "b", "c", 60.0, loop_spacing_km=100.0),
                         rail("bd", "b", "d", 60.0, loop_spacing_km=100.0),
                         rail("dc", "d", "c", 60.0, loop_spacing_km=100.0)])


def _reroute_on_closure():
    """b-c closes after the train left a: with the rule it goes round over d, without it waits for day 5."""
    def arrival(flag):
        spec = make_spec(_reroute_net(), [flow("f", "a", "c", departures_h=(0.0,))], reroute_on_closure=flag,
                         meet_overhead_min=0.0)
        res = simulate(dataclasses.replace(spec, disruptions=(Disruption("bc", 0.5 / 24, 5.0),)))
        return max(t.arrived_h for t in res.trains)
    later(arrival, True, False)


def _reroute_gain():
    """Trains queue at b for single-track b-c: with a 1 h threshold the later ones turn over d, with 0 none do."""
    def arrival(gain_h):
        spec = make_spec(_reroute_net(ab_tracks=2), [flow("f", "a", "c", departures_h=(0.0,) * 12)],
                         reroute_gain_h=gain_h, meet_overhead_min=0.0)
        return max(t.arrived_h for t in simulate(spec).trains)
    later(arrival, 1.0, 0.0)


def _backlog():
    def refused(days):
        net = one(border("l", "a", "b"), XB)
        spec = make_spec(net, [flow("x", "a", "b", trains_per_year=10 * 365)], days=5, max_origin_backlog_days=days)
        return simulate(dataclasses.replace(spec, disruptions=(Disruption("l", 0.0, 5.0),))).refused
    later(refused, 2.0, 0.5)


def _wagons_reference():
    def cap(w):
        net = _ferry()
        spec = make_spec(net, [], wagons_per_train_reference=w)
        return crossing_rows(spec, simulate(spec))[0]["capacity_trains_per_day"]
    later(cap, 57.0, 30.0)


def _horizon(field, small, large, measure):
    def run(v):
        net = one(rail("l", "a", "b", 30.0, tracks=2, headway_min=10.0))
        return measure(simulate(make_spec(net, [flow("x", "a", "b", trains_per_year=20 * 365)],
                                          **{"days": 10.0, "warmup_days": 0.0, field: v})))
    return lambda: later(run, small, large)


def _seed():
    net = one(rail("l", "a", "b", 30.0, tracks=2, headway_min=10.0))
    runs = [simulate(make_spec(net, [flow("x", "a", "b", trains_per_year=20 * 365)], seed=s)).trains for s in (1, 2)]
    assert runs[0] != runs[1]


def _cargo(field, small, large, net, flows_of, measure=None):
    """Run with a cargo class whose ``field`` is ``small`` then ``large``; assert later arrival for ``large``."""
    def run(v):
        spec = make_spec(net, flows_of())
        cargo = dict(spec.cargo)
        cargo["general"] = dataclasses.replace(cargo["general"], **{field: v})
        res = simulate(dataclasses.replace(spec, cargo=cargo))
        return measure(res) if measure else max(t.arrived_h for t in res.trains)
    return lambda: later(run, small, large)


def _priority():
    """One border track: a general train waits behind a container unless it has the higher priority."""
    def general_arrival(prio):
        net = one(border("l", "a", "b", dwell_h=2.0), XB)
        spec = make_spec(net, [flow("g", "a", "b", departures_h=[0.5]),
                               flow("c", "a", "b", cargo="container", departures_h=[0.0, 1.0])])
        cargo = dict(spec.cargo)
        cargo["general"] = dataclasses.replace(cargo["general"], priority=prio)
        res = simulate(dataclasses.replace(spec, cargo=cargo))
        return next(t.arrived_h for t in res.trains if t.flow == "g")
    later(general_arrival, 0, 2)


def _trains_per_year():
    net = one(rail("l", "a", "b", 30.0, tracks=2, headway_min=10.0))
    later(lambda n: simulate(make_spec(net, [flow("x", "a", "b", trains_per_year=n)])).generated, 365.0, 3650.0)


def _monthly_profile():
    """A profile with January at 0: no trains in a 20-day January run."""
    net = one(rail("l", "a", "b", 30.0, tracks=2, headway_min=10.0))
    def n(jan):
        prof = (jan,) + (1.0,) * 11
        return simulate(make_spec(net, [flow("x", "a", "b", trains_per_year=3650, monthly_profile=prof)],
                                  days=20)).generated
    later(n, 0.0, 1.0)


def _via_avoid(kind):
    def arrival(constrained):
        net = _alternatives()
        kw = {kind: (("b",),) if kind == "via" else ("ad",)} if constrained else {}
        spec = make_spec(net, [flow("x", "a", "d", departures_h=[0.0], **kw)], k_routes=1)
        (t,) = simulate(spec).trains
        return t.arrived_h
    return lambda: later(arrival, False, True)


def _departures():
    net = one(rail("l", "a", "b", 30.0, tracks=2, headway_min=10.0))
    later(lambda d: last(net, [flow("x", "a", "b", departures_h=[d])]), 1.0, 5.0)


def _loads(body_a: str, body_b: str, get: Callable, demand: str | None = None):
    """A scenario key: two files differing in it resolve to different run specs (``get`` of each).

    ``demand``, when given, replaces the default flow in the second file only.
    """
    def check(tmp_path):
        kw = {"demand": demand} if demand else {}
        a = get(load_scenario(scenario(tmp_path, body_a, name="a.yaml")))
        b = get(load_scenario(scenario(tmp_path, body_b, name="b.yaml", **kw)))
        assert a != b, (a, b)
    return check


def _flow_yaml(extra: str = "", **over) -> str:
    fields = {"id": "kz-ru", "origin": "aktogay", "destination": "Russia", "cargo": "grain", "volume_mt": "0.66",
              "source": "test", **over}
    text = "".join(f"  {'- ' if i == 0 else '  '}{k}: {v}\n" for i, (k, v) in enumerate(fields.items()))
    return text + extra


def _trains(spec):
    return [round(f.trains_per_year, 6) for f in spec.flows]


def _op(key, a, b):
    return _loads(f"operations: {{{key}: {a}}}\n", f"operations: {{{key}: {b}}}\n",
                  lambda s: getattr(s.operations, key))


def _sim(key, a, b):
    return _loads(f"simulation: {{{key}: {a}, days: 60}}\n", f"simulation: {{{key}: {b}, days: 60}}\n",
                  lambda s: getattr(s.settings, key))


def _cargo_key(key, a, b):
    return _loads(f"cargo_classes: {{grain: {{{key}: {a}}}}}\n", f"cargo_classes: {{grain: {{{key}: {b}}}}}\n",
                  lambda s: getattr(s.cargo["grain"], key))


def _change(item_a: str, item_b: str, get: Callable):
    return _loads(f"changes:\n  - {item_a}\n", f"changes:\n  - {item_b}\n", get)


def _link(lid, attr):
    return lambda s: getattr(s.network.links[lid], attr)


# --------------------------------------------------------------------------- the table

META = "metadata"
Entry = Callable | str

#: Field -> its check, or a note for metadata, structure and derived fields.
EFFECTS: dict[str, Entry] = {
    # ---- the issue's example first
    "BorderCrossing.handling_trains_per_day": _issue_example_handling_trains_per_day,
    # ---- network: every record
    **{f"{m}.{f}": note for m in ("Node", "RailSection", "BorderCrossing", "FerryLink") for f, note in {
        "id": "structure: the key of every record, output row and message",
        "kind": "structure: selects the record type (node, rail, border, ferry)",
        "name": f"{META}: sections.csv / crossings.csv `name`, map labels",
        "source": f"{META}: network export (`corridors network --export`), resolved scenario `changed_elements`",
        "status": "activation: only `existing` links are active unless opened (tests/test_scenario_changes.py)",
        "opening_year": f"{META}: network export, resolved scenario",
        "from_node": "structure: the link's ends (graph, routes, direction ab/ba of every output)",
        "to_node": "structure: the link's ends",
        "coords": "geometry: maps, sections.gpkg; checked against length_km (25 %)",
    }.items() if not (m == "Node" and f in ("from_node", "to_node", "status", "opening_year", "coords"))},
    "Node.country": "regions: a flow end's region (model.region_of) -> summary.json regions; map",
    "Node.node_type": "validation: ferry ends must be ports; map symbols",
    "Node.gauge_mm": "validation: a gauge change needs a border facility (network.check_network)",
    "Node.region": _node_region,
    "Node.lon": "geometry: maps; a link's geometry must start at its node",
    "Node.lat": "geometry: maps; a link's geometry must start at its node",
    "RailSection.length_km": _rail_length,
    "BorderCrossing.length_km": f"{META}: route km (trains.csv route_km); a border costs dwell_h only",
    "FerryLink.length_km": f"{META}: route km (trains.csv route_km); a ferry costs crossing_h and handling",
    "RailSection.country": f"{META}: sections.csv `country`",
    "RailSection.tracks": _rail_tracks,
    "RailSection.loop_spacing_km": _rail_loops,
    "RailSection.headway_min": _rail_headway,
    "RailSection.speed_kmh": _rail_speed,
    "RailSection.electrified": f"{META}: network export and resolved scenario; speed_kmh already is the freight "
                               "running speed whatever the traction",
    "RailSection.gauge_mm": "validation: must equal both end nodes' gauge",
    "BorderCrossing.countries": f"{META}: `corridors network` border table",
    "BorderCrossing.gauge_change": "crossings.csv `gauge_change`; validation: must agree with the end gauges",
    "BorderCrossing.handling_tracks": _border_tracks,
    "BorderCrossing.dwell_h": _border_dwell,
    "BorderCrossing.dwell_cv": _border_cv,
    "BorderCrossing.exchange_limit_trains_per_day": _border_limit,
    "BorderCrossing.clearance_ab_h": _border_clearance("clearance_ab_h"),
    "BorderCrossing.clearance_ba_h": _border_clearance("clearance_ba_h"),
    "Node.yard_tracks": _yard("yard_tracks"),
    "Node.yard_dwell_h": _yard("yard_dwell_h"),
    "FerryLink.crossing_h": _ferry_crossing,
    "FerryLink.vessels": _ferry_vessels,
    "FerryLink.wagons_per_vessel": _ferry_wagons,
    "FerryLink.port_handling_h": _ferry_handling,
    "FerryLink.max_wait_h": _ferry_max_wait,
    "FerryLink.weather_downtime_share": _ferry_weather,
    # ---- the run's model
    "Operations.maintenance_h": _maintenance_h,
    "Operations.maintenance_start_h": _maintenance_start,
    "Operations.meet_overhead_min": _meet_overhead,
    "Operations.double_track_occupancy": _double_track_occupancy,
    "Operations.k_routes": _k_routes,
    "Operations.max_detour": _max_detour,
    "Operations.route_overlap_max": _route_overlap_max,
    "Operations.gateway_detour": _gateway_detour,
    "Operations.congestion_weight": _congestion_weight,
    "Operations.reroute_on_closure": _reroute_on_closure,
    "Operations.reroute_gain_h": _reroute_gain,
    "Operations.max_origin_backlog_days": _backlog,
    "Operations.wagons_per_train_reference": _wagons_reference,
    "Operations.routing": "routing: adaptive or the LP's route shares (tests/test_bound.py::"
                          "test_route_split_follows_the_lp_and_assigned_routing_runs_it)",
    "SimSettings.days": _horizon("days", 5.0, 10.0, lambda r: r.generated),
    "SimSettings.warmup_days": _horizon("warmup_days", 5.0, 0.0, lambda r: r.elements["l"].ab.trains),
    "SimSettings.seed": _seed,
    "SimSettings.replications": "pipeline: runs seeds seed..seed+n-1; summary.json `replications` (tests/test_cli.py)",
    "SimSettings.service_level_wait_share": "search: the practical capacity's service level; capacity.json "
                                            "`service_level` (tests/test_search.py)",
    "CargoClass.name": "structure: the key of RunSpec.cargo; trains.csv `cargo`",
    "CargoClass.net_t_per_train": "demand: trains_per_year = tonnes / net_t_per_train (CargoSpec check)",
    "CargoClass.wagons_per_train": _cargo("wagons_per_train", 50, 100, _ferry(wagons=100, max_wait_h=1.0),
                                          lambda: two_trains("p", "q", at=[0.0, 0.0])),
    "CargoClass.teu_per_train": "demand: trains_per_year = TEU / teu_per_train (CargoSpec check)",
    "CargoClass.speed_factor": _cargo("speed_factor", 1.2, 0.8, one(rail("l", "a", "b", 60.0, loop_spacing_km=10.0)),
                                      lambda: two_trains(at=[0.0])),
    "CargoClass.priority": _priority,
    "Flow.id": "structure: trains.csv `flow`, corridors.csv rows, route shares",
    "Flow.origin": "structure: where trains start",
    "Flow.destination": "structure: where trains end",
    "Flow.cargo": "structure: selects the CargoClass (its checks)",
    "Flow.trains_per_year": _trains_per_year,
    "Flow.tonnes_per_year": f"{META}: region Mt/yr in summary.json (results.region_stats)",
    "Flow.monthly_profile": _monthly_profile,
    "Flow.via": _via_avoid("via"),
    "Flow.avoid": _via_avoid("avoid"),
    "Flow.origin_region": f"{META}: summary.json regions (outbound)",
    "Flow.destination_region": f"{META}: summary.json regions (inbound)",
    "Flow.source": f"{META}: resolved scenario `demand[].source`",
    "Flow.departures_h": _departures,
    # ---- scenario file: top level
    "top.name": f"{META}: names the run and outputs/<name>/",
    "top.description": f"{META}: summary.json, resolved scenario, brief",
    "top.extends": "merging: tests/test_scenario_load.py",
    "top.overlay": "merging: tests/test_scenario_load.py (an overlay is refused as a run)",
    "top.network": "structure: the network file",
    "top.changes": "the change kinds below",
    "top.cargo_classes": "the CargoSpec keys below",
    "top.demand": "the FlowSpec keys below",
    "top.demand_scale": _loads("demand_scale: 1\n", "demand_scale: 2\n", _trains),
    "top.demand_scale_by_region": _loads("", "demand_scale_by_region: {Russia: 2}\n", _trains),
    "top.operations": "the OperationsSpec keys below",
    "top.simulation": "the SimulationSpec keys below",
    # ---- scenario file: operations, simulation, cargo classes (each reaches the model field above)
    **{f"OperationsSpec.{k}": _op(k, a, b) for k, a, b in [
        ("maintenance_h", 2, 3), ("maintenance_start_h", 10, 11), ("meet_overhead_min", 20, 25),
        ("double_track_occupancy", 0.6, 0.75),
        ("k_routes", 2, 3), ("max_detour", 1.5, 2), ("route_overlap_max", 0.5, 1),
        ("gateway_detour", 2, 3), ("congestion_weight", 0, 1), ("reroute_on_closure", "true", "false"),
        ("reroute_gain_h", 0, 24),
        ("max_origin_backlog_days", 5, 10), ("wagons_per_train_reference", 50, 57)]},
    "OperationsSpec.routing": _loads("", "operations: {routing: assigned}\n", lambda s: s.operations.routing),
    "OperationsSpec.priorities": _loads("", "operations: {priorities: {grain: 0}}\n",
                                        lambda s: s.cargo["grain"].priority),
    **{f"SimulationSpec.{k}": _sim(k, a, b) for k, a, b in [
        ("warmup_days", 10, 20), ("seed", 1, 2), ("replications", 1, 2), ("service_level_wait_share", 0.5, 1.0)]},
    "SimulationSpec.days": _loads("simulation: {days: 60}\n", "simulation: {days: 90}\n", lambda s: s.settings.days),
    **{f"CargoSpec.{k}": _cargo_key(k, a, b) for k, a, b in [
        ("wagons_per_train", 50, 60), ("speed_factor", 0.9, 1.0), ("priority", 1, 2), ("teu_per_train", 50, 60)]},
    "CargoSpec.net_t_per_train": _loads("cargo_classes: {grain: {net_t_per_train: 3300}}\n",
                                        "cargo_classes: {grain: {net_t_per_train: 1650}}\n", _trains),
    # ---- scenario file: flows
    "FlowSpec.id": "structure: merging along extends; Flow.id",
    "FlowSpec.origin": "structure: Flow.origin",
    "FlowSpec.destination": "structure: Flow.destination",
    "FlowSpec.cargo": _loads("", "", lambda s: s.flows[0].cargo, demand=_flow_yaml(cargo="general")),
    "FlowSpec.volume_mt": _loads("demand_scale: 1\n", "demand_scale: 1\n", _trains, demand=_flow_yaml(volume_mt=1.32)),
    "FlowSpec.volume_teu": "demand: Flow.trains_per_year via teu_per_train (tests/test_scenario_checks.py)",
    "FlowSpec.seasonal": _loads("", "", lambda s: s.flows[0].monthly_profile,
                                demand=_flow_yaml(seasonal="[2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]")),
    "FlowSpec.via": _loads("", "", lambda s: s.flows[0].via, demand=_flow_yaml(via="[moyinty]")),
    "FlowSpec.avoid": _loads("", "", lambda s: s.flows[0].avoid, demand=_flow_yaml(avoid="[almaty]")),
    "FlowSpec.source": f"{META}: Flow.source",
    "FlowSpec.remove": "merging: deletes an inherited flow (tests/test_scenario_load.py)",
    # ---- scenario file: close / slowdown
    "CloseSpec.id": "structure: the closed link or node",
    "CloseSpec.from_day": _change("close: {id: dostyk_aktogay, from_day: 1, to_day: 2}",
                                  "close: {id: dostyk_aktogay, from_day: 1, to_day: 3}",
                                  lambda s: [d.end_day for d in s.disruptions]),
    "CloseSpec.to_day": "Disruption.end_day (CloseSpec.from_day check)",
    "CloseSpec.season": _change("close: {id: dostyk_aktogay, season: {from: '01-01', to: '01-10'}}",
                                "close: {id: dostyk_aktogay, season: {from: '01-01', to: '01-20'}}",
                                lambda s: [d.end_day for d in s.disruptions]),
    "CloseSpec.reason": f"{META}: Disruption.reason in the resolved scenario",
    "SlowdownSpec.factor": _change("slowdown: {id: dostyk_aktogay, factor: 0.5}",
                                   "slowdown: {id: dostyk_aktogay, factor: 0.8}",
                                   lambda s: [d.factor for d in s.disruptions]),
    # ---- scenario file: change kinds (the engine checks of the fields they set are above)
    "change.open": _change("open: ayagoz_bakhty", "remove: urumqi_tacheng", lambda s: sorted(s.network.links)),
    "change.remove": "the change.open check removes a link",
    "change.add_node": "structure: a node (Node checks)",
    "change.add_section": "a RailSection (its checks); tests/test_scenario_changes.py",
    "change.add_border": "a BorderCrossing (its checks); tests/test_scenario_changes.py",
    "change.add_ferry": "a FerryLink (its checks); tests/test_scenario_changes.py",
    "change.upgrade": "the keys below",
    "change.set_border": "the keys below",
    "change.set_ferry": "the keys below",
    "change.set_yard": _change("set_yard: {id: aktogay, yard_tracks: 4, yard_dwell_h: 2}",
                               "set_yard: {id: aktogay, yard_tracks: 6, yard_dwell_h: 2}",
                               lambda s: s.network.nodes["aktogay"].yard_tracks),
    "change.close": "the CloseSpec keys",
    "change.slowdown": "the SlowdownSpec keys",
}

#: Per modifying change key: a value to set it to on a link of the test network.
MODIFY_VALUES = {
    "upgrade": ("dostyk_aktogay", {"tracks": 2, "loop_spacing_km": 30, "headway_min": 12, "speed_kmh": 40,
                                   "electrified": True}),
    "set_border": ("alashankou_dostyk", {"handling_tracks": 6, "dwell_h": 7, "dwell_cv": 0.9,
                                         "exchange_limit_trains_per_day": 3, "clearance_ab_h": 30,
                                         "clearance_ba_h": 12}),
    "set_ferry": ("aktau_baku", {"vessels": 5, "wagons_per_vessel": 33, "crossing_h": 30, "port_handling_h": 9,
                                 "max_wait_h": 11, "weather_downtime_share": 0.3}),
}
for _verb, (_lid, _values) in MODIFY_VALUES.items():
    for _key, _value in _values.items():
        extra = ", headway_min: 12" if _key == "tracks" else ""
        EFFECTS[f"{_verb}.{_key}"] = _change(f"{_verb}: {{id: {_lid}, {_key}: {str(_value).lower()}{extra}}}",
                                             "open: ayagoz_bakhty", _link(_lid, _key))
EFFECTS["set_border.handling_trains_per_day"] = "derived: see BorderCrossing.handling_trains_per_day (first case)"


def _all_fields() -> set[str]:
    names = set()
    for model in (Node, RailSection, BorderCrossing, FerryLink, OperationsSpec, SimulationSpec, CargoSpec, FlowSpec,
                  CloseSpec, SlowdownSpec):
        names |= {f"{model.__name__}.{f}" for f in model.model_fields}
    for cls in (Operations, SimSettings, CargoClass, Flow):
        names |= {f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls)}
    names |= {f"top.{k}" for k in TOP_LEVEL_KEYS}
    names |= {f"change.{k}" for k in CHANGE_HANDLERS}
    names |= {f"{verb}.{k}" for verb, (keys, _) in _MODIFY.items() for k in keys}
    # SlowdownSpec inherits CloseSpec's keys: one entry for those
    names -= {f"SlowdownSpec.{f}" for f in CloseSpec.model_fields}
    return names


def test_every_field_has_an_entry():
    """A field added to a record, model or scenario schema without an entry here fails."""
    fields = _all_fields()
    assert sorted(fields - set(EFFECTS)) == [], "fields without an entry in EFFECTS"
    assert sorted(set(EFFECTS) - fields) == [], "entries for fields that no longer exist"


CHECKS = [k for k, v in EFFECTS.items() if callable(v)]


@pytest.mark.parametrize("key", CHECKS)
def test_setting_has_an_effect(key, tmp_path):
    """Two values of the field give a difference in the stated direction."""
    check = EFFECTS[key]
    if "tmp_path" in check.__code__.co_varnames[: check.__code__.co_argcount]:
        check(tmp_path)
    else:
        check()
