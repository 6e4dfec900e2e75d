"""Cost and emissions per market: the ``emissions`` and ``costs`` blocks of a run, and their change in a comparison.

A run's blocks (:func:`emission_stats`, :func:`cost_stats`) are taken over the
trains delivered in the measured period, the sample of every indicator, for
the network and for each market and direction, annualised. A comparison's
block (:func:`footprint_changes`) sets each figure before and after, with its
95 % interval over replications and the paired change (replication ``i`` of
both sides has the same seed).
"""

from __future__ import annotations

from corridors import REGIONS
from corridors.costs import COST_KEYS, TrainCost, cost_figures, shipped_costs
from corridors.emissions import TrainEmissions, shipped_factors
from corridors.model import RunSpec
from corridors.statistics import mean_ci95, paired

DIRECTIONS = ("inbound", "outbound")
#: The figures of a market set side by side before and after in ``comparison.json`` ``footprint``.
CHANGE_KEYS = (("costs", "usd_per_t"), ("costs", "usd_per_20t_500km"), ("costs", "road_usd_per_t"),
               ("costs", "time_cost_share_low"), ("costs", "time_cost_share_high"),
               ("emissions", "co2e_t_per_year"), ("emissions", "g_co2e_per_tkm"), ("emissions", "road_g_co2e_per_tkm"))


def co2_figures(trains: list[TrainEmissions], years: float) -> dict:
    """Emissions of a sample of trains: t CO2e a year, g CO2e per tonne-km by rail and by road (``None``: no tkm)."""
    tkm = sum(e.net_tkm for e in trains)
    kg = sum(e.co2e_kg for e in trains)
    return {"co2e_t_per_year": round(kg / 1e3 / years, 1),
            "g_co2e_per_tkm": round(kg * 1e3 / tkm, 2) if tkm else None,
            "road_g_co2e_per_tkm": round(sum(e.road_co2e_kg for e in trains) * 1e3 / tkm, 2) if tkm else None}


def _by_market(spec: RunSpec, records: list, figures) -> dict:
    """Apply ``figures`` to the network's records and to each market's and direction's (by the record's flow)."""
    regions = {}
    for region in REGIONS:
        regions[region] = {}
        for direction in DIRECTIONS:
            ids = spec.market_flows(region, direction)
            regions[region][direction] = figures([e for e in records if e.flow in ids])
    return {"network": figures(records), "regions": regions}


def emission_stats(spec: RunSpec, co2: list[TrainEmissions], years: float) -> dict:
    """Build the ``emissions`` block of ``summary.json`` (well-to-wheel, :mod:`corridors.emissions`).

    Parameters
    ----------
    spec
        The run's scenario (the flows' markets).
    co2
        The emissions of the trains delivered in the measured period.
    years
        The measured period, years.

    Returns
    -------
    dict
        ``{"standard", "network": F, "regions": {R: {direction: F}}}`` with ``F`` = :func:`co2_figures`.
    """
    return {"standard": shipped_factors().standard, **_by_market(spec, co2, lambda es: co2_figures(es, years))}


def cost_stats(spec: RunSpec, costs: list[TrainCost], years: float) -> dict:
    """Build the ``costs`` block of ``summary.json`` (CAREC CPMM form, :mod:`corridors.costs`).

    Parameters
    ----------
    spec
        The run's scenario (the flows' markets).
    costs
        The costs of the trains delivered in the measured period.
    years
        The measured period, years.

    Returns
    -------
    dict
        ``{"standard", "factors", "network": F, "regions": {R: {direction: F}}}`` with ``factors`` the
        :class:`~corridors.costs.CostFactors` applied (field: value) and ``F`` = :func:`corridors.costs.cost_figures`.
    """
    f = shipped_costs()
    factors = {k: v for k, v in f.__dict__.items() if k != "standard"}
    return {"standard": f.standard, "factors": factors,
            **_by_market(spec, costs, lambda cs: cost_figures(cs, years, f))}


def _figure_change(before: list, after: list) -> dict:
    """One figure before and after (mean and 95 % half-width over replications) and the paired change.

    Where some replications give the figure on both sides, the means are taken over those pairs only, so
    that the change is the difference of the means shown; ``n`` counts them. Where no replication does (a
    market served on one side only), each side's mean is over its own replications and there is no change.

    Raises
    ------
    ValueError
        When the two sides hold different numbers of replications (they are not paired).
    """
    if len(before) != len(after):
        raise ValueError(f"{len(before)} replications before and {len(after)} after: not paired")
    pairs = [(b, a) for b, a in zip(before, after) if b is not None and a is not None]
    if not pairs:
        return {"before": mean_ci95(before), "after": mean_ci95(after), "n": 0, "change": None, "change_ci": None}
    d = paired([b for b, _ in pairs], [a for _, a in pairs])
    return {"before": mean_ci95([b for b, _ in pairs]), "after": mean_ci95([a for _, a in pairs]), "n": len(pairs),
            "change": round(d.mean, 4), "change_ci": None if d.low is None else [round(d.low, 4), round(d.high, 4)]}


def _values(sums: list[dict], block: str, key: str, region: str | None, direction: str | None) -> list:
    out = []
    for s in sums:
        b = s.get(block) or {}
        g = b.get("network") if region is None else ((b.get("regions") or {}).get(region) or {}).get(direction)
        out.append((g or {}).get(key))
    return out


def footprint_changes(base_sums: list[dict], alt_sums: list[dict]) -> dict | None:
    """Set each market's cost, time cost and emissions before and after: ``comparison.json`` ``footprint``.

    Parameters
    ----------
    base_sums, alt_sums
        Each side's runs' ``summary.json``, one per replication, the same seeds in the same order.

    Returns
    -------
    dict or None
        ``{"network": G, "regions": {R: {direction: G}}}``, ``G = {key: {"before": {"mean", "ci95"}, "after":
        {...}, "n", "change", "change_ci"}}`` for each key of :data:`CHANGE_KEYS` (:func:`_figure_change`);
        ``None`` when a side's runs carry no cost or emissions blocks (files written before they existed).
    """
    if not all(s.get("costs") and s.get("emissions") for s in [*base_sums, *alt_sums]):
        return None

    def group(region: str | None, direction: str | None) -> dict:
        return {key: _figure_change(_values(base_sums, block, key, region, direction),
                                    _values(alt_sums, block, key, region, direction)) for block, key in CHANGE_KEYS}

    return {"network": group(None, None),
            "regions": {r: {d: group(r, d) for d in DIRECTIONS} for r in REGIONS}}


__all__ = ["CHANGE_KEYS", "COST_KEYS", "co2_figures", "cost_stats", "emission_stats", "footprint_changes"]
