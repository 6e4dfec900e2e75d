"""The brief's section on time, cost and CO2 per market, before and after (issue 16)."""

from __future__ import annotations

from corridors import REGIONS
from corridors.brief.document import Block, Heading, Para, Table
from corridors.brief.format import arrow, capital, flow_label, fmt_num
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
            k = result.comparison["regions"][r][d]  # transit: means over the replications, as the other columns
            transit = [k[w].get("transit_days_mean") for w in ("before", "after")]
            if _mean(g["usd_per_t"], "before") is None and _mean(g["usd_per_t"], "after") is None:
                continue
            rows.append((
                capital(flow_label(r, d)), arrow(*(fmt_num(x) for x in transit)),
                arrow(_usd(_mean(g["usd_per_t"], "before")), _usd(_mean(g["usd_per_t"], "after"))),
                arrow(*(_range(_mean(g["time_cost_share_low"], s), _mean(g["time_cost_share_high"], s))
                        for s in ("before", "after"))),
                arrow(fmt_num(_mean(g["g_co2e_per_tkm"], "before")), fmt_num(_mean(g["g_co2e_per_tkm"], "after"))),
                _ci(g["co2e_t_per_year"], _signed(0), 1e-3)))
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
    text = (f"Across the network a tonne pays {_usd(cost['usd_per_t'])} by rail door to door "
            f"({_usd(cost['usd_per_20t_500km'])} per 20 t per 500 km, the CAREC CPMM form), against "
            f"{_usd(cost['road_usd_per_t'])} by truck over the same distance, and emits "
            f"{fmt_num(em['g_co2e_per_tkm'])} g CO2e per tonne-km well to wheel against "
            f"{fmt_num(em['road_g_co2e_per_tkm'])} g by road")
    if not fp:
        return text + "."
    net = fp["network"]
    return (text + f" (after the change). The change: {_ci(net['usd_per_t'], _signed(2, '$'))} per tonne, "
            f"{_ci(net['g_co2e_per_tkm'], _signed(1))} g per tonne-km and "
            f"{_ci(net['co2e_t_per_year'], _signed(0), 1e-3)} kt CO2e a year, paired over the replications "
            "(95 % intervals in brackets).")


def _note(summary: dict) -> str:
    """Say where the table's figures come from: the factors the runs applied and the standards they follow."""
    f = summary["costs"].get("factors") or {}

    def usd(key: str, nd: int = 0) -> str:
        return "–" if f.get(key) is None else f"${fmt_num(f[key], nd)}"

    per_day = _range(f.get("time_share_per_day_low"), f.get("time_share_per_day_high"), 1)
    return (f"Cost: what a tonne pays door to door: line haul at {usd('rail_usd_per_tkm', 4)} a tonne-km, "
            f"{usd('border_usd_per_crossing')} per 20 t a border crossing, {usd('ferry_usd_per_20t')} per 20 t a "
            f"Caspian ferry ({summary['costs']['standard']}; the tariff is fitted, the ferry fare assumed: "
            f"docs/emissions.md). Time cost: the mean days door to door at {per_day} of the goods' value a day, "
            f"not added to the dollars. CO2e: well to wheel, {summary['emissions']['standard']}, each country's "
            "grid.")


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
        table by market: mean transit (days), cost (USD a tonne), the cost of the time as a share of the
        goods' value, g CO2e per tonne-km and the emissions a year (in a comparison their paired change, kt).
    """
    if result.kind == "compare":
        if not (result.comparison or {}).get("footprint"):
            return []
        rows = _compare_rows(result)
        last = "CO2e change (kt/yr)"
    else:
        if not all(result.runs[0].summary.get(k) for k in ("costs", "emissions")):
            return []
        rows = _run_rows(result)
        last = "CO2e (kt/yr)"
    cols = ("Flows", "Transit, mean (days)", "Cost (USD/t)", "Time cost (% of value)", "CO2e (g/tkm)", last)
    note = _note(result.runs[-1].summary)
    if result.kind == "compare":
        note = "Cells read before → after; means over the replications. " + note
    return [Heading(HEADING), Para(_sentence(result)),
            Table(cols, tuple(rows), frozenset({1, 2, 4, 5}), note=note)]
