"""Time-space diagrams: the trace a traced run records and writes (``run --trace``), and ``corridors timeline``."""

from __future__ import annotations

import gzip
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from corridors.cli import main
from corridors.model import Disruption
from corridors.pipeline import simulate_replications
from corridors.simulation import simulate
from corridors.trace import (
    LINKS_FILE,
    TRACE_COLUMNS,
    TRACE_FILE,
    build_chain,
    chain_paths,
    read_links,
    read_passages,
    write_trace,
)

from conftest import border, ferry, flow, make_network, make_spec, node, rail

BASE = Path(__file__).parent / "data" / "scenario" / "base.yaml"


def _meet_spec():
    """a --30 km-- b: loops every 10 km (three blocks of 15 min at 40 km/h), 6 min lost per meet."""
    net = make_network([node("a", 70.0), node("b", 70.4)],
                       [rail("ab", "a", "b", 30.0, loop_spacing_km=10.0, speed_kmh=40.0)])
    return make_spec(net, [flow("east", "a", "b", departures_h=[0.0]), flow("west", "b", "a", departures_h=[0.0])],
                     meet_overhead_min=6.0)


def test_opposing_trains_meet_in_the_loop_the_trace_shows(tmp_path):
    """East and West both leave at 0 and reach the middle block's two ends at 0.25 h (km 10 and km 20).

    East, generated first, takes the middle block 0.25-0.5; West stands in the loop at km 20 until East has
    left the block and its 6 min have passed: 0.5 + 0.1 = 0.6 h; the middle block 0.6-0.85 (East reached the
    far end at 0.75; West's last block was free from 0.35), and a at 1.1 h. East passes km 20 at 0.5: the meet.
    """
    spec = _meet_spec()
    res = simulate(spec, trace=True)
    ids = {t.flow: t.train_id for t in res.trains}
    got = {p.train_id: p for p in res.passages}
    east, west = got[ids["east"]], got[ids["west"]]
    assert east.blocks_h == pytest.approx((0.0, 0.25, 0.25, 0.5, 0.5, 0.75)) and east.forward
    assert west.blocks_h == pytest.approx((0.0, 0.25, 0.6, 0.85, 0.85, 1.1)) and not west.forward
    assert (west.arrive_h, west.start_h, west.leave_h) == pytest.approx((0.0, 0.0, 1.1))

    write_trace(tmp_path, spec, res.passages)
    with gzip.open(tmp_path / TRACE_FILE, "rt") as fh:
        assert fh.read().splitlines() == [",".join(TRACE_COLUMNS),
                                          f"{ids['east']},ab,single_track,ab,0,0,0.75,0.25 0 0.25 0 0.25",
                                          f"{ids['west']},ab,single_track,ba,0,0,1.1,0.25 0.35 0.25 0 0.25"]
    assert (tmp_path / LINKS_FILE).read_text().splitlines()[1] == "ab,ab,single_track,a,b,30.0,3"

    chain = build_chain(["ab"], read_links(tmp_path / LINKS_FILE))
    paths, waits = chain_paths(read_passages(tmp_path / TRACE_FILE, chain.wanted(), 0.0, 24.0), chain)
    line = {p.train_id: p for p in paths}
    assert line[ids["east"]].rising and not line[ids["west"]].rising and not waits
    assert line[ids["west"]].points == ((0.0, 30.0), (0.25, 20.0), (0.6, 20.0), (0.85, 10.0),
                                        (1.1, 0.0))  # standing in the loop at km 20 from 0.25 to 0.6 h
    assert (0.5, 20.0) in line[ids["east"]].points  # East passes that loop while West stands in it


def _every_kind_spec(**kw):
    """Single track with a maintenance window and a slowdown, a yard, a border with a random dwell, hold and
    daily limit, double track and a storm-prone ferry, with trains both ways at random."""
    nodes = [node("a", 70.0), node("b", 70.5, yard_tracks=2, yard_dwell_h=1.0), node("c", 70.6, country="CN"),
             node("p", 71.0, country="CN", node_type="port"), node("q", 73.0, country="AZ", node_type="port")]
    links = [rail("ab", "a", "b", 60.0, loop_spacing_km=12.0), border("bc", "b", "c", cv=0.5, limit=8,
                                                                      clearance_ab_h=3.0),
             rail("cp", "c", "p", 30.0, tracks=2, headway_min=10.0), ferry("pq", "p", "q", downtime=0.2)]
    spec = make_spec(make_network(nodes, links), [flow("out", "a", "q", trains_per_year=1500),
                                                  flow("in", "q", "a", trains_per_year=1500)],
                     days=20, maintenance_h=3.0, meet_overhead_min=6.0, **kw)
    return replace(spec, disruptions=(Disruption("ab", 5.0, 7.0, 0.5, "slow"),))


def test_tracing_changes_no_result_and_records_every_pass():
    spec = _every_kind_spec()
    off, on = simulate(spec), simulate(spec, trace=True)
    assert not off.trace and not off.passages
    assert pickle.dumps(replace(on, trace=(), passages=())) == pickle.dumps(off)
    links = [p for p in on.passages if p.kind != "yard"]
    assert {(p.train_id, p.element, p.forward, p.arrive_h, p.leave_h) for p in links} == set(on.trace)
    assert {p.kind for p in on.passages} == {"single", "double", "border", "ferry", "yard"}
    for p in on.passages:
        assert p.arrive_h <= p.start_h <= p.leave_h
        if p.kind == "single":  # five blocks, entered one after the other, each after the last was left
            assert len(p.blocks_h) == 10 and p.blocks_h[0] == p.start_h and p.blocks_h[-1] == p.leave_h
            assert list(p.blocks_h) == sorted(p.blocks_h)


def test_the_same_seed_writes_the_same_trace_and_only_the_first_replication_is_traced(tmp_path):
    spec = _every_kind_spec()
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        write_trace(tmp_path / name, spec, simulate(spec, trace=True).passages)
    assert (tmp_path / "one" / TRACE_FILE).read_bytes() == (tmp_path / "two" / TRACE_FILE).read_bytes()
    first, stats = simulate_replications(spec.with_settings(replications=2), workers=1, trace=True)
    assert stats is not None and first.simulated.passages == simulate(spec, trace=True).passages


# --------------------------------------------------------------------------- the commands


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """The test scenario, 32 days (30 of warm-up), traced."""
    out = tmp_path_factory.mktemp("traced") / "run"
    r = invoke("run", BASE, "--out", out, "--days", 32, "--trace", "-q")
    assert r.exit_code == 0, r.output
    return out


def test_run_trace_writes_the_trace_and_timeline_draws_png_and_svg(traced, tmp_path):
    with gzip.open(traced / TRACE_FILE, "rt") as fh:
        assert fh.readline().strip() == ",".join(TRACE_COLUMNS)
    assert read_links(traced / LINKS_FILE)["dostyk_aktogay"].blocks == 21
    run = tmp_path / "run"
    shutil.copytree(traced, run)
    r = invoke("timeline", run, "--line", "dostyk_aktogay, alashankou_dostyk", "--from", 30, "--days", 2)
    assert r.exit_code == 0, r.output
    png, svg = run / "timeline-aktogay-alashankou-day30-2d.png", run / "timeline-aktogay-alashankou-day30-2d.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()[:1000]
    assert "Aktogay – Dostyk – Alashankou: every train, 31 Jan to 1 Feb" in r.output
    r = invoke("timeline", run, "--line", "dostyk_aktogay", "--from", 30.5, "--days", 0.5, "--out", tmp_path / "x.png")
    assert r.exit_code == 0, r.output
    assert {p.name for p in tmp_path.iterdir()} == {"run", "x.png", "x.svg"}


def _no_trace(run: Path) -> None:
    (run / TRACE_FILE).unlink()


def _cut_short(run: Path) -> None:
    data = (run / TRACE_FILE).read_bytes()
    (run / TRACE_FILE).write_bytes(data[: len(data) // 2])


def _not_gzip(run: Path) -> None:
    (run / TRACE_FILE).write_bytes(b"train_id,element\n1,2\n")


def _bad_row(run: Path) -> None:
    with gzip.open(run / TRACE_FILE, "rt") as fh:
        lines = fh.read().splitlines()
    k = next(i for i, line in enumerate(lines) if ",dostyk_aktogay," in line)
    lines[k] = lines[k].rsplit(",", 1)[0] + ",0.5 x"  # block hours that are no numbers
    with gzip.open(run / TRACE_FILE, "wt") as fh:
        fh.write("\n".join(lines) + "\n")


def _bad_links(run: Path) -> None:
    text = (run / LINKS_FILE).read_text().replace("317.0", "long")
    (run / LINKS_FILE).write_text(text)


BAD = {
    "no trace": (_no_trace, ["--line", "dostyk_aktogay", "--from", 30, "--days", 1], "--trace"),
    "unknown link": (None, ["--line", "dostyk_aktogy", "--from", 30, "--days", 1], "did you mean 'dostyk_aktogay'"),
    "links that do not join": (None, ["--line", "urumqi_alashankou,dostyk_aktogay", "--from", 30, "--days", 1],
                               "do not join: urumqi_alashankou joins Urumqi and Alashankou, dostyk_aktogay joins"),
    "a place for a link": (None, ["--line", "aktogay", "--from", 30, "--days", 1],
                           "'aktogay' is a place (Aktogay), not a link; the links at it: aktogay_almaty,"),
    "a link twice": (None, ["--line", "dostyk_aktogay,dostyk_aktogay", "--from", 30, "--days", 1], "given twice"),
    "no link": (None, ["--line", " , ", "--from", 30, "--days", 1], "no link id"),
    "window after the run": (None, ["--line", "dostyk_aktogay", "--from", 31, "--days", 3], "after the run"),
    "no days": (None, ["--line", "dostyk_aktogay", "--from", 30, "--days", 0], "--days 0: expected"),
    "negative days": (None, ["--line", "dostyk_aktogay", "--from", 30, "--days", -2], "--days -2: expected"),
    "days not a number": (None, ["--line", "dostyk_aktogay", "--from", 30, "--days", "nan"], "--days nan"),
    "negative day": (None, ["--line", "dostyk_aktogay", "--from", -1, "--days", 1], "--from -1: expected"),
    "trace cut short": (_cut_short, ["--line", "dostyk_aktogay", "--from", 30, "--days", 1], "damaged"),
    "trace not gzip": (_not_gzip, ["--line", "dostyk_aktogay", "--from", 30, "--days", 1], "damaged"),
    "trace with a bad row": (_bad_row, ["--line", "dostyk_aktogay", "--from", 30, "--days", 1], "damaged at line"),
    "links file damaged": (_bad_links, ["--line", "dostyk_aktogay", "--from", 30, "--days", 1], "damaged at line"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_error_line_and_writes_nothing(case, traced, tmp_path):
    spoil, args, says = BAD[case]
    run = tmp_path / "run"
    shutil.copytree(traced, run)
    if spoil is not None:
        spoil(run)
    before = sorted(p.name for p in run.iterdir())
    r = invoke("timeline", run, *args)
    assert r.exit_code == 1, r.output
    assert r.output.count("error:") == 1 and says in " ".join(r.output.split()), r.output
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    assert sorted(p.name for p in run.iterdir()) == before


@pytest.mark.parametrize("where", ["missing", "compare"])
def test_a_folder_that_is_no_traced_run_is_refused(where, tmp_path):
    folder = tmp_path / "x"
    if where == "compare":
        folder.mkdir()
        (folder / "comparison.json").write_text('{"regions": {}}')
        (folder / "run.json").write_text('{"result_format": "2.0"}')
    r = invoke("timeline", folder, "--line", "a", "--from", 0, "--days", 1)
    assert r.exit_code == 1 and r.output.count("error:") == 1 and "Traceback" not in r.output, r.output
