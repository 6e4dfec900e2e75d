"""Scenario files: loading, merge rules along ``extends``, overlays.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from scenario_support import BASE, CHILD, FLOW_KZ_RU, NET, line_of, scenario, write

from corridors.errors import ScenarioError
from corridors.model import RunSpec
from corridors.scenario import (
    compose,
    direct_overlays,
    dump_resolved_yaml,
    load_scenario,
    validate_file,
)

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


# --------------------------------------------------------------------------- composing in memory

SHIPPED = Path(__file__).resolve().parent.parent / "scenarios"


def test_compose_equals_a_file_that_extends_base_and_overlay(tmp_path):
    base = SHIPPED / "baseline-2023.yaml"
    overlay = SHIPPED / "overlays" / "bakhty-ayagoz.yaml"
    via_file = write(
        tmp_path,
        "attribution.yaml",
        f"name: base-plus-bakhty\ndescription: attribution run\nextends: [{base}, {overlay}]\n",
    )
    expected = load_scenario(via_file)
    composed = compose(base, overlay, name="base-plus-bakhty", description="attribution run")
    # the temporary file itself is no source of the composed scenario
    assert expected.source_files == (str(base), str(overlay), str(via_file))
    assert composed == replace(expected, source_files=expected.source_files[:-1])
    assert dump_resolved_yaml(composed) == dump_resolved_yaml(
        replace(expected, source_files=composed.source_files)
    )


def test_compose_takes_documents_and_keeps_the_chain_name():
    spec = compose(BASE, {"overlay": True, "changes": [{"open": ["ayagoz_bakhty", "tacheng_bakhty"]}]})
    assert spec.name == "mini-base"
    assert {"ayagoz_bakhty", "tacheng_bakhty"} <= set(spec.network.links)
    assert spec.source_files == (str(BASE), "<document 1>")
    with pytest.raises(ScenarioError) as exc:
        compose(BASE, {"overlay": True, "changes": [{"open": "no_such_link"}]})
    assert exc.value.problems[0].startswith("<document 1>:1: changes[0].open: unknown planned")


def test_compose_reports_a_missing_file_at_its_place(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as exc:
        compose(BASE, missing)
    assert exc.value.problems == [
        f"<compose>:1: extends[1]: cannot read '{missing}' ({missing}): no such file, "
        "expected a path relative to this file"
    ]


def test_direct_overlays_are_the_overlays_a_file_extends_itself(tmp_path):
    write(tmp_path, "ov1.yaml", "overlay: true\nchanges:\n  - open: [ayagoz_bakhty]\n")
    write(tmp_path, "sub/ov2.yaml", "overlay: true\n")
    write(tmp_path, "parent.yaml", f"extends: [{BASE}, ov1.yaml]\n")
    combo = write(tmp_path, "combo.yaml", "extends: [parent.yaml, sub/ov2.yaml, missing.yaml]\n")
    assert direct_overlays(combo) == [(tmp_path / "sub" / "ov2.yaml").resolve()]
    assert direct_overlays(tmp_path / "parent.yaml") == [(tmp_path / "ov1.yaml").resolve()]
    assert direct_overlays(BASE) == [] and direct_overlays(tmp_path / "missing.yaml") == []
    buildout = SHIPPED / "buildout-1300km.yaml"
    assert [p.name for p in direct_overlays(buildout)] == [
        "dostyk-moyinty-2nd-track.yaml",
        "bakhty-ayagoz.yaml",
        "darbaza-maktaaral.yaml",
        "almaty-bypass.yaml",
    ]
