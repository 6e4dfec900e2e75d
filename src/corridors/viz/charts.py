"""Charts that are not maps: before/after volumes per region and direction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.patches import Patch

from corridors import REGIONS
from corridors.viz.figure import new_figure
from corridors.viz.style import REGION_COLOURS


def plot_region_bars(rows: Sequence[Mapping], *, title: str | None = None, unit: str = "Mt/yr"):
    """Draw grouped bars of before/after volumes per region and direction.

    Parameters
    ----------
    rows
        Dicts with ``region``, ``direction`` (``"inbound"`` or ``"outbound"``),
        ``before`` and ``after`` (in ``unit``; missing or ``None`` is 0).
        Drawn by region in :data:`~corridors.REGIONS` order, inbound first.
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
