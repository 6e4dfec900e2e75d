"""The network map (``corridors network --map``): every link by status and track count."""

from __future__ import annotations

from corridors import REGIONS
from corridors.network import BorderCrossing, FerryLink, Network, RailSection
from corridors.viz.cartography import ProjectedNetwork
from corridors.viz.figure import map_figure
from corridors.viz.furniture import close_map, credit, map_title, open_map
from corridors.viz.labels import Label, display_name
from corridors.viz.style import (
    BORDER_MARK,
    BOUNDARIES_CREDIT,
    FERRY_COLOUR,
    FERRY_DASHES,
    GAUGE_MARK,
    INK,
    JUNCTION_MARK,
    PORT_COLOUR,
    PORT_MARK,
    REGION_COLOURS,
    STATUS_LABEL,
    STATUS_STYLE,
    line_handle,
    marker_handle,
)


def plot_network(net: Network, *, title: str | None = None, ax=None):
    """Map of the network, for ``corridors network --map FILE``.

    Parameters
    ----------
    net
        The network; every link is drawn, whatever its status.
    title
        Figure title; by default the network's name and ``as_of`` date.
    ax
        Axes to draw into; by default a new A4-landscape figure.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    fig, ax = map_figure(ax)
    frame = open_map(ax, net, whole=True)
    geo = frame.geo
    handles = _draw_network_links(ax, net, geo)
    handles += _draw_network_nodes(ax, net, geo)
    majors = major_nodes(net)
    close_map(
        frame,
        handles=handles,
        labels=_node_labels(net, geo, majors),
        markers=[geo.nodes[n] for n in majors if n in geo.nodes],
        legend_kw=dict(title="Legend", title_fontsize=8),
    )
    map_title(ax, title or _default_title(net), color=INK)
    credit(
        fig,
        f"{BOUNDARIES_CREDIT} Projection: Lambert conformal conic (35\u00b0/55\u00b0N, 65\u00b0E). "
        f"Network: {net.name}{(' v' + net.version) if net.version else ''}"
        f"{(', as of ' + net.as_of) if net.as_of else ''}.",
    )
    return fig, ax


def pretty_name(net: Network) -> str:
    """``central-asia`` -> ``Central Asia``; a name with capitals is kept as it is."""
    name = net.name or "network"
    if name == name.lower():
        name = name.replace("-", " ").replace("_", " ").title()
    return name


def _default_title(net: Network) -> str:
    return f"Freight rail network: {pretty_name(net)}" + (
        f" (as of {net.as_of})" if net.as_of else ""
    )


# --------------------------------------------------------------------------- which nodes


def _degrees(net: Network) -> dict[str, int]:
    """Node id -> number of links that end there."""
    degree: dict[str, int] = {}
    for link in net.links.values():
        for n in link.ends:
            degree[n] = degree.get(n, 0) + 1
    return degree


def major_nodes(net: Network) -> list[str]:
    """Nodes worth a label: gateways, ports, hubs and junctions of three or more links."""
    degree = _degrees(net)
    out = []
    for node in net.nodes.values():
        if node.region is not None or node.node_type in ("port", "hub"):
            out.append(node.id)
        elif node.node_type == "junction" and degree.get(node.id, 0) >= 3:
            out.append(node.id)
    return out


def _label_order(net: Network, node_ids: list[str]) -> list[str]:
    """Gateways, then ports, then hubs, then junctions; best-connected first within each."""
    degree = _degrees(net)

    def key(nid):
        node = net.nodes[nid]
        rank = 0 if node.region is not None else 1 if node.node_type == "port" else 2
        return (rank, node.node_type != "hub", -degree.get(nid, 0), nid)

    return sorted(node_ids, key=key)


def _node_labels(net: Network, geo: ProjectedNetwork, majors: list[str]) -> list[Label]:
    """Gateways named with their region (required), ports in italics, then junctions."""
    out = []
    for nid in _label_order(net, majors):
        node = net.nodes[nid]
        if nid not in geo.nodes:
            continue
        x, y = geo.nodes[nid]
        if node.region is not None:
            text = f"{display_name(node.name)} \u2192 {node.region}"
            colour = REGION_COLOURS.get(node.region, "#222")
            out.append(Label(x, y, text, color=colour, size=8, weight="bold", required=True, gap=7))
        elif node.node_type == "port":
            out.append(Label(x, y, display_name(node.name), color=PORT_COLOUR, style="italic"))
        else:
            out.append(Label(x, y, display_name(node.name)))
    return out


# --------------------------------------------------------------------------- links


def _link_groups(net: Network, geo: ProjectedNetwork) -> dict[tuple, list]:
    """Group lines by how they are drawn: ``("ferry", status)`` or ``("rail", status, tracks)``."""
    groups: dict[tuple, list] = {}
    for link in net.links.values():
        if link.id not in geo.lines:
            continue
        if isinstance(link, FerryLink):
            key = ("ferry", link.status)
        else:
            tracks = link.tracks if isinstance(link, RailSection) else 1
            key = ("rail", link.status, tracks)
        groups.setdefault(key, []).append(geo.lines[link.id])
    return groups


def _draw_network_links(ax, net: Network, geo: ProjectedNetwork) -> list:
    """Rail lines by status and tracks, ferries dotted; returns their legend entries."""
    from matplotlib.collections import LineCollection

    groups = _link_groups(net, geo)
    present_status, tracks_seen = set(), set()
    for key, segs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        if key[0] == "ferry":
            style = dict(colors=FERRY_COLOUR, linewidths=1.6, linestyles=FERRY_DASHES)
            ax.add_collection(
                LineCollection(segs, zorder=3.2, capstyle="round", **style), autolim=False
            )
            continue
        _, status, tracks = key
        lw = 2.6 if tracks == 2 else 1.3
        if status == "existing":
            # white casing under double track so that it reads as a main line
            ax.add_collection(
                LineCollection(
                    segs, colors="white", linewidths=lw + 1.4, zorder=3, capstyle="round"
                ),
                autolim=False,
            )
            tracks_seen.add(tracks)
        ax.add_collection(
            LineCollection(
                segs,
                colors=STATUS_STYLE[status]["color"],
                linewidths=lw,
                linestyles=STATUS_STYLE[status]["ls"],
                zorder=3.4,
                capstyle="butt" if status != "existing" else "round",
            ),
            autolim=False,
        )
        present_status.add(status)
    return _link_handles(present_status, tracks_seen, any(k[0] == "ferry" for k in groups))


def _link_handles(present_status: set, tracks_seen: set, ferries: bool) -> list:
    existing = STATUS_STYLE["existing"]["color"]
    handles = []
    if 2 in tracks_seen:
        handles.append(line_handle(existing, 2.6, "Double track"))
    if 1 in tracks_seen:
        handles.append(line_handle(existing, 1.3, "Single track"))
    for status in ("under_construction", "planned"):
        if status in present_status:
            st = STATUS_STYLE[status]
            label = f"Line {STATUS_LABEL[status]}"
            handles.append(line_handle(st["color"], 2.0, label, ls=st["ls"]))
    if ferries:
        handles.append(
            line_handle(
                FERRY_COLOUR, 1.6, "Rail ferry (Caspian)", ls=FERRY_DASHES, dash_capstyle="round"
            )
        )
    return handles


# --------------------------------------------------------------------------- nodes


def _draw_network_nodes(ax, net: Network, geo: ProjectedNetwork) -> list:
    """Border crossings, ports, junctions and gateways; returns their legend entries."""
    handles = _draw_borders(ax, net, geo)
    ports = [
        geo.nodes[n.id] for n in net.nodes.values() if n.node_type == "port" and n.region is None
    ]
    if ports:
        ax.scatter(*zip(*ports), zorder=5.5, **PORT_MARK)
        handles.append(marker_handle("o", 6.5, PORT_COLOUR, "white", "Port"))
    junctions = [
        geo.nodes[n]
        for n in major_nodes(net)
        if net.nodes[n].region is None and net.nodes[n].node_type != "port"
    ]
    if junctions:
        ax.scatter(*zip(*junctions), zorder=5.2, **JUNCTION_MARK)
        handles.append(marker_handle("o", 4.5, "white", "#333333", "Junction / hub"))
    # under the border symbols, and larger, so a gateway at a crossing shows as a coloured ring
    for region in scatter_gateways(ax, net, geo, size=150, linewidths=1.4, zorder=5.8):
        colour = REGION_COLOURS[region]
        handles.append(marker_handle("o", 9, colour, "white", f"Gateway to {region}"))
    return handles


def _draw_borders(ax, net: Network, geo: ProjectedNetwork) -> list:
    """Border crossings at the middle of their link, gauge changes apart."""
    handles = []
    borders = [
        (geo.midpoint(link.id), link.gauge_change)
        for link in net.links.values()
        if isinstance(link, BorderCrossing) and link.id in geo.lines
    ]
    plain = [p for p, g in borders if not g]
    gauge = [p for p, g in borders if g]
    if plain:
        ax.scatter(*zip(*plain), zorder=6.1, **BORDER_MARK)
        handles.append(marker_handle("D", 5, "white", "#333333", "Border crossing"))
    if gauge:
        ax.scatter(*zip(*gauge), zorder=6.2, **GAUGE_MARK)
        handles.append(
            marker_handle("h", 8, "#ffd23f", "#333333", "Border crossing, gauge change")
        )
    return handles


def scatter_gateways(
    ax, net: Network, geo: ProjectedNetwork, *, size: float, linewidths: float, zorder: float
) -> dict[str, list]:
    """One dot per gateway in its region's colour.

    Parameters
    ----------
    ax
        The map axes.
    net, geo
        The network and its projection.
    size
        Marker area, points squared.
    linewidths
        Width of the white edge, points.
    zorder
        Drawing order of the dots.

    Returns
    -------
    dict
        Region -> list of ``(node, (x, y))`` drawn, regions in :data:`~corridors.REGIONS` order.
    """
    drawn = {}
    for region in REGIONS:
        pts = geo.region_nodes(net, region)
        if not pts:
            continue
        ax.scatter(
            [p[1][0] for p in pts],
            [p[1][1] for p in pts],
            marker="o",
            s=size,
            facecolor=REGION_COLOURS[region],
            edgecolor="white",
            linewidths=linewidths,
            zorder=zorder,
        )
        drawn[region] = pts
    return drawn


# --------------------------------------------------------------------------- names on value maps


def place_name_labels(net: Network, geo: ProjectedNetwork, *, gateways: bool = True,
                      size: float = 6.8) -> list[Label]:
    """Names of the places a reader looks for on a value map, most important first; none required.

    Parameters
    ----------
    net, geo
        The network and its projection.
    gateways
        Name the gateways too (bold, in their region's colour).
    size
        Font size of an ordinary name, points (gateways one point larger).

    Returns
    -------
    list of Label
        Gateways, ports (italic), hubs and junctions of three or more links,
        then border stations with a short name; the placer drops those that
        find no free place.
    """
    majors = set(major_nodes(net))
    # a border station named by a description rather than a place ("KZ-RU border point (...)") is left out
    borders = [n.id for n in net.nodes.values() if n.node_type == "border_station" and n.id not in majors
               and len(display_name(n.name)) <= 24]
    out = []
    for nid in _label_order(net, list(majors)) + sorted(borders):
        node = net.nodes[nid]
        if nid not in geo.nodes or (node.region is not None and not gateways):
            continue
        x, y = geo.nodes[nid]
        name = display_name(node.name)
        if node.region is not None:
            out.append(Label(x, y, name, color=REGION_COLOURS.get(node.region, "#222"), size=size + 0.6,
                             weight="bold", gap=4))
        elif node.node_type == "port":
            out.append(Label(x, y, name, color=PORT_COLOUR, style="italic", size=size, gap=3.5))
        else:
            out.append(Label(x, y, name, color="#333333", size=size, gap=3.5))
    return out


def junction_dots(ax, net: Network, geo: ProjectedNetwork, *, zorder: float = 5.2) -> list[tuple[float, float]]:
    """Small white dots at the hubs, junctions and ports that :func:`place_name_labels` names; returns them."""
    pts = [geo.nodes[n] for n in major_nodes(net) if net.nodes[n].region is None and n in geo.nodes]
    if pts:
        ax.scatter(*zip(*pts), marker="o", s=11, facecolor="white", edgecolor="#333333", linewidths=0.7,
                   zorder=zorder)
    return pts
