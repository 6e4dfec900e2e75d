"""The fifth market, Central Asia, beside the four regions: who counts toward it, and that the four do not move."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import border, flow, make_network, make_spec, node, rail

from corridors import REGIONS
from corridors.bound import bound_for, region_flows
from corridors.model import COUNTRY_REGION, region_of
from corridors.pipeline import simulate_scenario
from corridors.results import summary
from corridors.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CENTRAL_ASIA = {"UZ", "KG", "TJ", "TM"}


def test_the_four_regions_come_first_and_unchanged():
    assert REGIONS == ("China", "Europe", "Russia", "South Asia", "Central Asia")
    assert {c for c, r in COUNTRY_REGION.items() if r == "Central Asia"} == CENTRAL_ASIA


@pytest.mark.parametrize("scenario", ["baseline-2023", "buildout-1300km"])
def test_no_flow_leaves_one_of_the_four_regions_for_central_asia(scenario):
    """Every flow end counts toward the same one of the four regions as before the fifth market existed:
    Central Asia only takes ends that counted toward no region (a node's country outside the four)."""
    spec = load_scenario(ROOT / "scenarios" / f"{scenario}.yaml")
    net = spec.network
    four = {c: r for c, r in COUNTRY_REGION.items() if r != "Central Asia"}
    for f in spec.flows:
        for end, got in ((f.origin, f.origin_region), (f.destination, f.destination_region)):
            node = net.nodes.get(end)
            before = end if end in REGIONS[:4] else (node.region if node and node.region in REGIONS[:4]
                                                      else four.get(node.country) if node else None)
            if before is not None:
                assert got == before, (f.id, end)
            elif got == "Central Asia":
                assert node.country in CENTRAL_ASIA or node.region == "Central Asia", (f.id, end)
    inbound = {f.id for f in region_flows(spec, "Central Asia", "inbound")}
    assert "cn-uz" in inbound  # China -> Tashkent: from China and to Central Asia
    assert "cn-uz" in {f.id for f in region_flows(spec, "China", "outbound")}


def _line():
    """a (KZ) --100 km double track-- b (KZ) --border-- c (UZ) --50 km-- d (UZ)."""
    nodes = [node("a", 68.0), node("b", 69.0), node("c", 69.1, country="UZ"), node("d", 69.5, country="UZ")]
    links = [rail("ab", "a", "b", 100.0, tracks=2, headway_min=10.0),
             border("bc", "b", "c", tracks=2, dwell_h=4.0), rail("cd", "c", "d", 50.0, tracks=2, headway_min=10.0)]
    return make_network(nodes, links)


def test_a_flow_to_an_uzbek_node_has_a_central_asian_bound_and_summary():
    """Two border tracks at 4 h: 12 trains a day into Uzbekistan; Kazakh flows to d are Central Asia inbound."""
    net = _line()
    assert region_of("d", net) == "Central Asia" and region_of("a", net) is None
    spec = make_spec(net, [flow("in", "a", "d", trains_per_year=3 * 365, destination_region=region_of("d", net)),
                           flow("out", "d", "a", trains_per_year=365, origin_region=region_of("d", net))],
                     days=30, warmup_days=5)
    b = bound_for(spec, "Central Asia", "inbound")
    assert b.bound_trains_per_day == pytest.approx(12.0)
    assert [e.id for e in b.binding] == ["bc"]
    doc = summary(spec, simulate_scenario(spec))
    assert list(doc["regions"]) == list(REGIONS)
    ca = doc["regions"]["Central Asia"]
    assert ca["inbound"]["trains"] > 0 and ca["outbound"]["trains"] > 0
    assert all(doc["regions"][r]["inbound"]["trains"] == 0 for r in REGIONS[:4])


def test_a_flow_to_central_asia_on_a_network_without_its_gateway_says_so(tmp_path):
    """A helper's case: "no route from China to Central Asia ... open a line" hid the cause, a region without gateway."""
    from scenario_support import scenario

    from corridors.scenario import validate_file

    path = scenario(tmp_path, demand="  - {id: x, origin: China, destination: Central Asia, cargo: general, "
                                     "volume_mt: 1, source: test}\n")
    (msg,) = validate_file(path)
    assert "demand[0].destination: region 'Central Asia' has no gateway in this network" in msg, msg
