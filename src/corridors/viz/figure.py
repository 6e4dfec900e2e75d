"""Standalone Agg figures: create them, lay out map and colour-bar axes, measure, save.

Figures are built as :class:`matplotlib.figure.Figure` objects on the Agg
canvas, so nothing here touches pyplot's global figure registry and any
headless process can draw (unless an ``ax`` is passed in, in which case its
figure is used).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from corridors.viz.style import A4_LANDSCAPE, SAVE_DPI

log = logging.getLogger(__name__)

#: Salt of the ids matplotlib writes into an SVG (clip paths, glyphs): fixed, so the same figure gives the
#: same bytes (matplotlib's default salt is random per process).
SVG_HASH_SALT = "corridors"
#: Per-format metadata that would otherwise carry the time of writing.
_NO_DATE_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                     "ps": {"CreationDate": None}, "eps": {"CreationDate": None}}


def new_figure(figsize: tuple[float, float]) -> Figure:
    """Make a figure of ``figsize`` inches ``(width, height)`` on its own Agg canvas."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def renderer(fig):
    """Return a renderer to measure text with (the Agg canvas's, or matplotlib's fallback)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def box_aspect(ax) -> float:
    """Width / height of the axes box once the figure's layout has run."""
    fig = ax.figure
    fig.draw_without_rendering()
    pos = ax.get_position()
    w, h = fig.get_size_inches()
    return max(pos.width * w, 1e-6) / max(pos.height * h, 1e-6)


def map_figure(ax=None, figsize: tuple[float, float] = A4_LANDSCAPE):
    """``(fig, ax)``: ``ax``'s figure, or a new figure of ``figsize`` inches with one map axes."""
    if ax is None:
        fig = new_figure(figsize)
        ax = fig.add_axes((0.012, 0.035, 0.976, 0.895))
    else:
        fig = ax.figure
    return fig, ax


def value_figure(ax=None, *, size_in: tuple[float, float] | None = None):
    """Figure, map axes and colour-bar axes (``None`` when the caller gave ``ax``); A4 landscape unless ``size_in``."""
    if ax is not None:
        return ax.figure, ax, None
    fig = new_figure(size_in or A4_LANDSCAPE)
    ax = fig.add_axes([0.012, 0.035, 0.918, 0.895])
    cax = fig.add_axes([0.948, 0.30, 0.012, 0.40])
    return fig, ax, cax


def dummy_mappable(cmap, norm):
    """Make a mappable with no data that carries ``cmap`` and ``norm`` (for a colour bar)."""
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=cmap)
    sm.set_array([])
    return sm


def colorbar(fig, ax, cax, cmap, norm, label: str, **kw):
    """Draw a colour bar for ``cmap``/``norm``, before the map so the layout is fixed.

    Parameters
    ----------
    fig, ax, cax
        As from :func:`value_figure`; without ``cax`` the bar takes room from ``ax``.
    cmap, norm
        The colour scale.
    label
        Label of the bar.
    **kw
        More :meth:`Figure.colorbar` keywords.

    Returns
    -------
    matplotlib.colorbar.Colorbar
    """
    sm = dummy_mappable(cmap, norm)
    if cax is not None:
        cb = fig.colorbar(sm, cax=cax, **kw)
    else:
        cb = fig.colorbar(sm, ax=ax, shrink=0.45, pad=0.01, fraction=0.03, **kw)
    cb.ax.tick_params(labelsize=7)
    cb.set_label(label, fontsize=8)
    return cb


def save_figure(
    fig, path: str | os.PathLike, *, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write a figure to disk and close it.

    Parameters
    ----------
    fig
        The figure.
    path
        Target file. Its suffix picks the format (``.png`` at
        :data:`~corridors.viz.style.SAVE_DPI` dpi, ``.svg``, or anything
        matplotlib writes); a path without a suffix is written as PNG.
    formats
        Write these formats instead, each at ``path`` with its suffix
        replaced (``("png", "svg")`` writes ``map.png`` and ``map.svg``).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        If matplotlib cannot write a format; nothing is left behind.
    OSError
        If a folder cannot be made or a file cannot be written.

    Notes
    -----
    Each file is written to a temporary file in the target folder and then
    renamed, so a reader never sees a half-written figure. Parent folders are
    created. No output carries a timestamp, and SVG ids are salted with
    :data:`SVG_HASH_SALT`, so the same figure gives the same bytes in PNG,
    SVG and PDF.
    """
    path = Path(path)
    if formats:
        targets = [path.with_suffix("." + f.lower().lstrip(".")) for f in formats]
    else:
        targets = [path if path.suffix else path.with_suffix(".png")]
    written = []
    try:
        for target in targets:
            _write_atomically(fig, target)
            log.info("wrote %s", target)
            written.append(target)
    finally:
        _close(fig)
    return written


def _write_atomically(fig, target: Path) -> None:
    fmt = target.suffix.lstrip(".").lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".{fmt}.tmp", dir=target.parent)
    try:
        meta = _NO_DATE_METADATA.get(fmt)
        with os.fdopen(fd, "wb") as fh, rc_context({"svg.hashsalt": SVG_HASH_SALT}):
            fig.savefig(
                fh,
                format=fmt,
                dpi=SAVE_DPI,
                bbox_inches="tight",
                pad_inches=0.08,
                facecolor="white",
                **({"metadata": meta} if meta else {}),
            )
        # mkstemp makes the file private (0600); give it the usual mode of a document
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _close(fig) -> None:
    """Release a figure; pyplot is only touched if the figure came from it."""
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    else:
        fig.clear()
