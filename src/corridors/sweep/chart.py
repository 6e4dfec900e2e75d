"""The sweep's chart: its headline figure across the points, with 95 % intervals.

When a varied dimension is a number (a demand scale, a numeric setting), it
is the x axis and every combination of the other varied levels is one line;
otherwise each point is a category on the x axis, labelled by its levels.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from corridors.sweep.columns import find
from corridors.sweep.plan import Point, Sweep
from corridors.viz import plot_sweep, save_figure


def _level(p: Point, dim: str) -> object:
    """Return point ``p``'s level of the varied dimension ``dim``."""
    if dim == "overlays":
        return p.overlay_names
    if dim == "demand_scale":
        return p.demand_scale
    if dim == "seeds":
        return p.seed
    return dict(p.settings)[dim]


def _label(p: Point, dims: tuple[str, ...]) -> str:
    """Return the levels of ``dims`` at ``p`` as text (``demand x1.5, simulation.days=120``)."""
    parts = []
    for d in dims:
        v = _level(p, d)
        text = v if isinstance(v, str) else json.dumps(v, sort_keys=True)
        parts.append({"overlays": str(v), "demand_scale": f"demand x{v:g}" if isinstance(v, float) else text,
                      "seeds": f"seed {v}"}.get(d, f"{d}={text}"))
    return ", ".join(parts)


def _numeric(sweep: Sweep, dim: str) -> bool:
    if dim in ("overlays", "seeds"):
        return False
    return all(isinstance(_level(p, dim), (int, float)) and not isinstance(_level(p, dim), bool)
               for p in sweep.points)


def draw_sweep(sweep: Sweep, headline: list[dict], folder: Path) -> None:
    """Write ``sweep.png`` and ``sweep.svg``: the headline column's mean and 95 % interval per point.

    Parameters
    ----------
    sweep
        The sweep.
    headline
        Per point, ``mean`` and ``ci95`` of the headline column (:func:`corridors.sweep.table.point_estimates`).
    folder
        Where to write.
    """
    what, unit = find(sweep.headline).describe(), find(sweep.headline).unit
    x_dim = next((d for d in sweep.varied if _numeric(sweep, d)), None)
    others = tuple(d for d in sweep.varied if d != x_dim)
    series: dict[str, list] = {}
    ticks = None
    for i, (p, h) in enumerate(zip(sweep.points, headline, strict=True)):
        ci = h["ci95"] or (None, None)
        x = float(_level(p, x_dim)) if x_dim else float(i)
        series.setdefault(_label(p, others) if x_dim else "", []).append((x, h["mean"], *ci))
    if x_dim is None:
        ticks = [_label(p, sweep.varied) or p.spec.name for p in sweep.points]
    xlabel = {"demand_scale": "demand scale (x the base scenario's demand)", None: "point"}.get(x_dim, x_dim)
    title = f"{sweep.name}: {sweep.headline}"
    fig, ax = plot_sweep(series, xlabel=xlabel, ylabel=f"{sweep.headline} ({unit})", title=title, xticklabels=ticks)
    ax.text(0, 1.0, textwrap.shorten(what, 160, placeholder=" ..."), transform=ax.transAxes, fontsize=7.5,
            color="#555555", va="bottom")
    save_figure(fig, folder / "sweep.png", formats=("png", "svg"))
