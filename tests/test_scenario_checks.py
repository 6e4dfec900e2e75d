"""Scenario files: demand cross-checks and located error messages of bad files.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError
from scenario_support import BAD, NET, scenario, write

from corridors.errors import ScenarioError
from corridors.network import BorderCrossing, FerryLink, Node, RailSection
from corridors.scenario import load_scenario, schema, validate_file

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
            "got 0, expected a number between 0.001 and 1000 Mt/yr",
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
        "got -0.5, expected a number between 0.001 and 1000 Mt/yr",
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


# --------------------------------------------------------------------------- pydantic wording

SCHEMA_MODELS = [
    schema.TopSpec, schema.FlowSpec, schema.CloseSpec, schema.SlowdownSpec, schema.CargoSpec,
    schema.OperationsSpec, schema.SimulationSpec, schema.SeasonSpec,
    Node, RailSection, BorderCrossing, FerryLink,
]
ODD_VALUES = ["abc", "", -1, 0, 0.5, 1.5, 300, 1e400, True, None, [], ["a"], {}, {"from": "x"}, 1520]


@pytest.mark.parametrize("model", SCHEMA_MODELS, ids=lambda m: m.__name__)
def test_every_pydantic_error_is_worded_in_scenario_terms(model):
    seen = set()
    for name, field in model.model_fields.items():
        for value in ODD_VALUES:
            try:
                model.model_validate({field.alias or name: value}, strict=True)
            except PydanticValidationError as exc:
                for (_, msg), err in zip(schema.pydantic_messages(exc, model), exc.errors(), strict=True):
                    seen.add(err["type"])
                    assert "input should" not in msg.lower() and "valid " not in msg, (err["type"], msg)
    assert seen  # the odd values do trip the model


# --------------------------------------------------------------------------- id suggestions

SHIPPED_NET = NET.parents[3] / "networks" / "central-asia.geojson"


def test_a_link_id_with_its_words_reversed_suggests_the_id_itself(tmp_path):
    # The case first: 'altynkol_zhetygen' was answered with 'almaty_zhetygen'.
    path = write(tmp_path, "s.yaml", f"""\
        name: s
        extends: {SHIPPED_NET.parents[1] / 'scenarios' / 'baseline-2023.yaml'}
        changes:
          - upgrade: {{id: altynkol_zhetygen, tracks: 2}}
        """)
    (msg,) = validate_file(path)
    assert msg.endswith("did you mean 'zhetygen_altynkol'?"), msg


def test_every_place_that_suggests_an_id_ranks_whole_ids_and_names(tmp_path):
    from corridors.network import read_network
    from corridors.scenario.problems import did_you_mean

    net = read_network(SHIPPED_NET)
    # Every two-word id of the shipped network, its words swapped: the id itself is suggested.
    for ids in (net.links, net.nodes):
        for lid in ids:
            words = lid.split("_")
            if len(words) == 2 and words[0] != words[1]:
                swapped = f"{words[1]}_{words[0]}"
                if swapped not in ids:
                    assert did_you_mean(swapped, ids).startswith(f"; did you mean '{lid}'"), lid
    # A word of a name with a bracketed note ('Alat' in 'Port of Baku (Alat)') finds it (review: it found Almaty).
    assert did_you_mean("Alat", net.nodes).startswith("; did you mean 'alat_")
    # Every node by its human name, where the name is not its id: the id is suggested.
    for nid, node in net.nodes.items():
        got = did_you_mean(node.name, net.nodes)
        assert got.startswith(f"; did you mean '{nid}'"), (node.name, got)
    # Through the scenario checks: a flow end and a closure target named by their human names.
    path = scenario(tmp_path, "changes:\n  - close: {id: Aktogay, from_day: 1, to_day: 2}\n",
                    demand="  - {id: f, origin: Urumqi, destination: Russia, cargo: grain, volume_mt: 1, "
                           "source: t}\n")
    msgs = " ".join(validate_file(path))
    assert "did you mean 'urumqi'" in msgs and "did you mean 'aktogay'" in msgs, msgs
