"""Text that the map font can draw: glyph coverage of the font and a legible fallback for a name.

Matplotlib draws a character its font lacks as an empty box (and warns
"Glyph ... missing from font"). Rather than ship a multi-megabyte font for
scripts the shipped network does not use (its names are Latin: see
``tests/test_viz_cartography.py``), every map text passes through
:func:`legible`, which keeps what the font has: a name with a local-script
part in brackets (``Khorgos (霍尔果斯)``) keeps its Latin part, and a name with
nothing drawable left falls back to the caller's alternative (the id).
"""

from __future__ import annotations

import functools
import logging
import re

from matplotlib import font_manager, rcParams
from matplotlib.ft2font import FT2Font

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _charmap(family: str) -> frozenset[int]:
    """Code points of the font that matplotlib picks for ``family``."""
    path = font_manager.findfont(font_manager.FontProperties(family=[family]))
    return frozenset(FT2Font(path).get_charmap())


def font_codepoints() -> frozenset[int]:
    """Code points of the font maps are drawn in (the first of ``rcParams["font.sans-serif"]`` found).

    Returns
    -------
    frozenset of int
        Unicode code points with a glyph.
    """
    return _charmap(rcParams["font.family"][0] if rcParams["font.family"] else "sans-serif")


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` (other than white space) that the map font cannot draw, in order, once each."""
    have = font_codepoints()
    out: list[str] = []
    for ch in text:
        if not ch.isspace() and ord(ch) not in have and ch not in out:
            out.append(ch)
    return out


_BRACKETED = re.compile(r"\s*[(\[（][^()\[\]（）]*[)\]）]")


def legible(text: str, fallback: str | None = None) -> str:
    """Return ``text`` as the map font can draw it.

    Parameters
    ----------
    text
        A label (a node or link name, a country name, a title).
    fallback
        What to show when nothing drawable is left (for instance the id); by
        default the drawable characters of ``text``.

    Returns
    -------
    str
        ``text`` itself when the font has every glyph; else ``text`` without
        the bracketed parts that hold undrawable characters, and then without
        any undrawable character left; else ``fallback``. Each change is logged
        once per text.
    """
    if not missing_glyphs(text):
        return text
    out = _BRACKETED.sub(lambda m: "" if missing_glyphs(m.group(0)) else m.group(0), text)
    out = "".join(ch for ch in out if ch.isspace() or not missing_glyphs(ch))
    out = re.sub(r"\s{2,}", " ", out).strip(" -–/,")
    if not out and fallback is not None:
        out = legible(fallback)
    _log_once(text, out)
    return out


@functools.lru_cache(maxsize=1024)
def _log_once(text: str, shown: str) -> None:
    log.warning("label %r has characters the map font lacks; shown as %r", text, shown)
