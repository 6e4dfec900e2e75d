"""The rules of the network's elements: the only copy of each.

The engine (:mod:`corridors.simulation`), the LP bound (:mod:`corridors.bound`),
the result tables (:mod:`corridors.results`) and the maps all call these
functions, so they agree by construction. The formulas, and where they come
from, are written out in ``docs/capacity.md``. All capacities are trains (or
wagons) per day *per direction*.

* **Single-track block layout.** A section is cut into
  ``n = max(1, round_half_up(length_km / loop_spacing_km))`` equal blocks
  between passing loops (loop spacing capped at the length; no loop spacing
  means one block), ``block_km = length_km / n``. The engine's blocks, the
  analytic capacity and the bound's per-train coefficient all use this
  ``block_km``: the critical block *is* the block.
* **Single-track capacity** (parallel, non-packet timetable; the classic
  1520-network formula, UIC 406's occupation idea applied to the block). A
  train holds a block for its running time plus a meeting overhead ``tau``
  (route setting, braking into the loop, starting again); a pair of opposing
  trains needs ``2 (t_run + tau)``, so
  ``pairs/day = (24 h - maintenance) / (2 (t_run + tau))``. Both directions
  draw on one budget: ``x_ab + x_ba <= 2 pairs/day``.
* **Double track**, each direction separately: ``entry_h / timetable
  headway`` with ``entry_h = 24 h - maintenance`` (:func:`double_track_entry_h`):
  no train enters during the daily window, and a train already on the section
  stands at a station while the window is in force (a double-track section has
  intermediate stations; its maintenance closes stretches between them). The
  timetable headway is the minimum (signalling) headway divided by the UIC 406
  occupancy limit (:func:`timetable_headway_min`): a timetable that packs
  trains at the minimum headway all day has no buffer for the stations,
  junctions, speed differences and perturbations that the section's one
  headway leaves out, so UIC 406 recommends using at most a share of the day.
* **Running speed**: the section's line speed times the cargo's speed factor,
  capped at :data:`MAX_SPEED_FACTOR`.
* **Border crossing**: ``min(handling_tracks * 24 / dwell_h, exchange limit)``.
* **Ferry**: ``vessels * wagons_per_vessel * 24 (1 - weather downtime) / cycle_h``
  wagons per day and direction, with ``cycle_h = 2 crossing_h + 4 port_handling_h``
  (each port call unloads then loads); a train's transit without waiting is
  ``crossing_h + 2 port_handling_h``.
* **Regions**: a flow is *inbound* to the region of its destination and
  *outbound* from the region of its origin.

The meeting overhead ``tau`` is calibrated once, against the published
before-figure of the single-track Dostyk–Moyinty line (at most about 12 pairs a
day in 2023); :func:`calibrate_meet_overhead` does the arithmetic.

The module imports nothing from the rest of the package at run time (the link
records are dispatched on their ``kind``), so :mod:`corridors.network` and
:mod:`corridors.model` can use it; it imports neither geopandas nor matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridors.network import BorderCrossing, FerryLink, Link, RailSection

#: Hours in a day.
HOURS_PER_DAY = 24.0

#: Meeting overhead per train on single track, minutes. Calibrated on
#: Dostyk–Moyinty 2023 (at most ~12 pairs/day; its limiting sections cut into
#: 27.7 km blocks at 50 km/h give 21.8 min; see docs/capacity.md, pinned by
#: tests/test_capacity.py). A scenario can override it under
#: ``operations.meet_overhead_min``.
DEFAULT_MEET_OVERHEAD_MIN = 22.0

#: Share of the day a double-track timetable may occupy: UIC Code 406 (1st ed.,
#: 2004), recommended limit for mixed-traffic lines over the daily period, 60 %
#: (75 % in the peak hour). The minimum headway times this share's inverse is the
#: headway a timetable plans with. A scenario can override it under
#: ``operations.double_track_occupancy``; networks/SOURCES.md and
#: docs/capacity.md say why this share and not a fitted one.
DEFAULT_DOUBLE_TRACK_OCCUPANCY = 0.60

#: Daily maintenance window, hours, when a scenario does not set one
#: (a 2-hour "window" is the usual 1520-network practice; ASSUMPTION in SOURCES.md).
DEFAULT_MAINTENANCE_H = 2.0

#: A cargo class runs at most this multiple of a section's line speed.
MAX_SPEED_FACTOR = 1.2

#: Which flow attribute places a flow in a region, per direction.
REGION_ATTRIBUTE = {"inbound": "destination_region", "outbound": "origin_region"}


# --------------------------------------------------------------------------- rail


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (``2.5 -> 3``; Python's ``round`` gives 2).

    Parameters
    ----------
    x
        A non-negative number.

    Returns
    -------
    int
        ``floor(x + 0.5)``.
    """
    return math.floor(x + 0.5)


@dataclass(frozen=True, slots=True)
class BlockLayout:
    """How a single-track section is cut into blocks between passing loops.

    Attributes
    ----------
    n_blocks
        Number of equal blocks, at least 1.
    block_km
        Length of each block, km (``length_km / n_blocks``).
    """

    n_blocks: int
    block_km: float


def block_layout(section: RailSection) -> BlockLayout:
    """Cut a single-track section into blocks between passing loops (see the module docstring).

    Parameters
    ----------
    section
        A rail section; its ``loop_spacing_km`` (km, may be ``None``) and
        ``length_km`` are read.

    Returns
    -------
    BlockLayout
        ``n = max(1, round_half_up(length_km / spacing))`` blocks of
        ``length_km / n`` km, where ``spacing`` is the loop spacing capped at
        the length (the length when there is no loop spacing).
    """
    spacing_km = min(section.loop_spacing_km or section.length_km, section.length_km)
    n = max(1, round_half_up(section.length_km / spacing_km))
    return BlockLayout(n, section.length_km / n)


def running_speed_kmh(section: RailSection, speed_factor: float = 1.0) -> float:
    """Speed of a train on ``section``, km/h.

    Parameters
    ----------
    section
        A rail section (``speed_kmh``: line speed, km/h).
    speed_factor
        The cargo class's multiple of line speed; capped at :data:`MAX_SPEED_FACTOR`.

    Returns
    -------
    float
        ``speed_kmh * min(speed_factor, MAX_SPEED_FACTOR)``.
    """
    return section.speed_kmh * min(speed_factor, MAX_SPEED_FACTOR)


def running_time_h(distance_km: float, section: RailSection, speed_factor: float = 1.0) -> float:
    """Hours to run ``distance_km`` on ``section`` at :func:`running_speed_kmh`.

    Parameters
    ----------
    distance_km
        Distance, km (a block, or the whole section).
    section
        The rail section.
    speed_factor
        The cargo class's multiple of line speed (capped).

    Returns
    -------
    float
        Running time, hours.
    """
    return distance_km / running_speed_kmh(section, speed_factor)


def double_track_entry_h(maintenance_h: float) -> float:
    """Hours a day trains may enter a double-track section under the daily maintenance rule.

    Parameters
    ----------
    maintenance_h
        Daily maintenance window, hours.

    Returns
    -------
    float
        ``24 - maintenance_h``: trains enter outside the window only. A train on
        its way stands at a station during the window instead of being held at
        the entry until it could clear the whole section: holding it would cut
        a 1,000 km section to a few hours of entries a day, which no operator
        does (maintenance closes one stretch at a time).
    """
    return HOURS_PER_DAY - maintenance_h


def timetable_headway_min(section: RailSection, occupancy: float) -> float:
    """Headway between following trains that a double-track timetable plans with, minutes.

    Parameters
    ----------
    section
        A double-track rail section (``headway_min`` set).
    occupancy
        Largest share of the day the timetable may occupy (UIC 406 limit,
        :data:`DEFAULT_DOUBLE_TRACK_OCCUPANCY`), in (0, 1].

    Returns
    -------
    float
        ``headway_min / occupancy``: the minimum headway plus the buffer time
        UIC 406 leaves between train paths. The engine spaces entering trains
        by it and the capacity tables divide the entry hours by it, so both
        give ``occupancy x`` the minimum-headway capacity.
    """
    return section.headway_min / occupancy


def block_occupation_h(section: RailSection, meet_overhead_min: float, speed_factor: float = 1.0) -> float:
    """Hours one train holds a block of a single-track section.

    Parameters
    ----------
    section
        A single-track rail section.
    meet_overhead_min
        Meeting overhead per train, minutes.
    speed_factor
        The train's cargo speed factor (1 for the formula's standard train).

    Returns
    -------
    float
        Running time over one block (:func:`block_layout`) plus the overhead, hours.
    """
    return running_time_h(block_layout(section).block_km, section, speed_factor) + meet_overhead_min / 60.0


def single_track_coef(section: RailSection, speed_factor: float, meet_overhead_min: float) -> float:
    """Return a train's block occupation in units of the capacity formula's standard train.

    A faster cargo class holds a block for less time, so the LP bound charges
    each train its own occupation against the formula's.

    Parameters
    ----------
    section
        A single-track rail section.
    speed_factor
        The train's cargo speed factor.
    meet_overhead_min
        Meeting overhead per train, minutes.

    Returns
    -------
    float
        ``block_occupation_h(speed_factor) / block_occupation_h(1)`` (dimensionless).
    """
    own = block_occupation_h(section, meet_overhead_min, speed_factor)
    return own / block_occupation_h(section, meet_overhead_min)


# --------------------------------------------------------------------------- borders and ferries


def border_handling_per_day(link: BorderCrossing) -> float:
    """Trains a border can handle per day and direction, before any exchange limit.

    Parameters
    ----------
    link
        A border crossing (``handling_tracks``, ``dwell_h`` in hours).

    Returns
    -------
    float
        ``handling_tracks * 24 / dwell_h``, trains/day.
    """
    return handling_rate_per_day(link.handling_tracks, link.dwell_h)


def handling_rate_per_day(handling_tracks: float, dwell_h: float) -> float:
    """Trains per day that ``handling_tracks`` parallel tracks handle at a dwell of ``dwell_h`` hours.

    The network's ``handling_trains_per_day`` of a border is this figure
    (derived, never set on its own).

    Parameters
    ----------
    handling_tracks
        Handling tracks per direction.
    dwell_h
        Typical dwell of one train, hours (> 0).

    Returns
    -------
    float
        ``handling_tracks * 24 / dwell_h``, trains/day.
    """
    return handling_tracks * HOURS_PER_DAY / dwell_h


def border_rate_per_day(link: BorderCrossing) -> float:
    """Border capacity per direction: handling rate capped by the daily exchange limit.

    Parameters
    ----------
    link
        A border crossing.

    Returns
    -------
    float
        ``min(border_handling_per_day, exchange_limit_trains_per_day)``, trains/day.
    """
    return min(border_handling_per_day(link), link.exchange_limit_trains_per_day or math.inf)


def ferry_cycle_h(link: FerryLink) -> float:
    """Return a vessel's round trip: two crossings and four port calls (unload, load at each end).

    Parameters
    ----------
    link
        A ferry link (``crossing_h``, ``port_handling_h`` in hours).

    Returns
    -------
    float
        ``2 crossing_h + 4 port_handling_h``, hours.
    """
    return 2 * link.crossing_h + 4 * link.port_handling_h


def ferry_transit_h(link: FerryLink) -> float:
    """Return a train's ferry transit without waiting: load, cross, unload.

    Parameters
    ----------
    link
        A ferry link.

    Returns
    -------
    float
        ``crossing_h + 2 port_handling_h``, hours.
    """
    return link.crossing_h + 2 * link.port_handling_h


def clearance_h(link: Link, forward: bool | None) -> float:
    """Return the mean clearance hold of a border crossing in one direction, hours.

    The hold stands for the receiving country's formalities (customs,
    inspection, acceptance by its railway). A train spends it on a reception
    track after its handling, so it holds no handling track and limits no
    capacity. It counts on the entry side of the crossing (CAREC CPMM's
    border-crossing time of the receiving country), the queue before the
    handover on the exit side.

    Parameters
    ----------
    link
        Any link; only a border crossing has a hold.
    forward
        ``True``: from ``from_node`` to ``to_node`` (``clearance_ab_h``);
        ``False``: the other way; ``None``: the mean of the two, for what has
        no direction (the undirected routing graph, link tables).

    Returns
    -------
    float
        Hours (0 for rail sections and ferries).
    """
    if link.kind != "border":
        return 0.0
    if forward is None:
        return (link.clearance_ab_h + link.clearance_ba_h) / 2
    return link.clearance_ab_h if forward else link.clearance_ba_h


def free_time_h(link: Link, forward: bool | None = None) -> float:
    """Time an unhindered train needs to pass ``link``, in hours.

    Parameters
    ----------
    link
        A rail section (running time at line speed), border crossing (typical
        dwell plus the clearance hold, :func:`clearance_h`) or ferry link
        (:func:`ferry_transit_h`).
    forward
        Direction, as :func:`clearance_h` takes it (only a crossing's hold
        depends on it).

    Returns
    -------
    float
        Hours.
    """
    if link.kind == "rail":
        return link.length_km / link.speed_kmh
    if link.kind == "border":
        return link.dwell_h + clearance_h(link, forward)
    return ferry_transit_h(link)


def yard_dwell_h(node) -> float:
    """Return a train's stop at a node's yard, hours (0 for a node without a yard).

    Parameters
    ----------
    node
        A :class:`~corridors.network.Node`.
    """
    return node.yard_dwell_h if node.yard_tracks is not None and node.yard_dwell_h is not None else 0.0


def yard_capacity_per_day(node) -> float | None:
    """Return the trains a day a node's yard can take, all directions together, or None without a yard.

    ``yard_tracks x 24 / yard_dwell_h``: the receiving-departure tracks each
    hold one train for its stop (Little's law at full occupation, the rule of
    :func:`handling_rate_per_day`).

    Parameters
    ----------
    node
        A :class:`~corridors.network.Node`.
    """
    if node.yard_tracks is None or node.yard_dwell_h is None:
        return None
    return handling_rate_per_day(node.yard_tracks, node.yard_dwell_h)


def element_kind(link: Link) -> str:
    """Name the element type of a link, as reports do.

    Parameters
    ----------
    link
        A rail section, border crossing or ferry link.

    Returns
    -------
    str
        ``single_track``, ``double_track``, ``border`` or ``ferry``.
    """
    if link.kind == "rail":
        return "single_track" if link.tracks == 1 else "double_track"
    return link.kind


def element_kind_of(network, element_id: str) -> str:
    """Name the element type of a link or a node's yard of ``network``, as reports do.

    Parameters
    ----------
    network
        A :class:`~corridors.network.Network`.
    element_id
        A link id (:func:`element_kind`) or the id of a node with a yard (``yard``).
    """
    link = network.links.get(element_id)
    if link is not None:
        return element_kind(link)
    if element_id in network.nodes:
        return "yard"
    raise KeyError(f"'{element_id}' is neither a link nor a node of {network.name}")


# --------------------------------------------------------------------------- capacity


@dataclass(frozen=True, slots=True)
class Capacity:
    """Analytic capacity of one element.

    Attributes
    ----------
    id, kind
        The link.
    trains_per_day
        Per direction. For single track this is the pair count: the two
        directions together cannot exceed ``2 * trains_per_day``.
    shared
        True when both directions share one budget (single track).
    wagons_per_day
        Per direction, for ferries (``None`` otherwise).
    formula
        The formula with its numbers, for reports.
    """

    id: str
    kind: str
    trains_per_day: float
    shared: bool = False
    wagons_per_day: float | None = None
    formula: str = ""


def link_capacity(
    link: Link,
    *,
    maintenance_h: float = DEFAULT_MAINTENANCE_H,
    meet_overhead_min: float = DEFAULT_MEET_OVERHEAD_MIN,
    double_track_occupancy: float = DEFAULT_DOUBLE_TRACK_OCCUPANCY,
    wagons_per_train: float = 57.0,
) -> Capacity:
    """Analytic capacity of ``link`` per direction, in trains per day.

    Parameters
    ----------
    link
        A rail section, border crossing or ferry link.
    maintenance_h
        Daily maintenance window taken off rail sections, hours.
    meet_overhead_min
        Single-track meeting overhead per train (calibrated), minutes.
    double_track_occupancy
        UIC 406 occupancy limit on double track (:func:`timetable_headway_min`).
    wagons_per_train
        Converts a ferry's wagon capacity into trains.

    Returns
    -------
    Capacity
        Trains/day per direction (pairs/day for single track, with ``shared``),
        wagons/day for ferries, and the formula with its numbers.
    """
    avail_h = HOURS_PER_DAY - maintenance_h
    if link.kind == "rail":
        if link.tracks == 1:
            occ = block_occupation_h(link, meet_overhead_min)
            pairs = avail_h / (2 * occ)
            return Capacity(
                link.id, "rail", pairs, shared=True,
                formula=f"single track: {avail_h:g} h / (2 x {occ * 60:.1f} min) = {pairs:.1f} pairs/day",
            )
        entry_h = double_track_entry_h(maintenance_h)
        headway = timetable_headway_min(link, double_track_occupancy)
        cap = entry_h * 60.0 / headway
        return Capacity(
            link.id, "rail", cap,
            formula=(f"double track: {entry_h:g} h / ({link.headway_min:g} min / {double_track_occupancy:.0%} "
                     f"UIC 406 occupancy) = {cap:.1f} trains/day/direction"),
        )
    if link.kind == "border":
        handling = border_handling_per_day(link)
        lim = f", exchange limit {link.exchange_limit_trains_per_day:g}" if link.exchange_limit_trains_per_day else ""
        return Capacity(
            link.id, "border", border_rate_per_day(link),
            formula=f"border: {link.handling_tracks} tracks x 24 h / {link.dwell_h:g} h = {handling:.1f}{lim}",
        )
    cycle_h = ferry_cycle_h(link)
    wagons = link.vessels * link.wagons_per_vessel * HOURS_PER_DAY * (1 - link.weather_downtime_share) / cycle_h
    return Capacity(
        link.id, "ferry", wagons / wagons_per_train, wagons_per_day=wagons,
        formula=(
            f"ferry: {link.vessels} vessels x {link.wagons_per_vessel} wagons x 24 h x "
            f"(1 - {link.weather_downtime_share:g}) / {cycle_h:g} h cycle = {wagons:.0f} wagons/day"
        ),
    )


def utilisation(link: Link, cap: Capacity, ab_trains_per_day: float, ba_trains_per_day: float) -> float:
    """Carried traffic over analytic capacity.

    Parameters
    ----------
    link
        The link.
    cap
        Its :func:`link_capacity`.
    ab_trains_per_day, ba_trains_per_day
        Trains carried per day in each direction.

    Returns
    -------
    float
        Single track: both directions on one budget, ``(ab + ba) / (2 pairs)``;
        otherwise the busier direction over the per-direction capacity. 0 for
        an element closed over the whole period (capacity 0): the few trains
        that finish a block or a sailing as it closes are no load on it.
    """
    if cap.trains_per_day <= 0.0:
        return 0.0
    if link.kind == "rail" and link.tracks == 1:
        return (ab_trains_per_day + ba_trains_per_day) / (2 * cap.trains_per_day)
    return max(ab_trains_per_day, ba_trains_per_day) / cap.trains_per_day


def calibrate_meet_overhead(
    sections: list[RailSection], target_pairs_per_day: float, *, maintenance_h: float = DEFAULT_MAINTENANCE_H
) -> float:
    """Meeting overhead that makes the limiting section carry ``target_pairs_per_day``.

    The limiting section of a line is the one with the longest block running
    time (blocks as :func:`block_layout` cuts them); the overhead solves
    ``(24 - m) / (2 (t_run + tau)) = target``.

    Parameters
    ----------
    sections
        The single-track sections of the line (non-empty).
    target_pairs_per_day
        The published capacity of the line, pairs/day.
    maintenance_h
        Daily maintenance window, hours.

    Returns
    -------
    float
        The meeting overhead ``tau``, minutes.

    Raises
    ------
    ValueError
        If ``sections`` is empty.
    """
    t_run_h = max(running_time_h(block_layout(s).block_km, s) for s in sections)
    tau_h = (HOURS_PER_DAY - maintenance_h) / (2 * target_pairs_per_day) - t_run_h
    return tau_h * 60.0


# --------------------------------------------------------------------------- regions


def international(link: BorderCrossing) -> bool:
    """Tell whether a border-crossing link joins two countries (``KZ-CN``), not a gauge change inside one (``GE-GE``).

    Only an international crossing has customs and border posts: a border fee (:mod:`corridors.costs`) and a
    count in CAREC CPMM's border-crossing time per crossing.
    """
    return len(set(link.countries.split("-"))) > 1


def region_attribute(direction: str) -> str:
    """Return the flow attribute that places a flow in a region for ``direction``.

    Parameters
    ----------
    direction
        ``inbound`` (flows ending in the region) or ``outbound`` (starting there).

    Returns
    -------
    str
        ``destination_region`` or ``origin_region``.

    Raises
    ------
    ValueError
        If ``direction`` is neither.
    """
    try:
        return REGION_ATTRIBUTE[direction]
    except KeyError:
        raise ValueError(f"direction must be 'inbound' or 'outbound', not {direction!r}") from None


#: How a direction reads in words, in every table, chart, map and brief: freight *to* or *from* a market.
DIRECTION_WORD = {"inbound": "to", "outbound": "from"}


def flow_label(region: str, direction: str) -> str:
    """Name a market's flows in words: ``to China`` (inbound), ``from China`` (outbound).

    Parameters
    ----------
    region
        A market, one of :data:`corridors.REGIONS`.
    direction
        ``"inbound"`` or ``"outbound"``; any other is written after the region as given.

    Returns
    -------
    str
    """
    word = DIRECTION_WORD.get(direction)
    return f"{word} {region}" if word else f"{region} {direction}"
