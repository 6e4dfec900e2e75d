"""``corridors sweep`` (issue 13, item 2): points, the tidy table, the chart, file:line errors, any executor.

Checked against things independent of the sweep's own code: a point equals the
same scenario run by ``corridors run`` with the same seed; a ``change_`` column
is exactly after minus before of its own row; the same table comes out of
one process, the local pool and a Dask cluster.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corridors import REGIONS
from corridors.cli import main
from corridors.sweep import SweepError, read_sweep, scenarios
from corridors.sweep.columns import METRICS, POINT_COLUMNS, column, find

DATA = Path(__file__).parent / "data"
SWEEPS = DATA / "sweep"
#: Files whose content records when and how long a command ran.
TIMED = {"run.json"}


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in TIMED}


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    """A sweep file in ``tmp_path`` whose base is the test scenario (named relative to it)."""
    (tmp_path / "ov.yaml").write_text((SWEEPS / "second-track.yaml").read_text())
    path = tmp_path / name
    path.write_text(text.replace("BASE", str(DATA / "scenario" / "base.yaml")))
    return path


# --------------------------------------------------------------------------- points


def test_points_are_every_combination_in_file_order_with_the_last_dimension_fastest():
    s = read_sweep(SWEEPS / "run.yaml")
    assert s.kind == "run" and s.varied == ("demand_scale", "operations.k_routes")
    got = [(p.demand_scale, dict(p.settings)["operations.k_routes"]) for p in s.points]
    assert got == [(1.0, 1), (1.0, 3), (2.0, 1), (2.0, 3)]
    assert [p.spec.settings.days for p in s.points] == [40.0] * 4
    assert all(p.spec.settings.replications == 2 and p.seed == 7 for p in s.points)


def test_a_compare_point_is_the_base_with_the_same_settings_and_the_base_side_is_shared():
    s = read_sweep(SWEEPS / "compare.yaml")
    for p in s.points:
        assert p.before is not None and p.before.settings == p.spec.settings
        assert len(p.before.network.links) < len(p.spec.network.links) or p.overlays == (
            str(SWEEPS / "second-track.yaml"),)
    # 4 points: two "before" scenarios (one per demand scale), four "after" ones
    assert len(scenarios(s)) == 6
    assert s.points[0].before is s.points[2].before


def test_demand_scale_multiplies_the_base_demand():
    s = read_sweep(SWEEPS / "run.yaml")
    one, two = s.points[0].spec, s.points[2].spec
    for f1, f2 in zip(one.flows, two.flows, strict=True):
        assert f2.trains_per_year == pytest.approx(2 * f1.trains_per_year)


# --------------------------------------------------------------------------- the table and its columns


def test_the_point_columns_and_the_metric_column_names_are_a_contract():
    assert list(POINT_COLUMNS) == ["point", "replication", "seed", "kind", "scenario", "overlays", "demand_scale"]
    assert column("delivered_mt", "China", "inbound") == "delivered_mt_to_china"
    assert column("practical_capacity_mt", "South Asia", "outbound", "change") == \
        "change_practical_capacity_mt_from_south_asia"
    for m, metric in METRICS.items():
        assert find(column(m, "Europe", "outbound")).describe().endswith(f"from Europe, {metric.unit}")
    assert find("after_practical_capacity_is_lower_limit_to_china").unit == "true/false"
    with pytest.raises(KeyError):
        find("change_practical_capacity_is_lower_limit_to_china")  # a flag has no change


@pytest.fixture(scope="module")
def run_sweep_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "run"
    r = _invoke("sweep", SWEEPS / "run.yaml", "--out", out, "--workers", 1, "-q")
    assert r.exit_code == 0, r.output
    return out


def test_the_table_has_one_row_per_point_and_replication_and_describes_itself(run_sweep_folder):
    out = run_sweep_folder
    for f in ("sweep.csv", "sweep.parquet", "sweep.json", "sweep.png", "sweep.svg", "run.json"):
        assert (out / f).is_file(), f
    csv = pd.read_csv(out / "sweep.csv")
    table = pq.read_table(out / "sweep.parquet")
    assert len(csv) == table.num_rows == 4 * 2
    assert list(csv.columns) == table.column_names
    assert list(csv[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(4) for r in range(2)]
    assert list(csv["seed"]) == [7, 8] * 4
    doc = json.loads((out / "sweep.json").read_text())
    assert list(doc["columns"]) == list(csv.columns)
    for name in table.column_names:
        assert table.schema.field(name).metadata[b"description"].decode() == doc["columns"][name]
    assert len(list((out / "points").glob("*.yaml"))) == 4


def test_a_point_is_the_same_run_as_corridors_run_with_that_seed(run_sweep_folder, tmp_path):
    """Point 3 (demand x2, k_routes 3), replication 1 (seed 8) against a scenario file saying the same."""
    scen = tmp_path / "same.yaml"
    scen.write_text(f"name: same\nextends: {DATA / 'scenario' / 'base.yaml'}\ndemand_scale: 2.0\n"
                    "simulation: {days: 40, warmup_days: 10, seed: 8, replications: 1}\n"
                    "operations: {k_routes: 3}\n")
    r = _invoke("run", scen, "--out", tmp_path / "run", "-q")
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    row = pd.read_csv(run_sweep_folder / "sweep.csv").set_index(["point", "replication"]).loc[(3, 1)]
    emitted = 0.0
    for region in REGIONS:
        for d in ("inbound", "outbound"):
            want = summary["regions"][region][d]["delivered_mt"]
            assert row[column("delivered_mt", region, d)] == pytest.approx(want, abs=1e-9)
            for block, key in (("emissions", "co2e_t_per_year"), ("emissions", "g_co2e_per_tkm"),
                               ("costs", "usd_per_t"), ("costs", "usd_per_20t_500km")):  # not the regions block
                want = summary[block]["regions"][region][d][key]
                got = row[column(key, region, d)]
                assert (math.isnan(got) if want is None else got == pytest.approx(want, abs=1e-9)), (key, region, d)
            emitted += row[column("co2e_t_per_year", region, d)] if d == "inbound" else 0.0
    assert emitted > 0, "the test scenario delivers trains, so they emit"


def test_the_headline_estimate_per_point_is_the_mean_and_t_interval_of_its_rows(run_sweep_folder):
    csv = pd.read_csv(run_sweep_folder / "sweep.csv")
    doc = json.loads((run_sweep_folder / "sweep.json").read_text())
    assert doc["headline"] == "delivered_mt_to_china"
    for p in doc["points"]:
        xs = csv.loc[csv["point"] == p["point"], doc["headline"]].tolist()
        mean = sum(xs) / 2
        half = 12.706204736174707 * abs(xs[0] - xs[1]) / 2  # t(0.975, 1) * s / sqrt(2), s = |x0 - x1| / sqrt(2)
        assert p["headline"]["mean"] == pytest.approx(mean, abs=1e-4)
        assert p["headline"]["ci95"] == pytest.approx([mean - half, mean + half], abs=1e-4)


@pytest.mark.slow
def test_compare_change_is_after_minus_before_of_the_same_replication_and_identical_on_any_executor(tmp_path):
    outs = {}
    for name, extra in [("serial", ["--workers", 1]), ("pool", ["--workers", 2]),
                        ("dask", ["--workers", 2, "--scheduler", "local"])]:
        outs[name] = tmp_path / name
        r = _invoke("sweep", SWEEPS / "compare.yaml", "--out", outs[name], "-q", *extra)
        assert r.exit_code == 0, r.output
    serial = _files(outs["serial"])
    for name in ("pool", "dask"):
        got = _files(outs[name])
        assert got.keys() == serial.keys() and [k for k in serial if got[k] != serial[k]] == [], name
    csv = pd.read_csv(outs["serial"] / "sweep.csv")
    assert len(csv) == 4 * 2
    for m in ("practical_capacity_mt", "delivered_mt"):
        for region in REGIONS:
            for d in ("inbound", "outbound"):
                before, after, change = (csv[column(m, region, d, side)] for side in ("before", "after", "change"))
                both = before.notna() & after.notna()
                assert ((after - before)[both] - change[both]).abs().max() < 1e-9 if both.any() else True
                assert change[~both].isna().all()
    # the base side is the same run for both overlay levels at the same demand
    same_demand = csv[csv["demand_scale"] == 1.0]
    assert same_demand.groupby("replication")["before_delivered_mt_to_china"].nunique().max() == 1


# --------------------------------------------------------------------------- bad sweep files


BAD = """\
sweep: bad one
base: BASE
kind: capacty
replications: 0
extra: 1
vary:
  overlays: [ov.yaml, missing.yaml]
  demand_scale: [1.0, 0]
  settings:
    simulation.days: [40, -5]
    demand[0].volume_mt: [1]
    simulation.seed: [3]
    operations.k_routes: []
  seeds: [1, x]
search: {days: 0, rounds: 9}
report: {headline: nothing}
"""


def test_a_bad_sweep_file_lists_every_problem_at_its_line_and_writes_nothing(tmp_path):
    path = _write(tmp_path, BAD)
    out = tmp_path / "out"
    r = _invoke("sweep", path, "--out", out)
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    text = r.output.replace("\n  ", " ")
    for expected in [f"{path}:1: sweep: got 'bad one'", f"{path}:3: kind: got 'capacty'",
                     "did you mean 'capacity'?", f"{path}:4: replications: got 0",
                     f"{path}:5: extra: unknown key", f"{path}:7: vary.overlays[1]: 'missing.yaml': no such file",
                     f"{path}:11: vary.settings.demand[0].volume_mt:", f"{path}:12: vary.settings.simulation.seed:",
                     "is set by the sweep itself (vary.seeds)", f"{path}:13: vary.settings.operations.k_routes: got "
                     "an empty list", f"{path}:15: search.rounds: got 9", f"{path}:15: search.days: got 0"]:
        assert expected in text, (expected, r.output)
    assert not out.exists() and not list(tmp_path.glob(".*out*"))


def test_a_bad_value_of_a_point_is_reported_at_the_sweep_file_line_that_set_it(tmp_path):
    path = _write(tmp_path, "sweep: s\nbase: BASE\nvary:\n  demand_scale: [1.0, 0]\n  settings:\n"
                            "    simulation.days: [40, -5]\n    operations.k_routes: [3, many]\n  seeds: [1, x]\n")
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    lines = err.value.problems
    assert any(p.startswith(f"{path}:4: vary.demand_scale[1]: got 0, expected a number between") for p in lines)
    assert any(p.startswith(f"{path}:6: vary.settings.simulation.days[1]: got -5") for p in lines)
    assert any(p.startswith(f"{path}:7: vary.settings.operations.k_routes[1]: got 'many'") for p in lines)
    assert any(p.startswith(f"{path}:8: vary.seeds[1]: got 'x'") for p in lines)
    assert len(lines) == len(set(lines)) == 4, lines  # each once, however many points share it


#: Every number a sweep file holds: ``(its key path, its line)`` in the template below.
NUMBER_FIELDS = {"replications": 3, "search.rounds": 4, "search.days": 5, "vary.demand_scale[0]": 7,
                 "vary.seeds[0]": 8, "vary.settings.simulation.days[0]": 10}
NUMBERS = """\
sweep: s
base: BASE
replications: {replications}
search: {{rounds: {search.rounds},
         days: {search.days}}}
vary:
  demand_scale: [{vary.demand_scale[0]}]
  seeds: [{vary.seeds[0]}]
  settings:
    simulation.days: [{vary.settings.simulation.days[0]}]
kind: capacity
"""
GOOD_NUMBERS = {"replications": "2", "search.rounds": "1", "search.days": "40", "vary.demand_scale[0]": "1.0",
                "vary.seeds[0]": "3", "vary.settings.simulation.days[0]": "40"}
#: The first is the case that broke (a zero where a count or a scale is expected).
BAD_NUMBERS = ["0", "-1", ".nan", ".inf", "1e12", "2.5e-9", "'7'", "true", "null", "[1]", "{a: 1}", "9" * 401]


#: Values of the list above that are good for a field (seed 0 is numpy's own default).
VALID_NUMBERS = {("vary.seeds[0]", "0")}


def _numbers(**values) -> str:
    text = NUMBERS
    for k, v in {**GOOD_NUMBERS, **values}.items():
        text = text.replace("{" + k + "}", v)
    return text.replace("{{", "{").replace("}}", "}")


def test_the_number_template_is_a_good_sweep(tmp_path):
    assert len(read_sweep(_write(tmp_path, _numbers())).points) == 1


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize("field", list(NUMBER_FIELDS))
def test_every_number_of_a_sweep_file_refuses_every_kind_of_bad_value_at_its_line(tmp_path, field, bad):
    if bad == "2.5e-9" and field == "vary.seeds[0]":
        bad = "2.5"  # a seed must be whole: the fraction is the bad value here
    path = _write(tmp_path, _numbers(**{field: bad}))
    if (field, bad) in VALID_NUMBERS:
        assert read_sweep(path).points
        return
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    line = NUMBER_FIELDS[field]
    assert any(p.startswith(f"{path}:{line}: ") for p in err.value.problems), err.value.problems


def test_a_file_that_is_not_a_sweep_is_one_located_message(tmp_path):
    for text, want in [("", ":1: the file is empty"), ("- a\n- b\n", ":1: got a list"),
                       ("sweep: [unclosed\n", "invalid YAML"), ("sweep: s\n", "missing key 'base'")]:
        path = tmp_path / "x.yaml"
        path.write_text(text)
        r = _invoke("sweep", path, "--out", tmp_path / "o")
        assert r.exit_code == 1 and want in r.output and "Traceback" not in r.output, (text, r.output)
        assert not (tmp_path / "o").exists()
    r = _invoke("sweep", tmp_path / "nothing.yaml")
    assert r.exit_code == 1 and "no such file" in r.output and "Traceback" not in r.output


def test_a_compare_point_without_overlays_is_a_problem_at_its_level(tmp_path):
    path = _write(tmp_path, "sweep: s\nbase: BASE\nkind: compare\nvary:\n  overlays: [[], ov.yaml]\n")
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    assert err.value.problems == [f"{path}:5: vary.overlays[0]: a compare point needs at least one overlay on "
                                  "(this level has none): each point is compared with the base without its "
                                  "overlays"]


def test_a_sweep_beyond_the_run_budget_is_refused_before_running(tmp_path):
    path = _write(tmp_path, "sweep: s\nbase: BASE\nreplications: 1000\nvary:\n  demand_scale: [50, 100]\n")
    r = _invoke("sweep", path, "--out", tmp_path / "o")
    assert r.exit_code == 1 and "Traceback" not in r.output and "limit" in r.output, r.output
    assert not (tmp_path / "o").exists()


def test_dry_run_lists_the_points_and_runs_nothing(tmp_path):
    r = _invoke("sweep", SWEEPS / "compare.yaml", "--dry-run", "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "4 compare points x 2 replications" in r.output and "mini-projects-p003" in r.output
    assert not (tmp_path / "o").exists()


def test_nan_is_never_a_number_of_the_table(run_sweep_folder):
    """Empty cells are missing values (no figure), never a number that stands for one."""
    csv = pd.read_csv(run_sweep_folder / "sweep.csv")
    metric_cols = [c for c in csv.columns if c not in POINT_COLUMNS and "." not in c]
    assert metric_cols and all(not math.isinf(v) for c in metric_cols for v in csv[c].dropna())


# --------------------------------------------------------------------------- found in review


def test_a_mapping_level_is_recorded_as_written_for_every_point(tmp_path):
    """The file's levels are copied into each point, never changed by the next point's settings."""
    path = _write(tmp_path, "sweep: s\nbase: BASE\nvary:\n  settings:\n"
                            "    operations.priorities: [{grain: 1}, {grain: 2}]\n  seeds: [5, 6]\n")
    s = read_sweep(path)
    got = [(dict(p.settings)["operations.priorities"], p.seed) for p in s.points]
    assert got == [({"grain": 1}, 5), ({"grain": 1}, 6), ({"grain": 2}, 5), ({"grain": 2}, 6)]
    assert [p.spec.cargo["grain"].priority for p in s.points] == [1, 1, 2, 2]


@pytest.mark.parametrize("settings,msg", [
    ("    simulation.days: [40, 50]\n    simulation: [{days: 3}]\n", "'simulation' and 'simulation.days' set the same key"),
    ("    simulation: [{seed: 5}]\n", "'simulation.seed' is set by the sweep itself (vary.seeds)"),
    ("    simulation: [{replications: 2}]\n", "'simulation.replications' is set by the sweep itself (replications)"),
    ("    operations.k_routes: [3, 3]\n", "got 3 again (as item 0), expected each level once"),
])
def test_settings_that_would_clash_or_take_what_the_sweep_owns_are_refused(tmp_path, settings, msg):
    path = _write(tmp_path, "sweep: s\nbase: BASE\nvary:\n  settings:\n" + settings)
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    assert any(msg in p for p in err.value.problems), err.value.problems


def test_a_compare_point_runs_its_overlay_on_the_base_seed_and_replications(tmp_path):
    """An overlay that sets its own seed or replications cannot unpair a comparison."""
    (tmp_path / "odd.yaml").write_text("overlay: true\nchanges:\n  - upgrade: {id: dostyk_aktogay, tracks: 2, "
                                       "headway_min: 12}\nsimulation: {seed: 100, replications: 4}\n")
    path = _write(tmp_path, "sweep: s\nbase: BASE\nkind: compare\nvary:\n  overlays: [odd.yaml]\n")
    (p,) = read_sweep(path).points
    assert (p.spec.settings.seed, p.spec.settings.replications) == (p.before.settings.seed,
                                                                      p.before.settings.replications) == (7, 3)


def test_parquet_types_do_not_depend_on_the_values(tmp_path):
    """A metric column with no value anywhere is still a number column; a flag is true/false."""
    import pyarrow as pa

    path = _write(tmp_path, "sweep: s\nbase: BASE\nkind: capacity\nreplications: 1\nsearch: {rounds: 1, days: 30}\n"
                            "vary:\n  settings:\n    simulation.days: 30\n    simulation.warmup_days: 10\n"
                            "    operations.k_routes: [2, 3]\n")
    r = _invoke("sweep", path, "--out", tmp_path / "o", "-q", "--workers", 1)
    assert r.exit_code == 0, r.output
    schema = pq.read_schema(tmp_path / "o" / "sweep.parquet")
    assert schema.field("operations.k_routes").type == pa.int64()
    assert schema.field("practical_capacity_mt_to_south_asia").type == pa.float64()
    assert schema.field("practical_capacity_is_lower_limit_to_china").type == pa.bool_()
    assert all(schema.field(n).type != pa.null() for n in schema.names)


def test_a_base_that_is_an_overlay_is_reported_at_the_base_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"sweep: s\nbase: {SWEEPS / 'second-track.yaml'}\n")
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    assert err.value.problems and all(p.startswith(f"{path}:2: base: ") for p in err.value.problems), \
        err.value.problems


@pytest.mark.parametrize("text,msg", [
    ("kind: run\nsearch: {rounds: 1}\n", "search: a run sweep has no capacity search"),
    ("report: {metrics: []}\n", "report.metrics: got an empty list, expected at least one metric"),
])
def test_keys_that_would_do_nothing_are_refused(tmp_path, text, msg):
    path = _write(tmp_path, "sweep: s\nbase: BASE\n" + text)
    with pytest.raises(SweepError) as err:
        read_sweep(path)
    assert any(msg in p for p in err.value.problems), err.value.problems


def test_a_chart_without_any_value_says_so_and_warns_nothing(tmp_path, recwarn):
    from corridors.viz import plot_sweep

    fig, ax = plot_sweep({"": [(0.0, None, None, None), (1.0, None, None, None)]}, xlabel="x", ylabel="y",
                         title="t", xticklabels=["a", "b"])
    assert any("No point has a value" in t.get_text() for t in ax.texts)
    assert not [w for w in recwarn if "legend" in str(w.message)]
