"""Simulated capacity against the LP bound on a hand-computable line."""

from __future__ import annotations

import pytest

from corridors.bound import bound_for
from corridors.search import search_capacity

from conftest import border, flow, make_network, make_spec, node, rail


def test_simulated_capacity_close_to_and_not_above_bound():
    nodes = [node("a", 70.0), node("b", 71.5), node("c", 71.6, country="CN", region="China", gauge=1435)]
    links = [rail("ab", "a", "b", 120.0, tracks=2, headway_min=20.0),
             border("bc", "b", "c", tracks=2, dwell_h=4.0, cv=0.3, gauge_change=True)]
    spec = make_spec(make_network(nodes, links), [flow("x", "a", "China", trains_per_year=4 * 365)],
                     days=80, warmup_days=10, maintenance_h=2.0)
    b = bound_for(spec, "China", "inbound")
    assert b.bound_trains_per_day == pytest.approx(12.0)  # border: 2 tracks x 24 h / 4 h
    sc = search_capacity(spec, b, rounds=3)
    assert sc.simulated_mt <= b.bound_mt + sc.precision_mt
    # a random dwell queue needs slack below the deterministic bound, but not much more than a third
    assert sc.simulated_mt >= 0.6 * b.bound_mt
    assert sc.precision_mt <= 0.06 * b.bound_mt
