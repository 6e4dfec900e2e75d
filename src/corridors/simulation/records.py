"""What a run produces: plain, picklable records.

:class:`SimResult` is the engine's whole output; :class:`TrainRecord` is one
row of ``trains.csv``; :class:`ElementResult` holds one link's measured
statistics, per direction (:class:`DirectionStats`) and, for single track and
ferries, per element (:class:`SingleTrackStats`, :class:`FerryStats`).
:class:`ElementStats` is the mutable accumulator the engine fills while it runs.
:class:`Passage` is one train's pass through one element, kept when a run is
traced (time--space diagrams).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from corridors.elements import HOURS_PER_DAY


class Passage(NamedTuple):
    """One train's pass through one element, recorded when the run is traced. Times in hours.

    Attributes
    ----------
    train_id
        The train (as :attr:`TrainRecord.train_id`).
    element
        Link id, or node id for a yard.
    kind
        ``single``, ``double``, ``border``, ``ferry`` or ``yard``.
    forward
        ``True`` from the link's ``from_node`` to its ``to_node`` (``True`` for yards).
    arrive_h
        When the train reached the element and asked to enter it.
    start_h
        When it was let in: entered its first block (single track), passed the
        entry gate (double track), got a handling track and the day's exchange
        slot (border), got a yard track (yard); on a ferry, its arrival at the
        far port less the crossing's free transit time. ``start_h - arrive_h``
        is the wait before the element.
    leave_h
        When it left the element.
    blocks_h
        Single track only (else empty): the times the train entered and left
        each block, in the order passed: ``(enter 1, leave 1, enter 2, ...)``.
        It left block ``k`` when it reached the loop at its end, so ``enter k+1
        - leave k`` is its wait in that loop.
    """

    train_id: int
    element: str
    kind: str
    forward: bool
    arrive_h: float
    start_h: float
    leave_h: float
    blocks_h: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class TrainRecord:
    """One train's life, for ``trains.csv``. Times in hours; ``nan`` where not reached.

    Attributes
    ----------
    train_id, flow, cargo, origin, destination
        Identity: train number (generation order), flow id, cargo class, end nodes or regions.
    status
        ``delivered``, ``in_network`` or ``refused``.
    where
        Last element (in network), refusal reason, or destination node.
    route
        Node ids joined by ``>`` (empty when refused).
    route_km, tonnes
        Route length, km; net load, tonnes.
    generated_h, entered_h, arrived_h
        Simulation times, hours.
    wait_h, border_h, ferry_h, moving_h
        Hours spent waiting, at borders, on ferries and moving.
    border_crossings
        Borders passed.
    reroutes
        Times the train changed route on the way (:mod:`corridors.simulation.reroute`).
    """

    train_id: int
    flow: str
    cargo: str
    origin: str
    destination: str
    status: str  # delivered | in_network | refused
    where: str  # last element (in network), refusal reason, or destination node
    route: str  # node ids joined by ">"
    route_km: float
    tonnes: float
    generated_h: float
    entered_h: float
    arrived_h: float
    wait_h: float
    border_h: float
    ferry_h: float
    moving_h: float
    border_crossings: int
    reroutes: int = 0

    @property
    def transit_h(self) -> float:
        """Hours door to door: from generation to arrival (``nan`` while under way)."""
        return self.arrived_h - self.generated_h


@dataclass
class ElementStats:
    """Occupancy and waiting at one element in one direction, accumulated during a run.

    Attributes
    ----------
    trains
        Trains that left the element in the measured period.
    busy_h
        Measured occupied hours.
    wait_sum_h, wait_max_h, waits
        Waits (hours) of trains whose wait ended in the measured period.
    queue_area, queue_max
        Reserved for queue-length statistics.
    """

    trains: int = 0
    busy_h: float = 0.0
    wait_sum_h: float = 0.0
    wait_max_h: float = 0.0
    waits: list = field(default_factory=list)
    queue_area: float = 0.0
    queue_max: int = 0


@dataclass(frozen=True, slots=True)
class DirectionStats:
    """Measured statistics of one element in one direction (after warm-up).

    Attributes
    ----------
    trains
        Trains that left the element.
    trains_per_day
        ``trains`` per measured day.
    busy_share
        Share of the measured hours the element was occupied in this direction
        (single track: averaged over its blocks).
    wait_mean_h, wait_p95_h, wait_max_h
        Waits of the trains, hours (0 when none waited).
    """

    trains: int
    trains_per_day: float
    busy_share: float
    wait_mean_h: float
    wait_p95_h: float
    wait_max_h: float

    @classmethod
    def from_stats(cls, s: ElementStats, measured_h: float) -> DirectionStats:
        """Summarise an accumulator over ``measured_h`` hours (> 0)."""
        waits = np.asarray(s.waits) if s.waits else np.zeros(1)
        return cls(
            trains=s.trains,
            trains_per_day=s.trains / measured_h * HOURS_PER_DAY,
            busy_share=s.busy_h / measured_h,
            wait_mean_h=float(waits.mean()) if s.waits else 0.0,
            wait_p95_h=float(np.percentile(waits, 95)) if s.waits else 0.0,
            wait_max_h=s.wait_max_h,
        )


@dataclass(frozen=True, slots=True)
class SingleTrackStats:
    """Whole-run figures of a single-track section.

    Attributes
    ----------
    blocks
        Number of blocks (:func:`corridors.elements.block_layout`).
    critical_block_busy_share
        Occupied share of the busiest block over the whole run.
    opposing_violations
        Times a block was entered while held (an invariant: always 0).
    """

    blocks: int
    critical_block_busy_share: float
    opposing_violations: int


@dataclass(frozen=True, slots=True)
class FerryStats:
    """Measured figures of a ferry link, both directions together.

    Attributes
    ----------
    sailings, wagons_carried
        Departures and wagons carried in the measured period.
    queued_wagons_end
        Wagons waiting at the two ports at the end of the run.
    """

    sailings: int
    wagons_carried: int
    queued_wagons_end: int


@dataclass(frozen=True, slots=True)
class ElementResult:
    """Measured statistics of one link.

    Attributes
    ----------
    ab, ba
        Per direction (``ab``: from ``from_node`` to ``to_node``).
    single_track
        Set for single-track sections only.
    ferry
        Set for ferry links only.
    """

    ab: DirectionStats
    ba: DirectionStats
    single_track: SingleTrackStats | None = None
    ferry: FerryStats | None = None

    def direction(self, d: str) -> DirectionStats:
        """Return the statistics of direction ``d`` (``"ab"`` or ``"ba"``).

        Raises
        ------
        ValueError
            If ``d`` is neither.
        """
        if d == "ab":
            return self.ab
        if d == "ba":
            return self.ba
        raise ValueError(f"direction must be 'ab' or 'ba', not {d!r}")


@dataclass(frozen=True)
class SimResult:
    """Everything a run produced, as plain data.

    Attributes
    ----------
    name, seed, sim_days, warmup_days
        Identity and horizon of the run.
    generated, delivered, in_network, refused
        Train counts over the whole run; ``generated`` is the sum of the others.
    refused_by_reason
        Refusals by reason.
    trains
        One :class:`TrainRecord` per generated train, in id order.
    elements
        Per link id: its :class:`ElementResult` (measured after warm-up).
    route_shares
        Per flow: route label -> trains that took it (measured period).
    in_network_where
        Element (or ``origin:<node>``) -> trains there at the end.
    trace
        When asked for, ``(train_id, link_id, forward, enter_h, leave_h)`` per
        link passed; empty otherwise.
    yards
        Per node id with a yard: its statistics, all trains together
        (measured after warm-up).
    queues
        Per ``(element id, direction)`` (``ab``, ``ba``; a yard's is ``all``):
        trains waiting at the end of each day, shape ``(days,)``, day 1
        first; elements where no train ever waited at a day's end are left out.
    passages
        When traced, one :class:`Passage` per element (link or yard) a train
        has left, in the order they were left; empty otherwise.
    """

    name: str
    seed: int
    sim_days: float
    warmup_days: float
    generated: int
    delivered: int
    in_network: int
    refused: int
    refused_by_reason: dict[str, int]
    trains: tuple[TrainRecord, ...]
    elements: dict[str, ElementResult]
    route_shares: dict[str, dict[str, int]]
    in_network_where: dict[str, int]
    trace: tuple[tuple[int, str, bool, float, float], ...] = ()
    yards: dict[str, DirectionStats] = field(default_factory=dict)
    queues: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    passages: tuple[Passage, ...] = ()
