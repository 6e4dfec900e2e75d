"""The fully resolved scenario as plain data and YAML (``corridors show``, ``scenario.resolved.yaml``).

The one dumper of a :class:`~corridors.model.RunSpec`: keys in a fixed
order, floats rounded, and what the scenario changed relative to its
network file spelled out element by element.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict
from io import StringIO
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from corridors.errors import NetworkError
from corridors.model import RunSpec
from corridors.network import Network, read_network
from corridors.scenario.resolve import load_scenario


def _round(x: float, ndigits: int = 3) -> float | int:
    r = round(float(x), ndigits)
    return int(r) if r == int(r) and abs(r) < 1e15 else r


def _plain_value(v: Any) -> Any:
    return _round(v) if isinstance(v, float) else v


def _rounded(d: dict) -> dict:
    return {k: _plain_value(v) for k, v in d.items()}


def _record_attrs(rec: BaseModel) -> dict:
    return _rounded(rec.model_dump(exclude={"coords", "source"}))


def _base_network(net: Network) -> Network | None:
    """Read the network file a resolved network came from, if it can still be read."""
    if not (net.source and Path(net.source).is_file()):
        return None
    try:
        return read_network(net.source)
    except NetworkError:
        return None


def _link_change(link: BaseModel, old: BaseModel | None) -> dict | None:
    """How an active link differs from the network file: change kinds, changed fields, attributes."""
    kinds, fields = [], []
    if old is None:
        kinds.append("added")
    else:
        if old.status != "existing":
            kinds.append("opened")
        new_d, old_d = link.model_dump(), old.model_dump()
        fields = [k for k in new_d if new_d[k] != old_d.get(k)]
        if fields:
            kinds.append("modified")
    if not kinds:
        return None
    entry: dict[str, Any] = {"change": kinds}
    if fields:
        entry["changed_fields"] = {
            k: {"from": _plain_value(getattr(old, k)), "to": _plain_value(getattr(link, k))}
            for k in fields
        }
    entry.update(_record_attrs(link))
    return entry


def _changes(net: Network) -> tuple[dict[str, dict], list[str]]:
    """``changed_elements`` and ``removed_links`` of a resolved network against its file."""
    base = _base_network(net)
    if base is None:
        return {}, []
    changed: dict[str, dict] = {}
    for nid in sorted(net.nodes):
        old = base.nodes.get(nid)
        if old is None:
            changed[nid] = {"change": ["added"], **_record_attrs(net.nodes[nid])}
            continue
        new_d, old_d = net.nodes[nid].model_dump(), old.model_dump()
        fields = [k for k in new_d if new_d[k] != old_d.get(k)]  # set_yard
        if fields:
            changed[nid] = {"change": ["modified"],
                            "changed_fields": {k: {"from": _plain_value(old_d.get(k)), "to": _plain_value(new_d[k])}
                                               for k in fields},
                            **_record_attrs(net.nodes[nid])}
    for lid in sorted(net.links):
        entry = _link_change(net.links[lid], base.links.get(lid))
        if entry is not None:
            changed[lid] = entry
    removed = sorted(
        k for k, v in base.links.items() if v.status == "existing" and k not in net.links
    )
    return changed, removed


def _flow_rows(spec: RunSpec) -> list[dict]:
    """One row per flow: ends, cargo, tonnes, trains (and TEU) per year, profile, via/avoid."""
    rows = []
    for f in spec.flows:
        cls = spec.cargo.get(f.cargo)
        row: dict[str, Any] = {
            "id": f.id,
            "origin": f.origin,
            "destination": f.destination,
            "cargo": f.cargo,
            "tonnes_per_year": _round(f.tonnes_per_year, 0),
            "trains_per_year": _round(f.trains_per_year, 2),
        }
        if cls is not None and cls.teu_per_train:
            row["teu_per_year"] = _round(f.trains_per_year * cls.teu_per_train, 0)
        if f.monthly_profile != (1.0,) * 12:
            row["monthly_profile"] = [_round(x, 4) for x in f.monthly_profile]
        if f.via:
            row["via"] = [list(g) for g in f.via]
        if f.avoid:
            row["avoid"] = list(f.avoid)
        row["origin_region"] = f.origin_region
        row["destination_region"] = f.destination_region
        row["source"] = f.source
        rows.append(row)
    return rows


def resolved_dict(spec_or_path: RunSpec | str | Path) -> dict:
    """Return the fully resolved scenario as plain, YAML-able data in a deterministic order.

    Parameters
    ----------
    spec_or_path
        A :class:`RunSpec`, or the path of a scenario file (loaded with
        :func:`~corridors.scenario.load_scenario`).

    Returns
    -------
    dict
        ``name``, ``description``, ``source_files``, ``network`` (file, name,
        version, as_of), ``active_links`` (sorted ids), ``removed_links``,
        ``changed_elements`` (id → change kinds, changed fields and the full
        attributes, for every element added, opened or modified relative to
        the network file), ``demand`` (flows with tonnes and trains per year),
        ``demand_totals``, ``cargo_classes``, ``operations``, ``disruptions``
        (plain day intervals) and ``simulation``.

    Raises
    ------
    ScenarioError
        When given a path whose scenario has problems.
    """
    spec = spec_or_path if isinstance(spec_or_path, RunSpec) else load_scenario(spec_or_path)
    net = spec.network
    changed, removed = _changes(net)
    return {
        "name": spec.name,
        "description": spec.description,
        "source_files": list(spec.source_files),
        "network": {"file": net.source, "name": net.name, "version": net.version, "as_of": net.as_of},
        "active_links": sorted(net.links),
        "removed_links": removed,
        "changed_elements": changed,
        "demand": _flow_rows(spec),
        "demand_totals": {
            "flows": len(spec.flows),
            "tonnes_per_year": _round(sum(f.tonnes_per_year for f in spec.flows), 0),
            "trains_per_year": _round(sum(f.trains_per_year for f in spec.flows), 2),
        },
        "cargo_classes": {k: _rounded(asdict(v)) for k, v in spec.cargo.items()},
        "operations": _rounded(asdict(spec.operations)),
        "disruptions": [
            {
                "target": d.target,
                "start_day": _round(d.start_day),
                "end_day": _round(d.end_day),
                "factor": _round(d.factor),
                "reason": d.reason,
            }
            for d in spec.disruptions
        ],
        "simulation": _rounded(asdict(spec.settings)),
    }


#: Words that print plain inside a flow list (``[a, b]``) for every reader; others make the list a block.
_FLOW_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def _flow_word(text: str) -> bool:
    return _FLOW_WORD.fullmatch(text) is not None and not _reads_as_other(text)


def _yaml_ready(x: Any) -> Any:
    """Plain data for the round-trip dumper: short lists of numbers or simple words print on one line."""
    if isinstance(x, dict):
        return {k: _yaml_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        items = [_yaml_ready(v) for v in x]
        short_numbers = len(items) <= 12 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in items
        )
        short_words = all(isinstance(v, str) and _flow_word(v) for v in items) and sum(
            len(v) + 2 for v in items
        ) <= 80
        if items and (short_numbers or short_words):
            seq = CommentedSeq(items)
            seq.fa.set_flow_style()
            return seq
        return items
    return x


#: The implicit resolvers of YAML 1.1 (PyYAML, most other tools) and 1.2 (ruamel): a string that
#: either would read as something else (``no``, ``on``, ``y``, ``~``, ``1:30``, ``0o7``, ``=``) is quoted.
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
_STR_TAG = "tag:yaml.org,2002:str"


def _reads_as_other(text: str) -> bool:
    """Whether ``text`` written as a plain scalar would read back as a non-string in YAML 1.1 or 1.2."""
    return any(str(r.resolve(ScalarNode, text, (True, False))) != _STR_TAG for r in _RESOLVERS)


def _needs_escapes(text: str) -> bool:
    """Whether ``text`` holds a character that only a double-quoted scalar carries intact.

    Control characters, and the line breaks of YAML 1.1 (NEL, LS, PS) and a
    byte-order mark, which readers would fold or drop in any other style.
    """
    return any(ch in "\x85\u2028\u2029\ufeff" or (not ch.isprintable() and ch not in "\n\t") for ch in text)


def _represent_str(rep: RoundTripRepresenter, data: str) -> Any:
    """Quote every string a YAML 1.1 or 1.2 reader would take for a boolean, number, date or null."""
    if _needs_escapes(data):
        return rep.represent_scalar(_STR_TAG, data, style='"')
    if _reads_as_other(data):
        return rep.represent_scalar(_STR_TAG, data, style="'")
    return RoundTripRepresenter.represent_str(rep, data)


def _represent_float(rep: RoundTripRepresenter, data: float) -> Any:
    """Write exponents with a decimal point (``1.0e+18``): YAML 1.1 reads ``1e+18`` as a string."""
    text = repr(data)
    mantissa, _, exponent = text.partition("e")
    if exponent and math.isfinite(data) and "." not in mantissa:
        return rep.represent_scalar("tag:yaml.org,2002:float", f"{mantissa}.0e{exponent}")
    return RoundTripRepresenter.represent_float(rep, data)


class _Representer(RoundTripRepresenter):
    """The round-trip representer with unambiguous strings and ``null`` spelled out (not global)."""


_Representer.add_representer(str, _represent_str)
_Representer.add_representer(float, _represent_float)
_Representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))


def dump_resolved_yaml(spec_or_path: RunSpec | str | Path) -> str:
    """Return :func:`resolved_dict` as YAML text, with a short header comment.

    Parameters
    ----------
    spec_or_path
        A :class:`RunSpec`, or the path of a scenario file.

    Returns
    -------
    str
        YAML, 2-space indent, short lists of scalars in flow style. Every
        string that a YAML 1.1 reader (PyYAML) or a YAML 1.2 reader would
        resolve to another type is quoted, so both read it back identically.

    Raises
    ------
    ScenarioError
        When given a path whose scenario has problems.
    """
    from corridors import __version__

    data = resolved_dict(spec_or_path)
    yaml = YAML(typ="rt", pure=True)
    yaml.Representer = _Representer
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = StringIO()
    name = data["name"]
    # a name with a line break or control character is shown JSON-escaped: it cannot break the comment
    shown = f"'{name}'" if name.isascii() and name.isprintable() and "'" not in name else json.dumps(name)
    buf.write(f"# Resolved scenario {shown} (extends and changes applied), corridors {__version__}.\n")
    buf.write("# Generated; edit the scenario files listed in source_files instead.\n")
    yaml.dump(_yaml_ready(data), buf)
    return buf.getvalue()
