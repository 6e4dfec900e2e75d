"""Capacity maps of a comparison: before/after side by side, and the change on one map."""

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

from corridors import REGIONS
from corridors.network import Network
from corridors.viz.cartography import (
    Extent,
    ProjectedNetwork,
    extent_of,
    focus_countries,
    map_base,
    project,
    projected_countries,
    room_toward,
    scale_bar,
)
from corridors.viz.figure import (
    box_aspect,
    colorbar,
    dummy_mappable,
    new_figure,
    renderer,
    value_figure,
)
from corridors.viz.furniture import credit, finish_map, map_title
from corridors.viz.labels import Label, leader_label
from corridors.viz.style import (
    A4_LANDSCAPE,
    BOUNDARIES_CREDIT,
    REGION_COLOURS,
    UNUSED,
    halo,
    line_handle,
    line_width,
    marker_handle,
)
from corridors.viz.value_maps import (
    draw_value_links,
    finite_values,
    gateway_dots,
    gateway_points,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- before / after


def plot_capacity_pair(
    base_net: Network,
    alt_net: Network,
    base_values: Mapping[str, float],
    alt_values: Mapping[str, float],
    *,
    titles: tuple[str, str] = ("Before", "After"),
    value_label: str = "Capacity (trains/day)",
):
    """Two maps side by side with one extent and one colour scale.

    Parameters
    ----------
    base_net, alt_net
        The two networks (for instance before and after an investment).
    base_values, alt_values
        Link id -> value (for instance capacity in trains per day). Links
        without a value are drawn thin and grey.
    titles
        Titles of the left and right map.
    value_label
        Label of the shared colour bar.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of two Axes)
    """
    nets = (base_net, alt_net)
    geos = [project(base_net), project(alt_net)]
    pts = np.concatenate([g.all_points() for g in geos])
    fig, axes, map_aspect, height = _pair_figure(pts)
    extent = extent_of(pts, map_aspect)
    norm = _shared_norm(base_values, alt_values)
    cmap = _capacity_cmap()
    countries = projected_countries()
    mappable = None
    for ax, net, geo, values, ttl in zip(axes, nets, geos, (base_values, alt_values), titles):
        map_base(ax, extent, focus_countries(net), countries=countries)
        lc, sc = draw_value_links(
            ax,
            net,
            geo,
            finite_values(values),
            cmap=cmap,
            norm=norm,
            widths=lambda link, v: 0.9 + 2.6 * float(np.clip(norm(v), 0, 1)),
            casing=True,
        )
        mappable = mappable or lc or sc
        gateway_dots(ax, net, geo, labels=False, size=30)
        ax.set_title(ttl, loc="left", fontsize=12, fontweight="bold", pad=6)
        scale_bar(ax, extent, geo.transformer, corner="lower right")
    cax = fig.add_axes([0.3, 0.52 / height, 0.4, 0.18 / height])
    cb = fig.colorbar(mappable or dummy_mappable(cmap, norm), cax=cax, orientation="horizontal")
    cb.set_label(value_label, fontsize=9)
    cb.ax.tick_params(labelsize=8)
    _pair_legend(fig, nets, height)
    credit(
        fig,
        "Boundaries: Natural Earth (public domain), for orientation only. Same extent and colour "
        "scale in both maps.",
        y=0.05 / height,
    )
    return fig, axes


def _pair_figure(pts: np.ndarray):
    """Figure and two map axes, as tall as the maps need (never taller than A4 landscape).

    Returns the figure, the two axes, a map's width/height ratio and the figure height, inches.
    """
    width = A4_LANDSCAPE[0]
    map_w = width * 0.488
    raw = pts.max(axis=0) - pts.min(axis=0) if len(pts) else np.array([1.0, 1.0])
    net_aspect = float(max(raw[0], 1.0) / max(raw[1], 1.0))
    map_h = float(np.clip(map_w / max(net_aspect, 1e-6), 3.0, 6.4))
    top, bottom = 0.42, 1.05
    height = map_h + top + bottom
    fig = new_figure((width, height))
    rect_y, rect_h = bottom / height, map_h / height
    axes = np.array(
        [fig.add_axes([0.008, rect_y, 0.488, rect_h]), fig.add_axes([0.504, rect_y, 0.488, rect_h])]
    )
    return fig, axes, map_w / map_h, height


def _shared_norm(*values: Mapping[str, float]) -> mcolors.Normalize:
    """One linear scale over all finite values; from 0 when they start near it."""
    vals = [v for d in values for v in finite_values(d).values()]
    vmin, vmax = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    vmin = min(vmin, 0.0) if vmin >= 0 and vmin < 0.25 * vmax else vmin
    return mcolors.Normalize(vmin=vmin, vmax=vmax)


def _capacity_cmap():
    base = matplotlib.colormaps["YlGnBu"]
    return mcolors.LinearSegmentedColormap.from_list(
        "corridors_capacity", base(np.linspace(0.28, 1.0, 256))
    )


def _pair_legend(fig, nets: Sequence[Network], height: float) -> None:
    handles = [line_handle(UNUSED, 1, "No value")]
    handles += [
        marker_handle("o", 6, REGION_COLOURS[r], "white", f"Gateway: {r}")
        for r in REGIONS
        if any(n.region == r for net in nets for n in net.nodes.values())
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.005, 0.2 / height),
        fontsize=7.5,
        ncol=2,
        frameon=False,
    )


# --------------------------------------------------------------------------- change


@dataclass(frozen=True)
class _Change:
    """Change of a link value from base to alternative.

    ``values``: link id (of the alternative) -> ``alt - base``, a new link
    counting from 0; ``new_ids`` / ``gone_ids``: links only in the alternative /
    only in the base; ``span``: largest absolute change (a removed link
    counts down to 0), the half-width of the colour scale.
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
        a = alt_values.get(lid)
        b = base_values.get(lid) if lid in base_net.links else 0.0
        if a is not None and b is not None and np.isfinite(a) and np.isfinite(b):
            change[lid] = float(a) - float(b)
    span = max(
        [abs(v) for v in change.values()]
        + [abs(float(base_values.get(i, 0) or 0)) for i in gone_ids]
        + [1e-9]
    )
    return _Change(change, new_ids, gone_ids, span)


def plot_capacity_change(
    base_net: Network,
    alt_net: Network,
    base_values: Mapping[str, float],
    alt_values: Mapping[str, float],
    *,
    bottlenecks: Iterable[str] = (),
    region_arrows: Mapping[str, Mapping[str, str]] | None = None,
    title: str | None = None,
):
    """Map of the change in a link value between two networks.

    Parameters
    ----------
    base_net, alt_net
        The two networks.
    base_values, alt_values
        Link id -> value (for instance capacity, trains/day).
    bottlenecks
        Link ids to mark with a red ring and their name; one in neither
        network is skipped (logged).
    region_arrows
        Region -> ``{"label": "China: 30 \u2192 45 Mt/yr", "at": node_id}``: an
        arrow from that gateway node pointing off the map toward the region
        (China east, Europe west, Russia north, South Asia south). An unknown
        region or node is skipped (logged).
    title
        Figure title.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)

    Notes
    -----
    The change is ``alt - base``; a link only in ``alt_net`` counts from 0 and
    is highlighted as a new line, a link only in ``base_net`` counts down to 0
    and is drawn dashed.
    """
    fig, ax, cax = value_figure(None)
    g_base, g_alt = project(base_net), project(alt_net)
    change = _link_change(base_net, alt_net, base_values, alt_values)
    norm = mcolors.TwoSlopeNorm(vcenter=0.0, vmin=-change.span, vmax=change.span)
    cmap = matplotlib.colormaps["BrBG"]
    colorbar(fig, ax, cax, cmap, norm, "Change (alternative \u2212 base)")
    pts = np.concatenate([g_base.all_points(), g_alt.all_points()])
    arrows = region_arrows or {}
    extent = _change_extent(pts, box_aspect(ax), arrows, (g_alt, g_base))
    focus = focus_countries(base_net, alt_net)
    countries = map_base(ax, extent, focus)

    handles = _draw_new_lines(ax, g_alt, change.new_ids)
    draw_value_links(
        ax, alt_net, g_alt, change.values, cmap=cmap, norm=norm, casing=True, widths=_change_width
    )
    handles += _draw_removed_lines(ax, g_base, change.gone_ids)
    gw_labels = gateway_dots(ax, alt_net, g_alt)
    marks = _mark_bottlenecks(ax, (alt_net, base_net), (g_alt, g_base), bottlenecks)
    if marks:
        handles.append(marker_handle("o", 12, "none", "#d7191c", "Bottleneck", mew=2.2))
    handles.append(line_handle(cmap(0.5), 2.5, "No change", path_effects=halo(4, "#4d4d4d")))
    arrow_boxes = _draw_region_arrows(ax, extent, arrows, (g_alt, g_base))
    finish_map(
        ax,
        extent,
        g_alt,
        points=pts,
        lines=list(g_alt.lines.values()) + _lines_of(g_base, change.gone_ids),
        handles=handles,
        labels=marks + gw_labels,
        countries=countries,
        markers=gateway_points(alt_net, g_alt),
        obstacles=arrow_boxes,
        focus=focus,
    )
    map_title(ax, title or "Change between base and alternative")
    credit(fig, BOUNDARIES_CREDIT)
    return fig, ax


def _change_width(link, change: float) -> float:
    """Return the width of a link on the change map, points: by track count only."""
    return line_width(link, base=1.4)


def _change_extent(pts: np.ndarray, aspect: float, arrows, geos) -> Extent:
    """Frame ``pts`` (metres), widened where a region arrow would not fit."""
    return extent_of(pts, aspect, pad=_arrow_pad(extent_of(pts, aspect), arrows, geos))


def _lines_of(geo: ProjectedNetwork, ids: Iterable[str]) -> list[np.ndarray]:
    return [geo.lines[i] for i in ids if i in geo.lines]


def _draw_new_lines(ax, g_alt: ProjectedNetwork, new_ids: list[str]) -> list:
    """Draw a broad yellow band under each link only in the alternative; return its legend entry."""
    if not new_ids:
        return []
    ax.add_collection(
        LineCollection(
            _lines_of(g_alt, new_ids),
            colors="#ffd400",
            linewidths=9,
            alpha=0.75,
            zorder=3.5,
            capstyle="round",
        ),
        autolim=False,
    )
    return [line_handle("#ffd400", 7, "New line (only in alternative)", alpha=0.75)]


def _draw_removed_lines(ax, g_base: ProjectedNetwork, gone_ids: list[str]) -> list:
    """Links only in the base, dashed; returns their legend entry."""
    if not gone_ids:
        return []
    ax.add_collection(
        LineCollection(
            _lines_of(g_base, gone_ids), colors="#8c510a", linewidths=1.4, linestyles="--", zorder=4
        ),
        autolim=False,
    )
    return [line_handle("#8c510a", 1.4, "Line removed", ls="--")]


def _mark_bottlenecks(ax, nets, geos, bottlenecks: Iterable[str]) -> list[Label]:
    """Ring each bottleneck link (or node yard) in red; return the labels naming them.

    ``nets`` and ``geos`` are (alternative, base): a link is looked up in that order.
    """
    marks = []
    for lid in bottlenecks:
        geo = next((g for g in geos if lid in g.lines), None)
        if geo is not None:
            x, y = geo.midpoint(lid)
            link = nets[0].links.get(lid) or nets[1].links.get(lid)
            name = link.name if link is not None else lid
        elif (xy := _node_xy(geos, lid)) is not None:  # a node's yard
            (x, y), node = xy, nets[0].nodes.get(lid) or nets[1].nodes.get(lid)
            name = f"{node.name} yard" if node is not None else lid
        else:
            log.warning("bottleneck %s is in neither network; not marked", lid)
            continue
        ax.scatter([x], [y], s=260, facecolor="none", edgecolor="#d7191c", linewidths=2.2, zorder=9)
        marks.append(leader_label((x, y), name, color="#b2182b"))
    return marks


# --------------------------------------------------------------------------- region arrows

#: Direction of each region, seen from Central Asia, as a unit vector on the map.
_REGION_DIRECTION = {"China": (1, 0), "Europe": (-1, 0), "Russia": (0, 1), "South Asia": (0, -1)}
_SIDE = {(1, 0): "east", (-1, 0): "west", (0, 1): "north", (0, -1): "south"}


def _node_xy(geos: Sequence[ProjectedNetwork], node_id) -> tuple[float, float] | None:
    """Return a node's map point from the first projection that has it (``None`` if none has)."""
    return next((g.nodes[node_id] for g in geos if node_id in g.nodes), None)


def _arrow_pad(extent: Extent, arrows, geos) -> dict[str, float]:
    """Extra margin (share of the extent) where a region arrow would not fit."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    pad: dict[str, float] = {}
    for region, spec in arrows.items():
        d = _REGION_DIRECTION.get(region)
        xy = _node_xy(geos, spec.get("at"))
        if d is None or xy is None:
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
