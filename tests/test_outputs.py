"""Outputs and horizons other tools and users rely on (issue 11, items 6 and 7).

* A horizon shortened with ``--days`` / ``load_scenario(days=...)`` drops the
  closures and slowdowns that fall outside it, with a warning naming each, and
  clips those partly inside (item 6).
* Every YAML corridors writes reads back identically with a YAML 1.1 reader
  (PyYAML) and with ruamel (YAML 1.2) (item 7a).
* SVG figures and ``sections.gpkg`` are byte-identical from run to run (item 7c).
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import flow, make_network, make_spec, node, rail
from hypothesis import given, settings
from hypothesis import strategies as st

from corridors.cli import main
from corridors.errors import ScenarioError
from corridors.scenario import load_scenario
from corridors.scenario import resolve as resolve_module
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

# The horizon override reaches the disruption check only once scenario/resolve.py passes the
# declared horizon to demand.disruptions (see the report of branch i11-outputs).
_OVERRIDE_WIRED = "declared_days" in inspect.getsource(resolve_module)
needs_override = pytest.mark.xfail(
    not _OVERRIDE_WIRED, strict=True, reason="scenario/resolve.py does not pass declared_days yet"
)


@functools.cache
def _full(path: Path):
    return load_scenario(path)


def _september_closure(tmp_path: Path) -> Path:
    """The issue's example: a full-year scenario with a three-week September closure."""
    f = tmp_path / "september.yaml"
    f.write_text(
        f"name: september\nextends: {BASE}\n"
        "changes:\n"
        "  - close: {id: alashankou_dostyk, from_day: 254, to_day: 275, reason: September closure}\n"
        "  - slowdown: {id: dostyk_aktogay, factor: 0.5, from_day: 20, to_day: 60, reason: works}\n",
        encoding="utf-8",
    )
    return f


# --------------------------------------------------------------------------- item 6: --days


@needs_override
def test_days_shorter_than_a_closure_runs_and_names_what_it_drops(tmp_path, caplog):
    f = _september_closure(tmp_path)
    assert CliRunner().invoke(main, ["validate", str(f)]).exit_code == 0
    with caplog.at_level(logging.WARNING, logger="corridors"):
        r = CliRunner().invoke(main, ["run", str(f), "--days", "40", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    warned = "\n".join(rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING)
    assert "shortened horizon [0, 40) days" in warned
    assert f"{f}:4: changes[0].close: closure of 'alashankou_dostyk' [254, 275)" in warned
    assert "dostyk_aktogay" not in warned  # partly inside: clipped, not dropped
    spec = load_scenario(f, days=40)
    assert [(d.target, d.start_day, d.end_day) for d in spec.disruptions] == [("dostyk_aktogay", 20.0, 40.0)]


def test_a_closure_outside_the_scenarios_own_horizon_stays_an_error(tmp_path):
    f = tmp_path / "late.yaml"
    f.write_text(
        f"name: late\nextends: {BASE}\n"
        "changes:\n  - close: {id: alashankou_dostyk, from_day: 400, to_day: 420}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"late.yaml:4: changes\[0\].close: \[400, 420\) is outside"):
        load_scenario(f)
    # and a --days run checks the file's own horizon first
    with pytest.raises(ScenarioError, match="outside the simulation horizon"):
        load_scenario(f, days=30)


@pytest.mark.parametrize("days", [10, 45])
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_loads_with_a_shorter_horizon(path, days, caplog):
    full = _full(path)
    if not _OVERRIDE_WIRED and any(d.start_day >= days for d in full.disruptions):
        pytest.xfail("scenario/resolve.py does not pass declared_days yet")
    with caplog.at_level(logging.WARNING, logger="corridors.scenario.demand"):
        spec = load_scenario(path, days=days)
    assert spec.settings.days == days
    for d in spec.disruptions:
        assert 0 <= d.start_day < d.end_day <= days
    # what is kept is the full-horizon disruptions clipped to [0, days); the rest is named in a warning
    clipped = sorted((d.target, d.start_day, min(d.end_day, days), d.factor)
                     for d in full.disruptions if d.start_day < days)
    assert sorted((d.target, d.start_day, d.end_day, d.factor) for d in spec.disruptions) == clipped
    warned = "\n".join(rec.getMessage() for rec in caplog.records)
    for d in full.disruptions:
        if d.start_day >= days and not any(k.target == d.target and k.factor == d.factor for k in spec.disruptions):
            assert f"'{d.target}'" in warned


@needs_override
def test_shipped_stress_scenario_simulates_a_short_horizon():
    spec = load_scenario(ROOT / "scenarios" / "stress-caspian-winter.yaml", days=10)
    assert {d.target for d in spec.disruptions} == {"ferry_aktau_alat", "ferry_kuryk_alat",
                                                    "ferry_turkmenbashi_alat"}  # the winter slowdown
    res = simulate(spec.with_settings(warmup_days=0, days=4))
    assert res is not None


# --------------------------------------------------------------------------- item 7a: YAML other readers agree on

#: Plain scalars that YAML 1.1 (PyYAML) or YAML 1.2 (ruamel) reads as something other than a string.
AMBIGUOUS = ["no", "on", "off", "y", "yes", "NO", "null", "~", "1_000", "0o7", "1:30", ".5", "2024-01-01",
             "n", "Off", "TRUE", "0x1f", "07", "0b11", "=", "<<", "+1", ".inf", "12:30:00"]
# Node renames in the test network: the ids first (``no`` and ``NO`` collapse into one boolean).
RENAMED = {"tacheng": "no", "bakhty": "NO", "termez": "on", "hairatan": "off", "ayagoz": "y",
           "baku": "1:30", "poti": "yes", "brest": "null", "malaszewicze": "~", "orenburg": "2024-01-01",
           "termez_hairatan": "ON", "ayagoz_bakhty": "Yes", "tacheng_bakhty": "no_NO"}


def _yaml_readers(text: str) -> list:
    """``text`` read by PyYAML (YAML 1.1) and by ruamel (YAML 1.2)."""
    import yaml  # PyYAML: the `test` extra must list it
    from ruamel.yaml import YAML

    return [yaml.safe_load(text), YAML(typ="safe", pure=True).load(text)]


def _ambiguous_network(tmp_path: Path) -> Path:
    import json

    doc = json.loads((DATA / "scenario" / "network.geojson").read_text(encoding="utf-8"))
    for feat in doc["features"]:
        props = feat["properties"]
        for key in ("id", "from_node", "to_node"):
            if key in props:
                props[key] = RENAMED.get(props[key], props[key])
    out = tmp_path / "network.geojson"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def _ambiguous_scenario(tmp_path: Path) -> Path:
    net = _ambiguous_network(tmp_path)
    f = tmp_path / "ambiguous.yaml"
    f.write_text(
        f"""name: ambiguous
description: "on"
network: {net.name}
changes:
  - open: ["Yes", no_NO]
  - add_node: {{id: "Off", name: "off", country: KZ, lon: 80.0, lat: 47.0, node_type: station, gauge_mm: 1520}}
  - add_section: {{id: "on_Off", name: "ON", from_node: "on", to_node: "Off", length_km: 100, tracks: 1,
                  loop_spacing_km: 10, speed_kmh: 60, electrified: false, gauge_mm: 1520, country: "NO"}}
  - close: {{id: "ON", from_day: 40, to_day: 50, reason: "yes"}}
simulation: {{days: 60, warmup_days: 10, seed: 3}}
demand:
  - {{id: "yes", origin: China, destination: "off", cargo: general, volume_mt: 0.1, source: "no"}}
  - {{id: "1_000", origin: aktogay, destination: "1:30", cargo: general, volume_mt: 0.1, source: "~"}}
  - {{id: "null", origin: "NO", destination: "Off", cargo: general, volume_mt: 0.05, source: "y"}}
""",
        encoding="utf-8",
    )
    return f


def test_resolved_yaml_reads_back_identically_with_yaml_1_1_and_1_2(tmp_path):
    from corridors.scenario import dump_resolved_yaml, resolved_dict

    f = _ambiguous_scenario(tmp_path)
    want = resolved_dict(f)
    ids = set(want["active_links"]) | set(want["changed_elements"])
    assert {"no_NO", "Yes", "ON", "on_Off", "Off"} <= ids  # the scenario resolved what it says
    shown = CliRunner().invoke(main, ["show", str(f)])
    assert shown.exit_code == 0, shown.output
    assert shown.output == dump_resolved_yaml(f)
    for data in _yaml_readers(shown.output):
        assert data == want
    r = CliRunner().invoke(main, ["run", str(f), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    written = (tmp_path / "out" / "scenario.resolved.yaml").read_text(encoding="utf-8")
    for data in _yaml_readers(written):
        assert data == resolved_dict(f)


def _spec_named(text: str, number: float = 1.5):
    """A tiny run whose every id, name and free text is ``text``."""
    from dataclasses import replace

    from corridors.model import DEFAULT_CARGO, Disruption

    net = make_network([node(text, 70.0), node(text + "_b", 70.4)], [rail(text, text, text + "_b", 30.0,
                                                                           loop_spacing_km=10.0)], name=text)
    spec = make_spec(net, [flow(text, text, text + "_b", trains_per_year=number, via=((text,),),
                                avoid=(text + "_b",), source=text)])
    cargo = {**spec.cargo, text: replace(DEFAULT_CARGO["general"], name=text)}
    return replace(spec, name=text, description=text, source_files=(text,), cargo=cargo,
                   disruptions=(Disruption(text, 1.0, 2.0, 0.0, text),))


@pytest.mark.parametrize(("text", "number"), [(t, 1.5) for t in AMBIGUOUS] + [("x", 1e18), ("x", 1.5e-3)])
def test_every_ambiguous_plain_scalar_is_quoted(text, number):
    from corridors.scenario import dump_resolved_yaml, resolved_dict

    spec = _spec_named(text, number)
    for data in _yaml_readers(dump_resolved_yaml(spec)):
        assert data == resolved_dict(spec)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
       number=st.floats(min_value=0.0, max_value=1e300, allow_nan=False, allow_infinity=False))
def test_any_text_id_reads_back_identically(text, number):
    from corridors.scenario import dump_resolved_yaml, resolved_dict

    spec = _spec_named(text, number)
    for data in _yaml_readers(dump_resolved_yaml(spec)):
        assert data == resolved_dict(spec)


# --------------------------------------------------------------------------- item 7c: same input, same bytes


def test_svg_and_pdf_figures_are_byte_identical(tmp_path):
    import time

    from corridors.viz.figure import new_figure, save_figure

    for name in ("a", "b"):  # matplotlib's default SVG id salt is a new uuid per save, its date the clock
        time.sleep(1.1 if name == "b" else 0)
        fig = new_figure((4, 3))
        ax = fig.add_subplot()
        ax.plot([1, 2, 3], [3, 1, 2])
        ax.fill_between([1, 2], [0, 1])  # clip paths and hatches get hashed ids
        ax.set_title("no")
        save_figure(fig, tmp_path / name, formats=("svg", "pdf", "png"))
    for ext in ("svg", "pdf", "png"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes(), ext
    assert "<dc:date>" not in (tmp_path / "a.svg").read_text(encoding="utf-8")


def test_sections_gpkg_is_byte_identical_and_has_no_time_of_writing(tmp_path):
    import time

    from corridors.results import GPKG_LAST_CHANGE, write_sections_gpkg

    spec = make_spec(make_network([node("no", 70.0), node("on", 70.4)], [rail("ab", "no", "on", 30.0,
                                                                                loop_spacing_km=10.0)]), [])
    rows = [{"id": "ab", "trains_per_day": 1.5}]
    write_sections_gpkg(tmp_path / "a.gpkg", spec, rows)
    time.sleep(1.1)  # GDAL's own stamp has millisecond resolution: a second apart it would differ
    write_sections_gpkg(tmp_path / "b.gpkg", spec, rows)
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()
    con = sqlite3.connect(tmp_path / "a.gpkg")
    try:
        assert con.execute("SELECT last_change FROM gpkg_contents").fetchall() == [(GPKG_LAST_CHANGE,)]
    finally:
        con.close()


def test_yards_csv_has_its_header_even_without_a_yard(tmp_path):
    """Review: a network without yards wrote a 0-byte yards.csv; a table with its columns and no rows reads better."""
    from conftest import flow, make_network, make_spec, node, rail

    from corridors.results import YARD_COLUMNS, write_run
    from corridors.simulation import simulate

    for yard in ({}, {"yard_tracks": 1, "yard_dwell_h": 1.0}):
        net = make_network([node("a", 70.0, **yard), node("b", 71.0)],
                           [rail("ab", "a", "b", 50.0, tracks=2, headway_min=10.0)])
        spec = make_spec(net, [flow("x", "a", "b", departures_h=[0.0])], days=2, warmup_days=0)
        out = tmp_path / str(bool(yard))
        out.mkdir()
        write_run(out, spec, simulate(spec))
        lines = (out / "yards.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(YARD_COLUMNS) and len(lines) == (2 if yard else 1)
