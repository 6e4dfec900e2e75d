"""Shutdowns: the shipped overlays run with their closures, a comparison says what closes and which way each
market is carried after it, and the brief says so in names.

The comparison folder of this module has real runs (the test network, 60 days, two replications) and
stand-in capacity documents (no capacity search: seconds instead of a minute), so the figures of the key
message are known in advance.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from corridors import REGIONS
from corridors.availability import capacity_shares
from corridors.bound import BindingElement
from corridors.brief import read_result
from corridors.brief.messages import compare_key_messages
from corridors.brief.names import ElementNames
from corridors.capacity import DIRECTIONS, CapacityDoc, SearchSettings
from corridors.comparison import ComparisonDoc, compare_docs
from corridors.results import capacities
from corridors.scenario import load_scenario
from corridors.simulation import simulate

from test_capacity_documents import CHANGE_KEYS, record

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "scenario"


# --------------------------------------------------------------------------- the shipped shutdowns


@pytest.mark.parametrize(("name", "days", "closed", "share"), [
    # all year: nothing crosses at Brest; the whole measured period (days 30-40) closed
    ("shutdown-northern-route", 40, ["brest_malaszewicze"], 0.0),
    # 1-28 February = days 31-59 of the measured 30-60: 2 of 30 days open
    ("shutdown-caspian-february", 60, ["ferry_aktau_alat", "ferry_kuryk_alat", "ferry_turkmenbashi_alat"], 2 / 30),
    # 1-7 March = days 59-66 of the measured 30-70: 33 of 40 days open
    ("shutdown-dostyk-week", 70, ["dostyk_alashankou"], 33 / 40),
])
def test_each_shipped_shutdown_runs_with_its_closure(name, days, closed, share):
    spec = load_scenario(ROOT / "scenarios" / f"{name}.yaml", days=days)
    assert capacity_shares(spec) == pytest.approx(dict.fromkeys(closed, share))
    nominal = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml", days=days)
    for lid in closed:
        assert capacities(spec)[lid].trains_per_day == pytest.approx(share * capacities(nominal)[lid].trains_per_day)
    res = simulate(spec.with_flows(f.scaled(0.2) for f in spec.flows))  # a fifth of the demand: a quick smoke run
    assert res.delivered > 0
    if name == "shutdown-northern-route":
        e = res.elements["brest_malaszewicze"]
        assert e.ab.trains == e.ba.trains == 0
        routes = {**res.route_shares["cn-eu-northern"], **res.route_shares["eu-cn-northern"]}
        assert routes and all("alat_port" in label and "brest" not in label for label in routes)


# --------------------------------------------------------------------------- a comparison on the test network


def stand_in(name: str, europe: list[float], bound: float, limit: str) -> CapacityDoc:
    """A capacity document: to Europe and from China at ``europe`` per replication, limited by ``limit``."""
    regions = {}
    for r in REGIONS:
        regions[r] = {}
        for d in DIRECTIONS:
            if (r, d) in {("Europe", "inbound"), ("China", "outbound")}:
                regions[r][d] = record(bound, europe, binding=[BindingElement(limit, "border", "ab", 1.0)])
            else:
                regions[r][d] = record(5.0, [1.0, 1.0])
    return CapacityDoc(name, 7, "0", SearchSettings(2, 1, 60.0, 20.0, [1.0], 0.05), regions)


@pytest.fixture(scope="module")
def shutdown_dir(tmp_path_factory) -> Path:
    """``compare`` of the test network and its shutdown (Brest – Malaszewicze closed all year)."""
    from corridors import pipeline

    base = load_scenario(DATA / "base.yaml").with_settings(days=60)
    alt = load_scenario(DATA / "shutdown.yaml").with_settings(days=60)
    docs = [stand_in(base.name, [3.0, 3.2], 4.0, "brest_malaszewicze"),
            stand_in(alt.name, [1.0, 1.2], 2.0, "aktau_baku")]
    out = tmp_path_factory.mktemp("shutdown") / "cmp"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "assess_many", lambda specs, **kw: docs)
        mp.setattr(pipeline, "draw_compare_maps", lambda *a, **k: [])
        mp.setattr(pipeline, "draw_curves", lambda *a, **k: [])
        mp.setattr(pipeline, "draw_utilisation_map", lambda *a, **k: None)
        pipeline.compare_pipeline(base, alt, out, workers=1, replications=2, scheduler=None)
    return out


def test_a_shutdown_comparison_says_what_closes_and_which_way_each_market_goes(shutdown_dir):
    """Every China–Europe train passes Dostyk, and either Brest or the ferry before; after, all take the ferry."""
    doc = json.loads((shutdown_dir / "comparison.json").read_text(encoding="utf-8"))
    # closed all year, counted within the alternative's horizon (the test runs 60 days)
    horizon = json.loads((shutdown_dir / "alt" / "summary.json").read_text(encoding="utf-8"))["sim_days"]
    assert doc["closures"] == [{"id": "brest_malaszewicze", "closed_days": horizon, "from_day": 0.0,
                                "to_day": horizon, "reason": "test shutdown"}]
    k = doc["regions"]["Europe"]["inbound"]
    before = {v["id"]: v["share"] for v in k["carried_via_before"]}
    assert before["alashankou_dostyk"] == 1.0 and 0 < before["brest_malaszewicze"] < 1
    assert before["brest_malaszewicze"] + before["aktau_baku"] == pytest.approx(1.0, abs=2e-4)
    assert k["carried_via_after"] == [{"id": "aktau_baku", "kind": "ferry", "share": 1.0},
                                      {"id": "alashankou_dostyk", "kind": "border", "share": 1.0}]
    assert k["routes_after"] == [{"crossings": ["alashankou_dostyk", "aktau_baku"], "share": 1.0}]
    assert doc["regions"]["China"]["outbound"]["carried_via_after"] == k["carried_via_after"]
    assert doc["regions"]["Russia"]["inbound"]["routes_after"] == [{"crossings": [], "share": 1.0}]
    assert doc["regions"]["South Asia"]["inbound"]["carried_via_after"] == []  # no flows there
    assert ComparisonDoc.from_dict(doc).to_dict() == doc
    with open(shutdown_dir / "comparison.csv", encoding="utf-8") as fh:
        rows = {(row["region"], row["direction"]): row for row in csv.DictReader(fh)}
    assert rows[("Europe", "inbound")]["carried_via_after"] == "aktau_baku:1.00 alashankou_dostyk:1.00"


def test_a_comparison_without_closures_writes_none_of_the_shutdown_keys(shutdown_dir):
    base = load_scenario(DATA / "base.yaml").with_settings(days=60)
    summary = json.loads((shutdown_dir / "base" / "summary.json").read_text(encoding="utf-8"))
    docs = stand_in(base.name, [3.0, 3.2], 4.0, "brest_malaszewicze")
    doc = compare_docs(docs, docs, [summary], [summary], base_spec=base, alt_spec=base).to_dict()
    assert "closures" not in doc
    assert all(list(doc["regions"][r][d]) == CHANGE_KEYS for r in REGIONS for d in DIRECTIONS)


def test_the_brief_says_the_shutdown_in_names(shutdown_dir):
    result = read_result(shutdown_dir)
    msgs = compare_key_messages(result, ElementNames(result))
    (europe,) = [m for m in msgs if "to Europe" in m]
    # the test comparison runs 60 days: closed throughout them ("all year" is for a year's run, tests below)
    assert europe.startswith("If Brest – Malaszewicze closes throughout the run, the practical capacity to Europe falls from "
                             "3.1 to 1.1 Mt/yr (about 6 to 2 trains a day; a change of \u22122.0 Mt/yr, \u221265%; "
                             "paired 95 % CI \u22122.0 to \u22122.0)"), europe
    assert "carried over the Middle Corridor across the Caspian, 100% of it by the Aktau – Baku ferry" in europe
    assert europe.endswith("the limit is now the Aktau – Baku ferry.")
    assert not any(i in m for m in msgs for i in ("brest_malaszewicze", "aktau_baku", "alashankou_dostyk"))


def test_the_screen_says_what_closes_and_the_way_after(shutdown_dir):
    from rich.console import Console

    from corridors.screen import print_comparison

    console = Console(record=True, width=250)
    print_comparison(console, ComparisonDoc.from_dict(json.loads((shutdown_dir / "comparison.json").read_text())))
    text = console.export_text()
    assert "closed in mini-shutdown: brest_malaszewicze (60 days)" in text
    assert "carried via after" in text and "aktau_baku 100% alashankou_dostyk 100%" in text


def test_the_way_after_names_the_ferries_only_when_they_carry_most(shutdown_dir):
    """Under half by ferry: the crossings whose share grew most (by 10 points or more), else the busiest."""
    from corridors.brief.messages import _carried_via

    names = ElementNames(read_result(shutdown_dir))
    k = {"carried_via_before": [{"id": "alashankou_dostyk", "kind": "border", "share": 1.0},
                                {"id": "brest_malaszewicze", "kind": "border", "share": 0.9},
                                {"id": "aktau_baku", "kind": "ferry", "share": 0.1}],
         "carried_via_after": [{"id": "alashankou_dostyk", "kind": "border", "share": 1.0},
                               {"id": "brest_malaszewicze", "kind": "border", "share": 0.7},
                               {"id": "aktau_baku", "kind": "ferry", "share": 0.3}]}
    assert _carried_via(names, k) == "carried 30% through the Aktau – Baku ferry"
    k["carried_via_after"][2]["share"] = 0.12  # grew by 2 points only: the two busiest
    assert _carried_via(names, k) == ("carried 100% through the border crossing Alashankou – Dostyk and 70% through "
                                      "the border crossing Brest – Malaszewicze")
    k["carried_via_after"][2]["share"] = 0.6
    assert _carried_via(names, k) == ("carried over the Middle Corridor across the Caspian, 60% of it by the "
                                      "Aktau – Baku ferry")


def test_a_capacity_that_falls_with_the_bound_at_one_common_scaling_is_no_check():
    """A shutdown rebooks a flow over a narrower route: the max-flow bound may rise while the bound at one common
    scaling (the search's reference) falls, and then a falling practical capacity contradicts nothing."""
    from dataclasses import replace

    from test_capacity_documents import doc, summaries

    before, after = doc("b", 21.4, [12.0, 11.5, 12.2]), doc("a", 22.9, [9.6, 9.0, 10.1])
    sums = summaries([1.0] * 3)
    assert any("practical capacity falls" in c for c in compare_docs(before, after, sums, sums).checks)
    narrower = replace(after, regions={r: {d: replace(x, bound_uniform_mt=2.8) for d, x in ds.items()}
                                       for r, ds in after.regions.items()})
    assert compare_docs(before, narrower, sums, sums).checks == ()


@pytest.mark.parametrize(("closure", "horizon", "words"), [
    ({"closed_days": 365.0, "from_day": 0.0, "to_day": 365.0}, 365.0, "all year"),
    ({"closed_days": 60.0, "from_day": 0.0, "to_day": 60.0}, 60.0, "throughout the run"),
    ({"closed_days": 730.0, "from_day": 0.0, "to_day": 730.0}, 730.0, "throughout the run"),
    ({"closed_days": 7.0, "from_day": 59.0, "to_day": 66.0}, 365.0, "for 7 days (1 Mar – 7 Mar)"),
])
def test_how_long_a_closure_lasts_is_said_against_the_horizon(closure, horizon, words):
    from corridors.brief.messages import _when_closed

    assert _when_closed(closure, horizon) == words
