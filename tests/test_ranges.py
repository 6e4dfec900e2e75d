"""Issue 11, item 1 and 11a: every number finite and plausible, every run sized before it starts, no empty section.

The sweeps discover the numeric fields by introspection of the pydantic models
(scenario schema and network records), so a new field is swept (and must have
a :class:`~corridors.ranges.Range`) without touching this file. Each bad value
must give one located message (file:line: key.path: got ..., expected a number
between A and B (why)) in bounded time.
"""

from __future__ import annotations

import json
import math
import time
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, WrapValidator
from scenario_support import NET, line_of, scenario

from corridors.cli import main
from corridors.elements import link_capacity, utilisation
from corridors.errors import CorridorsError, NetworkError
from corridors.network import BorderCrossing, FerryLink, Node, RailSection, read_network
from corridors.ranges import Range, range_of
from corridors.scenario import load_scenario, schema, validate_file
from corridors.simulation import budget

ROOT = Path(__file__).resolve().parents[1]
#: A bad value must be reported within this many seconds.
BOUNDED_S = 2.0

SCENARIO_MODELS = [schema.TopSpec, schema.OperationsSpec, schema.SimulationSpec, schema.CargoSpec,
                   schema.FlowSpec, schema.CloseSpec, schema.SlowdownSpec, schema.SeasonSpec]
RECORDS = [Node, RailSection, BorderCrossing, FerryLink]


# --------------------------------------------------------------------------- introspection


def _leaves(ann: Any, suffix: tuple = ()) -> list[tuple[tuple, Any, Range | None]]:
    """Numeric leaves of a type: (path suffix inside the field, base type, its Range)."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Annotated:
        base = args[0]
        rng = next((m.func for m in args[1:] if isinstance(m, WrapValidator) and isinstance(m.func, Range)), None)
        return [(suffix, base, rng)] if base in (int, float) else _leaves(base, suffix)
    if origin in (typing.Union, types.UnionType):
        return [leaf for a in args if a is not type(None) for leaf in _leaves(a, suffix)]
    if origin is list:
        return _leaves(args[0], (*suffix, 0))
    if origin is dict:
        return _leaves(args[1], (*suffix, "<key>"))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _leaves(args[0], (*suffix, 0))
        return [leaf for i, a in enumerate(args) for leaf in _leaves(a, (*suffix, i))]
    if ann in (int, float):
        return [(suffix, ann, None)]
    return []


def numeric_fields(model: type[BaseModel]) -> list[tuple[str, tuple, Range | None]]:
    """Every numeric field of ``model`` (its own and nested in lists, dicts, tuples) with its Range."""
    out = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        ann = info.annotation
        for suffix, base, rng in _leaves(ann):
            if not suffix and base in (int, float):
                rng = rng or range_of(info)
            out.append((key, suffix, rng))
    return out


ALL_FIELDS = [(m, key, suffix, rng) for m in [*SCENARIO_MODELS, *RECORDS] for key, suffix, rng in numeric_fields(m)]


def test_every_numeric_field_has_a_plausible_range():
    missing = [f"{m.__name__}.{key}{list(suffix) or ''}" for m, key, suffix, rng in ALL_FIELDS if rng is None]
    assert not missing, f"numeric fields without a Range (corridors.ranges.number): {missing}"
    assert len(ALL_FIELDS) > 40  # the sweep really found the fields
    for _m, _key, _suffix, rng in ALL_FIELDS:
        assert math.isfinite(rng.lo) and math.isfinite(rng.hi) and rng.lo < rng.hi and rng.why


def test_docs_list_the_range_of_every_numeric_field():
    """docs/scenario-format.md has a table row with the bounds and the reason of every range."""
    from corridors.ranges import _num_text

    rows = [ln for ln in (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8").splitlines()
            if ln.startswith("| `")]
    for m, key, _suffix, rng in ALL_FIELDS:
        want = (f"{_num_text(rng.lo)}", f"to {_num_text(rng.hi)}", rng.why)
        assert any(key in row.split("|")[1] and all(w in row for w in want) for row in rows), (
            f"{m.__name__}.{key}: no row with {want}")


def bad_values(rng: Range) -> list[tuple[str, Any]]:
    """YAML literals (and the Python value) outside ``rng``: the issue's kinds of absurd numbers."""
    vals: list[tuple[str, Any]] = [(".inf", math.inf), (".nan", math.nan), ("-.inf", -math.inf)]
    # a 5,000-digit integer stops in the YAML/JSON readers (Python's 4,300-digit limit), before any field
    vals += [("1" + "0" * 400, 10**400), ("9" * 4000, int("9" * 4000))]
    if rng.integer:
        vals += [("1.0e+12", 1e12)]
    else:
        vals += [("1.0e+400", math.inf), (repr(float(rng.hi) * 1000 + 1), float(rng.hi) * 1000 + 1)]
    vals.append(("-1" if rng.lo >= 0 else repr(float(rng.lo) * 1000 - 1), -1))
    if rng.lo > 0:
        vals.append(("5.0e-324", 5e-324))  # a denormal
    return vals


# --------------------------------------------------------------------------- scenario sweep

FLOW = {"id": "kz-ru", "origin": "aktogay", "destination": "Russia", "cargo": "grain", "volume_mt": 0.66,
        "source": "test"}
SECTION = {"id": "new_s", "name": "N", "from_node": "aktogay", "to_node": "tashkent", "length_km": 500,
           "tracks": 1, "loop_spacing_km": 20, "speed_kmh": 60, "electrified": False, "gauge_mm": 1520,
           "country": "KZ", "opening_year": 2025}
BORDER = {"id": "new_b", "name": "N", "from_node": "ayagoz", "to_node": "almaty", "length_km": 10,
          "countries": "KZ-KZ", "handling_tracks": 2, "dwell_h": 6, "dwell_cv": 0.5,
          "handling_trains_per_day": 8, "exchange_limit_trains_per_day": 6, "opening_year": 2025}
FERRY = {"id": "new_f", "name": "N", "from_node": "aktau", "to_node": "poti", "length_km": 900, "crossing_h": 30,
         "vessels": 2, "wagons_per_vessel": 50, "port_handling_h": 6, "max_wait_h": 48,
         "weather_downtime_share": 0.1, "opening_year": 2025}
NODE = {"id": "new_n", "name": "N", "country": "KZ", "node_type": "station", "gauge_mm": 1520, "lon": 75.0,
        "lat": 45.0}
MODIFY = {RailSection: ("upgrade", "aktogay_moyinty"), BorderCrossing: ("set_border", "alashankou_dostyk"),
          FerryLink: ("set_ferry", "aktau_baku")}
ADD = {RailSection: ("add_section", SECTION), BorderCrossing: ("add_border", BORDER),
       FerryLink: ("add_ferry", FERRY), Node: ("add_node", NODE)}


def _flow_text(flow: dict) -> str:
    return "  - " + json.dumps(flow).replace('"<V>"', "<V>") + "\n"


def scenario_cases() -> list[tuple[str, str, str, tuple, Range]]:
    """(id, body, demand, expected key path, range) with ``<V>`` where the bad value goes."""
    cases = []
    for m, key, suffix, rng in ALL_FIELDS:
        demand, body, path = _flow_text(FLOW), None, None
        if m is schema.TopSpec:
            inner = {"<key>": "China"}.get(suffix[0]) if suffix else None
            body = f"{key}: {{{inner}: <V>}}\n" if inner else f"{key}: <V>\n"
            path = (key, inner) if inner else (key,)
        elif m in (schema.OperationsSpec, schema.SimulationSpec):
            section = "operations" if m is schema.OperationsSpec else "simulation"
            body = f"{section}: {{{key}: {{grain: <V>}}}}\n" if suffix else f"{section}: {{{key}: <V>}}\n"
            path = (section, key, "grain") if suffix else (section, key)
        elif m is schema.CargoSpec:
            body, path = f"cargo_classes: {{grain: {{{key}: <V>}}}}\n", ("cargo_classes", "grain", key)
        elif m is schema.FlowSpec:
            flow = dict(FLOW)
            if key == "volume_teu":
                flow.pop("volume_mt")
                flow["cargo"] = "container"
            flow[key] = ["<V>", *([1] * 11)] if suffix else "<V>"
            body, demand, path = "", _flow_text(flow), ("demand", 0, key, *suffix)
        elif m in (schema.CloseSpec, schema.SlowdownSpec):
            kind = "close" if m is schema.CloseSpec else "slowdown"
            item = {"id": "aktogay_moyinty", "from_day": 0, "to_day": 10, key: "<V>"}
            if kind == "slowdown":
                item.setdefault("factor", 0.5)
            body = "changes:\n  - " + json.dumps({kind: item}).replace('"<V>"', "<V>") + "\n"
            path = ("changes", 0, kind, key)
        if body is not None:
            cases.append((f"{m.__name__}.{key}", body, demand, path, rng))
        if m in ADD and not suffix:
            verb, base = ADD[m]
            if key in base or key in m.model_fields and m.model_fields[key].is_required():
                rec = {**base, key: "<V>"}
                body = "changes:\n  - " + json.dumps({verb: rec}).replace('"<V>"', "<V>") + "\n"
                cases.append((f"{verb}.{key}", body, _flow_text(FLOW), ("changes", 0, verb, key), rng))
        if m in MODIFY and key in _modifiable(m):
            verb, lid = MODIFY[m]
            body = f"changes:\n  - {verb}: {{id: {lid}, {key}: <V>}}\n"
            cases.append((f"{verb}.{key}", body, _flow_text(FLOW), ("changes", 0, verb, key), rng))
    return cases


def _modifiable(model) -> tuple[str, ...]:
    from corridors.scenario import changes

    return {RailSection: changes._UPGRADE_KEYS, BorderCrossing: changes._SET_BORDER_KEYS,
            FerryLink: changes._SET_FERRY_KEYS}[model]


CASES = scenario_cases()


def _fmt(path: tuple) -> str:
    from corridors.scenario.problems import fmt_path

    return fmt_path(path)


def test_the_issue_example_inf_volume_is_refused_with_its_line(tmp_path):
    """The issue's first case: `.inf` passed `validate` as a volume, then `run` never finished."""
    file = scenario(tmp_path, demand=_flow_text({**FLOW, "volume_mt": "<V>"}).replace("<V>", ".inf"))
    problems = validate_file(file)
    assert problems == [
        (f"{file}:{line_of(file, 'volume_mt')}: demand[0].volume_mt: got inf, expected a number between 0.001 and "
         "1000 Mt/yr (from less than a train a year to about all that Russia's railways carry (~1,200 Mt/yr))")
    ]


def test_the_sweep_covers_every_kind_of_place():
    names = {c[0] for c in CASES}
    for must in ("FlowSpec.volume_mt", "SimulationSpec.days", "SimulationSpec.replications", "TopSpec.demand_scale",
                 "OperationsSpec.meet_overhead_min", "add_section.loop_spacing_km", "set_ferry.vessels",
                 "set_border.dwell_h", "add_node.lon", "SlowdownSpec.factor", "FlowSpec.seasonal",
                 "OperationsSpec.priorities", "TopSpec.demand_scale_by_region", "add_border.opening_year"):
        assert must in names


@pytest.mark.parametrize(("name", "body", "demand", "path", "rng"), CASES, ids=[c[0] for c in CASES])
def test_every_numeric_scenario_key_refuses_absurd_numbers(tmp_path, name, body, demand, path, rng):
    good = scenario(tmp_path, body.replace("<V>", repr(float(rng.lo)) if not rng.integer else str(int(rng.lo)))
                    if "<V>" in body else body, name="good.yaml",
                    demand=demand.replace("<V>", str(int(rng.lo)) if rng.integer else repr(float(rng.lo))))
    control = [p for p in validate_file(good) if rng.text() in p]
    assert not control, f"the lower bound itself is refused: {control}"
    for literal, value in bad_values(rng):
        file = scenario(tmp_path, body.replace("<V>", literal), demand=demand.replace("<V>", literal))
        t0 = time.perf_counter()
        problems = validate_file(file)
        took = time.perf_counter() - t0
        assert took < BOUNDED_S, f"{name} = {literal[:20]}: {took:.1f} s"
        want = f"{_fmt(path)}: got "
        hits = [p for p in problems if want in p]
        assert hits, f"{name} = {literal[:20]}: {problems}"
        msg = hits[0]
        file_line = msg.split(f": {_fmt(path)}:")[0]
        assert file_line.startswith(f"{file}:") and file_line.rsplit(":", 1)[1].isdigit(), msg
        assert rng.text() in msg, msg
        assert "internal error" not in " ".join(problems)


# --------------------------------------------------------------------------- network sweep

NET_TEXT = NET.read_text(encoding="utf-8")
NET_FEATURE = {Node: "aktogay", RailSection: "aktogay_moyinty", BorderCrossing: "brest_malaszewicze",
               FerryLink: "aktau_baku"}


def network_cases():
    for m in RECORDS:
        for key, suffix, rng in numeric_fields(m):
            if m is Node and key in ("lon", "lat"):
                yield m, key, ("geometry", ["lon", "lat"].index(key)), rng
            elif key == "coords":
                yield m, f"coords{list(suffix)}", ("line", suffix[1]), rng
            else:
                yield m, key, ("property", key), rng


NET_CASES = list(network_cases())


def _bad_network(tmp_path: Path, model, where: tuple, literal: str) -> tuple[Path, str]:
    doc = json.loads(NET_TEXT)
    fid = NET_FEATURE[model]
    feat = next(f for f in doc["features"] if f["properties"]["id"] == fid)
    kind, what = where
    if kind == "property":
        feat["properties"][what] = "<V>"
    elif kind == "geometry":
        feat["geometry"]["coordinates"][what] = "<V>"
    else:
        a, b = (next(f for f in doc["features"] if f["properties"]["id"] == n)["geometry"]["coordinates"]
                for n in (feat["properties"]["from_node"], feat["properties"]["to_node"]))
        mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
        mid[what] = "<V>"
        feat["geometry"] = {"type": "LineString", "coordinates": [a, mid, b]}
    json_literal = {".inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}.get(literal, literal)
    text = json.dumps(doc, indent=1).replace('"<V>"', json_literal)
    path = tmp_path / "net.geojson"
    path.write_text(text, encoding="utf-8")
    return path, fid


@pytest.mark.parametrize(("model", "key", "where", "rng"), NET_CASES,
                         ids=[f"{c[0].__name__}.{c[1]}" for c in NET_CASES])
def test_every_numeric_network_attribute_refuses_absurd_numbers(tmp_path, model, key, where, rng):
    for literal, _value in bad_values(rng):
        if where[0] == "line" and len(literal) > 300:
            continue  # see test_a_huge_integer_coordinate_of_a_line_is_located
        path, fid = _bad_network(tmp_path, model, where, literal)
        t0 = time.perf_counter()
        with pytest.raises(NetworkError) as exc:
            read_network(path)
        assert time.perf_counter() - t0 < BOUNDED_S
        hits = [p for p in exc.value.problems if f": {fid}: " in p and rng.why in p]
        assert hits, f"{model.__name__}.{key} = {literal[:20]}: {exc.value.problems}"
        assert hits[0].startswith(f"{path}:") and hits[0].split(":")[1].isdigit(), hits[0]


def test_a_huge_integer_coordinate_of_a_line_is_located(tmp_path):
    path, fid = _bad_network(tmp_path, RailSection, ("line", 0), "1" + "0" * 400)
    with pytest.raises(NetworkError) as exc:
        read_network(path)
    assert any(f": {fid}: " in p and "WGS84 longitude" in p for p in exc.value.problems)


# --------------------------------------------------------------------------- shipped files, capacity never zero


def test_shipped_scenarios_fit_the_run_size_budget():
    """Every shipped scenario runs, and its capacity and comparison searches fit (they validate in
    tests/test_shipped_scenarios.py, which also reads the shipped network)."""
    from corridors.pipeline import search_estimate

    specs = [load_scenario(f) for f in sorted((ROOT / "scenarios").glob("*.yaml"))]
    base = next(s for s in specs if s.name == "baseline-2023")
    for spec in specs:
        budget.check_budget(budget.estimate_run(spec, workers=2))
        budget.check_budget(*(budget.estimate_run(s.with_settings(replications=1), workers=2) for s in (base, spec)),
                            *(search_estimate(s, rounds=2, search_days=100, workers=2) for s in (base, spec)))


def test_the_weakest_elements_the_ranges_allow_still_have_capacity():
    """Zero capacity (the issue's ZeroDivisionError in utilisation) is impossible inside the ranges."""
    r = {k: range_of(info) for m in RECORDS for k, info in m.model_fields.items() if range_of(info)}
    common = {"id": "x", "name": "x", "from_node": "a", "to_node": "b", "length_km": r["length_km"].hi,
              "status": "existing", "opening_year": 2000, "source": "t"}
    links = [
        RailSection(**common, country="KZ", tracks=1, loop_spacing_km=r["loop_spacing_km"].hi,
                    speed_kmh=r["speed_kmh"].lo, electrified=False, gauge_mm=1520),
        RailSection(**common, country="KZ", tracks=2, headway_min=r["headway_min"].hi, speed_kmh=r["speed_kmh"].lo,
                    electrified=False, gauge_mm=1520),
        BorderCrossing(**common, countries="KZ-CN", gauge_change=True, handling_tracks=1,
                       dwell_h=r["dwell_h"].hi, dwell_cv=r["dwell_cv"].hi,
                       handling_trains_per_day=r["handling_trains_per_day"].lo,
                       exchange_limit_trains_per_day=r["exchange_limit_trains_per_day"].lo),
        FerryLink(**common, crossing_h=r["crossing_h"].hi, vessels=1, wagons_per_vessel=1,
                  port_handling_h=r["port_handling_h"].hi, max_wait_h=r["max_wait_h"].hi,
                  weather_downtime_share=r["weather_downtime_share"].hi),
    ]
    ops = {k: range_of(info) for k, info in schema.OperationsSpec.model_fields.items() if range_of(info)}
    for link in links:
        cap = link_capacity(link, maintenance_h=ops["maintenance_h"].hi, meet_overhead_min=ops["meet_overhead_min"].hi,
                            wagons_per_train=ops["wagons_per_train_reference"].hi)
        assert cap.trains_per_day > 0, link
        assert math.isfinite(utilisation(link, cap, 1.0, 1.0))


# --------------------------------------------------------------------------- empty sections (item 11a)

SECTION_KEYS = ["network", "demand", "name", "description", "changes", "cargo_classes", "demand_scale",
                "demand_scale_by_region", "operations", "simulation"]


@pytest.mark.parametrize("key", SECTION_KEYS)
def test_a_null_section_is_a_located_error(tmp_path, key):
    """`network: null` validated and failed in `run` with no line; `demand: null` ran with no flows."""
    lines = ["name: t\n", f"network: {NET}\n", "demand:\n" + _flow_text(FLOW)]
    lines = [ln for ln in lines if not ln.startswith(f"{key}:")] + [f"{key}: null\n"]
    file = tmp_path / "s.yaml"
    file.write_text("".join(lines), encoding="utf-8")
    problems = validate_file(file)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{file}:{line_of(file, key + ': null')}: {key}: got null, expected "), problems
    with pytest.raises(CorridorsError):
        load_scenario(file)


def test_null_network_and_demand_say_what_is_expected(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text("name: t\nnetwork: null\ndemand: null\n", encoding="utf-8")
    assert validate_file(file) == [
        f"{file}:2: network: got null, expected the path of a network GeoJSON file",
        f"{file}:3: demand: got null, expected a list of flows",
    ]


# --------------------------------------------------------------------------- CLI options


@pytest.mark.parametrize(("args", "fragment"), [
    (["run", "--days", "inf"], "'inf' is not a finite number"),
    (["run", "--days", "nan"], "'nan' is not a finite number"),
    (["run", "--days", "1e9"], "not in the range 1<=x<=3650"),
    (["run", "--days", "0"], "not in the range 1<=x<=3650"),
    (["run", "--seed", "-1"], "not in the range 0<=x<=4294967295"),
    (["run", "--seed", "9" * 5000], "got a number of 5000 characters"),
    (["capacity", "--search-days", "nan"], "'nan' is not a finite number"),
    (["capacity", "--search-days", "-inf"], "'-inf' is not a finite number"),
    (["capacity", "--rounds", "10" + "0" * 100], "not in the range 1<=x<=8"),
    (["capacity", "--workers", "0"], "not in the range 1<=x<=64"),
    (["compare", "--seed", "1e3"], "is not a valid integer"),
])
def test_numeric_cli_options_are_usage_errors(tmp_path, args, fragment):
    cmd, *opts = args
    files = [str(ROOT / "scenarios" / "baseline-2023.yaml")] * (2 if cmd == "compare" else 1)
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, [cmd, *files, *opts, "--out", str(tmp_path / "o")])
    assert time.perf_counter() - t0 < 5
    assert res.exit_code == 2, res.output
    assert fragment in res.output
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- the run-size budget


def test_a_run_too_large_is_refused_up_front_with_its_numbers(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(f"name: big\nextends: {ROOT / 'scenarios' / 'baseline-2023.yaml'}\n"
                   "simulation: {days: 3650, replications: 1000}\n", encoding="utf-8")
    assert validate_file(big) == []  # each number is plausible; together they are too much
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["run", str(big), "--out", str(tmp_path / "o")])
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "the run is too large to start" in text
    assert "billion SimPy events in 1,000 runs, above the limit of 1.0 billion per command" in text
    assert "above the limit of 2,000 MB" in text and "fewer simulation.replications" in text
    assert not (tmp_path / "o").exists()


def test_the_estimate_counts_blocks_trains_and_replications():
    spec = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml")
    one = budget.estimate_run(spec)
    # the baseline year: ~26,650 trains and ~3.1 M events (bench/engine.py); the estimate is within 15 %
    assert 25_000 < one.trains_per_run < 28_500
    assert 2.7e6 < one.events_per_run < 3.9e6
    ten = budget.estimate_run(spec.with_settings(replications=10, days=730))
    assert ten.runs == 10
    assert ten.events_total == pytest.approx(one.events_per_run * 2 * 10, rel=1e-9)
    per_train = 10 * budget.BYTES_PER_TRAIN_KEPT + 1 * budget.BYTES_PER_TRAIN_RUNNING
    assert ten.memory_mb == pytest.approx(ten.trains_per_run * per_train / 1e6, rel=1e-9)
    assert ten.trains_per_run == pytest.approx(2 * one.trains_per_run, rel=1e-9)


def test_the_search_estimate_and_its_refusal(tmp_path):
    spec = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml")
    est = budget.estimate_search(spec, days=100, probes_per_search=8, max_scale=20, workers=2)
    assert est.events_total < budget.MAX_EVENTS_TOTAL and est.events_per_run < budget.MAX_EVENTS_PER_RUN
    res = CliRunner().invoke(main, ["capacity", str(ROOT / "scenarios" / "baseline-2023.yaml"),
                                    "--search-days", "3000", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1, res.output
    assert "one capacity search of baseline-2023 would simulate" in " ".join(res.output.split())
    assert not (tmp_path / "o").exists()
