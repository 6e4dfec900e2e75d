"""The ground of every map: projection, extent, country outlines, graticule, scale bar.

Maps are drawn in a Lambert conformal conic projection centred on Central
Asia (:data:`~corridors.viz.style.MAP_CRS`), over country outlines shipped as
package data (:func:`load_countries`; Natural Earth, public domain, nothing
downloaded). A link without its own geometry is drawn straight between its
two nodes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from corridors.network import Network
from corridors.viz.style import BORDER, HALO, LAND, LAND_FOCUS, MAP_CRS, SEA

log = logging.getLogger(__name__)

#: ``(x0, x1, y0, y1)`` of a map view, metres in :data:`MAP_CRS`.
Extent = tuple[float, float, float, float]


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


def projected_countries():
    """Country outlines in :data:`MAP_CRS` (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`load_countries`, projected; the lon/lat clip box of the
        outlines, ``(lon0, lat0, lon1, lat1)`` in degrees, in ``attrs["lonlat_bounds"]``.
    """
    gdf = load_countries()
    bounds = tuple(float(b) for b in gdf.total_bounds)
    out = gdf.to_crs(MAP_CRS)
    out.attrs["lonlat_bounds"] = bounds
    return out


def focus_countries(*nets: Network) -> set[str]:
    """ISO A2 codes of the countries that the nodes of ``nets`` lie in (drawn darker)."""
    return {n.country for net in nets for n in net.nodes.values()}


# --------------------------------------------------------------------------- projection


def transformer():
    """Return a :class:`pyproj.Transformer` from lon/lat degrees (EPSG:4326) to map metres."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", MAP_CRS, always_xy=True)


@dataclass(frozen=True)
class ProjectedNetwork:
    """A network projected to :data:`MAP_CRS`.

    Attributes
    ----------
    nodes
        Node id -> ``(x, y)``, metres.
    lines
        Link id -> array of shape ``(n, 2)``, the link's vertices in metres
        (``n >= 2``). A link that cannot be drawn has no entry.
    transformer
        The lon/lat -> map transformer used.
    """

    nodes: dict[str, tuple[float, float]]
    lines: dict[str, np.ndarray]
    transformer: object = field(repr=False)

    def midpoint(self, link_id: str) -> tuple[float, float]:
        """Return the point halfway along a link's projected line, ``(x, y)`` in metres."""
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
        """Every vertex and node point, shape ``(n, 2)`` in metres (for extents and legends)."""
        ids = self.lines.keys() if link_ids is None else [i for i in link_ids if i in self.lines]
        parts = [self.lines[i] for i in ids]
        if self.nodes:
            parts.append(np.array(list(self.nodes.values())))
        return np.concatenate(parts) if parts else np.zeros((0, 2))

    def region_nodes(self, net: Network, region: str | None = None) -> list[tuple]:
        """Return ``(node, (x, y))`` of the gateways of ``region`` (any region if ``None``)."""
        return [
            (n, self.nodes[n.id])
            for n in net.nodes.values()
            if (n.region == region if region is not None else n.region is not None)
            and n.id in self.nodes
        ]


def project(net: Network, tr=None) -> ProjectedNetwork:
    """Project a network's nodes and links to :data:`MAP_CRS`.

    Parameters
    ----------
    net
        The network (lon/lat in degrees).
    tr
        A transformer from :func:`transformer`; a new one by default.

    Returns
    -------
    ProjectedNetwork
        A link without geometry is a straight line between its end nodes; one
        without geometry and with an unknown end node is left out (logged).
    """
    tr = tr or transformer()
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
    return ProjectedNetwork(nodes=nodes, lines=lines, transformer=tr)


# --------------------------------------------------------------------------- extent


def nice(x: float) -> float:
    """Round ``x`` down to 1, 2, 2.5 or 5 times a power of ten (1.0 for ``x <= 0``)."""
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    for m in (5, 2.5, 2, 1):
        if m * 10**e <= x:
            return m * 10**e
    return 10**e


def extent_of(
    points: np.ndarray,
    aspect: float,
    *,
    margin: float = 0.06,
    min_span: float = 400e3,
    pad: Mapping[str, float] | None = None,
) -> Extent:
    """Bounds of ``points`` plus a margin, widened to the axes' width/height ratio.

    Parameters
    ----------
    points
        Shape ``(n, 2)``, metres; none gives a view around the origin.
    aspect
        Width / height of the axes box.
    margin
        Margin on every side, share of the larger span.
    min_span
        Smallest width and height of the view, metres.
    pad
        Extra margin on a side (``"north"``, ``"east"``, ``"south"``, ``"west"``),
        share of the width or height.

    Returns
    -------
    Extent
        ``(x0, x1, y0, y1)``, metres.
    """
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


#: A node further from the network's median point than this many times the nodes' median distance
#: from it lies toward a far market (Moscow, Brest, Georgia, Lanzhou on the shipped network): maps are
#: framed without it, and the lines toward it run off the frame.
CORE_SPREAD = 1.6


def core_points(points: np.ndarray, *, spread: float = CORE_SPREAD) -> np.ndarray:
    """Pick the points a map is framed on: those near the network's centre, not the arms to far markets.

    Parameters
    ----------
    points
        Node points, shape ``(n, 2)`` in metres.
    spread
        A point is kept when its distance from the median point is at most
        ``spread`` times the median of those distances.

    Returns
    -------
    numpy.ndarray
        The kept points, shape ``(m, 2)``; all of them when fewer than 8 (a
        small network has no arms to cut).

    Notes
    -----
    On the shipped network this keeps the Caspian (Baku, Aktau, Turkmenbashi)
    to western China (Urumqi, Turpan), the Russian gateways (Petukhovo,
    Isilkul, Lokot) to Afghanistan and Iran (Peshawar, Gorgan), and cuts
    Belarus, Moscow, Georgia and China east of Turpan.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(pts) < 8:
        return pts
    centre = np.median(pts, axis=0)
    dist = np.hypot(*(pts - centre).T)
    keep = dist <= spread * max(float(np.median(dist)), 1.0)
    return pts[keep]


def frame_extent(geos: Sequence[ProjectedNetwork], aspect: float, *, pad: Mapping[str, float] | None = None) -> Extent:
    """Extent of a map of one or more projected networks: their :func:`core_points` with a margin.

    Parameters
    ----------
    geos
        The projected networks drawn on the map.
    aspect
        Width / height of the axes box.
    pad
        Extra margin per side, as in :func:`extent_of`.

    Returns
    -------
    Extent
        ``(x0, x1, y0, y1)``, metres.
    """
    nodes = [np.array(list(g.nodes.values())) for g in geos if g.nodes]
    pts = np.concatenate(nodes) if nodes else np.concatenate([g.all_points() for g in geos] or [np.zeros((0, 2))])
    return extent_of(core_points(pts), aspect, margin=0.05, pad=pad)


# --------------------------------------------------------------------------- base map


def style_map_axes(ax, extent: Extent) -> None:
    """Limit ``ax`` to ``extent`` (metres) at equal aspect, without ticks."""
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    # outside the outlines' clip area nothing is known: show it as plain land, not as sea
    ax.set_facecolor(LAND)
    for s in ax.spines.values():
        s.set_color("#7a7a7a")
        s.set_linewidth(0.8)


def map_base(ax, extent: Extent, focus: Iterable[str] = (), *, countries=None):
    """Style ``ax`` as a map of ``extent`` and draw sea, land, borders and a graticule.

    Parameters
    ----------
    ax
        The axes.
    extent
        ``(x0, x1, y0, y1)``, metres.
    focus
        ISO A2 codes of the countries to draw darker.
    countries
        :func:`projected_countries`, when the caller has them already.

    Returns
    -------
    geopandas.GeoDataFrame
        The projected countries (for their names).
    """
    style_map_axes(ax, extent)
    if countries is None:
        countries = projected_countries()
    draw_base(ax, extent, countries, focus=focus)
    return countries


def draw_base(ax, extent: Extent, countries, *, focus: Iterable[str] = (), graticule=True) -> None:
    """Sea, land (``focus`` countries darker), borders and a faint graticule."""
    from shapely.geometry import box

    x0, x1, y0, y1 = extent
    view = box(x0, y0, x1, y1)
    ax.add_patch(
        PathPatch(_clip_area_path(countries), facecolor=SEA, edgecolor="none", zorder=0.5)
    )
    near = countries[countries.intersects(view.buffer(0.05 * (x1 - x0)))]
    focus = set(focus)
    patches, faces = [], []
    for _, row in near.iterrows():
        for p in _polygon_paths(row.geometry):
            patches.append(PathPatch(p))
            faces.append(LAND_FOCUS if row["ISO_A2"] in focus else LAND)
    if patches:
        coll = PatchCollection(
            patches, facecolors=faces, edgecolors=BORDER, linewidths=0.55, zorder=1
        )
        ax.add_collection(coll, autolim=False)
    if graticule:
        _draw_graticule(ax)


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


def _clip_area_path(countries) -> MplPath:
    """Project the outlines' lon/lat clip box: the area where 'not land' means sea."""
    lon0, lat0, lon1, lat1 = countries.attrs.get("lonlat_bounds", (-180.0, -85.0, 180.0, 85.0))
    n = 200
    lon = np.concatenate(
        [np.linspace(lon0, lon1, n), np.full(n, lon1), np.linspace(lon1, lon0, n), np.full(n, lon0)]
    )
    lat = np.concatenate(
        [np.full(n, lat0), np.linspace(lat0, lat1, n), np.full(n, lat1), np.linspace(lat1, lat0, n)]
    )
    xs, ys = transformer().transform(lon, lat)
    return MplPath(np.column_stack([xs, ys]), closed=False)


def _draw_graticule(ax, step: int = 10) -> None:
    tr = transformer()
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


# --------------------------------------------------------------------------- scale bar


def scale_bar(ax, extent: Extent, geo_tr, *, corner: str = "lower right") -> None:
    """Draw a km scale bar, corrected for the projection's scale factor at its place.

    Parameters
    ----------
    ax
        The map axes.
    extent
        ``(x0, x1, y0, y1)``, metres.
    geo_tr
        The transformer of the map (:func:`transformer`).
    corner
        ``"lower right"`` or ``"lower left"``.
    """
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
    km = nice(0.2 * w / 1000 / k)
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
            path_effects=HALO,
        )


def scale_box(ax, extent: Extent, corner: str) -> list[Bbox]:
    """Return the display box that a :func:`scale_bar` in ``corner`` takes (kept free of labels)."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    if corner.endswith("right"):
        xs = (x1 - 0.26 * w, x1 - 0.02 * w)
    else:
        xs = (x0 + 0.02 * w, x0 + 0.26 * w)
    bb = ax.transData.transform([[xs[0], y0 + 0.03 * h], [xs[1], y0 + 0.09 * h]])
    return [Bbox(bb)]


def room_toward(extent: Extent, xy: Sequence[float], direction: tuple[int, int]) -> float:
    """Distance, metres, from ``xy`` to the edge of ``extent`` in a unit ``direction``."""
    x0, x1, y0, y1 = extent
    x, y = xy
    return {(1, 0): x1 - x, (-1, 0): x - x0, (0, 1): y1 - y, (0, -1): y - y0}[tuple(direction)]
