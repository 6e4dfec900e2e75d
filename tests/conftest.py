"""Shared fixtures: tiny hand-checkable networks built from records, headless plotting."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# Property tests draw the same examples on every run (a test suite must not pass or fail by chance; several
# check statistical tolerances on simulated runs). HYPOTHESIS_PROFILE=explore draws new ones, to search for bugs.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from corridors import REGIONS  # noqa: E402

from corridors.model import DEFAULT_CARGO, Flow, Operations, RunSpec, SimSettings  # noqa: E402
from corridors.network import BorderCrossing, FerryLink, Network, Node, RailSection  # noqa: E402


def node(nid, lon, lat=45.0, *, country="KZ", node_type="station", gauge=1520, region=None, yard_tracks=None,
         yard_dwell_h=None):
    """A node record at (lon, lat)."""
    return Node(id=nid, name=nid.title(), country=country, node_type=node_type, gauge_mm=gauge,
                region=region, source="test", lon=lon, lat=lat, yard_tracks=yard_tracks, yard_dwell_h=yard_dwell_h)


def rail(lid, a, b, length_km, *, tracks=1, loop_spacing_km=None, headway_min=None, speed_kmh=60.0,
         status="existing", gauge=1520):
    """A rail section record (no geometry: the checks then skip the length test)."""
    return RailSection(id=lid, name=lid, from_node=a, to_node=b, length_km=length_km, status=status,
                       opening_year=2000, source="test", country="KZ", tracks=tracks,
                       loop_spacing_km=loop_spacing_km, headway_min=headway_min, speed_kmh=speed_kmh,
                       electrified=False, gauge_mm=gauge)


def border(lid, a, b, *, tracks=1, dwell_h=2.0, cv=0.0, limit=None, gauge_change=False, clearance_ab_h=0.0,
           clearance_ba_h=0.0):
    """A border crossing record."""
    return BorderCrossing(id=lid, name=lid, from_node=a, to_node=b, length_km=1.0, status="existing",
                          opening_year=2000, source="test", countries="KZ-CN", gauge_change=gauge_change,
                          handling_tracks=tracks, dwell_h=dwell_h, dwell_cv=cv,
                          handling_trains_per_day=tracks * 24 / dwell_h, exchange_limit_trains_per_day=limit,
                          clearance_ab_h=clearance_ab_h, clearance_ba_h=clearance_ba_h)


def ferry(lid, a, b, *, vessels=1, wagons=57, crossing_h=10.0, handling_h=1.0, max_wait_h=0.0, downtime=0.0):
    """A ferry link record."""
    return FerryLink(id=lid, name=lid, from_node=a, to_node=b, length_km=300.0, status="existing",
                     opening_year=2000, source="test", crossing_h=crossing_h, vessels=vessels,
                     wagons_per_vessel=wagons, port_handling_h=handling_h, max_wait_h=max_wait_h,
                     weather_downtime_share=downtime)


def make_network(nodes, links, name="tiny"):
    """A Network from lists of records."""
    return Network(name=name, version="test", as_of="test", nodes={n.id: n for n in nodes},
                   links={lk.id: lk for lk in links})


def make_spec(net, flows, *, days=10.0, warmup_days=0.0, seed=1, **ops):
    """A RunSpec with no maintenance window unless asked."""
    ops.setdefault("maintenance_h", 0.0)
    return RunSpec(name="test", network=net, flows=tuple(flows), cargo=dict(DEFAULT_CARGO),
                   operations=Operations(**ops), settings=SimSettings(days=days, warmup_days=warmup_days, seed=seed))


def flow(fid, origin, destination, *, cargo="general", trains_per_year=0.0, departures_h=(), **kw):
    """A flow; tonnes follow the cargo class payload."""
    t = DEFAULT_CARGO[cargo].net_t_per_train
    kw.setdefault("origin_region", origin if origin in REGIONS else None)
    kw.setdefault("destination_region", destination if destination in REGIONS else None)
    return Flow(id=fid, origin=origin, destination=destination, cargo=cargo, trains_per_year=trains_per_year,
                tonnes_per_year=trains_per_year * t, departures_h=tuple(departures_h), **kw)


@pytest.fixture
def line3():
    """A--B single track, 30 km with loops every 10 km (three blocks), 60 km/h."""
    return make_network([node("a", 70.0), node("b", 70.4)],
                        [rail("ab", "a", "b", 30.0, loop_spacing_km=10.0)])
