"""Demand and disruptions of a scenario: cargo classes, flows, closures and slowdowns.

Flows are given in million tonnes or TEU per year, with an optional
seasonal profile (twelve monthly factors, normalised to mean 1), ``via``
groups and ``avoid`` elements, and are scaled by ``demand_scale`` and
``demand_scale_by_region``. Every flow is checked to have a route over the
scenario's active links with the candidate search the simulation uses
(:mod:`corridors.routing`), on one routing graph per scenario. Closures
and slowdowns become :class:`~corridors.model.Disruption` day intervals;
a yearly season is laid on a 365-day calendar (day 0 = 1 January).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any

from corridors import REGIONS
from corridors.model import DEFAULT_CARGO, CargoClass, Disruption, Flow, region_of
from corridors.network import Network
from corridors.routing import candidate_routes, route_graph
from corridors.scenario.changes import NetworkState
from corridors.scenario.problems import KeyPath, Problems, did_you_mean, excerpt, show
from corridors.scenario.schema import (
    ID_PATTERN,
    PATTERN_HINTS,
    FlowSpec,
    TopSpec,
    is_id,
    validate,
)

log = logging.getLogger(__name__)

#: The ``via`` element that stands for any ferry link.
FERRY = "ferry"

#: Days of a simulated year (seasons are laid on a 365-day calendar; day 0 = 1 January).
YEAR_DAYS = 365

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Groups = tuple[tuple[str, ...], ...]


def cargo_classes(problems: Problems, top: TopSpec) -> dict[str, CargoClass]:
    """Return the cargo classes: the defaults, overridden and extended by ``cargo_classes``.

    Parameters
    ----------
    problems
        Collector of the resolution.
    top
        The merged top level (``cargo_classes`` and ``operations.priorities``).

    Returns
    -------
    dict of str to CargoClass
        Every class by name, priorities of ``operations.priorities`` applied.
    """
    cargo = dict(DEFAULT_CARGO)
    for name, spec in top.cargo_classes.items():
        fields = {k: getattr(spec, k) for k in spec.model_fields_set}
        if name in cargo:
            cargo[name] = replace(cargo[name], **fields)
        elif not is_id(name):
            problems.err(
                ("cargo_classes", name),
                f"got class name '{name}', expected {PATTERN_HINTS[ID_PATTERN]}",
            )
        elif spec.net_t_per_train is None or spec.wagons_per_train is None:
            problems.err(
                ("cargo_classes", name),
                f"new cargo class '{name}' needs net_t_per_train and wagons_per_train, expected both"
                f"{did_you_mean(name, cargo)}",
            )
        else:
            cargo[name] = CargoClass(name=name, **{k: v for k, v in fields.items() if v is not None})
    for name, prio in top.operations.priorities.items():
        if name not in cargo:
            problems.err(
                ("operations", "priorities", name),
                f"unknown cargo class '{excerpt(str(name))}', expected one of: {', '.join(cargo)}{did_you_mean(name, cargo)}",
            )
        else:
            cargo[name] = replace(cargo[name], priority=prio)
    return cargo


class _RouteCheck:
    """Whether a flow has a route: one routing graph per scenario, one search per distinct query."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.graph = route_graph(net)
        self.regions = {r: net.gateways(r) for r in REGIONS}
        self.known: dict[tuple, bool] = {}

    def exists(self, origin: str, destination: str, via: Groups, avoid: tuple[str, ...]) -> bool:
        """Whether a loop-free route joins origin and destination, through every via group, avoiding ``avoid``.

        The same candidate search the simulation uses, so a flow that passes
        this check is never refused for want of a route.
        """
        key = (origin, destination, via, avoid)
        if key not in self.known:
            self.known[key] = bool(
                candidate_routes(self.graph, origin, destination, k=1, max_detour=1.0,
                                 via=via, avoid=avoid, regions=self.regions)
            )
        return self.known[key]


class _FlowBuilder:
    """Checks ``demand`` items one by one and turns the good ones into :class:`Flow` records."""

    def __init__(
        self,
        problems: Problems,
        top: TopSpec,
        net: Network,
        state: NetworkState,
        cargo: dict[str, CargoClass],
        *,
        overlay: bool,
        check_routes: bool,
    ) -> None:
        self.problems, self.top, self.net, self.state, self.cargo = problems, top, net, state, cargo
        self.overlay = overlay
        self.routes = _RouteCheck(net) if check_routes else None
        self.places = [*net.nodes, *REGIONS]

    def build(self) -> list[Flow]:
        """Every good flow, scaled; every problem of every item reported."""
        flows: list[Flow] = []
        demand = self.top.demand or []
        for i, item in enumerate(demand):
            path = ("demand", i)
            if isinstance(item, dict) and item.get("remove") is True:
                if not self.overlay:
                    self.problems.err(
                        (*path, "remove"),
                        f"no inherited flow has id '{item.get('id')}', expected the id of a flow of a parent file",
                    )
                continue
            flow = self._flow(item, path)
            if flow is not None:
                flows.append(flow)
        n_items = sum(1 for x in demand if not (isinstance(x, dict) and x.get("remove") is True))
        if n_items == 0 and self.top.demand is not None and not self.overlay:
            self.problems.err(("demand",), "no flows, expected at least one flow")
        return flows

    def _flow(self, item: Any, path: KeyPath) -> Flow | None:
        """One flow item as a scaled :class:`Flow`, or None (reported)."""
        spec = validate(self.problems, FlowSpec, item, path)
        # ids are cross-checked even when the schema failed, so that every problem shows at once
        ok = self._flow_ids(item, path) and spec is not None
        if spec is None:
            return None
        if ok and spec.origin == spec.destination:
            self.problems.err(
                (*path, "destination"),
                f"got '{spec.destination}', the same as origin, expected another place",
            )
            ok = False
        ok = self._volume_ok(spec, path) and ok
        profile = self._profile(spec, path)
        ok = profile is not None and ok
        via = self._groups(spec.via, (*path, "via"), allow_ferry=True)
        avoid = self._groups(spec.avoid, (*path, "avoid"), allow_ferry=False, flat=True)
        if via is None or avoid is None or not ok:
            return None
        avoid_flat = tuple(g[0] for g in avoid)
        if not self._reachable(spec, path, via, avoid_flat):
            return None
        return self._scaled(self._record(spec, profile, via, avoid_flat))

    def _volume_ok(self, spec: FlowSpec, path: KeyPath) -> bool:
        """Exactly one of volume_mt / volume_teu, and TEU only for a class with teu_per_train."""
        cls = self.cargo.get(spec.cargo)
        if spec.volume_mt is None and spec.volume_teu is None:
            self.problems.err(
                path, "no volume, expected volume_mt (million tonnes/yr) or volume_teu (TEU/yr)"
            )
            return False
        if spec.volume_mt is not None and spec.volume_teu is not None:
            self.problems.err(
                (*path, "volume_teu"),
                "got both volume_mt and volume_teu, expected exactly one of them",
            )
            return False
        if spec.volume_teu is not None and cls is not None and not cls.teu_per_train:
            self.problems.err(
                (*path, "volume_teu"),
                f"cargo '{spec.cargo}' has no teu_per_train, expected volume_mt "
                f"(or set cargo_classes.{spec.cargo}.teu_per_train)",
            )
            return False
        return True

    def _profile(self, spec: FlowSpec, path: KeyPath) -> tuple[float, ...] | None:
        """Return the twelve monthly factors normalised to mean 1 (flat when none); None when bad."""
        if spec.seasonal is None:
            return (1.0,) * 12
        if len(spec.seasonal) != 12:
            self.problems.err(
                (*path, "seasonal"),
                f"got {len(spec.seasonal)} factors, expected 12 (one per month, January first)",
            )
            return None
        mean = sum(spec.seasonal) / 12
        if mean <= 0:
            self.problems.err(
                (*path, "seasonal"),
                "all twelve factors are 0, expected positive factors (normalised to mean 1)",
            )
            return None
        return tuple(f / mean for f in spec.seasonal)

    def _reachable(self, spec: FlowSpec, path: KeyPath, via: Groups, avoid: tuple[str, ...]) -> bool:
        """``via`` and ``avoid`` consistent with the ends, and a route over the active links."""
        ok = True
        for end in ("origin", "destination"):
            if getattr(spec, end) in avoid:
                self.problems.err(
                    (*path, "avoid"),
                    f"avoids its own {end} '{getattr(spec, end)}', expected elements on the way",
                )
                ok = False
        for g in via:
            if all(e in avoid for e in g):
                self.problems.err(
                    (*path, "via"),
                    f"every element of via group {list(g)} is in avoid, expected a reachable group",
                )
                ok = False
        for end in ("origin", "destination"):
            place = getattr(spec, end)
            if place in REGIONS and not self.net.gateways(place):
                self.problems.err(
                    (*path, end),
                    f"region '{place}' has no gateway in this network, expected a node tagged region: {place} "
                    f"(or a node of one of its countries as the {end})",
                )
                ok = False
        if not ok:
            return False
        if self.routes is None or self.routes.exists(spec.origin, spec.destination, via, avoid):
            return True
        detail = "".join(
            [
                f" via {[list(g) for g in via]}" if via else "",
                f" avoiding {list(avoid)}" if avoid else "",
            ]
        )
        self.problems.err(
            path,
            f"flow '{spec.id}': no route from {spec.origin} to {spec.destination}{detail} over the active "
            "links of this scenario, expected a connected origin and destination (open a line or relax via/avoid)",
        )
        return False

    def _record(
        self, spec: FlowSpec, profile: tuple[float, ...], via: Groups, avoid: tuple[str, ...]
    ) -> Flow:
        """Return the flow with its volume in trains and tonnes per year (before demand scaling)."""
        cls = self.cargo[spec.cargo]
        if spec.volume_teu is not None:
            trains = spec.volume_teu / cls.teu_per_train
            tonnes = trains * cls.net_t_per_train
        else:
            tonnes = spec.volume_mt * 1e6
            trains = tonnes / cls.net_t_per_train
        return Flow(
            id=spec.id,
            origin=spec.origin,
            destination=spec.destination,
            cargo=spec.cargo,
            trains_per_year=trains,
            tonnes_per_year=tonnes,
            monthly_profile=profile,
            via=via,
            avoid=avoid,
            origin_region=region_of(spec.origin, self.net),
            destination_region=region_of(spec.destination, self.net),
            source=spec.source,
        )

    def _scaled(self, flow: Flow) -> Flow:
        """``flow`` times ``demand_scale`` and the scales of the regions of its ends."""
        factor = self.top.demand_scale
        for region in sorted({flow.origin_region, flow.destination_region} - {None}):
            factor *= self.top.demand_scale_by_region.get(region, 1.0)
        return flow.scaled(factor) if factor != 1.0 else flow

    def _flow_ids(self, item: Any, path: KeyPath) -> bool:
        """Check a flow's origin, destination and cargo names (where they are strings)."""
        if not isinstance(item, dict):
            return False
        ok = True
        for end in ("origin", "destination"):
            place = item.get(end)
            if isinstance(place, str) and place not in self.net.nodes and place not in REGIONS:
                self.problems.err(
                    (*path, end),
                    f"unknown node or region '{excerpt(str(place))}', expected a node id of the network or one of: "
                    f"{', '.join(REGIONS)}{did_you_mean(place, self.places, {k: v.name for k, v in self.net.nodes.items()})}",
                )
                ok = False
        name = item.get("cargo")
        if isinstance(name, str) and name not in self.cargo:
            self.problems.err(
                (*path, "cargo"),
                f"unknown cargo class '{excerpt(str(name))}', expected one of: {', '.join(self.cargo)}"
                f"{did_you_mean(name, self.cargo)}",
            )
            ok = False
        return ok

    def _groups(self, raw: Any, path: KeyPath, *, allow_ferry: bool, flat: bool = False) -> Groups | None:
        """``via`` / ``avoid`` as a tuple of groups (``avoid``: one element per group)."""
        if raw is None:
            return ()
        items = (
            [(raw, path)]
            if isinstance(raw, str)
            else [(x, (*path, j)) for j, x in enumerate(raw)]
            if isinstance(raw, list)
            else None
        )
        if items is None:
            self.problems.err(
                path,
                f"got {show(raw)}, expected a list of ids" + ("" if flat else " or of lists of ids"),
            )
            return None
        groups, ok = [], True
        for x, p in items:
            elems = (
                [(x, p)]
                if isinstance(x, str)
                else [(y, (*p, k)) for k, y in enumerate(x)]
                if isinstance(x, list) and not flat
                else None
            )
            if not elems:
                self.problems.err(
                    p,
                    f"got {show(x)}, expected a node or link id" + ("" if flat else " or a list of them"),
                )
                ok = False
                continue
            checked = [self._element_ok(e, q, allow_ferry) for e, q in elems]  # report every element
            ok = all(checked) and ok
            groups.append(tuple(e for e, _ in elems))
        return tuple(groups) if ok else None

    def _element_ok(self, e: Any, path: KeyPath, allow_ferry: bool) -> bool:
        """One ``via`` / ``avoid`` element: an active link, a node, or (via only) ``ferry``."""
        state = self.state
        if not isinstance(e, str):
            self.problems.err(path, f"got {show(e)}, expected a node or link id")
            return False
        if e == FERRY and allow_ferry:
            return True
        if e in state.links and e not in self.net.links:
            self.problems.err(
                path,
                f"link '{e}' is not active in this scenario (status {state.links[e].status}), expected an active link",
            )
            return False
        if e not in state.nodes and e not in state.links:
            extra = f" or '{FERRY}'" if allow_ferry else ""
            choices = {**state.nodes, **state.links, **({FERRY: None} if allow_ferry else {})}
            self.problems.err(
                path,
                f"unknown node or link '{excerpt(str(e))}', expected a node or link id{extra}{did_you_mean(e, choices)}",
            )
            return False
        return True


def flows(
    problems: Problems,
    top: TopSpec,
    net: Network,
    state: NetworkState,
    cargo: dict[str, CargoClass],
    *,
    overlay: bool,
    check_routes: bool,
) -> list[Flow]:
    """Return the scenario's flows, scaled, with every problem of every item reported.

    Parameters
    ----------
    problems
        Collector of the resolution.
    top
        The merged top level (``demand``, ``demand_scale``, ``demand_scale_by_region``).
    net
        The resolved network (active links only).
    state
        The network state after changes (to tell inactive links from unknown ids).
    cargo
        Cargo classes by name (:func:`cargo_classes`).
    overlay
        The file is an overlay: ``remove`` of an unknown flow and empty demand are fine.
    check_routes
        Check that every flow has a route (skipped when the resolved network is broken).

    Returns
    -------
    list of Flow
        Volumes in trains and tonnes per year, monthly profile with mean 1.
    """
    builder = _FlowBuilder(
        problems, top, net, state, cargo, overlay=overlay, check_routes=check_routes
    )
    return builder.build()


def check_items_schema(problems: Problems, top: TopSpec) -> None:
    """Validate every flow item on its own (when the network could not be read)."""
    for i, item in enumerate(top.demand or []):
        if isinstance(item, dict) and item.get("remove") is not True:
            validate(problems, FlowSpec, item, ("demand", i))


# --------------------------------------------------------------------------- disruptions


def _day_of_year(mmdd: str) -> int:
    """0-based day of a 365-day year for ``"MM-DD"``."""
    month, day = int(mmdd[:2]), int(mmdd[3:])
    if day > _MONTH_DAYS[month - 1]:
        raise ValueError(f'got "{mmdd}", expected a day that exists in a 365-day year (no 02-29)')
    return sum(_MONTH_DAYS[: month - 1]) + day - 1


def _season_intervals(start_doy: int, end_doy: int, days: float) -> list[tuple[float, float]]:
    """Day intervals ``[s, e)`` of a yearly season within ``[0, days)``; ``end_doy`` is exclusive."""
    out = []
    for year in range(-1, math.ceil(days / YEAR_DAYS) + 1):
        s = YEAR_DAYS * year + start_doy
        e = YEAR_DAYS * year + end_doy if end_doy > start_doy else YEAR_DAYS * (year + 1) + end_doy
        s, e = max(float(s), 0.0), min(float(e), days)
        if e > s:
            out.append((s, e))
    return out


def _target_ok(problems: Problems, state: NetworkState, target: str, path: KeyPath) -> bool:
    """Check that a disruption's target is an active link or a node."""
    if target in state.links and target not in state.active:
        problems.err(
            (*path, "id"),
            f"link '{target}' is not active in this scenario (status {state.links[target].status}), "
            "expected an active link or a node",
        )
        return False
    if target not in state.links and target not in state.nodes:
        problems.err(
            (*path, "id"),
            f"unknown node or link '{excerpt(str(target))}', expected an active link or a node id"
            f"{did_you_mean(target, {**state.nodes, **{k: state.links[k] for k in state.active}})}",
        )
        return False
    return True


def _intervals(problems: Problems, spec: Any, path: KeyPath, days: float) -> tuple[list, str] | None:
    """Return the day intervals of a closure or slowdown within ``[0, days)`` and its season label."""
    if spec.season is not None:
        try:
            start_doy = _day_of_year(spec.season.from_)
            end_doy = _day_of_year(spec.season.to) + 1
        except ValueError as exc:
            problems.err((*path, "season"), str(exc))
            return None
        return _season_intervals(start_doy, end_doy, days), f"{spec.season.from_}..{spec.season.to}"
    start = spec.from_day if spec.from_day is not None else 0.0
    end = spec.to_day if spec.to_day is not None else days
    if start >= end:
        problems.err((*path, "to_day"), f"got {end:g}, expected more than from_day ({start:g})")
        return None
    if min(end, days) > max(start, 0.0):
        return [(max(start, 0.0), min(end, days))], ""
    return [], ""


def _inside(spec: Any, days: float) -> bool:
    """Whether a (valid) closure or slowdown has some time within ``[0, days)``."""
    found = _intervals(Problems(""), spec, (), days)
    return bool(found and found[0])


def _where(problems: Problems, path: KeyPath) -> str:
    """``file:line: key`` of a merged-document key, as an error there would be located."""
    probe = Problems(problems.path)
    probe.err_in(problems.prov, path, "")
    return probe.lines[0].rsplit(": ", 1)[0]


def disruptions(
    problems: Problems, top: TopSpec, state: NetworkState, *, declared_days: float | None = None
) -> list[Disruption]:
    """Return the ``close`` and ``slowdown`` changes as disruptions over the horizon.

    Parameters
    ----------
    problems
        Collector of the resolution.
    top
        The merged top level (``simulation.days`` is the horizon).
    state
        The network state after changes, holding the closures and slowdowns.
    declared_days
        The horizon the scenario files declare, when the caller shortened it
        (``load_scenario(days=...)``, ``corridors run --days``). A closure or
        slowdown inside the declared horizon but entirely outside the
        shortened one is dropped with a warning that names it; one partly
        inside is clipped. Outside the declared horizon it is an error.

    Returns
    -------
    list of Disruption
        One per day interval in ``[0, days)``: a seasonal one once per year
        of the horizon; ``factor`` 0 for a closure.
    """
    days = top.simulation.days
    out: list[Disruption] = []
    dropped: list[str] = []
    for path, spec, times_ok in state.disruptions:
        if not _target_ok(problems, state, spec.id, path) or not times_ok:
            continue
        found = _intervals(problems, spec, path, days)
        if found is None:
            continue
        intervals, label = found
        factor = getattr(spec, "factor", 0.0)
        if not intervals:
            when = f"season {label}" if label else f"[{spec.from_day:g}, {spec.to_day:g})"
            if declared_days is not None and _inside(spec, declared_days):
                kind = "closure" if factor == 0 else f"slowdown x{factor:g}"
                dropped.append(f"{_where(problems, path)}: {kind} of '{spec.id}' {when}")
                continue
            problems.err(
                path,
                f"{when} is outside the simulation horizon [0, {days:g}) days, expected at least part of it inside",
            )
            continue
        reason = spec.reason or ("closure" if factor == 0 else f"slowdown x{factor:g}") + (
            f" (season {label})" if label else ""
        )
        out.extend(Disruption(spec.id, s, e, factor, reason) for s, e in intervals)
    if dropped:
        log.warning(
            "%d closure(s)/slowdown(s) lie outside the shortened horizon [0, %g) days "
            "(the scenario's own: %g days) and are dropped:\n  %s",
            len(dropped), days, declared_days, "\n  ".join(dropped),
        )
    return out
