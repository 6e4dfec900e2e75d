"""Maps and charts of a corridor network, for reports and policy briefs.

Every plot function returns ``(fig, ax)`` (or ``(fig, axes)``) and never shows
anything: call :func:`save_figure` to write PNG or SVG. Figures live on their
own Agg canvas, outside pyplot, so any headless process can draw.

This package is a leaf: it reads :mod:`corridors.network` records (and
:mod:`corridors.trace`'s lines) and nothing upstream imports it. Where things are:

``style``          sizes, colours, line and marker styles, legend entries
``cartography``    projection, extent, country outlines (package data), scale bar
``labels``         map labels and their placement without overlaps
``furniture``      open/close a map (frame, legend corner, labels pass), title, credit
``figure``         standalone figures, map/colour-bar axes, :func:`save_figure`
``network_map``    :func:`plot_network`
``value_maps``     links coloured by a value; :func:`plot_utilisation`
``fonts``          glyphs the map font has; names it can draw
``capacity_pair``  :func:`plot_capacity_pair` (before/after)
``capacity_maps``  :func:`plot_capacity_change`
``charts``         :func:`plot_region_bars`, :func:`plot_sweep`
``curves``         :func:`plot_load_delay`, :func:`plot_market_delay`
``stringline``     :func:`plot_stringline` (time-space diagram of a line)
"""

from corridors.viz.capacity_maps import plot_capacity_change
from corridors.viz.capacity_pair import plot_capacity_pair
from corridors.viz.cartography import load_countries
from corridors.viz.charts import direction_words, plot_region_bars, plot_sweep
from corridors.viz.curves import plot_load_delay, plot_market_delay
from corridors.viz.figure import save_figure
from corridors.viz.network_map import plot_network
from corridors.viz.stringline import plot_stringline
from corridors.viz.style import A4_LANDSCAPE, MAP_CRS, REGION_COLOURS, SAVE_DPI
from corridors.viz.value_maps import plot_utilisation

__all__ = [
    "A4_LANDSCAPE",
    "MAP_CRS",
    "REGION_COLOURS",
    "SAVE_DPI",
    "direction_words",
    "load_countries",
    "plot_capacity_change",
    "plot_capacity_pair",
    "plot_load_delay",
    "plot_market_delay",
    "plot_network",
    "plot_region_bars",
    "plot_stringline",
    "plot_sweep",
    "plot_utilisation",
    "save_figure",
]
