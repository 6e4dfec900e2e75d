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
time on rail, typical dwell at a border plus its clearance hold averaged over
the two directions, crossing plus port handling on a ferry;
:func:`corridors.elements.free_time_h`; routing uses a directed graph with each
direction's own time, :func:`corridors.routing.route_graph`).

An undirected graph is the right model because a single-track section is one
resource shared by both directions; direction-specific behaviour lives in the
simulation. Two links may not join the same pair of nodes.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal, Union

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from corridors import REGIONS
from corridors.elements import free_time_h, handling_rate_per_day
from corridors.errors import NetworkError
from corridors.ranges import Range, number, number_type, record_problems

log = logging.getLogger(__name__)

Region = Literal["China", "Europe", "Russia", "South Asia", "Central Asia"]
Status = Literal["existing", "under_construction", "planned"]

#: A stated length may differ from the geodesic length of its geometry by this share.
LENGTH_TOLERANCE = 0.25


LON = Range(-180, 180, "WGS84 longitude", unit="degrees")
LAT = Range(-90, 90, "WGS84 latitude", unit="degrees")
Lon = number_type(LON)
Lat = number_type(LAT)
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
    # A yard every train touching the node stops in (technical inspection, crew or locomotive change,
    # reception at a port): receiving-departure tracks shared by all directions. See corridors.elements.yard_*.
    yard_tracks: number(1, 100, "a technical station has a few receiving-departure tracks, the largest "
                        "marshalling yards some dozens", integer=True) | None = None
    yard_dwell_h: number(0.1, 72, "a technical stop takes at least minutes; three days is a train parked, "
                         "not processed", unit="h") | None = None


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
    # Formalities of the receiving country (customs, inspection, acceptance) that hold a train on a reception
    # track after its handling; ab: from_node -> to_node. See corridors.elements.clearance_h.
    clearance_ab_h: number(0, 720, "none to " + _HOURS_30_DAYS, unit="h") = 0.0
    clearance_ba_h: number(0, 720, "none to " + _HOURS_30_DAYS, unit="h") = 0.0


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

    @functools.cached_property
    def links_by_ends(self) -> dict[tuple[str, str], tuple[Link, bool]]:
        """Each link under its two ends in both orders, with True where the order is its own (``from_node`` first)."""
        out: dict[tuple[str, str], tuple[Link, bool]] = {}
        for lk in self.links.values():
            out[(lk.from_node, lk.to_node)] = (lk, True)
            out[(lk.to_node, lk.from_node)] = (lk, False)
        return out

    def gateways(self, region: str) -> list[str]:
        """Node ids tagged with ``region``, in id order."""
        return sorted(n.id for n in self.nodes.values() if n.region == region)


# --------------------------------------------------------------------------- reading


#: A network file larger than this is refused before parsing: the shipped network is
#: 0.11 MB, and a file this size still reads in a few seconds.
MAX_NETWORK_BYTES = 20_000_000
#: Longest text accepted in a property or metadata value (names and source notes are far shorter).
MAX_TEXT_CHARS = 10_000
#: Longest id (ids appear in every message and output table; the shipped ones have at most 24 characters).
MAX_ID_CHARS = 100
#: Longest excerpt of a user's value quoted in a message.
EXCERPT_CHARS = 40
_KINDS = ("node", "rail", "border", "ferry")


def _show(value: object) -> str:
    """Describe a JSON value shortly for a message (text cut to :data:`EXCERPT_CHARS`)."""
    if isinstance(value, str):
        return repr(value if len(value) <= EXCERPT_CHARS else value[: EXCERPT_CHARS - 3] + "...")
    if isinstance(value, (dict, list)):
        n = len(value)
        return "an object" if isinstance(value, dict) else f"a list of {n} item{'s' if n != 1 else ''}"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return repr(value)[:EXCERPT_CHARS].replace("nan", "NaN").replace("inf", "Infinity")


def _read_text(path: Path) -> str:
    """Return the file's text; at most :data:`MAX_NETWORK_BYTES` are read (a device cannot exhaust memory)."""
    try:
        if not path.is_file() and path.exists():  # a FIFO would block, a device never end
            raise IsADirectoryError(0, "a directory, not a file" if path.is_dir() else "not a regular file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_NETWORK_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the name
        why = getattr(exc, "strerror", None) or "the name contains a NUL character"
        name = str(path) if str(path).isprintable() else repr(str(path))
        raise NetworkError([f"{name[:200]}: cannot read: {why}"], what="network file") from None
    if len(raw) > MAX_NETWORK_BYTES:
        limit = f"{MAX_NETWORK_BYTES / 1e6:g} MB, the limit for a network file (the shipped network is 0.1 MB)"
        raise NetworkError([f"{path}: the file is larger than {limit}"], what=str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise NetworkError(
            [f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}), expected a UTF-8 GeoJSON file"],
            what=str(path),
        ) from None


def _too_deep_line(text: str, limit: int = 100) -> int:
    """Return the line of the first bracket nested deeper than ``limit`` (strings skipped), 1 if none is."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(m.group(), 0)
        if depth > limit:
            return text.count("\n", 0, m.start()) + 1
    return 1


class _HugeInt(float):
    """An integer literal too long to read (Python refuses over 4,300 digits): infinite, and says so."""

    digits = 0

    def __repr__(self) -> str:
        return f"{'a negative' if self < 0 else 'an'} integer of {self.digits:,} digits"


def _json_int(literal: str) -> int | float:
    """Read a JSON integer; one of more than 50 digits becomes a :class:`_HugeInt` that the ranges refuse."""
    if len(literal) <= 50:
        return int(literal)
    out = _HugeInt("-inf" if literal.startswith("-") else "inf")
    out.digits = len(literal.lstrip("-"))
    return out


def _parse_json(path: Path, text: str) -> tuple[object, dict[int, list[str]]]:
    """Parse the text; also return the keys given twice, by ``id()`` of the object holding them."""
    dups: dict[int, list[str]] = {}

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            dups[id(obj)] = sorted({k for k, _ in pairs if k in seen or seen.add(k)})
        return obj

    try:
        return json.loads(text, object_pairs_hook=pairs_hook, parse_int=_json_int), dups
    except json.JSONDecodeError as exc:
        raise NetworkError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"], what=str(path)) from None
    except RecursionError:
        raise NetworkError(
            [f"{path}:{_too_deep_line(text)}: invalid JSON: nested too deeply, expected a GeoJSON FeatureCollection"],
            what=str(path),
        ) from None


class _Lines:
    """Lines of ids, features and names in the text, each found in one linear pass."""

    def __init__(self, text: str, n_features: int) -> None:
        self.text = text
        self.ids: dict[str, int] = {}
        for name, line in self._scan(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"'):
            self.ids.setdefault(name, line)
        starts = [line for _, line in self._scan(r'"type"\s*:\s*"(Feature)"')]
        self.features = starts if len(starts) == n_features else []
        self._found: dict[str, int | None] = {}

    def _scan(self, pattern: str):
        pos, line = 0, 1
        for m in re.finditer(pattern, self.text):
            line += self.text.count("\n", pos, m.start())
            pos = m.start()
            yield m.group(1), line

    def where(self, path: Path, i: int, fid: object) -> str:
        """``file:line`` of feature ``i`` (the line of its id when it has one)."""
        line = self.ids.get(fid) if isinstance(fid, str) else None
        if line is None and i < len(self.features):
            line = self.features[i]
        return f"{path}:{line}" if line else f"{path}: feature {i}"

    def of_name(self, name: str) -> int | None:
        """Return the line of an id, else of the first ``"name"`` in the text (a region or a key, say)."""
        if name in self.ids:
            return self.ids[name]
        if name not in self._found:
            pos = self.text.find(f'"{name}"')
            self._found[name] = self.text.count("\n", 0, pos) + 1 if pos >= 0 else None
        return self._found[name]


#: An altitude may follow the position (GeoJSON); it is ignored, but must be a plausible number.
_ALTITUDE = Range(-500, 9000, "metres above sea level, from the Caspian depression to the highest pass", unit="m")


def _position_problems(pos: object) -> list[str]:
    """List the problems of one GeoJSON position ``[lon, lat]`` in degrees (an altitude may follow)."""
    if not isinstance(pos, list) or not 2 <= len(pos) <= 3:
        return [f"got {_show(pos)}, expected a [lon, lat] pair in degrees"]
    named = zip(("lon", "lat", "altitude"), pos, (LON, LAT, _ALTITUDE))
    return [f"{axis}: {p}" for axis, v, rng in named if (p := rng.problem(v))]


def _geometry_problems(kind: str, geom: object) -> list[str]:
    """List the problems of a feature's geometry: a Point for a node, a LineString for a link."""
    want, article = ("Point", "a node") if kind == "node" else ("LineString", "a link")
    if not isinstance(geom, dict) or geom.get("type") != want:
        got = f"type {_show(geom.get('type'))}" if isinstance(geom, dict) else _show(geom)
        return [f"{article} needs a {want} geometry, got {got}"]
    coords = geom.get("coordinates")
    if want == "Point":
        return [f"geometry.coordinates: {p}" for p in _position_problems(coords)]
    if not isinstance(coords, list) or len(coords) < 2:
        return [f"geometry.coordinates: got {_show(coords)}, expected a list of at least two [lon, lat] pairs"]
    return [f"geometry.coordinates[{j}]: {p}" for j, pos in enumerate(coords) for p in _position_problems(pos)]


def _property_problems(props: dict) -> list[str]:
    """List the problems of a feature's properties that the records would not word well (or not see)."""
    out = []
    fid, kind = props.get("id"), props.get("kind")
    if not isinstance(fid, str) or not fid.strip() or len(fid) > MAX_ID_CHARS:
        out.append(f"properties.id: got {_show(fid)}, expected a text of 1 to {MAX_ID_CHARS} characters")
    if kind not in _KINDS:
        out.append(f"properties.kind: got {_show(kind)}, expected one of: {', '.join(_KINDS)}")
    for k, v in props.items():
        if k in ("lon", "lat", "coords"):
            out.append(f"properties.{k}: unknown property (the position is the feature's geometry)")
        elif k in ("id", "kind"):
            continue
        elif isinstance(v, str) and len(v) > MAX_TEXT_CHARS:
            out.append(f"properties.{k}: got a text of {len(v):,} characters, expected at most {MAX_TEXT_CHARS:,}")
        elif isinstance(v, (list, dict)):
            out.append(f"properties.{k[:EXCERPT_CHARS]}: got {_show(v)}, expected a text, a number, true/false or null")
    return out


def _feature_problems(feat: object, dups: dict[int, list[str]]) -> list[str]:
    """List every structural problem of one feature (empty when its record can be built)."""
    if not isinstance(feat, dict):
        return [f"got {_show(feat)}, expected a GeoJSON Feature object"]
    props, geom = feat.get("properties"), feat.get("geometry")
    out = [f"{pre}{k}: given twice" for pre, obj in (("", feat), ("properties.", props), ("geometry.", geom))
           for k in dups.get(id(obj), [])]
    if feat.get("type", "Feature") != "Feature":
        out.append(f"type: got {_show(feat.get('type'))}, expected 'Feature'")
    if not isinstance(props, dict):
        return [*out, f"properties: got {_show(props)}, expected an object"]
    out += _property_problems(props)
    return out + (_geometry_problems(props["kind"], geom) if props.get("kind") in _KINDS else [])


def _collection_problems(path: Path, doc: dict, dups: dict[int, list[str]], lines: _Lines) -> list[str]:
    """List the problems of the top level: its keys, its metadata and its list of features."""
    meta = doc.get("metadata", {})
    out = [f"{k}: given twice" for k in dups.get(id(doc), [])]
    if not isinstance(meta, dict):
        out.append(f"metadata: got {_show(meta)}, expected an object")
    else:
        out += [f"metadata.{k}: given twice" for k in dups.get(id(meta), [])]
        for k, v in meta.items():
            if isinstance(v, str) and len(v) > MAX_TEXT_CHARS:
                out.append(f"metadata.{k}: got a text of {len(v):,} characters, expected at most {MAX_TEXT_CHARS:,}")
            elif not isinstance(v, str) and (isinstance(v, bool) or not isinstance(v, (int, float))
                                             or not math.isfinite(v)):
                out.append(f"metadata.{k[:EXCERPT_CHARS]}: got {_show(v)}, expected a text or a finite number")
    if not isinstance(doc.get("features"), list):
        out.append(f"features: got {_show(doc.get('features'))}, expected a list of GeoJSON features")
    return [f"{path}:{lines.of_name(p.split('.')[0].split(':')[0]) or 1}: {p}" for p in out]


def _records(path: Path, features: list, lines: _Lines, dups: dict[int, list[str]]):
    """Build the records of every sound feature; return them, every problem and the ids left out."""
    problems: list[str] = []
    nodes: dict[str, Node] = {}
    links: dict[str, Link] = {}
    left_out: set[str] = set()
    for i, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        fid = props.get("id") if isinstance(props, dict) else None
        name = fid[:EXCERPT_CHARS] if isinstance(fid, str) and fid.strip() else f"#{i}"
        where = lines.where(path, i, fid)
        bad = _feature_problems(feat, dups) or (["duplicate id"] if fid in nodes or fid in links else [])
        # A literal 1 or 1520 also matches true (True == 1): the number literals refuse booleans here.
        bad = bad or [f"{k}: got {_show(props[k])}, expected {' or '.join(map(str, allowed))}"
                      for k, allowed in (("tracks", (1, 2)), ("gauge_mm", (1520, 1435)))
                      if isinstance(props.get(k), bool)]
        if not bad:
            coords = feat["geometry"]["coordinates"]
            try:
                if props["kind"] == "node":
                    # strict: a text "8" or true is not a number (the scenario's keys are read the same way)
                    node = _NODE.validate_python({**props, "lon": coords[0], "lat": coords[1]}, strict=True)
                    nodes[node.id] = node
                else:
                    pts = tuple((float(c[0]), float(c[1])) for c in coords)
                    link = _LINK.validate_python({**props, "coords": pts}, strict=True)
                    links[link.id] = link
            except PydanticValidationError as exc:
                bad = record_problems(exc, _show, EXCERPT_CHARS)
        problems.extend(f"{where}: {name}: {p}" for p in bad)
        if bad and isinstance(fid, str) and fid not in nodes:
            left_out.add(fid)
    return nodes, links, problems, left_out


def read_network(path: str | Path) -> Network:
    """Read and check a network GeoJSON file.

    Three steps, each reporting every problem at once with the file, the line
    of the feature (or its index) and the key: the text (at most
    :data:`MAX_NETWORK_BYTES`, UTF-8, valid JSON); the GeoJSON skeleton (a
    FeatureCollection of Feature objects, each with object properties, a kind,
    a text id and a geometry of finite coordinates in range; no key given
    twice); then the records of the sound features and :func:`check_network`
    (a reference to a feature already reported is not reported again).

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
    text = _read_text(path)
    doc, dups = _parse_json(path, text)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = f"type {_show(doc.get('type'))}" if isinstance(doc, dict) else _show(doc)
        raise NetworkError(
            [f'{path}:1: not a GeoJSON FeatureCollection: got {got}, expected an object with "type": "FeatureCollection"'],
            what=str(path),
        )
    features = doc.get("features")
    lines = _Lines(text, len(features) if isinstance(features, list) else 0)
    problems = _collection_problems(path, doc, dups, lines)
    if not isinstance(features, list):
        raise NetworkError(problems, what=str(path))
    nodes, links, feature_problems, left_out = _records(path, features, lines, dups)
    problems += feature_problems
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
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
        f"{path}:{lines.of_name(p.split(':')[0]) or '?'}: {p}"
        for p in check_network(net)
        if (m := re.search(r"unknown node '(.*)'$", p)) is None or m.group(1) not in left_out
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
    for node in net.nodes.values():
        if (node.yard_tracks is None) != (node.yard_dwell_h is None):
            problems.append(f"{node.id}: a yard needs both yard_tracks and yard_dwell_h")
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
            derived = handling_rate_per_day(link.handling_tracks, link.dwell_h)
            if abs(link.handling_trains_per_day - derived) > 0.5:
                problems.append(
                    f"{link.id}: handling_trains_per_day is {link.handling_trains_per_day:g}, expected {derived:.4g}: "
                    "it is derived from handling_tracks x 24 / dwell_h (set those instead)"
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
        if not gws and region == "Central Asia":
            continue  # a market inside the network: its nodes' countries define it; gateways only for region ends
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
