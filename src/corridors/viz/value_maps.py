"""Maps that colour links by a value: the shared drawing steps, and the utilisation map."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import LineCollection

from corridors.network import BorderCrossing, FerryLink, Network
from corridors.viz.cartography import ProjectedNetwork
from corridors.viz.figure import colorbar, value_figure
from corridors.viz.furniture import close_map, map_title, open_map
from corridors.viz.labels import Label, display_name, leader_label
from corridors.viz.network_map import pretty_name, scatter_gateways
from corridors.viz.style import (
    REGION_COLOURS,
    SHARE_BOUNDS,
    SHARE_COLOURS,
    UNUSED,
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


def _split_values(net, geo, values, widths) -> _ValueLines:
    out = _ValueLines()
    for link in net.links.values():
        if link.id not in geo.lines:
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

    Returns
    -------
    (LineCollection or None, PathCollection or None)
        The line collection and the marker collection (border crossings)
        that carry the colour scale.
    """
    split = _split_values(net, geo, values, widths)
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
        Axes to draw into; by default a new A4-landscape figure.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig, ax, cax = value_figure(ax)
    cmap, norm = _share_scale()
    cb = colorbar(fig, ax, cax, cmap, norm, "Utilisation (flow / capacity)")
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
    link_labels = _link_labels(ax, geo, labels or {})
    handles = [
        line_handle(UNUSED, 1.0, "Unused / no flow"),
        line_handle(SHARE_COLOURS[4], 3, "Over 90 % of capacity"),
    ]
    if yards:
        handles.append(marker_handle("s", 7, SHARE_COLOURS[1], "#333333", "Yard at a node (same scale)"))
    markers = gateway_points(net, geo)
    close_map(frame, handles=handles, labels=link_labels + gw_labels, markers=markers)
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
