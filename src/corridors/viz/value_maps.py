"""Maps that colour links by a value: the shared drawing steps, and the utilisation map."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import LineCollection

from corridors.network import BorderCrossing, FerryLink, Network
from corridors.viz.cartography import ProjectedNetwork
from corridors.viz.figure import colorbar, value_figure
from corridors.viz.furniture import close_map, map_title, open_map
from corridors.viz.labels import Label, display_name, leader_label
from corridors.viz.network_map import (
    junction_dots,
    place_name_labels,
    pretty_name,
    scatter_gateways,
)
from corridors.viz.style import (
    REGION_COLOURS,
    SHARE_BOUNDS,
    SHARE_COLOURS,
    UNUSED,
    halo,
    line_handle,
    line_width,
    marker_handle,
)

log = logging.getLogger(__name__)


def finite_values(values: Mapping[str, float | None]) -> dict[str, float]:
    """Keep the entries of ``values`` that are finite numbers, as floats."""
    return {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}


def gateway_points(net: Network, geo: ProjectedNetwork) -> list[tuple[float, float]]:
    """``(x, y)`` of every gateway, metres (markers that labels must not cover)."""
    return [xy for _, xy in geo.region_nodes(net)]


def gateway_dots(
    ax, net: Network, geo: ProjectedNetwork, *, labels: bool = True, size: float = 40
) -> list[Label]:
    """Gateways of a value map: dots of ``size`` points squared; returns their name labels."""
    drawn = scatter_gateways(ax, net, geo, size=size, linewidths=1.1, zorder=6)
    out = []
    for region, pts in drawn.items() if labels else ():
        colour = REGION_COLOURS[region]
        out += [
            Label(xy[0], xy[1], display_name(n.name), color=colour, size=7, weight="bold")
            for n, xy in pts
        ]
    return out


# --------------------------------------------------------------------------- value links


@dataclass
class _ValueLines:
    """Links split into those with a value and those drawn grey."""

    lines: list = field(default_factory=list)
    values: list = field(default_factory=list)
    widths: list = field(default_factory=list)
    styles: list = field(default_factory=list)
    grey: list = field(default_factory=list)
    grey_styles: list = field(default_factory=list)
    border_points: list = field(default_factory=list)
    border_values: list = field(default_factory=list)


def _split_values(net, geo, values, widths, rail_only: bool = False) -> _ValueLines:
    out = _ValueLines()
    for link in net.links.values():
        if link.id not in geo.lines or (rail_only and isinstance(link, (BorderCrossing, FerryLink))):
            continue
        v = values.get(link.id)
        ls = "--" if isinstance(link, FerryLink) else "-"
        if v is not None and np.isfinite(v):
            out.lines.append(geo.lines[link.id])
            out.values.append(float(v))
            out.widths.append(widths(link, float(v)) if widths else line_width(link, base=1.15))
            out.styles.append(ls)
            if isinstance(link, BorderCrossing):
                out.border_points.append(geo.midpoint(link.id))
                out.border_values.append(float(v))
        else:
            out.grey.append(geo.lines[link.id])
            out.grey_styles.append(ls)
    return out


def draw_value_links(
    ax,
    net: Network,
    geo: ProjectedNetwork,
    values: Mapping[str, float],
    *,
    cmap,
    norm,
    widths: Callable[[object, float], float] | None = None,
    casing: bool = False,
    zorder: float = 4,
    rail_only: bool = False,
):
    """Links coloured by ``values``; links without a value drawn thin and grey.

    Parameters
    ----------
    ax
        The map axes.
    net, geo
        The network and its projection.
    values
        Link id -> value in the units of ``norm``.
    cmap, norm
        The colour scale.
    widths
        ``(link, value) -> width in points``; by default by track count.
    casing
        Draw a dark edge under the coloured lines.
    zorder
        Drawing order of the coloured lines.
    rail_only
        Leave border crossings and ferries out (drawn on their own scale by
        :func:`draw_element_values`).

    Returns
    -------
    (LineCollection or None, PathCollection or None)
        The line collection and the marker collection (border crossings)
        that carry the colour scale.
    """
    split = _split_values(net, geo, values, widths, rail_only)
    if split.grey:
        style = dict(colors=UNUSED, linewidths=0.9, linestyles=split.grey_styles)
        ax.add_collection(LineCollection(split.grey, zorder=zorder - 0.5, **style), autolim=False)
    lc = sc = None
    if split.lines:
        if casing:  # a dark edge, so that pale colours read on the land
            widths = [w + 1.3 for w in split.widths]
            style = dict(colors="#4d4d4d", linewidths=widths, linestyles=split.styles)
            ax.add_collection(
                LineCollection(split.lines, zorder=zorder - 0.1, **style), autolim=False
            )
        lc = LineCollection(
            split.lines,
            cmap=cmap,
            norm=norm,
            linewidths=split.widths,
            linestyles=split.styles,
            zorder=zorder,
            capstyle="round",
        )
        lc.set_array(np.asarray(split.values))
        ax.add_collection(lc, autolim=False)
    if split.border_points:
        sc = ax.scatter(
            *zip(*split.border_points),
            c=split.border_values,
            cmap=cmap,
            norm=norm,
            marker="D",
            s=34,
            edgecolors="#333333",
            linewidths=0.8,
            zorder=zorder + 1,
        )
    return lc, sc


def draw_element_values(ax, net: Network, geo: ProjectedNetwork, values: Mapping[str, float], *, cmap, norm,
                        zorder: float = 6) -> list[tuple[float, float]]:
    """Border crossings (diamonds) and ferries (dotted lines with a circle) coloured on their own scale.

    Parameters
    ----------
    ax
        The map axes.
    net, geo
        The network and its projection.
    values
        Link id -> value in the units of ``norm``; crossings and ferries
        without one are drawn white.
    cmap, norm
        Their colour scale (not the rail lines').
    zorder
        Drawing order of the markers.

    Returns
    -------
    list of (float, float)
        The marker points, metres (labels must not cover them).
    """
    marks = {"D": ([], []), "o": ([], [])}
    for link in net.links.values():
        if link.id not in geo.lines or not isinstance(link, (BorderCrossing, FerryLink)):
            continue
        v = values.get(link.id)
        colour = cmap(norm(v)) if v is not None and np.isfinite(v) else (1, 1, 1, 1)
        if isinstance(link, FerryLink):
            ax.add_collection(LineCollection([geo.lines[link.id]], colors=[colour], linewidths=2.4,
                                             linestyles=(0, (1.2, 1.4)), zorder=zorder - 2.2,
                                             path_effects=halo(3.6, "#4d4d4d")), autolim=False)
        pts, cols = marks["o" if isinstance(link, FerryLink) else "D"]
        pts.append(geo.midpoint(link.id))
        cols.append(colour)
    out = []
    for marker, (pts, cols) in marks.items():
        if pts:
            ax.scatter(*zip(*pts), c=cols, marker=marker, s=58 if marker == "D" else 64, edgecolors="#222222",
                       linewidths=0.9, zorder=zorder)
            out += pts
    return out


# --------------------------------------------------------------------------- utilisation


def _share_scale():
    cmap = mcolors.ListedColormap(SHARE_COLOURS, name="corridors_share")
    norm = mcolors.BoundaryNorm(SHARE_BOUNDS, cmap.N, extend="max")
    return cmap, norm


def plot_utilisation(
    net: Network,
    utilisation: Mapping[str, float],
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax=None,
    size_in: tuple[float, float] | None = None,
):
    """Map of link utilisation (flow over capacity).

    Parameters
    ----------
    net
        The network.
    utilisation
        Link id (or the id of a node with a yard, drawn as a square) ->
        utilisation share (0 = idle, 1 = at capacity, above 1 = over).
        Links missing here, or at 0, are drawn grey as unused.
    labels
        Link id -> short text to write at the link (for instance the busiest
        bottlenecks), placed off the line with a leader and a white halo.
        A label for a link not in ``net`` is ignored (logged).
    title
        Figure title.
    ax
        Axes to draw into; by default a new figure of ``size_in``.
    size_in
        Size of a new figure, inches (default: A4 landscape).

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig, ax, cax = value_figure(ax, size_in=size_in)
    cmap, norm = _share_scale()
    cb = colorbar(fig, ax, cax, cmap, norm, "Utilisation (trains carried / analytic capacity)")
    cb.set_ticks(SHARE_BOUNDS)
    cb.set_ticklabels([f"{b:.0%}" for b in SHARE_BOUNDS])
    frame = open_map(ax, net)
    geo = frame.geo
    used = {k: v for k, v in finite_values(utilisation).items() if v > 0}
    yards = {k: v for k, v in used.items() if k in net.nodes and k in geo.nodes}
    draw_value_links(ax, net, geo, {k: v for k, v in used.items() if k not in yards}, cmap=cmap, norm=norm,
                     widths=_busy_width, casing=True)
    if yards:  # a node's yard: a square on the same scale
        ax.scatter(*zip(*(geo.nodes[k] for k in yards)), c=list(yards.values()), cmap=cmap, norm=norm, marker="s",
                   s=48, edgecolors="#333333", linewidths=0.8, zorder=6)
    gw_labels = gateway_dots(ax, net, geo)
    junctions = junction_dots(ax, net, geo)
    link_labels = _link_labels(ax, geo, labels or {})
    handles = [
        line_handle(UNUSED, 1.0, "Unused / no flow"),
        line_handle(SHARE_COLOURS[4], 3, "Over 90 % of capacity"),
    ]
    if yards:
        handles.append(marker_handle("s", 7, SHARE_COLOURS[1], "#333333", "Yard at a node (same scale)"))
    markers = gateway_points(net, geo) + junctions
    names = place_name_labels(net, geo, gateways=False)
    close_map(frame, handles=handles, labels=link_labels + gw_labels + names, markers=markers)
    map_title(ax, title or f"Utilisation of the network: {pretty_name(net)}")
    return fig, ax


def _busy_width(link, share: float) -> float:
    """Utilisation line width, points: links at 90 % or more drawn wider."""
    return line_width(link, base=1.2) + (1.2 if share >= 0.9 else 0.0)


def _link_labels(ax, geo: ProjectedNetwork, labels: Mapping[str, str]) -> list[Label]:
    """Leader labels at the middle of links, with a dot at each anchor."""
    out, anchors = [], []
    for lid, text in labels.items():
        if lid not in geo.lines and lid not in geo.nodes:
            log.warning("label for unknown link %s ignored", lid)
            continue
        xy = geo.midpoint(lid) if lid in geo.lines else geo.nodes[lid]
        anchors.append(xy)
        out.append(leader_label(xy, str(text)))
    if anchors:
        ax.scatter(
            *zip(*anchors), s=12, color="#222222", edgecolor="white", linewidths=0.6, zorder=10
        )
    return out


# --------------------------------------------------------------------------- bottlenecks

#: Colour of the ring around a limiting element and of its name.
BOTTLENECK_RING = "#d7191c"
BOTTLENECK_INK = "#a50f15"


def short_link_name(name: str) -> str:
    """Name of a link for a map label: without a country-pair prefix or a long note in brackets.

    ``KZ–RU: Bulaevo – Isilkul (Trans-Siberian east)`` -> ``Bulaevo – Isilkul``.
    """
    name = re.sub(r"^[A-Z]{2}\s*[-\u2013]\s*[A-Z]{2}:\s*", "", name)
    return re.sub(r"\s*\([^()]{12,}\)\s*$", "", name) or name


def mark_bottlenecks(ax, nets: Sequence[Network], geos: Sequence[ProjectedNetwork],
                     bottlenecks: Iterable[str] | Mapping[str, str], *, size: float = 7.8) -> list[Label]:
    """Ring each limiting link (or node yard) in red; return the required labels naming them.

    Parameters
    ----------
    ax
        The map axes.
    nets, geos
        Networks and their projections, looked up in order (alternative first).
    bottlenecks
        Link (or node) ids, or id -> a second line for the label (what it limits).
        An id in no network is skipped (logged).
    size
        Font size of the labels, points.

    Returns
    -------
    list of Label
        One bold dark-red label per element drawn, with a leader to it.
    """
    notes = dict(bottlenecks) if isinstance(bottlenecks, Mapping) else dict.fromkeys(bottlenecks, "")
    marks = []
    for lid, note in notes.items():
        geo = next((g for g in geos if lid in g.lines), None)
        if geo is not None:
            x, y = geo.midpoint(lid)
            link = next((n.links[lid] for n in nets if lid in n.links), None)
            name = short_link_name(link.name) if link is not None else lid
        elif (geo := next((g for g in geos if lid in g.nodes), None)) is not None:  # a node's yard
            x, y = geo.nodes[lid]
            node = next((n.nodes[lid] for n in nets if lid in n.nodes), None)
            name = f"{node.name} yard" if node is not None else lid
        else:
            log.warning("bottleneck %s is in neither network; not marked", lid)
            continue
        ax.scatter([x], [y], s=300, facecolor="none", edgecolor=BOTTLENECK_RING, linewidths=2.4, zorder=9,
                   path_effects=halo(4.2))
        text = f"{name}\n{note}" if note else name
        marks.append(replace(leader_label((x, y), text, color=BOTTLENECK_INK), size=size))
    return marks
