"""The model outputs the observed figures are compared to, one function per quantity.

``capacity`` is analytic (the element rules of :mod:`corridors.elements`, as
the tables give them); the others are measured on a simulation run, over the
trains of the measured period (after warm-up), the way ``summary.json`` and
``crossings.csv`` measure them. What each quantity means is written out in
``docs/validation.md``.
"""

from __future__ import annotations

from corridors.costs import country_cpmm_usd, shipped_costs
from corridors.elements import free_time_h
from corridors.history.observed import Measure, Observation, directions, side_of
from corridors.model import RunSpec
from corridors.pipeline import simulate_scenario
from corridors.results import capacities, cpmm_speeds_kmh, delivered_in_window
from corridors.simulation import SimResult


def analytic(spec: RunSpec, m: Measure) -> float:
    """Return a ``capacity``: the smallest analytic capacity of ``m.links``, trains (pairs) a day per direction.

    With ``m.cargo``, in Mt/yr of that cargo (trains/day x its net tonnes x 365).
    """
    caps = capacities(spec)
    per_day = min(caps[lid].trains_per_day for lid in m.links)
    if m.cargo:
        return per_day * spec.cargo[m.cargo].net_t_per_train * 365.0 / 1e6
    return per_day


def _touches(route: str, nodes: tuple[str, ...]) -> bool:
    return bool(set(route.split(">")) & set(nodes))


def simulated(spec: RunSpec, res: SimResult, m: Measure) -> float | None:
    """Return a simulated quantity of ``m`` measured on ``res`` (None when no train was measured).

    Parameters
    ----------
    spec
        The scenario ``res`` ran.
    res
        One replication's result.
    m
        What to measure (not ``capacity``).

    Returns
    -------
    float or None
        ``trains_per_day``: trains a day through the links (summed; one
        direction with ``into``). ``border_time_h``: mean hours a train spends
        at the crossings, queue plus dwell plus clearance hold (a ferry: queue
        plus crossing and port handling), weighted by trains; with ``side``,
        only the time at that country's side (its entry: handling and hold;
        its exit: the queue before the handover). ``speed_kmh``: mean over delivered
        trains of route km over moving hours (``without`` delay) or over
        door-to-door hours (``with``), as CAREC CPMM. ``tonnage_share``:
        delivered tonnes whose route touches ``via`` over those touching
        ``among``. ``delivered_mt``: delivered Mt a year whose route touches ``via``.
        ``cpmm_cost_usd``: USD per 20 t per 500 km by rail in ``countries``, border crossings included
        (CAREC CPMM TFI3; :func:`corridors.costs.country_cpmm_usd` at the shipped cost factors).
    """
    q = m.quantity
    if q in ("trains_per_day", "border_time_h"):
        total = weighted = 0.0
        for lid in m.links:
            lk = spec.network.links[lid]
            for d in directions(spec, lid, into=m.into, out_of=m.out_of):
                st = res.elements[lid].direction(d)
                # Queue plus the fixed part: a crossing's dwell and hold, a ferry's transit.
                fixed = free_time_h(lk, d == "ab") if lk.kind != "rail" else 0.0
                queue = st.wait_mean_h
                if m.side:
                    leaves, enters = side_of(spec, lid, d)
                    queue, fixed = (queue, 0.0) if m.side == leaves else (0.0, fixed)
                total += st.trains_per_day
                weighted += st.trains_per_day * (queue + fixed)
        if q == "trains_per_day":
            return total
        return weighted / total if total > 0 else None
    trains = [t for t in delivered_in_window(res) if not m.cargo or t.cargo == m.cargo]
    if q == "speed_kmh":
        trains = [t for t in trains if not m.through or _touches(t.route, m.through)]
        if not trains:
            return None
        without, with_delay = cpmm_speeds_kmh(trains)
        return without if m.delay == "without" else with_delay
    if q == "cpmm_cost_usd":
        return country_cpmm_usd(spec, trains, shipped_costs(), m.countries)
    if q == "tonnage_share":
        among = sum(t.tonnes for t in trains if _touches(t.route, m.among))
        via = sum(t.tonnes for t in trains if _touches(t.route, m.via))
        return via / among if among > 0 else None
    years = max((res.sim_days - res.warmup_days) / 365.0, 1e-9)
    return sum(t.tonnes for t in trains if _touches(t.route, m.via)) / 1e6 / years


def measure_run(spec: RunSpec, figures: tuple[Observation, ...]) -> dict[str, float | None]:
    """Simulate one replication of ``spec`` and measure every figure on it (runs in a worker).

    Parameters
    ----------
    spec
        One replication (its own seed).
    figures
        The figures measured on this scenario's runs.

    Returns
    -------
    dict
        Figure id to its simulated value (None when nothing was measured).
    """
    res = simulate_scenario(spec)
    return {f.id: simulated(spec, res, f.model) for f in figures}
