"""The printed brief's layout checks (:mod:`corridors.brief.layout`): each rule fails on a page made to break it.

Pages are printed by Debian's headless Chromium and read back with poppler; the
tests skip, with the reason, where either is missing. The shipped brief's own
layout is asserted in ``test_brief.py``.
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import pytest

from corridors.brief.layout import MIN_FIGURE_SCALE, MIN_PAGE_FILL, check_pdf, have_poppler
from corridors.brief.render import CSS
from corridors.brief.write import print_pdf
from corridors.viz import SAVE_DPI

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not have_poppler(), reason="poppler-utils (pdftoppm, pdftotext, pdfimages) not installed"),
]

PARA = "<p>" + "A line of text that fills the page as a brief would. " * 12 + "</p>"


def _png(width_px: int, height_px: int) -> str:
    """A PNG of this many pixels, saved at the figures' resolution, as a data URI."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / SAVE_DPI, height_px / SAVE_DPI))
    fig.text(0.5, 0.5, "label", ha="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=SAVE_DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _print(tmp_path: Path, body: str) -> Path:
    html = tmp_path / "page.html"
    html.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{CSS}</style></head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    pdf = tmp_path / "page.pdf"
    print_pdf(html, pdf, browser=CHROMIUM)
    return pdf


def test_full_pages_and_a_figure_at_its_size_pass(tmp_path):
    # 1,200 px drawn at 200 dpi is 6 in wide: it prints at its size on the 7.2 in text width.
    pdf = _print(tmp_path, PARA * 12 + f'<img src="{_png(1200, 600)}" style="width: 6in">' + PARA * 3)
    report = check_pdf(pdf, pages=(1, 3))
    assert report.problems == (), report
    assert report.figure_scale and abs(report.figure_scale[0] - 1.0) < 0.02
    assert all(f >= MIN_PAGE_FILL for f in report.fill[:-1])


def test_a_page_left_half_empty_is_reported(tmp_path):
    pdf = _print(tmp_path, PARA + '<h2 class="page">Next</h2>' + PARA * 14)
    report = check_pdf(pdf)
    assert report.fill[0] < MIN_PAGE_FILL
    assert any(p.startswith("page 1 is only") for p in report.problems), report.problems


def test_a_figure_shrunk_below_a_readable_size_is_reported(tmp_path):
    # 2,400 px drawn at 200 dpi (12 in) printed 4 in wide: a third of its size.
    pdf = _print(tmp_path, PARA * 2 + f'<img src="{_png(2400, 800)}" style="width: 4in">')
    report = check_pdf(pdf)
    assert report.figure_scale[0] < MIN_FIGURE_SCALE
    assert any(p.startswith("figure 1 prints at 3") for p in report.problems), report.problems


def test_text_outside_the_page_and_a_wrong_page_count_are_reported(tmp_path):
    pdf = _print(tmp_path, PARA * 14 + '<p style="margin-left: -30mm; white-space: nowrap">OUTSIDE the margin</p>')
    report = check_pdf(pdf, pages=(4, 6))
    assert any("outside the printable area" in p for p in report.problems), report.problems
    assert any(p.endswith("expected 4 to 6") for p in report.problems), report.problems
