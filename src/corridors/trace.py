"""The trace of a run: every train's pass through every element, and the line it draws on a time-space diagram.

``corridors run --trace`` writes two files into the run folder, from the first
replication only (:data:`TRACE_FILE`, :data:`LINKS_FILE`)::

    trace.csv.gz     one row per train and element (link, or a node's yard) it has left,
                     sorted by train, then by time
        train_id     the train (as in trains.csv.gz)
        element      link id; node id for a yard
        kind         single_track, double_track, border, ferry or yard
        dir          ab (from_node to to_node) or ba; empty for a yard
        arrive_h     reached the element and asked to enter it
        start_h      let in: entered its first block (single track), passed the entry gate
                     (double track), got a handling track and the day's exchange slot (border),
                     got a yard track (yard); ferry: arrived at the far port less the free
                     transit time. start_h - arrive_h is the wait before the element.
        leave_h      left it
        blocks_h     single track only: hours running each block and standing in each passing
                     loop between them, alternately, in the order passed, separated by spaces:
                     "run 1, stand 1, run 2, ..., stand n-1, run n" (2n - 1 numbers for n
                     blocks); block 1 is entered at start_h, each later point's time is
                     start_h plus the hours before it, and the last run ends at leave_h.
                     A stand is waiting in the loop to meet an opposing train, for the block
                     ahead to clear, or for a maintenance window to close.
    trace-links.csv  one row per link of the run's network: id, name, kind, from_node, to_node,
                     length_km, blocks (single track: blocks between passing loops, cut by
                     corridors.elements.block_layout; else empty)

Times are hours from 1 January 00:00 of the first simulated year (day ``d``
is ``[24 d, 24 (d + 1))``), rounded to 0.001 h (3.6 s); the hours of
``blocks_h`` are differences of times so rounded, so that they add up to them.
A train still on an element when the run ends has no row for it. The same
scenario and seed give the same bytes.

The second half of the module turns passages into what a diagram draws: a
:class:`Chain` of links (distance along it), each train's :class:`TrainPath`
(distance against time) and the :class:`Wait` intervals before crossings and
yards. Nothing here draws (:mod:`corridors.viz.stringline` does).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import math
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from corridors.elements import block_layout, element_kind
from corridors.errors import CorridorsError, ResultError
from corridors.model import RunSpec
from corridors.network import RailSection
from corridors.scenario.problems import did_you_mean, excerpt
from corridors.simulation.records import Passage

__all__ = ["LINKS_FILE", "LINK_COLUMNS", "TRACE_COLUMNS", "TRACE_FILE", "Chain", "ChainLink", "LinkLayout",
           "TrainPath", "Wait", "build_chain", "chain_paths", "passage_points", "read_links", "read_passages",
           "write_trace"]

#: The passages of a traced run.
TRACE_FILE = "trace.csv.gz"
#: The links of a traced run (lengths, ends, blocks), so that a diagram needs no network file.
LINKS_FILE = "trace-links.csv"
TRACE_COLUMNS = ("train_id", "element", "kind", "dir", "arrive_h", "start_h", "leave_h", "blocks_h")
LINK_COLUMNS = ("id", "name", "kind", "from_node", "to_node", "length_km", "blocks")
#: Decimals of the times written (hours: 0.001 h is 3.6 s).
TIME_DECIMALS = 3
#: The engine's element kinds as the trace (and every report) names them.
_KIND = {"single": "single_track", "double": "double_track", "border": "border", "ferry": "ferry", "yard": "yard"}
KINDS = tuple(_KIND.values())


# --------------------------------------------------------------------------- writing


def _h(x: float) -> str:
    """Write a time: rounded to :data:`TIME_DECIMALS`, without a trailing ``.0``."""
    return repr(round(float(x), TIME_DECIMALS) + 0.0).removesuffix(".0")  # + 0.0: no "-0.0"


def trace_rows(passages: Iterable[Passage]) -> Iterable[tuple]:
    """Rows of :data:`TRACE_FILE` (without the header), sorted by train, each train's in the order left.

    Parameters
    ----------
    passages
        A traced run's :attr:`~corridors.simulation.SimResult.passages`.

    Yields
    ------
    tuple
        One row of :data:`TRACE_COLUMNS` as text.
    """
    for p in sorted(passages, key=attrgetter("train_id")):  # stable: each train's rows stay in time order
        kind = _KIND[p.kind]
        times = [round(float(t), TIME_DECIMALS) for t in p.blocks_h]
        yield (p.train_id, p.element, kind, "" if kind == "yard" else ("ab" if p.forward else "ba"),
               _h(p.arrive_h), _h(p.start_h), _h(p.leave_h), " ".join(_h(b - a) for a, b in itertools.pairwise(times)))


def link_rows(spec: RunSpec) -> list[dict]:
    """Rows of :data:`LINKS_FILE`: every link of the run's network with its ends, length and blocks.

    Parameters
    ----------
    spec
        The resolved scenario.

    Returns
    -------
    list of dict
        Keyed by :data:`LINK_COLUMNS`, sorted by id.
    """
    rows = []
    for lid, lk in sorted(spec.network.links.items()):
        single = isinstance(lk, RailSection) and lk.tracks == 1
        rows.append({"id": lid, "name": lk.name, "kind": element_kind(lk), "from_node": lk.from_node,
                     "to_node": lk.to_node, "length_km": lk.length_km,
                     "blocks": block_layout(lk).n_blocks if single else ""})
    return rows


def write_trace(folder: Path, spec: RunSpec, passages: Iterable[Passage]) -> list[Path]:
    """Write :data:`TRACE_FILE` and :data:`LINKS_FILE` into ``folder``.

    Parameters
    ----------
    folder
        An existing folder (a run's staging folder).
    spec
        The resolved scenario (its network's links).
    passages
        The traced run's passages.

    Returns
    -------
    list of Path
        The two files. The gzip stream has no time or name in its header, so the
        same passages give the same bytes.
    """
    trace, links = folder / TRACE_FILE, folder / LINKS_FILE
    with open(trace, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="", compresslevel=6) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="") as text:
        w = csv.writer(text, lineterminator="\n")
        w.writerow(TRACE_COLUMNS)
        w.writerows(trace_rows(passages))
    with open(links, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LINK_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(link_rows(spec))
    return [trace, links]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class LinkLayout:
    """One row of :data:`LINKS_FILE`: a link as a diagram needs it.

    Attributes
    ----------
    id, name, kind
        Link id, its name, its kind (``single_track``, ``double_track``, ``border``, ``ferry``).
    from_node, to_node
        Its ends; direction ``ab`` runs from ``from_node`` to ``to_node``.
    length_km
        Its length, km.
    blocks
        Blocks between passing loops (single track), else 1.
    """

    id: str
    name: str
    kind: str
    from_node: str
    to_node: str
    length_km: float
    blocks: int = 1


def _damaged(path: Path, where: str, what: str) -> ResultError:
    return ResultError(f"{path}: damaged {where}({what}); run the scenario again with 'corridors run SCENARIO --trace'")


def read_links(path: Path) -> dict[str, LinkLayout]:
    """Read :data:`LINKS_FILE`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    dict of str to LinkLayout
        Per link id.

    Raises
    ------
    ResultError
        The file is missing, unreadable, lacks a column or holds a value of the wrong kind.
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != LINK_COLUMNS:
                raise _damaged(path, "", f"expected the columns {', '.join(LINK_COLUMNS)}")
            out = {}
            for row in reader:
                try:
                    length = float(row["length_km"])
                    blocks = int(row["blocks"]) if row["blocks"] else 1
                    if row["kind"] not in KINDS or not (math.isfinite(length) and length > 0) or blocks < 1:
                        raise ValueError(f"kind {row['kind']!r}, length {row['length_km']!r}, blocks {row['blocks']!r}")
                except (TypeError, ValueError) as exc:
                    raise _damaged(path, f"at line {reader.line_num} ", str(exc)) from None
                out[row["id"]] = LinkLayout(row["id"], row["name"], row["kind"], row["from_node"], row["to_node"],
                                            length, blocks)
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _damaged(path, "", str(exc)) from None
    return out


def _passage(row: list[str]) -> Passage:
    """Parse one row of :data:`TRACE_FILE` (``ValueError`` when it is not one)."""
    if len(row) != len(TRACE_COLUMNS):
        raise ValueError(f"{len(row)} fields, expected {len(TRACE_COLUMNS)}")
    tid, element, kind, d, arrive, start, leave, blocks = row
    if kind not in KINDS or d not in ("ab", "ba", ""):
        raise ValueError(f"kind {excerpt(kind)!r}, dir {excerpt(d)!r}")
    times = [float(arrive), float(start), float(leave)]
    hours = [float(x) for x in blocks.split()]
    if not all(map(math.isfinite, (*times, *hours))) or not times[0] <= times[1] <= times[2]:
        raise ValueError("times that are not numbers in order (arrive_h <= start_h <= leave_h)")
    if (kind == "single_track") != bool(hours) or (hours and len(hours) % 2 == 0) or min(hours, default=0) < 0:
        raise ValueError("blocks_h that do not fit the element (single track: 2n - 1 hours >= 0)")
    at = [times[1]]  # enter 1, leave 1, enter 2, ..., leave n: Passage.blocks_h
    for x in hours:
        at.append(round(at[-1] + x, TIME_DECIMALS))
    if hours and abs(at[-1] - times[2]) > 0.0015:
        raise ValueError(f"blocks_h add up to {at[-1] - times[1]:g} h, not to leave_h - start_h")
    return Passage(int(tid), element, kind, d != "ba", *times, tuple(at) if hours else ())


def read_passages(path: Path, wanted: set[tuple[str, str]], start_h: float, end_h: float) -> list[Passage]:
    """Read the rows of :data:`TRACE_FILE` for some elements that overlap a window.

    Parameters
    ----------
    path
        The file.
    wanted
        ``(element id, kind)`` pairs to keep (``kind`` ``yard`` for a node's yard).
    start_h, end_h
        The window, hours: rows that left before ``start_h`` or arrived after ``end_h`` are skipped.

    Returns
    -------
    list of Passage
        In file order; ``kind`` as in the file (``single_track``, ...).

    Raises
    ------
    ResultError
        The file is missing, not gzip, cut short, lacks the header, or holds a row that is not a passage.
    """
    out = []
    n = len(TRACE_COLUMNS)
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            if tuple(next(reader, ())) != TRACE_COLUMNS:
                raise _damaged(path, "", f"expected the columns {', '.join(TRACE_COLUMNS)}")
            for row in reader:
                try:
                    if len(row) != n:
                        raise ValueError(f"{len(row)} fields, expected {n}")
                    if (row[1], row[2]) not in wanted:
                        if row[2] not in KINDS:
                            raise ValueError(f"kind {excerpt(row[2])!r}")
                        continue
                    p = _passage(row)
                except ValueError as exc:
                    raise _damaged(path, f"at line {reader.line_num} ", str(exc)) from None
                if p.leave_h >= start_h and p.arrive_h <= end_h:
                    out.append(p)
    except FileNotFoundError:
        raise ResultError(f"{path}: missing") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        raise _damaged(path, "", str(exc) or type(exc).__name__) from None
    return out


# --------------------------------------------------------------------------- the diagram's geometry


def passage_points(p: Passage, length_km: float) -> list[tuple[float, float]]:
    """Return the line a passage draws: ``(time h, km from the link's from_node)`` at each change of speed.

    Parameters
    ----------
    p
        A passage of a link (of a yard: a node, ``length_km`` 0).
    length_km
        The link's length.

    Returns
    -------
    list of (float, float)
        Single track: at the entry until the first block is entered, then at
        each loop from reaching it to entering the next block (equal blocks,
        ``len(blocks_h) / 2`` of them), to the far end. Other links: at the
        entry from arriving to being let in, then straight to the far end at
        leaving. A yard: standing from arriving to leaving.
    """
    x0, sign = (0.0, 1.0) if p.forward else (length_km, -1.0)
    if p.kind == "yard":
        return [(p.arrive_h, 0.0), (p.leave_h, 0.0)]
    if not p.blocks_h:
        return [(p.arrive_h, x0), (p.start_h, x0), (p.leave_h, x0 + sign * length_km)]
    n = len(p.blocks_h) // 2
    block_km = length_km / n
    pts = [(p.arrive_h, x0)]
    for k in range(n):
        pts.append((p.blocks_h[2 * k], x0 + sign * k * block_km))
        pts.append((p.blocks_h[2 * k + 1], x0 + sign * (k + 1) * block_km))
    return pts


@dataclass(frozen=True)
class ChainLink:
    """One link of a :class:`Chain`, placed on its distance axis.

    Attributes
    ----------
    layout
        The link.
    forward
        ``True`` when the chain runs from its ``from_node`` to its ``to_node``.
    offset_km
        Distance of the link's first end along the chain (its ``from_node`` when ``forward``).
    """

    layout: LinkLayout
    forward: bool
    offset_km: float

    def km(self, x_km: float) -> float:
        """Distance along the chain of the point ``x_km`` from the link's ``from_node``."""
        return self.offset_km + (x_km if self.forward else self.layout.length_km - x_km)

    def loops_km(self) -> list[float]:
        """Distances along the chain of the passing loops inside the link (single track; else none)."""
        n, length = self.layout.blocks, self.layout.length_km
        return [self.offset_km + k * length / n for k in range(1, n)] if self.layout.kind == "single_track" else []


@dataclass(frozen=True)
class Chain:
    """Links joined end to end: the distance axis of a time-space diagram.

    Attributes
    ----------
    links
        In the order given, each with its direction and offset.
    nodes
        The nodes along the chain, first to last.
    nodes_km
        Their distances along it, km.
    """

    links: tuple[ChainLink, ...]
    nodes: tuple[str, ...]
    nodes_km: tuple[float, ...]

    @property
    def length_km(self) -> float:
        """Return the chain's length, km."""
        return self.nodes_km[-1]

    def link(self, lid: str) -> ChainLink:
        """Return the chain's link with id ``lid`` (``KeyError`` when it has none)."""
        for cl in self.links:
            if cl.layout.id == lid:
                return cl
        raise KeyError(lid)

    def wanted(self) -> set[tuple[str, str]]:
        """``(element, kind)`` of the chain's links and of the yards of its nodes (for :func:`read_passages`)."""
        return {(cl.layout.id, cl.layout.kind) for cl in self.links} | {(n, "yard") for n in self.nodes}


def _ends(lk: LinkLayout, names: Mapping[str, str]) -> str:
    return f"{lk.id} joins {names.get(lk.from_node, lk.from_node)} and {names.get(lk.to_node, lk.to_node)}"


def build_chain(ids: Sequence[str], links: Mapping[str, LinkLayout], names: Mapping[str, str] | None = None) -> Chain:
    """Join links end to end, in the order given, each run in whichever direction continues the chain.

    Parameters
    ----------
    ids
        Link ids, at least one.
    links
        Every link of the run (:func:`read_links`).
    names
        Node id -> name, for messages (a node id given as a link is named, with the links at it).

    Returns
    -------
    Chain
        A single link runs from its ``from_node``; the first of several from
        the end it does not share with the second.

    Raises
    ------
    CorridorsError
        No id, an unknown id (with the closest one, or the links at a node given), an id given twice, or two
        neighbours that share no node (naming the break and what each joins).
    """
    names = names or {}
    if not ids:
        raise CorridorsError("--line: no link id given; give one or more link ids separated by commas")
    for lid in ids:
        if lid in links:
            continue
        if lid in names:
            at = sorted(lk.id for lk in links.values() if lid in (lk.from_node, lk.to_node))
            raise CorridorsError(f"--line: '{lid}' is a place ({names[lid]}), not a link; the links at it: "
                                 f"{', '.join(at[:8]) or 'none'}")
        raise CorridorsError(f"--line: unknown link '{excerpt(lid)}'{did_you_mean(lid, links)}")
    seen = [lid for k, lid in enumerate(ids) if lid in ids[:k]]
    if seen:
        raise CorridorsError(f"--line: link '{seen[0]}' is given twice; a line passes each link once")
    first = links[ids[0]]
    forward = len(ids) == 1 or first.to_node in (links[ids[1]].from_node, links[ids[1]].to_node)
    at = first.from_node if forward else first.to_node
    nodes, kms, placed = [at], [0.0], []
    for k, lid in enumerate(ids):
        lk = links[lid]
        if at not in (lk.from_node, lk.to_node):
            prev = links[ids[k - 1]]
            raise CorridorsError(f"--line: the links do not join: {_ends(prev, names)}, {_ends(lk, names)}; "
                                 f"give the links in the order a train passes them")
        fwd = lk.from_node == at
        placed.append(ChainLink(lk, fwd, kms[-1]))
        at = lk.to_node if fwd else lk.from_node
        nodes.append(at)
        kms.append(kms[-1] + lk.length_km)
    return Chain(tuple(placed), tuple(nodes), tuple(kms))


@dataclass(frozen=True)
class TrainPath:
    """One train's line on a time-space diagram: where on the chain it was, when.

    Attributes
    ----------
    train_id
        The train.
    rising
        ``True`` when it runs towards the chain's last node.
    points
        ``(time h, km along the chain)``, in time order; straight between them.
    """

    train_id: int
    rising: bool
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Wait:
    """A train waiting to be let into a crossing or a yard on the chain (a shaded interval).

    Attributes
    ----------
    kind
        ``border``, ``ferry`` or ``yard``.
    element
        Link id (crossings) or node id (yards).
    start_h, end_h
        From arriving to being let in, hours.
    lo_km, hi_km
        The stretch of the chain it waits at: a crossing's two ends; a yard's node (both the same).
    """

    kind: str
    element: str
    start_h: float
    end_h: float
    lo_km: float
    hi_km: float


#: Kinds whose waits a diagram shades.
SHADED = ("border", "ferry", "yard")


def _pieces(ps: list[Passage], chain: Chain) -> list[tuple[Passage, list[tuple[float, float]]]]:
    """Each passage of one train with its points along the chain; a yard only where the train came or went on it."""
    links = []
    for p in ps:
        if p.kind != "yard":
            cl = chain.link(p.element)
            links.append((p, [(t, cl.km(x)) for t, x in passage_points(p, cl.layout.length_km)]))
    came = {p.leave_h: pts[-1][1] for p, pts in links}
    going = {p.arrive_h: pts[0][1] for p, pts in links}
    out = list(links)
    for p in ps:
        if p.kind == "yard":
            km = came.get(p.arrive_h, going.get(p.leave_h))
            if km is not None:  # else the train stopped at a node of the chain without running on it
                out.append((p, [(p.arrive_h, km), (p.leave_h, km)]))
    out.sort(key=lambda item: (item[0].arrive_h, item[0].leave_h))
    return out


def chain_paths(passages: Iterable[Passage], chain: Chain) -> tuple[list[TrainPath], list[Wait]]:
    """Turn the passages of a chain's links and yards into train lines and shaded waits.

    Parameters
    ----------
    passages
        From :func:`read_passages` with :meth:`Chain.wanted`.
    chain
        The distance axis.

    Returns
    -------
    tuple
        The :class:`TrainPath` of each stretch a train ran on the chain without
        leaving it (sorted by train, then time), and the :class:`Wait` before
        each crossing and yard on it where the train waited at all.
    """
    by_train: dict[int, list[Passage]] = defaultdict(list)
    for p in passages:
        by_train[p.train_id].append(p)
    paths, waits = [], []
    for tid in sorted(by_train):
        lines: list[list[tuple[float, float]]] = []
        for p, pts in _pieces(by_train[tid], chain):
            if p.kind in SHADED and p.start_h > p.arrive_h:
                lo, hi = sorted((pts[0][1], pts[-1][1]))
                waits.append(Wait(p.kind, p.element, p.arrive_h, p.start_h, lo, hi))
            last = lines[-1][-1] if lines else None
            if last is None or abs(last[0] - pts[0][0]) > 1e-9 or abs(last[1] - pts[0][1]) > 1e-6:
                lines.append([pts[0]])  # a new stretch: the train was off the line in between
            lines[-1].extend(pt for pt in pts[1:] if pt != lines[-1][-1])
        for line in lines:
            moved = [b[1] - a[1] for a, b in itertools.pairwise(line) if b[1] != a[1]]
            if moved:  # a yard alone (its link outside the window) is no line
                paths.append(TrainPath(tid, (line[-1][1] - line[0][1] or moved[0]) > 0, tuple(line)))
    return paths, waits
