"""Map furniture: legend in the emptiest corner, scale bar, labels, title and credit line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.transforms import Bbox

from corridors.network import Network
from corridors.viz.cartography import (
    Extent,
    ProjectedNetwork,
    extent_of,
    focus_countries,
    frame_extent,
    map_base,
    project,
    scale_bar,
    scale_box,
)
from corridors.viz.figure import box_aspect, renderer
from corridors.viz.fonts import legible
from corridors.viz.labels import (
    Label,
    count_inside,
    country_labels,
    line_samples,
    place_labels,
    point_boxes,
)

_LEGEND_STYLE = dict(
    fontsize=7.2,
    frameon=True,
    framealpha=0.94,
    edgecolor="#999999",
    borderpad=0.7,
    labelspacing=0.55,
    handlelength=2.6,
)


def legend_corner(
    ax,
    legend_fn,
    points: np.ndarray,
    order=("lower left", "upper left", "lower right", "upper right"),
):
    """Draw the legend in the corner that covers the fewest map points.

    Parameters
    ----------
    ax
        The map axes, laid out.
    legend_fn
        ``loc -> Legend``: draws the legend at a ``loc`` string.
    points
        Map points to keep visible, shape ``(n, 2)`` in metres.
    order
        Corners to try; the first of equally good ones wins.

    Returns
    -------
    (matplotlib.legend.Legend, str)
        The legend drawn and its corner.
    """
    rend = renderer(ax.figure)
    disp = ax.transData.transform(points) if len(points) else np.zeros((0, 2))
    best, best_n = None, None
    for loc in order:
        leg = legend_fn(loc)
        n = count_inside(disp, leg.get_window_extent(rend).expanded(1.04, 1.06))
        leg.remove()
        if best_n is None or n < best_n:
            best, best_n = loc, n
    leg = legend_fn(best)
    return leg, best


def finish_map(
    ax,
    extent: Extent,
    geo: ProjectedNetwork,
    *,
    points: np.ndarray,
    lines: Iterable[np.ndarray],
    handles: list,
    labels: Sequence[Label],
    countries,
    markers: Iterable[tuple[float, float]] = (),
    obstacles: Sequence[Bbox] = (),
    legend_kw: Mapping | None = None,
    focus: Iterable[str] = (),
) -> None:
    """Legend (in the emptiest corner), scale bar, then labels and country names.

    Parameters
    ----------
    ax
        The map axes, with everything else drawn.
    extent
        ``(x0, x1, y0, y1)`` of the view, metres.
    geo
        The projected network (its transformer sets the scale bar).
    points
        Map points the legend should not cover, shape ``(n, 2)`` in metres.
    lines
        Drawn lines (arrays ``(n, 2)``, metres) that labels should not cover.
    handles
        Legend entries; no legend without any.
    labels
        Map labels; required ones are placed first.
    countries
        Projected outlines, for the country names.
    markers
        Marker points (metres) that labels must not cover.
    obstacles
        More boxes to keep free, display pixels.
    legend_kw
        Keywords for :meth:`Axes.legend` over the house style.
    focus
        ISO A2 codes of the countries whose names go before the other labels.
    """
    kw = dict(_LEGEND_STYLE)
    kw.update(legend_kw or {})
    leg, corner = None, "upper left"
    if handles:
        leg, corner = legend_corner(
            ax, lambda loc: ax.legend(handles=handles, loc=loc, **kw), points
        )
        leg.set_zorder(12)
    bar_corner = "lower right" if corner != "lower right" else "lower left"
    scale_bar(ax, extent, geo.transformer, corner=bar_corner)
    taken = list(obstacles) + scale_box(ax, extent, bar_corner) + point_boxes(ax, markers)
    if leg is not None:
        taken.append(leg.get_window_extent(renderer(ax.figure)))
    line_pts = line_samples(ax, lines)
    mine, others = country_labels(countries, extent, focus)
    # required labels, then the names of the network's countries, then the rest
    ordered = (
        [lab for lab in labels if lab.required]
        + mine
        + [lab for lab in labels if not lab.required]
        + others
    )
    place_labels(ax, ordered, obstacles=taken, line_points=line_pts)


@dataclass(frozen=True)
class MapFrame:
    """A map of one network being drawn: axes, projection, view and base layer.

    Attributes
    ----------
    ax
        The map axes.
    geo
        The network projected to map metres.
    extent
        ``(x0, x1, y0, y1)`` of the view, metres.
    focus
        ISO A2 codes of the network's countries.
    countries
        Projected country outlines.
    """

    ax: object
    geo: ProjectedNetwork
    extent: Extent
    focus: set[str]
    countries: object


def open_map(ax, net: Network, *, whole: bool = False) -> MapFrame:
    """Frame ``net`` in ``ax`` (laid out already) and draw the base map under it.

    The frame holds the network's core (:func:`~corridors.viz.cartography.frame_extent`:
    the arms toward far markets run off it), or with ``whole`` every line.
    """
    geo = project(net)
    extent = extent_of(geo.all_points(), box_aspect(ax)) if whole else frame_extent([geo], box_aspect(ax))
    focus = focus_countries(net)
    return MapFrame(ax, geo, extent, focus, map_base(ax, extent, focus))


def close_map(frame: MapFrame, *, handles: list, labels: Sequence[Label], markers, **kw) -> None:
    """Finish a one-network map (:func:`finish_map`), labels clear of all its lines.

    ``markers`` are map points (metres) that labels must not cover; ``kw``
    goes to :func:`finish_map`.
    """
    finish_map(
        frame.ax,
        frame.extent,
        frame.geo,
        points=frame.geo.all_points(),
        lines=frame.geo.lines.values(),
        handles=handles,
        labels=labels,
        countries=frame.countries,
        markers=markers,
        focus=frame.focus,
        **kw,
    )


def map_title(ax, text: str, **kw) -> None:
    """Set the title of a full-page map, bold at the top left (more keywords: :class:`Text`)."""
    ax.set_title(legible(text), loc="left", fontsize=14, fontweight="bold", pad=8, **kw)


def credit(fig, text: str, *, y: float = 0.012) -> None:
    """Write a small grey source line at the bottom right; ``y`` in figure fractions."""
    fig.text(0.988, y, legible(text), ha="right", va="bottom", fontsize=6.2, color="#6b6b6b")
