"""Analytic capacity formulas and their calibration on the shipped network."""

from __future__ import annotations

import pytest

from corridors.elements import (
    DEFAULT_MAINTENANCE_H,
    DEFAULT_MEET_OVERHEAD_MIN,
    block_layout,
    calibrate_meet_overhead,
    ferry_cycle_h,
    link_capacity,
    single_track_coef,
)
from corridors.network import default_network_path, read_network

from conftest import border, ferry, rail

DOSTYK_MOYINTY = ("dostyk_beskol", "beskol_aktogay", "aktogay_balkhash", "balkhash_moyinty")


def test_single_track_formula_by_hand():
    # 20 km loops at 50 km/h = 24 min, +10 min overhead = 34 min; 22 h / 68 min = 19.41 pairs
    cap = link_capacity(rail("x", "a", "b", 200.0, loop_spacing_km=20.0, speed_kmh=50.0),
                        maintenance_h=2.0, meet_overhead_min=10.0)
    assert cap.shared and cap.trains_per_day == pytest.approx(22 * 60 / 68)


def test_double_track_border_ferry_by_hand():
    # 22 h / 10 min = 132 at the minimum headway; UIC 406's 60 % daily limit plans 10 / 0.6 = 16.7 min: 79.2
    dt = rail("x", "a", "b", 100.0, tracks=2, headway_min=10.0)
    assert link_capacity(dt, maintenance_h=2.0, double_track_occupancy=1.0).trains_per_day == pytest.approx(132.0)
    assert link_capacity(dt, maintenance_h=2.0).trains_per_day == pytest.approx(79.2)
    assert link_capacity(border("b", "a", "b", tracks=3, dwell_h=6.0, limit=10)).trains_per_day == 10
    assert link_capacity(border("b", "a", "b", tracks=3, dwell_h=6.0)).trains_per_day == pytest.approx(12.0)
    f = ferry("f", "p", "q", vessels=2, wagons=50, crossing_h=10.0, handling_h=2.0, downtime=0.1)
    assert ferry_cycle_h(f) == 28.0
    assert link_capacity(f, wagons_per_train=50).wagons_per_day == pytest.approx(2 * 50 * 24 * 0.9 / 28)


def test_calibration_reproduces_dostyk_moyinty_12_pairs():
    """The default meeting overhead makes the 2023 single-track Dostyk–Moyinty carry ~12 pairs/day."""
    net = read_network(default_network_path())
    sections = [net.links[i] for i in DOSTYK_MOYINTY]
    assert sum(s.length_km for s in sections) == pytest.approx(836.0)
    tau = calibrate_meet_overhead(sections, 12.0, maintenance_h=DEFAULT_MAINTENANCE_H)
    assert DEFAULT_MEET_OVERHEAD_MIN == pytest.approx(tau, abs=0.5)
    worst = min(link_capacity(s).trains_per_day for s in sections)
    assert worst == pytest.approx(12.0, abs=0.2)


@pytest.mark.parametrize(("length_km", "spacing_km", "n_blocks"), [
    (25.0, 10.0, 3),  # 2.5 rounds up (Python's round would give 2)
    (35.0, 10.0, 4),
    (30.0, 10.0, 3),
    (26.0, 10.0, 3),
    (5.0, 10.0, 1),  # loop spacing capped at the length
    (40.0, None, 1),  # no passing loops: one block
])
def test_block_layout_rounds_halves_up(length_km, spacing_km, n_blocks):
    layout = block_layout(rail("x", "a", "b", length_km, loop_spacing_km=spacing_km))
    assert layout.n_blocks == n_blocks
    assert layout.block_km == pytest.approx(length_km / n_blocks)


def test_capacity_and_bound_coefficient_use_the_engine_blocks():
    """25 km with 10 km loops: 3 blocks of 8.33 km at 50 km/h = 10 min, + 10 min overhead."""
    lk = rail("x", "a", "b", 25.0, loop_spacing_km=10.0, speed_kmh=50.0)
    cap = link_capacity(lk, maintenance_h=2.0, meet_overhead_min=10.0)
    assert cap.trains_per_day == pytest.approx(22 * 60 / (2 * 20))
    assert single_track_coef(lk, 1.0, 10.0) == 1.0
    assert single_track_coef(lk, 2.0, 10.0) == pytest.approx((10 / 1.2 + 10) / 20)  # speed capped at 1.2
