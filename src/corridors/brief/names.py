"""Names and kinds of network elements, as sentences and tables of the brief write them."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from corridors import REGIONS
from corridors.brief.format import clean_name
from corridors.brief.read import ResultFolder, locate_input
from corridors.errors import CorridorsError

log = logging.getLogger(__name__)

__all__ = ["FIELD_LABEL", "KIND_LABEL", "OPERATION_LABEL", "ElementNames", "field_label", "limit_kind",
           "operation_label", "project_names"]

#: Network element fields as the brief names them (units in brackets); others are written with spaces.
FIELD_LABEL = {
    "tracks": "tracks",
    "headway_min": "signalling headway (min)",
    "loop_spacing_km": "passing-loop spacing (km)",
    "speed_kmh": "line speed (km/h)",
    "electrified": "electrified",
    "length_km": "length (km)",
    "status": "status",
    "opening_year": "opening year",
    "dwell_h": "handling time (h)",
    "dwell_cv": "handling-time variation (coefficient)",
    "handling_tracks": "handling tracks",
    "handling_trains_per_day": "handling capacity (trains/day)",
    "exchange_limit_trains_per_day": "daily handover limit (trains)",
    "clearance_ab_h": "clearance hold, forward (h)",
    "clearance_ba_h": "clearance hold, backward (h)",
    "gauge_change": "gauge change",
    "vessels": "vessels",
    "wagons_per_vessel": "wagons per vessel",
    "crossing_h": "sailing time (h)",
    "port_handling_h": "port handling (h)",
    "max_wait_h": "longest wait for a full load (h)",
    "weather_downtime_share": "weather downtime (share of days)",
    "yard_tracks": "yard tracks",
    "yard_dwell_h": "yard stop (h)",
}

#: Operating rules (the scenario's ``operations``) as the brief names them.
OPERATION_LABEL = {
    "maintenance_h": "Daily maintenance window (h)",
    "maintenance_start_h": "Maintenance window starts (hour of the day)",
    "meet_overhead_min": "Time lost per meet on single track (min)",
    "double_track_occupancy": "Share of the day a double-track timetable may use (UIC 406)",
    "k_routes": "Candidate routes per flow",
    "max_detour": "Longest detour a candidate route may take (times the shortest)",
    "route_overlap_max": "Largest share a candidate route may share with a shorter one",
    "gateway_detour": "Longest detour to a market's gateway (times the nearest)",
    "congestion_weight": "Weight of queues in route choice (1: like running time)",
    "reroute_on_closure": "Trains go round a closure met on the way",
    "reroute_gain_h": "Hours saved to leave a route for a queue (0: never)",
    "max_origin_backlog_days": "Trains held at origin before refusing more (days of demand)",
    "wagons_per_train_reference": "Reference train length (wagons)",
    "routing": "Route choice (adaptive: by the queues met; assigned: the upper bound's shares)",
    "priorities": "Dispatching priority by cargo (1 first)",
}


def field_label(key: str) -> str:
    """Return how the brief names a network element field (:data:`FIELD_LABEL`, else its words)."""
    return FIELD_LABEL.get(key, key.replace("_", " "))


def operation_label(key: str) -> str:
    """Return how the brief names an operating rule (:data:`OPERATION_LABEL`, else its words)."""
    return OPERATION_LABEL.get(key, key.replace("_", " ").capitalize())

#: Element kind -> how the brief names it.
KIND_LABEL = {
    "single_track": "single-track section",
    "double_track": "double-track section",
    "border": "border crossing",
    "ferry": "ferry link",
    "yard": "yard",
}


def _kind_of(row: dict | None) -> str | None:
    """Return the kind of an element row: sections by their track count, crossings by their ``kind``."""
    if row is None:
        return None
    if "tracks" in row:
        return "single_track" if row["tracks"] == 1 else "double_track"
    if "yard_tracks" in row:
        return "yard"
    return row.get("kind")


def limit_kind(rec: dict, eid: str | None) -> str | None:
    """Return the kind the capacity search recorded for a limiting element.

    Parameters
    ----------
    rec
        A ``before`` or ``after`` record of ``comparison.json`` (its ``binding`` and ``bottlenecks`` lists).
    eid
        Element id, or ``None``.

    Returns
    -------
    str or None
        ``"single_track"``, ``"border"``, ... or ``None`` when the record does not list ``eid``.
    """
    for e in (*rec.get("binding", []), *rec.get("bottlenecks", [])):
        if e.get("id") == eid:
            return e.get("kind")
    return None


@dataclass(frozen=True)
class ElementNames:
    """Element names and kinds of a result folder, for sentences and tables.

    Attributes
    ----------
    result
        The folder whose ``sections.csv`` and ``crossings.csv`` name the elements (the after run first).
    """

    result: ResultFolder

    @cached_property
    def _places(self) -> dict[str, str]:
        """Node id -> name: from the runs' ``nodes.csv``, else the network file the runs recorded.

        A folder written before ``nodes.csv`` existed, read where its network
        file cannot be found, names places by id; that is logged once.
        """
        from corridors.network import read_network

        places = {str(row["id"]): str(row["name"]) for run in self.result.runs for row in run.nodes if row.get("name")}
        if places:
            return places
        net = self.result.runs[-1].meta.get("network")
        recorded = net.get("file") if isinstance(net, dict) else None
        path = locate_input(self.result, str(recorded)) if recorded else None
        if path is None:
            log.warning("%s: no nodes.csv and the network file %s cannot be found from here; places are named by "
                        "their ids (run the comparison again, or the brief from the project folder)",
                        self.result.path, recorded)
            return {}
        try:
            return {k: n.name for k, n in read_network(path).nodes.items()}
        except (CorridorsError, OSError) as exc:
            log.warning("%s: cannot read node names (%s); places are named by their ids", path, exc)
            return {}

    def place(self, nid: str) -> str:
        """Return a node's name (``Dostyk``), a market as it is, or the id when no name is known."""
        if nid in REGIONS:
            return nid
        return clean_name(self._places.get(nid, nid))

    @cached_property
    def _corridors(self) -> dict[str, str]:
        """Flow id -> its name by ends and cargo, made unique by the places it must pass, else by a number."""
        flows: dict[str, dict] = {}
        for run in reversed(self.result.runs):
            for f in run.scenario.get("demand") or []:
                flows.setdefault(str(f.get("id")), f)
        out = {}
        for cid, f in flows.items():
            cargo = str(f.get("cargo") or "").replace("_", " ")
            ends = f"{self.place(str(f.get('origin')))} → {self.place(str(f.get('destination')))}"
            out[cid] = f"{ends} ({cargo})" if cargo else ends
        seen: dict[str, list[str]] = {}
        for cid, label in out.items():
            seen.setdefault(label, []).append(cid)
        for label, ids in seen.items():
            if len(ids) < 2:
                continue
            for i, cid in enumerate(ids, start=1):
                via = [str(v) for group in (flows[cid].get("via") or []) for v in
                       (group if isinstance(group, list) else [group])]
                out[cid] = (f"{label} via {', '.join(self.place(v) if v != 'ferry' else 'Caspian ferry' for v in via)}"
                            if via else f"{label}, route {i}")
        groups: dict[str, list[str]] = {}
        for cid, label in out.items():
            groups.setdefault(label, []).append(cid)
        for label, ids in groups.items():  # the same places too: number them
            if len(ids) > 1:
                out.update({cid: f"{label} #{i}" for i, cid in enumerate(ids, start=1)})
        return out

    def corridor(self, cid: str) -> str:
        """Name a corridor (a demand flow) by its ends and cargo: ``Zhezkazgan → China (copper)``.

        The flow is looked up in the scenarios' ``demand`` (the after run
        first). Two flows with the same ends and cargo are told apart by the
        places they must pass (``via``), else by a number; an unknown id is
        returned as it is.
        """
        return self._corridors.get(cid, cid)

    def name(self, eid: str) -> str:
        """Return an element's name (``Aktogay – Moyinty``), or its id when no table names it."""
        row = self.result.element(eid)
        return clean_name(row["name"]) if row and row.get("name") else eid

    def kind(self, eid: str, kind: str | None = None) -> str | None:
        """Return ``kind`` when given, else the element's kind from its row (``None`` when unknown)."""
        return kind or _kind_of(self.result.element(eid))

    def describe(self, eid: str, kind: str | None = None) -> str:
        """Name an element in a sentence: ``the single-track section Aktogay – Moyinty``.

        Parameters
        ----------
        eid
            Element id.
        kind
            Its kind when known from elsewhere (see :func:`limit_kind`); default: from its row.

        Returns
        -------
        str
        """
        name = self.name(eid)
        if any(w in name.lower() for w in ("ferry", "facility", "crossing", "border")):
            return f"the {name}"
        label = KIND_LABEL.get(self.kind(eid, kind) or "", "element")
        return f"the {label} {name}"

    def label(self, eid: str | None, kind: str | None = None) -> str:
        """Name an element in a table cell: ``Aktogay – Moyinty (single-track section)``; ``–`` for none.

        Parameters
        ----------
        eid
            Element id, or ``None``.
        kind
            Its kind when known from elsewhere; default: from its row.

        Returns
        -------
        str
        """
        if not eid:
            return "–"
        k = KIND_LABEL.get(self.kind(eid, kind) or "")
        name = self.name(eid)
        if not k:
            return name
        return f"{name}, {k}" if name.endswith(")") else f"{name} ({k})"  # no double brackets


def _project_title(description: str) -> str:
    """Cut an overlay's description to the project's name.

    ``"Dostyk–Moyinty second track (836 km), part of the ..."`` becomes
    ``"Dostyk–Moyinty second track"``.
    """
    text = " ".join(description.split())
    return re.split(r" \(|, part of|\. ", text, maxsplit=1)[0].rstrip(".").strip()


def project_names(result: ResultFolder) -> dict[str, str]:
    """Return the human name of every attributed project (overlay), by its file stem.

    Parameters
    ----------
    result
        A compare folder; ``run.json`` lists the overlays in ``attributed_overlays``.

    Returns
    -------
    dict
        Overlay file stem (``dostyk-moyinty-2nd-track``, the prefix of the
        ``attribution.csv`` columns) -> its name from the overlay's
        ``description`` (``Dostyk–Moyinty second track``); the stem in words
        where the file cannot be read from here.
    """
    out = {}
    for recorded in result.meta.get("attributed_overlays") or []:
        stem = Path(str(recorded)).stem
        name = stem.replace("-", " ").capitalize()
        p = locate_input(result, str(recorded))
        if p is not None:
            try:
                desc = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("description")
            except (OSError, yaml.YAMLError, AttributeError):
                desc = None
            if isinstance(desc, str) and desc.strip():
                name = _project_title(desc)
        out[stem] = name
    return out
