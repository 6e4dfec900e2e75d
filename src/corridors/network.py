"""The transport network: nodes, rail sections, border crossings and ferry links.

A network is read from one GeoJSON FeatureCollection (see ``docs/network.md``)
into a :class:`Network`: plain, frozen, picklable records keyed by id. From it
:func:`to_graph` builds an undirected :class:`networkx.Graph` and
:func:`to_gdfs` builds GeoDataFrames for GIS work.

Graph attribute contract
------------------------
``G.graph``: ``name``, ``version``, ``as_of``, ``crs`` (``"EPSG:4326"``).

Node attributes: ``name``, ``country``, ``node_type``
(``station | junction | border_station | port | hub``), ``gauge_mm``,
``region`` (``None`` or a gateway's region), ``lon``, ``lat``.

Edge attributes: ``id`` (the link id), ``kind`` (``rail | border | ferry``),
``length_km``, ``status``, ``opening_year``, ``link`` (the full record), and
``free_time_h``: the time an unhindered train needs to pass the link (running
time on rail, typical dwell at a border, crossing plus port handling on a ferry;
:func:`corridors.elements.free_time_h`).

An undirected graph is the right model because a single-track section is one
resource shared by both directions; direction-specific behaviour lives in the
simulation. Two links may not join the same pair of nodes.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, WrapValidator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from corridors import REGIONS
from corridors.elements import free_time_h
from corridors.errors import NetworkError

log = logging.getLogger(__name__)

Region = Literal["China", "Europe", "Russia", "South Asia"]
Status = Literal["existing", "under_construction", "planned"]

#: A stated length may differ from the geodesic length of its geometry by this share.
LENGTH_TOLERANCE = 0.25


# --------------------------------------------------------------------------- plausible ranges

#: Pydantic error types that mean "a number, but not in its range" (replaced by the range's own message).
_OUT_OF_RANGE = {"finite_number", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _num_text(x: float) -> str:
    """Write a bound for people: ``2100``, ``0.001``, ``4,294,967,295``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}"


def _got_text(value: Any) -> str:
    """Describe a rejected number, short even when it is a 4,000-digit integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return repr(value)[:60]


@dataclass(frozen=True)
class Range:
    """The plausible range of a numeric field: finite, between ``lo`` and ``hi``, and why.

    Used as pydantic metadata (see :func:`number`): it refuses ``.inf``,
    ``.nan`` and anything outside the range with one error of type
    ``number_range`` whose message names the range and its reason.

    Attributes
    ----------
    lo, hi
        The bounds, included unless ``lo_open`` / ``hi_open``.
    why
        Where the bounds come from (a physical or practical limit), for messages and docs.
    unit
        The unit written after the bounds (``km/h``), or ``""``.
    integer
        The field is an integer.
    """

    lo: float
    hi: float
    why: str
    unit: str = ""
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def text(self) -> str:
        """Return the "expected ..." text: ``a number between 5 and 200 km/h (why)``."""
        lo, hi = _num_text(self.lo), _num_text(self.hi)
        span = {(False, False): f"between {lo} and {hi}", (True, False): f"greater than {lo} and at most {hi}",
                (False, True): f"at least {lo} and less than {hi}",
                (True, True): f"greater than {lo} and less than {hi}"}[self.lo_open, self.hi_open]
        unit = f" {self.unit}" if self.unit else ""
        return f"{'an integer' if self.integer else 'a number'} {span}{unit} ({self.why})"

    def holds(self, x: Any) -> bool:
        """Whether the number ``x`` is finite and inside the range (exact for integers of any size)."""
        if isinstance(x, float) and not math.isfinite(x):
            return False
        above = self.lo < x if self.lo_open else self.lo <= x
        below = x < self.hi if self.hi_open else x <= self.hi
        return above and below

    def __call__(self, value: Any, handler: Any) -> Any:
        """Validate ``value`` (pydantic wrap validator): numbers out of range get the range's message."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not self.holds(value):
            raise self._error(value)
        try:
            out = handler(value)
        except PydanticValidationError as exc:
            if any(e["type"] in _OUT_OF_RANGE for e in exc.errors()):
                raise self._error(value) from None
            raise
        if not self.holds(out):  # a string read as a number in lax mode
            raise self._error(value)
        return out

    def _error(self, value: Any) -> PydanticCustomError:
        return PydanticCustomError(
            "number_range", "got {got}, expected {expected}", {"got": _got_text(value), "expected": self.text()}
        )


def number(lo: float, hi: float, why: str, *, unit: str = "", lo_open: bool = False, hi_open: bool = False,
           integer: bool = False) -> Any:
    """Return a float (or int) type restricted to a finite, plausible range, for pydantic fields.

    Parameters
    ----------
    lo, hi
        The bounds (included unless ``lo_open`` / ``hi_open``).
    why
        Where they come from, shown in every message and in the docs.
    unit
        Written after the bounds.
    lo_open, hi_open
        Exclude the bound itself.
    integer
        An integer field.

    Returns
    -------
    typing.Annotated
        ``Annotated[float | int, Field(ge/gt, le/lt, allow_inf_nan=False), WrapValidator(Range)]``;
        the :class:`Range` is in the field's metadata (``docs`` and tests read it).
    """
    rng = Range(lo, hi, why, unit, lo_open, hi_open, integer)
    bounds: dict[str, Any] = {"gt" if lo_open else "ge": lo, "lt" if hi_open else "le": hi}
    if integer:
        return Annotated[int, Field(**bounds), WrapValidator(rng)]
    return Annotated[float, Field(allow_inf_nan=False, **bounds), WrapValidator(rng)]


def range_of(info: Any) -> Range | None:
    """Return the :class:`Range` of a pydantic field (``model.model_fields[name]``), or None.

    A required field keeps its range in ``info.metadata``; an optional one
    (``number(...) | None``) inside its annotation.
    """
    metas = list(info.metadata)
    for arg in getattr(info.annotation, "__args__", ()):
        metas += list(getattr(arg, "__metadata__", ()))
    for meta in metas:
        if isinstance(meta, WrapValidator) and isinstance(meta.func, Range):
            return meta.func
    return None


Lon = number(-180, 180, "WGS84 longitude", unit="degrees")
Lat = number(-90, 90, "WGS84 latitude", unit="degrees")
Coords = tuple[tuple[Lon, Lat], ...]
_HOURS_30_DAYS = "30 days; anything longer is a closure: use close"
_PER_DAY = "from one train in ten days to one a minute"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Record):
    """A station, junction, border station, port or hub."""

    id: str
    kind: Literal["node"] = "node"
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    node_type: Literal["station", "junction", "border_station", "port", "hub"]
    gauge_mm: Literal[1520, 1435]
    region: Region | None = None
    source: str
    lon: Lon
    lat: Lat


class _Link(_Record):
    id: str
    name: str
    from_node: str
    to_node: str
    length_km: number(0.1, 10_000, "a link joins neighbouring nodes: a border link is at least 100 m and no line "
                      "is longer than the Trans-Siberian's 9,289 km", unit="km")
    status: Status
    opening_year: number(1850, 2100, "the region's railways opened after 1850; a plan beyond 2100 is no plan",
                         integer=True)
    source: str
    coords: Coords = ()

    @property
    def ends(self) -> tuple[str, str]:
        """The two node ids, in file order."""
        return (self.from_node, self.to_node)


class RailSection(_Link):
    """A stretch of line between two nodes, with its track layout."""

    kind: Literal["rail"] = "rail"
    country: str
    tracks: Literal[1, 2]
    loop_spacing_km: number(1, 1_000, "a passing loop holds a ~1 km train (57 wagons), so loops are at least "
                            "1 km apart; at most the section's length", unit="km") | None = None
    headway_min: number(2, 240, "the densest signalled main lines run trains 2-3 min apart; beyond 4 h a "
                        "double track carries under 6 trains a day", unit="min") | None = None
    speed_kmh: number(5, 200, "freight on 1520 mm runs at most 120-140 km/h; below 5 km/h a line is closed: "
                      "use close or slowdown", unit="km/h")
    electrified: bool
    gauge_mm: Literal[1520, 1435]


class BorderCrossing(_Link):
    """A border (or gauge-change) facility between two stations."""

    kind: Literal["border"] = "border"
    countries: str
    gauge_change: bool
    handling_tracks: number(1, 50, "the largest gauge-change yards have a few dozen tracks", integer=True)
    dwell_h: number(0.1, 720, "a crossing takes at least minutes; at most " + _HOURS_30_DAYS, unit="h")
    dwell_cv: number(0, 3, "coefficient of variation of the dwell; 3 is already a very heavy tail")
    handling_trains_per_day: number(0.1, 1_440, _PER_DAY, unit="trains/day")
    exchange_limit_trains_per_day: number(0.1, 1_440, _PER_DAY, unit="trains/day") | None = None


class FerryLink(_Link):
    """A Caspian rail-ferry service between two ports."""

    kind: Literal["ferry"] = "ferry"
    crossing_h: number(0.5, 240, "Caspian crossings take 12-22 h; ten days at sea is no rail ferry", unit="h")
    vessels: number(1, 50, "a rail-ferry line has a handful of vessels", integer=True)
    wagons_per_vessel: number(1, 300, "the largest rail ferries carry about 150 wagons", integer=True)
    port_handling_h: number(0, 720, "at most " + _HOURS_30_DAYS, unit="h")
    max_wait_h: number(0, 720, "at most " + _HOURS_30_DAYS, unit="h")
    weather_downtime_share: number(0, 0.9, "a service down more than 90 % of the time is closed: use close "
                                   "with a season")


Link = Annotated[Union[RailSection, BorderCrossing, FerryLink], Field(discriminator="kind")]
_NODE = TypeAdapter(Node)
_LINK = TypeAdapter(Link)


@dataclass(frozen=True)
class Network:
    """A validated network: nodes and links keyed by id.

    Attributes
    ----------
    name, version, as_of
        Identity of the data set (``as_of`` is the state that ``existing`` means).
    nodes
        Node records by id.
    links
        Rail sections, border crossings and ferry links by id.
    source
        The file it was read from, for messages and provenance.
    """

    name: str
    version: str
    as_of: str
    nodes: dict[str, Node]
    links: dict[str, Link]
    source: str = ""
    metadata: dict = field(default_factory=dict)

    def with_links(self, links: dict[str, Link], nodes: dict[str, Node] | None = None) -> Network:
        """Return a copy with other links (and optionally other nodes)."""
        return replace(self, links=dict(links), nodes=dict(nodes if nodes is not None else self.nodes))

    def existing(self) -> Network:
        """Return the network as it stood at ``as_of``: only links with status ``existing``."""
        return self.with_links({k: v for k, v in self.links.items() if v.status == "existing"})

    def gateways(self, region: str) -> list[str]:
        """Node ids tagged with ``region``, in id order."""
        return sorted(n.id for n in self.nodes.values() if n.region == region)


# --------------------------------------------------------------------------- reading


def _line_of(text: str, needle: str) -> int | None:
    """Line number (1-based) of the first line of ``text`` containing ``needle``."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    return None


def _pydantic_problems(exc: PydanticValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function"))
        if err["type"] == "extra_forbidden":
            out.append(f"{loc}: unknown property")
        else:
            out.append(f"{loc}: {err['msg']}")
    return out


def read_network(path: str | Path) -> Network:
    """Read and check a network GeoJSON file.

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection following ``docs/network.md``.

    Returns
    -------
    Network
        The validated network, all links included whatever their status.

    Raises
    ------
    NetworkError
        Listing every problem found, each with its feature id and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NetworkError([f"{path}: cannot read: {exc.strerror}"], what=str(path)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NetworkError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"], what=str(path)) from None
    problems: list[str] = []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise NetworkError([f"{path}: not a GeoJSON FeatureCollection"], what=str(path))
    meta = doc.get("metadata") or {}
    nodes: dict[str, Node] = {}
    links: dict[str, Link] = {}
    for i, feat in enumerate(doc.get("features", [])):
        props = dict((feat or {}).get("properties") or {})
        fid = props.get("id", f"#{i}")
        line = _line_of(text, f'"id": "{fid}"') if "id" in props else None
        where = f"{path}:{line}" if line else f"{path}: feature {i}"
        geom = (feat or {}).get("geometry") or {}
        gtype, coords = geom.get("type"), geom.get("coordinates")
        if fid in nodes or fid in links:
            problems.append(f"{where}: {fid}: duplicate id")
            continue
        try:
            if props.get("kind") == "node":
                if gtype != "Point" or not coords or len(coords) < 2:
                    problems.append(f"{where}: {fid}: a node needs a Point geometry")
                    continue
                node = _NODE.validate_python({**props, "lon": coords[0], "lat": coords[1]})
                nodes[node.id] = node
            else:
                if gtype != "LineString" or not coords or len(coords) < 2:
                    problems.append(f"{where}: {fid}: a link needs a LineString geometry")
                    continue
                pts = tuple((float(c[0]), float(c[1])) for c in coords)
                link = _LINK.validate_python({**props, "coords": pts})
                links[link.id] = link
        except PydanticValidationError as exc:
            problems.extend(f"{where}: {fid}: {p}" for p in _pydantic_problems(exc))
    net = Network(
        name=str(meta.get("name", path.stem)),
        version=str(meta.get("version", "")),
        as_of=str(meta.get("as_of", "")),
        nodes=nodes,
        links=links,
        source=str(path),
        metadata=dict(meta),
    )
    problems.extend(
        f"{path}:{_line_of(text, chr(34) + p.split(':')[0] + chr(34)) or '?'}: {p}"
        for p in check_network(net)
    )
    if problems:
        raise NetworkError(problems, what=str(path))
    log.info("read %s: %d nodes, %d links", path, len(nodes), len(links))
    return net


def geodesic_length_km(coords: Coords) -> float:
    """Length of a lon/lat polyline on the WGS84 ellipsoid, in km."""
    from pyproj import Geod  # local import: only checking and reporting need it

    lons, lats = zip(*coords)
    return Geod(ellps="WGS84").line_length(lons, lats) / 1000.0


def check_network(net: Network, *, check_lengths: bool = True) -> list[str]:
    """Return every problem in ``net`` as ``"<id>: what is wrong"``; empty if clean.

    Checks dangling references, per-kind required attributes, gauge consistency,
    a gauge change with no border facility, stated length against geometry,
    parallel links, and that every region has a gateway reachable from the
    rest of the network.
    """
    problems: list[str] = []
    ids = set(net.nodes) & set(net.links)
    problems += [f"{i}: id used by both a node and a link" for i in sorted(ids)]
    seen_pairs: dict[frozenset, str] = {}
    for link in net.links.values():
        missing = [n for n in link.ends if n not in net.nodes]
        for n in missing:
            problems.append(f"{link.id}: refers to unknown node '{n}'")
        if missing:
            continue
        if link.from_node == link.to_node:
            problems.append(f"{link.id}: starts and ends at the same node")
        pair = frozenset(link.ends)
        if pair in seen_pairs:
            problems.append(f"{link.id}: joins the same nodes as {seen_pairs[pair]}")
        seen_pairs[pair] = link.id
        a, b = (net.nodes[n] for n in link.ends)
        if isinstance(link, RailSection):
            if link.tracks == 1 and link.loop_spacing_km is None:
                problems.append(f"{link.id}: single track needs loop_spacing_km")
            if link.tracks == 2 and link.headway_min is None:
                problems.append(f"{link.id}: double track needs headway_min")
            if link.loop_spacing_km is not None and link.loop_spacing_km > link.length_km * 1.0001:
                problems.append(
                    f"{link.id}: loop_spacing_km {link.loop_spacing_km} exceeds length_km {link.length_km}"
                )
            for end in (a, b):
                if end.gauge_mm != link.gauge_mm:
                    problems.append(
                        f"{link.id}: gauge {link.gauge_mm} mm but node {end.id} is "
                        f"{end.gauge_mm} mm (a gauge change needs a border facility)"
                    )
        elif isinstance(link, BorderCrossing):
            if (a.gauge_mm != b.gauge_mm) != link.gauge_change:
                problems.append(
                    f"{link.id}: gauge_change is {link.gauge_change} but the ends are "
                    f"{a.gauge_mm} and {b.gauge_mm} mm"
                )
        elif isinstance(link, FerryLink):
            for end in (a, b):
                if end.node_type != "port":
                    problems.append(f"{link.id}: ferry end {end.id} is not a port")
        if check_lengths and link.coords:
            if link.coords[0] != (a.lon, a.lat) and _far(link.coords[0], (a.lon, a.lat)):
                problems.append(f"{link.id}: geometry does not start at {a.id}")
            if link.coords[-1] != (b.lon, b.lat) and _far(link.coords[-1], (b.lon, b.lat)):
                problems.append(f"{link.id}: geometry does not end at {b.id}")
            geo_km = geodesic_length_km(link.coords)
            if geo_km > 0 and abs(link.length_km - geo_km) / geo_km > LENGTH_TOLERANCE:
                problems.append(
                    f"{link.id}: length_km {link.length_km:g} differs from its geometry's "
                    f"geodesic length {geo_km:.0f} km by more than {LENGTH_TOLERANCE:.0%}"
                )
    if not problems:
        problems += _check_regions(net)
    return problems


def _far(p: tuple[float, float], q: tuple[float, float], tol_deg: float = 0.02) -> bool:
    return abs(p[0] - q[0]) > tol_deg or abs(p[1] - q[1]) > tol_deg


def _check_regions(net: Network) -> list[str]:
    """Every region has a gateway, reachable from the main component of the existing network."""
    problems = []
    G = to_graph(net.existing())
    if G.number_of_nodes() == 0:
        return ["network: no existing links"]
    main = max(nx.connected_components(G), key=len)
    for region in REGIONS:
        gws = net.gateways(region)
        if not gws:
            problems.append(f"{region}: no gateway node is tagged with this region")
        elif not any(g in main for g in gws):
            problems.append(f"{region}: no gateway of this region is reachable over existing links")
    return problems


# --------------------------------------------------------------------------- views


def to_graph(net: Network) -> nx.Graph:
    """Build the undirected graph of ``net`` (see the module docstring for attributes)."""
    G = nx.Graph(name=net.name, version=net.version, as_of=net.as_of, crs="EPSG:4326")
    for node in net.nodes.values():
        G.add_node(
            node.id,
            name=node.name,
            country=node.country,
            node_type=node.node_type,
            gauge_mm=node.gauge_mm,
            region=node.region,
            lon=node.lon,
            lat=node.lat,
        )
    for link in net.links.values():
        G.add_edge(
            link.from_node,
            link.to_node,
            id=link.id,
            kind=link.kind,
            length_km=link.length_km,
            status=link.status,
            opening_year=link.opening_year,
            free_time_h=free_time_h(link),
            link=link,
        )
    # Nodes that no active link touches stay in the graph: they are still places.
    return G


def to_gdfs(net: Network):
    """Return ``(nodes, links)`` GeoDataFrames in EPSG:4326.

    The links frame has one row per link with every attribute of every kind
    (attributes that do not apply to a kind are empty).
    """
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    node_rows = [{**n.model_dump(exclude={"lon", "lat"}), "geometry": Point(n.lon, n.lat)} for n in net.nodes.values()]
    link_rows = []
    for link in net.links.values():
        row = link.model_dump(exclude={"coords"})
        row["free_time_h"] = free_time_h(link)
        coords = link.coords or tuple((net.nodes[n].lon, net.nodes[n].lat) for n in link.ends)
        row["geometry"] = LineString(coords)
        link_rows.append(row)
    nodes = gpd.GeoDataFrame(node_rows, geometry="geometry", crs="EPSG:4326")
    links = gpd.GeoDataFrame(link_rows, geometry="geometry", crs="EPSG:4326")
    return nodes, links


def default_network_path() -> Path:
    """Return the path of the shipped reference network, ``networks/central-asia.geojson`` in the source tree."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "networks" / "central-asia.geojson"
        if cand.exists():
            return cand
    return Path("networks/central-asia.geojson")


def route_km(net: Network, by: str) -> dict[str, float]:
    """Sum of rail route-km grouped by ``by`` (``country``, ``tracks`` or ``status``)."""
    out: dict[str, float] = {}
    for link in net.links.values():
        if isinstance(link, RailSection):
            key = str(getattr(link, by))
            out[key] = out.get(key, 0.0) + link.length_km
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
