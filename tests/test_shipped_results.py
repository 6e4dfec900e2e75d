"""The shipped comparison's figures, as docs/results.md quotes them, hold up against their own files.

``docs/results-data/compare-baseline-2023-vs-buildout-1300km/`` keeps ``comparison.json`` and
``attribution.csv`` of the ``bash dev/run-main`` that docs/results.md reports (they are copied there
with the figures). These tests read those files, not the prose: the comparison's checks are empty,
every paired interval is what the replications give, no capacity falls with added infrastructure
beyond its interval, no practical capacity is below a stable delivered volume, and every figure of
the results table in docs/results.md is the file's.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from corridors import REGIONS
from corridors.statistics import estimate, paired

DOCS = Path(__file__).resolve().parents[1] / "docs"
DATA = DOCS / "results-data" / "compare-baseline-2023-vs-buildout-1300km"
DIRECTIONS = ("inbound", "outbound")


@pytest.fixture(scope="module")
def cmp() -> dict:
    return json.loads((DATA / "comparison.json").read_text(encoding="utf-8"))


def _records(cmp):
    for r in REGIONS:
        for d in DIRECTIONS:
            yield r, d, cmp["regions"][r][d]


def test_the_comparison_finds_no_contradiction(cmp):
    assert cmp["checks"] == []


def test_every_change_interval_is_the_paired_interval_of_the_replications(cmp):
    n = 0
    for r, d, k in _records(cmp):
        for key, by_rep in (("simulated_change", "simulated_by_replication_mt"),
                            ("max_throughput_change", "max_throughput_by_replication_mt")):
            b, a = k["before"][by_rep], k["after"][by_rep]
            if not b or not a:
                assert k[f"{key}_ci_mt"] is None, (r, d, key)
                continue
            e = paired(b, a)
            assert k[f"{key}_mt"] == pytest.approx(e.mean, abs=2e-3), (r, d, key)
            assert k[f"{key}_ci_mt"] == pytest.approx([e.low, e.high], abs=2e-3), (r, d, key)
            n += 1
    assert n >= 10


def test_no_capacity_falls_with_added_infrastructure_beyond_its_interval(cmp):
    """Same demand on both sides and the build-out only adds track: neither capacity may fall significantly."""
    for r, d, k in _records(cmp):
        assert k["before"]["demand_mt"] == k["after"]["demand_mt"]
        assert k["bound_change_mt"] is None or k["bound_change_mt"] >= 0, (r, d)
        for key in ("simulated_change_ci_mt", "max_throughput_change_ci_mt"):
            ci = k[key]
            assert ci is None or ci[1] >= 0, (r, d, key, ci)


def test_no_practical_capacity_below_a_stable_delivered_volume(cmp):
    for r, d, k in _records(cmp):
        for side in ("before", "after"):
            c = k[side]
            if c["simulated_mt"] is None or c["demand_exceeds_capacity"] or c["simulated_is_lower_limit"]:
                continue
            delivered = estimate(c["delivered_by_replication_mt"])
            assert c["simulated_ci_mt"][1] >= delivered.low - 1e-3, (r, d, side)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"[+-]?\d+(?:\.\d+)?", cell.replace("−", "-"))]


def test_the_results_table_in_docs_quotes_the_files(cmp):
    lines = (DOCS / "results.md").read_text(encoding="utf-8").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("| flows | demand | LP bound"))
    rows = [_cells(line) for line in lines[head + 2:] if line.startswith("|")]
    rows = rows[: next((i for i, row in enumerate(rows) if not row[0].startswith(("to ", "from "))), len(rows))]
    assert len(rows) >= 7
    for row in rows:
        way, region = row[0].split(" ", 1)
        k = cmp["regions"][region]["inbound" if way == "to" else "outbound"]
        b, a = k["before"], k["after"]
        assert _numbers(row[1]) == [round(b["demand_mt"], 1)], row
        assert _numbers(row[2]) == [round(b["bound_mt"], 1), round(a["bound_mt"], 1)], row
        assert _numbers(row[3])[0] == round(b["simulated_mt"], 1), row
        assert _numbers(row[4])[0] == round(a["simulated_mt"], 1), row
        lo, hi = k["simulated_change_ci_mt"]
        change = _numbers(row[5])
        if row[5].startswith("n.s."):
            assert lo <= 0 <= hi and change == pytest.approx([lo, hi], abs=0.051), row
        else:
            assert change[0] == pytest.approx(k["simulated_change_mt"], abs=0.051), row
            assert change[1:] == pytest.approx([lo, hi], abs=0.051), row
        assert _numbers(row[6]) == [round(b["max_throughput_mt"], 1), round(a["max_throughput_mt"], 1)], row


def test_the_attribution_file_pairs_each_project_with_the_base(cmp):
    with (DATA / "attribution.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    searched = [row for row in rows if row.get("practical_all_projects_mt")]
    assert searched, "docs/results.md reports the practical capacity of each project alone"
    for row in searched:
        k = cmp["regions"][row["region"]][row["direction"]]
        assert float(row["practical_all_projects_mt"]) == pytest.approx(k["simulated_change_mt"], abs=1e-3)


def test_the_cost_and_co2_table_in_docs_quotes_the_files(cmp):
    # issue 16: the shipped comparison reports cost and CO2e per market before and after, from comparison.json
    fp = cmp["footprint"]
    lines = (DOCS / "results.md").read_text(encoding="utf-8").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("| flows | cost, USD/t"))
    rows = [_cells(line) for line in lines[head + 2:] if line.startswith("|")]
    rows = rows[: next((i for i, row in enumerate(rows) if not row[0].startswith(("to ", "from ", "all "))),
                       len(rows))]
    assert len(rows) >= 8
    for row in rows:
        way, region = row[0].split(" ", 1)
        g = fp["network"] if way == "all" else fp["regions"][region]["inbound" if way == "to" else "outbound"]
        for cell, key in ((row[1], "usd_per_t"), (row[3], "g_co2e_per_tkm")):
            shown = _numbers(cell)[:2]
            assert shown == [round(g[key][w]["mean"], 1) for w in ("before", "after")], (row, key)
        kt = _numbers(row[4])[:2]
        assert kt == [round(g["co2e_t_per_year"][w]["mean"] / 1e3) for w in ("before", "after")], row
