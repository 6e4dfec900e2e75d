"""Disruption indicators: backlog, time to recover and delays against the undisturbed twin.

The issue's case first: a single crossing with deterministic service closed for
some days. Its queue is computed here independently, train by train (Lindley's
recursion with the closure), and the indicators must match it exactly; they
must also agree with the fluid formulas (peak ``lambda N``, recovery
``lambda N / (mu - lambda)``) to within the daily resolution.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import border, flow, make_network, make_spec, node

from corridors.disruption import HOLD_DAYS, describe, effects, episodes, summary_doc, undisturbed
from corridors.model import Disruption
from corridors.simulation import simulate

DWELL_H = 4.0  # one handling track: mu = 6 trains a day
GAP_H = 6.0  # a train every 6 h: lambda = 4 a day
FIRST_H = 3.0
CLOSED = (10.0, 14.5)  # days
DAYS = 40.0


def _crossing_spec(closed=CLOSED):
    net = make_network([node("x", 70.0), node("y", 70.1, country="CN", gauge=1435)], [border("xy", "x", "y",
                                                                                             dwell_h=DWELL_H)])
    deps = tuple(FIRST_H + GAP_H * k for k in range(int(DAYS * 24 / GAP_H)) if FIRST_H + GAP_H * k < DAYS * 24)
    spec = make_spec(net, [flow("f", "x", "y", departures_h=deps)], days=DAYS, warmup_days=5.0)
    dis = () if closed is None else (Disruption("xy", closed[0], closed[1]),)
    return replace(spec, disruptions=dis), deps


def _by_hand(deps, closed):
    """Completion hour of each train: one server, 4 h each, first come first served, no start while closed."""
    a_h, b_h = (closed[0] * 24, closed[1] * 24) if closed else (math.inf, math.inf)
    done, free = [], 0.0
    for arr in deps:
        start = max(arr, free)
        if a_h <= start < b_h:
            start = b_h
        free = start + DWELL_H
        done.append(free)
    return done


def _inside_at_day_ends(deps, done):
    # a train counts on the day it is generated and until the day its delivery falls in ([24 d, 24 (d + 1)))
    return np.array([sum(1 for g, e in zip(deps, done) if g < 24 * d and e >= 24 * d) for d in range(1, int(DAYS) + 1)])


def test_a_closed_crossing_peaks_and_recovers_as_computed_by_hand():
    spec, deps = _crossing_spec()
    res, twin = simulate(spec), simulate(undisturbed(spec))
    # the engine itself follows the recursion, train by train
    for run, closed in ((res, CLOSED), (twin, None)):
        expected = [e if e < DAYS * 24 else math.nan for e in _by_hand(deps, closed)]  # nan: not delivered yet
        assert [t.arrived_h for t in run.trains] == pytest.approx(expected, nan_ok=True)
    excess = _inside_at_day_ends(deps, _by_hand(deps, CLOSED)) - _inside_at_day_ends(deps, _by_hand(deps, None))
    net = effects(spec, res, twin)[0]
    assert net.market == "all" and net.tolerance_trains == 0.0  # deterministic: the twin's backlog never moves
    ep = net.worst
    assert ep["peak_backlog_trains"] == excess.max() and ep["peak_day"] == int(np.argmax(excess)) + 1
    first_ok = next(d for d in range(int(math.ceil(CLOSED[1])), int(DAYS) + 1)
                    if np.all(excess[d - 1:d - 1 + HOLD_DAYS] <= 0))
    assert ep["recovery_days"] == pytest.approx(first_ok - CLOSED[1])
    # the fluid picture: lambda N trains pile up, and drain at mu - lambda a day
    lam, mu, n_days = 24 / GAP_H, 24 / DWELL_H, CLOSED[1] - CLOSED[0]
    assert abs(ep["peak_backlog_trains"] - lam * n_days) <= 1
    assert abs(ep["recovery_days"] - lam * n_days / (mu - lam)) <= 1
    tonnes = res.trains[0].tonnes
    assert ep["peak_backlog_mt"] == pytest.approx(ep["peak_backlog_trains"] * tonnes / 1e6, abs=1e-4)
    # every train that waited for the closure is delayed; the extra hours are the sum of the waits it caused
    extra_h = [a - b for a, b in zip(_by_hand(deps, CLOSED), _by_hand(deps, None))]
    assert net.delayed_trains == sum(1 for x in extra_h if x > 1.0)
    assert net.extra_train_hours == pytest.approx(sum(extra_h), abs=0.1)
    assert net.extra_refused == 0


def test_the_summary_block_and_a_scenario_without_disruptions():
    spec, _ = _crossing_spec()
    doc = summary_doc(spec, effects(spec, simulate(spec), simulate(undisturbed(spec))))
    assert doc["episodes"] == [{"start_day": 10.0, "end_day": 14.5}]
    assert set(doc["network"]) >= {"peak_backlog_trains", "peak_backlog_mt", "recovery_days", "delayed_trains",
                                   "delayed_kt", "extra_train_hours", "extra_refused"}
    calm, _ = _crossing_spec(closed=None)
    assert episodes(calm) == [] and summary_doc(calm, effects(calm, simulate(calm), simulate(calm))) is None


def test_a_backlog_that_never_clears_says_so():
    # closed until two days before the end: no seven calm days follow
    spec, _ = _crossing_spec(closed=(10.0, DAYS - 2))
    ep = effects(spec, simulate(spec), simulate(undisturbed(spec)))[0].worst
    assert ep["recovery_days"] is None and ep["peak_backlog_trains"] > 0


@pytest.mark.parametrize(("spans", "merged"), [
    ([(5, 8), (8, 9)], [(5, 8 + 1)]),  # touching: one episode
    ([(5, 8), (6, 7)], [(5, 8)]),  # nested
    ([(20, 22), (5, 8)], [(5, 8), (20, 22)]),  # out of order
    ([(5, 8), (50, 60)], [(5, 8)]),  # past the end of the run (40 days): dropped
    ([(35, 60)], [(35, 40)]),  # clipped to the end
])
def test_episodes_merge_overlapping_and_touching_intervals(spans, merged):
    spec, _ = _crossing_spec(closed=None)
    spec = replace(spec, disruptions=tuple(Disruption("xy", a, b) for a, b in spans))
    assert episodes(spec) == [(float(a), float(b)) for a, b in merged]


def test_twins_generate_the_same_trains_under_random_service():
    # Poisson arrivals and a random dwell: the closure changes the order of service, never the trains generated
    net = make_network([node("x", 70.0), node("y", 70.1, country="CN", gauge=1435)],
                       [border("xy", "x", "y", dwell_h=4.0, cv=0.5)])
    spec = replace(make_spec(net, [flow("f", "x", "y", trains_per_year=4 * 365)], days=60.0, warmup_days=5.0,
                             max_origin_backlog_days=100.0), disruptions=(Disruption("xy", 20.0, 25.0),))
    res, twin = simulate(spec), simulate(undisturbed(spec))
    net_effect = effects(spec, res, twin)[0]
    assert net_effect.tolerance_trains > 0  # random service: the twin's backlog moves from day to day
    assert net_effect.worst["peak_backlog_trains"] >= 15  # about 4 a day for 5 days
    assert net_effect.worst["recovery_days"] is not None


def test_the_cli_run_states_the_backlog_and_keeps_the_indicators(tmp_path):
    # the command on the test network: a crossing closed for three weeks, two replications
    import csv
    import json
    import shutil

    from click.testing import CliRunner

    from corridors.cli import main

    data = Path(__file__).parent / "data" / "scenario"
    for f in ("base.yaml", "network.geojson"):
        shutil.copy(data / f, tmp_path / f)
    (tmp_path / "closure.yaml").write_text(
        "name: mini-closure\nextends: base.yaml\nsimulation: {days: 200, replications: 2}\nchanges:\n"
        "  - close: {id: alashankou_dostyk, from_day: 60, to_day: 81, reason: test}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["run", str(tmp_path / "closure.yaml"), "--out", str(tmp_path / "out"),
                                  "--workers", "1"])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    net = doc["disruption"]["network"]
    assert doc["disruption"]["episodes"] == [{"start_day": 60.0, "end_day": 81.0}]
    assert net["peak_backlog_trains"] > 0 and net["delayed_trains"] > 0
    reps = doc["replications"]["disruption"]
    # both replications see the backlog; the words give the means with their intervals
    assert reps["n"] == 2 and reps["network"]["touched_in"] == 2
    assert reps["network"]["peak_backlog_trains"]["ci95"] is not None
    printed = " ".join(r.output.split())
    assert printed.count("disruption:") == len(describe(doc)) >= 2
    mean = reps["network"]["peak_backlog_trains"]["mean"]
    assert f"mean over 2 replications" in printed and f"the backlog peaked at {mean:,.0f} (±" in printed
    with (tmp_path / "out" / "timeseries.csv").open() as fh:
        rows = [x for x in csv.DictReader(fh) if x["market"] == "all"]
    excess = [int(x["in_network"]) - int(x["in_network_undisturbed"]) for x in rows]
    assert max(excess) == net["peak_backlog_trains"] and excess.index(max(excess)) + 1 == net["peak_day"]  # 1st run
    assert all(e == 0 for e in excess[:60])  # the twins agree until the closure starts
    with (tmp_path / "out" / "disruption.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert table[0]["market"] == "all" and float(table[0]["peak_backlog_trains_mean"]) == mean
    # the brief says it in words, with the table and the chart
    r = CliRunner().invoke(main, ["brief", str(tmp_path / "out"), "--format", "md", "--out", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "b.md").read_text(encoding="utf-8")
    assert "## Disruption: backlog and recovery" in md and "| All trains | " in md and "backlog.png" in md
    assert describe(doc)[0] in md  # the key message
    assert "**Undisturbed run.**" in md and "**Normal band.**" in md  # in the glossary


def _excess_case(excess, spans, days):
    """Run the episode rule on a given daily backlog (no simulation): one group, tolerance 0."""
    from corridors.disruption import _episode

    x = np.asarray(excess, dtype=float)
    bounds = [a for a, _ in spans[1:]] + [days]
    return [_episode(x, x * 1.0, 0.0, a, e, until, days) for (a, e), until in zip(spans, bounds)]


def test_an_episode_ends_where_the_next_begins():
    # the reviewer's case: [10, 12), next from 20.5; a backlog of 3 on day 12 and of 50 on day 21 (the next one's)
    excess = [0] * 11 + [3] + [0] * 8 + [50] + [0] * 19
    first, second = _excess_case(excess, [(10.0, 12.0), (20.5, 22.0)], 40.0)
    assert first["peak_backlog_trains"] == 3 and first["peak_day"] == 12 and first["recovery_days"] == 1.0
    assert second["peak_backlog_trains"] == 50 and second["peak_day"] == 21


def test_recovery_needs_seven_calm_days_unless_the_run_ends():
    # calm for one day before the next episode: not recovered; calm for the last three days of the run: recovered
    excess = [0] * 10 + [8] * 9 + [0] + [8] * 17 + [0] * 3
    first, second = _excess_case(excess, [(10.0, 12.0), (20.0, 22.0)], 40.0)
    assert first["recovery_days"] is None and second["recovery_days"] == pytest.approx(38 - 22.0)  # day-end 38


def test_a_closure_to_the_end_of_the_run_is_ongoing_and_said_so():
    spec, _ = _crossing_spec(closed=(10.0, DAYS))
    doc = {"disruption": summary_doc(spec, effects(spec, simulate(spec), simulate(undisturbed(spec))))}
    net = doc["disruption"]["network"]
    assert net["ongoing"] and net["recovery_days"] is None
    assert describe(doc)[0].endswith("; the disruption lasts to the end of the run.")


def test_refused_trains_count_as_refusals_not_as_shorter_times():
    # the reviewer's case: a closure that refuses trains at the origin must not lower the extra train-hours
    net = make_network([node("x", 70.0), node("y", 70.1, country="CN", gauge=1435)],
                       [border("xy", "x", "y", dwell_h=4.0, cv=0.5)])
    spec = replace(make_spec(net, [flow("f", "x", "y", trains_per_year=4 * 365)], days=60.0, warmup_days=5.0,
                             max_origin_backlog_days=1.0), disruptions=(Disruption("xy", 10.0, 14.5),))
    res, twin = simulate(spec), simulate(undisturbed(spec))
    e = effects(spec, res, twin)[0]
    refused = {t.train_id for t in res.trains if t.status == "refused"} | {
        t.train_id for t in twin.trains if t.status == "refused"}
    assert e.extra_refused > 0
    end_h = 60.0 * 24
    expected = sum((min(a.arrived_h if a.status == "delivered" else end_h, end_h) - a.generated_h)
                   - (min(b.arrived_h if b.status == "delivered" else end_h, end_h) - b.generated_h)
                   for a, b in zip(res.trains, twin.trains) if a.train_id not in refused)
    assert e.extra_train_hours == pytest.approx(expected, abs=0.1) and e.extra_train_hours > 0


def test_the_words_use_the_means_over_replications():
    # three replications: the text gives their means and intervals, and how many recovered
    spec, _ = _crossing_spec()
    blocks = []
    for seed in (1, 2, 3):
        s = spec.with_settings(seed=seed)
        blocks.append(summary_doc(s, effects(s, simulate(s), simulate(undisturbed(s)))))
    from corridors.disruption import replication_figures

    reps = replication_figures(blocks)
    doc = {"disruption": blocks[0], "replications": {"n": 3, "disruption": reps}}
    words = describe(doc)
    assert words[0].startswith("Disruptions (11 Jan–15 Jan; mean over 3 replications")
    assert f"peaked at {reps['network']['peak_backlog_trains']['mean']:,.0f}" in words[0]
