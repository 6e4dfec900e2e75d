"""Maps and charts of a corridor network, for reports and policy briefs.

Every plot function returns ``(fig, ax)`` (or ``(fig, axes)``) and never shows
anything: call :func:`save_figure` to write PNG or SVG. Figures are built as
standalone :class:`matplotlib.figure.Figure` objects on the Agg canvas, so
nothing here touches pyplot's global figure registry and any headless process
can draw (unless an ``ax`` is passed in, in which case its figure is used).

Maps are drawn in a Lambert conformal conic projection centred on Central
Asia (:data:`MAP_CRS`), over country outlines shipped as package data
(:func:`load_countries`; Natural Earth, public domain, nothing downloaded).
A link without its own geometry is drawn straight between its two nodes.

Cartographic conventions
------------------------
* Rail lines: width by track count (double track thicker); existing lines
  solid, under-construction and planned lines dashed in their own colours.
* Border crossings: a diamond; a crossing with a gauge change: a yellow
  hexagon. Caspian ferries: dotted sea lines. Ports: blue circles.
* Gateways (nodes with a ``region``): coloured by region (:data:`REGION_COLOURS`).
* Value maps (utilisation, capacity, change) colour links by value and draw
  border crossings as markers in the same colour scale, since a crossing is
  too short to see as a line.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import matplotlib
import matplotlib.colors as mcolors
import matplotlib.patheffects as pe
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from corridors import REGIONS
from corridors.network import BorderCrossing, FerryLink, Network, RailSection

log = logging.getLogger(__name__)

__all__ = [
    "A4_LANDSCAPE",
    "MAP_CRS",
    "REGION_COLOURS",
    "SAVE_DPI",
    "load_countries",
    "plot_capacity_change",
    "plot_capacity_pair",
    "plot_network",
    "plot_region_bars",
    "plot_utilisation",
    "save_figure",
]

#: Projection of every map: Lambert conformal conic, standard parallels 35 and 55 N.
MAP_CRS = "+proj=lcc +lat_0=45 +lon_0=65 +lat_1=35 +lat_2=55 +datum=WGS84 +units=m +no_defs"
#: Figure size of a full-page map, inches (A4 landscape).
A4_LANDSCAPE = (11.7, 8.3)
#: Resolution of saved raster figures.
SAVE_DPI = 200

#: Colour of each destination region (gateway markers, labels, arrows).
REGION_COLOURS: dict[str, str] = {
    "China": "#c0392b",
    "Europe": "#1f5fa8",
    "Russia": "#2e7d32",
    "South Asia": "#b5179e",
}
_STATUS_STYLE = {
    "existing": {"color": "#333333", "ls": "-"},
    "under_construction": {"color": "#e6700f", "ls": (0, (4, 1.6))},
    "planned": {"color": "#7b5ea7", "ls": (0, (2.2, 1.6))},
}
_STATUS_LABEL = {
    "existing": "existing",
    "under_construction": "under construction",
    "planned": "planned",
}
_FERRY_COLOUR = "#0b7a8a"
_PORT_COLOUR = "#0b62a4"
_SEA = "#dce8f1"
_LAND = "#f6f4ee"
_LAND_FOCUS = "#ece7da"
_BORDER = "#9c968c"
_UNUSED = "#b9b9b9"
_HALO = [pe.withStroke(linewidth=2.6, foreground="white")]
#: Classes of the utilisation map: below 30 %, ..., 90-100 % (red), above 100 % (dark red).
_SHARE_BOUNDS = [0.0, 0.3, 0.5, 0.7, 0.9, 1.0]
_SHARE_COLOURS = ["#ffe699", "#fec44f", "#fe9929", "#ec7014", "#d7191c", "#7f0000"]


# --------------------------------------------------------------------------- outlines


def load_countries():
    """Country outlines of the study area, from the package data.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per country (``name``, ``ISO_A2``, ``ISO_A3``, ``label_lon``,
        ``label_lat``, ``geometry``) in EPSG:4326, clipped to 0-145 E,
        10-75 N. Natural Earth 1:10m admin-0 (German point of view),
        simplified; see ``corridors/data/README.md``. Read from the installed
        package, never from the network.
    """
    import geopandas as gpd

    ref = resources.files("corridors") / "data" / "countries.geojson"
    with resources.as_file(ref) as path:
        gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf


# --------------------------------------------------------------------------- geometry


@dataclass
class _Geo:
    """A network projected to :data:`MAP_CRS`."""

    nodes: dict[str, tuple[float, float]]
    lines: dict[str, np.ndarray]
    transformer: object = field(repr=False)

    def midpoint(self, link_id: str) -> tuple[float, float]:
        """The point halfway along a link's projected line."""
        xy = self.lines[link_id]
        seg = np.hypot(*np.diff(xy, axis=0).T)
        total = seg.sum()
        if total == 0:
            return float(xy[0, 0]), float(xy[0, 1])
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        i = int(np.searchsorted(cum, total / 2, side="right")) - 1
        i = min(max(i, 0), len(seg) - 1)
        t = (total / 2 - cum[i]) / seg[i] if seg[i] else 0.0
        p = xy[i] + t * (xy[i + 1] - xy[i])
        return float(p[0]), float(p[1])

    def all_points(self, link_ids: Iterable[str] | None = None) -> np.ndarray:
        """Every vertex and node point (for extents and legend placement)."""
        ids = self.lines.keys() if link_ids is None else [i for i in link_ids if i in self.lines]
        parts = [self.lines[i] for i in ids]
        if self.nodes:
            parts.append(np.array(list(self.nodes.values())))
        return np.concatenate(parts) if parts else np.zeros((0, 2))


def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", MAP_CRS, always_xy=True)


def _project(net: Network, transformer=None) -> _Geo:
    tr = transformer or _transformer()
    nodes = {}
    if net.nodes:
        ids = list(net.nodes)
        xs, ys = tr.transform([net.nodes[i].lon for i in ids], [net.nodes[i].lat for i in ids])
        nodes = {
            i: (float(x), float(y)) for i, x, y in zip(ids, np.atleast_1d(xs), np.atleast_1d(ys))
        }
    lines = {}
    for link in net.links.values():
        coords = link.coords
        if not coords or len(coords) < 2:
            if not all(n in net.nodes for n in link.ends):
                log.warning("link %s: no geometry and an unknown end node; not drawn", link.id)
                continue
            coords = tuple((net.nodes[n].lon, net.nodes[n].lat) for n in link.ends)
        lon, lat = zip(*coords)
        xs, ys = tr.transform(lon, lat)
        lines[link.id] = np.column_stack([xs, ys])
    return _Geo(nodes=nodes, lines=lines, transformer=tr)


def _nice(x: float) -> float:
    """Round ``x`` down to 1, 2, 2.5 or 5 times a power of ten."""
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    for m in (5, 2.5, 2, 1):
        if m * 10**e <= x:
            return m * 10**e
    return 10**e


def _extent(
    points: np.ndarray,
    aspect: float,
    *,
    margin: float = 0.06,
    min_span: float = 400e3,
    pad: Mapping[str, float] | None = None,
) -> tuple[float, float, float, float]:
    """Bounds of ``points`` plus a margin, widened to the axes' width/height ratio."""
    if len(points) == 0:
        points = np.array([[0.0, 0.0]])
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    span = max(x1 - x0, y1 - y0, min_span)
    m = margin * span
    x0, x1, y0, y1 = x0 - m, x1 + m, y0 - m, y1 + m
    pad = pad or {}
    dx, dy = x1 - x0, y1 - y0
    x0 -= pad.get("west", 0.0) * dx
    x1 += pad.get("east", 0.0) * dx
    y0 -= pad.get("south", 0.0) * dy
    y1 += pad.get("north", 0.0) * dy
    w, h = max(x1 - x0, min_span), max(y1 - y0, min_span / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


# --------------------------------------------------------------------------- figure helpers


def _new_figure(figsize) -> Figure:
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _renderer(fig):
    """A renderer to measure text with (the Agg canvas's, or matplotlib's fallback)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def _map_axes(fig, rect=(0.012, 0.035, 0.976, 0.895)):
    return fig.add_axes(rect)


def _box_aspect(ax) -> float:
    """Width / height of the axes box once the figure's layout has run."""
    fig = ax.figure
    fig.draw_without_rendering()
    pos = ax.get_position()
    w, h = fig.get_size_inches()
    return max(pos.width * w, 1e-6) / max(pos.height * h, 1e-6)


def _style_map_axes(ax, extent) -> None:
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    # outside the outlines' clip area nothing is known: show it as plain land, not as sea
    ax.set_facecolor(_LAND)
    for s in ax.spines.values():
        s.set_color("#7a7a7a")
        s.set_linewidth(0.8)


def _polygon_paths(geom) -> list[MplPath]:
    import shapely
    from shapely.geometry.polygon import orient

    out = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        poly = orient(poly, 1.0)
        verts, codes = [], []
        for ring in [poly.exterior, *poly.interiors]:
            xy = shapely.get_coordinates(ring)
            if len(xy) < 3:
                continue
            verts.append(xy)
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            codes.append(c)
        if verts:
            out.append(MplPath(np.concatenate(verts), np.concatenate(codes)))
    return out


def _draw_base(ax, extent, *, focus: Iterable[str] = (), graticule: bool = True, countries=None):
    """Sea, land, borders and a faint graticule; returns the projected countries."""
    from shapely.geometry import box

    x0, x1, y0, y1 = extent
    if countries is None:
        countries = _projected_countries()
    view = box(x0, y0, x1, y1)
    ax.add_patch(
        PathPatch(_clip_area_path(countries), facecolor=_SEA, edgecolor="none", zorder=0.5)
    )
    near = countries[countries.intersects(view.buffer(0.05 * (x1 - x0)))]
    focus = set(focus)
    patches, faces = [], []
    for _, row in near.iterrows():
        for p in _polygon_paths(row.geometry):
            patches.append(PathPatch(p))
            faces.append(_LAND_FOCUS if row["ISO_A2"] in focus else _LAND)
    if patches:
        coll = PatchCollection(
            patches, facecolors=faces, edgecolors=_BORDER, linewidths=0.55, zorder=1
        )
        ax.add_collection(coll, autolim=False)
    if graticule:
        _draw_graticule(ax, extent)
    return near


def _projected_countries():
    """Country outlines in :data:`MAP_CRS`; lon/lat clip box in ``attrs["lonlat_bounds"]``."""
    gdf = load_countries()
    bounds = tuple(float(b) for b in gdf.total_bounds)
    out = gdf.to_crs(MAP_CRS)
    out.attrs["lonlat_bounds"] = bounds
    return out


def _clip_area_path(countries) -> MplPath:
    """The outlines' lon/lat clip box, projected: the area where 'not land' means sea."""
    lon0, lat0, lon1, lat1 = countries.attrs.get("lonlat_bounds", (-180.0, -85.0, 180.0, 85.0))
    n = 200
    lon = np.concatenate(
        [np.linspace(lon0, lon1, n), np.full(n, lon1), np.linspace(lon1, lon0, n), np.full(n, lon0)]
    )
    lat = np.concatenate(
        [np.full(n, lat0), np.linspace(lat0, lat1, n), np.full(n, lat1), np.linspace(lat1, lat0, n)]
    )
    xs, ys = _transformer().transform(lon, lat)
    return MplPath(np.column_stack([xs, ys]), closed=False)


def _draw_graticule(ax, extent, step: int = 10) -> None:
    tr = _transformer()
    segs = []
    for lon in range(-10, 181, step):
        lat = np.linspace(0, 80, 81)
        xs, ys = tr.transform(np.full_like(lat, lon), lat)
        segs.append(np.column_stack([xs, ys]))
    for lat in range(0, 81, step):
        lon = np.linspace(-10, 180, 191)
        xs, ys = tr.transform(lon, np.full_like(lon, lat))
        segs.append(np.column_stack([xs, ys]))
    ax.add_collection(
        LineCollection(segs, colors="#8fa8bd", linewidths=0.35, alpha=0.45, zorder=1.5),
        autolim=False,
    )


def _scale_bar(ax, extent, geo_tr, *, corner: str = "lower right") -> None:
    """A km scale bar, corrected for the projection's scale factor at its place."""
    from pyproj import Proj

    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    right = corner.endswith("right")
    bx = x1 - 0.05 * w if right else x0 + 0.03 * w
    by = y0 + 0.045 * h
    lon, lat = geo_tr.transform(bx, by, direction="INVERSE")
    k = float(Proj(MAP_CRS).get_factors(lon, lat).meridional_scale)
    if not np.isfinite(k) or k <= 0:  # outside the projection's domain: plain metres
        k = 1.0
    km = _nice(0.2 * w / 1000 / k)
    length = km * 1000 * k
    start = bx - length if right else bx
    seg_h = 0.009 * h
    n = 4
    for i in range(n):
        ax.add_patch(
            Rectangle(
                (start + i * length / n, by),
                length / n,
                seg_h,
                facecolor="#333333" if i % 2 == 0 else "white",
                edgecolor="#333333",
                linewidth=0.6,
                zorder=8,
            )
        )
    for v in (0, km / 2, km):
        ax.text(
            start + v * 1000 * k,
            by + seg_h * 1.6,
            f"{v:g}" + (" km" if v == km else ""),
            ha="center",
            va="bottom",
            fontsize=7,
            color="#333333",
            zorder=8,
            path_effects=_HALO,
        )


def _legend_corner(
    ax,
    legend_fn,
    points: np.ndarray,
    order=("lower left", "upper left", "lower right", "upper right"),
):
    """Draw the legend in the corner that covers the fewest map points."""
    fig = ax.figure
    renderer = _renderer(fig)
    disp = ax.transData.transform(points) if len(points) else np.zeros((0, 2))
    best, best_n = None, None
    for loc in order:
        leg = legend_fn(loc)
        bb = leg.get_window_extent(renderer).expanded(1.04, 1.06)
        n = int(
            (
                (disp[:, 0] >= bb.x0)
                & (disp[:, 0] <= bb.x1)
                & (disp[:, 1] >= bb.y0)
                & (disp[:, 1] <= bb.y1)
            ).sum()
        )
        leg.remove()
        if best_n is None or n < best_n:
            best, best_n = loc, n
    leg = legend_fn(best)
    return leg, best


def _credit(fig, text: str, *, y: float = 0.012) -> None:
    fig.text(0.988, y, text, ha="right", va="bottom", fontsize=6.2, color="#6b6b6b")


# --------------------------------------------------------------------------- labels


@dataclass
class _Label:
    """A label to place: anchor point (map units), text and style.

    ``mode`` is ``"offset"`` (beside a point), ``"leader"`` (further off, with a
    leader line) or ``"centre"`` (on the point, nudged if needed; used for
    country names, which must not sit on a line).
    """

    x: float
    y: float
    text: str
    color: str = "#222222"
    size: float = 7.5
    weight: str = "normal"
    style: str = "normal"
    required: bool = False
    mode: str = "offset"
    gap: float = 5.0
    zorder: float = 9
    halo: str = "white"
    alts: tuple[tuple[float, float], ...] = ()


_DIRS8 = [
    (1, 1, "left", "bottom"),
    (1, -1, "left", "top"),
    (-1, 1, "right", "bottom"),
    (-1, -1, "right", "top"),
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
]


def _candidates(label: _Label):
    """``(anchor, dx, dy, ha, va, cost)`` to try, best first; offsets in points."""
    anchor = (label.x, label.y)
    if label.mode == "centre":
        for i, xy in enumerate([anchor, *label.alts]):
            yield xy, 0.0, 0.0, "center", "center", float(i)
        return
    radii = (
        (16, 24, 34, 46)
        if label.mode == "leader"
        else (label.gap, label.gap * 2.2, label.gap * 3.6, label.gap * 5.4)
    )
    for ring, r in enumerate(radii):
        for ux, uy, ha, va in _DIRS8:
            k = 0.75 if ux and uy else 1.0
            yield anchor, ux * r * k, uy * r * k, ha, va, 12.0 * ring


def _line_samples(ax, lines: Iterable[np.ndarray], step_px: float = 3.0) -> np.ndarray:
    """Points every ``step_px`` pixels along projected lines, in display coordinates."""
    out = []
    for xy in lines:
        d = ax.transData.transform(xy)
        for a, b in zip(d[:-1], d[1:]):
            n = max(int(np.hypot(*(b - a)) / step_px), 1)
            t = np.linspace(0.0, 1.0, n + 1)[:, None]
            out.append(a + t * (b - a))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _count_inside(points: np.ndarray, bb: Bbox) -> int:
    if len(points) == 0:
        return 0
    x, y = points[:, 0], points[:, 1]
    return int(((x >= bb.x0) & (x <= bb.x1) & (y >= bb.y0) & (y <= bb.y1)).sum())


def _place_labels(
    ax,
    labels: Sequence[_Label],
    obstacles: list[Bbox] | None = None,
    line_points: np.ndarray | None = None,
) -> list[Bbox]:
    """Greedy label placement; returns the boxes taken (obstacles included).

    Labels are placed in the given order, so put the important ones first. Each
    tries its candidate offsets and takes the first that overlaps no placed
    label or obstacle and stays inside the axes, preferring one that covers
    no line (``line_points``). A label that fits nowhere is dropped unless
    ``required``, in which case it goes where it overlaps least. Country-name
    labels (``mode="centre"``) never cover a line.
    """
    fig = ax.figure
    renderer = _renderer(fig)
    axbox = ax.get_window_extent(renderer)
    placed: list[Bbox] = list(obstacles or [])
    lines = np.zeros((0, 2)) if line_points is None else line_points
    px_per_pt = fig.dpi / 72.0
    probe = Text(0, 0, "", figure=fig)
    boxes = np.zeros((len(placed) + len(labels), 4))
    for n_boxes, o in enumerate(placed):
        boxes[n_boxes] = (o.x0, o.y0, o.x1, o.y1)
    n_boxes = len(placed)
    xlim, ylim = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    for lab in labels:
        if not (xlim[0] <= lab.x <= xlim[1] and ylim[0] <= lab.y <= ylim[1]):
            continue
        probe.set_text(lab.text)
        probe.set_fontsize(lab.size)
        probe.set_fontweight(lab.weight)
        probe.set_fontstyle(lab.style)
        best = None
        for i, (xy, dx, dy, ha, va, cost) in enumerate(_candidates(lab)):
            anchor = ax.transData.transform(xy)
            probe.set_position((anchor[0] + dx * px_per_pt, anchor[1] + dy * px_per_pt))
            probe.set_ha(ha)
            probe.set_va(va)
            bb = probe.get_window_extent(renderer).padded(1.5 * px_per_pt)
            inside = (
                axbox.x0 <= bb.x0 and bb.x1 <= axbox.x1 and axbox.y0 <= bb.y0 and bb.y1 <= axbox.y1
            )
            hard = _overlap_total(bb, boxes[:n_boxes]) + (0.0 if inside else 1e9)
            soft = _count_inside(lines, bb)
            if lab.mode == "centre":
                hard += soft * 1e6
                soft = 0
            key = (hard, soft + cost, i)
            if best is None or key < best[0]:
                best = (key, xy, dx, dy, ha, va, bb)
            if hard == 0 and soft == 0:
                break
        if best is None:
            continue
        (hard, _, _), xy, dx, dy, ha, va, bb = best
        if hard > 0 and not lab.required:
            log.debug("label %r dropped: no free place", lab.text)
            continue
        far = lab.mode == "leader" or math.hypot(dx, dy) > 9
        ax.annotate(
            lab.text,
            xy,
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=lab.size,
            color=lab.color,
            fontweight=lab.weight,
            fontstyle=lab.style,
            zorder=lab.zorder,
            path_effects=[pe.withStroke(linewidth=2.6, foreground=lab.halo)],
            arrowprops=(
                dict(arrowstyle="-", color="#555555", lw=0.6, shrinkA=1, shrinkB=2)
                if far and lab.mode != "centre"
                else None
            ),
        )
        placed.append(bb)
        boxes[n_boxes] = (bb.x0, bb.y0, bb.x1, bb.y1)
        n_boxes += 1
    return placed


def _overlap_total(bb: Bbox, boxes: np.ndarray) -> float:
    """Summed overlap area of ``bb`` with each row ``(x0, y0, x1, y1)`` of ``boxes``."""
    if len(boxes) == 0:
        return 0.0
    w = np.minimum(bb.x1, boxes[:, 2]) - np.maximum(bb.x0, boxes[:, 0])
    h = np.minimum(bb.y1, boxes[:, 3]) - np.maximum(bb.y0, boxes[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def _point_boxes(ax, points: Iterable[tuple[float, float]], r_pt: float = 2.5) -> list[Bbox]:
    """Small boxes around marker points (display coordinates) that labels must not cover."""
    pts = list(points)
    if not pts:
        return []
    r = r_pt * ax.figure.dpi / 72.0
    disp = ax.transData.transform(np.array(pts))
    return [Bbox([[x - r, y - r], [x + r, y + r]]) for x, y in disp]


def _points_inside(geom, near, *, step: float, limit: int = 300) -> tuple[tuple[float, float], ...]:
    """Grid points well inside ``geom``, nearest to ``near`` first (alternative label spots)."""
    import shapely

    core = geom.simplify(step / 2).buffer(-1.5 * step)
    if core.is_empty:
        core = geom
    bx0, by0, bx1, by1 = core.bounds
    fine = step / 2
    gx, gy = np.meshgrid(np.arange(bx0, bx1 + fine, fine), np.arange(by0, by1 + fine, fine))
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains(core, pts)
    xy = np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
    if len(xy) == 0:
        return ()
    order = np.argsort(np.hypot(xy[:, 0] - near.x, xy[:, 1] - near.y))
    return tuple((float(a), float(b)) for a, b in xy[order[:limit]])


def _country_labels(
    countries, extent, focus: Iterable[str] = ()
) -> tuple[list[_Label], list[_Label]]:
    """Country names at Natural Earth's label points, or inside their visible part.

    Returns the labels of the ``focus`` countries (ISO A2 codes; shown even
    when small) and of the others, each list biggest country first.
    """
    from shapely.geometry import Point, box
    from shapely.ops import polylabel

    focus = set(focus)
    x0, x1, y0, y1 = extent
    view = box(x0, y0, x1, y1)
    inner = view.buffer(-0.03 * (x1 - x0))
    area = view.area
    tr = _transformer()
    mine, others = [], []
    for _, row in countries.iterrows():
        is_focus = row["ISO_A2"] in focus
        least = (0.0006 if is_focus else 0.003) * area
        part = row.geometry.intersection(inner)
        if part.is_empty or part.area < least:
            continue
        lx, ly = tr.transform(row["label_lon"], row["label_lat"])
        pt = Point(lx, ly)
        if not part.contains(pt):
            biggest = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
            if biggest.geom_type != "Polygon" or biggest.area < least:
                continue
            pt = polylabel(biggest, tolerance=0.002 * (x1 - x0))
        share = part.area / area
        size = 9.0 if share > 0.08 else 8.0 if share > 0.02 else 6.8 if share > 0.004 else 6.2
        step = min((x1 - x0) / 40, math.sqrt(part.area) / 8)
        (mine if is_focus else others).append(
            _Label(
                pt.x,
                pt.y,
                str(row["name"]).upper(),
                color="#8d8779",
                size=size,
                zorder=2.5,
                mode="centre",
                halo=_LAND,
                alts=_points_inside(part, pt, step=step),
            )
        )
    # big countries first: they matter most for orientation
    mine.sort(key=lambda lab: -lab.size)
    others.sort(key=lambda lab: -lab.size)
    return mine, others


# --------------------------------------------------------------------------- links


def _line_width(link, *, base: float = 1.0) -> float:
    if isinstance(link, RailSection):
        return base * (2.6 if link.tracks == 2 else 1.3)
    return base * 1.3


def _major_nodes(net: Network) -> list[str]:
    """Nodes worth a label: gateways, ports, hubs and junctions of three or more links."""
    degree: dict[str, int] = {}
    for link in net.links.values():
        for n in link.ends:
            degree[n] = degree.get(n, 0) + 1
    out = []
    for node in net.nodes.values():
        if node.region is not None or node.node_type in ("port", "hub"):
            out.append(node.id)
        elif node.node_type == "junction" and degree.get(node.id, 0) >= 3:
            out.append(node.id)
    return out


def _label_order(net: Network, node_ids: Iterable[str]) -> list[str]:
    """Gateways, then ports, then hubs, then junctions; best-connected first within each."""
    degree: dict[str, int] = {}
    for link in net.links.values():
        for n in link.ends:
            degree[n] = degree.get(n, 0) + 1

    def key(nid):
        node = net.nodes[nid]
        rank = 0 if node.region is not None else 1 if node.node_type == "port" else 2
        return (rank, node.node_type != "hub", -degree.get(nid, 0), nid)

    return sorted(node_ids, key=key)


def _display_name(name: str) -> str:
    """A node name for a map label: drop a long parenthetical (``Urumqi (Sanping hub)``).

    A short qualifier that tells sides of a border apart (``Khorgos (CN)``,
    ``Torugart (CN side)``) is kept.
    """
    m = re.match(r"^(.*\S)\s*\(([^()]*)\)\s*$", name)
    if not m:
        return name
    inner = m.group(2)
    if len(inner) <= 3 or "side" in inner.lower():
        return name
    return m.group(1)


def _finish_map(
    ax,
    extent,
    *,
    transformer,
    points: np.ndarray,
    lines: Iterable[np.ndarray],
    handles: list,
    labels: Sequence[_Label],
    countries,
    markers: Iterable[tuple[float, float]] = (),
    obstacles: Sequence[Bbox] = (),
    legend_kw: Mapping | None = None,
    focus: Iterable[str] = (),
) -> None:
    """Legend (in the emptiest corner), scale bar, then labels and country names."""
    kw = dict(
        fontsize=7.2,
        frameon=True,
        framealpha=0.94,
        edgecolor="#999999",
        borderpad=0.7,
        labelspacing=0.55,
        handlelength=2.6,
    )
    kw.update(legend_kw or {})
    leg, corner = None, "upper left"
    if handles:
        leg, corner = _legend_corner(
            ax, lambda loc: ax.legend(handles=handles, loc=loc, **kw), points
        )
        leg.set_zorder(12)
    bar_corner = "lower right" if corner != "lower right" else "lower left"
    _scale_bar(ax, extent, transformer, corner=bar_corner)
    renderer = _renderer(ax.figure)
    taken = list(obstacles) + _scale_box(ax, extent, bar_corner) + _point_boxes(ax, markers)
    if leg is not None:
        taken.append(leg.get_window_extent(renderer))
    line_pts = _line_samples(ax, lines)
    mine, others = _country_labels(countries, extent, focus)
    # required labels, then the names of the network's countries, then the rest
    ordered = (
        [lab for lab in labels if lab.required]
        + mine
        + [lab for lab in labels if not lab.required]
        + others
    )
    _place_labels(ax, ordered, obstacles=taken, line_points=line_pts)


# --------------------------------------------------------------------------- plot_network


def plot_network(net: Network, *, title: str | None = None, ax=None):
    """Map of the network, for ``corridors network --map FILE``.

    Parameters
    ----------
    net
        The network; every link is drawn, whatever its status.
    title
        Figure title; by default the network's name and ``as_of`` date.
    ax
        Axes to draw into; by default a new A4-landscape figure.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig, ax = _figure_and_axes(ax)
    geo = _project(net)
    extent = _extent(geo.all_points(), _box_aspect(ax))
    _style_map_axes(ax, extent)
    countries = _draw_base(ax, extent, focus={n.country for n in net.nodes.values()})

    handles = _draw_network_links(ax, net, geo)
    handles += _draw_network_nodes(ax, net, geo)

    node_labels = []
    for nid in _label_order(net, _major_nodes(net)):
        node = net.nodes[nid]
        if nid not in geo.nodes:
            continue
        x, y = geo.nodes[nid]
        if node.region is not None:
            node_labels.append(
                _Label(
                    x,
                    y,
                    f"{_display_name(node.name)} \u2192 {node.region}",
                    color=REGION_COLOURS.get(node.region, "#222"),
                    size=8,
                    weight="bold",
                    required=True,
                    gap=7,
                )
            )
        elif node.node_type == "port":
            node_labels.append(
                _Label(x, y, _display_name(node.name), color=_PORT_COLOUR, size=7.5, style="italic")
            )
        else:
            node_labels.append(_Label(x, y, _display_name(node.name), size=7.5))
    _finish_map(
        ax,
        extent,
        transformer=geo.transformer,
        points=geo.all_points(),
        lines=geo.lines.values(),
        handles=handles,
        labels=node_labels,
        countries=countries,
        markers=[geo.nodes[n] for n in _major_nodes(net) if n in geo.nodes],
        legend_kw=dict(title="Legend", title_fontsize=8),
        focus={n.country for n in net.nodes.values()},
    )

    ax.set_title(
        title or _default_title(net),
        loc="left",
        fontsize=14,
        fontweight="bold",
        color="#222222",
        pad=8,
    )
    _credit(
        fig,
        "Boundaries: Natural Earth (public domain), shown for orientation only; they imply no "
        f"endorsement. Projection: Lambert conformal conic (35\u00b0/55\u00b0N, 65\u00b0E). "
        f"Network: {net.name}{(' v' + net.version) if net.version else ''}"
        f"{(', as of ' + net.as_of) if net.as_of else ''}.",
    )
    return fig, ax


def _pretty_name(net: Network) -> str:
    """``central-asia`` -> ``Central Asia``; a name with capitals is kept as it is."""
    name = net.name or "network"
    if name == name.lower():
        name = name.replace("-", " ").replace("_", " ").title()
    return name


def _default_title(net: Network) -> str:
    return f"Freight rail network: {_pretty_name(net)}" + (
        f" (as of {net.as_of})" if net.as_of else ""
    )


def _figure_and_axes(ax, figsize=A4_LANDSCAPE):
    if ax is None:
        fig = _new_figure(figsize)
        ax = _map_axes(fig)
    else:
        fig = ax.figure
    return fig, ax


def _scale_box(ax, extent, corner) -> list[Bbox]:
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    if corner.endswith("right"):
        xs = (x1 - 0.26 * w, x1 - 0.02 * w)
    else:
        xs = (x0 + 0.02 * w, x0 + 0.26 * w)
    bb = ax.transData.transform([[xs[0], y0 + 0.03 * h], [xs[1], y0 + 0.09 * h]])
    return [Bbox(bb)]


def _draw_network_links(ax, net: Network, geo: _Geo) -> list:
    groups: dict[tuple, list] = {}
    for link in net.links.values():
        if link.id not in geo.lines:
            continue
        if isinstance(link, FerryLink):
            key = ("ferry", link.status)
        else:
            tracks = link.tracks if isinstance(link, RailSection) else 1
            key = ("rail", link.status, tracks)
        groups.setdefault(key, []).append(geo.lines[link.id])
    handles = []
    present_status, tracks_seen = set(), set()
    for key, segs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        if key[0] == "ferry":
            style = dict(
                colors=_FERRY_COLOUR, linewidths=1.6, linestyles=(0, (0.1, 2.2)), capstyle="round"
            )
            ax.add_collection(LineCollection(segs, zorder=3.2, **style), autolim=False)
            continue
        _, status, tracks = key
        st = _STATUS_STYLE[status]
        lw = 2.6 if tracks == 2 else 1.3
        if status == "existing":
            # white casing under double track so that it reads as a main line
            ax.add_collection(
                LineCollection(
                    segs, colors="white", linewidths=lw + 1.4, zorder=3, capstyle="round"
                ),
                autolim=False,
            )
        ax.add_collection(
            LineCollection(
                segs,
                colors=st["color"],
                linewidths=lw,
                linestyles=st["ls"],
                zorder=3.4,
                capstyle="butt" if status != "existing" else "round",
            ),
            autolim=False,
        )
        present_status.add(status)
        if status == "existing":
            tracks_seen.add(tracks)
    if 2 in tracks_seen:
        handles.append(
            Line2D([], [], color=_STATUS_STYLE["existing"]["color"], lw=2.6, label="Double track")
        )
    if 1 in tracks_seen:
        handles.append(
            Line2D([], [], color=_STATUS_STYLE["existing"]["color"], lw=1.3, label="Single track")
        )
    for status in ("under_construction", "planned"):
        if status in present_status:
            st = _STATUS_STYLE[status]
            handles.append(
                Line2D(
                    [],
                    [],
                    color=st["color"],
                    lw=2.0,
                    ls=st["ls"],
                    label=f"Line {_STATUS_LABEL[status]}",
                )
            )
    if any(k[0] == "ferry" for k in groups):
        handles.append(
            Line2D(
                [],
                [],
                color=_FERRY_COLOUR,
                lw=1.6,
                ls=(0, (0.1, 2.2)),
                dash_capstyle="round",
                label="Rail ferry (Caspian)",
            )
        )
    return handles


_BORDER_MARK = dict(marker="D", s=26, facecolor="white", edgecolor="#333333", linewidths=0.9)
_GAUGE_MARK = dict(marker="h", s=70, facecolor="#ffd23f", edgecolor="#333333", linewidths=0.9)
_PORT_MARK = dict(marker="o", s=42, facecolor=_PORT_COLOUR, edgecolor="white", linewidths=1.2)


def _draw_network_nodes(ax, net: Network, geo: _Geo) -> list:
    handles = []
    borders = [
        (geo.midpoint(link.id), link.gauge_change)
        for link in net.links.values()
        if isinstance(link, BorderCrossing) and link.id in geo.lines
    ]
    plain = [p for p, g in borders if not g]
    gauge = [p for p, g in borders if g]
    if plain:
        ax.scatter(*zip(*plain), zorder=6.1, **_BORDER_MARK)
        handles.append(
            Line2D(
                [], [], ls="", marker="D", ms=5, mfc="white", mec="#333333", label="Border crossing"
            )
        )
    if gauge:
        ax.scatter(*zip(*gauge), zorder=6.2, **_GAUGE_MARK)
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="h",
                ms=8,
                mfc="#ffd23f",
                mec="#333333",
                label="Border crossing, gauge change",
            )
        )
    ports = [
        geo.nodes[n.id] for n in net.nodes.values() if n.node_type == "port" and n.region is None
    ]
    if ports:
        ax.scatter(*zip(*ports), zorder=5.5, **_PORT_MARK)
        handles.append(
            Line2D([], [], ls="", marker="o", ms=6.5, mfc=_PORT_COLOUR, mec="white", label="Port")
        )
    junctions = [
        geo.nodes[n]
        for n in _major_nodes(net)
        if net.nodes[n].region is None and net.nodes[n].node_type != "port"
    ]
    if junctions:
        ax.scatter(
            *zip(*junctions),
            marker="o",
            s=16,
            facecolor="white",
            edgecolor="#333333",
            linewidths=0.9,
            zorder=5.2,
        )
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=4.5,
                mfc="white",
                mec="#333333",
                label="Junction / hub",
            )
        )
    for region in REGIONS:
        pts = [geo.nodes[n.id] for n in net.nodes.values() if n.region == region]
        if not pts:
            continue
        colour = REGION_COLOURS[region]
        # under the border symbols, and larger, so a gateway at a crossing shows as a coloured ring
        ax.scatter(
            *zip(*pts),
            marker="o",
            s=150,
            facecolor=colour,
            edgecolor="white",
            linewidths=1.4,
            zorder=5.8,
        )
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=9,
                mfc=colour,
                mec="white",
                label=f"Gateway to {region}",
            )
        )
    return handles


# --------------------------------------------------------------------------- value maps


def _value_base(ax, nets: Sequence[Network], extent):
    """Axes style and base map of a value map; returns the projected countries."""
    _style_map_axes(ax, extent)
    focus = {n.country for net in nets for n in net.nodes.values()}
    countries = _projected_countries()
    _draw_base(ax, extent, focus=focus, countries=countries)
    return countries


def _draw_value_links(
    ax,
    net: Network,
    geo: _Geo,
    values: Mapping[str, float],
    *,
    cmap,
    norm,
    widths=None,
    casing: bool = False,
    zorder: float = 4,
):
    """Links coloured by ``values``; links without a value drawn thin and grey.

    Returns the line collection and the marker collection (border crossings)
    that carry the colour scale, either possibly ``None``.
    """
    valued, val, lws, styles = [], [], [], []
    grey, grey_styles = [], []
    bpts, bval = [], []
    for link in net.links.values():
        if link.id not in geo.lines:
            continue
        v = values.get(link.id)
        ok = v is not None and np.isfinite(v)
        ls = "--" if isinstance(link, FerryLink) else "-"
        if ok:
            valued.append(geo.lines[link.id])
            val.append(float(v))
            lws.append(widths(link, float(v)) if widths else _line_width(link, base=1.15))
            styles.append(ls)
            if isinstance(link, BorderCrossing):
                bpts.append(geo.midpoint(link.id))
                bval.append(float(v))
        else:
            grey.append(geo.lines[link.id])
            grey_styles.append(ls)
    if grey:
        ax.add_collection(
            LineCollection(
                grey, colors=_UNUSED, linewidths=0.9, linestyles=grey_styles, zorder=zorder - 0.5
            ),
            autolim=False,
        )
    lc = sc = None
    if valued:
        if casing:
            ax.add_collection(
                LineCollection(
                    valued,
                    colors="#4d4d4d",
                    linewidths=[w + 1.3 for w in lws],
                    zorder=zorder - 0.1,
                    linestyles=styles,
                ),
                autolim=False,
            )
        lc = LineCollection(
            valued,
            cmap=cmap,
            norm=norm,
            linewidths=lws,
            linestyles=styles,
            zorder=zorder,
            capstyle="round",
        )
        lc.set_array(np.asarray(val))
        ax.add_collection(lc, autolim=False)
    if bpts:
        sc = ax.scatter(
            *zip(*bpts),
            c=bval,
            cmap=cmap,
            norm=norm,
            marker="D",
            s=34,
            edgecolors="#333333",
            linewidths=0.8,
            zorder=zorder + 1,
        )
    return lc, sc


def _gateway_dots(
    ax, net: Network, geo: _Geo, *, labels: bool = True, size: float = 40
) -> list[_Label]:
    out = []
    for region in REGIONS:
        pts = [
            (n, geo.nodes[n.id])
            for n in net.nodes.values()
            if n.region == region and n.id in geo.nodes
        ]
        if not pts:
            continue
        colour = REGION_COLOURS[region]
        ax.scatter(
            [p[1][0] for p in pts],
            [p[1][1] for p in pts],
            marker="o",
            s=size,
            facecolor=colour,
            edgecolor="white",
            linewidths=1.1,
            zorder=6,
        )
        if labels:
            out += [
                _Label(xy[0], xy[1], _display_name(n.name), color=colour, size=7, weight="bold")
                for n, xy in pts
            ]
    return out


def _share_scale():
    cmap = mcolors.ListedColormap(_SHARE_COLOURS, name="corridors_share")
    norm = mcolors.BoundaryNorm(_SHARE_BOUNDS, cmap.N, extend="max")
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
        Link id -> utilisation share (0 = idle, 1 = at capacity, above 1 = over).
        Links missing here, or at 0, are drawn grey as unused.
    labels
        Link id -> short text to write at the link (for instance the busiest
        bottlenecks), placed off the line with a leader and a white halo.
    title
        Figure title.
    ax
        Axes to draw into; by default a new A4-landscape figure.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig, ax, cax = _value_axes(ax)
    cmap, norm = _share_scale()
    cb = _colorbar(fig, ax, cax, cmap, norm)
    cb.set_label("Utilisation (flow / capacity)", fontsize=8)
    cb.set_ticks(_SHARE_BOUNDS)
    cb.set_ticklabels([f"{b:.0%}" for b in _SHARE_BOUNDS])
    geo = _project(net)
    extent = _extent(geo.all_points(), _box_aspect(ax))
    countries = _value_base(ax, [net], extent)
    used = {
        k: float(v) for k, v in utilisation.items() if v is not None and np.isfinite(v) and v > 0
    }
    _draw_value_links(
        ax,
        net,
        geo,
        used,
        cmap=cmap,
        norm=norm,
        widths=lambda link, v: _line_width(link, base=1.2) + (1.2 if v >= 0.9 else 0.0),
        casing=True,
    )
    gw_labels = _gateway_dots(ax, net, geo)

    handles = [
        Line2D([], [], color=_UNUSED, lw=1.0, label="Unused / no flow"),
        Line2D([], [], color=_SHARE_COLOURS[4], lw=3, label="Over 90 % of capacity"),
    ]
    link_labels = []
    anchors = []
    for lid, text in (labels or {}).items():
        if lid not in geo.lines:
            log.warning("label for unknown link %s ignored", lid)
            continue
        x, y = geo.midpoint(lid)
        anchors.append((x, y))
        link_labels.append(
            _Label(
                x, y, str(text), size=7.8, weight="bold", required=True, mode="leader", zorder=11
            )
        )
    if anchors:
        ax.scatter(
            *zip(*anchors), s=12, color="#222222", edgecolor="white", linewidths=0.6, zorder=10
        )
    _finish_map(
        ax,
        extent,
        transformer=geo.transformer,
        points=geo.all_points(),
        lines=geo.lines.values(),
        handles=handles,
        labels=link_labels + gw_labels,
        countries=countries,
        markers=[
            geo.nodes[n.id]
            for n in net.nodes.values()
            if n.region is not None and n.id in geo.nodes
        ],
        focus={n.country for n in net.nodes.values()},
    )
    ax.set_title(
        title or f"Utilisation of the network: {_pretty_name(net)}",
        loc="left",
        fontsize=14,
        fontweight="bold",
        pad=8,
    )
    return fig, ax


def _value_axes(ax):
    """Figure, map axes and colour-bar axes (``None`` when the caller gave ``ax``)."""
    if ax is not None:
        return ax.figure, ax, None
    fig = _new_figure(A4_LANDSCAPE)
    ax = fig.add_axes([0.012, 0.035, 0.918, 0.895])
    cax = fig.add_axes([0.948, 0.30, 0.012, 0.40])
    return fig, ax, cax


def _colorbar(fig, ax, cax, cmap, norm, **kw):
    """A colour bar for ``cmap``/``norm``, drawn before the map so the layout is fixed."""
    sm = _dummy_mappable(cmap, norm)
    if cax is not None:
        cb = fig.colorbar(sm, cax=cax, **kw)
    else:
        cb = fig.colorbar(sm, ax=ax, shrink=0.45, pad=0.01, fraction=0.03, **kw)
    cb.ax.tick_params(labelsize=7)
    return cb


def _dummy_mappable(cmap, norm):
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=cmap)
    sm.set_array([])
    return sm


def _capacity_cmap():
    base = matplotlib.colormaps["YlGnBu"]
    return mcolors.LinearSegmentedColormap.from_list(
        "corridors_capacity", base(np.linspace(0.28, 1.0, 256))
    )


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
    geos = [_project(base_net), _project(alt_net)]
    pts = np.concatenate([g.all_points() for g in geos])
    # the figure is as tall as the two maps need (never taller than A4 landscape)
    width = A4_LANDSCAPE[0]
    map_w = width * 0.488
    raw = pts.max(axis=0) - pts.min(axis=0) if len(pts) else np.array([1.0, 1.0])
    net_aspect = float(max(raw[0], 1.0) / max(raw[1], 1.0))
    map_h = float(np.clip(map_w / max(net_aspect, 1e-6), 3.0, 6.4))
    top, bottom = 0.42, 1.05
    height = map_h + top + bottom
    fig = _new_figure((width, height))
    rect_y, rect_h = bottom / height, map_h / height
    axes = np.array(
        [fig.add_axes([0.008, rect_y, 0.488, rect_h]), fig.add_axes([0.504, rect_y, 0.488, rect_h])]
    )
    extent = _extent(pts, map_w / map_h)
    vals = [
        float(v)
        for d in (base_values, alt_values)
        for v in d.values()
        if v is not None and np.isfinite(v)
    ]
    vmin, vmax = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    vmin = min(vmin, 0.0) if vmin >= 0 and vmin < 0.25 * vmax else vmin
    norm = mcolors.Normalize(vmin=vmin, vmax=vmax)
    cmap = _capacity_cmap()

    def width(link, v):
        return 0.9 + 2.6 * float(np.clip(norm(v), 0, 1))

    countries = _projected_countries()
    mappable = None
    for ax, net, geo, values, ttl in zip(
        axes, (base_net, alt_net), geos, (base_values, alt_values), titles
    ):
        _style_map_axes(ax, extent)
        _draw_base(ax, extent, focus={n.country for n in net.nodes.values()}, countries=countries)
        clean = {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}
        lc, sc = _draw_value_links(
            ax, net, geo, clean, cmap=cmap, norm=norm, widths=width, casing=True
        )
        mappable = mappable or lc or sc
        _gateway_dots(ax, net, geo, labels=False, size=30)
        ax.set_title(ttl, loc="left", fontsize=12, fontweight="bold", pad=6)
        _scale_bar(ax, extent, geo.transformer, corner="lower right")
    cax = fig.add_axes([0.3, 0.52 / height, 0.4, 0.18 / height])
    cb = fig.colorbar(mappable or _dummy_mappable(cmap, norm), cax=cax, orientation="horizontal")
    cb.set_label(value_label, fontsize=9)
    cb.ax.tick_params(labelsize=8)
    handles = [Line2D([], [], color=_UNUSED, lw=1, label="No value")]
    handles += [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=6,
            mfc=REGION_COLOURS[r],
            mec="white",
            label=f"Gateway: {r}",
        )
        for r in REGIONS
        if any(n.region == r for net in (base_net, alt_net) for n in net.nodes.values())
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.005, 0.2 / height),
        fontsize=7.5,
        ncol=2,
        frameon=False,
    )
    _credit(
        fig,
        "Boundaries: Natural Earth (public domain), for orientation only. Same extent and colour "
        "scale in both maps.",
        y=0.05 / height,
    )
    return fig, axes


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
        Link ids to mark with a red ring and their name.
    region_arrows
        Region -> ``{"label": "China: 30 \u2192 45 Mt/yr", "at": node_id}``: an
        arrow from that gateway node pointing off the map toward the region
        (China east, Europe west, Russia north, South Asia south).
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
    fig, ax, cax = _value_axes(None)
    g_base, g_alt = _project(base_net), _project(alt_net)
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
    norm = mcolors.TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    cmap = matplotlib.colormaps["BrBG"]
    cb = _colorbar(fig, ax, cax, cmap, norm)
    cb.set_label("Change (alternative \u2212 base)", fontsize=8)
    pts = np.concatenate([g_base.all_points(), g_alt.all_points()])
    aspect = _box_aspect(ax)
    extent = _extent(
        pts, aspect, pad=_arrow_pad(_extent(pts, aspect), region_arrows or {}, (g_alt, g_base))
    )
    countries = _value_base(ax, [base_net, alt_net], extent)

    handles = []
    if new_ids:
        segs = [g_alt.lines[i] for i in new_ids if i in g_alt.lines]
        ax.add_collection(
            LineCollection(
                segs, colors="#ffd400", linewidths=9, alpha=0.75, zorder=3.5, capstyle="round"
            ),
            autolim=False,
        )
        handles.append(
            Line2D(
                [], [], color="#ffd400", lw=7, alpha=0.75, label="New line (only in alternative)"
            )
        )
    _draw_value_links(
        ax,
        alt_net,
        g_alt,
        change,
        cmap=cmap,
        norm=norm,
        casing=True,
        widths=lambda link, v: _line_width(link, base=1.4),
    )
    if gone_ids:
        segs = [g_base.lines[i] for i in gone_ids if i in g_base.lines]
        ax.add_collection(
            LineCollection(segs, colors="#8c510a", linewidths=1.4, linestyles="--", zorder=4),
            autolim=False,
        )
        handles.append(Line2D([], [], color="#8c510a", lw=1.4, ls="--", label="Line removed"))
    gw_labels = _gateway_dots(ax, alt_net, g_alt)

    marks = []
    bottlenecks = list(bottlenecks)
    for lid in bottlenecks:
        geo = g_alt if lid in g_alt.lines else g_base if lid in g_base.lines else None
        if geo is None:
            log.warning("bottleneck %s is in neither network; not marked", lid)
            continue
        x, y = geo.midpoint(lid)
        ax.scatter([x], [y], s=260, facecolor="none", edgecolor="#d7191c", linewidths=2.2, zorder=9)
        link = alt_net.links.get(lid) or base_net.links.get(lid)
        marks.append(
            _Label(
                x,
                y,
                link.name if link is not None else lid,
                color="#b2182b",
                size=7.8,
                weight="bold",
                required=True,
                mode="leader",
                zorder=11,
            )
        )
    if marks:
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=12,
                mfc="none",
                mec="#d7191c",
                mew=2.2,
                label="Bottleneck",
            )
        )
    handles.append(
        Line2D(
            [],
            [],
            color=cmap(0.5),
            lw=2.5,
            path_effects=[pe.withStroke(linewidth=4, foreground="#4d4d4d")],
            label="No change",
        )
    )

    arrow_boxes = _region_arrows(
        ax, alt_net, g_alt, extent, region_arrows or {}, fallback=(base_net, g_base)
    )

    _finish_map(
        ax,
        extent,
        transformer=g_alt.transformer,
        points=pts,
        lines=list(g_alt.lines.values()) + [g_base.lines[i] for i in gone_ids if i in g_base.lines],
        handles=handles,
        labels=marks + gw_labels,
        countries=countries,
        markers=[
            g_alt.nodes[n.id]
            for n in alt_net.nodes.values()
            if n.region is not None and n.id in g_alt.nodes
        ],
        obstacles=arrow_boxes,
        focus={n.country for net in (base_net, alt_net) for n in net.nodes.values()},
    )
    ax.set_title(
        title or "Change between base and alternative",
        loc="left",
        fontsize=14,
        fontweight="bold",
        pad=8,
    )
    _credit(
        fig,
        "Boundaries: Natural Earth (public domain), shown for orientation only; "
        "they imply no endorsement.",
    )
    return fig, ax


#: Direction of each region, seen from Central Asia, as a unit vector on the map.
_REGION_DIRECTION = {"China": (1, 0), "Europe": (-1, 0), "Russia": (0, 1), "South Asia": (0, -1)}


def _arrow_pad(extent, arrows, geos) -> dict[str, float]:
    """Extra margin (share of the extent) where a region arrow would not fit."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    pad: dict[str, float] = {}
    names = {(1, 0): "east", (-1, 0): "west", (0, 1): "north", (0, -1): "south"}
    for region, spec in arrows.items():
        d = _REGION_DIRECTION.get(region)
        xy = next((g.nodes[spec.get("at")] for g in geos if spec.get("at") in g.nodes), None)
        if d is None or xy is None:
            continue
        room = {(1, 0): x1 - xy[0], (-1, 0): xy[0] - x0, (0, 1): y1 - xy[1], (0, -1): xy[1] - y0}[d]
        need = 0.11 * w
        if room < need:
            dim = w if d[0] else h
            pad[names[d]] = max(pad.get(names[d], 0.0), (need - room) / dim)
    return pad


def _region_arrows(ax, net, geo, extent, arrows, *, fallback) -> list[Bbox]:
    """Arrows from gateway nodes toward the map edge of their region; returns their label boxes."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    renderer = _renderer(ax.figure)
    boxes = []
    for region, spec in arrows.items():
        node_id = spec.get("at")
        xy = geo.nodes.get(node_id) or fallback[1].nodes.get(node_id)
        if xy is None:
            log.warning("region arrow %s: node %s not in the network; not drawn", region, node_id)
            continue
        colour = REGION_COLOURS.get(region, "#444444")
        x, y = xy
        direction = _REGION_DIRECTION.get(region)
        if direction is None:
            log.warning("region arrow: unknown region %s", region)
            continue
        ux, uy = direction
        # from the node toward the edge, at most 8 % of the map width, ending inside the frame
        room = {(1, 0): x1 - x, (-1, 0): x - x0, (0, 1): y1 - y, (0, -1): y - y0}[
            direction
        ] - 0.012 * w
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
            path_effects=[pe.withStroke(linewidth=1.5, foreground="white")],
        )
        ax.add_patch(arrow)
        if ux:
            tx, ty = end[0], y + 0.014 * h
            ha, va = ("right" if ux > 0 else "left"), "bottom"
        else:
            tx, ty = x + 0.014 * w, end[1]
            ha, va = "left", ("top" if uy > 0 else "bottom")
        t = ax.text(
            tx,
            ty,
            spec.get("label", region),
            ha=ha,
            va=va,
            fontsize=9,
            fontweight="bold",
            color=colour,
            zorder=12,
            path_effects=[pe.withStroke(linewidth=3, foreground="white")],
        )
        boxes.append(t.get_window_extent(renderer))
        boxes.append(arrow.get_window_extent(renderer))
    return boxes


# --------------------------------------------------------------------------- charts


def plot_region_bars(rows: Sequence[Mapping], *, title: str | None = None, unit: str = "Mt/yr"):
    """Grouped bars of before/after volumes per region and direction.

    Parameters
    ----------
    rows
        Dicts with ``region``, ``direction`` (``"inbound"`` or ``"outbound"``),
        ``before`` and ``after``.
    title
        Figure title.
    unit
        Unit of the values, for the axis label.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig = _new_figure((10.0, 5.6))
    ax = fig.add_axes([0.075, 0.17, 0.9, 0.72])
    order = {r: i for i, r in enumerate(REGIONS)}
    dorder = {"inbound": 0, "outbound": 1}
    rows = sorted(
        rows,
        key=lambda r: (
            order.get(r["region"], 99),
            str(r["region"]),
            dorder.get(r["direction"], 9),
            str(r["direction"]),
        ),
    )
    x = np.arange(len(rows), dtype=float)
    # a gap between regions
    region_idx = 0
    prev = None
    for i, r in enumerate(rows):
        if prev is not None and r["region"] != prev:
            region_idx += 1
        x[i] += 0.45 * region_idx
        prev = r["region"]
    before = np.array([float(r.get("before", 0) or 0) for r in rows])
    after = np.array([float(r.get("after", 0) or 0) for r in rows])
    wbar = 0.38
    b1 = ax.bar(x - wbar / 2, before, wbar, color="#b8b8b8", edgecolor="white", label="Before")
    cols = [REGION_COLOURS.get(r["region"], "#2b6ca3") for r in rows]
    b2 = ax.bar(x + wbar / 2, after, wbar, color=cols, edgecolor="white", label="After")
    fmt = "{:,.1f}" if max(np.concatenate([before, after, [0]])) < 100 else "{:,.0f}"
    ax.bar_label(
        b1, labels=[fmt.format(v) for v in before], padding=2, fontsize=7.5, color="#555555"
    )
    ax.bar_label(
        b2, labels=[fmt.format(v) for v in after], padding=2, fontsize=7.5, fontweight="bold"
    )
    ax.set_xticks(x)
    ax.set_xticklabels([f"{r['region']}\n{r['direction']}" for r in rows], fontsize=8.5)
    ax.set_ylabel(unit, fontsize=9)
    top = max(np.concatenate([before, after, [1e-9]]))
    ax.set_ylim(0, top * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.grid(True, color="#e3e3e3", lw=0.7)
    ax.set_axisbelow(True)
    handles = [
        Patch(facecolor="#b8b8b8", label="Before"),
        Patch(facecolor="#555555", label="After (colour = region)"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    ax.set_title(
        title or f"Volumes by region and direction ({unit})",
        loc="left",
        fontsize=13,
        fontweight="bold",
        pad=10,
    )
    return fig, ax


# --------------------------------------------------------------------------- saving


def save_figure(
    fig, path: str | os.PathLike, *, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write a figure to disk and close it.

    Parameters
    ----------
    fig
        The figure.
    path
        Target file. Its suffix picks the format (``.png`` at
        :data:`SAVE_DPI` dpi, ``.svg``, or anything matplotlib writes); a path
        without a suffix is written as PNG.
    formats
        Write these formats instead, each at ``path`` with its suffix
        replaced (``("png", "svg")`` writes ``map.png`` and ``map.svg``).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Notes
    -----
    Each file is written to a temporary file in the target folder and then
    renamed, so a reader never sees a half-written figure. Parent folders are
    created.
    """
    path = Path(path)
    if formats:
        targets = [path.with_suffix("." + f.lower().lstrip(".")) for f in formats]
    else:
        targets = [path if path.suffix else path.with_suffix(".png")]
    written = []
    try:
        for target in targets:
            fmt = target.suffix.lstrip(".").lower()
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{target.stem}.", suffix=f".{fmt}.tmp", dir=target.parent
            )
            try:
                with os.fdopen(fd, "wb") as fh:
                    fig.savefig(
                        fh,
                        format=fmt,
                        dpi=SAVE_DPI,
                        bbox_inches="tight",
                        pad_inches=0.08,
                        facecolor="white",
                    )
                # mkstemp makes the file private (0600); give it the usual mode of a document
                os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            log.info("wrote %s", target)
            written.append(target)
    finally:
        _close(fig)
    return written


def _close(fig) -> None:
    """Release a figure; pyplot is only touched if the figure came from it."""
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    else:
        fig.clear()
