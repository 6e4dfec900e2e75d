"""The columns of a sweep's table: what each metric is, its unit, and how its columns are named.

A metric is reported per region and direction, one column each, named
``{metric}_{to|from}_{region}`` (``delivered_mt_to_china``: freight delivered to
China, Mt/yr). In a ``compare`` sweep every metric has three columns, prefixed
``before_``, ``after_`` and ``change_`` (after minus before, the same
replication on both sides: a paired difference). The names follow the brief's
vocabulary: *to* a region is inbound, *from* it outbound.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridors import REGIONS
from corridors.elements import DIRECTION_WORD

#: What a point of a sweep is.
KINDS = ("run", "capacity", "compare")
#: Direction of the search and summary documents -> the word in column names.
DIRECTION_WORDS = DIRECTION_WORD  # the one vocabulary of corridors.elements
#: Prefixes of a ``compare`` sweep's columns.
SIDES = ("before", "after", "change")


@dataclass(frozen=True)
class Metric:
    """A figure reported per region and direction.

    Attributes
    ----------
    unit
        Its unit.
    meaning
        What it is, in words.
    source
        ``run`` (a full-horizon run's ``summary.json``) or ``capacity`` (the capacity search).
    block
        Where a ``run`` metric stands in ``summary.json``: ``""`` its ``regions`` block,
        ``"emissions"`` the ``regions`` of its ``emissions`` block.
    """

    unit: str
    meaning: str
    source: str
    block: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        """Return the kinds of sweep that report it (``compare`` reports every metric)."""
        return (self.source, "compare")


#: Every metric a sweep can report.
METRICS: dict[str, Metric] = {
    "delivered_mt": Metric("Mt/yr", "freight delivered in the measured period (after warm-up), annualised", "run"),
    "offered_mt": Metric("Mt/yr", "freight offered (trains generated) in the measured period, annualised", "run"),
    "transit_days_mean": Metric("days", "mean door-to-door transit time of the trains delivered", "run"),
    "transit_days_p95": Metric("days", "95th percentile of the transit time of the trains delivered", "run"),
    "practical_capacity_mt": Metric(
        "Mt/yr", "practical capacity of this replication: the load at which the added waiting reaches the "
                 "service level (docs/capacity.md); empty where the search found none", "capacity"),
    "max_throughput_mt": Metric("Mt/yr", "maximum throughput of this replication: the most delivered at any "
                                         "load the search probed", "capacity"),
    "co2e_t_per_year": Metric(
        "t CO2e/yr", "well-to-wheel emissions of the trains delivered in the measured period, annualised "
                     "(summary.json emissions, docs/emissions.md)", "run", "emissions"),
    "g_co2e_per_tkm": Metric(
        "g CO2e/tkm", "well-to-wheel emissions per net tonne-km of the trains delivered in the measured period",
        "run", "emissions"),
    "usd_per_t": Metric(
        "USD/t", "what a tonne of the trains delivered in the measured period pays door to door: line haul, "
                 "border fees and ferries (summary.json costs, CAREC CPMM form, docs/emissions.md)", "run", "costs"),
    "usd_per_20t_500km": Metric(
        "USD per 20 t per 500 km", "the same cost in CAREC CPMM's TFI3 form, over the whole route", "run", "costs"),
    "bound_mt": Metric("Mt/yr", "LP max-flow bound (no randomness: the same in every replication)", "capacity"),
    "demand_mt": Metric("Mt/yr", "the point's demand of the region's flows", "capacity"),
}

#: Flags that qualify a metric, reported beside it (sides ``before`` and ``after`` only): the
#: practical capacity is a lower limit where the service level held at every load probed.
FLAGS: dict[str, tuple[str, str]] = {
    "practical_capacity_mt": (
        "practical_capacity_is_lower_limit",
        "true where some replication kept the service level at every load the search probed: the practical "
        "capacity is then at least the figure given, not the figure itself"),
}

#: Columns of every row, before the metrics, with their meaning (settings follow, by their YAML path).
POINT_COLUMNS: dict[str, str] = {
    "point": "the point's number, from 0, in the order the sweep file builds them",
    "replication": "the replication, from 0 (seed = the point's seed + replication)",
    "seed": "the random seed of this replication",
    "kind": "what the point is: run, capacity or compare",
    "scenario": "the point's scenario name (for compare: the side with the overlays)",
    "overlays": "the overlays applied to the base, by file name, '+'-joined ('none' without one)",
    "demand_scale": "the factor on the base scenario's demand",
}


def default_metrics(kind: str) -> tuple[str, ...]:
    """Return the metrics a sweep of ``kind`` reports when its file does not say."""
    return {"run": ("delivered_mt", "transit_days_mean"),
            "capacity": ("practical_capacity_mt", "max_throughput_mt"),
            "compare": ("practical_capacity_mt", "delivered_mt", "transit_days_mean")}[kind]


def slug(region: str) -> str:
    """Return a region's name in column names (``South Asia`` -> ``south_asia``)."""
    return region.lower().replace(" ", "_")


def column(metric: str, region: str, direction: str, side: str | None = None) -> str:
    """Return the column of ``metric`` for one region and direction (and side of a comparison).

    Parameters
    ----------
    metric
        A key of :data:`METRICS`.
    region
        One of :data:`corridors.REGIONS`.
    direction
        ``inbound`` or ``outbound``.
    side
        ``before``, ``after`` or ``change`` in a ``compare`` sweep, else None.
    """
    name = f"{metric}_{DIRECTION_WORDS[direction]}_{slug(region)}"
    return f"{side}_{name}" if side else name


@dataclass(frozen=True)
class Column:
    """What one metric column holds.

    Attributes
    ----------
    metric
        A key of :data:`METRICS`.
    region, direction
        One of :data:`corridors.REGIONS`; ``inbound`` or ``outbound``.
    side
        ``before``, ``after`` or ``change`` in a ``compare`` sweep, else None.
    flag
        Whether it is the metric's flag (:data:`FLAGS`), true or false, not its value.
    """

    metric: str
    region: str
    direction: str
    side: str | None = None
    flag: bool = False

    @property
    def name(self) -> str:
        """Return the column's name (:func:`column`, or the flag's name in its place)."""
        if not self.flag:
            return column(self.metric, self.region, self.direction, self.side)
        name = f"{FLAGS[self.metric][0]}_{DIRECTION_WORDS[self.direction]}_{slug(self.region)}"
        return f"{self.side}_{name}" if self.side else name

    def describe(self) -> str:
        """Return what it holds, with its unit (``true/false`` for a flag)."""
        word = DIRECTION_WORDS[self.direction]
        what = {"before": "before (base without the overlays): ", "after": "after: ",
                "change": "change, after minus before (paired): ", None: ""}[self.side]
        if self.flag:
            return f"{what}{FLAGS[self.metric][1]}, {word} {self.region}, true/false"
        m = METRICS[self.metric]
        return f"{what}{m.meaning}, {word} {self.region}, {m.unit}"

    @property
    def unit(self) -> str:
        """Return its unit (``true/false`` for a flag)."""
        return "true/false" if self.flag else METRICS[self.metric].unit


def metric_columns(kind: str, metrics: tuple[str, ...]) -> list[Column]:
    """Return the metric columns of a sweep, in table order.

    Parameters
    ----------
    kind
        ``run``, ``capacity`` or ``compare``.
    metrics
        Keys of :data:`METRICS`.

    Returns
    -------
    list of Column
        Per metric: its columns by side (``before``, ``after``, ``change`` in a
        compare), region and direction, then its flag's columns (no ``change``).
    """
    sides = SIDES if kind == "compare" else (None,)
    out = []
    for m in metrics:
        out += [Column(m, r, d, side) for side in sides for r in REGIONS for d in DIRECTION_WORDS]
        if m in FLAGS:
            out += [Column(m, r, d, side, flag=True) for side in sides if side != "change"
                    for r in REGIONS for d in DIRECTION_WORDS]
    return out


def default_headline(kind: str, metrics: tuple[str, ...]) -> str:
    """Return the column a chart draws by default: the first metric to China (its change in a compare)."""
    return column(metrics[0], "China", "inbound", "change" if kind == "compare" else None)


def find(name: str) -> Column:
    """Return the metric column called ``name`` (any kind of sweep).

    Raises
    ------
    KeyError
        ``name`` is not a metric column.
    """
    for c in metric_columns("compare", tuple(METRICS)) + metric_columns("run", tuple(METRICS)):
        if c.name == name:
            return c
    raise KeyError(name)
