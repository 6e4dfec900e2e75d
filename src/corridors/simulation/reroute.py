"""Rerouting on the way: a train that meets a closure ahead (or a far worse queue) takes another route.

The rule (``operations.reroute_on_closure``, ``operations.reroute_gain_h``)
------------------------------------------------------------------------------
Before each leg after its first, a train looks at the way ahead:

* **A closure ahead** (on by default): the leg ahead is closed now, or, at a
  junction (a node with three or more arcs out), a link further on is closed
  now and will still be when the train gets there at free running (closures
  that have not begun are not foreseen). The train compares,
  from the node where it stands, the rest of its route (waiting for the
  closure to end included) with the candidate routes from that node to its
  destination (:func:`corridors.routing.candidate_routes`, the flow's
  ``avoid`` honoured), by free time plus the current queue estimate (as route
  choice at departure, :func:`route_cost_h`), and takes the cheapest; on a tie
  it keeps its route. The candidates leave out the closed links, so the
  detour limit (``operations.max_detour``) counts from the best open way.
  Dispatchers do send trains round a line that is shut when another way is
  open; a train already close to the closure finds every other way longer
  than the wait and stays, as the >130 trains held at Brest in September 2025
  did (facts §2).
* **A far worse queue** (off by default, ``reroute_gain_h`` = 0): at a
  junction, the train switches when another route (without the link ahead) is
  expected to be more than ``reroute_gain_h`` hours faster. Off by default: a
  China--Europe train runs on paths and border documents booked for its
  route, and operators divert such trains on closures, not on queue lengths.

A train never turns back over the track it has run (the candidates leave out
the nodes it passed): one that has nowhere else to go waits for the reopening.
A train still waiting at its origin keeps the route it chose there. Flows with
a ``via`` constraint keep their route (a corridor fixed by the scenario). A rerouted train keeps its identity: it is counted once, and the
route it reports is the one it travelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridors.routing import Route, candidate_routes, leg_free_h
from corridors.simulation.resources import NO_DISRUPTION

if TYPE_CHECKING:
    from corridors.simulation.engine import Simulation, Train


def route_cost_h(free_h: float, legs, now: float, weight: float) -> float:
    """Return the expected hours of a route for a train choosing now: free time, weighted queues, closures.

    Only closures in force now are known (no train foresees a closure that has
    not begun); each lasts to its scheduled end and counts for the hours it
    will still be in force when the train gets there at free running
    (``offset_h`` after now): a short closure far ahead is over before the
    train arrives.

    Parameters
    ----------
    free_h
        The route's free time, hours.
    legs
        ``(delay estimate, direction, schedule or None, offset_h)`` per leg and yard (:func:`leg_terms`).
    now
        Simulation time, hours.
    weight
        ``operations.congestion_weight``.

    Returns
    -------
    float
        Hours.
    """
    cost = free_h
    for estimate_h, d, schedule, offset_h in legs:
        cost += weight * estimate_h(d)
        if schedule is not None:
            cost += closed_at_arrival_h(schedule, now, offset_h)
    return cost


def closed_at_arrival_h(schedule, now: float, offset_h: float) -> float:
    """Hours a closure in force now will still last when a train gets there ``offset_h`` from now (0: open).

    The one rule of what a train knows of a closure: only closures in force
    now are known, each lasts to its scheduled end.
    """
    closed = schedule.closed_until(now)
    return closed - now - offset_h if closed is not None and closed > now + offset_h else 0.0


def leg_terms(route: Route, sim: Simulation) -> list:
    """List the cost terms of ``route`` for :func:`route_cost_h`, one per leg and yard on it.

    Each is ``(delay estimate, direction, schedule or None, offset_h)``: the
    element's queue estimate, the direction, its closures (``None`` for an
    undisturbed element, most of them) and the free time from the start of the
    route to the leg (running, handling and yard stops), hours.
    """
    links, graph = sim.spec.network.links, sim.G
    terms, offset_h = [], 0.0
    for here, (lid, fwd) in zip(route.nodes, route.legs):
        offset_h += graph.nodes[here].get("yard_h", 0.0)  # the stop at the yard before the leg
        el = sim.elements[lid]
        terms.append((el.delay_estimate_h, "ab" if fwd else "ba",
                      None if el.schedule is NO_DISRUPTION else el.schedule, offset_h))
        offset_h += leg_free_h(links[lid], fwd)
    terms += [(sim.yards[n].delay_estimate_h, "ab", None, 0.0) for n in route.nodes if n in sim.yards]
    return terms


class Rerouter:
    """The rerouting rule of one run (module docstring): candidate routes from mid-route nodes, cached.

    Parameters
    ----------
    sim
        The run.
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        ops = sim.spec.operations
        self.on_closure = ops.reroute_on_closure
        self.gain_h = ops.reroute_gain_h
        self.disrupted = any(el.schedule is not NO_DISRUPTION for el in sim.elements.values())
        self.active = (self.on_closure and self.disrupted) or self.gain_h > 0
        self._from: dict[tuple, list[Route]] = {}

    def _alternatives(self, t: Train, here: str, leave_out: tuple[str, ...]) -> list[Route]:
        """Candidate routes from ``here`` to the train's destination without ``leave_out`` (cached).

        ``leave_out`` holds the closed links (or the link ahead) and the nodes
        the train has passed. Without the links the detour limit counts from the
        best other way, so a way round a closure or a queue is a candidate
        however short the route it replaces; without the nodes no train turns
        back over track it has run, and the journey stays loop-free.
        """
        avoid = t.flow.avoid + leave_out
        key = (here, t.flow.destination, avoid)
        got = self._from.get(key)
        if got is None:
            sim, ops = self.sim, self.sim.spec.operations
            got = self._from[key] = candidate_routes(
                sim.G, here, t.flow.destination, k=ops.k_routes, max_detour=ops.max_detour, avoid=avoid,
                regions=sim.regions, gateway_detour=ops.gateway_detour, max_overlap=ops.route_overlap_max)
        return got

    def replan(self, t: Train, route: Route, pos: int) -> Route | None:
        """Return the rest of the journey from ``route.nodes[pos]`` if the rule says change, else ``None``.

        Parameters
        ----------
        t
            The train, about to enter leg ``pos`` of ``route``.
        route
            Its route so far (the legs before ``pos`` are behind it).
        pos
            The index of the leg ahead (> 0).

        Returns
        -------
        Route or None
            The new rest of the journey (from the node where the train stands), or ``None`` to go on.
        """
        sim = self.sim
        if t.flow.via:
            return None
        now = sim.env.now
        here = route.nodes[pos]
        junction = len(sim.G.succ[here]) >= 3
        rest = tail(route, pos, sim)
        terms = leg_terms(rest, sim)
        closed: tuple[str, ...] = ()
        if self.on_closure and self.disrupted:
            # closures in force when the train would get there: the next leg always, further ones from a junction
            closed = tuple(lid for k, ((lid, _), (_, _, sch, off)) in enumerate(zip(rest.legs, terms))
                           if sch is not None and (junction or k == 0) and closed_at_arrival_h(sch, now, off) > 0)
        if not closed and not (self.gain_h > 0 and junction):
            return None
        w = sim.spec.operations.congestion_weight
        current = route_cost_h(rest.free_h, terms, now, w)
        best, best_cost = None, current - (0.0 if closed else self.gain_h)
        passed = route.nodes[:pos]  # never back over track already run: candidates stay clear of it
        for alt in self._alternatives(t, here, (closed or (rest.legs[0][0],)) + passed):
            if alt.legs == rest.legs:
                continue
            cost = route_cost_h(alt.free_h, leg_terms(alt, sim), now, w)
            if cost < best_cost - 1e-9:
                best, best_cost = alt, cost
        return best


def tail(route: Route, pos: int, sim: Simulation) -> Route:
    """Return the part of ``route`` from its node ``pos`` on, as a :class:`~corridors.routing.Route` (free time, km)."""
    links = sim.spec.network.links
    legs = route.legs[pos:]
    nodes = route.nodes[pos:]
    free = sum(leg_free_h(links[lid], fwd) for lid, fwd in legs)
    free += sum(sim.G.nodes[n].get("yard_h", 0.0) for n in nodes)
    km = sum(links[lid].length_km for lid, _ in legs)
    return Route(nodes, legs, free, km)


def joined(route: Route, pos: int, rest: Route, sim: Simulation) -> Route:
    """Return ``route`` up to its node ``pos``, then ``rest`` (which starts at that node): the journey travelled."""
    links = sim.spec.network.links
    head = route.legs[:pos]
    head_free = sum(leg_free_h(links[lid], fwd) for lid, fwd in head)
    head_free += sum(sim.G.nodes[n].get("yard_h", 0.0) for n in route.nodes[:pos])
    return Route(route.nodes[:pos] + rest.nodes, head + rest.legs, head_free + rest.free_h,
                 sum(links[lid].length_km for lid, _ in head) + rest.km)
