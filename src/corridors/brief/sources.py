"""The brief's sources appendix: the publications behind the network and the demand, by title and publisher.

The network's ``references.yaml`` (beside its file, like ``SOURCES.md``) is a
bibliography keyed by the source keys the network's features and the
scenarios' flows cite. The appendix lists the publications behind the demand
and behind the elements the brief names (the rest is a file away),
as ``Title. Publisher, year.`` (no URLs and no internal keys), and the stated
assumptions by their titles. A flow the bibliography does not map is cited by
name, its source text left in the scenario file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import yaml

from corridors.brief.document import Block, Para
from corridors.brief.names import ElementNames
from corridors.brief.read import ResultFolder, locate_input

log = logging.getLogger(__name__)

__all__ = ["REFERENCES_FILE", "source_keys", "sources_blocks"]

#: The bibliography's file name, beside the network file.
REFERENCES_FILE = "references.yaml"

def source_keys(text: str) -> list[str]:
    """Split a feature's ``source`` into its keys.

    ``facts§4.2+ASSUMPTION:yard-params;coords-x`` gives ``facts§4.2``,
    ``ASSUMPTION:yard-params`` and ``ASSUMPTION:coords-x``.
    """
    out = []
    for part in str(text or "").split("+"):
        part = part.strip()
        if part.startswith("ASSUMPTION:"):
            out += [f"ASSUMPTION:{a.strip()}" for a in part[len("ASSUMPTION:"):].split(";") if a.strip()]
        elif part:
            out.append(part)
    return out


def _read_yaml(path: Path) -> dict:
    """Read the bibliography, keeping only entries of the expected shape; what is dropped is logged."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        log.warning("%s: cannot read the bibliography (%s); the appendix lists no publication", path, exc)
        return {}
    if not isinstance(doc, dict):
        log.warning("%s: expected a mapping with references, assumptions and flows; the appendix lists no "
                    "publication", path)
        return {}
    out: dict = {}
    for section in ("references", "assumptions", "flows"):
        raw = doc.get(section)
        items = raw if isinstance(raw, list) else []
        good = [x for x in items if isinstance(x, dict) and isinstance(x.get("key", x.get("flow")), str)
                and (section != "flows" or isinstance(x.get("keys"), list))]
        if raw is not None and (not isinstance(raw, list) or len(good) < len(raw)):
            log.warning("%s: %s: entries not of the expected shape are left out", path, section)
        out[section] = good
    return out


def _cited(result: ResultFolder, net_file: Path, flows_map: dict,
           elements: set[str]) -> tuple[set[str], list[tuple[str, str]]]:
    """Return the keys the named elements and the runs' flows cite, and the flows the bibliography lacks."""
    keys: set[str] = set()
    try:
        for f in json.loads(net_file.read_text(encoding="utf-8")).get("features") or []:
            props = f.get("properties") or {}
            if props.get("id") in elements:
                keys.update(source_keys(props.get("source")))
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("%s: cannot read the features' sources (%s)", net_file, exc)
    unmapped: list[tuple[str, str]] = []
    for run in result.runs:
        # A flow inherited through extends is mapped under the scenario that defines it: look in the run's own
        # input files only, so a user's flow that happens to share a shipped id does not borrow its sources;
        # the last file first, as a later definition of a flow (an overlay's) replaces an earlier one.
        chain = [run.name, *reversed([Path(f).stem for f in (run.meta.get("input_sha256") or {})])]
        for f in run.scenario.get("demand") or []:
            fid = str(f.get("id"))
            mapped = next((flows_map[(s, fid)] for s in chain if (s, fid) in flows_map), None)
            if mapped is not None:
                keys.update(mapped)
            elif (fid, str(f.get("source") or "")) not in unmapped:
                unmapped.append((fid, " ".join(str(f.get("source") or "no source given").split())))
    return keys, unmapped


def _entry(r: dict) -> str:
    """Cite one publication as ``Title. Publisher, year.``."""
    title = str(r.get("title") or "Untitled").strip().rstrip(".")
    year = f", {r['year']}" if r.get("year") else ""
    return f"{title}. {str(r.get('publisher') or 'publisher unknown').strip()}{year}."


def sources_blocks(result: ResultFolder, names: ElementNames, elements: set[str]) -> list[Block]:
    """Build the sources appendix of a brief.

    Parameters
    ----------
    result
        A compare or run folder; ``run.json`` records the network file.
    names
        Element names of ``result`` (a flow the bibliography lacks is named by its ends and cargo).
    elements
        Ids of the network elements the brief names (limits, busiest, changed): their sources are listed with
        the demand's; every other element's are in ``SOURCES.md`` and ``references.yaml``.

    Returns
    -------
    list of Block
        A paragraph on where the sources are kept, the publications as one
        numbered run-in paragraph (sorted by publisher, then title), the stated assumptions by title, and the
        corridors whose demand the bibliography does not map (by name; their source texts stay in the scenario
        files). A missing network file or bibliography is said in words.
    """
    net = result.runs[-1].meta.get("network")
    net = net if isinstance(net, dict) else {}
    net_file = locate_input(result, str(net.get("file") or "")) if net.get("file") else None
    if net_file is None:
        return [Para(f"The network file ({net.get('file') or 'not recorded'}) cannot be found from here: its sources "
                     "are in SOURCES.md and references.yaml beside it.", css="small")]
    folder = net_file.parent.name
    bib_file = net_file.parent / REFERENCES_FILE
    sources_md = f"{folder}/SOURCES.md" if (net_file.parent / "SOURCES.md").is_file() else "the network's notes"
    if not bib_file.is_file():
        return [Para(f"The network has no bibliography ({folder}/{REFERENCES_FILE}); its sources are traced in "
                     f"{sources_md} and the demand's in the scenario files' source fields.", css="small")]
    bib = _read_yaml(bib_file)
    flows_map = {(str(x.get("scenario")), str(x.get("flow"))): list(x.get("keys") or [])
                 for x in bib.get("flows") or [] if isinstance(x, dict)}
    keys, unmapped = _cited(result, net_file, flows_map, elements)
    refs = [r for r in bib.get("references") or [] if isinstance(r, dict) and r.get("key") in keys]
    entries = list(dict.fromkeys(_entry(r) for r in sorted(
        refs, key=lambda r: (str(r.get("publisher") or "").casefold(), str(r.get("title") or "")))))
    assumed = sorted({str(a.get("title")) for a in bib.get("assumptions") or []
                      if isinstance(a, dict) and f"ASSUMPTION:{a.get('key')}" in keys and a.get("title")})
    missing = sorted(k for k in keys if not k.startswith("ASSUMPTION:")
                     and not any(r.get("key") == k for r in bib.get("references") or [] if isinstance(r, dict)))
    if missing:
        log.warning("%s: no entry for source keys %s", bib_file, ", ".join(missing))
    out: list[Block] = []
    if entries:
        out += [Para(f"The {len(entries)} publications behind the demand and the elements this brief names (limits, "
                     f"busiest elements, what the projects change). Every figure of the network is traced to its "
                     f"source in {sources_md}, and {folder}/{REFERENCES_FILE} lists all publications with their "
                     "addresses.", css="small"),
                # one run-in paragraph, numbered: a list would waste most of each line at this count
                Para(" ".join(f"[{i}] {e}" for i, e in enumerate(entries, start=1)), css="sources")]
    else:
        out.append(Para(f"The bibliography ({folder}/{REFERENCES_FILE}) lists no publication for the demand or the "
                        f"elements this brief names; every figure of the network is traced in {sources_md}.",
                        css="small"))
    if assumed:
        out.append(Para(f"Stated assumptions, each reasoned in {sources_md}: " + "; ".join(assumed) + ".",
                        css="small"))
    if unmapped:
        # Their source texts are the scenario authors' notes (keys, URLs): named here, quoted in the files.
        out.append(Para(f"The demand of {len(unmapped)} corridor{'s' if len(unmapped) != 1 else ''} is sourced only "
                        "in the scenario files (their source fields): "
                        + "; ".join(names.corridor(fid) for fid, _ in unmapped) + ".", css="small"))
    return out
