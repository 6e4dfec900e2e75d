"""Reading scenario files: YAML with the line of every key, the ``extends`` chain, the merge.

A file is read as plain YAML 1.2 (:mod:`.plain_yaml`: size and line limits; no
anchors, aliases, merge keys or deep nesting; explicit tags reported) into plain
data plus a provenance map (file, line and own path of every key). The ``extends``
chain is linearised depth-first, parents before children, every file once
(a diamond applies a shared parent at its first occurrence; a cycle is
reported with the chain that closes it). The files are then merged in that
order by the rules of ``docs/scenario-format.md`` (:func:`merge_chain`).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from corridors.scenario.plain_yaml import YAML_SUFFIXES, file_problem, read_plain_yaml
from corridors.scenario.problems import KeyPath, Problems, Provenance, excerpt, show
from corridors.scenario.schema import is_number

#: Deepest ``extends`` chain followed (the shipped scenarios go 3 files deep).
MAX_EXTENDS_DEPTH = 32
#: Top-level mappings that are deep-merged along ``extends`` (child wins key by key).
DEEP_MERGED: frozenset[str] = frozenset(
    {"operations", "simulation", "cargo_classes", "demand_scale_by_region"}
)


@dataclass
class ScenarioFile:
    """One scenario file as read, with the line of every key.

    Attributes
    ----------
    display
        The file's name as shown in messages (normalised, relative to how the
        first file was named).
    real
        Its resolved path, which identifies it in cycles and diamonds.
    data
        Its keys, without the per-file keys ``extends`` and ``overlay``.
    prov
        The origin of every key path of ``data``.
    extends
        Parent file names as written (relative to this file), with their key
        path; a composed document names in-memory parents by their record.
    overlay
        Whether the file says ``overlay: true``.
    overlay_line
        The line of its ``overlay`` key (1 when absent).
    network_display
        Its ``network`` path relative to the working directory, if it names one.
    extends_broken
        Its ``extends`` is not a name or a list of names (what its parents
        would give is unknown: checks of the whole chain are skipped).
    """

    display: str
    real: Path
    data: dict
    prov: Provenance
    extends: list[tuple[str | ScenarioFile, KeyPath]]
    overlay: bool
    overlay_line: int
    network_display: str | None
    extends_broken: bool = False


@dataclass
class MergedDoc:
    """The merged data of a chain of files, with the origin of every key.

    Attributes
    ----------
    data
        The merged top level (plain data).
    prov
        The origin of every key path of ``data``.
    network_display
        The ``network`` path of the last file that names one.
    files
        Display names of the merged files, in merge order.
    """

    data: dict
    prov: Provenance
    network_display: str | None = None
    files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading YAML


def _plain(node: Any, path: KeyPath, lines: dict[KeyPath, int], tagged: set[KeyPath]) -> Any:
    """Plain Python data from a round-trip node, recording the line of every key and item.

    A value that carried an explicit tag (its path in ``tagged``) becomes None:
    the tag is reported, the value is not used.
    """
    if path in tagged:
        return None
    if isinstance(node, CommentedMap):
        out = {}
        for k, v in node.items():
            key = k if isinstance(k, str) else str(k)
            lines[(*path, key)] = node.lc.key(k)[0] + 1
            out[key] = _plain(v, (*path, key), lines, tagged)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, v in enumerate(node):
            lines[(*path, i)] = node.lc.item(i)[0] + 1
            out_list.append(_plain(v, (*path, i), lines, tagged))
        return out_list
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    return node


def _read_yaml(display: str, problems: Problems) -> tuple[CommentedMap, set[KeyPath]] | None:
    """Return the round-trip top node of a file and its tagged paths (tags reported), or None (reported)."""
    doc = read_plain_yaml(display)
    if isinstance(doc, str):
        problems.raw(doc)
        return None
    node = doc.node
    if node is None:
        problems.raw(f"{display}:1: the file is empty, expected a mapping of scenario keys")
        return None
    tagged = set()
    for path, line, tag in doc.tags:
        problems.add(display, line, path, f"explicit YAML tag '{tag}' is not allowed, expected plain data")
        tagged.add(path)
    if () in tagged:  # the whole document was tagged (and reported): nothing left to read
        return None
    if not isinstance(node, CommentedMap):
        problems.raw(
            f"{display}:1: got {show(_plain(node, (), {}, tagged))} at the top level, expected a mapping"
        )
        return None
    return node, tagged


def read_file(display: str, problems: Problems) -> ScenarioFile | None:
    """Read one scenario file with the line of every key.

    Parameters
    ----------
    display
        The file's path, as it should appear in messages.
    problems
        Collector for everything wrong with the file on its own (unreadable,
        invalid YAML, explicit tags, bad ``extends`` / ``overlay``, duplicate
        flow ids).

    Returns
    -------
    ScenarioFile or None
        None when the file cannot be read as a YAML mapping.
    """
    read = read_located(display, problems)
    if read is None:
        return None
    data, lines = read
    prov: Provenance = {p: (display, ln, p) for p, ln in lines.items()}
    return _scenario_file(display, _real(display), data, prov, problems)


def read_located(display: str, problems: Problems) -> tuple[dict, dict[KeyPath, int]] | None:
    """Read a YAML file of plain data (a mapping at the top) with the line of every key and item.

    The rules of a scenario file apply (:mod:`.plain_yaml`): size limits, no
    anchors or tags. Other files of the tool (sweep files) are read with it.

    Parameters
    ----------
    display
        The file's path, as it should appear in messages.
    problems
        Collector for why the file cannot be read.

    Returns
    -------
    tuple or None
        The data and the 1-based line of every key path (``()`` on line 1);
        None when the file cannot be read as a YAML mapping (reported).
    """
    read = _read_yaml(display, problems)
    if read is None:
        return None
    lines: dict[KeyPath, int] = {(): 1}
    return _plain(read[0], (), lines, read[1]), lines


def _real(display: str) -> Path:
    """Return the resolved path that identifies a file in cycles and diamonds (its absolute path if unresolvable)."""
    try:
        return Path(display).resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL: reported where the file is read
        return Path(display).absolute()


@dataclass(frozen=True)
class LocatedDoc:
    """A scenario document made in memory whose keys stand for places in a file.

    A sweep file, for one, writes a point's settings as a mapping; a problem
    with one of them is reported at the line of the sweep file that set it.

    Attributes
    ----------
    data
        The document's top-level mapping (plain data).
    origins
        Where a key path of ``data`` was written: ``(file, line, path in that
        file)``. A key without an entry is located through its nearest listed
        parent, the rest of its path appended.
    """

    data: Mapping[str, Any]
    origins: Mapping[KeyPath, tuple[str, int, KeyPath]]


def document(data: Mapping, display: str, problems: Problems,
             origins: Mapping[KeyPath, tuple[str, int, KeyPath]] | None = None) -> ScenarioFile:
    """Take a scenario already read as plain data (no line numbers: every key is on line 1).

    Parameters
    ----------
    data
        The document's top-level mapping; ``extends`` is relative to the
        working directory.
    display
        Its name in messages, e.g. ``<document 1>``.
    problems
        Collector for the problems of the document on its own.
    origins
        Where its keys were written (:class:`LocatedDoc`); by default every key
        is ``display``, line 1.

    Returns
    -------
    ScenarioFile
        The document, identified in cycles by ``display``.
    """
    lines: dict[KeyPath, int] = {(): 1}
    plain = _plain_lines(dict(data), (), lines)
    prov: Provenance = {p: (display, 1, p) for p in lines}
    for p in sorted(lines, key=len):
        # a key with no origin of its own inherits its parent's (the path below it appended)
        if origins and p in origins:
            prov[p] = tuple(origins[p])
        elif origins and p and prov[p[:-1]][0] != display:
            file, line, orig = prov[p[:-1]]
            prov[p] = (file, line, (*orig, p[-1]))
    return _scenario_file(display, Path(display).absolute(), plain, prov, problems)


def _plain_lines(value: Any, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    """Copy of plain data (str keys), recording every key and item path in ``lines``."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = k if isinstance(k, str) else str(k)
            lines[(*path, key)] = 1
            out[key] = _plain_lines(v, (*path, key), lines)
        return out
    if isinstance(value, list):
        for i in range(len(value)):
            lines[(*path, i)] = 1
        return [_plain_lines(v, (*path, i), lines) for i, v in enumerate(value)]
    return value


def _scenario_file(
    display: str, real: Path, data: dict, prov: Provenance, problems: Problems
) -> ScenarioFile:
    """Split off the per-file keys (``extends`` and ``overlay`` are not inherited)."""
    extends: list[tuple[str | ScenarioFile, KeyPath]] = []
    raw = data.pop("extends", None)
    if isinstance(raw, str):
        raw = [raw]
        extends_paths: list[KeyPath] = [("extends",)]
    else:
        extends_paths = [("extends", i) for i in range(len(raw))] if isinstance(raw, list) else []
    broken = raw is not None and not isinstance(raw, list)
    if broken:
        problems.err_in(
            prov, ("extends",), f"got {show(raw)}, expected a file name or a list of file names"
        )
    for item, p in zip(raw if isinstance(raw, list) else [], extends_paths, strict=True):
        if isinstance(item, ScenarioFile) or (isinstance(item, str) and item.strip()):
            extends.append((item, p))
        else:
            broken = True
            problems.err_in(
                prov, p, f"got {show(item)}, expected a file name (relative to this file)"
            )
    overlay = data.pop("overlay", False)
    if not isinstance(overlay, bool):
        problems.err_in(prov, ("overlay",), f"got {show(overlay)}, expected true or false")
        overlay = False
    network_display = None
    if isinstance(data.get("network"), str):
        network_display = os.path.normpath(os.path.join(os.path.dirname(display), data["network"]))
    _check_demand_ids(data, prov, problems)
    overlay_origin = prov.get(("overlay",))
    overlay_line = overlay_origin[1] if overlay_origin is not None else 1
    return ScenarioFile(
        display, real, data, prov, extends, overlay, overlay_line, network_display, broken
    )


def _flow_id(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return None


def _check_demand_ids(data: dict, prov: Provenance, problems: Problems) -> None:
    """Flow ids are unique within a file; a ``remove: true`` item has only ``id``."""
    demand = data.get("demand")
    if not isinstance(demand, list):
        return
    first: dict[str, int] = {}
    for i, item in enumerate(demand):
        fid = _flow_id(item)
        if fid is None:
            continue
        if fid in first:
            line = prov.get(("demand", first[fid]), (None, "?"))[1]
            problems.err_in(
                prov,
                ("demand", i, "id"),
                f"duplicate flow id '{fid}' (first used on line {line}), expected unique ids within a file",
            )
        else:
            first[fid] = i
        if item.get("remove") is True:
            extra = sorted(set(item) - {"id", "remove"})
            if extra:
                problems.err_in(
                    prov,
                    ("demand", i, extra[0]),
                    f"a flow with 'remove: true' only takes 'id', got also: {', '.join(extra)}",
                )


# --------------------------------------------------------------------------- the extends chain


def parent_display(child: ScenarioFile, ext: str) -> str:
    """Return the display name of the parent ``ext`` named in ``child``'s ``extends``."""
    return os.path.normpath(os.path.join(os.path.dirname(child.display), ext))


@dataclass
class Chain:
    """The files of an ``extends`` chain in merge order (parents first).

    Attributes
    ----------
    order
        Every file once, each after all of its parents.
    broken
        A parent could not be read: checks that need the whole chain are skipped.
    """

    order: list[ScenarioFile] = field(default_factory=list)
    broken: bool = False


def linearise(root: ScenarioFile, problems: Problems) -> Chain:
    """Return ``root``'s ``extends`` chain, parents first, ``root`` last.

    Parameters
    ----------
    root
        The file (or in-memory document) to resolve.
    problems
        Collector for unreadable parents and cycles (reported with the chain,
        ``a.yaml -> b.yaml -> a.yaml``).

    Returns
    -------
    Chain
        The files in merge order.
    """
    chain = Chain()
    _visit(root, [], set(), chain, problems)
    return chain


def _visit(
    f: ScenarioFile,
    stack: list[tuple[Path, str]],
    seen: set[Path],
    chain: Chain,
    problems: Problems,
) -> None:
    seen.add(f.real)
    chain.broken = chain.broken or f.extends_broken
    stack = [*stack, (f.real, f.display)]
    for ext, p in f.extends:
        parent: ScenarioFile | None = None
        if isinstance(ext, ScenarioFile):  # a document composed in memory
            parent, pdisplay, preal = ext, ext.display, ext.real
        else:
            pdisplay = parent_display(f, ext)
            why = file_problem(pdisplay, YAML_SUFFIXES)
            if why is not None:
                hint = "a path relative to this file" if why == "no such file" else "a YAML scenario file (.yaml or .yml)"
                problems.err_in(
                    f.prov, p, f"cannot read '{excerpt(ext, 120)}' ({excerpt(pdisplay, 120)}): {why}, expected {hint}"
                )
                chain.broken = True
                continue
            preal = _real(pdisplay)
        if len(stack) >= MAX_EXTENDS_DEPTH:
            problems.err_in(f.prov, p, f"the extends chain is more than {MAX_EXTENDS_DEPTH} files deep")
            chain.broken = True
            continue
        reals = [r for r, _ in stack]
        if preal in reals:
            cycle = [d for _, d in stack[reals.index(preal) :]] + [pdisplay]
            problems.err_in(f.prov, p, "cyclic extends: " + " -> ".join(cycle))
            continue
        if preal in seen:
            continue  # a diamond: every file is applied once, at its first occurrence
        if parent is None:
            parent = read_file(pdisplay, problems)
        if parent is None:
            chain.broken = True
        else:
            _visit(parent, stack, seen, chain, problems)
    chain.order.append(f)


def direct_overlays(path: str | Path) -> list[Path]:
    """Return the overlay files that a scenario file extends directly (the projects of a build-out).

    Parameters
    ----------
    path
        A scenario file.

    Returns
    -------
    list of Path
        Resolved paths of the files named in its own ``extends`` that say
        ``overlay: true``, in ``extends`` order. Files that cannot be read are
        left out; this never raises for a bad file (``corridors validate``
        reports those).
    """
    problems = Problems(str(path))
    f = read_file(str(path), problems)
    if f is None:
        return []
    out = []
    for ext, _ in f.extends:
        pdisplay = parent_display(f, str(ext))
        if file_problem(pdisplay, YAML_SUFFIXES) is not None:
            continue
        parent = read_file(pdisplay, problems)
        if parent is not None and parent.overlay:
            out.append(Path(pdisplay).resolve())
    return out


# --------------------------------------------------------------------------- merging


def _sub(prov: Provenance, prefix: KeyPath) -> Provenance:
    """Entries of ``prov`` under ``prefix``, re-rooted at ``prefix``."""
    n = len(prefix)
    return {p[n:]: v for p, v in prov.items() if p[:n] == prefix}


def _replace_under(prov: Provenance, prefix: KeyPath, sub: Provenance) -> None:
    n = len(prefix)
    for p in [p for p in prov if p[:n] == prefix]:
        del prov[p]
    for p, v in sub.items():
        prov[prefix + p] = v


def _list_prov(items: list[tuple[Any, dict]], head: Any) -> tuple[list, Provenance]:
    values, prov = [], {}
    if head is not None:
        prov[()] = head
    for j, (value, sub) in enumerate(items):
        values.append(value)
        for p, v in sub.items():
            prov[(j, *p)] = v
    return values, prov


def _merge_deep(b: dict, bprov: Provenance, o: dict, oprov: Provenance) -> tuple[dict, Provenance]:
    res, prov = dict(b), dict(bprov)
    for k, v in o.items():
        osub = _sub(oprov, (k,))
        if k in res and isinstance(res[k], dict) and isinstance(v, dict):
            v, osub = _merge_deep(res[k], _sub(prov, (k,)), v, osub)
        res[k] = v
        _replace_under(prov, (k,), osub)
    if () in oprov:
        prov[()] = oprov[()]
    return res, prov


def _merge_demand(b: list, bprov: Provenance, o: list, oprov: Provenance) -> tuple[list, Provenance]:
    """Flows merge by id: a child's flow replaces the parent's, ``remove: true`` drops it."""
    items: list[tuple[Any, dict] | None] = [(x, _sub(bprov, (i,))) for i, x in enumerate(b)]
    index = {fid: j for j, (x, _) in enumerate(items) if (fid := _flow_id(x)) is not None}
    for i, x in enumerate(o):
        sub = _sub(oprov, (i,))
        fid = _flow_id(x)
        if fid is not None and fid in index:
            j = index[fid]
            if x.get("remove") is True:
                items[j] = None
                del index[fid]
            else:
                items[j] = (x, sub)
        else:
            if fid is not None:
                index[fid] = len(items)
            items.append((x, sub))
    return _list_prov([it for it in items if it is not None], oprov.get(()))


def _merge(base: MergedDoc, f: ScenarioFile) -> MergedDoc:
    """Apply file ``f`` over the accumulated ``base`` (the merge rules of docs/scenario-format.md)."""
    data, prov = dict(base.data), dict(base.prov)
    for k, v in f.data.items():
        osub = _sub(f.prov, (k,))
        if k in data:
            bv, bsub = data[k], _sub(prov, (k,))
            if k == "changes" and isinstance(bv, list) and isinstance(v, list):
                items = [(x, _sub(bsub, (i,))) for i, x in enumerate(bv)]
                items += [(x, _sub(osub, (i,))) for i, x in enumerate(v)]
                v, osub = _list_prov(items, osub.get(()))
            elif k == "demand" and isinstance(bv, list) and isinstance(v, list):
                v, osub = _merge_demand(bv, bsub, v, osub)
            elif k in DEEP_MERGED and isinstance(bv, dict) and isinstance(v, dict):
                v, osub = _merge_deep(bv, bsub, v, osub)
            elif k == "demand_scale" and is_number(bv) and is_number(v):
                v = bv * v
        data[k] = v
        _replace_under(prov, (k,), osub)
    prov[()] = f.prov[()]
    network_display = f.network_display if "network" in f.data else base.network_display
    return MergedDoc(data, prov, network_display, [*base.files, f.display])


def merge_chain(root: ScenarioFile, chain: Chain) -> MergedDoc:
    """Merge the files of ``chain`` in order: the merged document of ``root``.

    Parameters
    ----------
    root
        The last file of the chain (its top-level origin starts the merge).
    chain
        The linearised ``extends`` chain of ``root``.

    Returns
    -------
    MergedDoc
        ``changes`` concatenated, ``demand`` merged by flow id, the
        :data:`DEEP_MERGED` mappings merged key by key, ``demand_scale``
        multiplied, every other key replaced by the child's.
    """
    doc = MergedDoc({}, {(): (root.display, 1, ())})
    for f in chain.order:
        doc = _merge(doc, f)
    return doc
