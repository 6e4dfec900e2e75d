"""The load--delay curve: what planners read capacity from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D

from corridors.viz.figure import new_figure

#: Line colours of the curves, in the order of the series (before, after, ...).
SERIES_COLOURS = ("#7a7a7a", "#c0392b", "#2b6ca3", "#27864a")


def _band(ax, xs, lo, hi, colour) -> None:
    """Shade a 95 % band where every point has one."""
    if all(v is not None for v in [*lo, *hi]) and len(xs) > 1:
        ax.fill_between(xs, lo, hi, color=colour, alpha=0.18, lw=0)


def _wait_curve(ax, xs, s: Mapping, colour: str, *, ms: float, lw: float) -> None:
    """Draw a series' added waiting (% of free transit time) with its 95 % band."""
    ax.plot(xs, 100 * np.asarray(s["wait_share"], dtype=float), color=colour, marker="o", ms=ms, lw=lw,
            label=s["label"])
    _band(ax, xs, [100 * ci[0] if ci else None for ci in s["wait_share_ci"]],
          [100 * ci[1] if ci else None for ci in s["wait_share_ci"]], colour)


def _capacity_marks(ax, s: Mapping, colour: str, *, ms: float) -> None:
    """Mark a series' practical capacity (dash-dot line, its interval shaded) and its demand (a triangle)."""
    if s.get("practical"):
        mean, lo, hi = s["practical"]
        ax.axvline(mean, color=colour, lw=1.0, ls="-.")
        if lo is not None:
            ax.axvspan(lo, hi, color=colour, alpha=0.08, lw=0)
    if s.get("demand_mt"):
        ax.plot([s["demand_mt"]], [0], marker="^", color=colour, ms=ms, clip_on=False, zorder=5)


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
        _wait_curve(bottom, xs, s, c, ms=4, lw=1.6)
        for ax in (top, bottom):
            _capacity_marks(ax, s, c, ms=7)
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


def plot_market_delay(panels: Sequence[tuple[str, Sequence[Mapping]]], *, level_share: float,
                      width_in: float = 6.7, height_in: float = 1.75):
    """Draw a market's load--delay curves side by side, sized for a page (one panel per direction).

    Only the waiting is drawn: it is what the practical capacity is read from,
    and one small panel per direction stays readable at the brief's width
    (fonts of 7-8 pt at the size the figure is printed).

    Parameters
    ----------
    panels : sequence of (str, sequence of mapping)
        Per direction, its title (``"to China"``) and its series, in the form
        :func:`plot_load_delay` takes (``label``, ``offered_mt``, ``wait_share``,
        ``wait_share_ci``, ``practical``, ``demand_mt``); a panel with no series
        says in words that it has no curve.
    level_share : float
        The service level, a share of the free transit time (a dashed line).
    width_in, height_in : float
        Figure size, inches (default: 17 cm wide, the text width of an A4 page).

    Returns
    -------
    (matplotlib.figure.Figure, list of matplotlib.axes.Axes)
        One axes per panel.
    """
    fig = new_figure((width_in, height_in))
    n = max(len(panels), 1)
    axes = []
    gap, left, right = 0.09, 0.085, 0.015
    w = (1 - left - right - gap * (n - 1)) / n
    for i, (title, series) in enumerate(panels):
        ax = fig.add_axes([left + i * (w + gap), 0.235, w, 0.5])  # room above for the title, then the legend
        axes.append(ax)
        ax.set_title(title, fontsize=9, fontweight="bold", loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=7.5)
        ax.grid(True, color="#e8e8e8", lw=0.6)
        ax.set_axisbelow(True)
        if not series:
            ax.text(0.5, 0.5, "no load–delay curve (no flows, or not searched)", transform=ax.transAxes, ha="center", va="center",
                    fontsize=8, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.axhline(100 * level_share, color="#333333", lw=0.9, ls="--")
        for k, s in enumerate(series):
            c = SERIES_COLOURS[k % len(SERIES_COLOURS)]
            xs = np.asarray(s["offered_mt"], dtype=float)
            _wait_curve(ax, xs, s, c, ms=3, lw=1.4)
            _capacity_marks(ax, s, c, ms=6)
        ax.set_xlim(0, None)
        ax.set_ylim(0, None)
        ax.set_xlabel("Offered load (Mt/yr); ▲ scenario demand", fontsize=8)
        if i == 0:
            ax.set_ylabel("Added waiting\n(% of free transit time)", fontsize=8)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    handles += [Line2D([], [], color="#333333", lw=0.9, ls="--"), Line2D([], [], color="#555555", lw=1.0, ls="-.")]
    labels += [f"service level ({level_share:.0%})", "practical capacity (shading: 95 % interval)"]
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(left, 1.0), ncol=len(labels), fontsize=7.5,
               frameon=False, handlelength=1.8, columnspacing=1.2)
    return fig, axes
