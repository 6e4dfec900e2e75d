"""Run warnings: refusals, a growing backlog and a horizon too short for the routes are said in words.

The issue's case first: ``corridors run growth-2030 --days 60`` left about 1,500
trains in the network with no word about it. Here the same kinds on tiny
networks whose numbers follow by hand, then the CLI printing them.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import border, flow, make_network, make_spec, node, rail

from corridors.cli import main
from corridors.results import BACKLOG_FACTOR, run_warnings
from corridors.simulation import simulate

DATA = Path(__file__).parent / "data" / "scenario"


def _border_net():
    """A -- crossing (one track, 24 h dwell: 1 train/day) -- B, 10 km of line either side."""
    return make_network(
        [node("a", 70.0), node("x", 70.1), node("y", 70.2, country="CN", gauge=1435), node("b", 70.3, country="CN",
                                                                                              gauge=1435)],
        [rail("ax", "a", "x", 10.0), border("xy", "x", "y", dwell_h=24.0), rail("yb", "y", "b", 10.0)])


def test_a_growing_backlog_is_said_in_words():
    # 3 trains/day offered to a 1-a-day crossing for 20 days: about 40 trains queue at the end,
    # while a steady flow at the delivered rate (1/day) with the delivered trains' transit would hold ~10.
    spec = make_spec(_border_net(), [flow("f", "a", "b", trains_per_year=3 * 365)], days=20.0,
                     max_origin_backlog_days=1000.0)
    res = simulate(spec)
    assert res.refused == 0
    words = run_warnings(res)
    assert any("backlog grew" in w for w in words), words
    assert not any("refused" in w for w in words)
    assert res.in_network > BACKLOG_FACTOR * 10


def test_refusals_are_said_in_words():
    # The flow starts at the crossing, so its queue there is its origin backlog, capped at half a day of trains.
    spec = make_spec(_border_net(), [flow("f", "x", "b", trains_per_year=3 * 365)], days=20.0,
                     max_origin_backlog_days=0.5)
    res = simulate(spec)
    assert res.refused > 0
    words = run_warnings(res)
    assert any(w.startswith(f"{res.refused:,} trains were refused at entry (") and "origin backlog" in w
               for w in words), words


def test_a_light_flow_on_a_long_horizon_has_no_warning():
    spec = make_spec(_border_net(), [flow("f", "a", "b", trains_per_year=0.5 * 365)], days=60.0, warmup_days=5.0)
    res = simulate(spec)
    assert res.delivered > 0 and run_warnings(res) == []


def _long_line():
    """A 2,400 km line at 60 km/h: 40 h, about 1.7 days, of running."""
    return make_network([node("a", 60.0), node("b", 80.0)], [rail("ab", "a", "b", 2400.0, tracks=2, headway_min=10.0)])


def test_a_horizon_short_for_the_routes_is_said():
    spec = make_spec(_long_line(), [flow("f", "a", "b", trains_per_year=365)], days=4.0, warmup_days=0.5)
    words = run_warnings(simulate(spec))
    assert len(words) == 1 and words[0].startswith("The horizon is short for the routes: flow f takes 1.7 days"), words
    # Long enough: a warm-up over the transit time and a measured period over three of them.
    spec = make_spec(_long_line(), [flow("f", "a", "b", trains_per_year=365)], days=10.0, warmup_days=2.0)
    assert run_warnings(simulate(spec)) == []


def test_a_flow_that_delivers_nothing_is_named():
    spec = make_spec(_long_line(), [flow("f", "a", "b", trains_per_year=365)], days=1.5)
    words = run_warnings(simulate(spec))
    assert any("1 flow(s) offered trains and delivered none in the measured period (f)" in w for w in words), words


def test_the_cli_prints_the_warnings_and_summary_keeps_them(tmp_path):
    # The test network's China-Europe flow runs for weeks: 40 days (30 of them warm-up) is short for it.
    r = CliRunner().invoke(main, ["run", str(DATA / "base.yaml"), "--days", "40", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert any(w.startswith("The horizon is short for the routes") for w in doc["warnings"]), doc["warnings"]
    printed = " ".join(r.output.split())
    # timeseries.csv balances with the summary: every train generated is refused, delivered or still inside.
    import csv

    with (tmp_path / "out" / "timeseries.csv").open() as fh:
        rows = [x for x in csv.DictReader(fh) if x["market"] == "all"]
    t = doc["trains"]
    assert sum(int(x["generated"]) for x in rows) == t["generated"]
    assert sum(int(x["delivered"]) for x in rows) == t["delivered"]
    assert sum(int(x["refused"]) for x in rows) == t["refused"]
    assert int(rows[-1]["in_network"]) == t["in_network"]
    assert printed.count("warning:") == len(doc["warnings"])
    assert all(" ".join(w.split()) in printed for w in doc["warnings"])


def test_daily_time_series_follows_a_hand_computed_timeline():
    # Three trains leave at 0, 1 and 2 h toward a crossing that serves one a day (24 h dwell, one track, no
    # variation): they arrive at 24.3, 48.3 and 72.3 h (10 min of line either side). By hand, at the end of
    # day 1 all three are in the network; one is delivered on each of days 2, 3 and 4.
    from corridors.results import timeseries_rows

    spec = make_spec(_border_net(), [flow("f", "a", "b", departures_h=(0.0, 1.0, 2.0))], days=5.0)
    res = simulate(spec)
    assert sorted(round(t.arrived_h, 2) for t in res.trains) == [24.33, 48.33, 72.33]
    rows = [r for r in timeseries_rows(spec, res) if r["market"] == "all"]
    assert [(r["day"], r["generated"], r["delivered"], r["in_network"]) for r in rows] == [
        (1, 3, 0, 3), (2, 0, 1, 2), (3, 0, 1, 1), (4, 0, 1, 0), (5, 0, 0, 0)]
    tonnes = res.trains[0].tonnes
    assert [r["in_network_kt"] for r in rows] == [round(n * tonnes / 1e3, 3) for n in (3, 2, 1, 0, 0)]
    # queues.csv: at each day's end one train is handled and the rest wait for the crossing's one track
    assert res.queues == {("xy", "ab"): (2, 1, 0, 0, 0)}
    from corridors.daily import queue_rows

    assert [(r["day"], r["element"], r["kind"], r["direction"], r["waiting"]) for r in queue_rows(spec, res)] == [
        (1, "xy", "border", "ab", 2), (2, "xy", "border", "ab", 1)]


def test_the_daily_queue_sampler_changes_nothing(monkeypatch):
    # it only reads counts: the same trains, to the second, with the sampler asleep
    from corridors.simulation import engine

    spec = make_spec(_border_net(), [flow("f", "a", "b", trains_per_year=3 * 365)], days=20.0,
                     max_origin_backlog_days=1000.0)
    with_sampler = simulate(spec)

    def asleep(self):
        yield self.env.timeout(1e12)

    monkeypatch.setattr(engine.Simulation, "_sampler", asleep)
    without = simulate(spec)
    assert with_sampler.trains == without.trains and with_sampler.queues and not without.queues
