"""The brief's section on time, cost and CO2 per market, before and after (issue 16)."""

from __future__ import annotations

from corridors import REGIONS
from corridors.brief.document import Block, Heading, Para, Table
from corridors.brief.format import arrow, capital, flow_label, fmt_mt, fmt_num
from corridors.brief.read import DIRECTIONS, ResultFolder

__all__ = ["footprint_blocks"]

HEADING = "Time, cost and CO2 per market"


def _usd(x: float | None) -> str:
    return "–" if x is None else f"${fmt_num(x, 0)}"


def _range(low: float | None, high: float | None, nd: int = 0) -> str:
    """Format a range of shares of value: ``5–18%``."""
    if low is None or high is None:
        return "–"
    return f"{fmt_num(100 * low, nd)}–{fmt_num(100 * high, nd)}%"


def _ci(g: dict | None, fmt, scale: float = 1.0) -> str:
    """Format a paired change with its 95 % interval: ``−12 (−15 to −9)``; ``–`` without one."""
    if not g or g.get("change") is None:
        return "–"
    text = fmt(g["change"] * scale)
    lo_hi = g.get("change_ci")
    return text if not lo_hi else f"{text} ({fmt(lo_hi[0] * scale)} to {fmt(lo_hi[1] * scale)})"


def _pm(g: dict | None, fmt, scale: float = 1.0) -> str:
    """Format a paired change as ``−64 ± 5`` (its interval is symmetric); ``–`` without one."""
    if not g or g.get("change") is None:
        return "–"
    lo_hi = g.get("change_ci")
    half = "" if not lo_hi else f" ± {fmt_num(abs(lo_hi[1] - lo_hi[0]) / 2 * scale, 0)}"
    return fmt(g["change"] * scale) + half


def _signed(nd: int, unit: str = ""):
    def fmt(x: float) -> str:
        body = fmt_num(abs(x), nd)
        return ("−" if x < 0 and body.strip("0.") else "+" if x > 0 and body.strip("0.") else "") + unit + body
    return fmt


def _mean(g: dict | None, side: str) -> float | None:
    return ((g or {}).get(side) or {}).get("mean")


def _compare_rows(result: ResultFolder) -> list[tuple[str, ...]]:
    fp = result.comparison["footprint"]
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            g = fp["regions"][r][d]
            k = result.comparison["regions"][r][d]  # delivered and transit: means over the replications
            transit = [k[w].get("transit_days_mean") for w in ("before", "after")]
            delivered = [k[w].get("delivered_mt") for w in ("before", "after")]
            if _mean(g["usd_per_t"], "before") is None and _mean(g["usd_per_t"], "after") is None:
                continue
            rows.append((
                capital(flow_label(r, d)), arrow(*(fmt_mt(x) for x in delivered)), arrow(*(fmt_num(x) for x in transit)),
                arrow(_usd(_mean(g["usd_per_t"], "before")), _usd(_mean(g["usd_per_t"], "after"))),
                arrow(*(_range(_mean(g["time_cost_share_low"], s), _mean(g["time_cost_share_high"], s))
                        for s in ("before", "after"))),
                arrow(fmt_num(_mean(g["g_co2e_per_tkm"], "before")), fmt_num(_mean(g["g_co2e_per_tkm"], "after"))),
                _pm(g["co2e_t_per_year"], _signed(0), 1e-3)))
    return rows


def _run_rows(result: ResultFolder) -> list[tuple[str, ...]]:
    (run,) = result.runs
    s = run.summary
    rows = []
    for r in REGIONS:
        for d in DIRECTIONS:
            c, e = s["costs"]["regions"][r][d], s["emissions"]["regions"][r][d]
            if c.get("usd_per_t") is None:
                continue
            rows.append((capital(flow_label(r, d)), fmt_num(s["regions"][r][d].get("transit_days_mean")),
                         _usd(c["usd_per_t"]),
                         _range(c["time_cost_share_low"], c["time_cost_share_high"]),
                         fmt_num(e["g_co2e_per_tkm"]), fmt_num(e["co2e_t_per_year"] / 1e3, 0)))
    return rows


def _sentence(result: ResultFolder) -> str:
    """Say the network's cost and emissions by rail against road (and their paired change in a comparison)."""
    s = result.runs[-1].summary
    cost, em = dict(s["costs"]["network"]), dict(s["emissions"]["network"])
    fp = (result.comparison or {}).get("footprint") if result.kind == "compare" else None
    if fp:  # the means over the replications after the change, where the first run's figures stood
        for key, block in (("usd_per_t", cost), ("usd_per_20t_500km", cost), ("road_usd_per_t", cost),
                           ("g_co2e_per_tkm", em), ("road_g_co2e_per_tkm", em)):
            block[key] = _mean(fp["network"].get(key), "after")
    text = (f"{'After the change, a' if fp else 'A'} tonne pays {_usd(cost['usd_per_t'])} by rail door to door "
            f"({_usd(cost['usd_per_20t_500km'])} per 20 t per 500 km as CAREC CPMM gives it; "
            f"{_usd(cost['road_usd_per_t'])} by truck) and emits {fmt_num(em['g_co2e_per_tkm'])} g CO2e per "
            f"tonne-km well to wheel ({fmt_num(em['road_g_co2e_per_tkm'])} g by road)")
    if not fp:
        return text + "."
    net = fp["network"]
    return (text + f"; paired change (95 % interval): {_ci(net['usd_per_t'], _signed(2, '$'))} a tonne, "
            f"{_ci(net['g_co2e_per_tkm'], _signed(1))} g per tonne-km, "
            f"{_ci(net['co2e_t_per_year'], _signed(0), 1e-3)} kt CO2e a year.")


def _note(summary: dict) -> str:
    """Say where the table's figures come from: the factors the runs applied and the standards they follow."""
    f = summary["costs"].get("factors") or {}

    def usd(key: str, nd: int = 0) -> str:
        return "–" if f.get(key) is None else f"${fmt_num(f[key], nd)}"

    per_day = _range(f.get("time_share_per_day_low"), f.get("time_share_per_day_high"), 1)
    return (f"Cost: line haul {usd('rail_usd_per_tkm', 4)} a tonne-km, {usd('border_usd_per_crossing')} a border "
            f"crossing and {usd('ferry_usd_per_20t')} a Caspian ferry per 20 t (CAREC CPMM form). Time cost: the "
            f"mean days at {per_day} of the goods' value a day, not added to the dollars. CO2e: well to wheel. "
            "Sources and standards: docs/emissions.md.")


def footprint_blocks(result: ResultFolder) -> list[Block]:
    """Build the section setting time, cost and CO2 per market side by side (``[]`` for results without them).

    Parameters
    ----------
    result
        A compare folder whose ``comparison.json`` has ``footprint``, or a run folder whose ``summary.json`` has
        ``costs`` and ``emissions``.

    Returns
    -------
    list of Block
        A heading, a sentence on the network (rail against road; in a comparison the paired changes), and a
        table by market: in a comparison the delivered volume, then mean transit (days), cost (USD a tonne), the
        cost of the time as a share of the goods' value, g CO2e per tonne-km and the emissions a year (in a
        comparison their paired change, kt).
    """
    if result.kind == "compare":
        if not (result.comparison or {}).get("footprint"):
            return []
        rows = _compare_rows(result)
        cols = ("Flows", "Delivered (Mt/yr)", "Transit, mean (days)", "Cost (USD/t)", "Time cost (% of value)",
                "CO2e (g/tkm)", "CO2e change (kt/yr, paired)")
    else:
        if not all(result.runs[0].summary.get(k) for k in ("costs", "emissions")):
            return []
        rows = _run_rows(result)
        cols = ("Flows", "Transit, mean (days)", "Cost (USD/t)", "Time cost (% of value)", "CO2e (g/tkm)",
                "CO2e (kt/yr)")
    note = _note(result.runs[-1].summary)
    if result.kind == "compare":
        note = "Before → after, means over the replications. " + note
    numeric = frozenset(i for i, c in enumerate(cols) if i and not c.startswith("Time cost"))
    return [Heading(HEADING), Para(_sentence(result)), Table(cols, tuple(rows), numeric, note=note)]
