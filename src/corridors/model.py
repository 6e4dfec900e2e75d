"""The typed, resolved description of one run: what moves, how, and for how long.

:mod:`corridors.scenario` turns YAML files into a :class:`RunSpec`; the
simulation, the capacity bound and the reports read nothing else. Every object
here is a frozen dataclass of plain values (the network included), so a
``RunSpec`` pickles and can be shipped to another process or machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from corridors import REGIONS
from corridors.elements import (
    DEFAULT_DOUBLE_TRACK_OCCUPANCY,
    DEFAULT_MAINTENANCE_H,
    DEFAULT_MEET_OVERHEAD_MIN,
    region_attribute,
)
from corridors.network import Network

#: Replications of every run and of every load the capacity search probes: with
#: common random numbers, three make the shipped comparison's key changes
#: significant (docs/results.md) at a cost the benchmark reports.
DEFAULT_REPLICATIONS = 3
#: Practical capacity: mean added waiting at most the free transit time, i.e.
#: door-to-door time at most twice the free time, the speed with delay at least
#: half the speed without (docs/capacity.md gives the reasons).
DEFAULT_SERVICE_LEVEL_WAIT_SHARE = 1.0
#: Candidate routes sharing more than this share of their length with a faster
#: one are its variants (corridors.routing); chosen so that a bypass or a
#: parallel branch makes a variant while another border or main line stays a
#: distinct route (docs/capacity.md, "Candidate routes").
DEFAULT_ROUTE_OVERLAP_MAX = 0.8

#: Which region a node's country belongs to, for attributing a flow that starts
#: or ends at a node rather than at a region. UZ, KG, TJ and TM are the Central
#: Asia market (issue 12); Kazakhstan and the transit countries (AZ, GE, BY)
#: belong to none.
COUNTRY_REGION: dict[str, str] = {
    "CN": "China",
    "RU": "Russia",
    "PL": "Europe",
    "DE": "Europe",
    "TR": "Europe",
    "AF": "South Asia",
    "PK": "South Asia",
    "IN": "South Asia",
    "IR": "South Asia",
    "UZ": "Central Asia",
    "KG": "Central Asia",
    "TJ": "Central Asia",
    "TM": "Central Asia",
}

CARGO_NAMES: tuple[str, ...] = ("container", "grain", "ore_metals", "oil_products", "general")


@dataclass(frozen=True, slots=True)
class CargoClass:
    """How one class of cargo is carried.

    Attributes
    ----------
    name
        One of :data:`CARGO_NAMES` (or a scenario's own class).
    net_t_per_train
        Net tonnes carried by one train.
    wagons_per_train
        Wagons in one train (ferries carry wagons, not trains).
    teu_per_train
        TEU per train, for classes whose volume is given in TEU.
    speed_factor
        Running speed as a share of a section's freight speed (container
        trains run faster than heavy bulk trains), at most 1.2.
    priority
        Lower runs first where trains queue for the same resource.
    """

    name: str
    net_t_per_train: float
    wagons_per_train: int
    teu_per_train: float | None = None
    speed_factor: float = 1.0
    priority: int = 2


#: Default cargo classes; the figures and their sources are in networks/SOURCES.md
#: (section "Cargo classes").
DEFAULT_CARGO: dict[str, CargoClass] = {
    # 57 flat wagons, ~100 TEU, ~10 t net per TEU (China-Europe average load).
    "container": CargoClass("container", 1000.0, 57, teu_per_train=100.0, speed_factor=1.15, priority=1),
    # ">50 wagons / 3,300 t" grain train (facts §6).
    "grain": CargoClass("grain", 3300.0, 50, speed_factor=0.95, priority=2),
    # 70 t gondolas (facts §6), 57 wagons.
    "ore_metals": CargoClass("ore_metals", 3990.0, 57, speed_factor=0.9, priority=3),
    # 60 t tank wagons, 57 wagons.
    "oil_products": CargoClass("oil_products", 3420.0, 57, speed_factor=0.95, priority=2),
    # Mixed wagonload, ~50 t net per wagon.
    "general": CargoClass("general", 2850.0, 57, speed_factor=1.0, priority=2),
}


@dataclass(frozen=True, slots=True)
class Flow:
    """One freight flow, turned into trains by the simulation.

    Attributes
    ----------
    id
        Unique within the run.
    origin, destination
        A node id or a region name. A region means "any gateway of that region".
    cargo
        Cargo class name (a key of :attr:`RunSpec.cargo`).
    trains_per_year
        Mean annual number of trains (volume divided by the class payload).
    tonnes_per_year
        The annual volume in tonnes (TEU flows are converted by the class).
    monthly_profile
        Twelve factors with mean 1 that shape arrivals over the year.
    via
        Corridor constraint: the route must touch at least one element of each
        group. An element is a node id, a link id, or ``"ferry"`` (any ferry link).
    avoid
        Node or link ids the route must not use.
    origin_region, destination_region
        The regions this flow counts toward (``None`` for Central Asian ends).
    source
        Where the volume comes from.
    departures_h
        Timetabled departures (hours from the start). When given, trains leave
        exactly then instead of arriving at random around the annual rate.
    """

    id: str
    origin: str
    destination: str
    cargo: str
    trains_per_year: float
    tonnes_per_year: float
    monthly_profile: tuple[float, ...] = (1.0,) * 12
    via: tuple[tuple[str, ...], ...] = ()
    avoid: tuple[str, ...] = ()
    origin_region: str | None = None
    destination_region: str | None = None
    source: str = ""
    departures_h: tuple[float, ...] = ()

    def scaled(self, factor: float) -> Flow:
        """Return this flow with its volume multiplied by ``factor``."""
        return replace(
            self, trains_per_year=self.trains_per_year * factor, tonnes_per_year=self.tonnes_per_year * factor
        )


@dataclass(frozen=True, slots=True)
class Disruption:
    """A closure or slowdown of one element for a time.

    Attributes
    ----------
    target
        A link id, or a node id (meaning every link that touches the node).
    start_day, end_day
        Half-open interval ``[start_day, end_day)`` in simulation days.
    factor
        0 for a closure; otherwise the share of normal speed or handling
        rate that remains (service times are divided by it).
    reason
        Free text carried into reports.
    """

    target: str
    start_day: float
    end_day: float
    factor: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Operations:
    """Operating rules that apply network-wide.

    Attributes
    ----------
    maintenance_h, maintenance_start_h
        Daily maintenance window on rail sections: no train enters a block that
        it could not leave before the window opens, until it closes.
    meet_overhead_min
        Single-track meeting overhead per train (calibrated; ``docs/capacity.md``).
    double_track_occupancy
        Largest share of the day a double-track timetable occupies (UIC 406
        limit; :func:`corridors.elements.timetable_headway_min`).
    k_routes
        Distinct candidate routes considered per origin-destination pair (and
        at most as many variants of them; see ``route_overlap_max``).
    max_detour
        Candidate routes longer (in free time) than this multiple of the best are dropped.
    route_overlap_max
        A candidate route sharing more than this share of its length with a
        faster distinct candidate is a variant of it, not a distinct route
        (:mod:`corridors.routing`: limited overlap). 1 makes every route
        distinct (the k fastest routes).
    gateway_detour
        For a flow bound to (or from) a region, the best route through each
        other gateway of the region is also a candidate when it is at most this
        multiple of the best route: traffic can shift to another border
        crossing when one is congested.
    congestion_weight
        Weight of the current queue estimate in a train's route choice (0 = static).
    reroute_on_closure
        A train that finds the leg ahead closed compares, at the node where it
        stands, the rest of its route with the other routes from there and takes
        the fastest (:mod:`corridors.simulation.reroute`).
    reroute_gain_h
        At a junction, a train also switches to a route expected to be more than
        this many hours faster (0: never, the default).
    max_origin_backlog_days
        A train is refused at entry when its flow already has more than this many
        days of trains waiting to enter at the origin.
    wagons_per_train_reference
        Converts ferry wagon capacity into trains in reports.
    routing
        ``adaptive``: each train takes the candidate route with the least free
        time plus the queues it sees at departure. ``assigned``: each flow's
        trains are split over its candidate routes in the shares of the LP's
        optimal solution (:func:`corridors.bound.route_split`), in turn.
    """

    maintenance_h: float = DEFAULT_MAINTENANCE_H
    maintenance_start_h: float = 10.0
    meet_overhead_min: float = DEFAULT_MEET_OVERHEAD_MIN
    double_track_occupancy: float = DEFAULT_DOUBLE_TRACK_OCCUPANCY
    k_routes: int = 4
    max_detour: float = 1.6
    route_overlap_max: float = DEFAULT_ROUTE_OVERLAP_MAX
    gateway_detour: float = 2.5
    congestion_weight: float = 1.0
    reroute_on_closure: bool = True
    reroute_gain_h: float = 0.0
    max_origin_backlog_days: float = 10.0
    wagons_per_train_reference: float = 57.0
    routing: str = "adaptive"


@dataclass(frozen=True, slots=True)
class SimSettings:
    """Horizon and randomness of a run.

    Attributes
    ----------
    days
        Simulated days in total, warm-up included.
    warmup_days
        Leading days excluded from statistics.
    seed
        Seeds the one random generator of the run.
    replications
        Independent runs (seeds ``seed``, ``seed + 1``, ...) for confidence
        intervals; the capacity search runs as many at each load.
    service_level_wait_share
        The service level of the practical capacity: the region's trains'
        mean added waiting (door-to-door time minus free transit time) may be
        at most this share of their mean free transit time (``docs/capacity.md``).
    """

    days: float = 365.0
    warmup_days: float = 30.0
    seed: int = 1
    replications: int = DEFAULT_REPLICATIONS
    service_level_wait_share: float = DEFAULT_SERVICE_LEVEL_WAIT_SHARE


@dataclass(frozen=True)
class RunSpec:
    """Everything a run needs: the active network, demand, rules and horizon.

    ``network`` holds only the links that are active in this scenario (planned
    lines opened by a ``changes`` entry included).
    """

    name: str
    network: Network
    flows: tuple[Flow, ...]
    cargo: dict[str, CargoClass] = field(default_factory=lambda: dict(DEFAULT_CARGO))
    operations: Operations = field(default_factory=Operations)
    disruptions: tuple[Disruption, ...] = ()
    settings: SimSettings = field(default_factory=SimSettings)
    description: str = ""
    source_files: tuple[str, ...] = ()

    def with_settings(self, **kw) -> RunSpec:
        """Return a copy with some simulation settings replaced (``seed``, ``days``...)."""
        return replace(self, settings=replace(self.settings, **kw))

    def with_flows(self, flows) -> RunSpec:
        """Return a copy with other flows."""
        return replace(self, flows=tuple(flows))

    def market_flows(self, region: str, direction: str) -> frozenset[str]:
        """Return the ids of the flows of a market: ending in ``region`` (``inbound``) or starting there (``outbound``)."""
        attr = region_attribute(direction)
        return frozenset(f.id for f in self.flows if getattr(f, attr) == region)


def region_of(place: str, network: Network) -> str | None:
    """Region a flow end counts toward: the region itself, a gateway's tag, or the node's country."""
    if place in REGIONS:
        return place
    node = network.nodes.get(place)
    if node is None:
        return None
    return node.region or COUNTRY_REGION.get(node.country)
