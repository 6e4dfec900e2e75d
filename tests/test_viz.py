"""Maps and charts: headless, on a tiny synthetic network, outlines from package data."""

from __future__ import annotations

import socket
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from corridors import viz  # noqa: E402
from corridors.network import BorderCrossing, FerryLink, Network, Node, RailSection  # noqa: E402


# --------------------------------------------------------------------------- fixtures


def _node(i, name, country, node_type, gauge, lon, lat, region=None):
    return Node(
        id=i,
        name=name,
        country=country,
        node_type=node_type,
        gauge_mm=gauge,
        lon=lon,
        lat=lat,
        region=region,
        source="test",
    )


def _rail(i, a, b, km, *, tracks=1, status="existing", coords=()):
    extra = {"loop_spacing_km": 15.0} if tracks == 1 else {"headway_min": 10.0}
    return RailSection(
        id=i,
        name=f"{a}–{b}",
        from_node=a,
        to_node=b,
        length_km=km,
        status=status,
        opening_year=2000,
        source="test",
        country="KZ",
        tracks=tracks,
        speed_kmh=60,
        electrified=False,
        gauge_mm=1520,
        coords=coords,
        **extra,
    )


@pytest.fixture
def net() -> Network:
    """Five nodes: a China gateway, a gauge-change border, two ports, a Caspian ferry.

    The rail sections have no geometry of their own (drawn between node points),
    except one, to cover both cases.
    """
    nodes = [
        _node("cn", "Alashankou", "CN", "border_station", 1435, 82.57, 45.17, region="China"),
        _node("kz", "Dostyk", "KZ", "border_station", 1520, 82.49, 45.25),
        _node("hub", "Aktogay", "KZ", "junction", 1520, 79.98, 46.95),
        _node("aktau", "Aktau port", "KZ", "port", 1520, 51.2, 43.6),
        _node("alat", "Alat port", "AZ", "port", 1520, 49.42, 39.94, region="Europe"),
    ]
    links = [
        BorderCrossing(
            id="b1",
            name="Dostyk border",
            from_node="cn",
            to_node="kz",
            length_km=12,
            status="existing",
            opening_year=1990,
            source="test",
            countries="CN-KZ",
            gauge_change=True,
            handling_tracks=4,
            dwell_h=10,
            dwell_cv=0.5,
            handling_trains_per_day=20,
        ),
        _rail(
            "r1", "kz", "hub", 310, tracks=2, coords=((82.49, 45.25), (81.5, 46.2), (79.98, 46.95))
        ),
        _rail("r2", "hub", "aktau", 2500, status="planned"),
        FerryLink(
            id="f1",
            name="Aktau–Alat ferry",
            from_node="aktau",
            to_node="alat",
            length_km=470,
            status="existing",
            opening_year=2000,
            source="test",
            crossing_h=18,
            vessels=5,
            wagons_per_vessel=50,
            port_handling_h=6,
            max_wait_h=48,
            weather_downtime_share=0.1,
        ),
    ]
    return Network(
        name="tiny",
        version="1",
        as_of="2024",
        nodes={n.id: n for n in nodes},
        links={link.id: link for link in links},
    )


@pytest.fixture
def alt(net) -> Network:
    """The same network with one new line (only in the alternative)."""
    links = dict(net.links)
    links["r3"] = _rail("r3", "hub", "alat", 3000, status="under_construction")
    return net.with_links(links)


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg is not None else []


def _all_texts(fig) -> str:
    return (
        "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
        + "\n"
        + "\n".join(t.get_text() for t in fig.texts)
    )


# --------------------------------------------------------------------------- outlines


def test_outlines_load_offline_from_package_data(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_countries tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    gdf = viz.load_countries()
    assert gdf.crs.to_epsg() == 4326
    assert {"name", "ISO_A2", "ISO_A3", "geometry"} <= set(gdf.columns)
    codes = set(gdf["ISO_A2"].dropna())
    assert {"KZ", "UZ", "TM", "KG", "TJ", "CN", "RU", "AZ", "GE", "PL", "PK", "IR"} <= codes
    lon0, lat0, lon1, lat1 = gdf.total_bounds
    assert lon0 <= 20 and lon1 >= 112 and lat0 <= 28 and lat1 >= 60


# --------------------------------------------------------------------------- maps


def test_plot_network(net):
    fig, ax = viz.plot_network(net, title="Tiny network")
    assert isinstance(fig, Figure)
    assert ax.get_title(loc="left") == "Tiny network"
    legend = _legend_texts(ax)
    for entry in (
        "Double track",
        "Line planned",
        "Rail ferry (Caspian)",
        "Border crossing, gauge change",
        "Port",
        "Gateway to China",
        "Gateway to Europe",
    ):
        assert entry in legend
    # projected metres, not degrees
    assert max(abs(v) for v in ax.get_xlim()) > 1e4
    texts = _all_texts(fig)
    assert "Alashankou \u2192 China" in texts
    assert "KAZAKHSTAN" in texts


def test_plot_network_into_given_axes(net):
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    out_fig, out_ax = viz.plot_network(net, ax=ax)
    assert out_fig is fig and out_ax is ax


def test_plot_utilisation(net):
    util = {"r1": 0.95, "b1": 1.2, "f1": 0.3}
    fig, ax = viz.plot_utilisation(net, util, labels={"b1": "Dostyk 120 %", "nope": "ignored"})
    assert "Dostyk 120 %" in _all_texts(fig)
    assert "ignored" not in _all_texts(fig)
    valued = [c for c in ax.collections if c.get_array() is not None]
    assert valued
    r, g, b, _ = valued[0].cmap(valued[0].norm(0.95))
    assert r > 0.7 and g < 0.25 and b < 0.25  # above 90 %: red
    assert len(fig.axes) == 2  # map and colour bar


def test_plot_capacity_pair_same_norm_and_extent(net, alt):
    base = {"r1": 12.0, "b1": 20.0, "f1": 4.0}
    new = {"r1": 40.0, "b1": 30.0, "f1": 4.0, "r3": 10.0}
    fig, axes = viz.plot_capacity_pair(net, alt, base, new, titles=("Before", "After"))
    assert len(axes) == 2
    assert axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].get_ylim() == axes[1].get_ylim()
    scales = {
        (c.norm.vmin, c.norm.vmax)
        for ax in axes
        for c in ax.collections
        if c.get_array() is not None
    }
    assert len(scales) == 1
    ((vmin, vmax),) = scales
    assert vmin <= 4.0 and vmax >= 40.0
    assert [ax.get_title(loc="left") for ax in axes] == ["Before", "After"]


def test_plot_capacity_change(net, alt):
    base = {"r1": 12.0, "b1": 20.0, "f1": 4.0}
    new = {"r1": 40.0, "b1": 15.0, "f1": 4.0, "r3": 10.0}
    arrows = {
        "China": {"label": "China: 30 \u2192 45 Mt/yr", "at": "cn"},
        "Europe": {"label": "Europe: 10 \u2192 12 Mt/yr", "at": "alat"},
    }
    fig, ax = viz.plot_capacity_change(
        net, alt, base, new, bottlenecks=["b1"], region_arrows=arrows, title="Change"
    )
    legend = _legend_texts(ax)
    assert any(t.startswith("New line") for t in legend)
    assert "Limiting element (named)" in legend
    texts = _all_texts(fig)
    assert "Dostyk border" in texts
    assert "China: 30 \u2192 45 Mt/yr" in texts and "Europe: 10 \u2192 12 Mt/yr" in texts
    valued = [c for c in ax.collections if c.get_array() is not None]
    assert valued and all(np.isclose(c.norm(0.0), 0.5) for c in valued)  # diverging, centred on 0


def test_plot_region_bars():
    rows = [
        {"region": "Europe", "direction": "outbound", "before": 4.0, "after": 5.5},
        {"region": "China", "direction": "inbound", "before": 30.0, "after": 45.0},
        {"region": "China", "direction": "outbound", "before": 10.0, "after": 12.0},
    ]
    fig, ax = viz.plot_region_bars(rows, title="Volumes")
    assert len(ax.patches) == 2 * len(rows)
    labels = [t.get_text() for t in ax.texts]
    assert "45.0" in labels and "30.0" in labels
    assert ax.get_title(loc="left") == "Volumes"


def test_maps_without_values_or_labels(net):
    fig, axes = viz.plot_capacity_pair(net, net, {}, {})
    assert len(axes) == 2
    fig, ax = viz.plot_utilisation(net, {})
    assert isinstance(fig, Figure)


# --------------------------------------------------------------------------- saving


def test_save_figure_png_and_svg(net, tmp_path):
    fig, _ = viz.plot_region_bars(
        [{"region": "China", "direction": "inbound", "before": 1, "after": 2}]
    )
    written = viz.save_figure(fig, tmp_path / "out" / "bars", formats=("png", "svg"))
    png, svg = tmp_path / "out" / "bars.png", tmp_path / "out" / "bars.svg"
    assert written == [png, svg]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_mode & 0o044 == 0o044  # readable by others, not a private temp file
    assert b"<svg" in svg.read_bytes()[:2000]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "bars.png",
        "bars.svg",
    ]  # no temp files


def test_save_figure_by_suffix_closes_pyplot_figure(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    viz.save_figure(fig, tmp_path / "a.svg")
    assert (tmp_path / "a.svg").stat().st_size > 0
    assert not plt.fignum_exists(fig.number)


def test_save_figure_failure_leaves_nothing(tmp_path):
    fig, _ = viz.plot_region_bars(
        [{"region": "China", "direction": "inbound", "before": 1, "after": 2}]
    )
    with pytest.raises(ValueError):
        viz.save_figure(fig, tmp_path / "x.notaformat")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- package


def test_viz_is_a_leaf():
    """No stage upstream of the reports imports the drawing package."""
    code = (
        "import sys, corridors.network, corridors.scenario, corridors.simulation, "
        "corridors.results, corridors.bound, corridors.search, corridors.comparison; "
        "bad = [m for m in sys.modules if m.startswith('corridors.viz')]; print(bad); "
        "sys.exit(bool(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
