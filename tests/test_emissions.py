"""Emissions of a train, leg by leg, against a hand computation (issue 16's first check).

A tiny network with one electrified section (Kazakhstan), one diesel section
(Uzbekistan), one border crossing and one ferry, and factors round enough to
add up by hand.
"""

from __future__ import annotations

import pytest
from conftest import border, ferry, flow, make_network, make_spec, node, rail

from corridors.emissions import (
    EmissionFactors,
    gross_t,
    leg_energy,
    load_factors,
    run_emissions,
    train_emissions,
    train_legs,
)
from corridors.model import DEFAULT_CARGO
from corridors.network import RailSection
from corridors.simulation import TrainRecord, simulate

F = EmissionFactors(electric_kwh_per_gtkm=0.01, diesel_l_per_gtkm=0.003, diesel_kg_co2e_per_l=3.2,
                    grid_g_co2e_per_kwh={"KZ": 600.0, "UZ": 400.0}, idle_l_per_h=20.0, tare_t_per_wagon=24.0,
                    locomotive_t=200.0, ferry_kg_co2e_per_tkm=0.1, road_g_co2e_per_tkm=80.0)


def _net():
    ab = rail("ab", "a", "b", 100.0, loop_spacing_km=20.0)
    ab = RailSection(**{**ab.model_dump(), "electrified": True})  # the KZ section runs under wires
    bc = RailSection(**{**rail("bc", "b", "c", 200.0, loop_spacing_km=20.0).model_dump(), "country": "UZ"})
    return make_network(
        [node("a", 60.0), node("b", 61.0), node("c", 62.0, country="UZ"), node("d", 62.1, country="UZ"),
         node("e", 63.0, country="AZ")],
        [ab, bc, border("cd", "c", "d", dwell_h=2.0, clearance_ab_h=1.0), ferry("de", "d", "e")])


def _record(**kw):
    base = dict(train_id=0, flow="f", cargo="general", origin="a", destination="e", status="delivered", where="e",
                route="a>b>c>d>e", route_km=1.0, tonnes=2850.0, generated_h=0.0, entered_h=0.0, arrived_h=50.0,
                wait_h=5.0, border_h=3.0, ferry_h=10.0, moving_h=30.0, border_crossings=1)
    return TrainRecord(**{**base, **kw})


def test_a_train_over_every_kind_of_leg_matches_the_hand_computation():
    spec = make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0,))])
    # gross: 2,850 t of cargo + 57 wagons x 24 t + a 200 t locomotive = 4,418 t
    assert gross_t(DEFAULT_CARGO["general"], F) == 4418.0
    e = train_emissions(spec, _record(), F)
    assert e.electric_kwh == pytest.approx(0.01 * 4418 * 100)  # 4,418 kWh on a-b
    # b-c, and at the crossing idling through dwell and hold and running its 1 km
    assert e.diesel_l == pytest.approx(0.003 * 4418 * 200 + 20.0 * (2.0 + 1.0) + 0.003 * 4418 * 1)
    assert e.idle_l == pytest.approx(20.0 * 5.0)  # five hours waiting
    assert e.ferry_kg_co2e == pytest.approx(0.1 * 2850 * 300)  # 2,850 t over the 300 km crossing
    by_hand = (4418 * 600 / 1e3  # a-b: 2,650.8 kg at the Kazakh grid's 600 g/kWh
               + 2650.8 * 3.2  # b-c: 2,650.8 l of diesel
               + 60 * 3.2  # 60 l idling through the crossing's dwell and clearance hold
               + 13.254 * 3.2  # 13.254 l running the crossing's 1 km
               + 85500  # the ferry: 0.1 kg for each of 2,850 t x 300 km
               + 100 * 3.2)  # 100 l idling while waiting
    assert e.co2e_kg == pytest.approx(by_hand) and e.co2e_kg == pytest.approx(97187.7728)
    assert e.net_tkm == 2850 * 301 and e.road_co2e_kg == pytest.approx(2850 * 301 * 80 / 1e3)


def test_grid_losses_raise_the_electricity_generated():
    spec = make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0,))])
    lossy = EmissionFactors(**{**F.__dict__, "grid_loss_share": 0.1})
    extra = train_emissions(spec, _record(), lossy).co2e_kg - train_emissions(spec, _record(), F).co2e_kg
    assert extra == pytest.approx(4418 * 600 / 1e3 * (1 / 0.9 - 1))  # a-b's 4,418 kWh at the pantograph, 10 % lost


def test_the_rail_direction_sets_the_crossings_clearance_hold():
    spec = make_spec(_net(), [flow("f", "e", "a", departures_h=(0.0,))])
    back = train_emissions(spec, _record(route="e>d>c>b>a", wait_h=0.0), F)
    there = train_emissions(spec, _record(wait_h=0.0), F)
    assert there.diesel_l - back.diesel_l == pytest.approx(20.0 * 1.0)  # the hold is on the way in only


def test_a_train_under_way_counts_the_legs_it_has_reached():
    spec = make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0,))])
    e = train_emissions(spec, _record(status="in_network", where="bc", wait_h=0.0), F)
    assert e.electric_kwh == pytest.approx(4418.0) and e.ferry_kg_co2e == 0.0
    assert e.diesel_l == pytest.approx(0.003 * 4418 * 200)


def test_every_train_of_a_run_that_entered_is_counted():
    spec = make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0, 1.0))], days=10.0)
    res = simulate(spec)
    out = run_emissions(spec, res.trains, F)
    assert list(out) == [t.train_id for t in res.trains if t.status != "refused"]
    assert all(e.co2e_kg > 0 for e in out.values())
    # the cache of legs per route and cargo gives what each train alone gives
    assert list(out.values()) == [train_emissions(spec, t, F) for t in res.trains]


def test_missing_factors_and_broken_routes_are_named():
    spec = make_spec(_net(), [flow("f", "a", "e", departures_h=(0.0,))])
    no_kz = EmissionFactors(**{**F.__dict__, "grid_g_co2e_per_kwh": {"UZ": 400.0}})
    with pytest.raises(KeyError, match="no grid carbon intensity for country 'KZ'"):
        train_emissions(spec, _record(), no_kz)
    with pytest.raises(KeyError, match="route 'a>c' passes"):
        train_legs(spec.network, "a>c")


def test_the_shipped_factors_cover_every_electrified_country_of_the_network():
    from corridors.emissions import load_factors
    from corridors.network import default_network_path, read_network

    f = load_factors()
    net = read_network(default_network_path())
    wired = {lk.country for lk in net.links.values() if isinstance(lk, RailSection) and lk.electrified}
    assert wired <= set(f.grid_g_co2e_per_kwh), wired - set(f.grid_g_co2e_per_kwh)
    assert f.standard.startswith("ISO 14083:2023")


def _factor_file(tmp_path, edit, source=None):
    """Write a copy of a factor file (the shipped emission factors by default) with ``edit`` applied."""
    from ruamel.yaml import YAML

    from corridors.emissions import FACTORS_FILE

    yaml = YAML()
    data = yaml.load((source or FACTORS_FILE).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "factors.yaml"
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    return path


def _every_factor():
    from corridors.emissions import FACTOR_KEYS

    return [k for k, _, _, _ in FACTOR_KEYS]


@pytest.mark.parametrize("key", _every_factor(), ids=lambda k: ".".join(k))
@pytest.mark.parametrize("bad", ["fast", -1.0, 1e9, None])
def test_every_factor_out_of_range_or_not_a_number_is_a_located_error(tmp_path, key, bad):
    from corridors.emissions import load_factors

    _assert_located(tmp_path, load_factors, None, key, bad)


def _assert_located(tmp_path, load, source, key, bad):
    """A factor file (``source``, the shipped emission factors by default) with ``key`` set to ``bad`` is refused by
    ``load`` with one line at the key, saying the range expected."""
    from corridors.errors import ValidationError

    def edit(data):
        data[key[0]][key[1]] = bad

    path = _factor_file(tmp_path, edit, source)
    with pytest.raises(ValidationError) as err:
        load(path)
    (line,) = [x for x in err.value.problems if f"{key[0]}.{key[1]}" in x]
    assert line.startswith(f"{path}:") and "expected a number between" in line


def test_missing_factors_unknown_keys_and_a_bad_grid_are_all_reported_at_once(tmp_path):
    from corridors.emissions import load_factors
    from corridors.errors import ValidationError

    def edit(data):
        del data["rail"]["idle_l_per_h"]
        data["rail"]["idle_l_per_hour"] = 20
        data["grid_g_co2e_per_kwh"]["KZ"] = "coal"
        del data["standard"]

    with pytest.raises(ValidationError) as err:
        load_factors(_factor_file(tmp_path, edit))
    text = "\n".join(err.value.problems)
    for words in ("rail.idle_l_per_h: missing", "idle_l_per_hour", "grid_g_co2e_per_kwh.KZ", "standard"):
        assert words in text, text


def test_a_run_reports_emissions_per_market_and_corridor_that_add_up(tmp_path):
    # summary.json's emissions block and corridors.csv's columns are contracts; the corridors sum to the network
    import csv
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from corridors.cli import main

    base = Path(__file__).parent / "data" / "scenario" / "base.yaml"
    r = CliRunner().invoke(main, ["run", str(base), "--days", "90", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    em = doc["emissions"]
    assert em["standard"].startswith("ISO 14083:2023") and set(em["network"]) == {
        "co2e_t_per_year", "g_co2e_per_tkm", "road_g_co2e_per_tkm"}
    with (tmp_path / "out" / "corridors.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    total = sum(float(x["co2e_t_per_year"]) for x in rows)
    assert total == pytest.approx(em["network"]["co2e_t_per_year"], rel=1e-3)
    # rail well below road on every corridor, and the road figure is the factor's
    assert all(0 < float(x["g_co2e_per_tkm"]) < float(x["road_g_co2e_per_tkm"]) for x in rows)


def test_an_electrification_overlay_changes_traction_and_emissions_not_running_time(tmp_path):
    # item 4: upgrade {electrified: true} runs the section under wires at its country's grid, at the same speed
    from pathlib import Path

    from corridors.elements import running_time_h
    from corridors.scenario import load_scenario

    root = Path(__file__).resolve().parents[1] / "scenarios"
    scenario = tmp_path / "electrified.yaml"
    overlay = root / "overlays" / "electrify-moyinty-aktogay.yaml"
    scenario.write_text(f"extends: [{root / 'baseline-2023.yaml'}, {overlay}]\nname: electrified\n", encoding="utf-8")
    before, after = load_scenario(root / "baseline-2023.yaml"), load_scenario(scenario)
    f = load_factors()
    cargo = DEFAULT_CARGO["general"]
    for lid in ("aktogay_balkhash", "balkhash_moyinty"):
        b, a = before.network.links[lid], after.network.links[lid]
        assert not b.electrified and a.electrified
        assert running_time_h(a.length_km, a) == running_time_h(b.length_km, b)
        gtkm = gross_t(cargo, f) * a.length_km
        by_rule = f.electric_kwh_per_gtkm * gtkm / (1 - f.grid_loss_share) * f.grid("KZ") / 1e3
        assert leg_energy(a, True, cargo, f).co2e_kg == pytest.approx(by_rule)
        diesel = f.diesel_l_per_gtkm * gtkm * f.diesel_kg_co2e_per_l
        assert leg_energy(b, True, cargo, f).co2e_kg == pytest.approx(diesel)
    # every other link is unchanged
    assert {k: v for k, v in after.network.links.items() if k not in ("aktogay_balkhash", "balkhash_moyinty")} == {
        k: v for k, v in before.network.links.items() if k not in ("aktogay_balkhash", "balkhash_moyinty")}
