"""Fit the clearance holds of the 2023 crossings to CAREC CPMM 2022 (issue 12, item 4).

Usage (from the project folder, in its environment)::

    python dev/fit_borders.py [--replications 3] [--workers 2] [--rounds 4]

It prints every round's holds and the fitted figures; it writes nothing. The
holds it ends on are copied by hand into ``networks/central-asia.geojson``
(``clearance_ab_h`` / ``clearance_ba_h``), and the fit is written down in
``docs/validation.md`` ("Border fitting") and ``networks/SOURCES.md``.

The parameters and the figures they are fitted to (the calibration set of
``validation/observed.yaml``; nothing from the test set):

* ``h_kz``: one hold for every train entering Kazakhstan from outside the
  Eurasian Economic Union (China, Uzbekistan, Turkmenistan); the Russian
  crossings are EAEU-internal and have no customs clearance. Fitted so that
  Kazakhstan's side of its crossings, trains entering it, averages 78.0 h
  (CPMM 2022, inbound).
* ``h_cn``: the hold of trains entering China at Alashankou, fitted so that
  China's side of the crossing, both directions, averages 30.5 h (CPMM 2022,
  PRC).
* Khorgos is not fitted: China's side there averages more than CPMM's 34.8 h
  with no hold at all (the westbound queue for the 2023 handover limit sits
  on it). Its import clearance is set from the state before May 2025 instead:
  "2-3 days" (deliver-2.com, facts-2025 §A), 60 h on China's side, so a hold
  of 60 h less the dwell.

Each figure is the train-weighted mean of what the holds set exactly
(handling and hold on the entry side) and what they do not (the queue on the
exit side), so each round solves the holds in closed form from one set of
runs, starting from the holds in the network file; the holds move route
choice, so the rounds repeat until the holds change by less than half an hour.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

from corridors.history import read_observed
from corridors.history.measure import simulated
from corridors.history.observed import Measure, directions, side_of
from corridors.pipeline import replication_specs, simulate_scenario
from corridors.workers import executor

KZ_CROSSINGS = ("dostyk_alashankou", "altynkol_khorgos", "saryagash_keles", "iletsk_border", "kartaly_border",
                "mamlyutka_petukhovo", "bulaevo_isilkul", "lokot_border", "bolashak_serhetyaka")
EAEU = {"KZ", "RU", "BY", "KG", "AM"}
TARGET_KZ_IN_H = 78.0
TARGET_CN_H = {"dostyk_alashankou": 30.5}
REPORT_CN = ("dostyk_alashankou", "altynkol_khorgos")
KHORGOS_IMPORT_H = 60.0  # "2-3 days" before May 2025


def _with_holds(spec, holds: dict[tuple[str, str], float]):
    links = dict(spec.network.links)
    for (lid, d), h in holds.items():
        links[lid] = links[lid].model_copy(update={f"clearance_{d}_h": h})
    return replace(spec, network=spec.network.with_links(links))


def _per_direction(spec, res) -> dict[tuple[str, str], tuple[float, float]]:
    """(trains a day, mean queue h) of every direction of the fitted crossings."""
    out = {}
    for lid in KZ_CROSSINGS:
        for d in ("ab", "ba"):
            st = res.elements[lid].direction(d)
            out[(lid, d)] = (st.trains_per_day, st.wait_mean_h)
    return out


def _run(spec):
    res = simulate_scenario(spec)
    figures = {
        "kz_in": simulated(spec, res, Measure("border_time_h", "b", links=KZ_CROSSINGS, into="KZ", side="KZ")),
        "kz_out": simulated(spec, res, Measure("border_time_h", "b", links=KZ_CROSSINGS, out_of="KZ", side="KZ")),
        **{lid: simulated(spec, res, Measure("border_time_h", "b", links=(lid,), side="CN")) for lid in REPORT_CN},
        "speed_with": simulated(spec, res, Measure("speed_kmh", "b", delay="with", through=(
            "arys", "shu", "almaty", "aktogay", "moyinty", "astana", "petropavl", "kandyagash", "beineu",
            "kyzylorda"))),
    }
    return _per_direction(spec, res), figures


def _solve(spec, flows: dict[tuple[str, str], tuple[float, float]]) -> dict[tuple[str, str], float]:
    links = spec.network.links
    holds = {}
    # Kazakhstan's entries: sum w (dwell + h [outside EAEU]) / sum w = 78.
    w_all = w_ext = fixed = 0.0
    for lid in KZ_CROSSINGS:
        for d in directions(spec, lid, into="KZ"):
            w = flows[(lid, d)][0]
            leaves, _ = side_of(spec, lid, d)
            w_all += w
            fixed += w * links[lid].dwell_h
            if leaves not in EAEU:
                w_ext += w
    h_kz = max(0.0, (TARGET_KZ_IN_H * w_all - fixed) / w_ext)
    for lid in KZ_CROSSINGS:
        for d in directions(spec, lid, into="KZ"):
            if side_of(spec, lid, d)[0] not in EAEU:
                holds[(lid, d)] = h_kz
    # China's side of each crossing: entering trains dwell + hold, leaving ones their queue.
    for lid, target in TARGET_CN_H.items():
        (d_in,) = directions(spec, lid, into="CN")
        (d_out,) = directions(spec, lid, out_of="CN")
        n_in, _ = flows[(lid, d_in)]
        n_out, q_out = flows[(lid, d_out)]
        holds[(lid, d_in)] = max(0.0, (target * (n_in + n_out) - n_out * q_out) / n_in - links[lid].dwell_h)
    (d_in,) = directions(spec, "altynkol_khorgos", into="CN")
    holds[("altynkol_khorgos", d_in)] = KHORGOS_IMPORT_H - links["altynkol_khorgos"].dwell_h
    return holds


def main() -> None:
    """Run the fit and print each round."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    base = read_observed("validation/observed.yaml").specs["baseline-2023"]
    base = base.with_settings(replications=args.replications)
    holds: dict[tuple[str, str], float] = {}
    with executor(args.workers) as pool:
        for rnd in range(args.rounds):
            spec = _with_holds(base, holds)
            reps = replication_specs(spec)
            results = [f.result() for f in [pool.submit(_run, r) for r in reps]] if pool else [_run(r) for r in reps]
            flows = {k: (statistics.fmean(r[0][k][0] for r in results), statistics.fmean(r[0][k][1] for r in results))
                     for k in results[0][0]}
            figs = {k: statistics.fmean(v for r in results if (v := r[1][k]) is not None) for k in results[0][1]}
            print(f"round {rnd}: holds " + ", ".join(f"{lid}/{d} {h:.1f} h" for (lid, d), h in sorted(holds.items())))
            print("  figures: " + ", ".join(f"{k} {v:.1f}" for k, v in figs.items()))
            for (lid, d), (n, q) in sorted(flows.items()):
                if n > 0:
                    print(f"    {lid}/{d}: {n:.2f} trains/day, queue {q:.1f} h")
            new = _solve(spec, flows)
            change = max((abs(new[k] - holds.get(k, 0.0)) for k in new), default=0.0)
            holds = new
            if change < 0.5:
                print(f"converged: holds " + ", ".join(f"{lid}/{d} {h:.1f} h" for (lid, d), h in sorted(holds.items())))
                break
        else:
            print("not converged; last holds " + ", ".join(f"{lid}/{d} {h:.1f} h" for (lid, d), h in sorted(holds.items())))


if __name__ == "__main__":
    main()
