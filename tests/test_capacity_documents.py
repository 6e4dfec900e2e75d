"""The capacity and comparison documents: one serialisation, read back unchanged."""

from __future__ import annotations

import json

from corridors import REGIONS
from corridors.bound import BindingElement
from corridors.comparison import (
    DIRECTIONS,
    CapacityDoc,
    CapacityRecord,
    ComparisonDoc,
    ProbePoint,
    SearchSettings,
    compare_docs,
)
from corridors.search import Bottleneck


def record(bound_mt, simulated_mt, binding=(), bottlenecks=()):
    return CapacityRecord(
        demand_mt=1.0, bound_mt=bound_mt, bound_trains_per_day=None if bound_mt is None else 2.5,
        bound_uniform_mt=bound_mt, simulated_mt=simulated_mt, precision_mt=0.1, simulated_scale=1.5,
        bottlenecks=tuple(bottlenecks), binding=tuple(binding), others_served_share=1.0,
        probes=(ProbePoint(1.0, 1.0, True, "stable"), ProbePoint(2.0, 2.0, False, "waits grow")), note="",
    )


def doc(name, bound_mt, simulated_mt, **kw):
    regions = {r: {d: record(bound_mt, simulated_mt, **kw) for d in DIRECTIONS} for r in REGIONS}
    return CapacityDoc(name, 7, "0", SearchSettings(2, 40.0, 10.0, 0.05), regions)


def summary(delivered_mt):
    return {"regions": {r: {d: {"delivered_mt": delivered_mt, "transit_days_mean": 9.5} for d in DIRECTIONS}
                        for r in REGIONS}}


def test_capacity_record_keys_in_file_order():
    rec = record(3.0, 2.0, binding=[BindingElement("bc", "border", "ab", 1.0)],
                 bottlenecks=[Bottleneck("ab", "single_track", 0.95)])
    d = rec.to_dict()
    assert list(d) == ["demand_mt", "bound_mt", "bound_trains_per_day", "bound_uniform_mt", "simulated_mt",
                       "precision_mt", "simulated_scale", "bottlenecks", "binding", "others_served_share",
                       "probes", "note"]
    assert d["binding"] == [{"id": "bc", "kind": "border", "direction": "ab", "utilisation": 1.0}]
    assert d["bottlenecks"] == [{"id": "ab", "kind": "single_track", "utilisation": 0.95}]
    assert rec.limit == "bc"


def test_documents_read_back_unchanged():
    base = doc("base", 3.0, 2.0, binding=[BindingElement("bc", "border", "ab", 1.0)])
    alt = doc("alt", None, 2.5, bottlenecks=[Bottleneck("ab", "single_track", 0.95)])
    text = json.dumps(base.to_dict())
    assert CapacityDoc.from_dict(json.loads(text)) == base
    assert json.dumps(CapacityDoc.from_dict(json.loads(text)).to_dict()) == text
    cmp = compare_docs(base, alt, summary(1.0), summary(1.2))
    k = cmp.regions["China"]["inbound"]
    assert k.simulated_change_mt == 0.5 and k.simulated_change_rel == 0.25
    assert k.bound_change_mt is None and k.bottleneck_before == "bc" and k.bottleneck_after == "ab"
    assert list(k.to_dict()["after"])[-2:] == ["delivered_mt", "transit_days_mean"]
    text = json.dumps(cmp.to_dict())
    assert ComparisonDoc.from_dict(json.loads(text)) == cmp
    assert json.dumps(ComparisonDoc.from_dict(json.loads(text)).to_dict()) == text
