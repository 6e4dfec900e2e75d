"""Border facilitation (issue 16, item 3): each shipped facilitation overlay changes what its header says.

Checked on the resolved scenario (the crossing's new figures, nothing else changed), on the LP bound (a handover
limit moves it, a clearance hold does not) and on short runs of the real network at a fifth of the demand (few
queues, so a train's time at the borders is its handling and holds): the trains of a flow that crosses where a
hold was cut spend about the cut less at the borders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridors.bound import region_bounds
from corridors.scenario import load_scenario
from corridors.simulation import simulate
from corridors.sweep import read_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FACILITATION = ("dostyk-exchange-28", "altynkol-exchange-15", "china-import-clearance-2025",
                "e-transit-pre-arrival", "joint-control-saryagash", "grain-priority-lane")
TRACK = ("dostyk-moyinty-2nd-track", "bakhty-ayagoz", "darbaza-maktaaral", "almaty-bypass")
BORDER_KEYS = ("handling_tracks", "dwell_h", "exchange_limit_trains_per_day", "clearance_ab_h", "clearance_ba_h")

#: Overlay -> {crossing: {key: value}}: every crossing figure it changes, as its header states.
CHANGES = {
    "dostyk-exchange-28": {"dostyk_alashankou": {"exchange_limit_trains_per_day": 28}},
    "altynkol-exchange-15": {"altynkol_khorgos": {"exchange_limit_trains_per_day": 15, "handling_tracks": 4}},
    "china-import-clearance-2025": {"altynkol_khorgos": {"clearance_ab_h": 10},
                                    "dostyk_alashankou": {"clearance_ab_h": 8}},
    "e-transit-pre-arrival": {"dostyk_alashankou": {"clearance_ba_h": 14}, "altynkol_khorgos": {"clearance_ba_h": 14}},
    "joint-control-saryagash": {"saryagash_keles": {"clearance_ba_h": 0}},
    "grain-priority-lane": {},
}


def _with(tmp_path: Path, *overlays: str, days: float | None = None):
    """Return baseline-2023 with ``overlays`` (stems under scenarios/overlays) applied."""
    files = [SCENARIOS / "baseline-2023.yaml", *(SCENARIOS / "overlays" / f"{o}.yaml" for o in overlays)]
    path = tmp_path / f"with-{'-'.join(overlays) or 'nothing'}.yaml"
    path.write_text("name: point\nextends: [" + ", ".join(str(f) for f in files) + "]\n", encoding="utf-8")
    return load_scenario(path, days=days) if days else load_scenario(path)


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIOS / "baseline-2023.yaml")


@pytest.mark.parametrize("overlay", FACILITATION)
def test_each_overlay_changes_its_crossings_and_nothing_else(overlay, base, tmp_path):
    spec = _with(tmp_path, overlay)
    for lid, link in base.network.links.items():
        if link.kind != "border":
            continue
        want = {k: getattr(link, k) for k in BORDER_KEYS} | CHANGES[overlay].get(lid, {})
        got = {k: getattr(spec.network.links[lid], k) for k in BORDER_KEYS}
        assert got == pytest.approx(want), (overlay, lid)
        if lid in CHANGES[overlay]:
            assert got != pytest.approx({k: getattr(link, k) for k in BORDER_KEYS}), "the overlay must change it"
    assert spec.flows == base.flows, "facilitation changes no demand"
    priorities = {name: c.priority for name, c in spec.cargo.items()}
    want = {name: c.priority for name, c in base.cargo.items()}
    if overlay == "grain-priority-lane":
        assert want["grain"] == 2 and want["container"] == 1
        want["grain"] = 1
    assert priorities == want


def test_a_handover_limit_moves_the_bound_a_clearance_hold_does_not(base, tmp_path):
    before = region_bounds(base)
    raised = region_bounds(_with(tmp_path, "altynkol-exchange-15"))
    assert raised["China"]["inbound"].bound_mt > before["China"]["inbound"].bound_mt + 5
    assert raised["China"]["outbound"].bound_mt > before["China"]["outbound"].bound_mt + 5
    for overlay in ("china-import-clearance-2025", "e-transit-pre-arrival"):
        after = region_bounds(_with(tmp_path, overlay))
        for d in ("inbound", "outbound"):
            assert after["China"][d].bound_mt == pytest.approx(before["China"][d].bound_mt, abs=0.05), overlay


def _short_run(spec):
    """Simulate ``spec`` at a fifth of its demand (a quick run with few queues)."""
    return simulate(spec.with_flows(f.scaled(0.2) for f in spec.flows))


def _border_h(res, flows: tuple[str, ...]) -> float:
    """Return the mean time at borders of the delivered trains of ``flows`` in run ``res``, hours."""
    times = [t.border_h for t in res.trains if t.flow in flows and t.status == "delivered"]
    assert len(times) > 20, flows
    return sum(times) / len(times)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    return _short_run(_with(tmp_path_factory.mktemp("base"), days=90))


@pytest.mark.parametrize(("overlay", "flows", "cut_h"), [
    # cn-uz enters Kazakhstan from China (at Altynkol or Dostyk): hold 135 -> 14 h
    ("e-transit-pre-arrival", ("cn-uz",), 135 - 14),
    # Uzbek trains to Russia enter Kazakhstan at Saryagash: hold 135 -> 0
    ("joint-control-saryagash", ("uz-ru", "uz-ru-urals"), 135),
    # Kazakh grain and metals enter China at Alashankou (45 -> 8 h) or Khorgos (54 -> 10 h)
    ("china-import-clearance-2025", ("kz-cn-grain", "kz-cn-metals-karaganda"), 37),
])
def test_a_cut_hold_shortens_the_border_time_of_the_trains_that_cross_there(overlay, flows, cut_h, base_run,
                                                                           tmp_path):
    before = _border_h(base_run, flows)
    after = _border_h(_short_run(_with(tmp_path, overlay, days=90)), flows)
    assert before - after == pytest.approx(cut_h, rel=0.25), (before, after)


def test_the_shipped_comparison_weighs_every_facilitation_overlay_against_the_track_projects():
    sweep = read_sweep(SCENARIOS / "sweeps" / "facilitation-vs-track.yaml")
    assert sweep.kind == "compare"
    levels = [tuple(Path(o).stem for o in p.overlays) for p in sweep.points]
    assert levels == [(o,) for o in FACILITATION] + [FACILITATION] + [(o,) for o in TRACK] + [TRACK]
    for metric in ("practical_capacity_mt", "delivered_mt", "transit_days_mean", "co2e_t_per_year"):
        assert metric in sweep.metrics
    full = load_scenario(SCENARIOS / "facilitation-2025.yaml")  # the scenario is the sweep's "all together" point
    together = sweep.points[len(FACILITATION)].spec
    for lid, link in full.network.links.items():
        if link.kind == "border":
            assert {k: getattr(link, k) for k in BORDER_KEYS} == {
                k: getattr(together.network.links[lid], k) for k in BORDER_KEYS}, lid
    assert full.cargo == together.cargo and full.flows == together.flows
