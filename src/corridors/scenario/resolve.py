"""The resolution pipeline: files → merged document → checked schema → network → RunSpec.

Stages, each reporting into one :class:`~corridors.scenario.problems.Problems`:

1. read the file and linearise its ``extends`` chain, merge (:mod:`.load`);
2. validate the merged top level (:mod:`.schema`);
3. read the network file and apply ``changes`` (:mod:`.changes`);
4. check the resolved network;
5. cargo classes, flows and disruptions (:mod:`.demand`).

Every problem of a file is collected before anything is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from corridors import REGIONS
from corridors.errors import NetworkError, ScenarioError
from corridors.model import Operations, RunSpec, SimSettings
from corridors.network import (
    LENGTH_TOLERANCE,
    Network,
    check_network,
    default_network_path,
    geodesic_length_km,
    read_network,
)
from corridors.scenario import demand
from corridors.scenario.changes import NetworkState, apply_changes
from corridors.scenario.load import (
    LocatedDoc,
    MergedDoc,
    ScenarioFile,
    document,
    linearise,
    merge_chain,
    read_file,
)
from corridors.scenario.plain_yaml import file_problem
from corridors.scenario.problems import Problems, did_you_mean, excerpt
from corridors.scenario.schema import TopSpec, pydantic_messages

log = logging.getLogger(__name__)

#: Display name of the root of :func:`compose` in messages.
COMPOSED = "<compose>"

#: What a resolution accepts: "load" a full scenario, "load_overlay" an overlay too,
#: "validate" either, each checked as what it is.
_MODES = ("load", "load_overlay", "validate")


class _Resolution:
    """One resolution of a scenario file: collects every problem, builds the RunSpec."""

    def __init__(
        self,
        root: str | ScenarioFile,
        *,
        mode: str,
        days: float | None = None,
        problems: Problems | None = None,
    ) -> None:
        assert mode in _MODES, mode
        self.root = root
        self.mode = mode
        self.days = days
        if problems is None:
            problems = Problems(root.display if isinstance(root, ScenarioFile) else str(root))
        self.problems = problems
        self.overlay = False
        self.chain_broken = False

    def run(self) -> RunSpec | None:
        """Resolve the scenario; None when any problem was found (see :attr:`problems`)."""
        root = self.root
        if not isinstance(root, ScenarioFile):
            root = read_file(root, self.problems)
            if root is None:
                return None
        chain = linearise(root, self.problems)
        self.chain_broken = chain.broken
        self.overlay = root.overlay
        if self.mode == "load" and root.overlay:
            self.problems.add(
                root.display,
                root.overlay_line,
                ("overlay",),
                "this file is an overlay (overlay: true): it changes a scenario and cannot run alone, expected a "
                "full scenario; write one that extends a scenario and this overlay (for a file in "
                f"{excerpt(str(Path(root.display).parent.parent))}/: extends: [<scenario>.yaml, "
                f"{excerpt(Path(root.display).parent.name + '/' + Path(root.display).name)}]), or check the overlay "
                "alone with 'corridors validate'",
            )
            return None
        doc = merge_chain(root, chain)
        self.problems.prov = doc.prov
        return self._resolve(root, doc)

    def _resolve(self, root: ScenarioFile, doc: MergedDoc) -> RunSpec | None:
        """Stages 2 to 5 on the merged document."""
        top = self._check_top(doc)
        declared_days = top.simulation.days  # the horizon the files themselves declare
        if self.days is not None:
            # A horizon set on the command line: seasons and closures are checked
            # and expanded against it, as if the file said so.
            sim = top.simulation.model_copy(update={"days": self.days})
            top = top.model_copy(update={"simulation": sim})
        net = None if self.chain_broken else self._read_network(doc)
        if net is None:
            # still check the items' own schema, so that a user sees those problems too
            demand.check_items_schema(self.problems, top)
            return None
        state = apply_changes(self.problems, net, top.changes)
        cargo = demand.cargo_classes(self.problems, top)
        resolved = net.with_links({k: state.links[k] for k in state.active}, state.nodes)
        network_ok = self._check_resolved(resolved, state)
        flows = demand.flows(
            self.problems, top, resolved, state, cargo,
            overlay=self.overlay, check_routes=network_ok,
        )
        disruptions = demand.disruptions(
            self.problems, top, state, declared_days=declared_days if self.days is not None else None
        )
        if self.problems:
            return None
        files = doc.files[:-1] if root.display == COMPOSED else doc.files
        spec = RunSpec(
            name=top.name or Path(root.display).stem,
            network=resolved,
            flows=tuple(flows),
            cargo=cargo,
            operations=Operations(**top.operations.model_dump(exclude={"priorities"})),
            disruptions=tuple(disruptions),
            settings=SimSettings(**top.simulation.model_dump()),
            description=top.description,
            source_files=tuple(files),
        )
        log.info(
            "scenario %s: %d flows, %d active links, %d disruptions (from %s)",
            spec.name, len(spec.flows), len(resolved.links), len(spec.disruptions), ", ".join(doc.files),
        )
        return spec

    def _check_top(self, doc: MergedDoc) -> TopSpec:
        """Validate the merged top level (bad keys reported and left at their defaults)."""
        data = dict(doc.data)
        try:
            top = TopSpec.model_validate(data)
        except PydanticValidationError as exc:
            bad = set()
            for loc, msg in pydantic_messages(exc, TopSpec):
                self.problems.err(loc, msg)
                bad.add(loc[0])
            try:
                top = TopSpec.model_validate({k: v for k, v in data.items() if k not in bad})
            except PydanticValidationError:  # pragma: no cover - every bad key was dropped
                top = TopSpec()
        if not self.overlay and not self.chain_broken:
            self._check_required(top, doc)
        sim = top.simulation
        if sim.warmup_days >= sim.days:
            self.problems.err(
                ("simulation", "warmup_days"),
                f"got {sim.warmup_days:g}, expected less than simulation.days ({sim.days:g})",
            )
        for region in top.demand_scale_by_region:
            if region not in REGIONS:
                self.problems.err(
                    ("demand_scale_by_region", region),
                    f"unknown region '{excerpt(str(region))}', expected one of: {', '.join(REGIONS)}{did_you_mean(region, REGIONS)}",
                )
        return top

    def _check_required(self, top: TopSpec, doc: MergedDoc) -> None:
        """Check that a full scenario has a name, a network and demand somewhere along its chain."""
        if top.name is None and "name" not in doc.data:
            self.problems.err(
                ("name",),
                "required key is missing (in this file or a parent), expected the scenario name (it names outputs/<name>/)",
            )
        if doc.network_display is None and "network" not in doc.data:
            self.problems.err(
                ("network",),
                "required key is missing (in this file or a parent), expected the path of a network GeoJSON file",
            )
        if top.demand is None and "demand" not in doc.data:
            self.problems.err(
                ("demand",),
                "required key is missing (in this file or a parent), expected a list of flows",
            )

    def _read_network(self, doc: MergedDoc) -> Network | None:
        """Read the network file the chain names (an overlay without one: the shipped network)."""
        path = doc.network_display
        if path is None:
            if not self.overlay:
                return None  # reported as a missing key
            path = str(default_network_path())
        why = file_problem(path)
        if why is not None:
            self.problems.err(
                ("network",),
                f"cannot read network file '{excerpt(path, 200)}': {why}, expected a network GeoJSON file (relative to the file that names it)",
            )
            return None
        try:
            return read_network(path)
        except NetworkError as exc:
            self.problems.err(
                ("network",),
                f"the network file '{path}' has {len(exc.problems)} problem(s), listed below",
            )
            for p in exc.problems:
                self.problems.raw(p)
            return None

    def _check_resolved(self, net: Network, state: NetworkState) -> bool:
        """Check the network after changes, and drawn geometries against stated lengths."""
        before = len(self.problems)
        for p in check_network(net, check_lengths=False):
            eid = p.split(":", 1)[0]
            self.problems.err(state.touched.get(eid, ("network",)), f"after changes: {p}")
        for lid in state.with_points:
            link = net.links.get(lid)
            if link is None:
                continue
            geo_km = geodesic_length_km(link.coords)
            if geo_km > 0 and abs(link.length_km - geo_km) / geo_km > LENGTH_TOLERANCE:
                self.problems.err(
                    (*state.touched[lid], "length_km"),
                    f"got {link.length_km:g}, expected within {LENGTH_TOLERANCE:.0%} of the geodesic length "
                    f"of from_node + points + to_node ({geo_km:.0f} km)",
                )
        return len(self.problems) == before


def _raise_problems(res: _Resolution, spec: RunSpec | None, what: str) -> RunSpec:
    if res.problems or spec is None:
        raise ScenarioError(res.problems.lines or [f"{what}: could not be resolved"], what=what)
    return spec


def load_scenario(path: str | Path, *, overlay_ok: bool = False, days: float | None = None) -> RunSpec:
    """Read a scenario file, merge its ``extends`` chain, check it, and resolve it.

    Parameters
    ----------
    path
        A scenario YAML file (``docs/scenario-format.md``).
    overlay_ok
        Also accept an overlay (``overlay: true``): it is then resolved on its
        own, on its ``network`` (or the shipped network), with whatever demand
        it has (possibly none) and its file name as default ``name``.
    days
        Override ``simulation.days`` (``corridors run --days``); seasonal
        closures are expanded over this horizon.

    Returns
    -------
    RunSpec
        Its ``network`` holds all nodes (added ones included) and only the
        active links: those with status ``existing`` in the network file plus
        those opened or added by ``changes``, with upgrades applied. Seasonal
        closures are expanded to one :class:`~corridors.model.Disruption` per
        year of the horizon.

    Raises
    ------
    ScenarioError
        Listing every problem found, each as ``file:line: path.to.key: what is
        wrong, expected ...``.
    """
    res = _Resolution(str(path), mode="load_overlay" if overlay_ok else "load", days=days)
    return _raise_problems(res, res.run(), str(path))


def compose(
    base: str | Path | Mapping[str, Any] | LocatedDoc,
    *overlays: str | Path | Mapping[str, Any] | LocatedDoc,
    name: str | None = None,
    description: str | None = None,
    days: float | None = None,
) -> RunSpec:
    """Resolve a base scenario with overlays applied in order, without writing a file.

    The result is that of a scenario file saying ``extends: [base, overlay, ...]``
    (plus ``name`` and ``description`` when given), except that
    ``source_files`` lists only the files composed.

    Parameters
    ----------
    base, *overlays
        Scenario or overlay files (paths relative to the working directory),
        or documents already read as plain mappings (their ``extends`` relative
        to the working directory; messages name them ``<document i>``, line 1),
        or :class:`~corridors.scenario.load.LocatedDoc` documents (messages name
        the file and line each key stands for).
    name
        The scenario name (default: the last ``name`` along the chain).
    description
        The description (default: the last one along the chain).
    days
        Override ``simulation.days``, as in :func:`load_scenario`.

    Returns
    -------
    RunSpec
        As :func:`load_scenario` returns.

    Raises
    ------
    ScenarioError
        Listing every problem found; one in a composed document's own keys is
        located at ``<compose>:1``.
    """
    problems = Problems(COMPOSED)
    parents: list = []
    for i, part in enumerate((base, *overlays)):
        if isinstance(part, LocatedDoc):
            parents.append(document(part.data, f"<document {i}>", problems, part.origins))
        elif isinstance(part, Mapping):
            parents.append(document(part, f"<document {i}>", problems))
        else:
            parents.append(str(part))
    own = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    root = document({**own, "extends": parents}, COMPOSED, problems)
    res = _Resolution(root, mode="load", days=days, problems=problems)
    return _raise_problems(res, res.run(), COMPOSED)


def validate_file(path: str | Path) -> list[str]:
    """Check one scenario or overlay file and return its problems (empty when clean).

    An overlay (``overlay: true``) is checked as an overlay: its own schema and
    its ids against its ``network`` (or the shipped network), without requiring
    ``name``, ``network`` or ``demand``. This function never raises for a bad
    file; an unexpected internal failure is returned as a problem too.

    Parameters
    ----------
    path
        A scenario or overlay YAML file.

    Returns
    -------
    list of str
        Every problem, ``file:line: path.to.key: what is wrong, expected ...``.
    """
    try:
        res = _Resolution(str(path), mode="validate")
        res.run()
        return list(res.problems.lines)
    except Exception as exc:  # the contract is "return problems, never a traceback"
        log.exception("internal error while validating %s", path)
        return [
            f"{path}: internal error while validating ({type(exc).__name__}: {exc}); please report this"
        ]
