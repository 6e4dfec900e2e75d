"""Capacity per region and before/after comparison of two scenarios.

The documents are typed records; each has one ``to_dict`` (the file's JSON,
key order and rounding included) and one ``from_dict`` (for readers of the
files), so a new metric is added here and nowhere else.

``capacity.json`` (:class:`CapacityDoc`)::

    {"scenario": str, "seed", "version", "search": {...},
     "regions": {R: {"inbound": C, "outbound": C}}}
    C = CapacityRecord: {"demand_mt", "bound_mt", "bound_trains_per_day", "bound_uniform_mt",
         "simulated_mt", "precision_mt", "simulated_scale",
         "bottlenecks": [{"id", "kind", "utilisation"}],
         "binding": [{"id", "kind", "direction", "utilisation"}] (the LP cut),
         "others_served_share", "probes": [{"scale", "mt", "stable", "why"}], "note"}

``comparison.json`` (:class:`ComparisonDoc`)::

    {"base": str, "alt": str, "version", "regions": {R: {"inbound": K, "outbound": K}}}
    K = ChangeRecord: {"before": C', "after": C', "bound_change_mt", "bound_change_rel",
         "simulated_change_mt", "simulated_change_rel", "bottleneck_before", "bottleneck_after"}
    C' = MeasuredCapacity: C + {"delivered_mt", "transit_days_mean"}

All numbers come from the LP bound (:mod:`corridors.bound`), the capacity
search (:mod:`corridors.search`) and the runs' summaries; nothing is typed in.
Volumes are in Mt/yr, rounded to 3 decimals; scalings and shares to 4.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, fields, replace

from corridors import REGIONS, __version__
from corridors.bound import BindingElement, Bound, region_bounds
from corridors.model import RunSpec
from corridors.search import Bottleneck, SimulatedCapacity, bottlenecks_at, search_many

DIRECTIONS = ("inbound", "outbound")
#: Share of a cohort the search lets stay undelivered (:func:`corridors.search.search_many`'s default).
SEARCH_TOLERANCE = 0.05


def _r(x, nd=3):
    return None if x is None else round(float(x), nd) + 0.0  # + 0.0: no "-0.0" in files


@dataclass(frozen=True)
class ProbePoint:
    """One probe of the search as the document lists it.

    Attributes
    ----------
    scale : float
        Multiple of the region's demand simulated (4 decimals).
    mt : float
        The same as a volume, Mt/yr.
    stable : bool
        The run's verdict.
    why : str
        The reason given for it.
    """

    scale: float
    mt: float
    stable: bool
    why: str


@dataclass(frozen=True)
class CapacityRecord:
    """Capacity of one region in one direction: the record C of ``capacity.json``.

    Attributes
    ----------
    demand_mt : float
        Scenario demand of the region's flows, Mt/yr.
    bound_mt, bound_trains_per_day : float or None
        The LP bound, Mt/yr and trains/day (2 decimals).
    bound_uniform_mt : float or None
        The volume at the LP's largest uniform scaling, Mt/yr.
    simulated_mt, precision_mt : float or None
        The simulated capacity and the width of its final bracket, Mt/yr.
    simulated_scale : float or None
        The simulated capacity as a multiple of demand.
    bottlenecks : tuple of Bottleneck
        Elements above 90% of capacity in the run at the simulated capacity.
    binding : tuple of BindingElement
        The LP cut, largest dual first (``dual`` is not kept: ``None``).
    others_served_share : float
        Share of the other flows' demand the network could serve.
    probes : tuple of ProbePoint
        The search's runs, by increasing scale.
    note : str
        The bound's and the search's notes, ``"; "``-joined.
    """

    demand_mt: float
    bound_mt: float | None
    bound_trains_per_day: float | None
    bound_uniform_mt: float | None
    simulated_mt: float | None
    precision_mt: float | None
    simulated_scale: float | None
    bottlenecks: tuple[Bottleneck, ...]
    binding: tuple[BindingElement, ...]
    others_served_share: float
    probes: tuple[ProbePoint, ...]
    note: str

    @classmethod
    def of(cls, spec: RunSpec, b: Bound, sc: SimulatedCapacity) -> CapacityRecord:
        """Build the record from the LP bound and the search result (rounded as in the file).

        Parameters
        ----------
        spec : RunSpec
            The scenario (for the bottlenecks' kinds).
        b : Bound
            Its LP bound for the region and direction.
        sc : SimulatedCapacity
            Its search result for the same region and direction.
        """
        return cls(
            demand_mt=_r(b.demand_mt),
            bound_mt=_r(b.bound_mt),
            bound_trains_per_day=_r(b.bound_trains_per_day, 2),
            bound_uniform_mt=_r(b.uniform_mt),
            simulated_mt=_r(sc.simulated_mt),
            precision_mt=_r(sc.precision_mt),
            simulated_scale=_r(sc.scale, 4),
            bottlenecks=bottlenecks_at(sc, spec),
            binding=tuple(replace(e, dual=None) for e in b.binding),
            others_served_share=_r(b.others_served_share, 4),
            probes=tuple(ProbePoint(_r(p.scale, 4), _r(p.scale * b.demand_mt), p.stable, p.reason)
                         for p in sorted(sc.probes, key=lambda p: p.scale)),
            note="; ".join(x for x in (b.note, sc.note) if x),
        )

    @property
    def limit(self) -> str | None:
        """The limiting element's id: the LP cut's first element, else the busiest simulated one."""
        if self.binding:
            return self.binding[0].id
        if self.bottlenecks:
            return self.bottlenecks[0].id
        return None

    def to_dict(self) -> dict:
        """Return the record as in ``capacity.json``."""
        return {
            "demand_mt": self.demand_mt,
            "bound_mt": self.bound_mt,
            "bound_trains_per_day": self.bound_trains_per_day,
            "bound_uniform_mt": self.bound_uniform_mt,
            "simulated_mt": self.simulated_mt,
            "precision_mt": self.precision_mt,
            "simulated_scale": self.simulated_scale,
            "bottlenecks": [{"id": e.id, "kind": e.kind, "utilisation": e.utilisation} for e in self.bottlenecks],
            "binding": [{"id": e.id, "kind": e.kind, "direction": e.direction, "utilisation": e.utilisation}
                        for e in self.binding],
            "others_served_share": self.others_served_share,
            "probes": [{"scale": p.scale, "mt": p.mt, "stable": p.stable, "why": p.why} for p in self.probes],
            "note": self.note,
        }

    @staticmethod
    def _fields_of(d: dict) -> dict:
        """Read the fields of :class:`CapacityRecord` from its JSON form."""
        return {
            "demand_mt": d["demand_mt"],
            "bound_mt": d["bound_mt"],
            "bound_trains_per_day": d["bound_trains_per_day"],
            "bound_uniform_mt": d["bound_uniform_mt"],
            "simulated_mt": d["simulated_mt"],
            "precision_mt": d["precision_mt"],
            "simulated_scale": d["simulated_scale"],
            "bottlenecks": tuple(Bottleneck(e["id"], e["kind"], e["utilisation"]) for e in d["bottlenecks"]),
            "binding": tuple(BindingElement(e["id"], e["kind"], e["direction"], e["utilisation"])
                             for e in d["binding"]),
            "others_served_share": d["others_served_share"],
            "probes": tuple(ProbePoint(p["scale"], p["mt"], p["stable"], p["why"]) for p in d["probes"]),
            "note": d["note"],
        }

    @classmethod
    def from_dict(cls, d: dict) -> CapacityRecord:
        """Read the record from its JSON form (as :meth:`to_dict` writes it).

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(**cls._fields_of(d))

    def measured(self, run: dict) -> MeasuredCapacity:
        """Add a run's delivered volume and transit time to the record.

        Parameters
        ----------
        run : dict
            The region and direction's entry of a run's ``summary.json``
            (``delivered_mt`` in Mt/yr, ``transit_days_mean`` in days).
        """
        own = {f.name: getattr(self, f.name) for f in fields(CapacityRecord)}
        return MeasuredCapacity(**own, delivered_mt=run["delivered_mt"], transit_days_mean=run["transit_days_mean"])


@dataclass(frozen=True)
class MeasuredCapacity(CapacityRecord):
    """A capacity record with its scenario's run: one side (C') of a comparison.

    Attributes
    ----------
    delivered_mt : float or None
        Volume the run delivered, Mt/yr (annualised, measured period).
    transit_days_mean : float or None
        Mean transit time of the delivered trains, days.
    """

    delivered_mt: float | None
    transit_days_mean: float | None

    def to_dict(self) -> dict:
        """Return the record as in ``comparison.json``."""
        return {**super().to_dict(), "delivered_mt": self.delivered_mt, "transit_days_mean": self.transit_days_mean}

    @classmethod
    def from_dict(cls, d: dict) -> MeasuredCapacity:
        """Read the record from its JSON form (as :meth:`to_dict` writes it).

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(**cls._fields_of(d), delivered_mt=d["delivered_mt"], transit_days_mean=d["transit_days_mean"])


@dataclass(frozen=True)
class SearchSettings:
    """How the capacity search ran: rounds, horizon and warm-up in days, tolerance (a share)."""

    rounds: int
    days: float
    warmup_days: float
    tolerance: float

    def to_dict(self) -> dict:
        """Return the settings as in ``capacity.json``."""
        return {"rounds": self.rounds, "days": self.days, "warmup_days": self.warmup_days,
                "tolerance": self.tolerance}


@dataclass(frozen=True)
class CapacityDoc:
    """``capacity.json``: the capacity of every region and direction of one scenario.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    seed : int
        Its random seed.
    version : str
        The corridors version that wrote it.
    search : SearchSettings
        How the search ran.
    regions : dict
        ``{region: {"inbound": CapacityRecord, "outbound": CapacityRecord}}``.
    """

    scenario: str
    seed: int
    version: str
    search: SearchSettings
    regions: dict[str, dict[str, CapacityRecord]]

    def to_dict(self) -> dict:
        """Return the document as in ``capacity.json``."""
        return {
            "scenario": self.scenario, "seed": self.seed, "version": self.version,
            "search": self.search.to_dict(),
            "regions": {r: {d: rec.to_dict() for d, rec in ds.items()} for r, ds in self.regions.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> CapacityDoc:
        """Read the document from its JSON form.

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(d["scenario"], d["seed"], d["version"], SearchSettings(**d["search"]),
                   {r: {k: CapacityRecord.from_dict(rec) for k, rec in ds.items()} for r, ds in d["regions"].items()})

    def csv_rows(self) -> list[dict]:
        """Return the rows of ``capacity.csv``, one per region and direction."""
        rows = []
        for r in REGIONS:
            for d in DIRECTIONS:
                c = self.regions[r][d]
                rows.append({
                    "scenario": self.scenario, "region": r, "direction": d, "demand_mt": c.demand_mt,
                    "bound_mt": c.bound_mt, "bound_trains_per_day": c.bound_trains_per_day,
                    "simulated_mt": c.simulated_mt, "precision_mt": c.precision_mt,
                    "binding": " ".join(e.id for e in c.binding),
                    "bottlenecks": " ".join(f"{e.id}:{e.utilisation:.2f}" for e in c.bottlenecks),
                    "note": c.note,
                })
        return rows


def assess_many(
    specs: list[RunSpec], *, executor: Executor | None = None, rounds: int = 2,
    days: float | None = None, warmup_days: float | None = None,
) -> list[CapacityDoc]:
    """Find the capacity of several scenarios, searched in lock-step.

    Parameters
    ----------
    specs : list of RunSpec
        The scenarios.
    executor : Executor, optional
        Process pool for the search's runs; serial when ``None``.
    rounds : int
        Search rounds (see :func:`corridors.search.search_many`).
    days, warmup_days : float, optional
        Horizon and warm-up of the search runs, days (default: each scenario's own).

    Returns
    -------
    list of CapacityDoc
        One per scenario, in order.
    """
    all_bounds = [region_bounds(s) for s in specs]
    items = [(s, bs[r][d]) for s, bs in zip(specs, all_bounds) for r in REGIONS for d in DIRECTIONS]
    found = iter(search_many(items, rounds=rounds, executor=executor, days=days, warmup_days=warmup_days))
    docs = []
    for s, bs in zip(specs, all_bounds):
        regions: dict[str, dict[str, CapacityRecord]] = {r: {} for r in REGIONS}
        for r in REGIONS:
            for d in DIRECTIONS:
                regions[r][d] = CapacityRecord.of(s, bs[r][d], next(found))
        search = SearchSettings(rounds, days or s.settings.days,
                                warmup_days if warmup_days is not None else s.settings.warmup_days, SEARCH_TOLERANCE)
        docs.append(CapacityDoc(s.name, s.settings.seed, __version__, search, regions))
    return docs


def _change(a, b):
    if a is None or b is None:
        return None, None
    return _r(b - a), (_r((b - a) / a, 4) if a else None)


@dataclass(frozen=True)
class ChangeRecord:
    """Before and after for one region and direction: the record K of ``comparison.json``.

    Attributes
    ----------
    before, after : MeasuredCapacity
        The base and the alternative scenario.
    bound_change_mt, simulated_change_mt : float or None
        After minus before, Mt/yr (``None`` when either side has no value).
    bound_change_rel, simulated_change_rel : float or None
        The same relative to before (``None`` also when before is 0).
    bottleneck_before, bottleneck_after : str or None
        The limiting element of each side (:attr:`CapacityRecord.limit`).
    """

    before: MeasuredCapacity
    after: MeasuredCapacity
    bound_change_mt: float | None
    bound_change_rel: float | None
    simulated_change_mt: float | None
    simulated_change_rel: float | None
    bottleneck_before: str | None
    bottleneck_after: str | None

    @classmethod
    def between(cls, before: MeasuredCapacity, after: MeasuredCapacity) -> ChangeRecord:
        """Compare two sides (changes from their rounded values, as the file shows them)."""
        bound_abs, bound_rel = _change(before.bound_mt, after.bound_mt)
        sim_abs, sim_rel = _change(before.simulated_mt, after.simulated_mt)
        return cls(before, after, bound_abs, bound_rel, sim_abs, sim_rel, before.limit, after.limit)

    def to_dict(self) -> dict:
        """Return the record as in ``comparison.json``."""
        return {
            "before": self.before.to_dict(), "after": self.after.to_dict(),
            "bound_change_mt": self.bound_change_mt, "bound_change_rel": self.bound_change_rel,
            "simulated_change_mt": self.simulated_change_mt, "simulated_change_rel": self.simulated_change_rel,
            "bottleneck_before": self.bottleneck_before, "bottleneck_after": self.bottleneck_after,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ChangeRecord:
        """Read the record from its JSON form.

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(MeasuredCapacity.from_dict(d["before"]), MeasuredCapacity.from_dict(d["after"]),
                   d["bound_change_mt"], d["bound_change_rel"], d["simulated_change_mt"], d["simulated_change_rel"],
                   d["bottleneck_before"], d["bottleneck_after"])


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
    """

    base: str
    alt: str
    version: str
    regions: dict[str, dict[str, ChangeRecord]]

    def to_dict(self) -> dict:
        """Return the document as in ``comparison.json``."""
        return {"base": self.base, "alt": self.alt, "version": self.version,
                "regions": {r: {d: k.to_dict() for d, k in ds.items()} for r, ds in self.regions.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> ComparisonDoc:
        """Read the document from its JSON form.

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(d["base"], d["alt"], d["version"],
                   {r: {k: ChangeRecord.from_dict(x) for k, x in ds.items()} for r, ds in d["regions"].items()})

    def csv_rows(self) -> list[dict]:
        """Return the rows of ``comparison.csv``, one per region and direction."""
        rows = []
        for r in REGIONS:
            for d in DIRECTIONS:
                k = self.regions[r][d]
                b, a = k.before, k.after
                rows.append({
                    "region": r, "direction": d,
                    "bound_before_mt": b.bound_mt, "bound_after_mt": a.bound_mt,
                    "bound_change_mt": k.bound_change_mt, "bound_change_rel": k.bound_change_rel,
                    "simulated_before_mt": b.simulated_mt, "simulated_after_mt": a.simulated_mt,
                    "precision_before_mt": b.precision_mt, "precision_after_mt": a.precision_mt,
                    "simulated_change_mt": k.simulated_change_mt, "simulated_change_rel": k.simulated_change_rel,
                    "delivered_before_mt": b.delivered_mt, "delivered_after_mt": a.delivered_mt,
                    "transit_days_before": b.transit_days_mean, "transit_days_after": a.transit_days_mean,
                    "bottleneck_before": k.bottleneck_before, "bottleneck_after": k.bottleneck_after,
                })
        return rows


def compare_docs(base_cap: CapacityDoc, alt_cap: CapacityDoc, base_sum: dict, alt_sum: dict) -> ComparisonDoc:
    """Compare two scenarios' capacities, with their runs' delivered volumes and transit times.

    Parameters
    ----------
    base_cap, alt_cap : CapacityDoc
        The two capacity documents.
    base_sum, alt_sum : dict
        The two runs' ``summary.json`` documents.

    Returns
    -------
    ComparisonDoc
        Named after the capacity documents' scenarios.
    """
    regions: dict[str, dict[str, ChangeRecord]] = {}
    for r in REGIONS:
        regions[r] = {}
        for d in DIRECTIONS:
            before = base_cap.regions[r][d].measured(base_sum["regions"][r][d])
            after = alt_cap.regions[r][d].measured(alt_sum["regions"][r][d])
            regions[r][d] = ChangeRecord.between(before, after)
    return ComparisonDoc(base_cap.scenario, alt_cap.scenario, __version__, regions)


@dataclass(frozen=True)
class AttributionRow:
    """One row of ``attribution.csv``: each project's own change of one region's bound.

    Attributes
    ----------
    region, direction : str
        Which bound.
    base_bound_mt : float or None
        The base scenario's bound, Mt/yr.
    project_changes_mt : dict
        ``project name -> change of the bound`` with that project alone, Mt/yr
        (``None`` when either bound is missing), in the projects' order.
    sum_of_projects_mt : float
        Sum of the single-project changes (missing ones as 0), Mt/yr.
    all_projects_together_mt : float or None
        The change with every project together; against the sum it shows interactions.
    """

    region: str
    direction: str
    base_bound_mt: float | None
    project_changes_mt: dict[str, float | None]
    sum_of_projects_mt: float
    all_projects_together_mt: float | None

    def to_dict(self) -> dict:
        """Return the row as in ``attribution.csv``."""
        return {
            "region": self.region, "direction": self.direction, "base_bound_mt": self.base_bound_mt,
            **{f"{name}_bound_change_mt": ch for name, ch in self.project_changes_mt.items()},
            "sum_of_projects_mt": self.sum_of_projects_mt,
            "all_projects_together_mt": self.all_projects_together_mt,
        }


def attribution_rows(base_cap: CapacityDoc, project_bounds: dict[str, dict[str, dict[str, Bound]]],
                     alt_cap: CapacityDoc) -> list[AttributionRow]:
    """Set each project alone against the base: its change in the LP bound.

    Parameters
    ----------
    base_cap, alt_cap : CapacityDoc
        The base scenario and the one with every project.
    project_bounds : dict
        Project (overlay) name -> :func:`corridors.bound.region_bounds` of
        base + that overlay.

    Returns
    -------
    list of AttributionRow
        One per region and direction.
    """
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            base_mt = base_cap.regions[r][d].bound_mt
            changes: dict[str, float | None] = {}
            total = 0.0
            for name, bounds in project_bounds.items():
                ch, _ = _change(base_mt, bounds[r][d].bound_mt)
                changes[name] = ch
                total += ch or 0.0
            comb, _ = _change(base_mt, alt_cap.regions[r][d].bound_mt)
            rows.append(AttributionRow(r, d, base_mt, changes, _r(total), comb))
    return rows
