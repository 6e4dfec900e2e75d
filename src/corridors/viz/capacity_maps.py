"""The change map of a comparison: the change of every link's capacity, new lines, limiting elements, markets.

The before/after pair is :mod:`corridors.viz.capacity_pair`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from corridors.network import Network
from corridors.viz.cartography import (
    Extent,
    ProjectedNetwork,
    focus_countries,
    frame_extent,
    map_base,
    project,
    room_toward,
)
from corridors.viz.figure import box_aspect, colorbar, renderer, value_figure
from corridors.viz.furniture import credit, finish_map, map_title
from corridors.viz.network_map import junction_dots, place_name_labels
from corridors.viz.style import (
    BOUNDARIES_CREDIT,
    REGION_COLOURS,
    halo,
    line_handle,
    line_width,
    marker_handle,
)
from corridors.viz.value_maps import (
    BOTTLENECK_RING,
    draw_value_links,
    gateway_dots,
    gateway_points,
    mark_bottlenecks,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- change

#: Colour of a line only in the alternative: a green that is on no scale of these maps (Okabe & Ito 2008).
NEW_LINE = "#009E73"
#: Label of the change map's colour bar.
CHANGE_LABEL = "Change in analytic capacity, trains/day per direction"


@dataclass(frozen=True)
class _Change:
    """Change of a link value from base to alternative.

    ``values``: link id in both networks -> ``alt - base``; ``new_ids`` /
    ``gone_ids``: links only in the alternative / only in the base (drawn in
    their own colour and style, not on the scale); ``span``: largest absolute
    change of a link in both, the half-width of the colour scale.
    """

    values: dict[str, float]
    new_ids: list[str]
    gone_ids: list[str]
    span: float


def _link_change(base_net, alt_net, base_values, alt_values) -> _Change:
    change: dict[str, float] = {}
    new_ids = [lid for lid in alt_net.links if lid not in base_net.links]
    gone_ids = [lid for lid in base_net.links if lid not in alt_net.links]
    for lid in alt_net.links:
        a, b = alt_values.get(lid), base_values.get(lid)
        if lid in base_net.links and a is not None and b is not None and np.isfinite(a) and np.isfinite(b):
            change[lid] = float(a) - float(b)
    # a scale of at least 1 train/day, so that rounding noise does not fill it
    span = max([abs(v) for v in change.values()] + [1.0])
    return _Change(change, new_ids, gone_ids, span)


def plot_capacity_change(
    base_net: Network,
    alt_net: Network,
    base_values: Mapping[str, float],
    alt_values: Mapping[str, float],
    *,
    bottlenecks: Iterable[str] | Mapping[str, str] = (),
    region_arrows: Mapping[str, Mapping[str, str]] | None = None,
    title: str | None = None,
    value_label: str = CHANGE_LABEL,
    size_in: tuple[float, float] | None = None,
):
    """Map of the change in a link value between two networks.

    Parameters
    ----------
    base_net, alt_net
        The two networks.
    base_values, alt_values
        Link id -> value (for instance analytic capacity, trains/day per direction).
    bottlenecks
        Link ids to ring in red and name, or id -> a second line of the label
        (what it limits); one in neither network is skipped (logged).
    region_arrows
        Region -> ``{"label": "to China: 30 \u2192 45 Mt/yr", "at": node_id}``: an
        arrow from that gateway node pointing off the map toward the region
        (China east, Europe west, Russia north, South Asia south); from the
        edge of the frame when the node lies outside it. An unknown region or
        node is skipped (logged).
    title
        Figure title.
    value_label
        Label of the colour bar (units included).
    size_in
        Figure size, inches (default: A4 landscape, :data:`~corridors.viz.style.A4_LANDSCAPE`).

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)

    Notes
    -----
    The change is ``alt - base`` on a diverging purple (gain) to orange (loss)
    scale, readable without colour vision. A link only in ``alt_net`` is a new
    line, drawn green (a colour on no scale); one only in ``base_net`` is
    drawn dashed. Crossings and ferries are markers on the same scale.
    """
    fig, ax, cax = value_figure(None, size_in=size_in)
    g_base, g_alt = project(base_net), project(alt_net)
    change = _link_change(base_net, alt_net, base_values, alt_values)
    norm = mcolors.TwoSlopeNorm(vcenter=0.0, vmin=-change.span, vmax=change.span)
    cmap = matplotlib.colormaps["PuOr"]
    colorbar(fig, ax, cax, cmap, norm, value_label)
    arrows = region_arrows or {}
    extent = _change_extent(box_aspect(ax), arrows, (g_alt, g_base))
    focus = focus_countries(base_net, alt_net)
    countries = map_base(ax, extent, focus)

    draw_value_links(ax, alt_net, g_alt, {k: v for k, v in change.values.items() if k not in change.new_ids},
                     cmap=cmap, norm=norm, casing=True, widths=_change_width)
    handles = _draw_new_lines(ax, alt_net, g_alt, change.new_ids)
    handles += _draw_removed_lines(ax, g_base, change.gone_ids)
    junctions = junction_dots(ax, alt_net, g_alt)
    gateway_dots(ax, alt_net, g_alt, labels=False)
    marks = mark_bottlenecks(ax, (alt_net, base_net), (g_alt, g_base), bottlenecks)
    if marks:
        handles.append(marker_handle("o", 12, "none", BOTTLENECK_RING, "Limiting element (named)", mew=2.2))
    handles.append(line_handle(cmap(0.5), 2.5, "No change", path_effects=halo(4, "#4d4d4d")))
    handles.append(marker_handle("D", 6, cmap(0.5), "#333333", "Border crossing (same scale)"))
    arrow_boxes = _draw_region_arrows(ax, extent, arrows, (g_alt, g_base))
    finish_map(ax, extent, g_alt, points=g_alt.all_points(), handles=handles, countries=countries,
               lines=list(g_alt.lines.values()) + _lines_of(g_base, change.gone_ids),
               labels=marks + place_name_labels(alt_net, g_alt), markers=gateway_points(alt_net, g_alt) + junctions,
               obstacles=arrow_boxes, focus=focus)
    map_title(ax, title or "Change between base and alternative")
    credit(fig, BOUNDARIES_CREDIT + " Lines toward far markets run off the frame.")
    return fig, ax


def _change_width(link, change: float) -> float:
    """Return the width of a link on the change map, points: by track count only."""
    return line_width(link, base=1.4)


def _change_extent(aspect: float, arrows, geos) -> Extent:
    """Frame the networks' core, widened where a region arrow from a gateway inside it would not fit."""
    extent = frame_extent(geos, aspect)
    return frame_extent(geos, aspect, pad=_arrow_pad(extent, arrows, geos))


def _lines_of(geo: ProjectedNetwork, ids: Iterable[str]) -> list[np.ndarray]:
    return [geo.lines[i] for i in ids if i in geo.lines]


def _draw_new_lines(ax, net: Network, g_alt: ProjectedNetwork, new_ids: list[str]) -> list:
    """Draw each link only in the alternative in green over a dark casing; return its legend entry."""
    if not new_ids:
        return []
    lines = _lines_of(g_alt, new_ids)
    widths = [line_width(net.links[i], base=1.4) + 1.2 for i in new_ids if i in g_alt.lines]
    ax.add_collection(LineCollection(lines, colors="#1b1b1b", linewidths=[w + 1.6 for w in widths], zorder=4.4,
                                     capstyle="round"), autolim=False)
    ax.add_collection(LineCollection(lines, colors=NEW_LINE, linewidths=widths, zorder=4.5, capstyle="round"),
                      autolim=False)
    return [line_handle(NEW_LINE, 3.4, "New line (not in the base scenario)",
                        path_effects=halo(5, "#1b1b1b"))]


def _draw_removed_lines(ax, g_base: ProjectedNetwork, gone_ids: list[str]) -> list:
    """Links only in the base, dashed; returns their legend entry."""
    if not gone_ids:
        return []
    ax.add_collection(
        LineCollection(
            _lines_of(g_base, gone_ids), colors="#555555", linewidths=1.4, linestyles="--", zorder=4
        ),
        autolim=False,
    )
    return [line_handle("#555555", 1.4, "Line removed (only in the base scenario)", ls="--")]


# --------------------------------------------------------------------------- region arrows

#: Direction of each region, seen from Central Asia, as a unit vector on the map.
_REGION_DIRECTION = {"China": (1, 0), "Europe": (-1, 0), "Russia": (0, 1), "South Asia": (0, -1)}
_SIDE = {(1, 0): "east", (-1, 0): "west", (0, 1): "north", (0, -1): "south"}


def _node_xy(geos: Sequence[ProjectedNetwork], node_id) -> tuple[float, float] | None:
    """Return a node's map point from the first projection that has it (``None`` if none has)."""
    return next((g.nodes[node_id] for g in geos if node_id in g.nodes), None)


def _inside(extent: Extent, xy) -> bool:
    x0, x1, y0, y1 = extent
    return x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1


def _arrow_start(extent: Extent, xy, direction) -> tuple[float, float]:
    """Where a region's arrow starts: at its gateway, or, for a gateway off the frame, near that edge."""
    if _inside(extent, xy):
        return xy
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    ux, uy = direction
    if ux:  # east or west: at the gateway's height, kept off the corners
        return (x1 - 0.1 * w if ux > 0 else x0 + 0.1 * w), float(np.clip(xy[1], y0 + 0.15 * h, y1 - 0.15 * h))
    return float(np.clip(xy[0], x0 + 0.15 * w, x1 - 0.15 * w)), (y1 - 0.1 * h if uy > 0 else y0 + 0.1 * h)


def _arrow_pad(extent: Extent, arrows, geos) -> dict[str, float]:
    """Extra margin (share of the extent) where a region arrow would not fit."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    pad: dict[str, float] = {}
    for region, spec in arrows.items():
        d = _REGION_DIRECTION.get(region)
        xy = _node_xy(geos, spec.get("at"))
        if d is None or xy is None or not _inside(extent, xy):
            continue
        room = room_toward(extent, xy, d)
        need = 0.11 * w
        if room < need:
            dim = w if d[0] else h
            pad[_SIDE[d]] = max(pad.get(_SIDE[d], 0.0), (need - room) / dim)
    return pad


def _draw_region_arrows(ax, extent: Extent, arrows, geos) -> list[Bbox]:
    """Arrows from gateway nodes toward the map edge of their region; returns their boxes."""
    rend = renderer(ax.figure)
    boxes = []
    for region, spec in arrows.items():
        node_id = spec.get("at")
        xy = _node_xy(geos, node_id)
        if xy is None:
            log.warning("region arrow %s: node %s not in the network; not drawn", region, node_id)
            continue
        direction = _REGION_DIRECTION.get(region)
        if direction is None:
            log.warning("region arrow: unknown region %s", region)
            continue
        colour = REGION_COLOURS.get(region, "#444444")
        xy = _arrow_start(extent, xy, direction)
        arrow, end = _draw_arrow(ax, extent, xy, direction, colour)
        text = _arrow_label(ax, extent, xy, end, direction, spec.get("label", region), colour)
        boxes.append(text.get_window_extent(rend))
        boxes.append(arrow.get_window_extent(rend))
    return boxes


def _draw_arrow(ax, extent: Extent, xy, direction, colour):
    """Draw a broad arrow from ``xy`` toward the edge; return the patch and its end point."""
    x0, x1, _, _ = extent
    w = x1 - x0
    x, y = xy
    ux, uy = direction
    # from the node toward the edge, at most 8 % of the map width, ending inside the frame
    room = room_toward(extent, xy, direction) - 0.012 * w
    length = min(max(room, 0.05 * w), 0.08 * w)
    end = (x + ux * length, y + uy * length)
    arrow = FancyArrowPatch(
        (x, y),
        end,
        arrowstyle="simple,head_width=1.2,head_length=1.0,tail_width=0.42",
        mutation_scale=15,
        color=colour,
        alpha=0.9,
        shrinkA=8,
        shrinkB=0,
        zorder=7,
        path_effects=halo(1.5),
    )
    ax.add_patch(arrow)
    return arrow, end


def _arrow_label(ax, extent: Extent, xy, end, direction, text: str, colour):
    """Write the arrow's text beside its head, on the side away from the node."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    ux, uy = direction
    if ux:
        tx, ty = end[0], xy[1] + 0.014 * h
        ha, va = ("right" if ux > 0 else "left"), "bottom"
    else:
        tx, ty = xy[0] + 0.014 * w, end[1]
        ha, va = "left", ("top" if uy > 0 else "bottom")
    return ax.text(
        tx,
        ty,
        text,
        ha=ha,
        va=va,
        fontsize=9,
        fontweight="bold",
        color=colour,
        zorder=12,
        path_effects=halo(3),
    )
