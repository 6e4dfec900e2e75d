"""The engine's outer contract: light imports, picklable data, every shipped scenario runs."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from corridors.scenario import load_scenario
from corridors.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
FULL = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))


def test_core_imports_neither_geopandas_nor_matplotlib():
    code = ("import sys, corridors.simulation, corridors.scenario, corridors.bound, corridors.search; "
            "bad = [m for m in ('geopandas', 'matplotlib') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", FULL, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_a_short_horizon(path):
    spec = load_scenario(path).with_settings(days=12, warmup_days=2)
    res = simulate(spec)
    assert res.generated > 0
    assert res.generated == res.delivered + res.in_network + res.refused
    assert res.refused_by_reason.get("no_route", 0) == 0  # every flow has a route the trains can take
    # inputs and results are plain picklable data (for process pools and clusters)
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert repr(pickle.loads(pickle.dumps(res))) == repr(res)  # (nan times make == useless)
