"""Well-to-wheel greenhouse-gas emissions of the trains of a run (ISO 14083, GLEC Framework).

Every train's journey is split into its legs (:func:`train_legs`) and each
leg's energy follows from the element and the train, one rule per kind
(:func:`leg_energy`):

* **Rail section, electrified**: ``electric_kwh_per_gtkm x gross t x km`` of
  electricity at the pantograph, ``1 / (1 - grid_loss_share)`` times that
  generated, at the life-cycle grid intensity of the section's country.
* **Rail section, not electrified**: ``diesel_l_per_gtkm x gross t x km`` of
  diesel, at its well-to-wheel factor.
* **Border crossing**: the locomotive idles through the typical dwell and
  clearance hold of the crossing in that direction, and runs the crossing's
  track (some crossing links run tens of km between the two border
  stations) on diesel: the network does not say whether a crossing is
  under wires.
* **Ferry**: ``ferry_kg_co2e_per_tkm`` for every tonne of cargo over the
  crossing's length (GLEC's RoPax default, well-to-wheel, per cargo tonne-km).
* **Waiting** anywhere (a queue at a block, a gate, a crossing, a yard or a
  port): the locomotive idles, ``idle_l_per_h`` of diesel per hour waited.

Gross tonnes are the cargo plus the wagons' tare and the locomotive. The
factors and their sources are :class:`EmissionFactors` (the shipped values in
``networks/emission-factors.yaml``, documented in ``docs/emissions.md``). The
module imports neither geopandas nor matplotlib.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from corridors.elements import clearance_h
from corridors.model import CargoClass, RunSpec
from corridors.network import BorderCrossing, FerryLink, Network, RailSection, default_network_path
from corridors.scenario.factors import read_factors
from corridors.simulation import TrainRecord

#: The shipped factors (sources in docs/emissions.md), beside the shipped network.
FACTORS_FILE = default_network_path().parent / "emission-factors.yaml"
#: Each factor of the file: its key path, the field of :class:`EmissionFactors` and its plausible range.
FACTOR_KEYS = (
    (("rail", "electric_kwh_per_gtkm"), "electric_kwh_per_gtkm", 0.001, 0.1),
    (("rail", "grid_loss_share"), "grid_loss_share", 0.0, 0.5),
    (("rail", "diesel_l_per_gtkm"), "diesel_l_per_gtkm", 0.0001, 0.05),
    (("rail", "diesel_kg_co2e_per_l"), "diesel_kg_co2e_per_l", 1.0, 5.0),
    (("rail", "idle_l_per_h"), "idle_l_per_h", 0.0, 200.0),
    (("rail", "tare_t_per_wagon"), "tare_t_per_wagon", 0.0, 60.0),
    (("rail", "locomotive_t"), "locomotive_t", 0.0, 1000.0),
    (("ferry", "kg_co2e_per_tkm"), "ferry_kg_co2e_per_tkm", 0.0, 1.0),
    (("road", "g_co2e_per_tkm"), "road_g_co2e_per_tkm", 0.0, 1000.0),
)
#: A grid's carbon intensity lies in this range, g CO2e per kWh (all hydro to all lignite).
GRID_RANGE = (0.0, 1500.0)


@dataclass(frozen=True)
class EmissionFactors:
    """The factors of the emission rules, each in the unit its name says.

    Attributes
    ----------
    electric_kwh_per_gtkm
        Electricity at the pantograph per gross tonne-km, kWh.
    grid_loss_share
        Share of the electricity generated that is lost before the pantograph (grid and substations).
    diesel_l_per_gtkm
        Diesel per gross tonne-km, litres.
    diesel_kg_co2e_per_l
        Well-to-wheel greenhouse gases of one litre of diesel, kg CO2e.
    grid_g_co2e_per_kwh
        Well-to-wheel grid intensity by country code (``KZ``, ``UZ``, ...), g CO2e per kWh.
    idle_l_per_h
        Diesel burnt by an idling mainline locomotive, litres per hour.
    tare_t_per_wagon, locomotive_t
        Empty mass of one wagon and of the train's locomotive(s), tonnes.
    ferry_kg_co2e_per_tkm
        Well-to-wheel greenhouse gases of a rail ferry per tonne-km of cargo, kg CO2e.
    road_g_co2e_per_tkm
        A heavy truck's well-to-wheel intensity, g CO2e per net tonne-km (the road comparison).
    standard
        The standard and framework the factors follow (cited in the outputs).
    """

    electric_kwh_per_gtkm: float
    diesel_l_per_gtkm: float
    diesel_kg_co2e_per_l: float
    grid_g_co2e_per_kwh: dict[str, float] = field(default_factory=dict)
    grid_loss_share: float = 0.0
    idle_l_per_h: float = 0.0
    tare_t_per_wagon: float = 0.0
    locomotive_t: float = 0.0
    ferry_kg_co2e_per_tkm: float = 0.0
    road_g_co2e_per_tkm: float = 0.0
    standard: str = "ISO 14083:2023; GLEC Framework"

    def grid(self, country: str) -> float:
        """Return the grid intensity of ``country``, g CO2e per kWh.

        Raises
        ------
        KeyError
            If the factors give none for it (every electrified section's country needs one).
        """
        try:
            return self.grid_g_co2e_per_kwh[country]
        except KeyError:
            raise KeyError(f"no grid carbon intensity for country {country!r}") from None


@dataclass(frozen=True)
class LegEnergy:
    """What one leg of one train uses and emits.

    Attributes
    ----------
    electric_kwh, diesel_l
        Traction electricity and diesel (idling at a crossing included), kWh and litres.
    ferry_kg_co2e
        The train's share of a ferry's emissions, kg CO2e.
    co2e_kg
        Well-to-wheel greenhouse gases of the leg, kg CO2e.
    net_tkm
        Cargo tonne-km by rail on the leg (a section or a crossing's track; 0 on a ferry).
    """

    electric_kwh: float = 0.0
    diesel_l: float = 0.0
    ferry_kg_co2e: float = 0.0
    co2e_kg: float = 0.0
    net_tkm: float = 0.0


def gross_t(cargo: CargoClass, f: EmissionFactors) -> float:
    """Return the gross tonnes of a train of ``cargo``: the cargo, the wagons' tare and the locomotive."""
    return cargo.net_t_per_train + cargo.wagons_per_train * f.tare_t_per_wagon + f.locomotive_t


def leg_energy(link, forward: bool, cargo: CargoClass, f: EmissionFactors) -> LegEnergy:
    """Apply the emission rule of ``link``'s kind to one train of ``cargo`` passing it (module docstring).

    Parameters
    ----------
    link
        A :class:`~corridors.network.RailSection`, :class:`~corridors.network.BorderCrossing` or
        :class:`~corridors.network.FerryLink`.
    forward
        Direction of passage (``from_node`` first); it sets a crossing's clearance hold.
    cargo
        The train's cargo class.
    f
        The factors.

    Returns
    -------
    LegEnergy
    """
    if isinstance(link, RailSection):
        gtkm = gross_t(cargo, f) * link.length_km
        net_tkm = cargo.net_t_per_train * link.length_km
        if link.electrified:
            kwh = f.electric_kwh_per_gtkm * gtkm
            generated_kwh = kwh / (1.0 - f.grid_loss_share)
            return LegEnergy(electric_kwh=kwh, co2e_kg=generated_kwh * f.grid(link.country) / 1e3, net_tkm=net_tkm)
        litres = f.diesel_l_per_gtkm * gtkm
        return LegEnergy(diesel_l=litres, co2e_kg=litres * f.diesel_kg_co2e_per_l, net_tkm=net_tkm)
    if isinstance(link, BorderCrossing):
        litres = (f.idle_l_per_h * (link.dwell_h + clearance_h(link, forward))
                  + f.diesel_l_per_gtkm * gross_t(cargo, f) * link.length_km)
        return LegEnergy(diesel_l=litres, co2e_kg=litres * f.diesel_kg_co2e_per_l,
                         net_tkm=cargo.net_t_per_train * link.length_km)
    if isinstance(link, FerryLink):
        kg = f.ferry_kg_co2e_per_tkm * cargo.net_t_per_train * link.length_km
        return LegEnergy(ferry_kg_co2e=kg, co2e_kg=kg)
    raise TypeError(f"no emission rule for {type(link).__name__}")


def train_legs(net: Network, route: str) -> list[tuple[object, bool]]:
    """Return the links (and directions) of a route given as node ids joined by ``>`` (``trains.csv``).

    Raises
    ------
    KeyError
        If two consecutive nodes are joined by no link.
    """
    by_ends = net.links_by_ends  # built once per network, shared by every route priced
    nodes = route.split(">") if route else []
    try:
        return [by_ends[(a, b)] for a, b in zip(nodes, nodes[1:])]
    except KeyError as exc:
        raise KeyError(f"route {route!r} passes {exc.args[0]}, which no link joins") from None


@dataclass(frozen=True)
class TrainEmissions:
    """One train's journey in energy and greenhouse gases (well-to-wheel).

    Attributes
    ----------
    train_id, flow
        The train and its flow.
    net_tkm
        Cargo tonne-km by rail.
    electric_kwh, diesel_l, idle_l, ferry_kg_co2e
        Traction electricity, traction diesel (crossings' idling included), idling while waiting, ferries.
    co2e_kg
        Well-to-wheel total, kg CO2e.
    road_co2e_kg
        The same cargo over the same rail kilometres by heavy truck, kg CO2e.
    """

    train_id: int
    flow: str
    net_tkm: float
    electric_kwh: float
    diesel_l: float
    idle_l: float
    ferry_kg_co2e: float
    co2e_kg: float
    road_co2e_kg: float


def train_emissions(spec: RunSpec, t: TrainRecord, f: EmissionFactors, cache: dict | None = None) -> TrainEmissions:
    """Add up the emissions of one train over the legs of its route and its waiting (module docstring).

    A train still under way counts the legs it has finished and is on; a
    refused train emits nothing.

    Parameters
    ----------
    spec
        The run's scenario (network and cargo classes).
    t
        The train's record (route, cargo, hours waited).
    f
        The factors.
    cache
        Legs already worked out, per route and cargo class (a run has a few hundred routes and many thousand
        trains); filled as it goes.

    Returns
    -------
    TrainEmissions
    """
    cargo = spec.cargo[t.cargo]
    key = (t.route, t.cargo)
    legs = None if cache is None else cache.get(key)
    if legs is None:
        legs = [(lk.id, leg_energy(lk, fwd, cargo, f)) for lk, fwd in train_legs(spec.network, t.route)] \
            if t.route else []
        if cache is not None:
            cache[key] = legs
    if t.status == "in_network" and t.where in spec.network.links:
        ids = [lid for lid, _ in legs]  # still under way: the legs up to the one it is on
        legs = legs[:ids.index(t.where) + 1] if t.where in ids else legs
    energy = [e for _, e in legs]
    idle_l = f.idle_l_per_h * t.wait_h
    net_tkm = sum(e.net_tkm for e in energy)
    return TrainEmissions(
        train_id=t.train_id, flow=t.flow, net_tkm=net_tkm,
        electric_kwh=sum(e.electric_kwh for e in energy), diesel_l=sum(e.diesel_l for e in energy), idle_l=idle_l,
        ferry_kg_co2e=sum(e.ferry_kg_co2e for e in energy),
        co2e_kg=sum(e.co2e_kg for e in energy) + idle_l * f.diesel_kg_co2e_per_l,
        road_co2e_kg=net_tkm * f.road_g_co2e_per_tkm / 1e3)


def run_emissions(spec: RunSpec, trains, f: EmissionFactors) -> dict[int, TrainEmissions]:
    """Return :func:`train_emissions` of the given trains that entered the network, by train id."""
    cache: dict = {}
    return {t.train_id: train_emissions(spec, t, f, cache) for t in trains if t.status != "refused"}


@functools.lru_cache(maxsize=4)
def shipped_factors(path: str = str(FACTORS_FILE)) -> EmissionFactors:
    """Return :func:`load_factors` of ``path`` (the shipped file), read once per process."""
    return load_factors(path)


def load_factors(path: str | Path = FACTORS_FILE) -> EmissionFactors:
    """Read the emission factors of a YAML file (the shipped ``networks/emission-factors.yaml`` by default).

    Parameters
    ----------
    path
        The file: ``standard``, ``rail`` (:data:`FACTOR_KEYS`), ``ferry``, ``road`` and ``grid_g_co2e_per_kwh``
        (country code to g CO2e per kWh).

    Returns
    -------
    EmissionFactors

    Raises
    ------
    corridors.errors.ValidationError
        Every problem of the file at once, each at its line (``file:line: path: got ..., expected ...``).
    """
    ff = read_factors(path, FACTOR_KEYS, extra=("grid_g_co2e_per_kwh",))
    grid = ff.data.get("grid_g_co2e_per_kwh")
    if not isinstance(grid, dict) or not grid:
        ff.reader.err(("grid_g_co2e_per_kwh",),
                      f"got {grid!r}, expected a mapping of country codes to g CO2e per kWh")
        grid = {}
    ff.values["grid_g_co2e_per_kwh"] = {
        str(c): ff.reader.number(v, ("grid_g_co2e_per_kwh", c), *GRID_RANGE) for c, v in grid.items()}
    return EmissionFactors(**ff.finish())
