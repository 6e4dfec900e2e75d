"""Print the tables of docs/results.md from a comparison folder (so that no figure is copied by hand).

Usage (from the project folder)::

    python dev/results_tables.py outputs/compare-baseline-2023-vs-buildout-1300km

It prints Markdown: the capacity table (the one tests/test_shipped_results.py checks against comparison.json),
the per-project table from attribution.csv, the delivered volume and transit time at demand, and each market's
cost, time cost and emissions before and after (comparison.json ``footprint``). The prose around
them is written by hand.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from corridors import REGIONS

DIRECTIONS = (("inbound", "to"), ("outbound", "from"))


def _f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:.{nd}f}".replace("-", "−")


def _change(mean: float | None, ci: list | None) -> str:
    if mean is None or not ci:
        return "–"
    lo, hi = ci
    if lo <= 0 <= hi:
        return f"n.s. ({_f(lo, 2)} to {_sign(hi, 2)})"
    return f"**{_sign(mean)}** ({_sign(lo)} to {_sign(hi)})"


def _sign(x: float, nd: int = 1) -> str:
    return ("+" if x >= 0 else "−") + f"{abs(x):.{nd}f}"


def _practical(c: dict) -> str:
    if c.get("simulated_mt") is None:
        return "–"
    lo, hi = c["simulated_ci_mt"]
    star = "*" if c.get("demand_exceeds_capacity") or (lo <= c["demand_mt"] <= hi) else ""
    more = "≥ " if c.get("simulated_is_lower_limit") else ""
    return f"{more}{_f(c['simulated_mt'])} ({_f(lo)}–{_f(hi)}){star}"


def _name(lid: str | None, folder: Path) -> str:
    if not lid:
        return "–"
    for table in ("sections.csv", "crossings.csv", "yards.csv"):
        path = folder / "alt" / table
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if row["id"] == lid:
                        return row["name"] + (" yard" if table == "yards.csv" else "")
    return lid


def _records(cmp: dict):
    """``(word, region, record)`` of every market and direction the comparison has, in table order."""
    for r in REGIONS:
        for d, word in DIRECTIONS:
            if r in cmp["regions"]:
                yield word, r, cmp["regions"][r][d]


def capacity_table(cmp: dict, folder: Path) -> list[str]:
    out = ["| flows | demand | LP bound before → after | practical before | practical after | change (paired 95 % CI) "
           "| max. throughput before → after | limit after |", "|---|---|---|---|---|---|---|---|"]
    for word, r, k in _records(cmp):
        b, a = k["before"], k["after"]
        if b.get("simulated_mt") is None and a.get("simulated_mt") is None:
            continue
        out.append(f"| {word} {r} | {_f(b['demand_mt'])} | {_f(b['bound_mt'])} → {_f(a['bound_mt'])} | "
                   f"{_practical(b)} | {_practical(a)} | {_change(k['simulated_change_mt'], k['simulated_change_ci_mt'])} | "
                   f"{_f(b['max_throughput_mt'])} → {_f(a['max_throughput_mt'])} | {_name(k.get('bottleneck_after'), folder)} |")
    return out


def attribution_table(folder: Path) -> list[str]:
    with (folder / "attribution.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("practical_all_projects_mt")]
    if not rows:
        return ["(no region searched project by project)"]
    projects = [c[: -len("_practical_change_mt")] for c in rows[0] if c.endswith("_practical_change_mt")]
    out = ["| flows | " + " | ".join(projects) + " | all together |", "|---" * (len(projects) + 2) + "|"]
    for row in rows:
        word = "to" if row["direction"] == "inbound" else "from"
        cells = []
        for p in projects:
            m = row[f"{p}_practical_change_mt"]
            if not m:
                cells.append("–")
                continue
            lo, hi = float(row[f"{p}_practical_change_ci_low_mt"]), float(row[f"{p}_practical_change_ci_high_mt"])
            cells.append("n.s." if lo <= 0 <= hi else f"**{_sign(float(m), 2)}** ({_sign(lo, 2)} to {_sign(hi, 2)})")
        lo, hi = float(row["practical_all_projects_ci_low_mt"]), float(row["practical_all_projects_ci_high_mt"])
        cells.append("n.s." if lo <= 0 <= hi else
                     f"**{_sign(float(row['practical_all_projects_mt']))}** ({_sign(lo)} to {_sign(hi)})")
        out.append(f"| {word} {row['region']} | " + " | ".join(cells) + " |")
    return out


def demand_table(cmp: dict) -> list[str]:
    out = ["| flows | delivered before → after (paired change) | mean transit, days (95 % CI) |", "|---|---|---|"]
    for word, r, k in _records(cmp):
        b, a = k["before"], k["after"]
        if not b.get("delivered_mt"):
            continue
        ch = k.get("delivered_change_ci_mt")
        chg = "n.s." if not ch or ch[0] <= 0 <= ch[1] else f"{_sign(k['delivered_change_mt'], 2)}, {_sign(ch[0], 2)} to {_sign(ch[1], 2)}"

        def transit(c):
            ci = c.get("transit_days_ci") or [None, None]
            return f"{_f(c.get('transit_days_mean'))} ({_f(ci[0])}–{_f(ci[1])})"
        out.append(f"| {word} {r} | {_f(b['delivered_mt'])} → {_f(a['delivered_mt'])} ({chg}) | "
                   f"{transit(b)} → {transit(a)} |")
    return out


def footprint_table(cmp: dict) -> list[str]:
    """Each market's cost, time cost and emissions before → after, with the paired changes (comparison.json)."""
    out = ["| flows | cost, USD/t (paired change) | time cost, % of value | g CO2e/tkm | kt CO2e/yr (paired change) |",
           "|---|---|---|---|---|"]
    fp = cmp.get("footprint")
    if not fp:
        return ["(no footprint in this comparison.json)"]

    def side(g, w, nd=1):
        return _f((g[w] or {}).get("mean"), nd)

    def paired(g, nd, scale=1.0):
        ci = g.get("change_ci")
        if g.get("change") is None or not ci:
            return "–"
        lo, hi = ci[0] * scale, ci[1] * scale
        return "n.s." if lo <= 0 <= hi else f"{_sign(g['change'] * scale, nd)}, {_sign(lo, nd)} to {_sign(hi, nd)}"

    groups = [("all", "markets", fp["network"])] + [(w, r, fp["regions"][r][d]) for r in REGIONS
                                                    for d, w in DIRECTIONS]
    for word, r, g in groups:
        if g["usd_per_t"]["before"]["mean"] is None and g["usd_per_t"]["after"]["mean"] is None:
            continue
        t = [f"{_f(100 * (g[k][w]['mean'] or 0), 0)}" for w in ("before", "after")
             for k in ("time_cost_share_low", "time_cost_share_high")]
        kt = [_f((g["co2e_t_per_year"][w]["mean"] or 0) / 1e3, 0) for w in ("before", "after")]
        out.append(f"| {word} {r} | {side(g['usd_per_t'], 'before')} → {side(g['usd_per_t'], 'after')} "
                   f"({paired(g['usd_per_t'], 2)}) | {t[0]}–{t[1]} → {t[2]}–{t[3]} | "
                   f"{side(g['g_co2e_per_tkm'], 'before')} → {side(g['g_co2e_per_tkm'], 'after')} | "
                   f"{kt[0]} → {kt[1]} ({paired(g['co2e_t_per_year'], 1, 1e-3)}) |")
    return out


def main() -> None:
    """Print the four tables."""
    folder = Path(sys.argv[1])
    cmp = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    for title, lines in (("capacity", capacity_table(cmp, folder)), ("each project", attribution_table(folder)),
                         ("at demand", demand_table(cmp)), ("time, cost and CO2", footprint_table(cmp))):
        print(f"<!-- {title} -->")
        print("\n".join(lines))
        print()
    print("checks:", cmp["checks"])


if __name__ == "__main__":
    main()
