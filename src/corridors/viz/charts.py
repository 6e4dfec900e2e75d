"""Charts that are not maps: before/after volumes per region and direction."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.patches import Patch

from corridors import REGIONS
from corridors.elements import flow_label
from corridors.viz.figure import new_figure
from corridors.viz.style import REGION_COLOURS


def plot_region_bars(rows: Sequence[Mapping], *, title: str | None = None, unit: str = "Mt/yr"):
    """Draw grouped bars of before/after volumes per region and direction.

    Parameters
    ----------
    rows
        Dicts with ``region``, ``direction`` (``"inbound"`` or ``"outbound"``),
        ``before`` and ``after`` (in ``unit``; missing or ``None`` is 0).
        Drawn by region in :data:`~corridors.REGIONS` order, inbound first,
        labelled "to China" (inbound: bound for the market) and "from China".
    title
        Figure title.
    unit
        Unit of the values, for the axis label.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig = new_figure((10.0, 5.6))
    ax = fig.add_axes([0.075, 0.17, 0.9, 0.72])
    rows = _sorted_rows(rows)
    x = _bar_positions(rows)
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
    # "to Central Asia" wraps, so that neighbouring labels never run into each other
    ax.set_xticklabels([textwrap.fill(direction_words(r["region"], r["direction"]), 12) for r in rows],
                       fontsize=8.5)
    ax.set_ylabel(unit, fontsize=9)
    top = max(np.concatenate([before, after, [1e-9]]))
    ax.set_ylim(0, top * 1.22)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.grid(True, color="#e3e3e3", lw=0.7)
    ax.set_axisbelow(True)
    handles = [
        Patch(facecolor="#b8b8b8", label="Before"),
        Patch(facecolor="#555555", label="After (colour = market)"),
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


#: How a direction is said on every chart: flows to the market (inbound) or from it (outbound).


#: The direction words of every table and chart (:func:`corridors.elements.flow_label`), under the chart's name.
direction_words = flow_label


def _sorted_rows(rows: Sequence[Mapping]) -> list:
    """Rows by region (known regions in their order first), then inbound before outbound."""
    order = {r: i for i, r in enumerate(REGIONS)}
    dorder = {"inbound": 0, "outbound": 1}
    return sorted(
        rows,
        key=lambda r: (
            order.get(r["region"], 99),
            str(r["region"]),
            dorder.get(r["direction"], 9),
            str(r["direction"]),
        ),
    )


def _bar_positions(rows: Sequence[Mapping]) -> np.ndarray:
    """Return the x of each row's pair of bars: one apart, with a gap of 0.45 between regions."""
    x = np.arange(len(rows), dtype=float)
    region_idx = 0
    prev = None
    for i, r in enumerate(rows):
        if prev is not None and r["region"] != prev:
            region_idx += 1
        x[i] += 0.45 * region_idx
        prev = r["region"]
    return x


#: Colours of a sweep chart's series, in order (colour-blind safe, Okabe & Ito 2008).
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def plot_sweep(series: Mapping[str, Sequence[tuple[float, float | None, float | None, float | None]]], *,
               xlabel: str, ylabel: str, title: str, xticklabels: Sequence[str] | None = None):
    """Draw a figure across a sweep: one line per series, each point's mean with its 95 % interval.

    Parameters
    ----------
    series
        Series label -> points ``(x, mean, low, high)``; a ``None`` mean is not
        drawn, a ``None`` interval draws the mean alone. One series with an
        empty label draws no legend.
    xlabel, ylabel
        Axis labels (units included).
    title
        Figure title.
    xticklabels
        Labels of the x positions ``0, 1, ...`` when x is a category, not a number.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig = new_figure((10.0, 5.6))
    ax = fig.add_axes([0.09, 0.2 if xticklabels else 0.12, 0.87, 0.7 if xticklabels else 0.78])
    for i, (label, pts) in enumerate(series.items()):
        pts = [p for p in pts if p[1] is not None]
        if not pts:
            continue
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        x = np.array([p[0] for p in pts], dtype=float)
        mean = np.array([p[1] for p in pts], dtype=float)
        low = np.array([p[1] if p[2] is None else p[2] for p in pts], dtype=float)
        high = np.array([p[1] if p[3] is None else p[3] for p in pts], dtype=float)
        ax.errorbar(x, mean, yerr=[mean - low, high - mean], color=colour, marker="o", ms=5, lw=1.6,
                    capsize=4, elinewidth=1.0, ls="-" if xticklabels is None else "none", label=label or None)
    ax.axhline(0, color="#999999", lw=0.7, zorder=0)
    if xticklabels is not None:
        ax.set_xticks(np.arange(len(xticklabels)))
        ax.set_xticklabels(xticklabels, fontsize=8, rotation=20, ha="right")
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.grid(True, color="#e3e3e3", lw=0.7)
    ax.set_axisbelow(True)
    if not any(p[1] is not None for pts in series.values() for p in pts):
        ax.text(0.5, 0.5, "No point has a value for this figure (see the table: empty cells are figures the "
                          "model could not give)", transform=ax.transAxes, ha="center", va="center", fontsize=9,
                color="#555555", wrap=True)
    elif any(series):
        ax.legend(loc="best", fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold", pad=18)
    fig.text(0.09, 0.015, "Markers: mean over replications; bars: 95 % confidence interval.", fontsize=7.5,
             color="#555555")
    return fig, ax
