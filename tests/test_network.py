"""The network data contract: the shipped file is clean; every kind of defect is reported at once."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from corridors import REGIONS
from corridors.errors import NetworkError
from corridors.network import (
    RailSection,
    default_network_path,
    read_network,
    route_km,
    to_gdfs,
    to_graph,
)

SHIPPED = default_network_path()


@pytest.fixture(scope="module")
def net():
    return read_network(SHIPPED)


def test_shipped_network_is_big_enough_and_clean(net):
    assert len(net.nodes) >= 60
    assert len({n.country for n in net.nodes.values()}) >= 10
    for region in REGIONS:
        assert net.gateways(region), region
    G = to_graph(net.existing())
    main = max(nx.connected_components(G), key=len)
    for region in REGIONS:
        assert any(g in main for g in net.gateways(region)), region


def test_shipped_network_has_the_2023_state_and_the_projects(net):
    dm = ["dostyk_beskol", "beskol_aktogay", "aktogay_balkhash", "balkhash_moyinty"]
    assert all(net.links[i].tracks == 1 and net.links[i].status == "existing" for i in dm)
    assert net.links["ayagoz_bakhty"].status != "existing"
    assert net.links["darbaza_maktaaral"].status != "existing"
    assert net.links["zhetygen_kazybek_bek"].status != "existing"
    kinds = {lk.kind for lk in net.links.values()}
    assert kinds == {"rail", "border", "ferry"}
    assert route_km(net, "country")["KZ"] > 9000


def test_graph_and_gdf_views(net):
    G = to_graph(net)
    u, v, e = next(iter(G.edges(data=True)))
    assert {"id", "kind", "length_km", "free_time_h", "link", "status"} <= set(e)
    nodes, links = to_gdfs(net)
    assert len(nodes) == len(net.nodes) and len(links) == len(net.links)
    assert str(links.crs) == "EPSG:4326"


def _broken(tmp_path: Path, edit) -> Path:
    doc = json.loads(SHIPPED.read_text(encoding="utf-8"))
    edit(doc["features"])
    out = tmp_path / "broken.geojson"
    out.write_text(json.dumps({**doc, "features": doc["features"]}, indent=0), encoding="utf-8")
    return out


def _feature(features, fid):
    return next(f for f in features if f["properties"]["id"] == fid)


def test_every_defect_is_reported_at_once_with_its_id(tmp_path):
    def edit(features):
        _feature(features, "dostyk_beskol")["properties"]["to_node"] = "beskoll"  # dangling
        features.append(json.loads(json.dumps(_feature(features, "almaty"))))  # duplicate id
        del _feature(features, "moyinty_shu")["properties"]["loop_spacing_km"]  # missing attribute
        _feature(features, "taraz_shu")["properties"]["speed_kmh"] = -5  # impossible
        _feature(features, "shymkent_taraz")["properties"]["length_km"] = 900  # geometry disagrees
        _feature(features, "alashankou_jinghe")["properties"]["gauge_mm"] = 1520  # gauge break without facility
        _feature(features, "zhetygen_altynkol")["properties"]["colour"] = "red"  # unknown property

    with pytest.raises(NetworkError) as info:
        read_network(_broken(tmp_path, edit))
    msg = str(info.value)
    for needle in ["dostyk_beskol: refers to unknown node 'beskoll'", "almaty: duplicate id",
                   "moyinty_shu", "taraz_shu", "shymkent_taraz: length_km 900",
                   "alashankou_jinghe: gauge 1520 mm", "zhetygen_altynkol", "unknown property"]:
        assert needle in msg, needle
    assert "broken.geojson:" in msg  # located by file and line


def test_unreachable_region_is_reported(tmp_path):
    def edit(features):
        for f in features:
            if f["properties"].get("region") == "South Asia":
                f["properties"]["region"] = None

    with pytest.raises(NetworkError, match="South Asia: no gateway"):
        read_network(_broken(tmp_path, edit))


def test_missing_file_and_bad_json_are_clear(tmp_path):
    with pytest.raises(NetworkError, match="cannot read"):
        read_network(tmp_path / "nope.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkError, match="invalid JSON"):
        read_network(bad)


def test_single_track_sections_have_loops(net):
    for lk in net.links.values():
        if isinstance(lk, RailSection) and lk.tracks == 1:
            assert 0 < lk.loop_spacing_km <= lk.length_km


def _numeric_properties():
    """(feature id, property, line) of every numeric property of one node with a yard, one border, one ferry and
    one single- and one double-track section of the shipped file."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    want = {"almaty", "dostyk_alashankou", "ferry_aktau_alat", "dostyk_beskol", "taraz_shu"}
    out = []
    for i, line in enumerate(lines):
        if not line.startswith('{"type": "Feature"'):
            continue
        props = json.loads(line.rstrip(","))["properties"]
        if props["id"] in want:
            out += [(props["id"], k, i) for k, v in props.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return out


@pytest.mark.parametrize("fid, key, i", _numeric_properties())
@pytest.mark.parametrize("bad", ['"8"', "true"])
def test_a_text_or_a_boolean_is_not_a_number_in_the_network_file(tmp_path, fid, key, i, bad):
    """The first case (a helper's): "clearance_ab_h": true was read as 1 h, "12" as 12 h; every numeric property
    of every kind of feature is now read strictly and reported at its line."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    feat = json.loads(lines[i].rstrip(","))
    feat["properties"][key] = json.loads(bad)
    lines[i] = json.dumps(feat, ensure_ascii=False) + ("," if lines[i].endswith(",") else "")
    path = tmp_path / "net.geojson"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(NetworkError) as e:
        read_network(path)
    shown = "true" if bad == "true" else "'8'"
    assert f"{path}:{i + 1}: {fid}: " in str(e.value) and f"{key}: got {shown}, expected " in str(e.value), str(e.value)


def test_the_first_case_a_boolean_clearance(tmp_path):
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if '"id": "dostyk_alashankou"' in line)
    lines[i] = lines[i].replace('"clearance_ab_h": 45', '"clearance_ab_h": true')
    path = tmp_path / "net.geojson"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(NetworkError, match="clearance_ab_h: got true, expected a number"):
        read_network(path)
