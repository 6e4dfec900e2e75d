"""The capacity of one scenario per region and direction: the ``capacity.json`` document.

The records are typed; each has one ``to_dict`` (the file's JSON, key order
and rounding included) and one ``from_dict`` (for readers of the files), so a
new metric is added here and nowhere else.

``capacity.json`` (:class:`CapacityDoc`)::

    {"scenario": str, "seed", "version", "search": {...},
     "regions": {R: {"inbound": C, "outbound": C}}}
    C = CapacityRecord: {"demand_mt", "bound_mt", "bound_trains_per_day", "bound_uniform_mt",
         "simulated_mt" (practical capacity), "simulated_ci_mt", "simulated_is_lower_limit", "precision_mt", "simulated_scale",
         "max_throughput_mt", "max_throughput_ci_mt", "service_level", "replications",
         "demand_exceeds_capacity", "simulated_by_replication_mt", "max_throughput_by_replication_mt",
         "bottlenecks": [{"id", "kind", "utilisation"}],
         "binding": [{"id", "kind", "direction", "utilisation"}] (the LP cut),
         "others_served_share", "probes": [ProbePoint: the load--delay curve], "note"}

Intervals are 95 % Student t intervals over replications (``[low, high]``,
``None`` with one replication; :mod:`corridors.statistics`). All numbers come
from the LP bound (:mod:`corridors.bound`) and the capacity search
(:mod:`corridors.search`); nothing is typed in. Volumes are in Mt/yr, rounded
to 3 decimals; scalings and shares to 4.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, fields, replace

from corridors import REGIONS, __version__
from corridors.bound import BindingElement, Bound, region_bounds
from corridors.model import RunSpec
from corridors.search import (
    DEMAND_SCALE,
    FIRST_LOADS,
    REFINE_ROUNDS,
    REFINE_TOLERANCE,
    Bottleneck,
    LoadPoint,
    SimulatedCapacity,
    bottlenecks_at,
    search_many,
)
from corridors.statistics import Estimate, estimate

DIRECTIONS = ("inbound", "outbound")


def rounded(x: float | None, nd: int = 3) -> float | None:
    """``x`` rounded to ``nd`` decimals as the files write it (``None`` stays ``None``, no ``-0.0``)."""
    return None if x is None else round(float(x), nd) + 0.0


def ci_list(e: Estimate | None) -> list[float] | None:
    """Return an estimate's interval as the files write it, ``[low, high]`` rounded to 3 decimals, or ``None``."""
    return None if e is None or e.low is None else [rounded(e.low), rounded(e.high)]


def mean_of(e: Estimate | None, nd: int = 3) -> float | None:
    """Return an estimate's mean as the files write it, or ``None``."""
    return None if e is None else rounded(e.mean, nd)


def curve_file_stem(region: str, direction: str) -> str:
    """``curve-<region>-<direction>``, the region in lower case with hyphens (``curve-south-asia-inbound``)."""
    return f"curve-{region.lower().replace(' ', '-')}-{direction}"


@dataclass(frozen=True)
class ProbePoint:
    """One load of the load--delay curve as the document lists it.

    Attributes
    ----------
    scale : float
        Multiple of the region's demand simulated (4 decimals).
    mt, trains_per_day : float
        The offered load: Mt/yr and trains/day (the region's demand times ``scale``).
    stable : bool
        Whether the mean added waiting share over replications is within the service level.
    why : str
        That judgement in words.
    delivered_mt : float
        Mean delivered volume over replications, Mt/yr.
    delivered_ci_mt : list of float or None
        Its 95 % interval.
    added_wait_h : float
        Mean added waiting per train, hours (mean over replications).
    added_wait_share : float
        Mean added waiting as a share of the mean free transit time.
    added_wait_share_ci : list of float or None
        Its 95 % interval.
    by_replication : dict
        Per replication (in order): ``offered_mt``, ``delivered_mt``, ``added_wait_h``,
        ``added_wait_share``, ``refused`` (lists).
    """

    scale: float
    mt: float
    trains_per_day: float
    stable: bool
    why: str
    delivered_mt: float
    delivered_ci_mt: list[float] | None
    added_wait_h: float
    added_wait_share: float
    added_wait_share_ci: list[float] | None
    by_replication: dict[str, list]

    @classmethod
    def of(cls, p: LoadPoint, sc: SimulatedCapacity) -> ProbePoint:
        """Summarise one load of a search (rounded as in the file)."""
        share = p.wait_share()
        level = sc.level.max_added_wait_share
        stable = share.mean <= level
        obs = p.observations
        why = (f"mean added waiting {p.added_wait_h().mean:.0f} h, {share.mean:.0%} of the free transit time "
               f"({'within' if stable else 'above'} the {level:.0%} service level) over {len(obs)} replications")
        return cls(
            scale=rounded(p.scale, 4), mt=rounded(p.scale * sc.demand_mt), trains_per_day=rounded(p.scale * sc.demand_trains_per_day, 2),
            stable=stable, why=why, delivered_mt=mean_of(p.delivered()), delivered_ci_mt=ci_list(p.delivered()),
            added_wait_h=mean_of(p.added_wait_h(), 2), added_wait_share=mean_of(share, 4),
            added_wait_share_ci=None if share.low is None else [rounded(share.low, 4), rounded(share.high, 4)],
            by_replication={
                "offered_mt": [rounded(o.offered_mt) for o in obs], "delivered_mt": [rounded(o.delivered_mt) for o in obs],
                "added_wait_h": [rounded(o.added_wait_h, 2) for o in obs],
                "added_wait_share": [rounded(o.wait_share, 4) for o in obs], "refused": [o.refused for o in obs],
            },
        )

    def to_dict(self) -> dict:
        """Return the point as in ``capacity.json``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
    simulated_mt : float or None
        The practical capacity (mean over replications), Mt/yr.
    simulated_ci_mt : list of float or None
        Its 95 % interval, Mt/yr (``None`` with one replication).
    simulated_is_lower_limit : bool
        Some replication kept the service level at every load probed, so the
        practical capacity is at least ``simulated_mt``.
    precision_mt : float or None
        Widest gap between the probed loads a replication's crossing was
        interpolated in, Mt/yr (the search's resolution, not an interval).
    simulated_scale : float or None
        The practical capacity as a multiple of demand.
    max_throughput_mt : float or None
        The maximum throughput (mean over replications), Mt/yr.
    max_throughput_ci_mt : list of float or None
        Its 95 % interval, Mt/yr.
    service_level : dict
        What the practical capacity was judged on (``max_added_wait_share``, ``definition``).
    replications : int
        Runs per load.
    demand_exceeds_capacity : bool or None
        Whether the scenario's own demand is above the practical capacity
        (``None`` without a practical capacity).
    simulated_by_replication_mt, max_throughput_by_replication_mt : list of float
        The two capacities per replication (for paired differences).
    bottlenecks : tuple of Bottleneck
        Elements above 90% of capacity in the run nearest the practical capacity.
    binding : tuple of BindingElement
        The LP cut, largest dual first (``dual`` is not kept: ``None``).
    others_served_share : float
        Share of the other flows' demand the network could serve.
    probes : tuple of ProbePoint
        The load--delay curve, by increasing load.
    note : str
        The bound's and the search's notes, ``"; "``-joined.
    """

    demand_mt: float
    bound_mt: float | None
    bound_trains_per_day: float | None
    bound_uniform_mt: float | None
    simulated_mt: float | None
    simulated_ci_mt: list[float] | None
    simulated_is_lower_limit: bool
    precision_mt: float | None
    simulated_scale: float | None
    max_throughput_mt: float | None
    max_throughput_ci_mt: list[float] | None
    service_level: dict
    replications: int
    demand_exceeds_capacity: bool | None
    simulated_by_replication_mt: list[float]
    max_throughput_by_replication_mt: list[float]
    bottlenecks: tuple[Bottleneck, ...]
    binding: tuple[BindingElement, ...]
    others_served_share: float
    probes: tuple[ProbePoint, ...]
    note: str

    @classmethod
    def of(cls, spec: RunSpec, b: Bound, sc: SimulatedCapacity, replications: int) -> CapacityRecord:
        """Build the record from the LP bound and the search result (rounded as in the file).

        Parameters
        ----------
        spec : RunSpec
            The scenario (for the bottlenecks' kinds).
        b : Bound
            Its LP bound for the region and direction.
        sc : SimulatedCapacity
            Its search result for the same region and direction.
        replications : int
            Runs per load of the search.
        """
        practical, peak = sc.practical, sc.max_throughput
        return cls(
            demand_mt=rounded(b.demand_mt),
            bound_mt=rounded(b.bound_mt),
            bound_trains_per_day=rounded(b.bound_trains_per_day, 2),
            bound_uniform_mt=rounded(b.uniform_mt),
            simulated_mt=mean_of(practical),
            simulated_ci_mt=ci_list(practical),
            simulated_is_lower_limit=sc.held_at_all,
            precision_mt=rounded(sc.bracket_mt),
            simulated_scale=rounded(sc.practical_scale, 4),
            max_throughput_mt=mean_of(peak),
            max_throughput_ci_mt=ci_list(peak),
            service_level=sc.level.to_dict(),
            replications=replications,
            demand_exceeds_capacity=None if practical is None else bool(b.demand_mt > practical.mean),
            simulated_by_replication_mt=[rounded(x) for x in sc.practical_by_replication_mt],
            max_throughput_by_replication_mt=[rounded(x) for x in sc.max_throughput_by_replication_mt],
            bottlenecks=bottlenecks_at(sc, spec),
            binding=tuple(replace(e, dual=None) for e in b.binding),
            others_served_share=rounded(b.others_served_share, 4),
            probes=tuple(ProbePoint.of(p, sc) for p in sc.points),
            note="; ".join(dict.fromkeys(x for x in (b.note, sc.note) if x)),  # the same note once
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
        d = {f.name: getattr(self, f.name) for f in fields(CapacityRecord)}
        d["bottlenecks"] = [{"id": e.id, "kind": e.kind, "utilisation": e.utilisation} for e in self.bottlenecks]
        d["binding"] = [{"id": e.id, "kind": e.kind, "direction": e.direction, "utilisation": e.utilisation}
                        for e in self.binding]
        d["probes"] = [p.to_dict() for p in self.probes]
        return d

    @staticmethod
    def _fields_of(d: dict) -> dict:
        """Read the fields of :class:`CapacityRecord` from its JSON form."""
        out = {f.name: d[f.name] for f in fields(CapacityRecord)}
        out["bottlenecks"] = tuple(Bottleneck(e["id"], e["kind"], e["utilisation"]) for e in d["bottlenecks"])
        out["binding"] = tuple(BindingElement(e["id"], e["kind"], e["direction"], e["utilisation"])
                               for e in d["binding"])
        out["probes"] = tuple(ProbePoint(**p) for p in d["probes"])
        return out

    @classmethod
    def from_dict(cls, d: dict) -> CapacityRecord:
        """Read the record from its JSON form (as :meth:`to_dict` writes it).

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(**cls._fields_of(d))

    def measured(self, runs: list[dict]) -> MeasuredCapacity:
        """Add the scenario's runs' delivered volume and transit time to the record.

        Parameters
        ----------
        runs : list of dict
            The region and direction's entry of each replication's ``summary.json``
            (``delivered_mt`` in Mt/yr, ``transit_days_mean`` in days), in replication order.
        """
        own = {f.name: getattr(self, f.name) for f in fields(CapacityRecord)}
        delivered = estimate([r["delivered_mt"] for r in runs])
        transit = estimate([r["transit_days_mean"] for r in runs])
        return MeasuredCapacity(**own, delivered_mt=mean_of(delivered), delivered_ci_mt=ci_list(delivered),
                                transit_days_mean=mean_of(transit), transit_days_ci=ci_list(transit),
                                delivered_by_replication_mt=[r["delivered_mt"] for r in runs])


@dataclass(frozen=True)
class MeasuredCapacity(CapacityRecord):
    """A capacity record with its scenario's runs: one side (C') of a comparison.

    Attributes
    ----------
    delivered_mt : float or None
        Volume the runs delivered, Mt/yr (annualised, measured period; mean over replications).
    delivered_ci_mt : list of float or None
        Its 95 % interval.
    transit_days_mean : float or None
        Mean transit time of the delivered trains, days (mean over replications).
    transit_days_ci : list of float or None
        Its 95 % interval.
    delivered_by_replication_mt : list of float or None
        Delivered volume of each replication (for paired differences).
    """

    delivered_mt: float | None
    delivered_ci_mt: list[float] | None
    transit_days_mean: float | None
    transit_days_ci: list[float] | None
    delivered_by_replication_mt: list[float | None]

    _RUN_KEYS = ("delivered_mt", "delivered_ci_mt", "transit_days_mean", "transit_days_ci",
                 "delivered_by_replication_mt")

    def to_dict(self) -> dict:
        """Return the record as in ``comparison.json``."""
        return {**super().to_dict(), **{k: getattr(self, k) for k in self._RUN_KEYS}}

    @classmethod
    def from_dict(cls, d: dict) -> MeasuredCapacity:
        """Read the record from its JSON form (as :meth:`to_dict` writes it).

        Raises
        ------
        KeyError
            When a key is missing.
        """
        return cls(**cls._fields_of(d), **{k: d[k] for k in cls._RUN_KEYS})


@dataclass(frozen=True)
class SearchSettings:
    """How the capacity search ran.

    Attributes
    ----------
    replications : int
        Runs per load (seeds ``seed`` to ``seed + replications - 1``).
    rounds : int
        Refinement rounds at most.
    days, warmup_days : float
        Horizon and warm-up of every run, days.
    first_loads : list of float
        Shares of the LP's uniform scaling probed in the first round: the top
        one unless it lies within ``refine_tolerance`` of demand, the lower
        one only when the scaling is below demand.
    refine_tolerance : float
        Refinement stops once a load lies within this share of the crossing.
    demand_scale : float
        The load, a multiple of demand, that every search probes first: the
        scenario's own demand, one run per replication shared by every region.
    """

    replications: int
    rounds: int
    days: float
    warmup_days: float
    first_loads: list[float]
    refine_tolerance: float
    demand_scale: float = DEMAND_SCALE

    def to_dict(self) -> dict:
        """Return the settings as in ``capacity.json``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
                lo, hi = c.simulated_ci_mt or (None, None)
                mlo, mhi = c.max_throughput_ci_mt or (None, None)
                rows.append({
                    "scenario": self.scenario, "region": r, "direction": d, "demand_mt": c.demand_mt,
                    "bound_mt": c.bound_mt, "bound_trains_per_day": c.bound_trains_per_day,
                    "simulated_mt": c.simulated_mt, "simulated_ci_low_mt": lo, "simulated_ci_high_mt": hi,
                    "precision_mt": c.precision_mt, "max_throughput_mt": c.max_throughput_mt,
                    "max_throughput_ci_low_mt": mlo, "max_throughput_ci_high_mt": mhi,
                    "demand_exceeds_capacity": c.demand_exceeds_capacity, "replications": c.replications,
                    "service_level_wait_share": c.service_level["max_added_wait_share"],
                    "binding": " ".join(e.id for e in c.binding),
                    "bottlenecks": " ".join(f"{e.id}:{e.utilisation:.2f}" for e in c.bottlenecks),
                    "note": c.note,
                })
        return rows

    def curve_rows(self) -> list[dict]:
        """Return the rows of ``curves.csv``: one per region, direction, load and replication."""
        rows = []
        for r in REGIONS:
            for d in DIRECTIONS:
                for p in self.regions[r][d].probes:
                    reps = p.by_replication
                    for i in range(len(reps["delivered_mt"])):
                        rows.append({
                            "region": r, "direction": d, "scenario": self.scenario, "scale": p.scale,
                            "offered_mt": p.mt, "offered_trains_per_day": p.trains_per_day,
                            "replication": i, "seed": self.seed + i,
                            "generated_mt": reps["offered_mt"][i], "delivered_mt": reps["delivered_mt"][i],
                            "added_wait_h": reps["added_wait_h"][i],
                            "added_wait_share": reps["added_wait_share"][i], "refused": reps["refused"][i],
                        })
        return rows


def assess_many(
    specs: list[RunSpec], *, executor: Executor | None = None, rounds: int = REFINE_ROUNDS,
    replications: int | None = None, days: float | None = None, warmup_days: float | None = None,
    on_run: Callable[[int, int], None] | None = None,
) -> list[CapacityDoc]:
    """Find the capacity of several scenarios, searched together.

    Parameters
    ----------
    specs : list of RunSpec
        The scenarios.
    executor : Executor, optional
        Process pool for the search's runs; serial when ``None``.
    rounds : int
        Refinement rounds at most (see :func:`corridors.search.search_many`).
    replications : int, optional
        Runs per load (default: each scenario's ``simulation.replications``).
    days, warmup_days : float, optional
        Horizon and warm-up of the search runs, days (default: each scenario's own).
    on_run : callable, optional
        Progress: ``on_run(done, total)`` after every search run (:func:`corridors.search.search_many`).

    Returns
    -------
    list of CapacityDoc
        One per scenario, in order.
    """
    all_bounds = [region_bounds(s) for s in specs]
    items = [(s, bs[r][d]) for s, bs in zip(specs, all_bounds) for r in REGIONS for d in DIRECTIONS]
    found = iter(search_many(items, rounds=rounds, replications=replications, executor=executor, days=days,
                             warmup_days=warmup_days, on_run=on_run))
    docs = []
    for s, bs in zip(specs, all_bounds):
        n = replications or s.settings.replications
        regions: dict[str, dict[str, CapacityRecord]] = {r: {} for r in REGIONS}
        for r in REGIONS:
            for d in DIRECTIONS:
                regions[r][d] = CapacityRecord.of(s, bs[r][d], next(found), n)
        search = SearchSettings(n, rounds, days or s.settings.days,
                                warmup_days if warmup_days is not None else s.settings.warmup_days,
                                list(FIRST_LOADS), REFINE_TOLERANCE)
        docs.append(CapacityDoc(s.name, s.settings.seed, __version__, search, regions))
    return docs


