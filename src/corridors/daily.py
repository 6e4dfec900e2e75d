"""A run day by day: trains generated, delivered and in the network per market, and queues per element.

Day ``d`` (1-based in the files) is the simulated hours ``[24 (d - 1), 24 d)``;
counts "at a day's end" are taken at ``24 d``. The warm-up is included, so a
disruption can be followed from its start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from corridors import REGIONS
from corridors.elements import region_attribute
from corridors.model import RunSpec
from corridors.simulation import HOURS_PER_DAY, SimResult


def _r(x: float, nd: int = 3) -> float | None:
    """Round for stable, readable files (nan becomes an empty cell)."""
    return None if not math.isfinite(x) else round(float(x), nd)


TIMESERIES_COLUMNS = ("day", "market", "direction", "generated", "refused", "delivered", "in_network",
                      "in_network_kt", "in_network_undisturbed", "in_network_undisturbed_kt")


@dataclass(frozen=True)
class DailyBalance:
    """One group's daily counts: the network (``market`` and ``direction`` ``all``) or one market and direction.

    Attributes
    ----------
    market, direction
        ``all``/``all``, or a market of :data:`~corridors.REGIONS` and ``inbound``/``outbound``.
    generated, refused, delivered
        Trains per day, shape ``(days,)``; day ``d`` (0-based here) is hours ``[24 d, 24 (d + 1))``.
    in_network, in_network_kt
        Trains, and thousand tonnes, in the network at each day's end, shape ``(days,)``.
    train_ids
        Ids of the group's trains (for train-by-train comparisons).
    """

    market: str
    direction: str
    generated: np.ndarray
    refused: np.ndarray
    delivered: np.ndarray
    in_network: np.ndarray
    in_network_kt: np.ndarray
    train_ids: frozenset


def daily_balances(spec: RunSpec, res: SimResult) -> list[DailyBalance]:
    """Daily counts of the whole network and of each market's flows.

    "In the network" is every train generated and not yet delivered or
    refused: waiting at its origin, queued or running; the warm-up is included,
    so a disruption can be followed from its start. A train is counted once
    for the network and once for each market its flow goes to (``inbound``) or
    comes from (``outbound``), as in ``summary.json``.

    Parameters
    ----------
    spec
        The run's scenario (its flows give each train's markets).
    res
        The run's result.

    Returns
    -------
    list of DailyBalance
        The network first, then the markets in :data:`~corridors.REGIONS` order, inbound before outbound
        (markets without flows left out).
    """
    days = max(int(math.ceil(res.sim_days - 1e-9)), 1)
    edges = np.arange(days + 1) * HOURS_PER_DAY
    flows = {f.id: f for f in spec.flows}
    groups: list[tuple[str, str, list]] = [("all", "all", list(res.trains))]
    for region in REGIONS:
        for direction in ("inbound", "outbound"):
            attr = region_attribute(direction)
            ts = [t for t in res.trains if getattr(flows.get(t.flow), attr, None) == region]
            if ts:
                groups.append((region, direction, ts))
    out = []
    for market, direction, ts in groups:
        # per day: trains (and tonnes) generated, refused at entry, delivered; those inside = the running balance
        events = [([t.generated_h for t in ts], [t.tonnes for t in ts]),
                  ([t.generated_h for t in ts if t.status == "refused"], [t.tonnes for t in ts if t.status == "refused"]),
                  ([t.arrived_h for t in ts if t.status == "delivered"],
                   [t.tonnes for t in ts if t.status == "delivered"])]
        counts = [np.histogram(x, bins=edges)[0] for x, _ in events]
        kt = [np.histogram(x, bins=edges, weights=w)[0] / 1e3 for x, w in events]
        out.append(DailyBalance(market, direction, *counts,
                                np.cumsum(counts[0]) - np.cumsum(counts[1]) - np.cumsum(counts[2]),
                                np.cumsum(kt[0]) - np.cumsum(kt[1]) - np.cumsum(kt[2]),
                                frozenset(t.train_id for t in ts)))
    return out


def timeseries_rows(spec: RunSpec, res: SimResult, undisturbed: list[DailyBalance] | None = None) -> list[dict]:
    """Rows of ``timeseries.csv``: :func:`daily_balances` per day, with the undisturbed twin's backlog.

    For each day ``d`` (1 = the first 24 simulated hours): trains generated,
    refused at entry and delivered during the day, and trains (and thousand
    tonnes) in the network at its end; for a scenario with disruptions also
    the same count in its undisturbed twin (same seed, no closures or
    slowdowns: :mod:`corridors.disruption`), blank otherwise.

    Parameters
    ----------
    spec
        The run's scenario (its flows give each train's markets).
    res
        The run's result.
    undisturbed
        The twin's :func:`daily_balances`, when the scenario has disruptions.

    Returns
    -------
    list of dict
        Rows with :data:`TIMESERIES_COLUMNS`, by day, then network first and the markets in
        :data:`~corridors.REGIONS` order, inbound before outbound (markets without flows left out).
    """
    twin = {(b.market, b.direction): b for b in undisturbed or ()}
    rows = []
    balances = daily_balances(spec, res)
    for d in range(len(balances[0].in_network)):
        for b in balances:
            u = twin.get((b.market, b.direction))
            rows.append({"day": d + 1, "market": b.market, "direction": b.direction,
                         "generated": int(b.generated[d]), "refused": int(b.refused[d]),
                         "delivered": int(b.delivered[d]), "in_network": int(b.in_network[d]),
                         "in_network_kt": _r(b.in_network_kt[d]),
                         "in_network_undisturbed": None if u is None else int(u.in_network[d]),
                         "in_network_undisturbed_kt": None if u is None else _r(u.in_network_kt[d])})
    return rows


#: Columns of ``queues.csv``.
QUEUE_COLUMNS = ("day", "element", "kind", "direction", "waiting")


def queue_rows(spec: RunSpec, res: SimResult) -> list[dict]:
    """Rows of ``queues.csv``: trains waiting at each element at each day's end (rows with none left out).

    A train waits when it stands for a block or a double-track gate, a border
    handling track, a yard track, or at a ferry port until its last wagon is
    loaded. ``direction`` is ``ab`` (from the link's ``from_node``) or ``ba``;
    a yard's is ``all``.

    Parameters
    ----------
    spec
        The run's scenario (the element kinds).
    res
        The run's result (:attr:`~corridors.simulation.SimResult.queues`).

    Returns
    -------
    list of dict
        Rows with :data:`QUEUE_COLUMNS`, by day, then element id and direction.
    """
    links = spec.network.links
    kinds = {lid: lk.kind for lid, lk in links.items()}
    rows = []
    for (eid, d), counts in sorted(res.queues.items()):
        kind = "yard" if d == "all" else kinds.get(eid, "")
        rows += [{"day": day + 1, "element": eid, "kind": kind, "direction": d, "waiting": n}
                 for day, n in enumerate(counts) if n]
    return sorted(rows, key=lambda r: (r["day"], r["element"], r["direction"]))
