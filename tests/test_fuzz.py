"""Fuzzing in the suite: mutated scenarios and networks end in a located error or a conserving short run.

The contract, the bounds (time and memory) and the mutators are in ``tests/fuzz_support.py``.
Each family below draws its inputs with hypothesis, derandomised (the same examples on every
run, so a failure reproduces), :data:`BUDGET` examples each, 500+ in all. Every input that
ever broke the contract is kept in ``tests/data/fuzz/`` and replayed by
:func:`test_corpus_replays_cleanly` (``v-*`` files: validate only, they use the shipped
network; the others also run).
"""

from __future__ import annotations

from pathlib import Path

import fuzz_support as fz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Examples per family (hypothesis ``max_examples``); the sum is the examples per CI run.
BUDGET = {
    "tiny_tree": 200,  # tiny scenarios, types/values/structure/references; validate + short run
    "tiny_yaml": 110,  # tiny scenarios, YAML features and encodings; validate + short run
    "tiny_net": 120,  # the tiny network mutated; validate + short run of the base scenario on it
    "shipped": 40,  # shipped scenarios and overlays mutated; validate only (0.5 s each)
    "big_net": 20,  # the shipped network mutated under the baseline; validate only
    "cli_run": 15,  # tiny scenarios, one mutation; the full `corridors run` too (map drawing ~1 s)
}
FAMILIES = list(BUDGET)
VALIDATE_ONLY = {"shipped", "big_net"}
SCENARIO = "fuzz.yaml"
NETWORK = "fuzz-net.geojson"


def build_case(family: str, data, ws: Path) -> list[str]:
    """Draw one input of ``family``, write it into the workspace ``ws``; return the files written."""
    for old in ws.iterdir():
        if old.is_file():
            old.unlink()
    if family in ("tiny_tree", "tiny_yaml", "cli_run", "shipped"):
        seeds = fz.SHIPPED if family == "shipped" else fz.TINY_SEEDS
        tree = fz.load_seed(data.draw(st.sampled_from(seeds), label="seed"))
        if family != "tiny_yaml":
            tree = fz.mutate_tree(data, tree, rounds=1 if family == "cli_run" else 3)
        text = fz.dump_yaml(tree, data)
        if family in ("tiny_yaml", "shipped"):
            text = fz.mutate_yaml_text(data, text)
        fz.write_input(ws / SCENARIO, text)
        return [SCENARIO]
    big = family == "big_net"
    net = fz.mutate_tree(data, fz.network_tree(fz.BIG_NET if big else fz.TINY_NET), rounds=2)
    fz.write_input(ws / NETWORK, fz.mutate_network_text(data, fz.dump_network(net, data)))
    if big:
        tree = fz.load_seed(fz.REPO / "scenarios" / "baseline-2023.yaml")
        tree["network"] = NETWORK
        fz.write_input(ws / SCENARIO, fz.dump_yaml(tree, data))
    else:
        fz.write_input(ws / SCENARIO, fz.pointing_scenario(NETWORK))
    return [SCENARIO, NETWORK]


def check_case(family: str, ws: Path, files: list[str], data) -> fz.Outcome:
    """Check the case just built against the contract (raises ContractViolation)."""
    out = ws.parent / "cli-out" if family == "cli_run" else None
    return fz.check_scenario(ws / SCENARIO, run=family not in VALIDATE_ONLY, cli_run_out=out)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return fz.make_workspace(tmp_path_factory.mktemp("fuzz"))


def _fuzz(family: str):
    @settings(max_examples=BUDGET[family], derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])
    @given(data=st.data())
    def test(ws, data):
        files = build_case(family, data, ws)
        check_case(family, ws, files, data)

    test.__name__ = f"test_fuzz_{family}"
    test.__doc__ = f"Fuzz family {family!r}: every input gives a located error or a conserving short run."
    return test


test_fuzz_tiny_tree = _fuzz("tiny_tree")
test_fuzz_tiny_yaml = _fuzz("tiny_yaml")
test_fuzz_tiny_net = _fuzz("tiny_net")
test_fuzz_shipped = _fuzz("shipped")
test_fuzz_big_net = _fuzz("big_net")
test_fuzz_cli_run = _fuzz("cli_run")


def test_budget_is_at_least_500_examples():
    assert sum(BUDGET.values()) >= 500


def test_unmutated_seeds_pass_the_contract(ws):
    """The seeds themselves: a clean validate and a conserving run (the check can say "ran")."""
    assert fz.check_scenario(fz.TINY_SEEDS[0]).verdict == "ran"
    assert fz.check_scenario(fz.TINY_SEEDS[1]).verdict == "ran"


def test_the_check_rejects_an_unlocated_message_and_a_traceback(ws, monkeypatch):
    """The contract check itself can fail: a traceback and a hang are violations."""
    bad = ws / "broken.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    assert fz.check_scenario(bad).verdict == "error"  # located YAML error

    import corridors.scenario as sc

    def boom(path):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(sc, "validate_file", boom)
    with pytest.raises(fz.ContractViolation, match="ZeroDivisionError"):
        fz.check_scenario(bad)

    def hang(path):
        while True:
            pass

    monkeypatch.setattr(fz, "VALIDATE_LIMIT_S", 0.5)
    monkeypatch.setattr(fz, "RUN_LIMIT_S", 0.5)
    monkeypatch.setattr(sc, "validate_file", hang)
    with pytest.raises(fz.ContractViolation, match="validate: hang"):
        fz.check_scenario(bad)


@pytest.mark.parametrize("case", fz.corpus_cases(), ids=lambda p: p.stem)
def test_corpus_replays_cleanly(case: Path):
    """Every input that once broke the contract now keeps it."""
    fz.check_scenario(case, run=not case.name.startswith("v-"))
