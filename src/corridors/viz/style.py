"""The look of every figure: sizes, colours, line and marker styles, legend entries.

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

import matplotlib.patheffects as pe
from matplotlib.lines import Line2D

from corridors.network import RailSection

#: Projection of every map: Lambert conformal conic, standard parallels 35 and 55 N.
MAP_CRS = "+proj=lcc +lat_0=45 +lon_0=65 +lat_1=35 +lat_2=55 +datum=WGS84 +units=m +no_defs"
#: Figure size of a full-page map, inches (A4 landscape).
A4_LANDSCAPE = (11.7, 8.3)
#: Resolution of saved raster figures, dots per inch.
SAVE_DPI = 200

#: Colour of each destination region (gateway markers, labels, arrows).
REGION_COLOURS: dict[str, str] = {
    "China": "#c0392b",
    "Europe": "#1f5fa8",
    "Russia": "#2e7d32",
    "South Asia": "#b5179e",
    "Central Asia": "#8c6d1f",
}
#: Colour and dash pattern of a rail line by its status.
STATUS_STYLE = {
    "existing": {"color": "#333333", "ls": "-"},
    "under_construction": {"color": "#e6700f", "ls": (0, (4, 1.6))},
    "planned": {"color": "#7b5ea7", "ls": (0, (2.2, 1.6))},
}
#: Legend wording of each status.
STATUS_LABEL = {
    "existing": "existing",
    "under_construction": "under construction",
    "planned": "planned",
}
FERRY_COLOUR = "#0b7a8a"
#: Dotted line of a ferry: dots 0.1 long, 2.2 apart (in line widths).
FERRY_DASHES = (0, (0.1, 2.2))
PORT_COLOUR = "#0b62a4"
SEA = "#dce8f1"
LAND = "#f6f4ee"
#: Land of the countries the network runs through.
LAND_FOCUS = "#ece7da"
BORDER = "#9c968c"
#: Links without a value on a value map.
UNUSED = "#b9b9b9"
#: Title colour of the network map.
INK = "#222222"
HALO = [pe.withStroke(linewidth=2.6, foreground="white")]
#: Classes of the utilisation map: below 30 %, ..., 90-100 % (red), above 100 % (dark red).
SHARE_BOUNDS = [0.0, 0.3, 0.5, 0.7, 0.9, 1.0]
SHARE_COLOURS = ["#ffe699", "#fec44f", "#fe9929", "#ec7014", "#d7191c", "#7f0000"]

#: Marker of a border crossing on the network map (``Axes.scatter`` keywords).
BORDER_MARK = dict(marker="D", s=26, facecolor="white", edgecolor="#333333", linewidths=0.9)
#: Marker of a border crossing with a gauge change.
GAUGE_MARK = dict(marker="h", s=70, facecolor="#ffd23f", edgecolor="#333333", linewidths=0.9)
#: Marker of a port that is not a gateway.
PORT_MARK = dict(marker="o", s=42, facecolor=PORT_COLOUR, edgecolor="white", linewidths=1.2)
#: Marker of a labelled junction or hub.
JUNCTION_MARK = dict(marker="o", s=16, facecolor="white", edgecolor="#333333", linewidths=0.9)

#: Credit line of a full-page map.
BOUNDARIES_CREDIT = (
    "Boundaries: Natural Earth (public domain), shown for orientation only; "
    "they imply no endorsement."
)


def halo(width_pt: float, colour: str = "white") -> list:
    """Stroke text or lines in ``colour`` so that they read on any background.

    Parameters
    ----------
    width_pt
        Width of the stroke, points.
    colour
        Its colour.

    Returns
    -------
    list of matplotlib.patheffects.AbstractPathEffect
        For the ``path_effects`` keyword.
    """
    return [pe.withStroke(linewidth=width_pt, foreground=colour)]


def line_width(link, *, base: float = 1.0) -> float:
    """Drawn width of a link, points: double track twice as wide as anything else.

    Parameters
    ----------
    link
        A :class:`~corridors.network.Link`.
    base
        Factor on the width of a single line (1.3 pt).
    """
    if isinstance(link, RailSection):
        return base * (2.6 if link.tracks == 2 else 1.3)
    return base * 1.3


def line_handle(color, lw: float, label: str, **kw) -> Line2D:
    """Make a legend entry drawn as a line ``lw`` points wide (more keywords: :class:`Line2D`)."""
    return Line2D([], [], color=color, lw=lw, label=label, **kw)


def marker_handle(marker: str, ms: float, mfc, mec, label: str, **kw) -> Line2D:
    """Make a legend entry drawn as one marker of size ``ms`` points, without a line."""
    return Line2D([], [], ls="", marker=marker, ms=ms, mfc=mfc, mec=mec, label=label, **kw)
