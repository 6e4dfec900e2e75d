"""The time-space diagram (stringline chart) of a line: every train's distance along it against time.

Time runs to the right, distance along the chain of links up the page, each
train a line coloured by its direction. A flat stretch is a train standing:
in a passing loop (waiting to meet an opposing train or for the block ahead),
at a station, or in a yard. Where a line of the other colour crosses a flat
stretch at a loop, the two trains met there. Waiting to be let into a border
crossing, a ferry or a yard is shaded; crossings are bands across the chart,
passing loops dotted lines, stations solid lines named on the left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter

from corridors.elements import HOURS_PER_DAY
from corridors.trace import Chain, TrainPath, Wait
from corridors.viz.figure import new_figure
from corridors.viz.fonts import legible
from corridors.viz.style import INK, line_handle

#: Line colours: towards the chain's last node, towards its first.
DIRECTION_COLOURS = ("#1f5fa8", "#c0392b")
#: Shade of a wait before a border crossing or ferry, and before a yard (each wait drawn at this opacity:
#: where trains queue together the shade darkens).
WAIT_CROSSING = "#e6a23c"
WAIT_YARD = "#8e6bb8"
WAIT_ALPHA = 0.28
#: Background band of a crossing (border or ferry) on the distance axis.
CROSSING_BAND = "#f1efe9"
#: Shade of the daily maintenance window (no train enters the track).
MAINTENANCE = "#ececec"
STATION_LINE = {"color": "#8c8c8c", "lw": 0.7, "zorder": 1}
LOOP_LINE = {"color": "#b5b5b5", "lw": 0.6, "ls": (0, (1, 2.2)), "zorder": 1}
#: Days of each month of the simulated 365-day year.
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(t_h: float, *, time: bool = False) -> str:
    """Name a simulation time by its calendar day: ``10 Feb`` (``10 Feb 06:00`` with ``time``).

    Parameters
    ----------
    t_h
        Hours from 1 January 00:00 of the first simulated year (365-day years).
    time
        Add the hour and minute.

    Returns
    -------
    str
        From the second simulated year on, the year is added: ``10 Feb, year 2``.
    """
    minutes = round(t_h * 60)
    day, minute = divmod(minutes, 24 * 60)
    year, doy = divmod(day, 365)
    month = 0
    while doy >= MONTH_DAYS[month]:
        doy -= MONTH_DAYS[month]
        month += 1
    text = f"{doy + 1} {MONTHS[month]}"
    if time:
        text += f" {minute // 60:02d}:{minute % 60:02d}"
    return text + (f", year {year + 1}" if year else "")


def _time_axis(ax, start_h: float, end_h: float) -> None:
    """Midnights named by date (every few days on a long window), hours of the day as minor ticks."""
    days = (end_h - start_h) / HOURS_PER_DAY
    step = max(1, math.ceil(days / 10))
    first = math.ceil(start_h / HOURS_PER_DAY / step) * step
    majors = [d * HOURS_PER_DAY for d in range(first, math.floor(end_h / HOURS_PER_DAY) + 1, step)]
    ax.xaxis.set_major_locator(FixedLocator(majors))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda t, _pos: day_label(t)))
    minor_h = 6 if days <= 4 else (HOURS_PER_DAY if step > 1 else 12)
    minors = [t for t in np.arange(math.ceil(start_h / minor_h) * minor_h, end_h + 1e-9, minor_h)
              if all(abs(t - m) > 1e-6 for m in majors)]
    ax.xaxis.set_minor_locator(FixedLocator(minors))
    if days <= 4:
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda t, _pos: f"{round(t) % 24:02d}:00"))
        ax.tick_params(axis="x", which="minor", labelsize=6.5, labelcolor="#777777")
    ax.tick_params(axis="x", which="major", labelsize=8.5, length=6, pad=10 if days <= 4 else 3)
    for t in majors:
        ax.axvline(t, color="#e2e2e2", lw=0.6, zorder=0)


def _distance_axis(ax, chain: Chain, names: Mapping[str, str]) -> None:
    """Stations named on the left (km on the right), crossings as bands, passing loops dotted."""
    for cl in chain.links:
        if cl.layout.kind in ("border", "ferry"):
            ax.axhspan(cl.offset_km, cl.offset_km + cl.layout.length_km, color=CROSSING_BAND, lw=0, zorder=0)
        for km in cl.loops_km():
            ax.axhline(km, **LOOP_LINE)
    for km in chain.nodes_km:
        ax.axhline(km, **STATION_LINE)
    ax.set_yticks(list(chain.nodes_km), [legible(names.get(n, n), n) for n in chain.nodes], fontsize=8.5)
    right = ax.secondary_yaxis("right")
    right.set_ylabel("km along the line", fontsize=8, color="#555555")
    right.tick_params(labelsize=7.5, labelcolor="#555555")


def _rectangles(waits: Sequence[Wait], half_km: float) -> list:
    """Corners of one rectangle per wait (a yard's drawn ``half_km`` either side of its node)."""
    out = []
    for w in waits:
        lo, hi = (w.lo_km, w.hi_km) if w.hi_km > w.lo_km else (w.lo_km - half_km, w.hi_km + half_km)
        out.append([(w.start_h, lo), (w.end_h, lo), (w.end_h, hi), (w.start_h, hi)])
    return out


def _segments(lines: Sequence[Sequence[tuple[float, float]]], bands: Sequence[tuple[float, float]]):
    """Split lines into their straight segments on track and those inside a crossing's band.

    A train spends hours to days in a crossing (handling, clearance): drawn
    thin and faint there, its line leaves the waits' shade readable.
    """
    segs = [np.stack([pts[:-1], pts[1:]], axis=1) for pts in (np.asarray(line, dtype=float) for line in lines)
            if len(pts) > 1]
    if not segs:
        return np.empty((0, 2, 2)), np.empty((0, 2, 2))
    all_segs = np.concatenate(segs)
    mid = all_segs[:, :, 1].mean(axis=1)
    inside = np.zeros(len(all_segs), dtype=bool)
    for lo, hi in bands:
        inside |= (mid > lo + 1e-6) & (mid < hi - 1e-6)
    return all_segs[~inside], all_segs[inside]


def _maintenance(ax, window: tuple[float, float] | None, start_h: float, end_h: float) -> bool:
    """Shade the daily maintenance window ``(hour it opens, hours)`` on every day of the chart; whether any shows."""
    if window is None or window[1] <= 0:
        return False
    opens, hours = window
    shown = False
    for day in range(math.floor(start_h / HOURS_PER_DAY) - 1, math.ceil(end_h / HOURS_PER_DAY) + 1):
        a = day * HOURS_PER_DAY + opens % HOURS_PER_DAY
        if a < end_h and a + hours > start_h:
            ax.axvspan(a, a + hours, color=MAINTENANCE, lw=0, zorder=0)
            shown = True
    return shown


def _legend(fig, chain: Chain, names: Mapping[str, str], waits: Sequence[Wait], maintenance: bool) -> None:
    """Directions by their end stations, the shades and the loops, in a row under the title."""
    first, last = (legible(names.get(n, n), n) for n in (chain.nodes[0], chain.nodes[-1]))
    handles = [line_handle(DIRECTION_COLOURS[0], 1.6, f"towards {last}"),
               line_handle(DIRECTION_COLOURS[1], 1.6, f"towards {first}")]
    if any(cl.layout.kind in ("border", "ferry") for cl in chain.links):
        handles.append(Patch(facecolor=WAIT_CROSSING, alpha=0.6, lw=0, label="waiting for a border crossing or ferry"))
    if any(w.kind == "yard" for w in waits):
        handles.append(Patch(facecolor=WAIT_YARD, alpha=0.6, lw=0, label="waiting for a yard track"))
    if any(cl.loops_km() for cl in chain.links):
        handles.append(line_handle(LOOP_LINE["color"], 1.0, "passing loop", ls=LOOP_LINE["ls"]))
    if maintenance:
        handles.append(Patch(facecolor=MAINTENANCE, lw=0, label="daily maintenance window"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.075, 0.915), ncols=len(handles),
               fontsize=8, frameon=False, handlelength=2.4, columnspacing=1.6)


def plot_stringline(chain: Chain, paths: Sequence[TrainPath], waits: Sequence[Wait], *, start_h: float,
                    end_h: float, names: Mapping[str, str], title: str, subtitle: str = "",
                    maintenance: tuple[float, float] | None = None):
    """Draw the time-space diagram of a chain of links over a window.

    Parameters
    ----------
    chain
        The distance axis (:func:`corridors.trace.build_chain`).
    paths
        Every train's line on it (:func:`corridors.trace.chain_paths`).
    waits
        The waits to shade (same).
    start_h, end_h
        The window, hours from 1 January 00:00 of the first simulated year.
    names
        Node id -> name (stations on the distance axis, the directions in the legend).
    title, subtitle
        Printed above the chart.
    maintenance
        The daily maintenance window, ``(hour of the day it opens, hours)``: shaded on every day.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig = new_figure((11.7, 7.4))
    ax = fig.add_axes((0.075, 0.09, 0.86, 0.75))
    pad_km = max(chain.length_km * 0.015, 0.5)
    ax.set_xlim(start_h, end_h)
    ax.set_ylim(-pad_km, chain.length_km + pad_km)
    _distance_axis(ax, chain, names)
    _time_axis(ax, start_h, end_h)
    shaded = _maintenance(ax, maintenance, start_h, end_h)
    for kind, colour in (("crossing", WAIT_CROSSING), ("yard", WAIT_YARD)):
        chosen = [w for w in waits if (w.kind == "yard") == (kind == "yard")]
        if chosen:
            ax.add_collection(PolyCollection(_rectangles(chosen, pad_km * 0.6), facecolors=colour,
                                             alpha=WAIT_ALPHA, lw=0, zorder=2))
    bands = [(cl.offset_km, cl.offset_km + cl.layout.length_km) for cl in chain.links
             if cl.layout.kind in ("border", "ferry")]
    for rising, colour in ((True, DIRECTION_COLOURS[0]), (False, DIRECTION_COLOURS[1])):
        track, crossing = _segments([p.points for p in paths if p.rising == rising], bands)
        if len(track):
            ax.add_collection(LineCollection(track, colors=colour, lw=0.9, zorder=3, capstyle="round"))
        if len(crossing):
            ax.add_collection(LineCollection(crossing, colors=colour, lw=0.5, alpha=0.35, zorder=3))
    ax.spines[["top"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.text(0.075, 0.965, title, fontsize=13, fontweight="bold", color=INK, va="top")
    if subtitle:
        fig.text(0.075, 0.935, subtitle, fontsize=8.5, color="#555555", va="top")
    _legend(fig, chain, names, waits, shaded)
    return fig, ax
