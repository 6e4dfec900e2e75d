"""The brief's sources appendix: a bibliography with titles and publishers, never raw keys or URLs.

The shipped bibliography (``networks/references.yaml``) must cover every
source key the shipped network cites and every flow of the shipped
scenarios; the appendix built from it must read as titles and publishers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from corridors.brief.sources import REFERENCES_FILE, _entry, source_keys
from corridors.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
NETWORK = ROOT / "networks" / "central-asia.geojson"
BIB = yaml.safe_load((ROOT / "networks" / REFERENCES_FILE).read_text(encoding="utf-8"))
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))


def test_compound_source_values_split_into_keys():
    assert source_keys("facts§4.2+ASSUMPTION:yard-params") == ["facts§4.2", "ASSUMPTION:yard-params"]
    assert source_keys("ASSUMPTION:length-from-geometry;russia-trunk") == [
        "ASSUMPTION:length-from-geometry", "ASSUMPTION:russia-trunk"]
    assert source_keys("") == [] and source_keys(None) == []


def test_every_key_the_shipped_network_cites_has_an_entry():
    refs = {r["key"] for r in BIB["references"]}
    assumed = {f"ASSUMPTION:{a['key']}" for a in BIB["assumptions"]}
    cited = {k for f in json.loads(NETWORK.read_text(encoding="utf-8"))["features"]
             for k in source_keys(f["properties"].get("source"))}
    assert cited and not cited - refs - assumed, sorted(cited - refs - assumed)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_flow_of_every_shipped_scenario_is_in_the_bibliography(path):
    spec = load_scenario(path)
    mapped = {(x["scenario"], x["flow"]): x["keys"] for x in BIB["flows"]}
    refs = {r["key"] for r in BIB["references"]} | {f"ASSUMPTION:{a['key']}" for a in BIB["assumptions"]}
    # As the brief looks them up: under the scenario itself, else one of the files it extends.
    chain = [spec.name, *(Path(f).stem for f in spec.source_files)]
    for f in spec.flows:
        keys = next((mapped[(s, f.id)] for s in chain if (s, f.id) in mapped), None)
        assert keys is not None, f"{spec.name}: flow {f.id} not in {REFERENCES_FILE}"
        assert set(keys) <= refs, (f.id, set(keys) - refs)


def test_entries_read_as_titles_and_publishers():
    for r in BIB["references"]:
        text = _entry(r)
        assert r["title"] and r["publisher"], r
        for tag in ("http", "www.", "§", "search:", "ASSUMPTION", "cite:"):
            assert tag not in text, (tag, text)
