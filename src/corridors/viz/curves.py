"""The load--delay curve: what planners read capacity from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from corridors.viz.figure import new_figure

#: Line colours of the curves, in the order of the series (before, after, ...).
SERIES_COLOURS = ("#7a7a7a", "#c0392b", "#2b6ca3", "#27864a")


def _band(ax, xs, lo, hi, colour) -> None:
    """Shade a 95 % band where every point has one."""
    if all(v is not None for v in [*lo, *hi]) and len(xs) > 1:
        ax.fill_between(xs, lo, hi, color=colour, alpha=0.18, lw=0)


def plot_load_delay(series: Sequence[Mapping], *, level_share: float, title: str,
                    trains_per_mt: float | None = None):
    """Draw delivered volume and added waiting against offered load, one line per scenario.

    Parameters
    ----------
    series : sequence of mapping
        One per scenario, with ``label`` (str); ``offered_mt``, ``delivered_mt``,
        ``wait_share`` (lists of float, by increasing load; waiting as a share of
        the free transit time); ``delivered_ci`` and ``wait_share_ci`` (lists of
        ``[low, high]`` or ``None``); ``practical`` and ``max_throughput``
        (``(mean, low, high)`` in Mt/yr, ends ``None`` without an interval, or
        ``None``); ``demand_mt`` (float).
    level_share : float
        The service level, a share of the free transit time (a horizontal line).
    title : str
        Figure title.
    trains_per_mt : float, optional
        Trains per day per Mt/yr of the region's flows: adds a trains/day scale on top.

    Returns
    -------
    (matplotlib.figure.Figure, list of matplotlib.axes.Axes)
        The throughput panel, then the waiting panel.
    """
    fig = new_figure((8.6, 7.4))
    top = fig.add_axes([0.1, 0.5, 0.86, 0.34])
    bottom = fig.add_axes([0.1, 0.08, 0.86, 0.33], sharex=top)
    xmax = max((max(s["offered_mt"]) for s in series if s["offered_mt"]), default=1.0) * 1.05
    top.plot([0, xmax], [0, xmax], color="#cccccc", lw=0.8, ls=":", label="delivered = offered")
    bottom.axhline(100 * level_share, color="#333333", lw=0.9, ls="--",
                   label=f"service level ({level_share:.0%} of free transit time)")
    for k, s in enumerate(series):
        c = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        xs = np.asarray(s["offered_mt"], dtype=float)
        top.plot(xs, s["delivered_mt"], color=c, marker="o", ms=4, lw=1.6, label=s["label"])
        _band(top, xs, [ci[0] if ci else None for ci in s["delivered_ci"]],
              [ci[1] if ci else None for ci in s["delivered_ci"]], c)
        bottom.plot(xs, 100 * np.asarray(s["wait_share"], dtype=float), color=c, marker="o", ms=4, lw=1.6,
                    label=s["label"])
        _band(bottom, xs, [100 * ci[0] if ci else None for ci in s["wait_share_ci"]],
              [100 * ci[1] if ci else None for ci in s["wait_share_ci"]], c)
        for ax in (top, bottom):
            if s.get("practical"):
                mean, lo, hi = s["practical"]
                ax.axvline(mean, color=c, lw=1.0, ls="-.")
                if lo is not None:
                    ax.axvspan(lo, hi, color=c, alpha=0.08, lw=0)
            if s.get("demand_mt"):
                ax.plot([s["demand_mt"]], [0], marker="^", color=c, ms=7, clip_on=False, zorder=5)
        if s.get("max_throughput"):
            mean, lo, hi = s["max_throughput"]
            top.axhline(mean, color=c, lw=1.0, ls="--")
            if lo is not None:
                top.axhspan(lo, hi, color=c, alpha=0.08, lw=0)
    top.set_xlim(0, xmax)
    top.set_ylim(0, None)
    bottom.set_ylim(0, None)
    top.set_ylabel("Delivered (Mt/yr)", fontsize=9)
    bottom.set_ylabel("Mean added waiting\n(% of free transit time)", fontsize=9)
    bottom.set_xlabel("Offered load of the region's flows (Mt/yr); ▲ scenario demand", fontsize=9)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(True, color="#e8e8e8", lw=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=8)
    top.legend(loc="upper left", fontsize=7.5, frameon=False)
    bottom.legend(loc="upper left", fontsize=7.5, frameon=False)
    if trains_per_mt:
        sec = top.secondary_xaxis("top", functions=(lambda x: x * trains_per_mt, lambda t: t / trains_per_mt))
        sec.set_xlabel("Offered load (trains/day)", fontsize=8)
        sec.tick_params(labelsize=7.5)
    fig.text(0.1, 0.985, title, fontsize=12, fontweight="bold", ha="left", va="top")
    fig.text(0.1, 0.955, "Dash-dot: practical capacity; dashed (top): maximum throughput; shading: 95 % intervals "
             "over replications", fontsize=7.5, color="#555555", ha="left", va="top")
    return fig, [top, bottom]
