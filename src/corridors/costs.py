"""What a consignment pays to travel a corridor, in the CAREC CPMM form (USD per 20 t per 500 km).

CAREC's Corridor Performance Measurement and Monitoring (CPMM) reports a
country's rail cost as two trade facilitation indicators: the cost of
clearing a border-crossing point (TFI2, USD per crossing) and the cost of
travelling a corridor section (TFI3, USD per 20-tonne consignment per
500 km, border costs included). The model prices a 20 t consignment leg by
leg, one rule per element kind (:func:`leg_cost`):

* **Rail section**: the line-haul tariff ``rail_usd_per_tkm x 20 t x km``.
* **Border crossing**: the line haul over its track (some crossing links
  run tens of km between the two border stations) and, between two
  countries (:func:`corridors.elements.international`),
  ``border_usd_per_crossing`` (fees and payments at the crossing, CPMM
  TFI2); a gauge-change facility inside one country charges no fee.
* **Ferry**: ``ferry_usd_per_20t`` a crossing.

The cost of the time a consignment spends is told apart from what it pays:
each day door to door weighs like an ad-valorem tariff of
``time_share_per_day_low`` to ``time_share_per_day_high`` of the cargo's value
(Hummels & Schaur 2013), so time is reported as a share of value and never
added to the dollars. The CPMM border costs of 2020–2022 do not fall with
border time (Kazakhstan: 48.6 h $341, 57.2 h $308, 67.4 h $297), so the
dollars carry no hourly charge: facilitation shows in the time figure.

The factors and their sources are :class:`CostFactors` (the shipped values in
``networks/cost-factors.yaml``, the tariff fitted by ``dev/fit_costs.py``;
documented in ``docs/emissions.md``). The module imports neither geopandas nor
matplotlib.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from corridors.elements import international
from corridors.emissions import train_legs
from corridors.model import RunSpec
from corridors.network import BorderCrossing, FerryLink, Network, RailSection, default_network_path
from corridors.scenario.factors import read_factors
from corridors.simulation import HOURS_PER_DAY, TrainRecord

#: The shipped factors, beside the shipped network.
FACTORS_FILE = default_network_path().parent / "cost-factors.yaml"
#: CPMM's reference consignment, tonnes, and corridor section, km (TFI3).
CPMM_T, CPMM_KM = 20.0, 500.0
#: Each factor of the file: its key path, the field of :class:`CostFactors` and its plausible range.
FACTOR_KEYS = (
    (("rail", "usd_per_tkm"), "rail_usd_per_tkm", 0.001, 1.0),
    (("border", "usd_per_crossing"), "border_usd_per_crossing", 0.0, 10_000.0),
    (("ferry", "usd_per_20t"), "ferry_usd_per_20t", 0.0, 20_000.0),
    (("road", "usd_per_20t_500km"), "road_usd_per_20t_500km", 0.0, 20_000.0),
    (("time", "share_per_day_low"), "time_share_per_day_low", 0.0, 0.1),
    (("time", "share_per_day_high"), "time_share_per_day_high", 0.0, 0.1),
)


@dataclass(frozen=True)
class CostFactors:
    """The factors of the cost rules, each in the unit its name says (per 20 t consignment unless per tonne-km).

    Attributes
    ----------
    rail_usd_per_tkm
        Line-haul tariff, USD per net tonne-km.
    border_usd_per_crossing
        Fees and payments at a border crossing for 20 t, USD (CPMM TFI2).
    ferry_usd_per_20t
        A Caspian rail-ferry crossing for 20 t, USD.
    road_usd_per_20t_500km
        The road comparison: 20 t over 500 km by truck, USD (CPMM TFI3, road).
    time_share_per_day_low, time_share_per_day_high
        What a day door to door costs, as a share of the cargo's value (an ad-valorem tariff equivalent).
    standard
        The method the factors follow (cited in the outputs).
    """

    rail_usd_per_tkm: float
    border_usd_per_crossing: float
    ferry_usd_per_20t: float
    road_usd_per_20t_500km: float = 0.0
    time_share_per_day_low: float = 0.0
    time_share_per_day_high: float = 0.0
    standard: str = "CAREC CPMM"


@dataclass(frozen=True)
class LegCost:
    """What 20 t pays on one leg.

    Attributes
    ----------
    usd
        USD for 20 t.
    border_usd
        Of which border fees, USD.
    rail_km
        Rail kilometres (sections and the track of a crossing; 0 on a ferry).
    km
        Kilometres travelled (rail and sea).
    crossings
        Border crossings charged (0 or 1).
    countries
        The countries the leg lies in (one for a section, the two sides of a crossing or a ferry).
    """

    usd: float
    border_usd: float
    rail_km: float
    km: float
    crossings: int
    countries: tuple[str, ...]


def leg_cost(link, net: Network, f: CostFactors) -> LegCost:
    """Apply the cost rule of ``link``'s kind to a 20 t consignment passing it (module docstring).

    Parameters
    ----------
    link
        A :class:`~corridors.network.RailSection`, :class:`~corridors.network.BorderCrossing` or
        :class:`~corridors.network.FerryLink` of ``net``.
    net
        The network (the countries of a ferry's ports).
    f
        The factors.

    Returns
    -------
    LegCost
    """
    if isinstance(link, RailSection):
        return LegCost(f.rail_usd_per_tkm * CPMM_T * link.length_km, 0.0, link.length_km, link.length_km, 0,
                       (link.country,))
    if isinstance(link, BorderCrossing):
        fee = international(link)
        haul = f.rail_usd_per_tkm * CPMM_T * link.length_km  # the track between the two border stations
        border = f.border_usd_per_crossing if fee else 0.0
        return LegCost(haul + border, border, link.length_km, link.length_km, int(fee),
                       tuple(dict.fromkeys(link.countries.split("-"))))
    if isinstance(link, FerryLink):
        sides = tuple(dict.fromkeys(net.nodes[n].country for n in link.ends))
        return LegCost(f.ferry_usd_per_20t, 0.0, 0.0, link.length_km, 0, sides)
    raise TypeError(f"no cost rule for {type(link).__name__}")


@dataclass(frozen=True)
class TrainCost:
    """One train's journey priced per 20 t of its cargo.

    Attributes
    ----------
    train_id, flow
        The train and its flow.
    tonnes
        Its net load, t.
    usd_per_20t
        What 20 t of its cargo pays door to door, USD.
    border_usd_per_20t
        Of which at border crossings, USD.
    km
        Kilometres of its route (rail and sea).
    crossings
        Border crossings charged.
    transit_days
        Door to door, days.
    """

    train_id: int
    flow: str
    tonnes: float
    usd_per_20t: float
    border_usd_per_20t: float
    km: float
    crossings: int
    transit_days: float


def route_costs(spec: RunSpec, route: str, f: CostFactors, cache: dict | None = None) -> list[LegCost]:
    """Return the :func:`leg_cost` of every leg of ``route`` (node ids joined by ``>``), cached per route."""
    legs = None if cache is None else cache.get(route)
    if legs is None:
        legs = [leg_cost(lk, spec.network, f) for lk, _ in train_legs(spec.network, route)] if route else []
        if cache is not None:
            cache[route] = legs
    return legs


def train_cost(spec: RunSpec, t: TrainRecord, f: CostFactors, cache: dict | None = None) -> TrainCost:
    """Price one delivered train's route per 20 t of its cargo (module docstring)."""
    legs = route_costs(spec, t.route, f, cache)
    return TrainCost(
        train_id=t.train_id, flow=t.flow, tonnes=t.tonnes, usd_per_20t=sum(c.usd for c in legs),
        border_usd_per_20t=sum(c.border_usd for c in legs), km=sum(c.km for c in legs),
        crossings=sum(c.crossings for c in legs), transit_days=t.transit_h / HOURS_PER_DAY)


def run_costs(spec: RunSpec, delivered, f: CostFactors) -> dict[int, TrainCost]:
    """Return :func:`train_cost` of the given delivered trains, by train id."""
    cache: dict = {}
    return {t.train_id: train_cost(spec, t, f, cache) for t in delivered}


def country_cpmm_usd(spec: RunSpec, delivered, f: CostFactors, countries: tuple[str, ...]) -> float | None:
    """Return the CPMM rail cost (TFI3) of the parts of the trains' routes in ``countries``, USD per 20 t per 500 km.

    As CPMM measures a country's rail corridors: the line haul of the rail
    sections in those countries and the border crossings with one side in
    them (their track and fee), over the rail kilometres of those legs,
    weighted by tonnes. Ferries are left out (CPMM's rail indicators are by
    rail).

    Returns
    -------
    float or None
        ``None`` when no delivered train runs on rail in ``countries``.
    """
    cache: dict = {}
    usd = km = 0.0
    for t in delivered:
        for c in route_costs(spec, t.route, f, cache):
            if set(c.countries) & set(countries) and c.rail_km:
                usd += t.tonnes * c.usd
                km += t.tonnes * c.rail_km
    return usd * CPMM_KM / km if km > 0 else None


def cost_figures(costs: list[TrainCost], years: float, f: CostFactors) -> dict:
    """Cost of a sample of delivered trains (a market, a corridor): the figures of ``summary.json``.

    Returns
    -------
    dict
        ``usd_per_t`` (tonne-weighted, door to door), ``usd_per_20t_500km`` (CPMM TFI3 form over the whole
        route, ferries included), ``border_usd_per_t``, ``road_usd_per_t`` (a truck over the same km),
        ``cost_musd_per_year`` (every delivered tonne, annualised), ``time_cost_share_low`` and
        ``time_cost_share_high`` (the trains' mean days door to door, the ``transit_days_mean`` of
        ``summary.json``, as a share of the cargo's value); each ``None`` when the sample is empty.
    """
    tonnes = sum(c.tonnes for c in costs)
    if not tonnes:
        return dict.fromkeys(COST_KEYS)
    usd_total = sum(c.tonnes * c.usd_per_20t for c in costs) / CPMM_T
    tkm = sum(c.tonnes * c.km for c in costs)
    days = sum(c.transit_days for c in costs) / len(costs)  # the mean transit of the trains, as summary.json's
    return {
        "usd_per_t": round(usd_total / tonnes, 2),
        "usd_per_20t_500km": round(usd_total * CPMM_T * CPMM_KM / tkm, 1) if tkm else None,
        "border_usd_per_t": round(sum(c.tonnes * c.border_usd_per_20t for c in costs) / CPMM_T / tonnes, 2),
        "road_usd_per_t": round(f.road_usd_per_20t_500km * tkm / CPMM_KM / CPMM_T / tonnes, 2),
        "cost_musd_per_year": round(usd_total / 1e6 / years, 3),
        "time_cost_share_low": round(days * f.time_share_per_day_low, 4),
        "time_cost_share_high": round(days * f.time_share_per_day_high, 4),
    }


#: The keys of :func:`cost_figures`.
COST_KEYS = ("usd_per_t", "usd_per_20t_500km", "border_usd_per_t", "road_usd_per_t", "cost_musd_per_year",
             "time_cost_share_low", "time_cost_share_high")


@functools.lru_cache(maxsize=4)
def shipped_costs(path: str = str(FACTORS_FILE)) -> CostFactors:
    """Return :func:`load_costs` of ``path`` (the shipped file), read once per process."""
    return load_costs(path)


def load_costs(path: str | Path = FACTORS_FILE) -> CostFactors:
    """Read the cost factors of a YAML file (the shipped ``networks/cost-factors.yaml`` by default).

    Parameters
    ----------
    path
        The file: ``standard`` and the sections ``rail``, ``border``, ``ferry``, ``road`` and ``time``
        (:data:`FACTOR_KEYS`).

    Returns
    -------
    CostFactors

    Raises
    ------
    corridors.errors.ValidationError
        Every problem of the file at once, each at its line; also when the time share's low end is above its
        high end.
    """
    ff = read_factors(path, FACTOR_KEYS)
    low, high = ff.values.get("time_share_per_day_low"), ff.values.get("time_share_per_day_high")
    if low is not None and high is not None and low > high:
        ff.reader.err(("time", "share_per_day_low"), f"got {low:g}, above share_per_day_high {high:g}, expected "
                      "the low end of the range")
    return CostFactors(**ff.finish())
