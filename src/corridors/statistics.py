"""Statistics over replications: the mean and its 95 % confidence interval, written once.

Every simulated figure that corridors reports comes from independent
replications (seeds ``seed, seed + 1, ...``). Its interval is the Student t
interval of the mean over replications, ``mean +- t(0.975, n - 1) s / sqrt(n)``
(Law, *Simulation Modeling and Analysis*, 5th ed., section 9.4.1). A
before/after difference is **paired**: replication ``i`` of both scenarios uses
the same seed and therefore the same random streams
(:mod:`corridors.simulation.streams`), and the interval is that of the mean of
the ``n`` differences (Law, section 10.2.1, the paired-t interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Confidence level of every interval corridors reports.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """The mean of a figure over replications and its 95 % confidence interval.

    Attributes
    ----------
    mean : float
        Mean over the replications (units of the figure).
    low, high : float or None
        Ends of the 95 % Student t interval; ``None`` with a single replication
        (no spread can be estimated from one run).
    n : int
        Replications that gave a value.
    """

    mean: float
    low: float | None
    high: float | None
    n: int

    @property
    def ci(self) -> list[float] | None:
        """``[low, high]``, as the files write it, or ``None``."""
        return None if self.low is None else [self.low, self.high]

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero (``False`` without an interval)."""
        return excludes_zero(self.ci)


def excludes_zero(ci: Sequence[float] | None) -> bool:
    """Tell whether a ``[low, high]`` interval, as the files write it, excludes zero (``False`` for ``None``)."""
    return bool(ci) and (ci[0] > 0 or ci[1] < 0)


def t_quantile(df: int) -> float:
    """Two-sided 95 % quantile of Student's t with ``df`` degrees of freedom (``df >= 1``)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))


def estimate(values: Sequence[float | None]) -> Estimate | None:
    """Mean and 95 % interval of the values that are not ``None``.

    Parameters
    ----------
    values : sequence of float or None
        One value per replication; ``None`` where a replication gave none.

    Returns
    -------
    Estimate or None
        ``None`` when no replication gave a value.

    Examples
    --------
    >>> e = estimate([1.0, 2.0, 3.0])
    >>> round(e.mean, 3), round(e.low, 3), round(e.high, 3)
    (2.0, -0.484, 4.484)
    """
    xs = [float(v) for v in values if v is not None]
    n = len(xs)
    if n == 0:
        return None
    mean = sum(xs) / n
    if n == 1:
        return Estimate(mean, None, None, 1)
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n)


def paired(before: Sequence[float | None], after: Sequence[float | None]) -> Estimate | None:
    """Mean and 95 % interval of the paired differences ``after[i] - before[i]``.

    Parameters
    ----------
    before, after : sequence of float or None
        One value per replication, the same seeds on both sides (same length).

    Returns
    -------
    Estimate or None
        Over the replications where both sides gave a value; ``None`` when none did.

    Raises
    ------
    ValueError
        When the two sides have different numbers of replications (they are not paired).
    """
    if len(before) != len(after):
        raise ValueError(f"paired differences need as many replications on both sides ({len(before)} != "
                         f"{len(after)})")
    return estimate([None if b is None or a is None else a - b for b, a in zip(before, after)])


def mean_ci95(values: Sequence[float | None], nd: int = 4) -> dict:
    """Return ``{"mean", "ci95"}`` of the values that are not ``None``: the mean and the 95 % interval's half-width.

    Both rounded to ``nd`` decimals; ``ci95`` is ``None`` from one value, both are ``None`` from none.
    """
    e = estimate(values)
    if e is None:
        return {"mean": None, "ci95": None}
    return {"mean": round(e.mean, nd), "ci95": None if e.low is None else round((e.high - e.low) / 2, nd)}
