"""Scenario files: the resolved scenario as data and YAML.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

from ruamel.yaml import YAML
from scenario_support import CHILD, NET, scenario

from corridors.scenario import dump_resolved_yaml, load_scenario, resolved_dict

# --------------------------------------------------------------------------- resolved output


def test_resolved_dict_contents():
    d = resolved_dict(CHILD)
    assert d["name"] == "mini-child"
    assert d["network"]["file"] == str(NET) and d["network"]["version"] == "0.1"
    assert d["active_links"] == sorted(d["active_links"]) and "ayagoz_bakhty" in d["active_links"]
    assert d["changed_elements"]["ayagoz_bakhty"]["change"] == ["opened"]
    upg = d["changed_elements"]["dostyk_aktogay"]
    assert upg["change"] == ["modified"]
    assert upg["changed_fields"] == {
        "tracks": {"from": 1, "to": 2},
        "headway_min": {"from": None, "to": 12},
    }
    assert [f["id"] for f in d["demand"]] == ["cn-eu", "kz-ru", "cn-af"]
    assert d["demand"][0]["trains_per_year"] == 1000 and d["demand"][0]["teu_per_year"] == 100000
    assert d["demand_totals"]["flows"] == 3
    assert d["simulation"]["seed"] == 11 and d["operations"]["k_routes"] == 5


def test_resolved_yaml_is_deterministic_and_plain():
    text = dump_resolved_yaml(CHILD)
    assert text == dump_resolved_yaml(CHILD)
    data = YAML(typ="safe", pure=True).load(text)
    assert data == resolved_dict(load_scenario(CHILD))
    assert "!!" not in text


def test_resolved_lists_disruptions_and_removed_links(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - remove: baku_poti
          - close: {id: aktau_baku, season: {from: '12-15', to: '02-15'}}
        """,
    )
    d = resolved_dict(path)
    assert d["removed_links"] == ["baku_poti"]
    assert [(x["start_day"], x["end_day"]) for x in d["disruptions"]] == [(0, 46), (348, 365)]
