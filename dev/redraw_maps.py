"""Redraw a comparison folder's maps and bar chart from its files, without running anything.

Usage (from the project folder)::

    python dev/redraw_maps.py outputs/compare-baseline-2023-vs-buildout-1300km [OUT]

Reads ``comparison.json`` of the folder and the two scenarios named in it (``scenarios/<name>.yaml``), and
writes ``capacity-before-after``, ``capacity-change`` and ``capacity-bars`` (``.png`` and ``.svg``) to ``OUT``
(default: the folder itself), as ``corridors compare`` does. Any "Glyph ... missing" warning is an error.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from corridors.comparison import ComparisonDoc
from corridors.figures import draw_compare_maps
from corridors.scenario import load_scenario


def main(argv: list[str]) -> int:
    """Redraw the maps of the folder ``argv[0]`` into ``argv[1]`` (or the folder); returns the exit code."""
    if not argv:
        print(__doc__)
        return 2
    folder = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else folder
    doc = ComparisonDoc.from_dict(json.loads((folder / "comparison.json").read_text(encoding="utf-8")))
    base, alt = (load_scenario(Path("scenarios") / f"{name}.yaml") for name in (doc.base, doc.alt))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        for name in draw_compare_maps(base, alt, doc, out):
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
