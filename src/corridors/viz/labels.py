"""Map labels: what a label is, where it may go, and greedy placement without overlaps."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from corridors.viz.cartography import Extent, transformer
from corridors.viz.figure import renderer
from corridors.viz.fonts import legible
from corridors.viz.style import LAND, halo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Label:
    """A label to place: anchor point (map metres), text and style.

    ``mode`` is ``"offset"`` (beside a point), ``"leader"`` (further off, with a
    leader line) or ``"centre"`` (on the point, nudged if needed; used for
    country names, which must not sit on a line). ``size`` is in points,
    ``gap`` the first offset tried in points, ``alts`` other anchor points to
    try (``"centre"`` only).
    """

    x: float
    y: float
    text: str
    color: str = "#222222"
    size: float = 7.5
    weight: str = "normal"
    style: str = "normal"
    required: bool = False
    mode: str = "offset"
    gap: float = 5.0
    zorder: float = 9
    halo: str = "white"
    alts: tuple[tuple[float, float], ...] = ()


def leader_label(xy: tuple[float, float], text: str, *, color: str = "#222222") -> Label:
    """Make a required bold label off a link, with a leader line to ``xy`` (map metres)."""
    return Label(
        xy[0],
        xy[1],
        text,
        color=color,
        size=7.8,
        weight="bold",
        required=True,
        mode="leader",
        zorder=11,
    )


def display_name(name: str) -> str:
    """Shorten a node name for a map label: drop a long parenthetical (``Urumqi (Sanping hub)``).

    A short qualifier that tells sides of a border apart (``Khorgos (CN)``,
    ``Torugart (CN side)``) is kept.
    """
    m = re.match(r"^(.*\S)\s*\(([^()]*)\)\s*$", name)
    if not m:
        return name
    inner = m.group(2)
    if len(inner) <= 3 or "side" in inner.lower():
        return name
    return m.group(1)


# --------------------------------------------------------------------------- geometry of boxes


def count_inside(points: np.ndarray, bb: Bbox) -> int:
    """How many of ``points`` (shape ``(n, 2)``, display pixels) lie in ``bb``."""
    if len(points) == 0:
        return 0
    x, y = points[:, 0], points[:, 1]
    return int(((x >= bb.x0) & (x <= bb.x1) & (y >= bb.y0) & (y <= bb.y1)).sum())


def line_samples(ax, lines: Iterable[np.ndarray], step_px: float = 3.0) -> np.ndarray:
    """Points every ``step_px`` pixels along projected lines, shape ``(n, 2)`` in display pixels."""
    out = []
    for xy in lines:
        d = ax.transData.transform(xy)
        for a, b in zip(d[:-1], d[1:]):
            n = max(int(np.hypot(*(b - a)) / step_px), 1)
            t = np.linspace(0.0, 1.0, n + 1)[:, None]
            out.append(a + t * (b - a))
    return np.concatenate(out) if out else np.zeros((0, 2))


def point_boxes(ax, points: Iterable[tuple[float, float]], r_pt: float = 2.5) -> list[Bbox]:
    """Small boxes (display pixels) around marker points (map metres) that labels must not cover."""
    pts = list(points)
    if not pts:
        return []
    r = r_pt * ax.figure.dpi / 72.0
    disp = ax.transData.transform(np.array(pts))
    return [Bbox([[x - r, y - r], [x + r, y + r]]) for x, y in disp]


def _overlap_total(bb: Bbox, boxes: np.ndarray) -> float:
    """Sum the overlap area of ``bb`` with each row ``(x0, y0, x1, y1)`` of ``boxes``."""
    if len(boxes) == 0:
        return 0.0
    w = np.minimum(bb.x1, boxes[:, 2]) - np.maximum(bb.x0, boxes[:, 0])
    h = np.minimum(bb.y1, boxes[:, 3]) - np.maximum(bb.y0, boxes[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


# --------------------------------------------------------------------------- placement

_DIRS8 = [
    (1, 1, "left", "bottom"),
    (1, -1, "left", "top"),
    (-1, 1, "right", "bottom"),
    (-1, -1, "right", "top"),
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
]


def _candidates(label: Label):
    """``(anchor, dx, dy, ha, va, cost)`` to try, best first; offsets in points."""
    anchor = (label.x, label.y)
    if label.mode == "centre":
        for i, xy in enumerate([anchor, *label.alts]):
            yield xy, 0.0, 0.0, "center", "center", float(i)
        return
    radii = (
        (16, 24, 34, 46)
        if label.mode == "leader"
        else (label.gap, label.gap * 2.2, label.gap * 3.6, label.gap * 5.4)
    )
    for ring, r in enumerate(radii):
        for ux, uy, ha, va in _DIRS8:
            k = 0.75 if ux and uy else 1.0
            yield anchor, ux * r * k, uy * r * k, ha, va, 12.0 * ring


@dataclass(frozen=True)
class _Spot:
    """A candidate place of a label: its rank key, anchor, offset (points), alignment, box."""

    key: tuple
    xy: tuple[float, float]
    dx: float
    dy: float
    ha: str
    va: str
    bb: Bbox


class _Placer:
    """Greedy placement state: the boxes taken so far, in display pixels."""

    def __init__(self, ax, obstacles: list[Bbox], lines: np.ndarray, n_labels: int):
        self.ax = ax
        self.fig = ax.figure
        self.renderer = renderer(self.fig)
        self.axbox = ax.get_window_extent(self.renderer)
        self.lines = lines
        self.px_per_pt = self.fig.dpi / 72.0
        self.probe = Text(0, 0, "", figure=self.fig)
        self.placed: list[Bbox] = list(obstacles)
        self.boxes = np.zeros((len(self.placed) + n_labels, 4))
        for i, o in enumerate(self.placed):
            self.boxes[i] = (o.x0, o.y0, o.x1, o.y1)
        self.n_boxes = len(self.placed)
        self.xlim, self.ylim = sorted(ax.get_xlim()), sorted(ax.get_ylim())

    def place(self, lab: Label) -> None:
        """Draw ``lab`` at its best free spot, or drop it (unless required)."""
        if not (self.xlim[0] <= lab.x <= self.xlim[1] and self.ylim[0] <= lab.y <= self.ylim[1]):
            return
        best = self._best_spot(lab)
        if best is None:
            return
        if best.key[0] > 0 and not lab.required:
            log.debug("label %r dropped: no free place", lab.text)
            return
        self._annotate(lab, best)
        self.placed.append(best.bb)
        self.boxes[self.n_boxes] = (best.bb.x0, best.bb.y0, best.bb.x1, best.bb.y1)
        self.n_boxes += 1

    def _best_spot(self, lab: Label) -> _Spot | None:
        """Pick the candidate of least overlap, then fewest lines covered, then least cost."""
        probe, axbox, ppt = self.probe, self.axbox, self.px_per_pt
        probe.set_text(lab.text)
        probe.set_fontsize(lab.size)
        probe.set_fontweight(lab.weight)
        probe.set_fontstyle(lab.style)
        best = None
        for i, (xy, dx, dy, ha, va, cost) in enumerate(_candidates(lab)):
            anchor = self.ax.transData.transform(xy)
            probe.set_position((anchor[0] + dx * ppt, anchor[1] + dy * ppt))
            probe.set_ha(ha)
            probe.set_va(va)
            bb = probe.get_window_extent(self.renderer).padded(1.5 * ppt)
            inside = (
                axbox.x0 <= bb.x0 and bb.x1 <= axbox.x1 and axbox.y0 <= bb.y0 and bb.y1 <= axbox.y1
            )
            hard = _overlap_total(bb, self.boxes[: self.n_boxes]) + (0.0 if inside else 1e9)
            soft = count_inside(self.lines, bb)
            if lab.mode == "centre":
                hard += soft * 1e6
                soft = 0
            key = (hard, soft + cost, i)
            if best is None or key < best.key:
                best = _Spot(key, xy, dx, dy, ha, va, bb)
            if hard == 0 and soft == 0:
                break
        return best

    def _annotate(self, lab: Label, spot: _Spot) -> None:
        far = lab.mode == "leader" or math.hypot(spot.dx, spot.dy) > 9
        self.ax.annotate(
            lab.text,
            spot.xy,
            xytext=(spot.dx, spot.dy),
            textcoords="offset points",
            ha=spot.ha,
            va=spot.va,
            fontsize=lab.size,
            color=lab.color,
            fontweight=lab.weight,
            fontstyle=lab.style,
            zorder=lab.zorder,
            path_effects=halo(2.6, lab.halo),
            arrowprops=(
                dict(arrowstyle="-", color="#555555", lw=0.6, shrinkA=1, shrinkB=2)
                if far and lab.mode != "centre"
                else None
            ),
        )


def place_labels(
    ax,
    labels: Sequence[Label],
    obstacles: list[Bbox] | None = None,
    line_points: np.ndarray | None = None,
) -> list[Bbox]:
    """Greedy label placement; returns the boxes taken (obstacles included).

    Labels are placed in the given order, so put the important ones first. Each
    tries its candidate offsets and takes the first that overlaps no placed
    label or obstacle and stays inside the axes, preferring one that covers
    no line. A label that fits nowhere is dropped unless ``required``, in
    which case it goes where it overlaps least. Country-name labels
    (``mode="centre"``) never cover a line.

    Parameters
    ----------
    ax
        The map axes, laid out (limits set).
    labels
        The labels, most important first.
    obstacles
        Boxes to keep free, display pixels.
    line_points
        Points along the drawn lines, shape ``(n, 2)`` in display pixels
        (:func:`line_samples`).

    Returns
    -------
    list of matplotlib.transforms.Bbox
        ``obstacles`` and the boxes of the placed labels, display pixels.
    """
    lines = np.zeros((0, 2)) if line_points is None else line_points
    placer = _Placer(ax, list(obstacles or []), lines, len(labels))
    for lab in labels:
        text = legible(lab.text)
        if text:  # a name with no glyph of the map font is not drawn as empty boxes
            placer.place(lab if text == lab.text else replace(lab, text=text))
    return placer.placed


# --------------------------------------------------------------------------- country names


def _points_inside(geom, near, *, step: float, limit: int = 300) -> tuple[tuple[float, float], ...]:
    """Grid points well inside ``geom``, nearest to ``near`` first (alternative label spots)."""
    import shapely

    core = geom.simplify(step / 2).buffer(-1.5 * step)
    if core.is_empty:
        core = geom
    bx0, by0, bx1, by1 = core.bounds
    fine = step / 2
    gx, gy = np.meshgrid(np.arange(bx0, bx1 + fine, fine), np.arange(by0, by1 + fine, fine))
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains(core, pts)
    xy = np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
    if len(xy) == 0:
        return ()
    order = np.argsort(np.hypot(xy[:, 0] - near.x, xy[:, 1] - near.y))
    return tuple((float(a), float(b)) for a, b in xy[order[:limit]])


def country_labels(countries, extent: Extent, focus: Iterable[str] = ()) -> tuple[list, list]:
    """Country names at Natural Earth's label points, or inside their visible part.

    Parameters
    ----------
    countries
        Projected outlines (:func:`~corridors.viz.cartography.projected_countries`).
    extent
        ``(x0, x1, y0, y1)`` of the view, metres.
    focus
        ISO A2 codes of the countries to name even when small.

    Returns
    -------
    (list of Label, list of Label)
        The labels of the ``focus`` countries and of the others, each list
        biggest country first.
    """
    from shapely.geometry import Point, box
    from shapely.ops import polylabel

    focus = set(focus)
    x0, x1, y0, y1 = extent
    view = box(x0, y0, x1, y1)
    inner = view.buffer(-0.03 * (x1 - x0))
    area = view.area
    tr = transformer()
    mine, others = [], []
    for _, row in countries.iterrows():
        is_focus = row["ISO_A2"] in focus
        least = (0.0006 if is_focus else 0.003) * area
        part = row.geometry.intersection(inner)
        if part.is_empty or part.area < least:
            continue
        lx, ly = tr.transform(row["label_lon"], row["label_lat"])
        pt = Point(lx, ly)
        if not part.contains(pt):
            biggest = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
            if biggest.geom_type != "Polygon" or biggest.area < least:
                continue
            pt = polylabel(biggest, tolerance=0.002 * (x1 - x0))
        share = part.area / area
        size = 9.0 if share > 0.08 else 8.0 if share > 0.02 else 6.8 if share > 0.004 else 6.2
        step = min((x1 - x0) / 40, math.sqrt(part.area) / 8)
        (mine if is_focus else others).append(
            Label(
                pt.x,
                pt.y,
                str(row["name"]).upper(),
                color="#8d8779",
                size=size,
                zorder=2.5,
                mode="centre",
                halo=LAND,
                alts=_points_inside(part, pt, step=step),
            )
        )
    # big countries first: they matter most for orientation
    mine.sort(key=lambda lab: -lab.size)
    others.sort(key=lambda lab: -lab.size)
    return mine, others
