"""Scenario files: merge rules, overlays, cross-checks, located error messages.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from corridors.errors import ScenarioError
from corridors.model import RunSpec
from corridors.scenario import dump_resolved_yaml, load_scenario, resolved_dict, validate_file

DATA = Path(__file__).parent / "data"
NET = DATA / "scenario" / "network.geojson"
BASE = DATA / "scenario" / "base.yaml"
CHILD = DATA / "scenario" / "child.yaml"
BAD = DATA / "bad"

FLOW_KZ_RU = """\
  - id: kz-ru
    origin: aktogay
    destination: Russia
    cargo: grain
    volume_mt: 0.66
    source: test
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a scenario file whose ``{net}`` placeholder points at the test network."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).replace("{net}", str(NET)), encoding="utf-8")
    return path


def scenario(
    tmp_path: Path, body: str = "", *, name: str = "s.yaml", demand: str = FLOW_KZ_RU
) -> Path:
    """Write a minimal valid scenario plus ``body`` (top-level YAML)."""
    text = f"name: t\nnetwork: {NET}\n" + textwrap.dedent(body) + "demand:\n" + demand
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of ``path`` containing ``needle``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


# --------------------------------------------------------------------------- loading


def test_base_loads_into_a_runspec():
    spec = load_scenario(BASE)
    assert isinstance(spec, RunSpec)
    assert spec.name == "mini-base"
    assert [f.id for f in spec.flows] == ["cn-eu", "kz-ru", "cn-eu-caspian"]
    cn_eu = spec.flows[0]
    # 50,000 TEU at 100 TEU/train = 500 trains; 1000 t/train -> 0.5 Mt
    assert cn_eu.trains_per_year == pytest.approx(500)
    assert cn_eu.tonnes_per_year == pytest.approx(500_000)
    assert (cn_eu.origin_region, cn_eu.destination_region) == ("China", "Europe")
    kz_ru = spec.flows[1]
    assert kz_ru.trains_per_year == pytest.approx(0.66e6 / 3300)
    assert (kz_ru.origin_region, kz_ru.destination_region) == (None, "Russia")
    assert spec.flows[2].via == (("ferry",),)
    # only active links: the planned Bakhty line is absent, every node is present
    assert "ayagoz_bakhty" not in spec.network.links and "tacheng_bakhty" not in spec.network.links
    assert len(spec.network.links) == 16 and len(spec.network.nodes) == 18
    assert spec.settings.seed == 7 and spec.operations.k_routes == 3
    assert spec.cargo["grain"].priority == 1  # operations.priorities
    assert spec.source_files == (str(BASE),)
    pickle.loads(pickle.dumps(spec))  # ships to worker processes


def test_clean_files_have_no_problems():
    assert validate_file(BASE) == []
    assert validate_file(CHILD) == []


# --------------------------------------------------------------------------- merge rules


def test_merge_rules_child_over_base():
    spec = load_scenario(CHILD)
    # scalars: child overrides, description inherited
    assert spec.name == "mini-child"
    assert spec.description == "Base scenario of the test suite"
    # mappings deep-merged: child's k_routes, parent's priorities and days
    assert spec.operations.k_routes == 5
    assert spec.cargo["grain"].priority == 1
    assert (
        spec.settings.seed == 11 and spec.settings.days == 365 and spec.settings.warmup_days == 30
    )
    # demand merged by id: kz-ru replaced in place, cn-eu-caspian removed, cn-af appended;
    # demand_scale 2 applied to all
    assert [f.id for f in spec.flows] == ["cn-eu", "kz-ru", "cn-af"]
    by_id = {f.id: f for f in spec.flows}
    assert by_id["cn-eu"].trains_per_year == pytest.approx(2 * 500)
    assert by_id["kz-ru"].tonnes_per_year == pytest.approx(2 * 1.32e6)
    assert by_id["kz-ru"].source == "test, doubled"
    # changes applied: Bakhty line opened, Dostyk-Aktogay doubled
    assert {"ayagoz_bakhty", "tacheng_bakhty"} <= set(spec.network.links)
    dak = spec.network.links["dostyk_aktogay"]
    assert (dak.tracks, dak.headway_min) == (2, 12)
    assert spec.source_files == (str(BASE), str(CHILD))


def test_seasonal_profile_normalised_and_avoid_kept():
    flow = {f.id: f for f in load_scenario(CHILD).flows}["cn-af"]
    assert sum(flow.monthly_profile) == pytest.approx(12)
    assert flow.monthly_profile[0] == pytest.approx(2.0)
    assert flow.avoid == ("alashankou_dostyk",)


def test_changes_concatenate_parents_first_and_scale_multiplies(tmp_path):
    write(
        tmp_path,
        "p.yaml",
        f"""\
        name: p
        network: {NET}
        demand_scale: 1.5
        demand_scale_by_region: {{China: 2.0, Russia: 3.0}}
        changes:
          - open: ayagoz_bakhty
        demand:
          - {{id: cn-eu, origin: China, destination: Europe, cargo: container, volume_teu: 10000, source: t}}
          - {{id: kz-ru, origin: aktogay, destination: Russia, cargo: grain, volume_mt: 0.33, source: t}}
          - {{id: kz-af, origin: aktogay, destination: hairatan, cargo: grain, volume_mt: 0.33, source: t}}
        """,
    )
    # the child removes what the parent opened: only valid if the parent's change came first
    child = write(
        tmp_path,
        "c.yaml",
        """\
        name: c
        extends: p.yaml
        demand_scale: 2
        demand_scale_by_region: {Russia: 1.0}
        changes:
          - remove: ayagoz_bakhty
        """,
    )
    spec = load_scenario(child)
    assert "ayagoz_bakhty" not in spec.network.links
    f = {x.id: x for x in spec.flows}
    assert f["cn-eu"].trains_per_year == pytest.approx(100 * 1.5 * 2 * 2.0)  # scale 3, China 2
    assert f["kz-ru"].trains_per_year == pytest.approx(100 * 3.0)  # Russia factor overridden to 1
    assert f["kz-af"].trains_per_year == pytest.approx(100 * 3.0)  # no region factor for South Asia


def test_extends_is_not_inherited_and_diamond_applied_once(tmp_path):
    write(
        tmp_path,
        "root.yaml",
        f"""\
        overlay: true
        network: {NET}
        changes:
          - open: ayagoz_bakhty
        """,
    )
    write(tmp_path, "left.yaml", "overlay: true\nextends: root.yaml\n")
    write(tmp_path, "right.yaml", "overlay: true\nextends: root.yaml\n")
    top = scenario(tmp_path, "extends: [left.yaml, right.yaml]\n")
    # root.yaml reached twice: applied once, so `open` is not repeated (which would be an error)
    spec = load_scenario(top)
    assert "ayagoz_bakhty" in spec.network.links
    assert spec.source_files == tuple(
        str(tmp_path / n) for n in ("root.yaml", "left.yaml", "right.yaml", "s.yaml")
    )


def test_flow_replaced_whole_not_key_by_key(tmp_path):
    write(
        tmp_path,
        "p.yaml",
        f"""\
        name: p
        network: {NET}
        demand:
          - {{id: a, origin: urumqi, destination: poti, cargo: general, volume_mt: 0.285, via: [[ferry]], source: t}}
        """,
    )
    child = write(
        tmp_path,
        "c.yaml",
        """\
        extends: p.yaml
        demand:
          - {id: a, origin: urumqi, destination: malaszewicze, cargo: general, volume_mt: 0.57, source: t2}
        """,
    )
    (flow,) = load_scenario(child).flows
    assert flow.via == () and flow.destination == "malaszewicze" and flow.source == "t2"


def test_error_in_parent_names_the_parent_file_and_line(tmp_path):
    parent = write(
        tmp_path,
        "sub/parent.yaml",
        f"""\
        name: p
        network: {NET}
        operations:
          k_routes: many
        demand:
          - {{id: a, origin: urumqi, destination: Europe, cargo: container, volume_teu: 1000, source: t}}
        """,
    )
    child = write(
        tmp_path, "child.yaml", "name: c\nextends: sub/parent.yaml\noperations: {max_detour: 1.3}\n"
    )
    problems = validate_file(child)
    assert problems == [f"{parent}:4: operations.k_routes: got 'many', expected an integer"]


def test_error_in_a_parent_flow_uses_the_parents_own_index(tmp_path):
    parent = write(
        tmp_path,
        "p.yaml",
        f"""\
        name: p
        network: {NET}
        demand:
          - {{id: a, origin: urumqi, destination: Europe, cargo: container, volume_teu: 1000, source: t}}
          - {{id: b, origin: urumqi, destination: Europe, cargo: graine, volume_mt: 1, source: t}}
        """,
    )
    child = write(
        tmp_path,
        "c.yaml",
        """\
        extends: p.yaml
        demand:
          - {id: a, remove: true}
        """,
    )
    (problem,) = validate_file(child)
    assert problem.startswith(f"{parent}:5: demand[1].cargo: unknown cargo class 'graine'")
    assert "did you mean 'grain'?" in problem


def test_remove_of_unknown_flow_is_an_error(tmp_path):
    path = scenario(tmp_path, demand=FLOW_KZ_RU + "  - {id: nothere, remove: true}\n")
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:{line_of(path, 'nothere')}: demand[1].remove: no inherited flow has id 'nothere'"
    )


def test_duplicate_flow_ids_in_one_file(tmp_path):
    path = scenario(tmp_path, demand=FLOW_KZ_RU + FLOW_KZ_RU)
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:10: demand[1].id: duplicate flow id 'kz-ru' (first used on line 4)"
    )


# --------------------------------------------------------------------------- overlays


def test_overlay_validated_as_overlay_and_refused_by_load(tmp_path):
    ov = write(
        tmp_path,
        "ov.yaml",
        f"""\
        overlay: true
        network: {NET}
        description: the Bakhty line
        changes:
          - open: [ayagoz_bakhty, tacheng_bakhty]
        """,
    )
    assert validate_file(ov) == []
    with pytest.raises(ScenarioError) as exc:
        load_scenario(ov)
    assert exc.value.problems[0].startswith(f"{ov}:1: overlay: this file is an overlay")
    spec = load_scenario(ov, overlay_ok=True)
    assert spec.name == "ov" and spec.flows == ()
    assert "ayagoz_bakhty" in spec.network.links


def test_overlay_ids_checked_with_did_you_mean(tmp_path):
    ov = write(
        tmp_path,
        "ov.yaml",
        f"""\
        overlay: true
        network: {NET}
        changes:
          - upgrade: {{id: dostyk_aktogai, tracks: 2, headway_min: 10}}
          - close: {{id: aktau_baku, from_day: 10, to_day: 20}}
        """,
    )
    (problem,) = validate_file(ov)
    assert problem == (
        f"{ov}:4: changes[0].upgrade.id: unknown rail section 'dostyk_aktogai', expected a link id "
        f"of {NET} or one added by changes; did you mean 'dostyk_aktogay'?"
    )


def test_scenario_combines_baseline_and_overlays(tmp_path):
    write(
        tmp_path, "ov1.yaml", "overlay: true\nchanges:\n  - open: [ayagoz_bakhty, tacheng_bakhty]\n"
    )
    write(
        tmp_path,
        "ov2.yaml",
        "overlay: true\nchanges:\n  - upgrade: {id: dostyk_aktogay, tracks: 2, headway_min: 10}\n",
    )
    combo = write(tmp_path, "combo.yaml", f"name: combo\nextends: [{BASE}, ov1.yaml, ov2.yaml]\n")
    spec = load_scenario(combo)
    assert spec.name == "combo"
    assert {"ayagoz_bakhty", "tacheng_bakhty"} <= set(spec.network.links)
    assert spec.network.links["dostyk_aktogay"].tracks == 2
    assert [f.id for f in spec.flows] == [f.id for f in load_scenario(BASE).flows]


# --------------------------------------------------------------------------- changes


def test_add_node_and_section_with_points(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_node: {id: zhezkazgan, name: Zhezkazgan, country: KZ, lon: 67.767, lat: 47.783, node_type: junction, gauge_mm: 1520}
          - add_section: {id: moyinty_zhezkazgan, name: M-Z, from_node: moyinty, to_node: zhezkazgan, length_km: 520,
                          tracks: 1, loop_spacing_km: 20, speed_kmh: 70, electrified: false, gauge_mm: 1520,
                          country: KZ, points: [[70.5, 47.6]]}
          - add_border: {id: urumqi_zhez, name: fake, from_node: urumqi, to_node: zhezkazgan, countries: CN-KZ,
                         handling_tracks: 2, dwell_h: 6, dwell_cv: 0.5, handling_trains_per_day: 8}
        """,
    )
    spec = load_scenario(path)
    sec = spec.network.links["moyinty_zhezkazgan"]
    assert (
        sec.coords[0] == (73.367, 47.221) and sec.coords[1] == (70.5, 47.6) and len(sec.coords) == 3
    )
    assert sec.status == "planned" and sec.opening_year == 2023
    bc = spec.network.links["urumqi_zhez"]
    assert (
        bc.gauge_change is True and bc.length_km > 1000
    )  # defaults: from the gauges, geodesic length
    d = resolved_dict(spec)
    assert d["changed_elements"]["zhezkazgan"]["change"] == ["added"]
    assert d["changed_elements"]["moyinty_zhezkazgan"]["change"] == ["added"]


def test_added_section_length_checked_against_points(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_section: {id: short, name: S, from_node: moyinty, to_node: almaty, length_km: 50, tracks: 2,
                          headway_min: 10, speed_kmh: 70, electrified: true, gauge_mm: 1520, country: KZ,
                          points: [[75, 45]]}
        """,
    )
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:4: changes[0].add_section.length_km: got 50, expected within 25% of the geodesic length"
    )


def test_network_checks_after_changes_point_at_the_change(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_section: {id: twin, name: T, from_node: dostyk, to_node: aktogay, length_km: 317, tracks: 1,
                          loop_spacing_km: 15, speed_kmh: 60, electrified: false, gauge_mm: 1520, country: KZ}
        """,
    )
    (problem,) = validate_file(path)
    assert (
        problem
        == f"{path}:4: changes[0].add_section: after changes: twin: joins the same nodes as dostyk_aktogay"
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            "- open: aktogay_ayagoz",
            "link 'aktogay_ayagoz' already has status existing in the network file",
        ),
        (
            "- upgrade: {id: aktogay_moyinty, tracks: 2}",
            "changes[0].upgrade.tracks: double track needs headway_min",
        ),
        (
            "- upgrade: {id: aktau_baku, speed_kmh: 90}",
            "'aktau_baku' is a ferry link, expected a rail section",
        ),
        (
            "- set_ferry: {id: aktau_baku, vessels: 0}",
            "changes[0].set_ferry.vessels: got 0, expected a number greater than or equal to 1",
        ),
        ("- set_border: {id: alashankou_dostyk, dwell: 3}", "unknown key 'dwell'"),
        ("- remove: urumqi", "changes[0].remove: 'urumqi' is a node, expected a link id"),
        ("- remove: aktogay_ayagos", "unknown link 'aktogay_ayagos', expected a link id of"),
        ("- widen: {id: x}", "unknown change 'widen'"),
        (
            "- add_node: {id: x, name: X, country: KZ, lon: 70, lat: 45, node_type: station, "
            "gauge_mm: 1520, colour: red}",
            "changes[0].add_node.colour: unknown key 'colour'",
        ),
        (
            "- add_node: {id: dostyk, name: X, country: KZ, lon: 70, lat: 45, node_type: station, "
            "gauge_mm: 1520}",
            "'dostyk' already exists (a node)",
        ),
        (
            "- {open: ayagoz_bakhty, remove: aktogay_ayagoz}",
            "expected a mapping with exactly one key",
        ),
        (
            "- slowdown: {id: aktogay_moyinty, factor: 0}",
            "changes[0].slowdown.factor: got 0, expected a number greater than 0",
        ),
        (
            "- close: {id: ayagoz_bakhty, from_day: 1, to_day: 5}",
            "link 'ayagoz_bakhty' is not active in this scenario (status planned)",
        ),
        (
            "- close: {id: aktau_baku, season: {from: '02-30', to: '03-10'}}",
            "expected a day that exists in a 365-day year",
        ),
        (
            "- close: {id: aktau_baku, season: {from: '2-3', to: '03-10'}}",
            "changes[0].close.season.from: got '2-3', expected a day of the year as \"MM-DD\"",
        ),
        (
            "- close: {id: aktau_baku, from_day: 50, to_day: 20}",
            "changes[0].close.to_day: got 20, expected more than from_day (50)",
        ),
    ],
)
def test_bad_changes(tmp_path, change, fragment):
    path = scenario(tmp_path, "changes:\n  " + change + "\n")
    problems = validate_file(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:4: changes[0]")
    assert fragment in problems[0]


# --------------------------------------------------------------------------- disruptions


def disruptions(tmp_path, change: str, days: int = 365):
    path = scenario(
        tmp_path, f"simulation: {{days: {days}, warmup_days: 10}}\nchanges:\n  - {change}\n"
    )
    return [(d.target, d.start_day, d.end_day, d.factor) for d in load_scenario(path).disruptions]


def test_seasonal_closure_wrapping_the_year_end(tmp_path):
    got = disruptions(
        tmp_path, "close: {id: aktau_baku, season: {from: '12-15', to: '02-15'}, reason: storms}"
    )
    # 1 Jan..15 Feb = days [0, 46); 15 Dec = day 348 .. end of horizon
    assert got == [("aktau_baku", 0, 46, 0.0), ("aktau_baku", 348, 365, 0.0)]


def test_seasonal_closure_repeats_every_year(tmp_path):
    got = disruptions(
        tmp_path, "close: {id: aktau_baku, season: {from: '12-15', to: '02-15'}}", days=800
    )
    assert [(s, e) for _, s, e, _ in got] == [(0, 46), (348, 365 + 46), (365 + 348, 730 + 46)]


def test_seasonal_slowdown_within_a_year(tmp_path):
    got = disruptions(
        tmp_path,
        "slowdown: {id: dostyk, factor: 0.5, season: {from: '03-01', to: '03-10'}}",
        days=730,
    )
    assert got == [("dostyk", 59, 69, 0.5), ("dostyk", 365 + 59, 365 + 69, 0.5)]


def test_slowdown_defaults_to_the_whole_horizon_and_clips(tmp_path):
    assert disruptions(tmp_path, "slowdown: {id: aktogay_moyinty, factor: 0.8}") == [
        ("aktogay_moyinty", 0, 365, 0.8)
    ]
    assert disruptions(tmp_path, "close: {id: moyinty, from_day: 350, to_day: 400}") == [
        ("moyinty", 350, 365, 0.0)
    ]


def test_disruption_reason_is_kept(tmp_path):
    path = scenario(
        tmp_path, "changes:\n  - close: {id: dostyk, from_day: 5, to_day: 8, reason: high wind}\n"
    )
    (d,) = load_scenario(path).disruptions
    assert d.reason == "high wind"


# --------------------------------------------------------------------------- demand checks


def test_route_check_respects_via_and_avoid(tmp_path):
    ok = scenario(
        tmp_path,
        demand="""\
  - {id: f, origin: China, destination: Europe, cargo: container, volume_teu: 1000, via: [[ferry], baku], source: t}
""",
    )
    assert validate_file(ok) == []
    # avoiding the only China-Kazakhstan crossing of the 2023 network leaves no route
    blocked = scenario(
        tmp_path,
        name="b.yaml",
        demand="""\
  - {id: f, origin: China, destination: Europe, cargo: container, volume_teu: 1000, avoid: [alashankou_dostyk], source: t}
""",
    )
    (problem,) = validate_file(blocked)
    assert problem.startswith(
        f"{blocked}:4: demand[0]: flow 'f': no route from China to Europe avoiding ['alashankou_dostyk']"
    )
    # ... until the Bakhty line is opened
    opened = scenario(
        tmp_path,
        "changes:\n  - open: [ayagoz_bakhty, tacheng_bakhty]\n",
        name="o.yaml",
        demand="""\
  - {id: f, origin: China, destination: Europe, cargo: container, volume_teu: 1000, avoid: [alashankou_dostyk], source: t}
""",
    )
    assert validate_file(opened) == []


def test_via_naming_an_inactive_link(tmp_path):
    path = scenario(
        tmp_path,
        demand="""\
  - {id: f, origin: China, destination: Europe, cargo: container, volume_teu: 1000, via: [[tacheng_bakhty]], source: t}
""",
    )
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:4: demand[0].via[0][0]: link 'tacheng_bakhty' is not active in this scenario"
    )


@pytest.mark.parametrize(
    ("flow", "path", "fragment"),
    [
        (
            "{id: f, origin: urumqi, destination: Eurpe, cargo: general, volume_mt: 1, source: t}",
            "demand[0].destination",
            "did you mean 'Europe'?",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: grain, volume_teu: 1000, source: t}",
            "demand[0].volume_teu",
            "cargo 'grain' has no teu_per_train",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: general, volume_mt: 1, volume_teu: 5, source: t}",
            "demand[0].volume_teu",
            "got both volume_mt and volume_teu",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: general, source: t}",
            "demand[0]",
            "no volume, expected volume_mt",
        ),
        (
            "{id: f, origin: urumqi, destination: urumqi, cargo: general, volume_mt: 1, source: t}",
            "demand[0].destination",
            "the same as origin",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: general, volume_mt: 1, seasonal: [1, 2], source: t}",
            "demand[0].seasonal",
            "got 2 factors, expected 12",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: general, volume_mt: 1, via: [[feri]], source: t}",
            "demand[0].via[0][0]",
            "did you mean 'ferry'?",
        ),
        (
            "{id: f, origin: urumqi, destination: Europe, cargo: general, volume_mt: 0, source: t}",
            "demand[0].volume_mt",
            "got 0, expected a number greater than 0",
        ),
    ],
)
def test_bad_flows(tmp_path, flow, path, fragment):
    file = scenario(tmp_path, demand=f"  - {flow}\n")
    problems = validate_file(file)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{file}:4: {path}: ")
    assert fragment in problems[0]


def test_cargo_classes_override_and_new_class(tmp_path):
    path = scenario(
        tmp_path,
        """\
        cargo_classes:
          container: {teu_per_train: 110}
          coal: {net_t_per_train: 4200, wagons_per_train: 60, priority: 3}
        operations: {priorities: {coal: 4}}
        """,
        demand="""\
  - {id: c, origin: aktogay, destination: Russia, cargo: coal, volume_mt: 4.2, source: t}
  - {id: t, origin: China, destination: Europe, cargo: container, volume_teu: 11000, source: t}
""",
    )
    spec = load_scenario(path)
    assert (
        spec.cargo["container"].teu_per_train == 110
        and spec.cargo["container"].net_t_per_train == 1000
    )
    assert spec.cargo["coal"].priority == 4 and spec.cargo["coal"].wagons_per_train == 60
    f = {x.id: x for x in spec.flows}
    assert f["c"].trains_per_year == pytest.approx(1000) and f[
        "t"
    ].trains_per_year == pytest.approx(100)


def test_required_keys_and_horizon(tmp_path):
    path = write(
        tmp_path, "s.yaml", "description: nothing\nsimulation: {days: 20, warmup_days: 20}\n"
    )
    problems = validate_file(path)
    assert problems == [
        f"{path}:1: name: required key is missing (in this file or a parent), expected the scenario name (it names outputs/<name>/)",
        f"{path}:1: network: required key is missing (in this file or a parent), expected the path of a network GeoJSON file",
        f"{path}:1: demand: required key is missing (in this file or a parent), expected a list of flows",
        f"{path}:2: simulation.warmup_days: got 20, expected less than simulation.days (20)",
    ]


# --------------------------------------------------------------------------- bad files


BAD_CASES = [
    # (file, line, key path, message fragment)
    ("bad_type.yaml", 12, "simulation.days", "got 'lots', expected a number"),
    (
        "unknown_key.yaml",
        9,
        "demand[0].volumes_mt",
        "unknown key 'volumes_mt', expected one of: id, origin",
    ),
    ("unknown_node.yaml", 6, "demand[0].origin", "unknown node or region 'urumchi'"),
    (
        "closure_outside_horizon.yaml",
        5,
        "changes[0].close",
        "outside the simulation horizon [0, 365) days",
    ),
    (
        "negative_volume.yaml",
        9,
        "demand[0].volume_mt",
        "got -0.5, expected a number greater than 0",
    ),
    ("missing_key.yaml", 5, "demand[0].source", "required key is missing"),
]


@pytest.mark.parametrize(("name", "line", "key", "fragment"), BAD_CASES)
def test_bad_file_located(name, line, key, fragment):
    path = BAD / name
    problems = validate_file(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: {key}: ")
    assert fragment in problems[0]
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.problems == problems
    assert str(path) in str(exc.value)


def test_unknown_key_and_node_suggest_the_right_name():
    assert validate_file(BAD / "unknown_key.yaml")[0].endswith("did you mean 'volume_mt'?")
    assert validate_file(BAD / "unknown_node.yaml")[0].endswith("did you mean 'urumqi'?")


def test_invalid_yaml_reports_file_and_line():
    path = BAD / "invalid_yaml.yaml"
    assert validate_file(path) == [f"{path}:5: invalid YAML: expected ',' or ']', but got '}}'"]


def test_cyclic_extends_reports_the_chain():
    a, b = BAD / "cyclic_a.yaml", BAD / "cyclic_b.yaml"
    (problem,) = validate_file(a)
    assert problem == f"{b}:4: extends[0]: cyclic extends: {a} -> {b} -> {a}"
    (problem,) = validate_file(b)
    assert problem == f"{a}:3: extends: cyclic extends: {b} -> {a} -> {b}"


def test_missing_parent_and_network(tmp_path):
    path = write(
        tmp_path, "s.yaml", "name: s\nextends: [nothere.yaml]\nnetwork: nonet.geojson\ndemand: []\n"
    )
    (problem,) = validate_file(path)
    assert problem.startswith(f"{path}:2: extends[0]: cannot read 'nothere.yaml'")
    path = write(tmp_path, "t.yaml", "name: s\nnetwork: nonet.geojson\ndemand: []\n")
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:2: network: cannot read network file '{tmp_path / 'nonet.geojson'}'"
    )


def test_validate_file_never_raises(tmp_path):
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    (tmp_path / "tag.yaml").write_text(
        'name: x\nevil: !!python/object/apply:os.system ["echo hi"]\n'
    )
    (tmp_path / "dup.yaml").write_text("name: a\nname: b\n")
    (tmp_path / "scalar_changes.yaml").write_text(
        f"name: x\nnetwork: {NET}\nchanges: 3\ndemand: {{a: 1}}\noperations: 7\n"
    )
    (tmp_path / "adir.yaml").mkdir()
    files = [*sorted(BAD.glob("*.yaml")), *sorted(tmp_path.iterdir()), tmp_path / "missing.yaml"]
    for f in files:
        problems = validate_file(f)
        assert problems, f
        # located in the file itself (or, for the cycle, in the other half of the cycle)
        assert all(isinstance(p, str) and p.startswith((str(f), str(BAD))) for p in problems), (
            problems
        )
        assert not any("internal error" in p for p in problems), problems
    assert validate_file(tmp_path / "list.yaml") == [
        f"{tmp_path / 'list.yaml'}:1: got a list of 2 items at the top level, expected a mapping"
    ]
    tag = validate_file(tmp_path / "tag.yaml")
    assert any(":2: evil: explicit YAML tag" in p for p in tag)
    assert validate_file(tmp_path / "dup.yaml")[0].startswith(
        f"{tmp_path / 'dup.yaml'}:2: invalid YAML: found duplicate key"
    )


def test_every_problem_reported_at_once(tmp_path):
    path = scenario(
        tmp_path,
        """\
        colour: red
        changes:
          - open: ayagoz_bakty
          - close: {id: dostik, from_day: 1, to_day: 2}
        simulation: {days: 365, warmup_days: 30, replications: 0}
        """,
        demand="""\
  - {id: a, origin: urumchi, destination: Europe, cargo: containr, volume_teu: 10, source: t}
  - {id: b, origin: aktogay, destination: Russia, cargo: grain, volume_mt: -2, source: t}
""",
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problems = exc.value.problems
    assert len(problems) == 7, problems
    assert str(exc.value).startswith(f"7 problems in {path}:")
    for fragment in [
        "colour: unknown key",
        "did you mean 'ayagoz_bakhty'?",
        "did you mean 'dostyk'?",
        "replications: got 0",
        "did you mean 'urumqi'?",
        "did you mean 'container'?",
        "demand[1].volume_mt: got -2",
    ]:
        assert any(fragment in p for p in problems), fragment


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
