"""Check a printed brief as a reader sees it: page count, pages left half empty, figures too small, text off the page.

The checks read the PDF with poppler's tools (``pdftoppm`` renders each page
to a picture, ``pdftotext -bbox`` gives every word's box, ``pdfimages -list``
each figure's printed resolution), so they judge the pages as printed, not the
HTML they came from. ``corridors brief`` runs them on the PDF it writes and
logs what it finds; the tests assert that the shipped layout passes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from corridors.viz import SAVE_DPI

__all__ = ["MIN_FIGURE_SCALE", "MIN_PAGE_FILL", "LayoutReport", "check_pdf", "have_poppler"]

#: A page other than the last must be at least this full (ink from the top margin down, share of the text height).
MIN_PAGE_FILL = 0.5
#: A figure must print at least at this share of the size it was drawn at, so that its 7.5 pt labels stay >= 6 pt.
MIN_FIGURE_SCALE = 0.8
#: Print margins of the brief's style sheet (``@page``), points: top, right, bottom, left.
MARGINS_PT = (14 / 25.4 * 72, 13 / 25.4 * 72, 16 / 25.4 * 72, 13 / 25.4 * 72)
#: Resolution the pages are rendered at to measure how full they are, dots per inch.
FILL_DPI = 36

_TOOLS = ("pdfinfo", "pdftoppm", "pdftotext", "pdfimages")


def have_poppler() -> bool:
    """Tell whether poppler's ``pdfinfo``, ``pdftoppm``, ``pdftotext`` and ``pdfimages`` are on ``PATH``."""
    return all(shutil.which(t) for t in _TOOLS)


@dataclass(frozen=True)
class LayoutReport:
    """What the checks found in one PDF.

    Attributes
    ----------
    pages
        Number of pages.
    fill
        Per page, how far down its ink reaches, as a share of the text height (0-1).
    figure_scale
        Per figure, in order, the printed size over the drawn size (1: as drawn at :data:`SAVE_DPI`).
    problems
        One sentence per problem found (empty when the layout passes).
    """

    pages: int
    fill: tuple[float, ...]
    figure_scale: tuple[float, ...]
    problems: tuple[str, ...] = field(default=())


def _run(args: list[str]) -> str:
    """Run a poppler tool and return its output (``CalledProcessError`` when it fails)."""
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


def _page_fill(pdf: Path, n_pages: int) -> list[float]:
    """Render every page in grey and measure how far down its non-white pixels reach."""
    import numpy as np

    fills = []
    with tempfile.TemporaryDirectory(prefix="corridors-pages-") as tmp:
        _run(["pdftoppm", "-gray", "-r", str(FILL_DPI), str(pdf), str(Path(tmp) / "p")])
        for png in sorted(Path(tmp).glob("p-*.pgm")):
            img = _read_pgm(png)
            h = img.shape[0]
            top = round(MARGINS_PT[0] / 72 * FILL_DPI)
            bottom = h - round(MARGINS_PT[2] / 72 * FILL_DPI)
            ink = np.nonzero((img[top:bottom] < 200).any(axis=1))[0]
            fills.append(0.0 if len(ink) == 0 else float((ink[-1] + 1) / max(bottom - top, 1)))
    return fills[:n_pages]


def _read_pgm(path: Path):
    """Read a binary PGM (P5) picture as a 2-D array of grey levels."""
    import numpy as np

    data = path.read_bytes()
    head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if head is None:
        raise ValueError(f"{path}: not a binary PGM picture")
    w, h = int(head.group(1)), int(head.group(2))
    return np.frombuffer(data[head.end():head.end() + w * h], dtype=np.uint8).reshape(h, w)


def _figure_scales(pdf: Path) -> list[float]:
    """Return each image's printed size over its drawn size, from its printed pixels per inch."""
    scales = []
    for line in _run(["pdfimages", "-list", str(pdf)]).splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 14 and cols[2] == "image":
            x_ppi = float(cols[12])
            scales.append(SAVE_DPI / x_ppi if x_ppi > 0 else 0.0)
    return scales


def _words_off_page(pdf: Path) -> list[str]:
    """Return the words whose box leaves the page's printable area (margins less a point of slack)."""
    box = _run(["pdftotext", "-bbox", str(pdf), "-"])
    out = []
    for page, m in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', box, re.S),
                             start=1):
        w, h = float(m.group(1)), float(m.group(2))
        top, right, bottom, left = (x - 1 for x in MARGINS_PT)
        for word in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)',
                                m.group(3)):
            x0, y0, x1, y1 = map(float, word.groups()[:4])
            if x0 < left or x1 > w - right or y0 < top or y1 > h - bottom + 12:  # the footer line sits low
                out.append(f"page {page}: '{word.group(5)}'")
    return out


def check_pdf(pdf: str | Path, *, pages: tuple[int, int] | None = None) -> LayoutReport:
    """Check the layout of a printed brief.

    Parameters
    ----------
    pdf
        The brief's PDF (A4, printed by :func:`~corridors.brief.write.print_pdf`).
    pages
        The accepted page count ``(least, most)``; ``None`` accepts any.

    Returns
    -------
    LayoutReport
        Page count, page fill and figure scales, and a sentence per problem:
        a page count outside ``pages``; a page other than the last filled less
        than :data:`MIN_PAGE_FILL`; a figure printed below :data:`MIN_FIGURE_SCALE`
        of its drawn size; a word outside the printable area.

    Raises
    ------
    FileNotFoundError
        Poppler's tools are not installed (see :func:`have_poppler`).
    subprocess.CalledProcessError
        A tool failed on the file (not a PDF).
    """
    if not have_poppler():
        raise FileNotFoundError("poppler-utils (pdfinfo, pdftoppm, pdftotext, pdfimages) is not installed")
    pdf = Path(pdf)
    n = int(re.search(r"Pages:\s+(\d+)", _run(["pdfinfo", str(pdf)])).group(1))
    fill = _page_fill(pdf, n)
    scales = _figure_scales(pdf)
    problems = []
    if pages and not pages[0] <= n <= pages[1]:
        problems.append(f"{n} pages, expected {pages[0]} to {pages[1]}")
    problems += [f"page {i} is only {f:.0%} full (at least {MIN_PAGE_FILL:.0%} expected before the last page)"
                 for i, f in enumerate(fill[:-1], start=1) if f < MIN_PAGE_FILL]
    problems += [f"figure {i} prints at {s:.0%} of its drawn size (at least {MIN_FIGURE_SCALE:.0%}: its labels "
                 "would be too small to read)" for i, s in enumerate(scales, start=1) if s < MIN_FIGURE_SCALE]
    off = _words_off_page(pdf)
    if off:
        problems.append(f"{len(off)} words outside the printable area, first {', '.join(off[:3])}")
    return LayoutReport(n, tuple(fill), tuple(scales), tuple(problems))
