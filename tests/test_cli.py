"""The command-line contract: commands, options, output files and their keys, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corridors import REGIONS
from corridors.cli import main

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"
CHILD = DATA / "scenario" / "child.yaml"
RUN_FILES = {"summary.json", "sections.csv", "sections.gpkg", "crossings.csv", "yards.csv", "nodes.csv", "timeseries.csv", "trains.csv.gz", "corridors.csv",
             "map.png", "queues.csv", "queues.png", "backlog.png", "scenario.resolved.yaml", "run.json"}
D_KEYS = {"offered_mt", "delivered_mt", "trains", "transit_days_mean", "transit_days_p95"}
C_KEYS = {"bound_mt", "simulated_mt", "precision_mt", "bottlenecks"}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "mini"
    r = invoke("run", BASE, "--out", out, "--days", 60)
    assert r.exit_code == 0, r.output
    return out


def test_run_writes_every_file_with_the_contract_keys(run_dir):
    assert RUN_FILES <= {p.name for p in run_dir.iterdir()}
    s = json.loads((run_dir / "summary.json").read_text())
    assert isinstance(s["scenario"], str) and isinstance(s["seed"], int) and s["sim_days"] == 60
    t = s["trains"]
    assert set(t) == {"generated", "delivered", "in_network", "refused"}
    assert t["generated"] == t["delivered"] + t["in_network"] + t["refused"] > 0
    assert set(s["regions"]) == set(REGIONS)
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            assert D_KEYS <= set(s["regions"][r][d])
    meta = json.loads((run_dir / "run.json").read_text())
    assert {"corridors_version", "seed", "libraries", "wall_time_s", "scenario"} <= set(meta)


def test_same_seed_gives_identical_files(run_dir, tmp_path):
    again = tmp_path / "again"
    assert invoke("run", BASE, "--out", again, "--days", 60).exit_code == 0
    for name in RUN_FILES - {"run.json"}:
        assert (again / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_other_seed_changes_results(run_dir, tmp_path):
    other = tmp_path / "other"
    assert invoke("run", BASE, "--out", other, "--days", 60, "--seed", 99).exit_code == 0
    assert (other / "trains.csv.gz").read_bytes() != (run_dir / "trains.csv.gz").read_bytes()
    assert json.loads((other / "summary.json").read_text())["seed"] == 99


def test_bad_scenario_is_a_message_not_a_traceback(tmp_path):
    out = tmp_path / "never"
    r = CliRunner().invoke(main, ["run", str(DATA / "bad" / "unknown_node.yaml"), "--out", str(out)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output and "unknown_node.yaml:" in r.output
    assert not out.exists() and not any(tmp_path.iterdir())


def test_validate_and_show(tmp_path):
    assert invoke("validate", BASE, CHILD).exit_code == 0
    r = CliRunner().invoke(main, ["validate", str(DATA / "bad" / "negative_volume.yaml")])
    assert r.exit_code == 1
    shown = invoke("show", CHILD)
    assert shown.exit_code == 0 and "mini-child" in shown.output


def test_network_summary_map_and_export(tmp_path):
    r = invoke("network", "--map", tmp_path / "net.png", "--export", tmp_path / "net.gpkg")
    assert r.exit_code == 0, r.output
    assert "route-km by country" in r.output and "gateways per region" in r.output
    assert (tmp_path / "net.png").stat().st_size > 50_000
    import geopandas as gpd

    assert len(gpd.read_file(tmp_path / "net.gpkg", layer="links")) > 100


def test_capacity_and_compare_contracts(tmp_path):
    r = invoke("capacity", BASE, "--out", tmp_path / "cap", "--rounds", 1, "--search-days", 60, "--workers", 1)
    assert r.exit_code == 0, r.output
    cap = json.loads((tmp_path / "cap" / "capacity.json").read_text())
    assert cap["scenario"] == "mini-base"
    for reg in REGIONS:
        for d in ("inbound", "outbound"):
            assert C_KEYS <= set(cap["regions"][reg][d])
    out = tmp_path / "cmp"
    r = invoke("compare", BASE, CHILD, "--out", out, "--rounds", 1, "--search-days", 60, "--workers", 1)
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["base"] == "mini-base" and doc["alt"] == "mini-child"
    for reg in REGIONS:
        for d in ("inbound", "outbound"):
            k = doc["regions"][reg][d]
            for side in ("before", "after"):
                assert C_KEYS | {"delivered_mt", "transit_days_mean"} <= set(k[side])
    names = {p.name for p in out.iterdir()}
    assert {"comparison.csv", "capacity-before-after.png", "capacity-before-after.svg", "capacity-change.png",
            "capacity-change.svg", "capacity-bars.png", "capacity-bars.svg", "base", "alt"} <= names


@pytest.mark.parametrize("bad", sorted((DATA / "bad").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_broken_scenario_fails_cleanly_with_a_located_message(bad, tmp_path):
    for args in (["validate", str(bad)], ["run", str(bad), "--out", str(tmp_path / "o"), "--days", "40"]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1, (args, r.output)
        assert r.exception is None or isinstance(r.exception, SystemExit)
        assert "Traceback" not in r.output
        assert f"{bad.name}:" in r.output.replace("\n", "")
    assert not (tmp_path / "o").exists()


def test_replications_give_confidence_intervals(tmp_path):
    f = tmp_path / "reps.yaml"
    f.write_text(f"name: reps\nextends: {BASE}\nsimulation: {{replications: 2, days: 40}}\n", encoding="utf-8")
    r = invoke("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "out" / "summary.json").read_text())["replications"]
    assert rep["n"] == 2 and rep["seeds"] == [7, 8]
    assert set(rep["regions"]) == set(REGIONS)
    # the CPMM indicators of every corridor too, each a mean with its half-width
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert {c["corridor"] for c in doc["corridor_indicators"]} <= set(rep["corridors"])
    some = next(iter(rep["corridors"].values()))
    assert set(some) >= {"speed_with_delay_kmh", "border_crossing_time_h", "transit_days_mean"}
    assert some["transit_days_mean"]["ci95"] is None or some["transit_days_mean"]["ci95"] >= 0


@pytest.mark.parametrize("text", ["[/oops]", "[red]", ":x:", "[bold]b[/bold]", "[link=file:///etc]x[/link]"])
def test_user_text_is_printed_as_data_never_as_markup(text, tmp_path):
    """The issue's ``"[/oops]"`` key crashed the CLI with rich's MarkupError; ``[red]`` vanished, ``:x:`` became an emoji."""
    bad = tmp_path / "s.yaml"
    bad.write_text(BASE.read_text(encoding="utf-8") + f'"{text}": 1\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(bad)])
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit)
    assert text in r.output, r.output



def test_markup_in_an_error_of_run_is_printed_as_it_is(tmp_path):
    """Names are restricted to folder-safe characters; the refusal quotes the text literally."""
    child = tmp_path / "child.yaml"
    child.write_text(f'extends: {BASE}\nname: "[red]x:x:[/oops]"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["run", str(child), "--days", 32, "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "'[red]x:x:[/oops]'" in r.output


def test_compare_attributes_the_practical_capacity_to_each_overlay(tmp_path):
    """``--attribute-capacity``: each overlay alone is searched where ALT changes the practical capacity."""
    import csv

    # a Brest border at half its capacity (a change certain to matter; 4 -> 2 trains a day) and a line elsewhere;
    # 3 replications: with 2, the t interval (t = 12.7) spanned zero after the double-track rule changed the timing
    (tmp_path / "track.yaml").write_text(
        "overlay: true\nchanges:\n  - set_border: {id: brest_malaszewicze, dwell_h: 48}\n", encoding="utf-8")
    (tmp_path / "bakhty.yaml").write_text(
        "overlay: true\nchanges:\n  - open: [ayagoz_bakhty, tacheng_bakhty]\n", encoding="utf-8")
    alt = tmp_path / "alt.yaml"
    alt.write_text(f"name: mini-alt\nextends: [{BASE}, track.yaml, bakhty.yaml]\n", encoding="utf-8")
    out = tmp_path / "cmp"
    r = invoke("compare", BASE, alt, "--out", out, "--rounds", 1, "--search-days", 40, "--workers", 1,
               "--replications", 3, "--attribute-capacity")
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "comparison.json").read_text())
    meta = json.loads((out / "run.json").read_text())
    significant = [f"{reg} {d}" for reg in REGIONS for d in ("inbound", "outbound")
                   if (ci := doc["regions"][reg][d]["simulated_change_ci_mt"]) and (ci[0] > 0 or ci[1] < 0)]
    assert significant and meta["attributed_capacity_regions"] == significant
    with (out / "attribution.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        assert {"track_practical_change_mt", "bakhty_practical_change_ci_low_mt", "practical_all_projects_mt"} <= set(row)
        searched = f"{row['region']} {row['direction']}" in significant
        assert (row["track_practical_change_mt"] != "") == searched
        if searched:  # the slower border alone lowers the capacity significantly
            assert float(row["track_practical_change_ci_high_mt"]) < 0


def test_attribution_builds_on_the_base_scenario_itself_not_on_what_it_extends(tmp_path):
    """A base that extends another file (mini-child extends mini-base): base + overlay keeps the base's own keys."""
    from corridors.pipeline import _base_plus
    from corridors.scenario import load_scenario

    empty = tmp_path / "nothing.yaml"
    empty.write_text("overlay: true\nchanges: []\n", encoding="utf-8")
    base = load_scenario(CHILD)
    plus = _base_plus(base, empty)
    assert plus.operations == base.operations and plus.operations.k_routes == 5
    assert plus.flows == base.flows and plus.network.links.keys() == base.network.links.keys()
    assert plus.settings.seed == base.settings.seed and plus.settings.replications == base.settings.replications


def test_attribute_capacity_without_attribution_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(main, ["compare", str(BASE), str(CHILD), "--no-attribute", "--attribute-capacity",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--attribute-capacity" in r.output
    assert not (tmp_path / "o").exists()


def test_every_command_says_how_to_use_an_overlay_in_the_clis_words():
    # The case first: `run` of an overlay said "load it with overlay_ok=True", a Python argument.
    ov = str(Path(__file__).resolve().parents[1] / "scenarios" / "overlays" / "almaty-bypass.yaml")
    base = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline-2023.yaml")
    for args in (["run", ov], ["capacity", ov], ["compare", ov, base], ["compare", base, ov], ["show", ov]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1, (args, r.output)
        text = " ".join(r.output.split())
        assert "overlay" in text and "extends: [<scenario>.yaml, overlays/almaty-bypass.yaml]" in text, (args, text)
        assert "overlay_ok" not in text and "=True" not in text and "Traceback" not in text, (args, text)
