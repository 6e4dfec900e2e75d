"""The before/after capacity map of a comparison: two maps side by side, one frame, two colour scales.

Rail lines carry tens of trains a day, a crossing a few to a few tens, a
Caspian ferry one or two: on one scale the crossings and ferries all look
alike. So rail lines are coloured on a linear scale (viridis, wider when
bigger) and crossings and ferries as markers on a logarithmic scale of their
own (a brown-to-yellow ramp), each with its colour bar; the limiting elements
are ringed and named.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import matplotlib
import matplotlib.colors as mcolors
import numpy as np

from corridors import REGIONS
from corridors.network import BorderCrossing, FerryLink, Network
from corridors.viz.cartography import (
    core_points,
    focus_countries,
    frame_extent,
    map_base,
    project,
    projected_countries,
)
from corridors.viz.figure import dummy_mappable, new_figure
from corridors.viz.fonts import legible
from corridors.viz.furniture import credit, finish_map
from corridors.viz.network_map import junction_dots, place_name_labels
from corridors.viz.style import A4_LANDSCAPE, REGION_COLOURS, UNUSED, line_handle, marker_handle
from corridors.viz.value_maps import (
    BOTTLENECK_RING,
    draw_element_values,
    draw_value_links,
    finite_values,
    gateway_dots,
    gateway_points,
    mark_bottlenecks,
)

log = logging.getLogger(__name__)

#: Label of the rail lines' colour bar.
RAIL_LABEL = "Rail line capacity, trains/day per direction"
#: Label of the crossings' and ferries' colour bar.
ELEMENT_LABEL = "Border crossing (\u25c6) and ferry (\u25cf) capacity, trains/day per direction (log scale)"


def plot_capacity_pair(
    base_net: Network,
    alt_net: Network,
    base_values: Mapping[str, float],
    alt_values: Mapping[str, float],
    *,
    titles: tuple[str, str] = ("Before", "After"),
    value_label: str = RAIL_LABEL,
    element_label: str = ELEMENT_LABEL,
    bottlenecks: tuple[Iterable[str] | Mapping[str, str], Iterable[str] | Mapping[str, str]] = ((), ()),
):
    """Two maps side by side with one frame and the same two colour scales.

    Parameters
    ----------
    base_net, alt_net
        The two networks (for instance before and after an investment).
    base_values, alt_values
        Link id -> value (for instance analytic capacity, trains/day per
        direction). Rail lines without a value are drawn thin and grey
        ("not in this scenario"); crossings and ferries without one white.
    titles
        Titles of the left and right map.
    value_label, element_label
        Labels of the rail lines' and of the crossings' and ferries' colour bar (units included).
    bottlenecks
        The limiting elements of the left and of the right map: ids, or id ->
        what it limits (a second line of its label). Ringed in red and named.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of two Axes)
    """
    nets = (base_net, alt_net)
    geos = [project(base_net), project(alt_net)]
    fig, axes, map_aspect, height = _pair_figure(geos)
    extent = frame_extent(geos, map_aspect)
    rail_norm, elem_norm = _rail_norm(nets, base_values, alt_values), _element_norm(nets, base_values, alt_values)
    rail_cmap, elem_cmap = matplotlib.colormaps["viridis"], _element_cmap()
    countries = projected_countries()
    greyed = False
    for ax, net, geo, values, ttl, limits in zip(axes, nets, geos, (base_values, alt_values), titles, bottlenecks):
        focus = focus_countries(net)
        map_base(ax, extent, focus, countries=countries)
        values = finite_values(values)
        draw_value_links(ax, net, geo, values, cmap=rail_cmap, norm=rail_norm, casing=True, rail_only=True,
                         widths=lambda link, v: 1.0 + 2.4 * float(np.clip(rail_norm(v), 0, 1)))
        greyed = greyed or any(lid not in values for lid in net.links)
        elements = draw_element_values(ax, net, geo, values, cmap=elem_cmap, norm=elem_norm)
        junctions = junction_dots(ax, net, geo)
        gateway_dots(ax, net, geo, labels=False, size=26)
        marks = mark_bottlenecks(ax, (net,), (geo,), limits, size=6.9)
        ax.set_title(legible(ttl), loc="left", fontsize=12, fontweight="bold", pad=6)
        finish_map(ax, extent, geo, points=geo.all_points(), lines=list(geo.lines.values()), handles=[],
                   labels=marks + place_name_labels(net, geo, size=6.0), countries=countries,
                   markers=elements + junctions + gateway_points(net, geo), focus=focus)
    _colour_bars(fig, height, (rail_cmap, rail_norm, value_label), (elem_cmap, elem_norm, element_label))
    _pair_legend(fig, nets, height, greyed=greyed)
    credit(fig, "Boundaries: Natural Earth (public domain), for orientation only. Same frame and colour scales in "
                "both maps; lines toward far markets run off the frame.", y=0.05 / height)
    return fig, axes


def _pair_figure(geos):
    """Figure and two map axes, as tall as the maps need (never taller than A4 landscape).

    Returns the figure, the two axes, a map's width/height ratio and the figure height, inches.
    """
    width = A4_LANDSCAPE[0]
    map_w = width * 0.488
    nodes = [np.array(list(g.nodes.values())) for g in geos if g.nodes]
    pts = core_points(np.concatenate(nodes)) if nodes else np.zeros((0, 2))
    raw = pts.max(axis=0) - pts.min(axis=0) if len(pts) else np.array([1.0, 1.0])
    net_aspect = float(max(raw[0], 1.0) / max(raw[1], 1.0))
    map_h = float(np.clip(map_w / max(net_aspect, 1e-6), 3.0, 6.4))
    top, bottom = 0.42, 1.7
    height = map_h + top + bottom
    fig = new_figure((width, height))
    rect_y, rect_h = bottom / height, map_h / height
    axes = np.array(
        [fig.add_axes([0.008, rect_y, 0.488, rect_h]), fig.add_axes([0.504, rect_y, 0.488, rect_h])]
    )
    return fig, axes, map_w / map_h, height


def _values_of(nets: Sequence[Network], values: Sequence[Mapping[str, float]], elements: bool) -> list[float]:
    """Finite values of the rail lines (or of the crossings and ferries) of each network."""
    kinds = (BorderCrossing, FerryLink)
    return [v for net, vals in zip(nets, values) for k, v in finite_values(vals).items()
            if k in net.links and isinstance(net.links[k], kinds) == elements]


def _rail_norm(nets, *values) -> mcolors.Normalize:
    """Linear, from 0 to the largest rail line value."""
    vals = _values_of(nets, values, elements=False)
    return mcolors.Normalize(vmin=0.0, vmax=max(vals) if vals and max(vals) > 0 else 1.0)


def _element_norm(nets, *values) -> mcolors.Normalize:
    """Logarithmic over the crossings' and ferries' positive values (a decade at least)."""
    vals = [v for v in _values_of(nets, values, elements=True) if v > 0]
    lo, hi = (min(vals), max(vals)) if vals else (1.0, 10.0)
    return mcolors.LogNorm(vmin=min(lo, hi / 10), vmax=hi, clip=True)


def _element_cmap():
    """Dark brown (small) to pale yellow (big): lightness rises steadily, readable without colour vision."""
    base = matplotlib.colormaps["YlOrBr_r"]
    return mcolors.LinearSegmentedColormap.from_list("corridors_elements", base(np.linspace(0.0, 0.92, 256)))


def _colour_bars(fig, height: float, rail: tuple, elements: tuple) -> None:
    """Two horizontal colour bars under the maps: rail lines left, crossings and ferries right."""
    from matplotlib.ticker import FuncFormatter

    y, h = 1.12 / height, 0.13 / height
    for x, (cmap, norm, label) in ((0.06, rail), (0.54, elements)):
        cax = fig.add_axes([x, y, 0.4, h])
        cb = fig.colorbar(dummy_mappable(cmap, norm), cax=cax, orientation="horizontal")
        cb.set_label(label, fontsize=8.5)
        cb.ax.tick_params(labelsize=7.5)
        if isinstance(norm, mcolors.LogNorm):
            cb.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _pair_legend(fig, nets: Sequence[Network], height: float, *, greyed: bool) -> None:
    handles = [marker_handle("o", 12, "none", BOTTLENECK_RING, "Limiting element (named)", mew=2.2)]
    if greyed:
        handles.append(line_handle(UNUSED, 1, "No capacity figure (not in this scenario)"))
    handles += [
        marker_handle("o", 6, REGION_COLOURS[r], "white", f"Gateway to {r}")
        for r in REGIONS
        if any(n.region == r for net in nets for n in net.nodes.values())
    ]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.12 / height), fontsize=7.5,
               ncol=min(len(handles), 4), frameon=False)
