"""Scenario files: the ``changes`` kinds and the disruptions they make.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

import pytest
from scenario_support import scenario

from corridors.scenario import CHANGE_KINDS, load_scenario, resolved_dict, validate_file
from corridors.scenario.changes import CHANGE_HANDLERS

# --------------------------------------------------------------------------- changes


def test_add_node_and_section_with_points(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_node: {id: zhezkazgan, name: Zhezkazgan, country: KZ, lon: 67.767, lat: 47.783, node_type: junction, gauge_mm: 1520}
          - add_section: {id: moyinty_zhezkazgan, name: M-Z, from_node: moyinty, to_node: zhezkazgan, length_km: 520,
                          tracks: 1, loop_spacing_km: 20, speed_kmh: 70, electrified: false, gauge_mm: 1520,
                          country: KZ, points: [[70.5, 47.6]]}
          - add_border: {id: urumqi_zhez, name: fake, from_node: urumqi, to_node: zhezkazgan, countries: CN-KZ,
                         handling_tracks: 2, dwell_h: 6, dwell_cv: 0.5, handling_trains_per_day: 8}
        """,
    )
    spec = load_scenario(path)
    sec = spec.network.links["moyinty_zhezkazgan"]
    assert (
        sec.coords[0] == (73.367, 47.221) and sec.coords[1] == (70.5, 47.6) and len(sec.coords) == 3
    )
    assert sec.status == "planned" and sec.opening_year == 2023
    bc = spec.network.links["urumqi_zhez"]
    assert (
        bc.gauge_change is True and bc.length_km > 1000
    )  # defaults: from the gauges, geodesic length
    d = resolved_dict(spec)
    assert d["changed_elements"]["zhezkazgan"]["change"] == ["added"]
    assert d["changed_elements"]["moyinty_zhezkazgan"]["change"] == ["added"]


def test_added_section_length_checked_against_points(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_section: {id: short, name: S, from_node: moyinty, to_node: almaty, length_km: 50, tracks: 2,
                          headway_min: 10, speed_kmh: 70, electrified: true, gauge_mm: 1520, country: KZ,
                          points: [[75, 45]]}
        """,
    )
    (problem,) = validate_file(path)
    assert problem.startswith(
        f"{path}:4: changes[0].add_section.length_km: got 50, expected within 25% of the geodesic length"
    )


def test_network_checks_after_changes_point_at_the_change(tmp_path):
    path = scenario(
        tmp_path,
        """\
        changes:
          - add_section: {id: twin, name: T, from_node: dostyk, to_node: aktogay, length_km: 317, tracks: 1,
                          loop_spacing_km: 15, speed_kmh: 60, electrified: false, gauge_mm: 1520, country: KZ}
        """,
    )
    (problem,) = validate_file(path)
    assert (
        problem
        == f"{path}:4: changes[0].add_section: after changes: twin: joins the same nodes as dostyk_aktogay"
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            "- open: aktogay_ayagoz",
            "link 'aktogay_ayagoz' already has status existing in the network file",
        ),
        (
            "- upgrade: {id: aktogay_moyinty, tracks: 2}",
            "changes[0].upgrade.tracks: double track needs headway_min",
        ),
        (
            "- upgrade: {id: aktau_baku, speed_kmh: 90}",
            "'aktau_baku' is a ferry link, expected a rail section",
        ),
        (
            "- set_ferry: {id: aktau_baku, vessels: 0}",
            "changes[0].set_ferry.vessels: got 0, expected an integer between 1 and 50",
        ),
        ("- set_border: {id: alashankou_dostyk, dwell: 3}", "unknown key 'dwell'"),
        ("- remove: urumqi", "changes[0].remove: 'urumqi' is a node, expected a link id"),
        ("- remove: aktogay_ayagos", "unknown link 'aktogay_ayagos', expected a link id of"),
        ("- widen: {id: x}", "unknown change 'widen'"),
        (
            "- add_node: {id: x, name: X, country: KZ, lon: 70, lat: 45, node_type: station, "
            "gauge_mm: 1520, colour: red}",
            "changes[0].add_node.colour: unknown key 'colour'",
        ),
        (
            "- add_node: {id: dostyk, name: X, country: KZ, lon: 70, lat: 45, node_type: station, "
            "gauge_mm: 1520}",
            "'dostyk' already exists (a node)",
        ),
        (
            "- {open: ayagoz_bakhty, remove: aktogay_ayagoz}",
            "expected a mapping with exactly one key",
        ),
        (
            "- slowdown: {id: aktogay_moyinty, factor: 0}",
            "changes[0].slowdown.factor: got 0, expected a number at least 0.01 and less than 1",
        ),
        (
            "- close: {id: ayagoz_bakhty, from_day: 1, to_day: 5}",
            "link 'ayagoz_bakhty' is not active in this scenario (status planned)",
        ),
        (
            "- close: {id: aktau_baku, season: {from: '02-30', to: '03-10'}}",
            "expected a day that exists in a 365-day year",
        ),
        (
            "- close: {id: aktau_baku, season: {from: '2-3', to: '03-10'}}",
            "changes[0].close.season.from: got '2-3', expected a day of the year as \"MM-DD\"",
        ),
        (
            "- close: {id: aktau_baku, from_day: 50, to_day: 20}",
            "changes[0].close.to_day: got 20, expected more than from_day (50)",
        ),
    ],
)
def test_bad_changes(tmp_path, change, fragment):
    path = scenario(tmp_path, "changes:\n  " + change + "\n")
    problems = validate_file(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:4: changes[0]")
    assert fragment in problems[0]


# --------------------------------------------------------------------------- disruptions


def disruptions(tmp_path, change: str, days: int = 365):
    path = scenario(
        tmp_path, f"simulation: {{days: {days}, warmup_days: 10}}\nchanges:\n  - {change}\n"
    )
    return [(d.target, d.start_day, d.end_day, d.factor) for d in load_scenario(path).disruptions]


def test_seasonal_closure_wrapping_the_year_end(tmp_path):
    got = disruptions(
        tmp_path, "close: {id: aktau_baku, season: {from: '12-15', to: '02-15'}, reason: storms}"
    )
    # 1 Jan..15 Feb = days [0, 46); 15 Dec = day 348 .. end of horizon
    assert got == [("aktau_baku", 0, 46, 0.0), ("aktau_baku", 348, 365, 0.0)]


def test_seasonal_closure_repeats_every_year(tmp_path):
    got = disruptions(
        tmp_path, "close: {id: aktau_baku, season: {from: '12-15', to: '02-15'}}", days=800
    )
    assert [(s, e) for _, s, e, _ in got] == [(0, 46), (348, 365 + 46), (365 + 348, 730 + 46)]


def test_seasonal_slowdown_within_a_year(tmp_path):
    got = disruptions(
        tmp_path,
        "slowdown: {id: dostyk, factor: 0.5, season: {from: '03-01', to: '03-10'}}",
        days=730,
    )
    assert got == [("dostyk", 59, 69, 0.5), ("dostyk", 365 + 59, 365 + 69, 0.5)]


def test_slowdown_defaults_to_the_whole_horizon_and_clips(tmp_path):
    assert disruptions(tmp_path, "slowdown: {id: aktogay_moyinty, factor: 0.8}") == [
        ("aktogay_moyinty", 0, 365, 0.8)
    ]
    assert disruptions(tmp_path, "close: {id: moyinty, from_day: 350, to_day: 400}") == [
        ("moyinty", 350, 365, 0.0)
    ]


def test_disruption_reason_is_kept(tmp_path):
    path = scenario(
        tmp_path, "changes:\n  - close: {id: dostyk, from_day: 5, to_day: 8, reason: high wind}\n"
    )
    (d,) = load_scenario(path).disruptions
    assert d.reason == "high wind"


def test_every_change_kind_has_one_handler_in_documented_order():
    assert CHANGE_KINDS == (
        "open", "add_node", "add_section", "add_border", "add_ferry",
        "upgrade", "set_border", "set_ferry", "set_yard", "close", "slowdown", "remove",
    )
    assert tuple(CHANGE_HANDLERS) == CHANGE_KINDS


@pytest.mark.parametrize("item, expected", [
    ("set_yard: {id: aktogay, yard_tracks: 8, yard_dwell_h: 2}", (8, 2.0)),
    ("set_yard: {id: moyinty, yard_tracks: 4}", "node 'moyinty' would have a yard without yard_dwell_h"),
    ("set_yard: {id: aktogai, yard_dwell_h: 2}", "expected the id of a node; did you mean 'aktogay'?"),
    ("set_yard: {id: aktogay, yard_dwell_h: 0}", "yard_dwell_h: got 0"),
    ("set_yard: {id: aktogay, tracks: 3}", "tracks"),
    ("set_yard: {id: aktogay}", "nothing to change"),
    ("set_yard: {id: dostyk_aktogay, yard_tracks: 2}", "'dostyk_aktogay' is a rail section, expected a node"),
])
def test_set_yard_changes_a_node_s_yard_and_reports_what_is_wrong(tmp_path, item, expected):
    """The failing cases are reported at the item, with what was expected; a second set_yard changes one key."""
    path = scenario(tmp_path, f"changes:\n  - {item}\n")
    if isinstance(expected, tuple):
        assert validate_file(path) == []
        node = load_scenario(path).network.nodes["aktogay"]
        assert (node.yard_tracks, node.yard_dwell_h) == expected
        path = scenario(tmp_path, f"changes:\n  - {item}\n  - set_yard: {{id: aktogay, yard_tracks: 3}}\n")
        assert load_scenario(path).network.nodes["aktogay"].yard_tracks == 3
        changed = resolved_dict(load_scenario(path))["changed_elements"]["aktogay"]  # review: was missing
        assert changed["change"] == ["modified"]
        assert changed["changed_fields"]["yard_tracks"] == {"from": None, "to": 3}
    else:
        (msg,) = validate_file(path)
        assert "changes[0].set_yard" in msg and expected in msg, msg


def test_plausible_tracks_and_dwell_whose_rate_is_not_are_reported_where_written(tmp_path):
    """50 tracks (ok) at a 0.5 h dwell (ok) would hand over 2,400 trains a day: reported at dwell_h, not at a derived key."""
    from corridors.scenario import validate_file

    from pathlib import Path

    base = Path(__file__).parent / "data" / "scenario" / "base.yaml"
    s = tmp_path / "s.yaml"
    s.write_text(f"extends: {base}\nname: s\nchanges:\n"
                 "  - set_border: {id: alashankou_dostyk, handling_tracks: 50, dwell_h: 0.5}\n", encoding="utf-8")
    (msg,) = validate_file(s)
    assert f"{s}:4: changes[0].set_border.dwell_h: handling_tracks 50 x 24 / dwell_h 0.5 gives 2400" in msg
