"""The figures the brief draws itself: each market's load--delay curves, sized for its page.

The compare folder's own ``curve-*.png`` are full-page charts; printed at half
a page their text would be unreadable. The brief therefore draws one compact
figure per market from ``capacity-before.json`` and ``capacity-after.json``
(the probes of the capacity search), so nothing is simulated again.
"""

from __future__ import annotations

from pathlib import Path

from corridors.brief.format import capital, flow_label
from corridors.brief.read import DIRECTIONS, ResultFolder
from corridors.viz import plot_market_delay, save_figure

__all__ = ["market_figure_name", "market_figures"]


def market_figure_name(region: str) -> str:
    """Return the file name of a market's figure (``brief-market-south-asia.png``)."""
    return f"brief-market-{region.lower().replace(' ', '-')}.png"


def _series(label: str, rec: dict) -> dict:
    """One scenario's curve for :func:`corridors.viz.plot_market_delay`, from a ``capacity-*.json`` record."""
    ci = rec.get("simulated_ci_mt") or (None, None)
    probes = rec.get("probes") or []
    return {
        "label": label,
        "offered_mt": [p["mt"] for p in probes],
        "wait_share": [p["added_wait_share"] for p in probes],
        "wait_share_ci": [p.get("added_wait_share_ci") for p in probes],
        # a lower limit ("at least") is no crossing of the service level: no line for it
        "practical": (None if rec.get("simulated_mt") is None or rec.get("simulated_is_lower_limit")
                      else (rec["simulated_mt"], *ci)),
        "demand_mt": rec.get("demand_mt"),
    }


def market_figures(result: ResultFolder, folder: Path, regions: list[str]) -> dict[str, Path]:
    """Draw each market's curves (to and from it, before and after) into ``folder``.

    Parameters
    ----------
    result
        A compare folder with ``capacity-before.json`` and ``capacity-after.json``.
    folder
        Where the PNGs are written (:func:`market_figure_name`).
    regions
        The markets to draw.

    Returns
    -------
    dict
        Market -> PNG file, for the markets whose search left a curve in either direction.
    """
    if len(result.capacity) != 2:
        return {}
    out = {}
    for r in regions:
        panels, level = [], None
        for d in DIRECTIONS:
            series = []
            for label, doc in zip(("before", "after"), result.capacity):
                rec = ((doc.get("regions") or {}).get(r) or {}).get(d) or {}
                if rec.get("probes"):
                    series.append(_series(label, rec))
                    level = level or (rec.get("service_level") or {}).get("max_added_wait_share")
            panels.append((capital(flow_label(r, d)), series))
        if level is None:
            continue
        fig, _ = plot_market_delay(panels, level_share=level)
        (path,) = save_figure(fig, folder / market_figure_name(r).removesuffix(".png"), formats=("png",))
        out[r] = path
    return out
