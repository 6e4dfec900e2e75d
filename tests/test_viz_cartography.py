"""The capacity maps as a cartographer checks them: frame, names, scales with units, glyphs, no overlapping labels.

Drawn from the shipped scenarios and the shipped comparison (``docs/results-data``), headless.
"""

from __future__ import annotations

import json
import warnings
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from corridors import viz  # noqa: E402
from corridors.comparison import ComparisonDoc  # noqa: E402
from corridors.figures import BRIEF_MAP_SIZE_IN, limiting_notes, link_capacity_values  # noqa: E402
from corridors.scenario import load_scenario  # noqa: E402
from corridors.viz.capacity_maps import NEW_LINE  # noqa: E402
from corridors.viz.cartography import transformer  # noqa: E402
from corridors.viz.figure import renderer  # noqa: E402
from corridors.viz.fonts import legible, missing_glyphs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMPARISON = ROOT / "docs" / "results-data" / "compare-baseline-2023-vs-buildout-1300km" / "comparison.json"


@pytest.fixture(scope="module")
def shipped():
    """Base and alternative RunSpecs of the shipped comparison, their capacities and its document."""
    base = load_scenario(ROOT / "scenarios" / "baseline-2023.yaml")
    alt = load_scenario(ROOT / "scenarios" / "buildout-1300km.yaml")
    doc = ComparisonDoc.from_dict(json.loads(COMPARISON.read_text(encoding="utf-8")))
    return base, alt, link_capacity_values(base), link_capacity_values(alt), doc


def _change_map(shipped):
    base, alt, bv, av, doc = shipped
    arrows = {"China": {"label": "to China: 16 \u2192 26 Mt/yr", "at": "tacheng"},
              "Europe": {"label": "to Europe: 7 \u2192 7 Mt/yr", "at": "malaszewicze"}}
    return viz.plot_capacity_change(base.network, alt.network, bv, av, bottlenecks=limiting_notes(doc, "after"),
                                    region_arrows=arrows, title="Change", size_in=BRIEF_MAP_SIZE_IN)


def _pair_map(shipped):
    base, alt, bv, av, doc = shipped
    return viz.plot_capacity_pair(base.network, alt.network, bv, av,
                                  bottlenecks=(limiting_notes(doc, "before"), limiting_notes(doc, "after")))


def _xy(lon, lat):
    return transformer().transform(lon, lat)


def _inside(ax, lon, lat) -> bool:
    x, y = _xy(lon, lat)
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    return x0 <= x <= x1 and y0 <= y <= y1


# --------------------------------------------------------------------------- frame


@pytest.mark.parametrize("draw", [_change_map, _pair_map], ids=["change", "pair"])
def test_framed_on_the_network_not_on_its_far_arms(shipped, draw):
    fig, axes = draw(shipped)
    net = shipped[1].network
    for ax in np.atleast_1d(axes):
        for nid in ("alat_port", "aktau_port", "turkmenbashi_port", "urumqi", "turpan", "petukhovo", "isilkul",
                    "lokot", "peshawar", "gorgan", "mazar_i_sharif", "kashgar"):
            assert _inside(ax, net.nodes[nid].lon, net.nodes[nid].lat), nid
        for nid in ("brest", "minsk", "xian", "lanzhou"):  # the arms toward Europe and China run off the frame
            assert not _inside(ax, net.nodes[nid].lon, net.nodes[nid].lat), nid


def test_core_points_keep_a_small_network_whole():
    pts = np.array([[0.0, 0.0], [1e6, 0.0], [5e6, 5e6]])
    assert len(viz.cartography.core_points(pts)) == 3


# --------------------------------------------------------------------------- names and labels


def _is_colourbar(ax) -> bool:
    return getattr(ax, "_colorbar", None) is not None


def _text_boxes(fig):
    """Window boxes of every visible, non-empty text drawn on the figure's map axes and the figure."""
    fig.draw_without_rendering()
    rend = renderer(fig)
    out = []
    for ax in fig.axes:
        if _is_colourbar(ax):
            continue
        for t in ax.texts:
            if t.get_visible() and t.get_text().strip():
                # the text's own box: an annotation's box would also hold its leader line
                out.append((t.get_text(), Text.get_window_extent(t, rend)))
    return out


@pytest.mark.parametrize("draw", [_change_map, _pair_map], ids=["change", "pair"])
def test_no_two_labels_overlap(shipped, draw):
    fig, _ = draw(shipped)
    boxes = _text_boxes(fig)
    assert len(boxes) > 30  # place, country and limiting-element names are there
    clashes = [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2)
               if ba.overlaps(bb) and min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > 0.5
               and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > 0.5]
    assert not clashes


@pytest.mark.parametrize("draw", [_change_map, _pair_map], ids=["change", "pair"])
def test_places_countries_and_limiting_elements_are_named(shipped, draw):
    fig, _ = draw(shipped)
    texts = "\n".join(t for t, _ in _text_boxes(fig))
    for name in ("KAZAKHSTAN", "UZBEKISTAN", "CHINA", "Almaty-1", "Tashkent", "Altynkol \u2013 Khorgos",
                 "limits to China, from China"):
        assert name in texts, name
    assert "No value" not in texts


# --------------------------------------------------------------------------- scales


def _colourbar_labels(fig) -> list[str]:
    return [ax.get_xlabel() or ax.get_ylabel() for ax in fig.axes if _is_colourbar(ax)]


def test_change_map_scale_has_a_unit_and_new_lines_are_off_it(shipped):
    fig, ax = _change_map(shipped)
    (label,) = _colourbar_labels(fig)
    assert "trains/day" in label
    cmap = next(c.cmap for c in ax.collections if c.get_array() is not None)
    assert cmap.name == "PuOr"  # diverging, colour-blind safe
    scale = cmap(np.linspace(0, 1, 256))[:, :3]
    assert np.min(np.linalg.norm(scale - np.array(mcolors.to_rgb(NEW_LINE)), axis=1)) > 0.25
    assert any(t.startswith("New line") for t in [x.get_text() for x in ax.get_legend().get_texts()])


def test_pair_has_separate_scales_for_lines_and_for_crossings(shipped):
    fig, axes = _pair_map(shipped)
    labels = _colourbar_labels(fig)
    assert len(labels) == 2 and all("trains/day" in lab for lab in labels)
    assert any("crossing" in lab.lower() and "ferry" in lab.lower() for lab in labels)
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "No value" not in legend and "Limiting element (named)" in legend


# --------------------------------------------------------------------------- glyphs


def test_every_shipped_name_is_in_the_map_font(shipped):
    names = {n.name for s in shipped[:2] for n in s.network.nodes.values()}
    names |= {lk.name for s in shipped[:2] for lk in s.network.links.values()}
    names |= set(map(str, viz.load_countries()["name"]))
    assert {n: missing_glyphs(n) for n in names if missing_glyphs(n)} == {}


def test_legible_keeps_what_the_font_draws():
    assert legible("Khorgos (CN)") == "Khorgos (CN)"
    assert legible("Khorgos (\u970d\u5c14\u679c\u65af)") == "Khorgos"
    assert legible("\u970d\u5c14\u679c\u65af", fallback="khorgos") == "khorgos"


def test_maps_of_a_network_with_chinese_names_raise_no_glyph_warning(shipped):
    base, alt, bv, av, doc = shipped
    nodes = dict(alt.network.nodes)
    # the local name after a slash or a space: a bracketed note would be shortened away before drawing
    for nid, local in (("khorgos", " / \u970d\u5c14\u679c\u65af"), ("urumqi", " \u4e4c\u9c81\u6728\u9f50")):
        nodes[nid] = nodes[nid].model_copy(update={"name": nodes[nid].name + local})
    net = alt.network.with_links(dict(alt.network.links), nodes=nodes)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        for fig in (viz.plot_capacity_change(base.network, net, bv, av)[0],
                    viz.plot_capacity_pair(base.network, net, bv, av)[0],
                    viz.plot_utilisation(net, {k: 0.5 for k in net.links})[0]):
            fig.canvas.draw()
            assert "Urumqi" in "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


# --------------------------------------------------------------------------- directions


def test_bars_say_to_and_from_like_the_tables():
    rows = [{"region": "China", "direction": "inbound", "before": 1, "after": 2},
            {"region": "China", "direction": "outbound", "before": 1, "after": 2}]
    _, ax = viz.plot_region_bars(rows)
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert ticks == ["to China", "from China"]
