"""Costs of a consignment, leg by leg, against a hand computation (issue 16's first check, cost half).

The tiny network of ``test_emissions``: one electrified section (Kazakhstan,
100 km), one diesel section (Uzbekistan, 200 km), one border crossing (1 km)
and one ferry (300 km), with factors round enough to add up by hand.
"""

from __future__ import annotations

import pytest
from conftest import border, flow, make_network, make_spec, node, rail
from test_emissions import _assert_located, _factor_file, _net, _record

from corridors.costs import (
    COST_KEYS,
    CostFactors,
    cost_figures,
    country_cpmm_usd,
    leg_cost,
    run_costs,
    train_cost,
)
from corridors.footprint import footprint_changes

F = CostFactors(rail_usd_per_tkm=0.05, border_usd_per_crossing=300.0, ferry_usd_per_20t=1000.0,
                road_usd_per_20t_500km=1500.0, time_share_per_day_low=0.01, time_share_per_day_high=0.02)


def _spec():
    return make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0,))])


def test_a_consignment_over_every_kind_of_leg_matches_the_hand_computation():
    spec = _spec()
    c = train_cost(spec, _record(), F)
    by_hand = (0.05 * 20 * 100  # a-b: 100 USD of line haul for 20 t over 100 km
               + 0.05 * 20 * 200  # b-c: 200 USD
               + 0.05 * 20 * 1 + 300  # the crossing: 1 USD over its 1 km of track, and its fees
               + 1000)  # the ferry
    assert c.usd_per_20t == pytest.approx(by_hand) and c.usd_per_20t == pytest.approx(1601.0)
    assert c.border_usd_per_20t == 300.0 and c.crossings == 1
    assert c.km == pytest.approx(100 + 200 + 1 + 300) and c.transit_days == pytest.approx(50 / 24)
    got = cost_figures([c], 1.0, F)
    assert set(got) == set(COST_KEYS)
    assert got["usd_per_t"] == 80.05  # 1,601 USD per 20 t
    assert got["usd_per_20t_500km"] == pytest.approx(round(1601 * 500 / 601, 1))  # 1,331.9: CPMM's TFI3 form
    assert got["border_usd_per_t"] == 15.0
    assert got["road_usd_per_t"] == pytest.approx(round(1500 * 601 / 500 / 20, 2))  # 90.15
    assert got["cost_musd_per_year"] == pytest.approx(80.05 * 2850 / 1e6, abs=1e-3)  # one 2,850 t train a year
    assert got["time_cost_share_low"] == pytest.approx(round(50 / 24 * 0.01, 4))
    assert got["time_cost_share_high"] == pytest.approx(round(50 / 24 * 0.02, 4))


def test_a_country_is_priced_on_its_own_rail_and_the_crossings_with_a_side_in_it():
    spec = _spec()
    # Kazakhstan: a-b (100 USD over 100 km) and the KZ-CN crossing (301 USD over 1 km): 401 x 500 / 101
    assert country_cpmm_usd(spec, [_record()], F, ("KZ",)) == pytest.approx(401 * 500 / 101)
    # Uzbekistan: b-c alone, the tariff itself: 0.05 x 20 t x 500 km
    assert country_cpmm_usd(spec, [_record()], F, ("UZ",)) == pytest.approx(500.0)
    # the ferry is no rail: Azerbaijan has no rail km here
    assert country_cpmm_usd(spec, [_record()], F, ("AZ",)) is None


def test_a_gauge_change_inside_one_country_charges_no_border_fee():
    inland = border("gc", "a", "b", gauge_change=True)
    inland = type(inland)(**{**inland.model_dump(), "countries": "KG-KG"})
    net = make_network([node("a", 60.0), node("b", 61.0)], [inland])
    c = leg_cost(net.links["gc"], net, F)
    assert c.usd == pytest.approx(1.0) and c.border_usd == 0.0 and c.crossings == 0  # its 1 km of track only
    assert leg_cost(border("x", "a", "b"), net, F).border_usd == 300.0


def test_costs_scale_with_each_factor():
    # each factor moves the cost of exactly its own legs (the rule of one kind changes nothing else)
    spec = _spec()
    base = train_cost(spec, _record(), F).usd_per_20t
    for field, delta in (("rail_usd_per_tkm", 0.01 * 20 * 301), ("border_usd_per_crossing", 1.0),
                         ("ferry_usd_per_20t", 1.0)):
        step = {"rail_usd_per_tkm": 0.01, "border_usd_per_crossing": 1.0, "ferry_usd_per_20t": 1.0}[field]
        moved = CostFactors(**{**F.__dict__, field: getattr(F, field) + step})
        assert train_cost(spec, _record(), moved).usd_per_20t == pytest.approx(base + delta), field


def test_only_delivered_trains_are_priced_and_an_empty_sample_gives_none():
    spec = _spec()
    assert set(run_costs(spec, [_record(train_id=3)], F)) == {3}
    assert set(cost_figures([], 1.0, F).values()) == {None}


def test_a_run_of_a_section_only_network_matches_its_tariff():
    # one 500 km Kazakh section, no border: CPMM's form is the tariff itself, 0.05 x 20 x 500 = 500 USD
    from corridors.simulation import simulate

    net = make_network([node("a", 60.0), node("b", 65.0)], [rail("ab", "a", "b", 500.0, loop_spacing_km=25.0)])
    spec = make_spec(net, [flow("f", "a", "b", departures_h=(0.0, 5.0))], days=3)
    res = simulate(spec)
    delivered = [t for t in res.trains if t.status == "delivered"]
    assert len(delivered) == 2
    got = cost_figures(list(run_costs(spec, delivered, F).values()), 1.0, F)
    assert got["usd_per_20t_500km"] == pytest.approx(500.0) and got["usd_per_t"] == pytest.approx(25.0)


def _summary(usd: float | None, co2: float) -> dict:
    group = {"usd_per_t": usd, "usd_per_20t_500km": usd, "road_usd_per_t": 300.0, "time_cost_share_low": 0.1,
             "time_cost_share_high": 0.2}
    em = {"co2e_t_per_year": co2, "g_co2e_per_tkm": co2 / 10, "road_g_co2e_per_tkm": 107.0}
    regions = {r: {d: group for d in ("inbound", "outbound")} for r in
               ("China", "Europe", "Russia", "South Asia", "Central Asia")}
    return {"costs": {"network": group, "regions": regions},
            "emissions": {"network": em, "regions": {r: {d: em for d in ("inbound", "outbound")} for r in regions}}}


def test_a_comparison_pairs_each_figure_by_replication():
    before = [_summary(100.0, 50.0), _summary(110.0, 60.0), _summary(120.0, 70.0)]
    after = [_summary(90.0, 45.0), _summary(101.0, 55.0), _summary(105.0, 66.0)]
    doc = footprint_changes(before, after)
    usd = doc["network"]["usd_per_t"]
    assert usd["before"]["mean"] == pytest.approx(110.0) and usd["after"]["mean"] == pytest.approx(98.6667, abs=1e-3)
    # paired: the differences -10, -9, -15 have mean -11.333 and a t interval of +-7.59 (t_0.975,2 = 4.303)
    assert usd["change"] == pytest.approx(-11.3333, abs=1e-3)
    lo, hi = usd["change_ci"]
    assert (hi - lo) / 2 == pytest.approx(4.303 * 3.2146 / 3 ** 0.5, rel=1e-3)
    assert doc["regions"]["Europe"]["outbound"]["co2e_t_per_year"]["change"] == pytest.approx(-4.6667, abs=1e-3)
    # a replication without a figure is left out of the pairs, on both sides: the change is the difference of
    # the means shown
    after[0] = _summary(None, 45.0)
    got = footprint_changes(before, after)["network"]["usd_per_t"]
    assert got["n"] == 2 and got["change"] == pytest.approx(-12.0)
    assert got["after"]["mean"] - got["before"]["mean"] == pytest.approx(got["change"])
    # a market served on one side only has its means and no change
    one_sided = footprint_changes([_summary(None, 0.0)] * 2, [_summary(90.0, 1.0), _summary(92.0, 1.0)])
    assert one_sided["network"]["usd_per_t"] == {"before": {"mean": None, "ci95": None},
                                                "after": {"mean": 91.0, "ci95": pytest.approx(12.7062, abs=1e-3)},
                                                "n": 0, "change": None, "change_ci": None}
    assert footprint_changes(before, [{}, {}, {}]) is None  # files without the blocks
    with pytest.raises(ValueError, match="not paired"):
        footprint_changes(before, after[:2])


def _cost_file(tmp_path, edit):
    from corridors.costs import FACTORS_FILE

    return _factor_file(tmp_path, edit, FACTORS_FILE)


def _every_cost_factor():
    from corridors.costs import FACTOR_KEYS

    return [k for k, _, _, _ in FACTOR_KEYS]


@pytest.mark.parametrize("key", _every_cost_factor(), ids=lambda k: ".".join(k))
@pytest.mark.parametrize("bad", ["cheap", -1.0, 1e9, None, True])
def test_every_cost_factor_out_of_range_or_not_a_number_is_a_located_error(tmp_path, key, bad):
    from corridors.costs import FACTORS_FILE, load_costs

    _assert_located(tmp_path, load_costs, FACTORS_FILE, key, bad)


def test_missing_and_unknown_cost_factors_and_a_reversed_range_are_all_reported_at_once(tmp_path):
    from corridors.costs import load_costs
    from corridors.errors import ValidationError

    def edit(data):
        data["ferry"]["usd_per_wagon"] = 900
        del data["ferry"]["usd_per_20t"]
        data["time"]["share_per_day_low"] = 0.05
        del data["standard"]

    with pytest.raises(ValidationError) as err:
        load_costs(_cost_file(tmp_path, edit))
    text = "\n".join(err.value.problems)
    for words in ("ferry.usd_per_20t: missing", "usd_per_wagon", "time.share_per_day_low: got 0.05, above",
                  "standard"):
        assert words in text, text


def test_the_shipped_cost_factors_read_and_cite_cpmm():
    from corridors.costs import load_costs

    f = load_costs()
    assert f.standard.startswith("CAREC CPMM") and f.time_share_per_day_low < f.time_share_per_day_high


def test_a_run_reports_costs_per_market_and_corridor(tmp_path):
    # summary.json's costs block and corridors.csv's cost columns are contracts
    import csv
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from corridors.cli import main

    base = Path(__file__).parent / "data" / "scenario" / "base.yaml"
    r = CliRunner().invoke(main, ["run", str(base), "--days", "90", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    costs = doc["costs"]
    assert costs["standard"].startswith("CAREC CPMM") and set(costs["network"]) == set(COST_KEYS)
    with (tmp_path / "out" / "corridors.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(x["usd_per_t"]) > 0 and float(x["usd_per_20t_500km"]) > 0 for x in rows)
    net = costs["network"]
    # the network's tonne-weighted figure lies among its corridors', and rail is below road
    assert min(float(x["usd_per_t"]) for x in rows) <= net["usd_per_t"] <= max(float(x["usd_per_t"]) for x in rows)
    assert 0 < net["usd_per_t"] < net["road_usd_per_t"]
    assert net["time_cost_share_low"] < net["time_cost_share_high"]
