"""The ``changes`` of a scenario: one handler per change kind, applied in file order.

Each item of ``changes`` is a mapping with exactly one key, the change kind;
:data:`CHANGE_HANDLERS` maps every kind to its handler, which checks the
item's body and applies it to the :class:`NetworkState` (or reports why it
cannot). To add a kind, write a handler here with ``@_handles("kind")`` and
document it in ``docs/scenario-format.md``; the order of registration is the
order in which messages list the kinds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from corridors.elements import handling_rate_per_day
from corridors.network import (
    BorderCrossing,
    FerryLink,
    Network,
    Node,
    RailSection,
    geodesic_length_km,
)
from corridors.ranges import Range, range_of
from corridors.scenario.problems import (
    KeyPath,
    Problems,
    did_you_mean,
    excerpt,
    fmt_path,
    show,
    unknown_key,
)
from corridors.scenario.schema import CloseSpec, SlowdownSpec, is_number, validate

log = logging.getLogger(__name__)

_UPGRADE_KEYS = ("tracks", "loop_spacing_km", "headway_min", "speed_kmh", "electrified")
_SET_BORDER_KEYS = (
    "handling_tracks",
    "dwell_h",
    "dwell_cv",
    "handling_trains_per_day",
    "exchange_limit_trains_per_day",
    "clearance_ab_h",
    "clearance_ba_h",
)
#: Attributes of the network contract that are derived from others. A change may
#: give one only with the value it derives to (within :data:`DERIVED_TOLERANCE`,
#: the rounding of the network file); the handler computes it from what it
#: derives from, so it is never shown as changed while the engine ignores it.
DERIVED_KEYS: dict[str, str] = {
    "handling_trains_per_day": "derived from handling_tracks × 24 / dwell_h: set those instead",
}
#: How far a stated derived figure may be from its derivation (trains/day: whole trains, rounded).
DERIVED_TOLERANCE = 0.5
_SET_FERRY_KEYS = (
    "vessels",
    "wagons_per_vessel",
    "crossing_h",
    "port_handling_h",
    "max_wait_h",
    "weather_downtime_share",
)
_KIND_WORD = {"rail": "rail section", "border": "border crossing", "ferry": "ferry link"}


@dataclass
class NetworkState:
    """The network while changes are applied.

    Attributes
    ----------
    nodes
        Every node by id (the network's and those added).
    links
        Every link by id, whatever its status (the network's and those added).
    active
        Ids of the active links, in activation order (a dict used as an ordered set).
    default_year
        ``opening_year`` of an added link that gives none: the network's ``as_of`` year.
    network_name
        The network file's name, for messages.
    touched
        The change that last touched an element (its key path), to locate
        problems found in the resolved network.
    with_points
        Added links with a drawn geometry (their length is checked against it).
    disruptions
        ``close`` / ``slowdown`` items: (key path, spec, whether its times are valid).
    """

    nodes: dict[str, Node]
    links: dict
    active: dict[str, None]
    default_year: int
    network_name: str
    touched: dict[str, KeyPath] = field(default_factory=dict)
    with_points: list[str] = field(default_factory=list)
    disruptions: list[tuple[KeyPath, CloseSpec, bool]] = field(default_factory=list)

    @classmethod
    def of(cls, net: Network) -> NetworkState:
        """Return the state of a network file before any change: its ``existing`` links active."""
        return cls(
            nodes=dict(net.nodes),
            links=dict(net.links),
            active={k: None for k, v in net.links.items() if v.status == "existing"},
            default_year=int(net.as_of[:4]) if net.as_of[:4].isdigit() else 2000,
            network_name=net.source or net.name,
        )


#: A change handler: (problems, state, the item's body, the item's key path ending in its kind).
ChangeHandler = Callable[[Problems, NetworkState, Any, KeyPath], None]

#: Every change kind and its handler, in the order messages list them.
CHANGE_HANDLERS: dict[str, ChangeHandler] = {}


def _handles(*kinds: str) -> Callable[[ChangeHandler], ChangeHandler]:
    """Register the decorated function as the handler of ``kinds``."""

    def register(fn: ChangeHandler) -> ChangeHandler:
        for kind in kinds:
            CHANGE_HANDLERS[kind] = fn
        return fn

    return register


def apply_changes(problems: Problems, net: Network, changes: list) -> NetworkState:
    """Apply the ``changes`` items in order to the network file's state.

    Parameters
    ----------
    problems
        Collector of the resolution; every bad item is reported and skipped.
    net
        The network file as read.
    changes
        The merged ``changes`` list (raw items, each ``{kind: body}``).

    Returns
    -------
    NetworkState
        Nodes, links and active links after the changes, plus the closures
        and slowdowns still to be expanded into disruptions.
    """
    state = NetworkState.of(net)
    kinds = ", ".join(CHANGE_HANDLERS)
    for i, item in enumerate(changes):
        path = ("changes", i)
        if not isinstance(item, dict) or len(item) != 1:
            got = f"keys {', '.join(map(str, item))}" if isinstance(item, dict) else show(item)
            problems.err(path, f"got {got}, expected a mapping with exactly one key, one of: {kinds}")
            continue
        ((kind, body),) = item.items()
        handler = CHANGE_HANDLERS.get(kind)
        if handler is None:
            problems.err(
                (*path, kind),
                f"unknown change '{excerpt(str(kind))}', expected one of: {kinds}{did_you_mean(kind, CHANGE_HANDLERS)}",
            )
            continue
        handler(problems, state, body, (*path, kind))
    return state


def _unknown_link(
    problems: Problems,
    state: NetworkState,
    lid: Any,
    path: KeyPath,
    choices: Iterable[str] | None = None,
    what: str = "link",
) -> None:
    choices = state.links if choices is None else choices
    if lid in state.nodes:
        problems.err(path, f"'{lid}' is a node, expected a {what} id")
    else:
        problems.err(
            path,
            f"unknown {what} '{excerpt(str(lid))}', expected a link id of {state.network_name} or one added by changes{did_you_mean(lid, choices)}",
        )


def _check_keys(problems: Problems, body: dict, allowed: Iterable[str], path: KeyPath) -> bool:
    allowed = tuple(allowed)
    unknown = [k for k in body if k not in allowed]
    for k in unknown:
        problems.err((*path, k), unknown_key(k, allowed))
    return not unknown


def _range(key: str) -> Range:
    """Return the plausible range of a border attribute (from the network record)."""
    return range_of(BorderCrossing.model_fields[key])


def _with_derived(problems: Problems, rec: dict, given: dict, path: KeyPath) -> bool:
    """Compute the derived attributes of a border record into ``rec`` (see :data:`DERIVED_KEYS`).

    A derived key in ``given`` (the change's body) that disagrees with its
    derivation is reported at its own key; returns False then.
    """
    tracks, dwell = rec.get("handling_tracks"), rec.get("dwell_h")
    stated = given.get("handling_trains_per_day")
    if "handling_trains_per_day" in given and _range("handling_trains_per_day").problem(stated):
        rec["handling_trains_per_day"] = stated  # the record reports it with its plausible range
        return True
    if _range("handling_tracks").problem(tracks) or _range("dwell_h").problem(dwell):
        rec["handling_trains_per_day"] = 1.0  # placeholder: the bad tracks / dwell are reported
        return True
    derived = handling_rate_per_day(tracks, dwell)
    rec["handling_trains_per_day"] = derived
    rate = _range("handling_trains_per_day")
    if "handling_trains_per_day" not in given and rate.problem(derived):
        # both inputs are plausible, their combination is not: say so at what the user wrote
        key = "dwell_h" if "dwell_h" in given else "handling_tracks"
        problems.err((*path, key), f"handling_tracks {tracks:g} x 24 / dwell_h {dwell:g} gives {derived:g} "
                                   f"trains/day, expected {rate.text()}")
        return False
    if "handling_trains_per_day" in given and not (
        is_number(stated) and abs(stated - derived) <= DERIVED_TOLERANCE
    ):
        problems.err(
            (*path, "handling_trains_per_day"),
            f"got {show(stated)}, expected {derived:g} or no value: handling_trains_per_day is "
            f"{DERIVED_KEYS['handling_trains_per_day']}",
        )
        return False
    return True


# --------------------------------------------------------------------------- open / add


@_handles("open")
def _open(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Activate planned or under-construction links (one id or a list)."""
    items = (
        [(body, path)]
        if isinstance(body, str)
        else [(x, (*path, j)) for j, x in enumerate(body)]
        if isinstance(body, list)
        else None
    )
    if not items:
        problems.err(path, f"got {show(body)}, expected a link id or a list of link ids")
        return
    closed = {k: v for k, v in state.links.items() if v.status != "existing"}
    for lid, p in items:
        if not isinstance(lid, str):
            problems.err(p, f"got {show(lid)}, expected a link id")
        elif lid not in state.links:
            _unknown_link(problems, state, lid, p, closed, "planned or under-construction link")
        elif lid in state.active:
            link = state.links[lid]
            if link.status == "existing":
                problems.err(
                    p,
                    f"link '{lid}' already has status existing in the network file, expected a planned or under-construction link",
                )
            else:
                problems.err(
                    p, f"link '{lid}' is already open, expected a link that is not active yet"
                )
        else:
            state.active[lid] = None
            state.touched[lid] = p


_ADD_RECORD: dict[str, type[BaseModel]] = {
    "add_node": Node,
    "add_section": RailSection,
    "add_border": BorderCrossing,
    "add_ferry": FerryLink,
}


@_handles(*_ADD_RECORD)
def _add_element(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Add a node or a link (active at once); a link may give ``points`` for its geometry."""
    model = _ADD_RECORD[path[-1]]
    if not isinstance(body, dict):
        problems.err(path, f"got {show(body)}, expected a mapping of the new element's attributes")
        return
    allowed = [n for n in model.model_fields if n not in ("kind", "coords")]
    if model is not Node:
        allowed.append("points")
    ok = _check_keys(problems, body, allowed, path)
    eid = body.get("id")
    if isinstance(eid, str) and (eid in state.nodes or eid in state.links):
        what = "node" if eid in state.nodes else _KIND_WORD[state.links[eid].kind]
        problems.err(
            (*path, "id"),
            f"'{eid}' already exists (a {what}), expected a new id (use upgrade / set_border / set_ferry / open to change an existing element)",
        )
        ok = False
    rec = {k: v for k, v in body.items() if k != "points" and k in allowed}
    rec.setdefault("source", f"scenario change at {problems.origin_text(path)}")
    if model is Node:
        node = validate(problems, model, rec, path, strict=True)
        if node is not None and ok:
            state.nodes[node.id] = node
            state.touched[node.id] = path
        return
    link = _new_link(problems, state, model, body, rec, path, ok)
    if link is None:
        return
    state.links[link.id] = link
    state.active[link.id] = None
    state.touched[link.id] = path
    if link.coords:
        state.with_points.append(link.id)


def _new_link(
    problems: Problems,
    state: NetworkState,
    model: type[BaseModel],
    body: dict,
    rec: dict,
    path: KeyPath,
    ok: bool,
) -> Any:
    """Return the added link record (ends checked, geometry and defaults filled in), or None."""
    ends = []
    for end in ("from_node", "to_node"):
        nid = body.get(end)
        if isinstance(nid, str) and nid not in state.nodes:
            problems.err(
                (*path, end),
                f"unknown node '{excerpt(str(nid))}', expected a node of the network or one added earlier in changes{did_you_mean(nid, state.nodes)}",
            )
            ok = False
        elif isinstance(nid, str):
            ends.append(state.nodes[nid])
    points = _points(problems, body.get("points"), (*path, "points"))
    if points is None:
        ok = False
    coords: tuple = ()
    if len(ends) == 2 and points is not None and points:
        coords = ((ends[0].lon, ends[0].lat), *points, (ends[1].lon, ends[1].lat))
    rec.update(kind=model.model_fields["kind"].default, coords=coords)
    rec.setdefault("status", "planned")
    rec.setdefault("opening_year", state.default_year)
    if len(ends) == 2:
        if model is not RailSection and "length_km" not in rec:
            line = coords or ((ends[0].lon, ends[0].lat), (ends[1].lon, ends[1].lat))
            rec["length_km"] = max(1.0, round(geodesic_length_km(line), 1))
        if model is BorderCrossing and "gauge_change" not in rec:
            rec["gauge_change"] = ends[0].gauge_mm != ends[1].gauge_mm
    if model is BorderCrossing and not _with_derived(problems, rec, body, path):
        ok = False
    link = validate(problems, model, rec, path, strict=True)
    return link if ok else None


def _points(problems: Problems, raw: Any, path: KeyPath) -> tuple | None:
    """``points`` as ((lon, lat), ...) in degrees; None (reported) when malformed."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.err(path, f"got {show(raw)}, expected a list of [lon, lat] pairs")
        return None
    out = []
    for j, pt in enumerate(raw):
        if (
            isinstance(pt, list)
            and len(pt) == 2
            and all(is_number(c) for c in pt)
            and -180 <= pt[0] <= 180
            and -90 <= pt[1] <= 90
        ):
            out.append((float(pt[0]), float(pt[1])))
        else:
            problems.err((*path, j), f"got {show(pt)}, expected a [lon, lat] pair in degrees")
            return None
    return tuple(out)


# --------------------------------------------------------------------------- modify / remove

#: Per modifying kind: the attributes it may change and the record type it applies to.
_MODIFY: dict[str, tuple[tuple[str, ...], type[BaseModel]]] = {
    "upgrade": (_UPGRADE_KEYS, RailSection),
    "set_border": (_SET_BORDER_KEYS, BorderCrossing),
    "set_ferry": (_SET_FERRY_KEYS, FerryLink),
}


@_handles(*_MODIFY)
def _modify(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Change attributes of an existing rail section, border crossing or ferry link."""
    verb = path[-1]
    keys, cls = _MODIFY[verb]
    if not isinstance(body, dict):
        problems.err(
            path, f"got {show(body)}, expected a mapping with id and the attributes to change"
        )
        return
    ok = _check_keys(problems, body, ("id", *keys), path)
    link = _link_to_modify(problems, state, body, path, cls, verb)
    if link is None or not ok:
        return
    update = {k: v for k, v in body.items() if k != "id"}
    if not update:
        problems.err(path, f"nothing to change, expected at least one of: {', '.join(keys)}")
        return
    merged = {**link.model_dump(), **update}
    if cls is BorderCrossing and not _with_derived(problems, merged, update, path):
        return
    new = validate(problems, cls, merged, path, strict=True)
    if new is None:
        return
    if isinstance(new, RailSection):
        if new.tracks == 2 and new.headway_min is None:
            problems.err(
                (*path, "tracks"),
                "double track needs headway_min, expected headway_min in this upgrade",
            )
            return
        if new.tracks == 1 and new.loop_spacing_km is None:
            problems.err(
                (*path, "tracks"),
                "single track needs loop_spacing_km, expected loop_spacing_km in this upgrade",
            )
            return
    if link.id not in state.active:
        log.warning(
            "%s: %s changes '%s', which is not active (status %s)",
            fmt_path(path),
            verb,
            link.id,
            link.status,
        )
    state.links[link.id] = new
    state.touched[link.id] = path


def _link_to_modify(
    problems: Problems, state: NetworkState, body: dict, path: KeyPath, cls: type, verb: str
) -> Any:
    """Return the link named by ``body['id']`` if it is of type ``cls``; None (reported) otherwise."""
    word = _KIND_WORD[cls.model_fields["kind"].default]
    if "id" not in body:
        problems.err(
            (*path, "id"), f"required key is missing, expected the id of the {word} to change"
        )
        return None
    lid = body["id"]
    if not isinstance(lid, str):
        problems.err((*path, "id"), f"got {show(lid)}, expected the id of a {word}")
        return None
    link = state.links.get(lid)
    if link is None:
        of_kind = {k: v for k, v in state.links.items() if isinstance(v, cls)}
        _unknown_link(problems, state, lid, (*path, "id"), of_kind, word)
        return None
    if not isinstance(link, cls):
        hint = {"rail": "upgrade", "border": "set_border", "ferry": "set_ferry"}[link.kind]
        problems.err(
            (*path, "id"),
            f"'{lid}' is a {_KIND_WORD[link.kind]}, expected a {word} ({verb} changes {word}s; use {hint})",
        )
        return None
    return link


_YARD_KEYS = ("yard_tracks", "yard_dwell_h")


@_handles("set_yard")
def _set_yard(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Give a node a yard, or change its yard (``yard_tracks``, ``yard_dwell_h``)."""
    if not isinstance(body, dict):
        problems.err(path, f"got {show(body)}, expected a mapping with id and the yard's attributes")
        return
    ok = _check_keys(problems, body, ("id", *_YARD_KEYS), path)
    nid = body.get("id")
    if isinstance(nid, str) and nid in state.links:
        problems.err((*path, "id"), f"'{nid}' is a {_KIND_WORD[state.links[nid].kind]}, expected a node "
                     "(set_yard changes nodes; use upgrade / set_border / set_ferry for links)")
        return
    if not isinstance(nid, str) or nid not in state.nodes:
        problems.err((*path, "id"), f"got {show(nid)}, expected the id of a node"
                     + (did_you_mean(nid, state.nodes) if isinstance(nid, str) else ""))
        return
    update = {k: v for k, v in body.items() if k in _YARD_KEYS}
    if not ok:
        return
    if not update:
        problems.err(path, f"nothing to change, expected at least one of: {', '.join(_YARD_KEYS)}")
        return
    new = validate(problems, Node, {**state.nodes[nid].model_dump(), **update}, path, strict=True)
    if new is None:
        return
    if (new.yard_tracks is None) != (new.yard_dwell_h is None):
        missing = "yard_dwell_h" if new.yard_dwell_h is None else "yard_tracks"
        problems.err(path, f"node '{nid}' would have a yard without {missing}, expected yard_tracks and "
                     "yard_dwell_h together (both numbers)")
        return
    state.nodes[nid] = new


# --------------------------------------------------------------------------- close / slowdown


@_handles("close")
def _close(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Close a link or node for ``from_day``..``to_day`` or a yearly ``season``."""
    spec = validate(problems, CloseSpec, body, path)
    if spec is None:
        return
    has_days = spec.from_day is not None or spec.to_day is not None
    if spec.season is not None and has_days:
        problems.err((*path, "season"), "got both season and from_day/to_day, expected one of them")
        state.disruptions.append((path, spec, False))
    elif spec.season is None and (spec.from_day is None or spec.to_day is None):
        missing = "from_day" if spec.from_day is None else "to_day"
        problems.err(
            (*path, missing),
            "required key is missing, expected from_day and to_day (or a season)",
        )
        state.disruptions.append((path, spec, False))
    else:
        state.disruptions.append((path, spec, True))


@_handles("slowdown")
def _slowdown(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Slow a link or node down to ``factor`` of its speed (whole horizon, days or a season)."""
    spec = validate(problems, SlowdownSpec, body, path)
    if spec is None:
        return
    if spec.season is not None and (spec.from_day is not None or spec.to_day is not None):
        problems.err((*path, "season"), "got both season and from_day/to_day, expected one of them")
        state.disruptions.append((path, spec, False))
    else:
        state.disruptions.append((path, spec, True))


@_handles("remove")
def _remove(problems: Problems, state: NetworkState, body: Any, path: KeyPath) -> None:
    """Deactivate an active link."""
    if not isinstance(body, str):
        problems.err(path, f"got {show(body)}, expected a link id")
    elif body not in state.links:
        _unknown_link(problems, state, body, path)
    elif body not in state.active:
        problems.err(
            path,
            f"link '{body}' is not active (status {state.links[body].status}), expected an active link",
        )
    else:
        del state.active[body]
        state.touched[body] = path


#: Kinds of ``changes`` items (each item is a mapping with exactly one of these keys).
CHANGE_KINDS: tuple[str, ...] = tuple(CHANGE_HANDLERS)
