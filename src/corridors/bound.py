"""Analytic capacity bound per region: a multi-commodity flow linear programme.

For a region R and a direction (inbound: flows whose destination is in R;
outbound: whose origin is), find the most freight those flows can carry (each
flow free to grow: a max flow from their origins to their destinations, in
Mt/yr) while every other flow keeps its scenario demand, over the analytic
capacities of :mod:`corridors.elements`. The same programme with one common
scaling ``lam`` of the flows gives the starting point of the simulated
capacity search. Constraints:

* variables ``x[c, a]``: trains/day of flow ``c`` on directed arc ``a``
  (each link gives two arcs; a region end is a virtual node joined to the
  region's gateways);
* conservation of each flow at every node;
* double track, borders: per-direction capacity;
* **single track: one budget for both directions**,
  ``sum_c k_c (x[c, ab] + x[c, ba]) <= 2 * pairs/day``, where ``k_c`` scales a
  train's block occupation by its cargo speed
  (:func:`corridors.elements.single_track_coef`, on the engine's blocks);
* ferries: ``sum_c wagons_c x[c, dir] <= wagons/day``;
* every capacity is the element's average over the measured period, less
  what closures and slowdowns take (:mod:`corridors.availability`): a link
  closed throughout carries nothing;
* yards: every train that enters, leaves or passes a node with a yard, all
  directions together, ``<= yard_tracks * 24 / yard_dwell_h``;
* a flow with a corridor constraint (``via``) is carried on its candidate
  routes (path columns, see ``_LP._commodity_arcs``), every other flow on
  any route (arc columns).

The other flows are first served as fully as the network allows (stage 1),
then ``lam`` is maximised with that service held (stage 2). The binding
elements (the cut) are the capacity rows with a non-zero dual value. Solved
with HiGHS through :func:`scipy.optimize.linprog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from corridors import REGIONS
from corridors.availability import available_capacities
from corridors.elements import (
    element_kind_of,
    region_attribute,
    single_track_coef,
    yard_capacity_per_day,
)
from corridors.model import Flow, RunSpec
from corridors.network import FerryLink, RailSection
from corridors.routing import candidate_routes, route_graph

#: Scaling is capped here; a bound at the cap means "not limited by this network".
LAM_CAP = 1000.0


@dataclass(frozen=True)
class BindingElement:
    """One capacity row of the LP cut: an element whose capacity binds at the optimum.

    Attributes
    ----------
    id : str
        Link id of the element, or node id of a yard.
    kind : str
        ``single_track``, ``double_track``, ``border``, ``ferry`` or ``yard``.
    direction : str
        ``ab`` or ``ba`` for a per-direction row, ``both`` for the shared
        budget of a single-track section or a yard.
    utilisation : float
        Load of the row over its capacity at the optimum (dimensionless,
        rounded to 4 decimals; about 1 for a binding row).
    dual : float or None
        Shadow price of the row (optimum objective gained per train/day, or
        per wagon/day for a ferry, of extra capacity; rounded to 6 decimals).
        ``None`` when read back from a document, which does not carry it.
    """

    id: str
    kind: str
    direction: str
    utilisation: float
    dual: float | None = None


@dataclass(frozen=True)
class Bound:
    """The LP bound for one region and direction.

    Attributes
    ----------
    region : str
        The region (one of :data:`corridors.REGIONS`).
    direction : str
        ``inbound`` or ``outbound``: which of the region's flows were scaled.
    scale : float or None
        The largest uniform scaling of the region's flows (1 = scenario demand,
        at most :data:`LAM_CAP`); the simulated-capacity search starts from it.
        ``None`` when there are no such flows or the programme has no solution.
    demand_mt : float
        Annual volume of the region's flows at scenario demand, Mt/yr.
    bound_mt : float or None
        The bound: the most the network can carry from the origins of the
        region's flows to their destinations, each flow free to grow (a max
        flow), in Mt/yr.
    bound_trains_per_day : float or None
        Trains/day of the region's flows at the bound.
    binding : tuple of BindingElement
        The cut of the max flow: elements whose capacity binds, largest dual first.
    others_served_share : float
        Share of the other flows' demand the network could serve (1 unless the
        scenario is already infeasible without the region's flows).
    note : str
        Why there is no bound, or that the network does not limit it; empty otherwise.
    uniform_mt : float or None
        The volume at the largest uniform scaling (``scale * demand_mt``), Mt/yr.
    """

    region: str
    direction: str
    scale: float | None
    demand_mt: float
    bound_mt: float | None
    bound_trains_per_day: float | None
    binding: tuple[BindingElement, ...] = ()
    others_served_share: float = 1.0
    note: str = ""
    uniform_mt: float | None = None


@dataclass(frozen=True)
class LPSolution:
    """What one solve of the programme returns.

    Attributes
    ----------
    lam : float or None
        The common scaling of the scaled flows' demands at the optimum
        (dimensionless); ``None`` when stage 2 has no solution.
    served : float
        Trains/day of the fixed flows that stage 1 could serve.
    fixed_demand : float
        Trains/day the fixed flows ask for.
    mt : float or None
        Tonnes of the scaled flows at the optimum, Mt/yr, when their tonnes
        were maximised (``uniform=False``); ``None`` otherwise.
    trains : tuple of float
        Trains/day of each scaled flow at the optimum, in the order given.
    binding : tuple of BindingElement
        Capacity rows with a non-zero dual and full load, largest dual first.
    loads : dict
        ``(link id, direction) -> load / capacity`` of every capacity row.
    """

    lam: float | None
    served: float
    fixed_demand: float
    mt: float | None = None
    trains: tuple[float, ...] = ()
    binding: tuple[BindingElement, ...] = ()
    loads: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Programme:
    """The matrices of one programme (see :meth:`_LP._build`).

    Variables: the arc columns of every flow (``offsets`` delimit them), one
    throughput per flow from ``y0``, then ``lam`` (the last variable).
    """

    scaled: list[Flow]
    fixed: list[Flow]
    uniform: bool
    offsets: np.ndarray
    y0: int
    lam: int
    A_eq: object
    b_eq: list[float]
    A_ub: object
    b_ub: list[float]
    ub_meta: list[tuple[str, str]]
    bounds: list[tuple[float, float | None]]

    @property
    def n_var(self) -> int:
        """Number of variables."""
        return self.lam + 1


def region_flows(spec: RunSpec, region: str, direction: str) -> list[Flow]:
    """Flows counted toward ``region`` in ``direction``.

    Parameters
    ----------
    spec
        The scenario.
    region
        A region name (one of :data:`corridors.REGIONS`).
    direction
        ``inbound`` or ``outbound`` (:func:`corridors.elements.region_attribute`).

    Returns
    -------
    list of Flow
        The flows of ``spec`` in scenario order.

    Raises
    ------
    ValueError
        If ``direction`` is neither ``inbound`` nor ``outbound``.
    """
    attr = region_attribute(direction)
    return [f for f in spec.flows if getattr(f, attr) == region]


class _LP:
    """Builds the arc-flow LP of a spec once; solves it for any set of scaled flows."""

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        net = spec.network
        self.nodes = sorted(net.nodes)
        self.arcs: list[tuple[str, str, str | None, str]] = []  # (u, v, link_id, dir)
        for lid in sorted(net.links):
            lk = net.links[lid]
            self.arcs.append((lk.from_node, lk.to_node, lid, "ab"))
            self.arcs.append((lk.to_node, lk.from_node, lid, "ba"))
        # Over the measured period, less what closures and slowdowns take (an average: still an upper bound;
        # a single track's slowdown is taken for the fastest cargo class, whose share is the largest).
        self.caps = available_capacities(spec, speed_factor=max(c.speed_factor for c in spec.cargo.values()))
        #: Trains/day each node's yard takes, all directions together (nodes with a yard only).
        self.yard_caps = {nid: cap for nid, node in net.nodes.items()
                          if (cap := yard_capacity_per_day(node)) is not None}
        self.G = route_graph(net)
        self._via_cache: dict[tuple, list] = {}
        #: Fixed path columns per flow id (:func:`route_split`); others get arcs or via-routes.
        self.columns: dict[str, list[tuple[str, str, tuple[tuple[str, str], ...]]]] = {}

    def _commodity_arcs(self, f: Flow) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
        """Columns of one flow: ``(tail, head, legs)`` with the ``(link, direction)`` legs used.

        A flow without a corridor constraint gets one column per directed arc
        (arc-flow: every route is possible). A flow with ``via`` gets one column
        per candidate route that honours it: an arc formulation cannot express
        "passes the group on a simple path" in a linear programme, and the
        candidates are a superset of those the simulation's trains choose from.
        """
        if f.id in self.columns:
            return self.columns[f.id]
        net = self.spec.network
        src = "__src" if f.origin in REGIONS else f.origin
        dst = "__dst" if f.destination in REGIONS else f.destination
        if f.via:
            key = (f.origin, f.destination, f.via, f.avoid)
            if key in self._via_cache:
                return self._via_cache[key]
            ops = self.spec.operations
            routes = candidate_routes(
                self.G, f.origin, f.destination, k=3 * ops.k_routes, max_detour=1.5 * ops.max_detour,
                via=f.via, avoid=f.avoid, regions={r: net.gateways(r) for r in REGIONS},
                gateway_detour=ops.gateway_detour, max_overlap=ops.route_overlap_max,
            )
            cols = [(src, dst, tuple((lid, "ab" if fwd else "ba") for lid, fwd in r.legs)) for r in routes]
            self._via_cache[key] = cols
            return cols
        cols = [(u, v, ((lid, d),)) for u, v, lid, d in self.arcs
                if lid not in f.avoid and u not in f.avoid and v not in f.avoid]
        if f.origin in REGIONS:
            cols += [("__src", g, ()) for g in net.gateways(f.origin)]
        if f.destination in REGIONS:
            cols += [(g, "__dst", ()) for g in net.gateways(f.destination)]
        return cols

    def _yards_of(self, u: str, v: str, legs: tuple[tuple[str, str], ...], is_path: bool) -> list[str]:
        """Return the yard nodes a column's trains stop at.

        They are the node each leg enters, a gateway entered from a region end
        (arc columns), and a route column's first node (``is_path``: its legs
        run from the origin or a gateway): a yard counts once per train, as the
        engine stops it.
        """
        if not self.yard_caps:
            return []  # most networks: no yard, nothing to look up per column
        net = self.spec.network
        heads = [net.links[lid].to_node if d == "ab" else net.links[lid].from_node for lid, d in legs]
        if not legs and u == "__src":
            heads = [v]
        if is_path and legs:
            lid, d = legs[0]
            heads.insert(0, net.links[lid].from_node if d == "ab" else net.links[lid].to_node)
        return [n for n in heads if n in self.yard_caps]

    def solve(self, scaled: list[Flow], fixed: list[Flow], *, uniform: bool = True) -> LPSolution:
        """Serve ``fixed`` as fully as possible, then maximise the ``scaled`` flows.

        Parameters
        ----------
        scaled : list of Flow
            The flows to grow.
        fixed : list of Flow
            The other flows, each served up to its scenario demand.
        uniform : bool
            Maximise one common scaling ``lam`` of the scaled flows' demands;
            otherwise maximise their total tonnes, each flow free (a max flow).

        Returns
        -------
        LPSolution
            ``lam is None`` (and nothing but the stage-1 service filled in)
            when stage 2 has no solution.
        """
        prog = self._build(scaled, fixed, uniform=uniform)
        served, s2 = self._optimise(prog)
        fixed_demand = sum(f.trains_per_year / 365.0 for f in fixed)
        if s2.status != 0:
            return LPSolution(None, served, fixed_demand)
        return self._read(prog, s2, served, fixed_demand)

    def _build(self, scaled: list[Flow], fixed: list[Flow], *, uniform: bool) -> _Programme:
        """Build the programme's matrices for these flows (arguments as for :meth:`solve`)."""
        flows = scaled + fixed
        # Per-commodity arc lists: real arcs plus virtual source/sink arcs for region ends.
        comm_arcs: list[list[tuple[str, str, tuple]]] = []
        for f in flows:
            comm_arcs.append(self._commodity_arcs(f))
        offsets = np.cumsum([0] + [len(a) for a in comm_arcs])
        n_x = int(offsets[-1])
        y0 = n_x  # one throughput variable per flow
        lam = y0 + len(flows)
        A_eq, b_eq = self._conservation(scaled if uniform else [], flows, comm_arcs, offsets, y0, lam)
        A_ub, b_ub, ub_meta = self._capacity_rows(flows, comm_arcs, offsets, lam + 1)
        bounds = [(0, None)] * n_x + [(0, LAM_CAP * f.trains_per_year / 365.0) for f in scaled]
        bounds += [(0, f.trains_per_year / 365.0) for f in fixed] + [(0, LAM_CAP)]
        return _Programme(scaled, fixed, uniform, offsets, y0, lam, A_eq, b_eq, A_ub, b_ub, ub_meta, bounds)

    @staticmethod
    def _conservation(uniform_scaled, flows, comm_arcs, offsets, y0: int, lam: int):
        """Equality rows: conservation of each flow at every node, and ``y_c = lam d_c``.

        ``uniform_scaled`` are the flows tied to ``lam`` (none when each is free).
        Returns ``(A_eq, b_eq)``.
        """
        rows, cols, vals, b_eq = [], [], [], []
        r = 0
        for ci, (f, arcs) in enumerate(zip(flows, comm_arcs)):
            src = "__src" if f.origin in REGIONS else f.origin
            dst = "__dst" if f.destination in REGIONS else f.destination
            node_row: dict[str, int] = {}
            for j, (u, v, _legs) in enumerate(arcs):
                for node, sign in ((u, 1.0), (v, -1.0)):
                    if node not in node_row:
                        node_row[node] = r
                        r += 1
                        b_eq.append(0.0)
                    rows.append(node_row[node]); cols.append(int(offsets[ci]) + j); vals.append(sign)
            for node, sign in ((src, -1.0), (dst, 1.0)):
                if node not in node_row:
                    node_row[node] = r
                    r += 1
                    b_eq.append(0.0)
                rows.append(node_row[node]); cols.append(y0 + ci); vals.append(sign)
        # Region flows: y_c = lam * d_c (uniform scaling only).
        for ci, f in enumerate(uniform_scaled):
            rows += [r, r]; cols += [y0 + ci, lam]; vals += [1.0, -f.trains_per_year / 365.0]
            b_eq.append(0.0)
            r += 1
        return coo_matrix((vals, (rows, cols)), shape=(r, lam + 1)).tocsr(), b_eq

    def _capacity_rows(self, flows, comm_arcs, offsets, n_var: int):
        """Inequality rows, one per capacity (see the module docstring).

        Returns ``(A_ub, b_ub, meta)`` with ``meta[i] = (link id, direction)``,
        direction ``ab``, ``ba`` or ``both`` (a single-track budget).
        """
        spec, net = self.spec, self.spec.network
        ub_rows, ub_cols, ub_vals, b_ub, ub_meta = [], [], [], [], []
        q = 0
        cap_rows: dict[tuple[str, str], int] = {}
        for lid, cap in sorted(self.caps.items()):
            lk = net.links[lid]
            if isinstance(lk, RailSection) and lk.tracks == 1:
                cap_rows[(lid, "ab")] = cap_rows[(lid, "ba")] = q
                b_ub.append(2 * cap.trains_per_day); ub_meta.append((lid, "both")); q += 1
            elif isinstance(lk, FerryLink):
                for d in ("ab", "ba"):
                    cap_rows[(lid, d)] = q
                    b_ub.append(cap.wagons_per_day); ub_meta.append((lid, d)); q += 1
            else:
                for d in ("ab", "ba"):
                    cap_rows[(lid, d)] = q
                    b_ub.append(cap.trains_per_day); ub_meta.append((lid, d)); q += 1
        yard_rows: dict[str, int] = {}
        for nid, cap in sorted(self.yard_caps.items()):
            yard_rows[nid] = q
            b_ub.append(cap); ub_meta.append((nid, "both")); q += 1
        for ci, (f, arcs) in enumerate(zip(flows, comm_arcs)):
            cargo = spec.cargo[f.cargo]
            is_path = bool(f.via) or f.id in self.columns  # route columns (else one column per arc)
            for j, (u, v, legs) in enumerate(arcs):
                col = int(offsets[ci]) + j
                for lid, d in legs:
                    lk = net.links[lid]
                    if isinstance(lk, RailSection) and lk.tracks == 1:
                        coef = single_track_coef(lk, cargo.speed_factor, spec.operations.meet_overhead_min)
                    elif isinstance(lk, FerryLink):
                        coef = float(cargo.wagons_per_train)
                    else:
                        coef = 1.0
                    ub_rows.append(cap_rows[(lid, d)]); ub_cols.append(col); ub_vals.append(coef)
                for nid in self._yards_of(u, v, legs, is_path):
                    ub_rows.append(yard_rows[nid]); ub_cols.append(col); ub_vals.append(1.0)
            if f.origin in yard_rows and not is_path:  # an arc-flow column never enters its own origin
                ub_rows.append(yard_rows[f.origin]); ub_cols.append(int(offsets[-1]) + ci); ub_vals.append(1.0)  # y_c
        A_ub = coo_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(b_ub), n_var)).tocsr()
        return A_ub, b_ub, ub_meta

    def _optimise(self, prog: _Programme):
        """Stage 1 (serve the fixed flows), then stage 2 (maximise, that service held).

        Returns ``(served, result)``: trains/day of the fixed flows served, and
        HiGHS's result of stage 2.
        """
        n_var, y0, lam, n_scaled = prog.n_var, prog.y0, prog.lam, len(prog.scaled)
        # Stage 1: serve the other flows as fully as possible, with lam = 0.
        c1 = np.zeros(n_var)
        c1[y0 + n_scaled: lam] = -1.0
        b1 = list(prog.bounds)
        b1[lam] = (0, 0)
        s1 = linprog(c1, A_ub=prog.A_ub, b_ub=prog.b_ub, A_eq=prog.A_eq, b_eq=prog.b_eq, bounds=b1, method="highs")
        served = -s1.fun if s1.status == 0 else 0.0
        # Stage 2: hold that service, maximise lam (or the region's tonnes).
        c2 = np.zeros(n_var)
        if prog.uniform:
            c2[lam] = -1.0
        else:
            for ci, f in enumerate(prog.scaled):
                c2[y0 + ci] = -self.spec.cargo[f.cargo].net_t_per_train * 365.0 / 1e6
        row = np.zeros(n_var)
        row[y0 + n_scaled: lam] = -1.0
        A2 = vstack([prog.A_ub, coo_matrix(row)]).tocsr()
        b2 = list(prog.b_ub) + [-(served - 1e-6 * max(1.0, served))]
        s2 = linprog(c2, A_ub=A2, b_ub=b2, A_eq=prog.A_eq, b_eq=prog.b_eq, bounds=prog.bounds, method="highs")
        return served, s2

    def _read(self, prog: _Programme, s2, served: float, fixed_demand: float) -> LPSolution:
        """Read a solved stage 2: flows, loads and the cut (full rows with a dual)."""
        net = self.spec.network
        x = s2.x
        b_ub, ub_meta = prog.b_ub, prog.ub_meta
        load = prog.A_ub @ x
        duals = s2.ineqlin.marginals[: len(b_ub)]
        binding = []
        for i, (lid, d) in enumerate(ub_meta):
            if b_ub[i] > 0 and abs(duals[i]) > 1e-9 and load[i] >= b_ub[i] * (1 - 1e-6):
                binding.append(BindingElement(lid, element_kind_of(net, lid), d,
                                              utilisation=round(float(load[i] / b_ub[i]), 4),
                                              dual=round(float(-duals[i]), 6)))
        binding.sort(key=lambda b: -b.dual)
        trains = tuple(float(x[prog.y0 + ci]) for ci in range(len(prog.scaled)))
        return LPSolution(
            float(x[prog.lam]), served, fixed_demand, mt=float(-s2.fun) if not prog.uniform else None,
            trains=trains, binding=tuple(binding),
            loads={ub_meta[i]: float(load[i] / b_ub[i]) for i in range(len(ub_meta)) if b_ub[i] > 0},
        )


def region_bounds(spec: RunSpec) -> dict[str, dict[str, Bound]]:
    """Compute the LP bound for every region and direction of ``spec``.

    Parameters
    ----------
    spec : RunSpec
        The scenario.

    Returns
    -------
    dict
        ``{region: {"inbound": Bound, "outbound": Bound}}`` for every region
        of :data:`corridors.REGIONS`, in that order.
    """
    lp = _LP(spec)
    out: dict[str, dict[str, Bound]] = {}
    for region in REGIONS:
        out[region] = {}
        for direction in ("inbound", "outbound"):
            out[region][direction] = bound_for(spec, region, direction, lp=lp)
    return out


def bound_for(spec: RunSpec, region: str, direction: str, *, lp: _LP | None = None) -> Bound:
    """Compute the LP bound for one region and direction.

    Parameters
    ----------
    spec : RunSpec
        The scenario.
    region : str
        One of :data:`corridors.REGIONS`.
    direction : str
        ``inbound`` (flows ending in the region) or ``outbound`` (starting there).
    lp : _LP, optional
        The programme of ``spec``, to reuse across regions; built when ``None``.

    Returns
    -------
    Bound
        With ``scale is None`` and a ``note`` when the region has no flows in
        that direction or the programme has no solution.
    """
    lp = lp or _LP(spec)
    scaled = region_flows(spec, region, direction)
    demand_mt = sum(f.tonnes_per_year for f in scaled) / 1e6
    if not scaled:
        return Bound(region, direction, None, 0.0, None, None, note="no flows for this region and direction")
    ids = {f.id for f in scaled}
    fixed = [f for f in spec.flows if f.id not in ids]
    sol = lp.solve(scaled, fixed, uniform=True)
    lam = sol.lam
    share = sol.served / sol.fixed_demand if sol.fixed_demand > 0 else 1.0
    mx = lp.solve(scaled, fixed, uniform=False)
    if lam is None or mx.mt is None:
        return Bound(region, direction, None, demand_mt, None, None, others_served_share=share,
                     note="the linear programme has no solution")
    note = "not limited by the modelled network" if lam >= LAM_CAP * 0.999 else ""
    return Bound(region, direction, lam, demand_mt, mx.mt, sum(mx.trains), mx.binding,
                 others_served_share=min(1.0, share), note=note, uniform_mt=lam * demand_mt)


def route_split(spec: RunSpec, routes: dict) -> dict[str, tuple[float, ...]]:
    """Shares of each flow's trains over its candidate routes in the LP's optimal solution.

    The programme of this module with one path column per candidate route of
    every flow (the routes the simulation's trains choose from): first the
    largest common scaling ``lam*`` of all flows' demands (a maximum concurrent
    flow), then, with every flow at its demand (or at ``lam*`` times it when the
    network cannot carry the demand), the split of least total free running
    time (a system optimum; without this stage the solver may return any vertex,
    detours included). The operating rule ``operations.routing: assigned`` runs these shares, so that
    the gap between the bound and the simulation can be split into route
    choice and queueing (``docs/results.md``).

    Parameters
    ----------
    spec : RunSpec
        The scenario.
    routes : dict
        Candidate routes per flow id (:func:`corridors.simulation.flow_routes`).

    Returns
    -------
    dict of str to tuple of float
        Per flow id with routes and trains, the share of each candidate route
        (in the order of ``routes``, summing to 1); the best route alone when
        the programme has no solution or gives the flow nothing.
    """
    flows = [f for f in spec.flows if routes.get(f.id) and f.trains_per_year > 0]
    lp = _LP(spec)
    for f in flows:
        src = "__src" if f.origin in REGIONS else f.origin
        dst = "__dst" if f.destination in REGIONS else f.destination
        lp.columns[f.id] = [(src, dst, tuple((lid, "ab" if fwd else "ba") for lid, fwd in r.legs))
                            for r in routes[f.id]]
    prog = lp._build(flows, [], uniform=True)
    _, res = lp._optimise(prog)
    if res.status == 0:
        res = _least_time(prog, res, [[r.free_h for r in routes[f.id]] for f in flows])
    out: dict[str, tuple[float, ...]] = {}
    for ci, f in enumerate(flows):
        n = len(routes[f.id])
        x = res.x[int(prog.offsets[ci]): int(prog.offsets[ci]) + n] if res.status == 0 else np.zeros(n)
        total = float(x.sum())
        out[f.id] = tuple(round(float(v) / total, 6) for v in x) if total > 1e-12 else (1.0,) + (0.0,) * (n - 1)
    return out


def _least_time(prog: _Programme, res, free_h: list[list[float]]):
    """Stage 3 of :func:`route_split`: flows at ``min(1, lam*)`` times demand, least train-hours of free time.

    Returns the new solution, or ``res`` when the stage has no solution.
    """
    lam = min(1.0, float(res.x[prog.lam])) * (1 - 1e-9)
    c = np.zeros(prog.n_var)
    for ci, times in enumerate(free_h):
        c[int(prog.offsets[ci]): int(prog.offsets[ci]) + len(times)] = times
    bounds = list(prog.bounds)
    bounds[prog.lam] = (lam, lam)
    s3 = linprog(c, A_ub=prog.A_ub, b_ub=prog.b_ub, A_eq=prog.A_eq, b_eq=prog.b_eq, bounds=bounds, method="highs")
    return s3 if s3.status == 0 else res
