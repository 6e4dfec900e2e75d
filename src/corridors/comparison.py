"""Before/after comparison of two scenarios: the ``comparison.json`` document and the attribution.

``comparison.json`` (:class:`ComparisonDoc`)::

    {"base": str, "alt": str, "version", "regions": {R: {"inbound": K, "outbound": K}},
     "checks": [str] (figures that contradict each other, :func:`coherence_problems`; empty when none),
     "footprint": each market's cost (USD per t, per 20 t per 500 km), time cost (share of value) and
                  emissions (t CO2e a year, g per tkm) before and after, with the paired change
                  (:func:`corridors.footprint.footprint_changes`; null for runs without them)}
    K = ChangeRecord: {"before": C', "after": C', "bound_change_mt", "bound_change_rel",
         "simulated_change_mt", "simulated_change_ci_mt", "simulated_change_rel",
         "delivered_change_mt", "delivered_change_ci_mt", "max_throughput_change_mt",
         "max_throughput_change_ci_mt", "bottleneck_before", "bottleneck_after"}
    C' = MeasuredCapacity: C (:mod:`corridors.capacity`) + {"delivered_mt", "delivered_ci_mt",
         "transit_days_mean", "transit_days_ci", "delivered_by_replication_mt"}

When ALT closes something BASE does not (a shutdown, :func:`closures_between`), the document also
holds ``"closures": [{"id", "closed_days", "from_day", "to_day", "reason"}]`` and each K
``"carried_via_before"``, ``"carried_via_after"``: [{"id", "kind", "share"}] (the border crossings and
ferries the market's trains pass, by share of its tonnes) and ``"routes_after"``: [{"crossings",
"share"}] (the corridors, a route told by the crossings it passes), from each side's runs at demand
(:func:`carried_via`). Other comparisons write none of these keys.

Changes are paired: replication ``i`` of both scenarios has the same seed, and
the interval is that of the mean of the differences (:mod:`corridors.statistics`).
Volumes are in Mt/yr, rounded to 3 decimals; shares to 4.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise

from corridors import REGIONS, __version__
from corridors.availability import merge_spans
from corridors.bound import Bound
from corridors.capacity import DIRECTIONS, CapacityDoc, MeasuredCapacity, ci_list, mean_of, rounded
from corridors.elements import element_kind, region_attribute
from corridors.footprint import footprint_changes
from corridors.model import RunSpec
from corridors.statistics import Estimate, excludes_zero, paired

#: A crossing is listed as carrying a market when at least this share of the market's tonnes passes it.
VIA_MIN_SHARE = 0.01
#: A corridor (the crossings a route passes) is listed when it carries at least this share of the market.
ROUTE_MIN_SHARE = 0.05
#: Keys of :class:`ChangeRecord` written only for a shutdown (absent from other comparisons' files).
SHUTDOWN_KEYS = ("carried_via_before", "carried_via_after", "routes_after")


def _change(a, b):
    if a is None or b is None:
        return None, None
    return rounded(b - a), (rounded((b - a) / a, 4) if a else None)


def _paired(before: list | None, after: list | None) -> Estimate | None:
    """Paired difference over replications, ``None`` when either side has none or they differ in number."""
    if not before or not after or len(before) != len(after):
        return None
    return paired(before, after)


@dataclass(frozen=True)
class ChangeRecord:
    """Before and after for one region and direction: the record K of ``comparison.json``.

    Attributes
    ----------
    before, after : MeasuredCapacity
        The base and the alternative scenario.
    bound_change_mt : float or None
        After minus before of the LP bound, Mt/yr.
    bound_change_rel : float or None
        The same relative to before (``None`` also when before is 0).
    simulated_change_mt : float or None
        Mean paired change of the practical capacity over replications, Mt/yr.
    simulated_change_ci_mt : list of float or None
        Its 95 % paired interval.
    simulated_change_rel : float or None
        The change relative to before; ``None`` when before's interval reaches
        zero, the base demand already exceeds it (a percentage of a base that
        small says nothing) or either side is a lower limit.
    delivered_change_mt : float or None
        Mean paired change of the delivered volume, Mt/yr.
    delivered_change_ci_mt : list of float or None
        Its 95 % paired interval.
    max_throughput_change_mt : float or None
        Mean paired change of the maximum throughput, Mt/yr.
    max_throughput_change_ci_mt : list of float or None
        Its 95 % paired interval.
    bottleneck_before, bottleneck_after : str or None
        The limiting element of each side (:attr:`CapacityRecord.limit`).
    carried_via_before, carried_via_after : list of dict or None
        For a shutdown: the crossings the market's trains pass on each side (:func:`carried_via`).
    routes_after : list of dict or None
        For a shutdown: the corridors that carry the market after the change (:func:`carried_via`).
    """

    before: MeasuredCapacity
    after: MeasuredCapacity
    bound_change_mt: float | None
    bound_change_rel: float | None
    simulated_change_mt: float | None
    simulated_change_ci_mt: list[float] | None
    simulated_change_rel: float | None
    delivered_change_mt: float | None
    delivered_change_ci_mt: list[float] | None
    max_throughput_change_mt: float | None
    max_throughput_change_ci_mt: list[float] | None
    bottleneck_before: str | None
    bottleneck_after: str | None
    carried_via_before: list[dict] | None = None
    carried_via_after: list[dict] | None = None
    routes_after: list[dict] | None = None

    @classmethod
    def between(cls, before: MeasuredCapacity, after: MeasuredCapacity) -> ChangeRecord:
        """Compare two sides: changes paired over replications, from the per-replication values the file holds."""
        bound_abs, bound_rel = _change(before.bound_mt, after.bound_mt)
        sim = _paired(before.simulated_by_replication_mt, after.simulated_by_replication_mt)
        dlv = _paired(before.delivered_by_replication_mt, after.delivered_by_replication_mt)
        peak = _paired(before.max_throughput_by_replication_mt, after.max_throughput_by_replication_mt)
        ci = before.simulated_ci_mt
        base_ok = (before.simulated_mt and (ci is None or ci[0] > 0) and not before.demand_exceeds_capacity
                   and not before.simulated_is_lower_limit and not after.simulated_is_lower_limit)
        rel = rounded(sim.mean / before.simulated_mt, 4) if sim is not None and base_ok else None
        return cls(before, after, bound_abs, bound_rel, mean_of(sim), ci_list(sim), rel, mean_of(dlv), ci_list(dlv),
                   mean_of(peak), ci_list(peak), before.limit, after.limit)

    def to_dict(self) -> dict:
        """Return the record as in ``comparison.json``."""
        d = {f.name: getattr(self, f.name) for f in fields(self)
             if f.name not in SHUTDOWN_KEYS or getattr(self, f.name) is not None}
        d["before"], d["after"] = self.before.to_dict(), self.after.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ChangeRecord:
        """Read the record from its JSON form.

        Raises
        ------
        KeyError
            When a key is missing.
        """
        kw = {f.name: d[f.name] if f.name not in SHUTDOWN_KEYS else d.get(f.name) for f in fields(cls)}
        kw["before"], kw["after"] = MeasuredCapacity.from_dict(d["before"]), MeasuredCapacity.from_dict(d["after"])
        return cls(**kw)


@dataclass(frozen=True)
class ComparisonDoc:
    """``comparison.json``: every region and direction before and after.

    Attributes
    ----------
    base, alt : str
        The two scenarios' names.
    version : str
        The corridors version that wrote it.
    regions : dict
        ``{region: {"inbound": ChangeRecord, "outbound": ChangeRecord}}``.
    checks : tuple of str
        What :func:`coherence_problems` found (empty when every figure agrees with the others).
    closures : tuple of dict
        What the alternative closes and the base does not (:func:`closures_between`); empty unless it is a
        shutdown, and then written to the file.
    footprint : dict or None
        Each market's cost, time cost and emissions before and after with the paired change
        (:func:`corridors.footprint.footprint_changes`); ``None`` for runs written without them.
    """

    base: str
    alt: str
    version: str
    regions: dict[str, dict[str, ChangeRecord]]
    checks: tuple[str, ...] = ()
    closures: tuple[dict, ...] = ()
    footprint: dict | None = None

    def to_dict(self) -> dict:
        """Return the document as in ``comparison.json``."""
        d = {"base": self.base, "alt": self.alt, "version": self.version,
             "regions": {r: {d: k.to_dict() for d, k in ds.items()} for r, ds in self.regions.items()},
             "checks": list(self.checks)}
        if self.closures:
            d["closures"] = [dict(c) for c in self.closures]
        d["footprint"] = self.footprint
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ComparisonDoc:
        """Read the document from its JSON form.

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(d["base"], d["alt"], d["version"],
                   {r: {k: ChangeRecord.from_dict(x) for k, x in ds.items()} for r, ds in d["regions"].items()},
                   tuple(d["checks"]), tuple(d.get("closures") or ()), d.get("footprint"))

    def csv_rows(self) -> list[dict]:
        """Return the rows of ``comparison.csv``, one per region and direction."""
        rows = []
        for r in REGIONS:
            for d in DIRECTIONS:
                k = self.regions[r][d]
                b, a = k.before, k.after
                lo, hi = k.simulated_change_ci_mt or (None, None)
                dlo, dhi = k.delivered_change_ci_mt or (None, None)
                rows.append({
                    "region": r, "direction": d,
                    "bound_before_mt": b.bound_mt, "bound_after_mt": a.bound_mt,
                    "bound_change_mt": k.bound_change_mt, "bound_change_rel": k.bound_change_rel,
                    "simulated_before_mt": b.simulated_mt, "simulated_after_mt": a.simulated_mt,
                    "precision_before_mt": b.precision_mt, "precision_after_mt": a.precision_mt,
                    "simulated_change_mt": k.simulated_change_mt, "simulated_change_ci_low_mt": lo,
                    "simulated_change_ci_high_mt": hi, "simulated_change_rel": k.simulated_change_rel,
                    "max_throughput_before_mt": b.max_throughput_mt, "max_throughput_after_mt": a.max_throughput_mt,
                    "max_throughput_change_mt": k.max_throughput_change_mt,
                    "demand_exceeds_capacity_before": b.demand_exceeds_capacity,
                    "demand_exceeds_capacity_after": a.demand_exceeds_capacity,
                    "delivered_before_mt": b.delivered_mt, "delivered_after_mt": a.delivered_mt,
                    "delivered_change_mt": k.delivered_change_mt, "delivered_change_ci_low_mt": dlo,
                    "delivered_change_ci_high_mt": dhi,
                    "transit_days_before": b.transit_days_mean, "transit_days_after": a.transit_days_mean,
                    "bottleneck_before": k.bottleneck_before, "bottleneck_after": k.bottleneck_after,
                })
                fp = ((self.footprint or {}).get("regions") or {}).get(r, {}).get(d) or {}
                for key in ("usd_per_t", "co2e_t_per_year", "g_co2e_per_tkm"):
                    g = fp.get(key) or {}
                    rows[-1][f"{key}_before"] = (g.get("before") or {}).get("mean")
                    rows[-1][f"{key}_after"] = (g.get("after") or {}).get("mean")
                    rows[-1][f"{key}_change"] = g.get("change")
                if self.closures:  # a shutdown: which crossings carry the market after it
                    rows[-1]["carried_via_after"] = " ".join(
                        f"{v['id']}:{v['share']:.2f}" for v in k.carried_via_after or ())
        return rows


def compare_docs(base_cap: CapacityDoc, alt_cap: CapacityDoc, base_sums: list[dict],
                 alt_sums: list[dict], *, base_spec: RunSpec | None = None,
                 alt_spec: RunSpec | None = None) -> ComparisonDoc:
    """Compare two scenarios' capacities, with their runs' delivered volumes and transit times.

    Parameters
    ----------
    base_cap, alt_cap : CapacityDoc
        The two capacity documents.
    base_sums, alt_sums : list of dict
        Each scenario's runs' ``summary.json`` documents, one per replication,
        in replication order (the same seeds on both sides).
    base_spec, alt_spec : RunSpec, optional
        The two scenarios. When given and ALT closes something BASE does not
        (:func:`closures_between`), the document says what closes and, per
        region and direction, which crossings and corridors carry the market
        before and after (:func:`carried_via`).

    Returns
    -------
    ComparisonDoc
        Named after the capacity documents' scenarios.
    """
    closures = closures_between(base_spec, alt_spec) if base_spec is not None and alt_spec is not None else []
    regions: dict[str, dict[str, ChangeRecord]] = {}
    for r in REGIONS:
        regions[r] = {}
        for d in DIRECTIONS:
            before = base_cap.regions[r][d].measured([s["regions"][r][d] for s in base_sums])
            after = alt_cap.regions[r][d].measured([s["regions"][r][d] for s in alt_sums])
            regions[r][d] = ChangeRecord.between(before, after)
            if closures:
                via_before, _ = carried_via(base_spec, base_sums, r, d)
                via_after, routes = carried_via(alt_spec, alt_sums, r, d)
                regions[r][d] = replace(regions[r][d], carried_via_before=via_before, carried_via_after=via_after,
                                        routes_after=routes)
    doc = ComparisonDoc(base_cap.scenario, alt_cap.scenario, __version__, regions, closures=tuple(closures),
                        footprint=footprint_changes(base_sums, alt_sums))
    return replace(doc, checks=tuple(coherence_problems(doc)))


def closures_between(base_spec: RunSpec, alt_spec: RunSpec) -> list[dict]:
    """List what ``alt_spec`` closes that ``base_spec`` does not: one entry per closed link or node.

    Parameters
    ----------
    base_spec, alt_spec : RunSpec
        The two scenarios (their ``close`` changes, expanded over each horizon).

    Returns
    -------
    list of dict
        ``{"id", "closed_days", "from_day", "to_day", "reason"}`` per element in the order the alternative
        names them: the days closed within its horizon (overlaps counted once), the first and last day, and
        the first reason given; empty when the alternative closes nothing new (slowdowns are not closures).
    """
    known = {(d.target, d.start_day, d.end_day) for d in base_spec.disruptions if d.factor == 0.0}
    per: dict[str, list] = {}
    for dis in alt_spec.disruptions:
        if dis.factor == 0.0 and (dis.target, dis.start_day, dis.end_day) not in known:
            per.setdefault(dis.target, []).append(dis)
    out = []
    for eid, ds in per.items():
        spans = merge_spans(((d.start_day, d.end_day) for d in ds), alt_spec.settings.days)
        if not spans:
            continue  # closed only after the alternative's horizon
        out.append({"id": eid, "closed_days": rounded(sum(b - a for a, b in spans)), "from_day": rounded(spans[0][0]),
                    "to_day": rounded(spans[-1][1]), "reason": ds[0].reason})
    return out


def carried_via(spec: RunSpec, summaries: list[dict], region: str, direction: str) -> tuple[list[dict], list[dict]]:
    """Which crossings and corridors carry a market's trains in a scenario's runs at its demand.

    Every train of the market's flows generated in the measured period that took a route (refused trains
    did not) counts with its tonnes, over all replications (``route_shares`` of ``summary.json``). A route is
    told by the border crossings and ferries it passes, in order: that is its corridor.

    Parameters
    ----------
    spec : RunSpec
        The scenario (its flows and network).
    summaries : list of dict
        Its runs' ``summary.json`` documents.
    region, direction : str
        The market and ``inbound`` (to it) or ``outbound`` (from it).

    Returns
    -------
    tuple of list of dict
        The crossings, ``{"id", "kind", "share"}`` with ``share`` of the market's tonnes passing them (at
        least :data:`VIA_MIN_SHARE`), and the corridors, ``{"crossings": [ids in route order], "share"}`` (at
        least :data:`ROUTE_MIN_SHARE`); each largest share first, then by id. Empty without such trains.
    """
    attr = region_attribute(direction)
    flows = {f.id: f for f in spec.flows if getattr(f, attr) == region and f.trains_per_year > 0}
    net = spec.network
    link_of = {frozenset(lk.ends): lid for lid, lk in net.links.items()}
    by_element: Counter = Counter()
    by_route: Counter = Counter()
    for s in summaries:
        for fid, routes in (s.get("route_shares") or {}).items():
            f = flows.get(fid)
            if f is None:
                continue
            for label, n in routes.items():
                nodes = label.split(">")
                legs = [link_of.get(frozenset(pair)) for pair in pairwise(nodes)]
                crossings = tuple(lid for lid in legs if lid is not None and net.links[lid].kind != "rail")
                w = n * f.tonnes_per_year / f.trains_per_year
                by_route[crossings] += w
                for lid in dict.fromkeys(crossings):
                    by_element[lid] += w
    total = sum(by_route.values())
    if total <= 0:
        return [], []
    via = [{"id": lid, "kind": element_kind(net.links[lid]), "share": rounded(w / total, 4)}
           for lid, w in sorted(by_element.items(), key=lambda kv: (-kv[1], kv[0])) if w / total >= VIA_MIN_SHARE]
    corridors = [{"crossings": list(c), "share": rounded(w / total, 4)}
                 for c, w in sorted(by_route.items(), key=lambda kv: (-kv[1], kv[0])) if w / total >= ROUTE_MIN_SHARE]
    return via, corridors


def _low(ci: list | None, v: float | None) -> float | None:
    return ci[0] if ci else v


def _high(ci: list | None, v: float | None) -> float | None:
    return ci[1] if ci else v


def coherence_problems(doc: ComparisonDoc) -> list[str]:
    """Find the figures of one comparison that contradict each other beyond their 95 % intervals.

    For each side of each region and direction: where the scenario's demand is
    within the practical capacity, the practical capacity reaches the volume its
    runs deliver; the maximum throughput reaches the delivered volume and the
    practical capacity; the practical capacity stays within the LP bound. For
    each region and direction: with the same demand on both sides and a bound
    that does not fall (neither the max flow nor the bound at one common
    scaling, the search's reference: a shutdown that sends a flow over a
    narrower route lowers the second), neither capacity falls beyond its
    paired interval. (The
    maximum throughput may exceed the bound: beyond capacity the region's trains
    take the other flows' share, which the bound holds at demand.) Two figures
    contradict each other only when their intervals do not meet.

    Parameters
    ----------
    doc : ComparisonDoc
        The comparison.

    Returns
    -------
    list of str
        One sentence per contradiction; empty when the figures agree.
    """
    out = []
    for r in REGIONS:
        for d in DIRECTIONS:
            for when in ("before", "after"):
                c = getattr(doc.regions[r][d], when)
                who = f"{r} {d} {when}"
                p_hi, m_hi = _high(c.simulated_ci_mt, c.simulated_mt), _high(c.max_throughput_ci_mt, c.max_throughput_mt)
                dl_lo = _low(c.delivered_ci_mt, c.delivered_mt)
                tol = 1e-3  # the files' rounding
                if (p_hi is not None and dl_lo is not None and not c.demand_exceeds_capacity
                        and not c.simulated_is_lower_limit and p_hi + tol < dl_lo):
                    out.append(f"{who}: practical capacity {c.simulated_mt} below the delivered {c.delivered_mt} "
                               "although demand is within it")
                if m_hi is not None and dl_lo is not None and m_hi + tol < dl_lo:
                    out.append(f"{who}: maximum throughput {c.max_throughput_mt} below the delivered {c.delivered_mt}")
                if m_hi is not None and c.simulated_ci_mt and m_hi + tol < c.simulated_ci_mt[0]:
                    out.append(f"{who}: maximum throughput {c.max_throughput_mt} below the practical capacity "
                               f"{c.simulated_mt}")
                p_lo = _low(c.simulated_ci_mt, c.simulated_mt)
                if p_lo is not None and c.bound_mt is not None and p_lo > c.bound_mt + tol:
                    out.append(f"{who}: practical capacity {c.simulated_mt} above the LP bound {c.bound_mt}")
            out += _falls(f"{r} {d}", doc.regions[r][d])
    return out


def _falls(who: str, k: ChangeRecord) -> list[str]:
    """Name a capacity that falls beyond its paired interval with the same demand while the bound does not fall."""
    b, a = k.before, k.after
    if b.demand_mt != a.demand_mt or k.bound_change_mt is None or k.bound_change_mt < 0:
        return []
    if b.bound_uniform_mt is not None and a.bound_uniform_mt is not None and a.bound_uniform_mt < b.bound_uniform_mt:
        return []  # the bound at one common scaling, the search's like-for-like reference, falls: that explains it
    out = []
    for what, change, ci in (("practical capacity", k.simulated_change_mt, k.simulated_change_ci_mt),
                             ("maximum throughput", k.max_throughput_change_mt, k.max_throughput_change_ci_mt)):
        if ci and ci[1] < 0 and not (what == "practical capacity" and (b.simulated_is_lower_limit
                                                                       or a.simulated_is_lower_limit)):
            out.append(f"{who}: {what} falls by {-change} Mt/yr ({ci[0]} to {ci[1]}) with the same demand while "
                       "the LP bound does not fall (route choice: docs/capacity.md)")
    return out


@dataclass(frozen=True)
class ProjectCapacity:
    """One project alone: the practical capacity of one region with it, per replication.

    Attributes
    ----------
    by_replication_mt : tuple of float
        Practical capacity of base + project in each replication (the base's
        seeds), Mt/yr; empty when the search found none.
    is_lower_limit : bool
        The service level held at every load probed in some replication.
    """

    by_replication_mt: tuple[float, ...]
    is_lower_limit: bool = False


@dataclass(frozen=True)
class AttributionRow:
    """One row of ``attribution.csv``: each project's own change of one region's bound and practical capacity.

    Attributes
    ----------
    region, direction : str
        Which region and direction.
    base_bound_mt : float or None
        The base scenario's bound, Mt/yr.
    project_changes_mt : dict
        ``project name -> change of the bound`` with that project alone, Mt/yr
        (``None`` when either bound is missing), in the projects' order.
    sum_of_projects_mt : float
        Sum of the single-project changes (missing ones as 0), Mt/yr.
    all_projects_together_mt : float or None
        The change with every project together; against the sum it shows interactions.
    practical_changes : dict
        ``project name -> (mean, [low, high], is_lower_limit)``: the paired change of
        the practical capacity with that project alone, Mt/yr, its 95 %
        interval, and whether the project side is a lower limit (the base
        side's flag is in ``capacity-before.json``); empty where the practical capacity was not attributed (the
        region's change with every project is not significant, or attribution
        by practical capacity was not asked for).
    practical_all_projects_mt, practical_all_projects_ci_mt : float, list of float or None
        The paired change with every project together (``comparison.json``).
    """

    region: str
    direction: str
    base_bound_mt: float | None
    project_changes_mt: dict[str, float | None]
    sum_of_projects_mt: float
    all_projects_together_mt: float | None
    practical_changes: dict[str, tuple[float | None, list[float] | None, bool]] = field(default_factory=dict)
    practical_all_projects_mt: float | None = None
    practical_all_projects_ci_mt: list[float] | None = None

    def to_dict(self, projects: tuple[str, ...] = ()) -> dict:
        """Return the row as in ``attribution.csv``.

        ``projects`` names the projects whose practical-capacity columns every
        row carries (empty cells where a region was not attributed).
        """
        d = {
            "region": self.region, "direction": self.direction, "base_bound_mt": self.base_bound_mt,
            **{f"{name}_bound_change_mt": ch for name, ch in self.project_changes_mt.items()},
            "sum_of_projects_mt": self.sum_of_projects_mt,
            "all_projects_together_mt": self.all_projects_together_mt,
        }
        if projects:
            for name in projects:
                mean, ci, limit = self.practical_changes.get(name, (None, None, None))
                lo, hi = ci or (None, None)
                d |= {f"{name}_practical_change_mt": mean, f"{name}_practical_change_ci_low_mt": lo,
                      f"{name}_practical_change_ci_high_mt": hi, f"{name}_practical_is_lower_limit": limit}
            lo, hi = self.practical_all_projects_ci_mt or (None, None)
            d |= {"practical_all_projects_mt": self.practical_all_projects_mt,
                  "practical_all_projects_ci_low_mt": lo, "practical_all_projects_ci_high_mt": hi}
        return d


def attributed_regions(doc: ComparisonDoc) -> list[tuple[str, str]]:
    """Regions and directions whose practical capacity the projects together change significantly.

    These are the changes the brief's key messages report as significant
    (neither side a lower limit); only they are attributed project by project
    (each attribution is a capacity search).
    """
    out = []
    for r in REGIONS:
        for d in DIRECTIONS:
            k = doc.regions[r][d]
            ci = k.simulated_change_ci_mt
            limit = k.before.simulated_is_lower_limit or k.after.simulated_is_lower_limit
            if excludes_zero(ci) and not limit:
                out.append((r, d))
    return out


def attribution_rows(base_cap: CapacityDoc, project_bounds: dict[str, dict[str, dict[str, Bound]]],
                     alt_cap: CapacityDoc, project_capacities: dict[str, dict[tuple[str, str], ProjectCapacity]]
                     | None = None, doc: ComparisonDoc | None = None) -> list[AttributionRow]:
    """Set each project alone against the base: its change in the LP bound and, where searched, the practical capacity.

    Parameters
    ----------
    base_cap, alt_cap : CapacityDoc
        The base scenario and the one with every project.
    project_bounds : dict
        Project (overlay) name -> :func:`corridors.bound.region_bounds` of
        base + that overlay.
    project_capacities : dict, optional
        Project name -> ``{(region, direction): ProjectCapacity}`` for the
        regions attributed (:func:`attributed_regions`), on the base's seeds.
    doc : ComparisonDoc, optional
        The comparison, for the change with every project together.

    Returns
    -------
    list of AttributionRow
        One per region and direction. A project's practical change is paired
        with the base replication by replication (:func:`corridors.statistics.paired`).
    """
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            base_rec = base_cap.regions[r][d]
            base_mt = base_rec.bound_mt
            changes: dict[str, float | None] = {}
            total = 0.0
            for name, bounds in project_bounds.items():
                ch, _ = _change(base_mt, bounds[r][d].bound_mt)
                changes[name] = ch
                total += ch or 0.0
            comb, _ = _change(base_mt, alt_cap.regions[r][d].bound_mt)
            practical: dict[str, tuple[float | None, list[float] | None, bool]] = {}
            for name, caps in (project_capacities or {}).items():
                if (r, d) in caps:
                    pc = caps[(r, d)]
                    est = _paired(base_rec.simulated_by_replication_mt, list(pc.by_replication_mt))
                    practical[name] = (mean_of(est), ci_list(est), pc.is_lower_limit)
            together = doc.regions[r][d] if doc is not None and practical else None
            rows.append(AttributionRow(r, d, base_mt, changes, rounded(total), comb, practical,
                                       together.simulated_change_mt if together else None,
                                       together.simulated_change_ci_mt if together else None))
    return rows
