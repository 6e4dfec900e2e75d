"""``corridors check-history`` (issue 12, item 6): observed figures against the model.

The fast version of the shipped table runs here and fails when a figure's result differs from what
``validation/observed.yaml`` records (a pass that turns into a failure, or a failure nobody explained);
the model quantities are checked on hand-computed timelines; every malformed entry is reported at its line.
"""

from __future__ import annotations

from dataclasses import replace

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import border, flow, make_network, make_spec, node, rail

from corridors.cli import main
from corridors.history import BEGIN, END, ObservedError, check_history, read_observed
from corridors.history.measure import analytic, simulated
from corridors.history.observed import Measure, Tolerance
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = ROOT / "validation" / "observed.yaml"
MINI = Path(__file__).parent / "data" / "scenario" / "base.yaml"


# --------------------------------------------------------------------------- the shipped table


def test_the_shipped_table_has_the_figures_the_issue_asks_for():
    obs = read_observed(OBSERVED).observations
    calibration_years = {"2022", "2023"}
    test = [o for o in obs if o.set == "test"]
    assert len(obs) >= 15
    assert len([o for o in test if o.year[:4] not in calibration_years]) >= 8
    assert all(o.set == "calibration" and o.year[:4] in calibration_years for o in obs if o not in test)
    assert all(o.source and ("http" in o.source or "facts" in o.source) for o in obs)


def test_fast_figures_come_out_as_the_file_says():
    """Each fast figure passes, or fails with its written explanation: a change to either fails here."""
    observed = read_observed(OBSERVED)
    outcomes = check_history(observed, fast=True)
    assert outcomes and all(o.figure.fast for o in outcomes)
    wrong = [(o.figure.id, o.model and round(o.model.mean, 3), o.figure.value, o.passed, bool(o.figure.fails))
             for o in outcomes if o.passed is not (not o.figure.fails)]
    assert wrong == [], "figure, model, observed, passed, has 'fails': " + repr(wrong)


# --------------------------------------------------------------------------- the quantities by hand


def _line():
    """a (KZ) --100 km, 50 km/h double track-- b (KZ) --border, 2 h fixed dwell-- c (CN)."""
    nodes = [node("a", 70.0), node("b", 71.0), node("c", 72.0, country="CN", gauge=1520)]
    links = [rail("ab", "a", "b", 100.0, tracks=2, headway_min=30.0, speed_kmh=50.0),
             border("bc", "b", "c", tracks=1, dwell_h=2.0)]
    return make_network(nodes, links)


def test_quantities_on_a_hand_computed_timeline():
    """Two general trains a→c at 00:00 and a container at 03:00; one border track (2 h); 30 min headway / 60 %.

    General 1 runs 00:00–02:00 and crosses 02:00–04:00. General 2 enters one timetable headway later
    (30 / 0.6 = 50 min), reaches the border at 02:50, waits until 04:00, out at 06:00. The container
    (x 1.15: 1 h 44 min 21 s) reaches the border at 04:44:21, waits until 06:00, out at 08:00.
    """
    spec = make_spec(_line(), [flow("g", "a", "c", departures_h=[0.0, 0.0]),
                               flow("x", "a", "c", cargo="container", departures_h=[3.0])], days=2.0)
    res = simulate(spec)
    run_box = 100 / (50 * 1.15)
    assert sorted(t.arrived_h for t in res.trains) == pytest.approx([4.0, 6.0, 8.0])
    waits = [0.0, 4.0 - (50 / 60 + 2.0), 6.0 - (3.0 + run_box)]
    assert simulated(spec, res, Measure("border_time_h", "s", links=("bc",), into="CN")) == pytest.approx(
        2.0 + sum(waits) / 3)
    assert simulated(spec, res, Measure("border_time_h", "s", links=("bc",), into="KZ")) is None  # none came back
    assert simulated(spec, res, Measure("trains_per_day", "s", links=("bc",))) == pytest.approx(3 / 2)
    assert simulated(spec, res, Measure("trains_per_day", "s", links=("bc",), into="KZ")) == 0.0
    general_t = spec.cargo["general"].net_t_per_train
    box_t = spec.cargo["container"].net_t_per_train
    years = 2 / 365
    assert simulated(spec, res, Measure("delivered_mt", "s", via=("c",))) == pytest.approx(
        (2 * general_t + box_t) / 1e6 / years)
    assert simulated(spec, res, Measure("delivered_mt", "s", via=("c",), cargo="container")) == pytest.approx(
        box_t / 1e6 / years)
    km = res.trains[0].route_km
    assert simulated(spec, res, Measure("speed_kmh", "s", delay="with")) == pytest.approx(
        (km / 4.0 + km / 6.0 + km / 5.0) / 3)
    assert simulated(spec, res, Measure("speed_kmh", "s", delay="without")) == pytest.approx(
        (km / 2.0 + km / 2.0 + km / run_box) / 3)
    share = Measure("tonnage_share", "s", via=("a",), among=("a", "b"))
    assert simulated(spec, res, share) == 1.0


def test_side_splits_a_crossing_between_its_two_countries():
    """Hold 5 h into CN, 1 h into KZ; two trains a→c at 00:00 (the second queues 50 min behind the first's 2 h
    dwell), one c→a at 00:00.

    Into CN: the queue (0 and 4.0 - 2 h 50) is Kazakh time, the dwell and hold (2 + 5 h) Chinese. Into KZ: the
    dwell and its hold (2 + 1 h) are Kazakh, no queue. CPMM's Kazakh border time is then ``side: KZ``.
    """
    net = make_network(list(_line().nodes.values()),
                       [_line().links["ab"], border("bc", "b", "c", tracks=1, dwell_h=2.0, clearance_ab_h=5.0,
                                                    clearance_ba_h=1.0)])
    spec = make_spec(net, [flow("g", "a", "c", departures_h=[0.0, 0.0]), flow("w", "c", "a", departures_h=[0.0])],
                     days=2.0)
    res = simulate(spec)
    queue = (0.0 + 4.0 - (50 / 60 + 2.0)) / 2
    into_cn = Measure("border_time_h", "s", links=("bc",), into="CN")
    assert simulated(spec, res, into_cn) == pytest.approx(queue + 7.0)
    assert simulated(spec, res, replace(into_cn, side="CN")) == pytest.approx(7.0)
    assert simulated(spec, res, replace(into_cn, side="KZ")) == pytest.approx(queue)
    assert simulated(spec, res, Measure("border_time_h", "s", links=("bc",), into="KZ", side="KZ")) == pytest.approx(
        3.0)
    both_kz = Measure("border_time_h", "s", links=("bc",), side="KZ")  # 2 trains' queue, 1 train's dwell + hold
    assert simulated(spec, res, both_kz) == pytest.approx((2 * queue + 3.0) / 3)


def test_capacity_is_the_tables_capacity_and_converts_to_tonnes():
    spec = make_spec(_line(), [], maintenance_h=2.0)
    # double track 22 h / (30 / 0.6 min) = 26.4 a day; border 1 x 24 / 2 = 12: the smaller
    assert analytic(spec, Measure("capacity", "s", links=("ab",))) == pytest.approx(26.4)
    assert analytic(spec, Measure("capacity", "s", links=("ab", "bc"))) == pytest.approx(12.0)
    t = spec.cargo["grain"].net_t_per_train
    assert analytic(spec, Measure("capacity", "s", links=("bc",), cargo="grain")) == pytest.approx(12 * t * 365 / 1e6)


@pytest.mark.parametrize("kind, amount, model, observed, ok", [
    ("relative", 0.2, 72.0, 60.0, True), ("relative", 0.2, 79.2, 60.0, False), ("absolute", 0.1, 0.45, 0.54, True),
    ("absolute", 0.1, 0.43, 0.54, False), ("at_least", 0, 68.0, 68.0, True), ("at_least", 0, 67.9, 68.0, False),
    ("at_most", 0, 16.0, 16.0, True), ("at_most", 0, 16.1, 16.0, False),
])
def test_tolerances(kind, amount, model, observed, ok):
    assert Tolerance(kind, amount).passes(model, observed) is ok


# --------------------------------------------------------------------------- bad files


GOOD = """\
scenarios:
  mini: {mini}
observations:
  - id: one
    set: test
    measures: Capacity of the China crossing
    value: 5
    unit: trains/day
    year: 2025
    source: a test
    model: {{quantity: capacity, scenario: mini, links: [alashankou_dostyk]}}
    tolerance: {{at_least: true}}
"""


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "observed.yaml"
    p.write_text(text.format(mini=MINI), encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, expected", [
    # first: a tolerance with two kinds (which one would apply?)
    ("{{at_least: true}}", "{{at_least: true, relative: 0.2}}", ":12: observations[0].tolerance: got"),
    ("{{at_least: true}}", "{{at_least: 3}}", ":12: observations[0].tolerance.at_least: got 3, expected true"),
    ("{{at_least: true}}", "{{relative: 2}}", "tolerance.relative: got 2, expected a number between 0 and 1"),
    ("{{at_least: true}}", "{{within: 2}}", "tolerance.within: unknown key"),
    ("set: test", "set: check", ":5: observations[0].set: got 'check', expected calibration or test"),
    ("value: 5", "value: five", ":7: observations[0].value: got 'five', expected a number"),
    ("year: 2025", "year: recent", ":9: observations[0].year: got 'recent', expected a year"),
    ("source: a test", "source: ''", "observations[0].source: got '', expected text"),
    ("quantity: capacity", "quantity: volume", "observations[0].model.quantity: got 'volume', expected one of"),
    ("scenario: mini", "scenario: maxi", "observations[0].model.scenario: got 'maxi', expected one of the file's "
                                         "scenarios: mini"),
    (", links: [alashankou_dostyk]", "", ":11: observations[0].model: capacity needs links"),
    ("quantity: capacity, scenario: mini, links: [alashankou_dostyk]", "quantity: cpmm_cost_usd, scenario: mini",
     ":11: observations[0].model: cpmm_cost_usd needs countries"),
    ("quantity: capacity, scenario: mini, links: [alashankou_dostyk]",
     "quantity: cpmm_cost_usd, scenario: mini, countries: []", "observations[0].model.countries: got a list of 0"),
    ("id: one", "id: 'one two'", "observations[0].id: got 'one two', expected an id"),
    ("    tolerance:", "    fails: ''\n    tolerance:", "observations[0].fails: got '', expected a sentence"),
    ("    tolerance:", "    colour: red\n    tolerance:", "observations[0].colour: unknown key"),
    ("  mini: {mini}", "  mini: nowhere.yaml", ":2: scenarios.mini: 'nowhere.yaml'"),
    # the hostile-input helper's tracebacks, each kind swept
    ("measures: Capacity of the China crossing", "measures: null", "observations[0].measures: got null, expected text"),
    ("measures: Capacity of the China crossing", "measures: [a, b]", "observations[0].measures: got"),
    ("source: a test", "source: 12", "observations[0].source: got 12, expected text"),
    ("    tolerance:", "    note: null\n    tolerance:", "observations[0].note: got null, expected text"),
    ("    tolerance:", "    note: [1, 2]\n    tolerance:", "observations[0].note: got"),
    ("measures: Capacity of the China crossing", 'measures: "a\\x1b[31mred"', "no control characters"),
    ("year: 2025", "year: 0", "observations[0].year: got 0, expected a year"),
    ("value: 5", "value: " + "9" * 401, "observations[0].value: got"),
    ("{{at_least: true}}", "{{relative: " + "9" * 401 + "}}", "tolerance.relative: got"),
    ("observations:", "replications: " + "9" * 401 + "\nobservations:", ":3: replications: got"),
    ("observations:", "fast: {{days: " + "9" * 401 + "}}\nobservations:", "fast.days: got"),
    ("quantity: capacity", "quantity: [capacity]", "observations[0].model.quantity: got"),
    ("scenario: mini", "scenario: [mini]", "observations[0].model.scenario: got"),
    ("{{quantity: capacity, scenario: mini, links: [alashankou_dostyk]}}", "'12'",
     "observations[0].model: got '12', expected a mapping"),
    ("    set: test\n", "", ":4: observations[0]: missing set"),
    ("scenarios:\n  mini: {mini}", "scenarios: {mini}", ":1: scenarios: got '"),
    ("links: [alashankou_dostyk]}}", "links: [alashankou_dostyk], into: KZ, out_of: CN}}",
     "observations[0].model.out_of: got both into and out_of"),
])
def test_every_kind_of_bad_entry_is_reported_at_its_line(tmp_path, old, new, expected):
    text = GOOD.replace(old, new, 1)
    assert text != GOOD, old
    p = _write(tmp_path, text)
    with pytest.raises(ObservedError) as e:
        read_observed(p)
    assert expected in str(e.value), str(e.value)
    assert f"{p}:" in str(e.value)


def test_all_problems_at_once_and_a_duplicate_id(tmp_path):
    one = GOOD.split("observations:\n")[1]
    text = GOOD.replace("set: test", "set: nope") + one
    with pytest.raises(ObservedError) as e:
        read_observed(_write(tmp_path, text))
    msg = str(e.value)
    assert "observations[0].set" in msg and "observations[1].id: got 'one' again" in msg


@pytest.mark.parametrize("model, expected", [
    ("{{quantity: capacity, scenario: mini, links: [nowhere]}}",
     "links: got 'nowhere', expected an element of scenario mini"),
    ("{{quantity: border_time_h, scenario: mini, links: [alashankou_dostyk], into: RU}}",
     "into: got RU, expected a country that 'alashankou_dostyk' enters"),
    ("{{quantity: border_time_h, scenario: mini, links: [alashankou_dostyk], out_of: RU}}",
     "out_of: got RU, expected a country that 'alashankou_dostyk' leaves"),
    ("{{quantity: border_time_h, scenario: mini, links: [dostyk_aktogay]}}",
     "links: got rail section 'dostyk_aktogay', expected a border crossing or a ferry"),
    ("{{quantity: border_time_h, scenario: mini, links: [alashankou_dostyk], side: RU}}",
     "side: got RU, expected one of the two countries of border crossing 'alashankou_dostyk': CN or KZ"),
    ("{{quantity: border_time_h, scenario: mini, links: [alashankou_dostyk], side: ''}}",
     "side: got '', expected a name"),
    ("{{quantity: border_time_h, scenario: mini, links: [aktau_baku], side: KZ}}",
     "side: got KZ on ferry 'aktau_baku', expected side only on border crossings"),
    ("{{quantity: delivered_mt, scenario: mini, via: [atlantis]}}", "via: got 'atlantis', expected a node"),
    ("{{quantity: speed_kmh, scenario: mini, delay: with, cargo: gold}}", "cargo: got 'gold', expected a cargo class"),
    ("{{quantity: tonnage_share, scenario: mini, via: [dostyk], among: [aktogay]}}",
     "via: got nodes missing from among"),
    ("{{quantity: cpmm_cost_usd, scenario: mini, countries: [XX]}}",
     "countries: got 'XX', expected a country of scenario mini"),
    ("{{quantity: cpmm_cost_usd, scenario: mini, countries: [kz]}}",
     "countries: got 'kz', expected a country of scenario mini"),
])
def test_a_figure_naming_what_its_scenario_lacks_is_an_error_at_its_line(tmp_path, model, expected):
    """Checked as the file is read (every figure, fast or not), at the key's line, beside the file's other problems."""
    text = GOOD.replace("{{quantity: capacity, scenario: mini, links: [alashankou_dostyk]}}", model)
    text = text.replace("set: test", "set: nope")  # a problem of the file itself, reported with it
    with pytest.raises(ObservedError) as e:
        read_observed(_write(tmp_path, text))
    assert f"observed.yaml:11: observations[0].model.{expected}" in str(e.value)
    assert "observed.yaml:5: observations[0].set" in str(e.value)


# --------------------------------------------------------------------------- the command


def test_check_history_writes_its_folder_and_the_docs_table(tmp_path):
    p = _write(tmp_path, GOOD.replace("tolerance:", "fast: true\n    tolerance:"))
    doc = tmp_path / "validation.md"
    doc.write_text(f"# Validation\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n", encoding="utf-8")
    out = tmp_path / "hist"
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(out), "--docs", str(doc),
                                  "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert sorted(q.name for q in out.iterdir() if not q.name.startswith(".")) == [
        "history.csv", "history.json", "history.md"]
    text = doc.read_text(encoding="utf-8")
    assert "old table" not in text and text.startswith("# Validation\n\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert "| one | Capacity of the China crossing | 2025 | 5 trains/day |" in text


def test_a_docs_file_without_markers_is_an_error_and_stays_as_it_was(tmp_path):
    p = _write(tmp_path, GOOD.replace("tolerance:", "fast: true\n    tolerance:"))
    doc = tmp_path / "validation.md"
    doc.write_text("# no markers\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h"), "--docs",
                                  str(doc), "--workers", "1"])
    assert r.exit_code == 1 and "check-history:begin" in r.output
    assert doc.read_text(encoding="utf-8") == "# no markers\n"
    assert not (tmp_path / "h").exists()  # checked before anything ran or was written


@pytest.mark.parametrize("make, expected, status", [
    (lambda d: None, "No such file", 1),
    (lambda d: d.mkdir(), "is a directory", 2),  # click's own check of the option
    (lambda d: d.write_bytes(b"\xff\xfe<!-- check-history:begin -->"), "expected a readable UTF-8 Markdown file", 1),
    (lambda d: d.write_text("<!-- check-history:begin -->\nonly one\n"), "check-history:end", 1),
])
def test_every_unusable_docs_file_is_refused_before_the_run(tmp_path, make, expected, status):
    p = _write(tmp_path, GOOD)
    doc = tmp_path / "validation.md"
    make(doc)
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h"), "--docs", str(doc)])
    assert r.exit_code == status and expected in r.output and "Traceback" not in r.output, r.output
    assert not (tmp_path / "h").exists()


def test_fast_and_docs_together_is_a_usage_error_and_fast_needs_a_fast_figure(tmp_path):
    p = _write(tmp_path, GOOD)
    r = CliRunner().invoke(main, ["check-history", str(p), "--fast", "--docs", str(tmp_path / "x.md")])
    assert r.exit_code == 2 and "--docs" in r.output
    r = CliRunner().invoke(main, ["check-history", str(p), "--fast", "--out", str(tmp_path / "h")])
    assert r.exit_code == 1 and "got no figure with fast: true" in r.output
    assert not (tmp_path / "h").exists()


def test_a_bad_observed_file_is_a_message_and_exit_1(tmp_path):
    p = _write(tmp_path, GOOD.replace("set: test", "set: maybe"))
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h")])
    assert r.exit_code == 1 and "observations[0].set" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "h").exists()


def test_many_problems_are_reported_quickly_and_once_each(tmp_path):
    """80,000 bad items took minutes (duplicates were searched in a list); every one is reported, once."""
    import subprocess
    import sys

    p = tmp_path / "observed.yaml"
    p.write_text(f"scenarios:\n  mini: {MINI}\nobservations:\n" + "  - 1\n" * 20000, encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", "from corridors.cli import main; main()", "check-history", str(p),
                        "--out", str(tmp_path / "h")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "20000 problems" in r.stderr and "Traceback" not in r.stderr


def test_the_docs_file_keeps_its_line_endings_mode_and_link_and_a_read_only_one_is_refused(tmp_path):
    import os
    import stat

    p = _write(tmp_path, GOOD)
    real = tmp_path / "real.md"
    real.write_bytes(f"# V\r\n{BEGIN}\r\nold\r\n{END}\r\n".encode())
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h"), "--docs", str(link)])
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    data = real.read_bytes()
    assert b"old" not in data and b"\r\n| one |" in data and b"\n|" not in data.replace(b"\r\n", b"")
    real.chmod(0o440)
    if os.access(real, os.W_OK):  # root writes anyway: the check cannot be seen here
        pytest.skip("running as root")
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h2"), "--docs", str(real)])
    assert r.exit_code == 1 and "not writable" in r.output and not (tmp_path / "h2").exists()


@pytest.mark.parametrize("kind", ["fifo", "two pairs"])
def test_a_docs_file_that_is_a_device_or_has_two_tables_is_refused(tmp_path, kind):
    import os

    p = _write(tmp_path, GOOD)
    doc = tmp_path / "v.md"
    if kind == "fifo":
        os.mkfifo(doc)
    else:
        doc.write_text(f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", str(tmp_path / "h"), "--docs", str(doc)])
    assert r.exit_code == 1 and ("not a regular file" in r.output or "once each" in r.output), r.output
    assert not (tmp_path / "h").exists()


def test_text_with_a_pipe_does_not_break_the_table(tmp_path):
    p = _write(tmp_path, GOOD.replace("Capacity of the China crossing", "Capacity | of the China crossing"))
    from corridors.history import markdown

    table = markdown(check_history(read_observed(p)), fast=False, replications=3)
    row = next(line for line in table.splitlines() if line.startswith("| one"))
    assert "Capacity \\| of the China crossing" in row and row.count(" | ") == 7


def test_an_out_folder_the_file_system_refuses_is_a_message(tmp_path):
    p = _write(tmp_path, GOOD)
    r = CliRunner().invoke(main, ["check-history", str(p), "--out", "/proc/corridors-history-test"])
    assert r.exit_code == 1 and "--out /proc/corridors-history-test" in r.output and "Traceback" not in r.output
