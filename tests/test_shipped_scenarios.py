"""Smoke test: every shipped scenario validates, every full scenario loads into a RunSpec, every sweep resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridors.model import RunSpec
from corridors.scenario import load_scenario, validate_file

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SWEEPS = sorted((SCENARIOS / "sweeps").glob("*.yaml"))
FILES = sorted(f for f in SCENARIOS.rglob("*.yaml") if "sweeps" not in f.parts)
FULL = [f for f in FILES if "overlays" not in f.parts]


def test_there_are_shipped_scenarios():
    assert (SCENARIOS / "baseline-2023.yaml") in FULL
    assert len(FILES) > len(FULL) > 1


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_validates(path):
    assert validate_file(path) == []


@pytest.mark.parametrize("path", FULL, ids=lambda p: p.name)
def test_loads(path):
    spec = load_scenario(path)
    assert isinstance(spec, RunSpec)
    assert spec.name == path.stem, "a scenario's name should match its file name (outputs/<name>/)"
    assert spec.flows and all(f.source for f in spec.flows)
    assert spec.settings.days > spec.settings.warmup_days


def test_overlays_are_overlays():
    for path in FILES:
        if "overlays" in path.parts:
            assert "overlay: true" in path.read_text(encoding="utf-8"), path


def test_buildout_adds_1334_km():
    base = load_scenario(SCENARIOS / "baseline-2023.yaml").network.links
    build = load_scenario(SCENARIOS / "buildout-1300km.yaml").network.links
    opened = sum(lk.length_km for k, lk in build.items() if lk.kind == "rail" and k not in base)
    doubled = sum(
        lk.length_km
        for k, lk in build.items()
        if lk.kind == "rail" and k in base and getattr(base[k], "tracks", 2) == 1 and lk.tracks == 2
    )
    assert opened + doubled == pytest.approx(1334, abs=5)


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.name)
def test_shipped_sweeps_resolve_every_point_within_the_run_budget(path):
    from corridors.sweep import check_sweep_budget, read_sweep

    sweep = read_sweep(path)
    assert sweep.name == path.stem and len(sweep.points) > 1
    check_sweep_budget(sweep, workers=2)
