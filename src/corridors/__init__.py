"""corridors: a simulator of freight transport corridors.

Stages, each its own module, with dependencies running one way::

    errors <- network <- capacity <- scenario <- simulation <- results
           <- bound <- maps / brief <- cli

The simulation core (``simulation``) imports neither geopandas nor matplotlib.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("corridors")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

REGIONS: tuple[str, ...] = ("China", "Europe", "Russia", "South Asia", "Central Asia")
"""The markets capacity is reported for; a gateway node carries one of these in ``region``.

The first four are the regions beyond the network's borders; ``Central Asia``
(Uzbekistan, Kyrgyzstan, Tajikistan, Turkmenistan) is the market inside it:
flows to or from a node in those countries count toward it.
"""

SEARCH_DAYS: float = 100.0
"""Simulated days of each capacity-search run (warm-up included) unless a command says otherwise."""

__all__ = ["REGIONS", "SEARCH_DAYS", "__version__"]
