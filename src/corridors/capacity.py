"""Analytic capacity of sections, border crossings and ferry links.

All figures are trains (or wagons) per day *per direction*. The formulas, and
where they come from, are written out in ``docs/capacity.md``:

* **Single track** (parallel, non-packet timetable; the classic 1520-network
  formula, UIC 406's occupation idea applied to the critical block). A train
  occupies the block between two passing loops for its running time plus a
  meeting overhead (route setting, braking into the loop, starting again).
  A pair of opposing trains therefore needs ``2 (t_run + tau)`` of the
  critical block, and
  ``pairs/day = (24 h - maintenance) / (2 (t_run + tau))``.
  Both directions draw on one budget: ``x_ab + x_ba <= 2 pairs/day``.
* **Double track**, each direction separately: ``(24 h - maintenance) / headway``.
* **Border crossing**: ``min(handling_tracks * 24 / dwell_h, exchange limit)``.
* **Ferry**: ``vessels * wagons_per_vessel * 24 (1 - weather downtime) / cycle_h``
  wagons per day and direction, with ``cycle_h = 2 crossing_h + 4 port_handling_h``
  (each port call unloads then loads).

The meeting overhead ``tau`` is calibrated once, against the published
before-figure of the single-track Dostyk–Moyinty line (at most about 12 pairs a
day in 2023); :func:`calibrate_meet_overhead` does the arithmetic and
``docs/capacity.md`` records the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridors.network import BorderCrossing, FerryLink, Link, RailSection

#: Meeting overhead per train on single track, minutes. Calibrated on
#: Dostyk–Moyinty 2023 (at most ~12 pairs/day over 26 km loop spacing at
#: 50 km/h gives 23.8 min; see docs/capacity.md, pinned by
#: tests/test_capacity.py). A scenario can override it under
#: ``operations.meet_overhead_min``.
DEFAULT_MEET_OVERHEAD_MIN = 24.0

#: Daily maintenance window, hours, when a scenario does not set one
#: (a 2-hour "window" is the usual 1520-network practice; ASSUMPTION in SOURCES.md).
DEFAULT_MAINTENANCE_H = 2.0


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


def block_occupation_h(section: RailSection, meet_overhead_min: float) -> float:
    """Hours one train holds the critical block of a single-track section."""
    spacing = min(section.loop_spacing_km or section.length_km, section.length_km)
    return spacing / section.speed_kmh + meet_overhead_min / 60.0


def link_capacity(
    link: Link,
    *,
    maintenance_h: float = DEFAULT_MAINTENANCE_H,
    meet_overhead_min: float = DEFAULT_MEET_OVERHEAD_MIN,
    wagons_per_train: float = 57.0,
) -> Capacity:
    """Analytic capacity of ``link`` per direction, in trains per day.

    Parameters
    ----------
    link
        A rail section, border crossing or ferry link.
    maintenance_h
        Daily maintenance window taken off rail sections.
    meet_overhead_min
        Single-track meeting overhead per train (calibrated).
    wagons_per_train
        Converts a ferry's wagon capacity into trains.
    """
    avail_h = 24.0 - maintenance_h
    if isinstance(link, RailSection):
        if link.tracks == 1:
            occ = block_occupation_h(link, meet_overhead_min)
            pairs = avail_h / (2 * occ)
            return Capacity(
                link.id, "rail", pairs, shared=True,
                formula=f"single track: {avail_h:g} h / (2 x {occ * 60:.1f} min) = {pairs:.1f} pairs/day",
            )
        cap = avail_h * 60.0 / link.headway_min
        return Capacity(
            link.id, "rail", cap,
            formula=f"double track: {avail_h:g} h / {link.headway_min:g} min = {cap:.1f} trains/day/direction",
        )
    if isinstance(link, BorderCrossing):
        handling = link.handling_tracks * 24.0 / link.dwell_h
        cap = min(handling, link.exchange_limit_trains_per_day or float("inf"))
        lim = f", exchange limit {link.exchange_limit_trains_per_day:g}" if link.exchange_limit_trains_per_day else ""
        return Capacity(
            link.id, "border", cap,
            formula=f"border: {link.handling_tracks} tracks x 24 h / {link.dwell_h:g} h = {handling:.1f}{lim}",
        )
    assert isinstance(link, FerryLink)
    cycle_h = ferry_cycle_h(link)
    wagons = link.vessels * link.wagons_per_vessel * 24.0 * (1 - link.weather_downtime_share) / cycle_h
    return Capacity(
        link.id, "ferry", wagons / wagons_per_train, wagons_per_day=wagons,
        formula=(
            f"ferry: {link.vessels} vessels x {link.wagons_per_vessel} wagons x 24 h x "
            f"(1 - {link.weather_downtime_share:g}) / {cycle_h:g} h cycle = {wagons:.0f} wagons/day"
        ),
    )


def ferry_cycle_h(link: FerryLink) -> float:
    """A vessel's round trip: two crossings and four port operations (unload, load at each end)."""
    return 2 * link.crossing_h + 4 * link.port_handling_h


def calibrate_meet_overhead(
    sections: list[RailSection], target_pairs_per_day: float, *, maintenance_h: float = DEFAULT_MAINTENANCE_H
) -> float:
    """Meeting overhead (minutes) that makes the limiting section carry ``target_pairs_per_day``.

    The limiting section of a line is the one with the longest block running
    time; the overhead solves ``(24 - m) / (2 (t_run + tau)) = target``.
    """
    t_run_h = max(min(s.loop_spacing_km or s.length_km, s.length_km) / s.speed_kmh for s in sections)
    tau_h = (24.0 - maintenance_h) / (2 * target_pairs_per_day) - t_run_h
    return tau_h * 60.0
