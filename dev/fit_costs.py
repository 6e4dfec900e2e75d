"""Fit the line-haul tariff of networks/cost-factors.yaml to CAREC CPMM 2022, Kazakhstan by rail (issue 16).

Usage (from the project folder, in its environment)::

    python dev/fit_costs.py [--replications 3] [--workers 2]

It prints the fitted tariff and the figures it gives; it writes nothing. The
tariff is copied by hand into ``networks/cost-factors.yaml`` (``rail.usd_per_tkm``)
and the fit is written down in ``docs/emissions.md`` ("Cost").

The one parameter and the one figure it is fitted to (the calibration set of
``validation/observed.yaml``, figure ``kz-rail-cost-2022``; nothing from the
test set): ``rail.usd_per_tkm``, so that the baseline-2023 runs' Kazakh rail
corridors cost CPMM's $883 per 20 t per 500 km, border crossings at the
file's $297 included. The cost is linear in the tariff (the border fees do not
depend on it), so two evaluations of the same runs solve it exactly.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

from corridors.costs import country_cpmm_usd, shipped_costs
from corridors.history import read_observed
from corridors.pipeline import replication_specs, simulate_scenario
from corridors.results import delivered_in_window
from corridors.workers import executor

FIGURE = "kz-rail-cost-2022"


def _run(spec, countries):
    """Return the Kazakh CPMM cost of one replication at tariff 0 and at tariff 1 USD/tkm."""
    delivered = delivered_in_window(simulate_scenario(spec))
    f = shipped_costs()
    return tuple(country_cpmm_usd(spec, delivered, replace(f, rail_usd_per_tkm=x), countries) for x in (0.0, 1.0))


def main() -> None:
    """Run the fit and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    observed = read_observed("validation/observed.yaml")
    (figure,) = [o for o in observed.observations if o.id == FIGURE]
    spec = observed.specs[figure.model.scenario].with_settings(replications=args.replications)
    with executor(args.workers) as pool:
        reps = replication_specs(spec)
        jobs = [pool.submit(_run, r, figure.model.countries) for r in reps] if pool else None
        results = [j.result() for j in jobs] if jobs else [_run(r, figure.model.countries) for r in reps]
    fees = statistics.fmean(r[0] for r in results)
    per_tariff = statistics.fmean(r[1] - r[0] for r in results)
    tariff = (figure.value - fees) / per_tariff
    print(f"{figure.id}: target {figure.value:g} USD per 20 t per 500 km ({len(results)} replications)")
    print(f"  border fees alone: {fees:.1f}; each USD/tkm of tariff adds {per_tariff:.1f}")
    print(f"  fitted rail.usd_per_tkm = {tariff:.5f}")
    print(f"  shipped tariff {shipped_costs().rail_usd_per_tkm:g} gives {fees + shipped_costs().rail_usd_per_tkm * per_tariff:.1f}")


if __name__ == "__main__":
    main()
