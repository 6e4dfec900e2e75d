"""The capacity and comparison documents: contract keys, one serialisation read back unchanged, paired changes."""

from __future__ import annotations

import json

import pytest

from corridors import REGIONS
from corridors.bound import BindingElement
from corridors.capacity import DIRECTIONS, CapacityDoc, CapacityRecord, ProbePoint, SearchSettings
from corridors.comparison import ComparisonDoc, compare_docs
from corridors.search import Bottleneck
from corridors.statistics import estimate

#: Keys of a capacity record C that users' scripts read (issues 5 and 10): pinned, in file order.
CAPACITY_KEYS = ["demand_mt", "bound_mt", "bound_trains_per_day", "bound_uniform_mt", "simulated_mt",
                 "simulated_ci_mt", "simulated_is_lower_limit", "precision_mt", "simulated_scale", "max_throughput_mt", "max_throughput_ci_mt",
                 "service_level", "replications", "demand_exceeds_capacity", "simulated_by_replication_mt",
                 "max_throughput_by_replication_mt", "bottlenecks", "binding", "others_served_share", "probes",
                 "note"]
#: Keys of a before/after record K (issues 5 and 10).
CHANGE_KEYS = ["before", "after", "bound_change_mt", "bound_change_rel", "simulated_change_mt",
               "simulated_change_ci_mt", "simulated_change_rel", "delivered_change_mt", "delivered_change_ci_mt",
               "max_throughput_change_mt", "max_throughput_change_ci_mt", "bottleneck_before", "bottleneck_after"]


def probe(scale):
    return ProbePoint(scale, scale, 2 * scale, True, "within", scale, [scale - 0.1, scale + 0.1], 10.0, 0.3,
                      [0.2, 0.4], {"offered_mt": [scale] * 3, "delivered_mt": [scale] * 3,
                                   "added_wait_h": [10.0] * 3, "added_wait_share": [0.3] * 3, "refused": [0] * 3})


def record(bound_mt, by_rep, binding=(), bottlenecks=(), demand_mt=1.0):
    e = estimate(by_rep)
    return CapacityRecord(
        demand_mt=demand_mt, bound_mt=bound_mt, bound_trains_per_day=None if bound_mt is None else 2.5,
        bound_uniform_mt=bound_mt, simulated_mt=e.mean, simulated_ci_mt=[e.low, e.high], simulated_is_lower_limit=False, precision_mt=0.1,
        simulated_scale=1.5, max_throughput_mt=e.mean + 1, max_throughput_ci_mt=[e.low + 1, e.high + 1],
        service_level={"max_added_wait_share": 1.0, "definition": "x"}, replications=len(by_rep),
        demand_exceeds_capacity=demand_mt > e.mean, simulated_by_replication_mt=list(by_rep),
        max_throughput_by_replication_mt=[x + 1 for x in by_rep], bottlenecks=tuple(bottlenecks),
        binding=tuple(binding), others_served_share=1.0, probes=(probe(1.0), probe(2.0)), note="",
    )


def doc(name, bound_mt, by_rep, **kw):
    regions = {r: {d: record(bound_mt, by_rep, **kw) for d in DIRECTIONS} for r in REGIONS}
    return CapacityDoc(name, 7, "0", SearchSettings(3, 2, 40.0, 10.0, [0.75, 1.0], 0.05), regions)


def summaries(delivered):
    return [{"regions": {r: {d: {"delivered_mt": x, "transit_days_mean": 9.5} for d in DIRECTIONS}
                         for r in REGIONS}} for x in delivered]


def test_capacity_record_keys_in_file_order():
    rec = record(3.0, [2.0, 2.2, 1.8], binding=[BindingElement("bc", "border", "ab", 1.0)],
                 bottlenecks=[Bottleneck("ab", "single_track", 0.95)])
    d = rec.to_dict()
    assert list(d) == CAPACITY_KEYS
    assert d["binding"] == [{"id": "bc", "kind": "border", "direction": "ab", "utilisation": 1.0}]
    assert d["bottlenecks"] == [{"id": "ab", "kind": "single_track", "utilisation": 0.95}]
    assert d["simulated_ci_mt"][0] < d["simulated_mt"] < d["simulated_ci_mt"][1]
    assert rec.limit == "bc"


def test_documents_read_back_unchanged_and_changes_are_paired():
    base = doc("base", 3.0, [2.0, 2.4, 1.6], binding=[BindingElement("bc", "border", "ab", 1.0)])
    # after = before + 0.5 in every replication: the unpaired intervals overlap, the paired one is a point
    alt = doc("alt", None, [2.5, 2.9, 2.1], bottlenecks=[Bottleneck("ab", "single_track", 0.95)])
    text = json.dumps(base.to_dict())
    assert CapacityDoc.from_dict(json.loads(text)) == base
    assert json.dumps(CapacityDoc.from_dict(json.loads(text)).to_dict()) == text
    cmp = compare_docs(base, alt, summaries([1.0, 1.1, 0.9]), summaries([1.2, 1.35, 1.05]))
    k = cmp.regions["China"]["inbound"]
    assert list(k.to_dict()) == CHANGE_KEYS
    assert k.simulated_change_mt == 0.5 and k.simulated_change_ci_mt == [0.5, 0.5]
    assert k.simulated_change_rel == 0.25
    assert k.delivered_change_mt == pytest.approx(0.2) and k.delivered_change_ci_mt[0] > 0
    assert k.bound_change_mt is None and k.bottleneck_before == "bc" and k.bottleneck_after == "ab"
    assert k.after.delivered_ci_mt is not None and k.after.transit_days_ci is not None
    text = json.dumps(cmp.to_dict())
    assert ComparisonDoc.from_dict(json.loads(text)) == cmp
    assert json.dumps(ComparisonDoc.from_dict(json.loads(text)).to_dict()) == text


@pytest.mark.parametrize("by_rep, demand, why", [
    ([0.1, 1.5, 0.2], 0.1, "the base's interval reaches below zero"),
    ([2.0, 2.1, 1.9], 5.0, "the base demand exceeds the practical capacity"),
])
def test_no_relative_change_from_a_base_that_says_nothing(by_rep, demand, why):
    base = doc("base", 3.0, by_rep, demand_mt=demand)
    alt = doc("alt", 3.0, [x + 1 for x in by_rep], demand_mt=demand)
    k = compare_docs(base, alt, summaries([1.0] * 3), summaries([1.0] * 3)).regions["Europe"]["outbound"]
    assert k.simulated_change_rel is None, why
    assert k.simulated_change_mt == 1.0


def test_curve_rows_one_per_load_and_replication():
    rows = doc("base", 3.0, [2.0, 2.4, 1.6]).curve_rows()
    assert len(rows) == len(REGIONS) * 2 * 2 * 3
    assert {"region", "direction", "scenario", "scale", "offered_mt", "offered_trains_per_day", "replication",
            "seed", "delivered_mt", "added_wait_h", "added_wait_share"} <= set(rows[0])
    assert [r["seed"] for r in rows[:3]] == [7, 8, 9]


def test_coherence_checks_name_figures_that_contradict_each_other():
    base = doc("base", 3.0, [2.0, 2.4, 1.6])
    ok = compare_docs(base, base, summaries([1.0, 1.1, 0.9]), summaries([1.0, 1.1, 0.9]))
    assert ok.checks == () and ok.to_dict()["checks"] == []
    # delivered far above both capacities while demand is said to be within them
    bad = compare_docs(base, base, summaries([9.0, 9.1, 8.9]), summaries([1.0, 1.1, 0.9]))
    assert any("practical capacity 2.0 below the delivered 9.0" in c for c in bad.checks)
    assert any("maximum throughput 3.0 below the delivered 9.0" in c for c in bad.checks)
    assert not any(" after:" in c for c in bad.checks)
    over = doc("over", 0.5, [2.0, 2.4, 1.6])  # practical capacity 2.0 (1.0 to 3.0) above a bound of 0.5
    assert any("practical capacity 2.0 above the LP bound 0.5" in c
               for c in compare_docs(over, over, summaries([1.0] * 3), summaries([1.0] * 3)).checks)


def test_a_capacity_that_falls_with_the_same_demand_and_a_bound_that_does_not_is_a_check():
    """The shipped comparison's Russia outbound 27.7 -> 20.1 while its bound rose: now named in ``checks``."""
    before, after = doc("b", 56.3, [27.0, 28.5, 27.7]), doc("a", 59.6, [20.0, 20.6, 19.7])
    falls = compare_docs(before, after, summaries([1.0] * 3), summaries([1.0] * 3)).checks
    assert any("practical capacity falls by 7.63" in c and "LP bound does not fall" in c for c in falls)
    assert any("maximum throughput falls" in c for c in falls)
    # a rise, a bound that falls too, or other demand: no check
    assert compare_docs(after, before, summaries([1.0] * 3), summaries([1.0] * 3)).checks == ()
    lower_bound = doc("a", 50.0, [20.0, 20.6, 19.7])
    assert compare_docs(before, lower_bound, summaries([1.0] * 3), summaries([1.0] * 3)).checks == ()
    more_demand = doc("a", 59.6, [20.0, 20.6, 19.7], demand_mt=2.0)
    assert compare_docs(before, more_demand, summaries([1.0] * 3), summaries([1.0] * 3)).checks == ()


def test_attribution_pairs_each_project_with_the_base_and_only_where_searched():
    """A project's practical change is the paired mean and interval against the base, per replication."""
    from corridors.bound import Bound
    from corridors.comparison import ProjectCapacity, attributed_regions, attribution_rows
    from corridors.statistics import paired

    base, alt = doc("b", 10.0, [2.0, 2.2, 1.8]), doc("a", 12.0, [3.0, 3.3, 2.9])
    cmp = compare_docs(base, alt, summaries([1.0] * 3), summaries([1.0] * 3))
    regions = attributed_regions(cmp)
    assert len(regions) == len(REGIONS) * len(DIRECTIONS)  # +1.07 (CI clear of zero) everywhere
    bounds = {r: {d: Bound(r, d, 11.0, 1.0, 11.0, 2.0) for d in DIRECTIONS} for r in REGIONS}
    caps = {"p": {regions[0]: ProjectCapacity((2.5, 2.6, 2.4))}, "q": {}}
    rows = attribution_rows(base, {"p": bounds, "q": bounds}, alt, caps, cmp)
    first = next(r for r in rows if (r.region, r.direction) == regions[0])
    want = paired([2.0, 2.2, 1.8], [2.5, 2.6, 2.4])
    mean, ci, limit = first.practical_changes["p"]
    assert mean == pytest.approx(want.mean, abs=1e-3) and ci == pytest.approx([want.low, want.high], abs=1e-3)
    assert not limit and "q" not in first.practical_changes
    assert first.practical_all_projects_mt == cmp.regions[regions[0][0]][regions[0][1]].simulated_change_mt
    d = first.to_dict(("p", "q"))
    assert d["p_practical_change_mt"] == mean and d["q_practical_change_mt"] is None
    # every row carries the same columns, searched or not
    assert len({tuple(r.to_dict(("p", "q"))) for r in rows}) == 1
    # no significant change anywhere: nothing to attribute
    flat = compare_docs(base, base, summaries([1.0] * 3), summaries([1.0] * 3))
    assert attributed_regions(flat) == []
