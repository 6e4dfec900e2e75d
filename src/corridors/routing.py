"""Candidate routes: which ways a train may take between two places.

Shared by the scenario checks (does every flow have a route?), the
simulation (trains choose among the candidates, aware of congestion) and the
LP bound (flows with a corridor constraint use the candidates). Routes are
loop-free paths in the network graph, one arc per link and direction, ranked
by free time: running time, a crossing's dwell and its clearance hold in that
direction, ferry crossing and handling plus half the longest ferry wait, and
the stop at every yard on the way.

Candidates are chosen for diversity, not only for speed: a route that shares
most of its length with a faster candidate is a *variant* of it (through a
bypass or over a parallel branch), and the ``k`` slots go to *distinct*
routes, each sharing at most ``max_overlap`` of its length with every faster
distinct one -- the limited-overlap rule of alternative routing (Chondrogiannis
et al. 2020, "Finding k-shortest paths with limited overlap", VLDB Journal
29:1023-1047). Without it a new bypass multiplies the variants of the best
route, they crowd the genuinely different routes (another border, another
main line) out of the ``k`` best, and adding track *removes* options. Up to
``k`` variants are kept beside the distinct routes, so a train can still take
the old line when the new one queues.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import networkx as nx

from corridors.elements import free_time_h, yard_dwell_h
from corridors.network import FerryLink, Network

log = logging.getLogger(__name__)

#: Paths enumerated at most per origin--destination pair, routes or not (loops and
#: paths that miss a ``via`` element are enumerated too).
MAX_PATHS = 200
#: Routes examined at most per route wanted (``k`` plus the ``via`` groups).
MAX_ROUTES_PER_WANTED = 3


def leg_free_h(link, forward: bool | None) -> float:
    """Free time of one leg for route choice, hours: the link's free time plus a ferry's expected wait.

    ``forward`` as :func:`corridors.elements.free_time_h` takes it (``None``:
    the mean of the two directions).
    """
    w = free_time_h(link, forward)
    if isinstance(link, FerryLink):
        w += link.max_wait_h / 2
    return w


def route_graph(net: Network) -> nx.DiGraph:
    """Directed routing graph: an arc per link and direction, weighted by that direction's free time.

    A crossing's clearance hold differs by direction, so the two arcs of a
    link may weigh differently. Each arc also carries half of each end's yard
    stop (:func:`corridors.elements.yard_dwell_h`), so a path's weight holds
    every yard it passes through; a :class:`Route`'s ``free_h`` holds the
    stop at its two ends in full as well.
    """
    G = nx.DiGraph()
    for nid, node in net.nodes.items():
        G.add_node(nid, yard_h=yard_dwell_h(node))
    for link in net.links.values():
        ends_h = (G.nodes[link.from_node]["yard_h"] + G.nodes[link.to_node]["yard_h"]) / 2
        for u, v, forward in ((link.from_node, link.to_node, True), (link.to_node, link.from_node, False)):
            G.add_edge(u, v, link=link, free_time_h=leg_free_h(link, forward) + ends_h, length_km=link.length_km,
                       id=link.id)
    return G



@dataclass(frozen=True, slots=True)
class Route:
    """A candidate route: nodes, links with their direction, and its free time."""

    nodes: tuple[str, ...]
    legs: tuple[tuple[str, bool], ...]
    free_h: float
    km: float

    @property
    def label(self) -> str:
        """Node ids of the route joined by ``>`` (for route shares in summaries)."""
        return ">".join(self.nodes)


def candidate_routes(
    G: nx.DiGraph,
    origin: str,
    destination: str,
    *,
    k: int,
    max_detour: float,
    via: tuple[tuple[str, ...], ...] = (),
    avoid: tuple[str, ...] = (),
    regions: dict[str, list[str]] | None = None,
    gateway_detour: float = 1.0,
    max_overlap: float = 1.0,
) -> list[Route]:
    """Up to ``k`` distinct loop-free routes and ``k`` variants by free time, honouring ``via`` and ``avoid``.

    A route is distinct when it shares at most ``max_overlap`` of its length
    (km) with every faster distinct route, else a variant (module docstring);
    ``max_overlap=1`` makes every route distinct (plain k shortest routes).

    ``origin`` and ``destination`` may be region names: a virtual node joined to
    every gateway of the region with zero cost stands in for them. For a region
    end, the best route through each of its gateways is added when it is at
    most ``gateway_detour`` times the best route overall.
    """
    routes = _k_routes(G, origin, destination, k=k, max_detour=max_detour, via=via, avoid=avoid,
                       regions=regions, max_overlap=max_overlap)
    if not routes or not regions or gateway_detour <= 1.0:
        return routes
    best = routes[0].free_h
    seen = {r.legs for r in routes}
    for end, role in ((destination, "dst"), (origin, "src")):
        if end not in regions:
            continue
        for g in regions[end]:
            o, d = (origin, g) if role == "dst" else (g, destination)
            for r in _k_routes(G, o, d, k=1, max_detour=1.0, via=via, avoid=avoid, regions=regions,
                               exclude_gateways=[x for x in regions[end] if x != g]):
                if r.legs not in seen and r.free_h <= best * gateway_detour + 1e-9:
                    seen.add(r.legs)
                    routes.append(r)
    return sorted(routes, key=lambda r: r.free_h)


def _k_routes(
    G: nx.DiGraph,
    origin: str,
    destination: str,
    *,
    k: int,
    max_detour: float,
    via: tuple[tuple[str, ...], ...] = (),
    avoid: tuple[str, ...] = (),
    regions: dict[str, list[str]] | None = None,
    exclude_gateways: list[str] = (),
    max_overlap: float = 1.0,
) -> list[Route]:
    """Find up to ``k`` distinct loop-free routes and ``k`` variants within ``max_detour`` (see :func:`candidate_routes`)."""
    H, src, dst = _search_graph(G, origin, destination, avoid, regions, exclude_gateways)
    if src not in H or dst not in H or not nx.has_path(H, src, dst):
        return []

    def to_route(path: list[str]) -> Route | None:
        path = [p for p in path if not p.startswith("__")]
        if len(set(path)) != len(path):
            return None  # not loop-free
        legs, free, km, ok_links = [], 0.0, 0.0, set()
        for u, v in zip(path, path[1:]):
            e = H.edges[u, v]
            link = e["link"]
            legs.append((link.id, link.from_node == u))
            free += leg_free_h(link, link.from_node == u)
            km += e["length_km"]
            ok_links.add(link.id)
            if link.kind == "ferry":
                ok_links.add("ferry")
        free += sum(H.nodes[p].get("yard_h", 0.0) for p in path)
        ok_nodes = set(path)
        if via and not all(any(x in ok_nodes or x in ok_links for x in grp) for grp in via):
            return None
        # A region gateway mid-route means the train already reached the region.
        if regions and destination in regions and any(p in regions[destination] for p in path[:-1]):
            return None
        return Route(tuple(path), tuple(legs), free, km)

    found: dict[tuple, Route] = {}
    for path in _via_paths(H, src, dst, via):
        r = to_route(path)
        if r is not None:
            found.setdefault(r.legs, r)
    best = min((r.free_h for r in found.values()), default=None)
    want = k + len(via)
    link_km = {e["id"]: e["length_km"] for _, _, e in H.edges(data=True) if e["id"] is not None}
    accepted = 0
    best_w = None
    try:
        for n_seen, path in enumerate(nx.shortest_simple_paths(H, src, dst, weight="free_time_h")):
            if n_seen >= MAX_PATHS or accepted >= MAX_ROUTES_PER_WANTED * want:
                log.debug("%s -> %s: candidate search stopped after %d paths (%d routes)", origin, destination,
                          n_seen, accepted)
                break
            distinct, variants = _diverse(found.values(), want, max_overlap, link_km)
            # Variants are sought as long as distinct routes, within the detour and the caps above.
            if len(distinct) >= want and (max_overlap >= 1.0 or len(variants) >= k):
                break
            r = to_route(path)
            if r is None:
                continue  # a loop, a missed `via`, a gateway mid-route: not a route, not counted
            # Paths come by weight (free time less half of each end's yard stop): stop on it, keep by free time.
            w = nx.path_weight(H, path, "free_time_h")
            best_w = w if best_w is None else min(best_w, w)
            if w > best_w * max_detour + 1e-9:
                break
            accepted += 1
            best = r.free_h if best is None else min(best, r.free_h)
            if r.free_h <= best * max_detour + 1e-9:
                found.setdefault(r.legs, r)
    except nx.NetworkXNoPath:
        pass
    if best is None:
        return []
    distinct, variants = _diverse((r for r in found.values() if r.free_h <= best * max_detour + 1e-9), k,
                                  max_overlap, link_km)
    return sorted(distinct + variants, key=lambda r: r.free_h)


def _search_graph(G: nx.DiGraph, origin: str, destination: str, avoid: tuple[str, ...],
                  regions: dict[str, list[str]] | None, exclude_gateways) -> tuple[nx.DiGraph, str, str]:
    """Copy of ``G`` without the avoided elements, a region end joined to a virtual node; with the two ends."""
    H = G.copy()
    for a in (*avoid, *exclude_gateways):
        if a in H:
            H.remove_node(a)
    drop = [(u, v) for u, v, e in H.edges(data=True) if e["id"] in avoid]
    H.remove_edges_from(drop)
    src, dst = origin, destination
    for end, role in ((origin, "src"), (destination, "dst")):
        if regions and end in regions:
            virt = f"__{role}__{end}"
            H.add_node(virt)
            for g in regions[end]:
                if g in H:  # out of a region's virtual source, into its virtual sink
                    a, b = (virt, g) if role == "src" else (g, virt)
                    H.add_edge(a, b, id=None, free_time_h=0.0, length_km=0.0, kind="virtual")
            if role == "src":
                src = virt
            else:
                dst = virt
    return H, src, dst


def _diverse(routes, k: int, max_overlap: float, link_km: dict[str, float]) -> tuple[list[Route], list[Route]]:
    """Split ``routes`` by free time into up to ``k`` distinct ones and ``k`` variants (module docstring).

    ``link_km`` gives each link's length; a route's overlap with another is
    the km of the links they share over the route's own km.
    """
    distinct: list[Route] = []
    variants: list[Route] = []
    kept: list[set[str]] = []
    for r in sorted(routes, key=lambda r: r.free_h):
        km = {lid: link_km[lid] for lid, _ in r.legs}
        total = sum(km.values())
        shared = max((sum(v for lid, v in km.items() if lid in other) for other in kept), default=0.0)
        if total <= 0 or shared <= max_overlap * total + 1e-9:
            if len(distinct) < k:
                distinct.append(r)
                kept.append(set(km))
        elif len(variants) < k:
            variants.append(r)
    return distinct, variants


def _via_paths(H: nx.DiGraph, src: str, dst: str, via: tuple[tuple[str, ...], ...], limit: int = 64) -> list[list[str]]:
    """Shortest paths forced through one element of each ``via`` group, in order.

    The k-shortest enumeration may never reach a route through a far element
    (a Caspian ferry is a long detour from China to Europe), so each
    combination of group elements is joined by shortest paths directly.
    """
    if not via:
        return []
    options: list[list[tuple[str, str]]] = []
    for grp in via:
        opts = []
        for x in grp:
            if x in H and not x.startswith("__"):
                opts.append((x, x))
            for u, v, e in H.edges(data=True):  # both arcs of a link: each direction once
                link = e.get("link")
                if link is not None and (link.id == x or (x == "ferry" and link.kind == "ferry")):
                    opts.append((u, v))
        options.append(opts)
    paths = []
    for combo in itertools.islice(itertools.product(*options), limit):
        path, here, ok = [src], src, True
        for a, b in combo:
            try:
                leg = nx.shortest_path(H, here, a, weight="free_time_h")
            except nx.NetworkXNoPath:
                ok = False
                break
            path += leg[1:] + ([b] if a != b else [])
            here = b
        if not ok:
            continue
        try:
            path += nx.shortest_path(H, here, dst, weight="free_time_h")[1:]
        except nx.NetworkXNoPath:
            continue
        paths.append(path)
    return paths


