"""Day-by-day charts: trains in the network per market and what a disruption added, trains waiting per element."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corridors.viz.figure import new_figure

#: First day of each month in a year of 365 days (day 0 = 1 January), and the months' short names.
MONTH_STARTS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Shade of a disruption episode.
EPISODE_COLOUR = "#f2d7d5"


@dataclass(frozen=True)
class BacklogSeries:
    """One line of the chart.

    Attributes
    ----------
    label
        Legend text ("All trains", "to Europe", ...).
    colour
        Matplotlib colour.
    in_network
        Trains in the network at each day's end, shape ``(days,)``; day ``d`` (0-based) ends at ``d + 1``.
    undisturbed
        The undisturbed twin's, same shape, or ``None``.
    """

    label: str
    colour: str
    in_network: np.ndarray
    undisturbed: np.ndarray | None = None


def _month_axis(ax, days: int) -> None:
    """Tick the x axis (days from 1 January) at the first of each month, over as many years as the run lasts."""
    ticks = [y * 365 + m for y in range(days // 365 + 1) for m in MONTH_STARTS if y * 365 + m <= days]
    ax.set_xticks(ticks)
    ax.set_xticklabels([MONTHS[MONTH_STARTS.index(t % 365)] for t in ticks], fontsize=8)
    ax.set_xlim(0, days)


def _frame(ax, episodes: Sequence[tuple[float, float]], days: int, ylabel: str) -> None:
    for a, b in episodes:
        ax.axvspan(a, b, color=EPISODE_COLOUR, lw=0, zorder=0)
    _month_axis(ax, days)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.grid(True, color="#e3e3e3", lw=0.7)
    ax.tick_params(axis="y", labelsize=8)


def plot_backlog(series: Sequence[BacklogSeries], *, episodes: Sequence[tuple[float, float]] = (),
                 warmup_days: float = 0.0, title: str = "Trains in the network",
                 ylabel: str = "trains in the network"):
    """Draw trains in the network day by day, and, with a twin, the backlog a disruption added.

    Parameters
    ----------
    series
        The lines: the network and the markets (all of the same length).
    episodes
        Disruption episodes ``(start_day, end_day)``, shaded.
    warmup_days
        The warm-up, shaded grey at the left (its days are not measured).
    title
        Figure title.
    ylabel
        The upper panel's axis label (the same chart draws trains waiting at elements).

    Returns
    -------
    (matplotlib.figure.Figure, list of matplotlib.axes.Axes)
        One panel (trains in the network), or two when the series have a twin
        (below: the run's count minus the twin's, the backlog).
    """
    twin = any(s.undisturbed is not None for s in series)
    fig = new_figure((8.2, 5.6 if twin else 3.6))
    axes = [fig.add_axes([0.08, 0.56, 0.68, 0.36]), fig.add_axes([0.08, 0.1, 0.68, 0.36])] if twin else \
        [fig.add_axes([0.08, 0.14, 0.68, 0.74])]
    days = max((len(s.in_network) for s in series), default=1)
    x = np.arange(1, days + 1)
    for s in series:
        lw = 1.8 if s.label.startswith("All") else 1.1  # the network's line stands out from the markets'
        axes[0].plot(x, s.in_network, color=s.colour, lw=lw, label=s.label)
        if s.undisturbed is not None:
            axes[0].plot(x, s.undisturbed, color=s.colour, lw=0.8, ls=(0, (3, 2)), alpha=0.8)
            axes[1].plot(x, s.in_network - s.undisturbed, color=s.colour, lw=lw)
    _frame(axes[0], episodes, days, ylabel)
    if twin:
        _frame(axes[1], episodes, days, "trains above the undisturbed run")
        axes[1].axhline(0, color="#888888", lw=0.7)
        axes[1].set_title("Backlog the disruption added (dashed above: the undisturbed run)", loc="left",
                          fontsize=9.5)
    for ax in axes:
        if warmup_days > 0:
            ax.axvspan(0, warmup_days, color="#eeeeee", lw=0, zorder=0)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    notes = ["shaded: disruption"] if episodes else []
    if warmup_days > 0:
        notes.append("grey: warm-up")
    if notes:
        axes[-1].text(1.01, 0.0, "\n".join(notes), transform=axes[-1].transAxes, fontsize=7.5, color="#555555",
                      va="bottom")
    fig.suptitle(title, x=0.08, ha="left", fontsize=12, fontweight="bold")
    return fig, axes
