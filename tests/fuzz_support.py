"""Hostile-input fuzzing of scenarios and networks: mutators, the contract check, the corpus.

The contract (issue 11, "Fuzzing in the suite"): for every input, either

* ``corridors validate`` exits 1 and every problem it prints is located
  (``<file>:<line>: ...``; for a network file also ``<file>: feature <i>: ...``
  or ``<file>: ...`` for a whole-file problem; ``<file>: cannot read: ...`` for a
  file that cannot be read at all, e.g. not UTF-8), or
* ``validate`` exits 0 and a short run (the scenario's warm-up plus
  :data:`RUN_EXTRA_DAYS` days, Python API ``load_scenario`` + ``simulate``)
  finishes with exact conservation ``generated == delivered + in_network +
  refused``, or refuses with a located :class:`~corridors.errors.CorridorsError`,

in bounded time and memory. Anything else (a traceback, validate's "internal
error" problem, an unlocated message, a hang, a memory blow-up, a crash) is a
:class:`ContractViolation`, whose ``kind`` names the stage, the exception and
the innermost function of the package where it was raised, so that equal faults
group together.

Bounds: each check runs in a forked child process (cheap: the parent's imports
are shared copy-on-write). The child caps its address space with ``RLIMIT_AS``
at its size plus :data:`MEMORY_HEADROOM_B` (a blow-up ends in ``MemoryError``),
and :func:`faulthandler.dump_traceback_later` ends it after the time limit with
its stack dumped, even when it is stuck inside C code (an alias bomb's ``repr``,
a regular expression) where a ``SIGALRM`` handler would never run. The parent
kills a child that outlives the limit by more than a grace period. Each stage
must also finish within its own limit (:data:`VALIDATE_LIMIT_S`,
:data:`RUN_LIMIT_S`).

Layout: mutants are written into a workspace whose ``tests/data/fuzz`` folder
sits where the corpus lives in the repository, with ``tests/data/scenario``,
``scenarios`` and ``networks`` linked to the real ones. Every seed's ``network``
and ``extends`` are rebased onto that folder, so a mutant copied into
``tests/data/fuzz/`` replays unchanged.

Run ``python tests/fuzz_support.py collect N OUTDIR`` to fuzz N examples of each
family without stopping at the first failure: it groups the failures by kind and
writes the smallest input of each kind into OUTDIR (default: the corpus).
"""

from __future__ import annotations

import collections
import contextlib
import copy
import faulthandler
import io
import json
import logging
import math
import os
import pickle
import re
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
FUZZ_DIR = REPO / "tests" / "data" / "fuzz"
TINY_DIR = REPO / "tests" / "data" / "scenario"
TINY_NET = TINY_DIR / "network.geojson"
BIG_NET = REPO / "networks" / "central-asia.geojson"
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml")) + sorted((REPO / "scenarios" / "overlays").glob("*.yaml"))
TINY_SEEDS = [TINY_DIR / "base.yaml", TINY_DIR / "child.yaml"]

VALIDATE_LIMIT_S = 5.0  # the "a few seconds"; the slowest shipped file validates in 0.5 s
RUN_LIMIT_S = 10.0  # warm-up (30 days) + 3 days on the tiny network takes 0.1-0.2 s
CLI_RUN_LIMIT_S = 20.0  # the same run through `corridors run`, plus writing the folder (map ~1 s)
MEMORY_HEADROOM_B = 2 * 1024**3  # a check may grow its process by 2 GiB at most
KILL_GRACE_S = 10.0  # the parent kills a child this long after its own limit
RUN_EXTRA_DAYS = 3

BIGINT = "@@BIGINT@@"  # placeholders replaced in the text after dumping
DEEP = "@@DEEP@@"

_LOCATED = re.compile(r"^\S[^\n]*?:\d+: ")
_NET_LOCATED = re.compile(r"^\S*\.geojson(:\d+)?: ")
_WHOLE_FILE = re.compile(r"^\S+: cannot read: ")  # the file as a whole (missing, a folder, not UTF-8)


# --------------------------------------------------------------------------- contract


class ContractViolation(AssertionError):
    """An input broke the contract; ``kind`` groups equal faults."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}\n{detail}")
        self.kind = kind
        self.detail = detail

    def __reduce__(self):
        return (ContractViolation, (self.kind, self.detail))


def _pkg_frame(frames: list[tuple[str, str]]) -> str:
    """Innermost frame inside the corridors package as ``corridors/x.py:function``."""
    for filename, func in reversed(frames):
        if "/corridors/" in filename and "/tests/" not in filename:
            return "corridors/" + filename.rsplit("/corridors/", 1)[1] + ":" + func
    return "outside corridors"


def _violation_from_exc(stage: str, exc: BaseException, tb=None) -> ContractViolation:
    tb = tb if tb is not None else exc.__traceback__
    frames = [(f.filename, f.name) for f in traceback.extract_tb(tb)]
    text = "".join(traceback.format_exception(type(exc), exc, tb))[-3000:]
    name = "memory blow-up (MemoryError)" if isinstance(exc, MemoryError) else type(exc).__name__
    return ContractViolation(f"{stage}: {name} in {_pkg_frame(frames)}", text)


def _vm_size_b() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class _ExcRecords(logging.Handler):
    """Collect log records that carry an exception (``validate_file`` logs its internal errors)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.records.append(record)


def _problem_ok(line: str) -> bool:
    if "internal error" in line or "Traceback" in line or ":?:" in line:
        return False
    return bool(_LOCATED.match(line) or _NET_LOCATED.match(line) or _WHOLE_FILE.match(line))


@dataclass
class Outcome:
    """What one checked input did: ``"error"`` (located, exit 1), ``"valid"`` or ``"ran"`` (with the counts)."""

    verdict: str
    problems: list[str] = field(default_factory=list)
    counts: tuple[int, int, int, int] | None = None


def _hang_kind(dump: str) -> str:
    """Where a timed-out child was, from faulthandler's dump (most recent call first)."""
    frames = re.findall(r'File "([^"]+)", line \d+ in (\S+)', dump.split("\n\n")[0])
    pkg = _pkg_frame(list(reversed(frames)))
    stages = re.findall(r"^stage: (.+)$", dump, flags=re.M)
    stage = stages[-1] if stages else "check"
    return f"{stage}: hang (over the time limit) in {pkg}"


def isolated(fn, *args, limit_s: float) -> Any:
    """Run ``fn(*args)`` in a forked child bounded in time and memory; return its result.

    A :class:`ContractViolation` in the child is raised again here; any other
    exception, a time-out or a crash of the child becomes one.
    """
    dump = tempfile.TemporaryFile()  # noqa: SIM115 - shared with the child, closed below
    r, w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child: never returns
        code = 0
        try:
            os.close(r)
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = _vm_size_b() + MEMORY_HEADROOM_B
            resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
            global _DUMP
            _DUMP = dump
            faulthandler.dump_traceback_later(limit_s, exit=True, file=dump)
            try:
                result: tuple = ("ok", fn(*args))
            except ContractViolation as exc:
                result = ("violation", exc.kind, exc.detail)
            except BaseException as exc:  # noqa: BLE001 - a traceback is exactly what we report
                v = _violation_from_exc("check", exc)
                result = ("violation", v.kind, v.detail)
            faulthandler.cancel_dump_traceback_later()  # (a stage may have replaced the overall timer)
            payload = pickle.dumps(result)
            with os.fdopen(w, "wb") as f:
                f.write(payload)
        except BaseException:  # noqa: BLE001
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit_s + KILL_GRACE_S
    with os.fdopen(r, "rb", buffering=0) as f:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([f], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                break
            chunk = f.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    dump.seek(0)
    dumped = dump.read().decode("utf-8", "replace")
    dump.close()
    if chunks:
        result = pickle.loads(b"".join(chunks))
        if result[0] == "ok":
            return result[1]
        raise ContractViolation(result[1], result[2])
    if "Timeout" in dumped or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
        raise ContractViolation(_hang_kind(dumped), dumped[-3000:] or "killed after the time limit")
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
    raise ContractViolation(f"check: process crashed ({how})", dumped[-3000:])


def check_scenario(path: Path, *, run: bool = True, cli_run_out: Path | None = None) -> Outcome:
    """Check ``path`` against the contract; raise :class:`ContractViolation` if it breaks it.

    ``corridors validate`` runs through click's CliRunner with the file's folder as
    working directory (short paths: rich does not wrap them). A clean file is then
    loaded with ``days = warm-up + RUN_EXTRA_DAYS`` and simulated through the
    Python API (``run=False``: validate only), and, with ``cli_run_out``, also
    run through ``corridors run --days ... --out cli_run_out``. All of it runs
    in one bounded child process (:func:`isolated`).
    """
    limit = VALIDATE_LIMIT_S + (RUN_LIMIT_S if run else 0) + (CLI_RUN_LIMIT_S if cli_run_out else 0)
    return isolated(_check, Path(path), run, cli_run_out, limit_s=limit)


_DUMP: Any = None  # in a child: the file faulthandler dumps its stack to


@contextlib.contextmanager
def _stage(name: str, limit_s: float):
    """Bound one stage: in a child, faulthandler ends the process at the stage's own limit."""
    if _DUMP is not None:
        _DUMP.write(f"stage: {name}\n".encode())  # a deep stack's dump is cut: say the stage first
        _DUMP.flush()
        faulthandler.dump_traceback_later(limit_s, exit=True, file=_DUMP)
    t0 = time.monotonic()
    yield
    if _DUMP is not None:
        faulthandler.cancel_dump_traceback_later()
    took = time.monotonic() - t0
    if took > limit_s:
        raise ContractViolation(f"{name}: too slow (over {limit_s:g} s)", f"took {took:.1f} s")


def _check(path: Path, run: bool, cli_run_out: Path | None) -> Outcome:
    from click.testing import CliRunner

    from corridors.cli import main

    os.chdir(path.parent)  # in the child only
    rel = path.name
    handler = _ExcRecords()
    logging.getLogger("corridors").addHandler(handler)
    with _stage("validate", VALIDATE_LIMIT_S):
        res = CliRunner().invoke(main, ["validate", rel])
    if handler.records:
        r = handler.records[0]
        raise _violation_from_exc("validate (internal error)", r.exc_info[1], r.exc_info[2])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise _violation_from_exc("validate", res.exception, res.exc_info[2])
    out = res.output
    if "Traceback" in out:
        raise ContractViolation("validate: traceback in output", out[-3000:])
    if res.exit_code not in (0, 1):
        raise ContractViolation(f"validate: exit code {res.exit_code}", out[-3000:])
    if res.exit_code == 1:
        problems = [ln.strip() for ln in out.splitlines() if ln.startswith("  ") and ln.strip()]
        if not problems:
            raise ContractViolation("validate: exit 1 without a problem line", out[-3000:])
        bad = [p for p in problems if not _problem_ok(p)]
        if bad:
            raise ContractViolation("validate: unlocated problem", "\n".join(bad)[:3000])
        return Outcome("error", problems)
    if not run:
        return Outcome("valid")
    with _stage("run", RUN_LIMIT_S):
        outcome = _api_run(rel)
    if cli_run_out is not None and outcome.verdict == "ran":
        with _stage("cli run", CLI_RUN_LIMIT_S):
            _cli_run(rel, cli_run_out)
    return outcome


def _located_error(stage: str, exc: BaseException) -> Outcome:
    problems = list(getattr(exc, "problems", None) or str(exc).splitlines()[-1:])
    bad = [p for p in problems if not _problem_ok(p)]
    if bad:
        raise ContractViolation(f"{stage}: unlocated {type(exc).__name__} after a clean validate", str(exc)[:3000])
    return Outcome("error", problems)


def _api_run(rel: str) -> Outcome:
    from corridors.errors import CorridorsError
    from corridors.scenario import load_scenario
    from corridors.simulation.engine import simulate

    try:
        spec = load_scenario(rel)
        days = spec.settings.warmup_days + RUN_EXTRA_DAYS
        spec = load_scenario(rel, days=days)
        res = simulate(spec)
    except CorridorsError as exc:
        return _located_error("run", exc)
    except Exception as exc:  # noqa: BLE001
        raise _violation_from_exc("run", exc) from None
    counts = (res.generated, res.delivered, res.in_network, res.refused)
    if res.generated != res.delivered + res.in_network + res.refused:
        raise ContractViolation("run: conservation broken", f"generated, delivered, in_network, refused = {counts}")
    return Outcome("ran", counts=counts)


def _cli_run(rel: str, out: Path) -> None:
    from click.testing import CliRunner

    from corridors.cli import main
    from corridors.scenario import load_scenario

    days = load_scenario(rel).settings.warmup_days + RUN_EXTRA_DAYS
    # one replication: the fuzzer checks input handling, not statistics, and a process pool per example would
    # spend the time limit on starting workers (simulation.replications has its own tests in test_settings)
    res = CliRunner().invoke(main, ["run", rel, "--days", repr(days), "--out", str(out), "--replications", "1"])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise _violation_from_exc("cli run", res.exception, res.exc_info[2])
    if res.exit_code != 0:
        raise ContractViolation(f"cli run: exit {res.exit_code} where the API run succeeded", res.output[-3000:])
    t = json.loads((out / "summary.json").read_text())["trains"]
    if t["generated"] != t["delivered"] + t["in_network"] + t["refused"]:
        raise ContractViolation("cli run: conservation broken in summary.json", str(t))


# --------------------------------------------------------------------------- workspace and seeds


def make_workspace(root: Path) -> Path:
    """Mirror the repository layout under ``root`` and return its (empty) ``tests/data/fuzz`` folder."""
    fuzz = root / "tests" / "data" / "fuzz"
    fuzz.mkdir(parents=True, exist_ok=True)
    for link, target in ((root / "tests" / "data" / "scenario", TINY_DIR),
                         (root / "scenarios", REPO / "scenarios"), (root / "networks", REPO / "networks")):
        if not link.exists():
            link.symlink_to(target, target_is_directory=True)
    return fuzz


def _rebase(value: Any, seed_dir: Path) -> Any:
    """A path written in a seed file, made relative to ``tests/data/fuzz``."""
    if isinstance(value, str):
        return os.path.relpath(os.path.normpath(seed_dir / value), FUZZ_DIR)
    if isinstance(value, list):
        return [_rebase(v, seed_dir) for v in value]
    return value


def _yaml_safe():
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True)


def load_seed(path: Path) -> dict:
    """A seed scenario as plain data, its ``network`` and ``extends`` rebased onto the fuzz folder."""
    data = _yaml_safe().load(path.read_text(encoding="utf-8"))
    for key in ("network", "extends"):
        if key in data:
            data[key] = _rebase(data[key], path.parent)
    return data


def _ids(net_path: Path) -> tuple[list[str], list[str]]:
    doc = json.loads(net_path.read_text(encoding="utf-8"))
    nodes = [f["properties"]["id"] for f in doc["features"] if f["properties"].get("kind") == "node"]
    links = [f["properties"]["id"] for f in doc["features"] if f["properties"].get("kind") != "node"]
    return nodes, links


TINY_NODES, TINY_LINKS = _ids(TINY_NET)
BIG_NODES, BIG_LINKS = _ids(BIG_NET)
REGION_NAMES = ["China", "Europe", "Russia", "South Asia", "Middle East", "Central Asia", "Iran", "Turkey"]
REFERENCES = (TINY_NODES + TINY_LINKS + BIG_NODES[:20] + BIG_LINKS[:20] + REGION_NAMES
              + ["nowhere", "Urumqi", "URUMQI", "ferry", "", "no", "../scenario/base.yaml", "fuzz.yaml",
                 "../scenario/network.geojson", "../../../scenarios/baseline-2023.yaml",
                 "../../../scenarios/overlays/trans-afghan.yaml", "missing.yaml", "/", ".", "a\x00b",
                 "x" * 300, "../scenario", "[/oops]"])


# --------------------------------------------------------------------------- tree mutations

HOSTILE: list[Any] = [
    None, "", " ", "no", "yes", "on", "off", "NO", "y", "~", "null", "1:30", "1,5", "1_000", "0x1F", ".inf", "NaN",
    "[/oops]", "[red]x[/red]", ":x:", "\x00", "é", "x" * 2000, "../../../etc/passwd", "2023-11-01",
    0, -1, 1, 2, 3, 7, 12, 24, 365, 366, 10_000, 2**31, 2**63, -(2**63) - 1, 10**30, BIGINT,
    -0.0, 0.5, 1e-9, 1e-300, 5e-324, 0.001, 1e6, 1e12, 1e308, math.inf, -math.inf, math.nan,
    True, False, [], {}, [1, 2], [[1, 2], [3, 4]], {"a": 1}, {"id": "x"}, DEEP,
]
SCALES = [0, -1, 1e-9, 0.01, 10, 1e3, 1e9, 1e300]


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, prefix + (i,))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for p in path:
        tree = tree[p]
    return tree


def _set(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def hostile_values() -> st.SearchStrategy:
    """Hostile scalar and container values: the fixed list first, then random ones."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.text(max_size=12),
        st.sampled_from(REFERENCES),
    )


EXTREME: list[Any] = [math.inf, -math.inf, math.nan, 0, -0.0, -1, 5e-324, 1e-9, 1e12, 1e308, 10**30, BIGINT, 0.5, 3]
OPS = ["extreme", "extreme", "extreme", "replace", "replace", "scale", "delete", "duplicate", "graft", "wrap", "reference", "add_key", "reference"]


def mutate_tree(data, tree: Any, *, rounds: int = 3) -> Any:
    """Apply 1..``rounds`` random structural/value/reference mutations to a deep copy of ``tree``."""
    tree = copy.deepcopy(tree)
    for _ in range(data.draw(st.integers(1, rounds), label="rounds")):
        paths = _paths(tree)
        op = data.draw(st.sampled_from(OPS), label="op")
        numeric = [p for p in paths if isinstance(_get(tree, p), (int, float)) and not isinstance(_get(tree, p), bool)]
        if op == "extreme" and numeric:  # every number of a file is a candidate for a non-finite/absurd value
            path = data.draw(st.sampled_from(numeric), label="number")
            tree = _set(tree, path, data.draw(st.sampled_from(EXTREME), label="extreme"))
            continue
        path = data.draw(st.sampled_from(paths[1:] or paths), label="path")
        old = _get(tree, path)
        if op == "replace":
            tree = _set(tree, path, data.draw(hostile_values(), label="value"))
        elif op == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
            tree = _set(tree, path, old * data.draw(st.sampled_from(SCALES), label="factor"))
        elif op == "delete" and path:
            del _get(tree, path[:-1])[path[-1]]
        elif op == "duplicate" and path and isinstance(_get(tree, path[:-1]), list):
            _get(tree, path[:-1]).insert(path[-1], copy.deepcopy(old))
        elif op == "graft":
            other = data.draw(st.sampled_from(paths), label="graft_from")
            tree = _set(tree, path, copy.deepcopy(_get(tree, other)))
        elif op == "wrap":
            how = data.draw(st.sampled_from(["list", "map", "str"]), label="wrap")
            tree = _set(tree, path, [old] if how == "list" else {"value": old} if how == "map" else str(old))
        elif op == "reference":
            tree = _set(tree, path, data.draw(st.sampled_from(REFERENCES), label="ref"))
        elif op == "add_key" and isinstance(old, dict):
            key = data.draw(st.sampled_from(["extra", "id", "days", "name", "x" * 100, "[/oops]", "<<", "remove"]))
            old[key] = data.draw(hostile_values(), label="value")
        else:  # op does not apply here: a plain replacement
            tree = _set(tree, path, data.draw(hostile_values(), label="value"))
    return tree


# --------------------------------------------------------------------------- YAML text


def _fill(text: str, data) -> str:
    if BIGINT in text:
        text = text.replace(f"'{BIGINT}'", BIGINT).replace(BIGINT, "9" * 5000)
    if DEEP in text:
        n = data.draw(st.sampled_from([60, 600, 6000]), label="depth")
        text = text.replace(f"'{DEEP}'", DEEP).replace(DEEP, "[" * n + "]" * n)
    return text


def dump_yaml(tree: Any, data) -> str:
    """Dump plain data as block YAML (ruamel, YAML 1.2) and fill in the placeholders."""
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    y.width = 4096
    buf = io.StringIO()
    y.dump(tree, buf)
    return _fill(buf.getvalue(), data)


_BOMB = "".join(  # "billion laughs": nine levels of nine aliases, 9**9 leaves once expanded
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}' if i else 'lol'] * 9)}]\n" for i in range(9)
)
DIRECTIVES = ["%YAML 1.1\n---\n", "%YAML 1.2\n---\n", "%YAML 2.0\n---\n", "%TAG !e! tag:example.com,2000:\n---\n",
              "%FOO bar\n---\n", "---\n", "--- !!map\n"]
TAGGED = ["!!str 5", "!!float .inf", "!!int 99", "!!binary aGVsbG8=", "!!omap [{a: 1}, {b: 2}]", "!!set {a, b}",
          "!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!local x", "!!timestamp 2001-12-14",
          "!!null ''", "!!bool yes", "!!map {a: 1}", "!!seq [1]", "!!float 1e400", "!!int 1:30", "!e!x y"]
ODD = ["no", "yes", "On", "1:30", "190:20:30", "0x1F", "0o17", "0b101", "1_000", ".inf", "-.inf", ".NaN", "~", "1e400",
       "-1e400", "2001-12-14", "'1,5'", "'   '", "+12", "012", "1e-400", "0.", ".5", "'\\x00'", '"\\0"', '"\\ud800"',
       "|\n  block\n", ">-\n  folded\n", "&anc x", "*undefined", "? complex", "[a, b", "{a: 1", "'unclosed",
       "@reserved", "`tick", "%pct", "- in value"]
TEXT_OPS = ["none", "none", "directive", "bomb", "merge", "tag", "odd", "odd", "deep", "dupkey", "encoding",
            "long", "truncate", "documents", "root"]
ROOTS = ["- a\n- b\n", "42\n", "null\n", "", "name\n", "!!set {a, b}\n", "*x\n", "[]\n", "'a': &x [*x]\n"]


def _value_lines(lines: list[str]) -> list[int]:
    return [i for i, ln in enumerate(lines) if re.match(r"^\s*(- )?[\w.-]+: \S", ln)]


def _replace_value(line: str, new: str) -> str:
    m = re.match(r"^(\s*(?:- )?[\w.-]+: )", line)
    return m.group(1) + new if m else line


def mutate_yaml_text(data, text: str) -> str | bytes:
    """Apply one YAML-feature mutation to scenario text (directives, aliases, tags, encodings, ...)."""
    op = data.draw(st.sampled_from(TEXT_OPS), label="text_op")
    lines = text.splitlines()
    vals = _value_lines(lines)
    if op == "directive":
        return data.draw(st.sampled_from(DIRECTIVES), label="directive") + text
    if op == "bomb":
        where = data.draw(st.sampled_from(["top", "value"]), label="bomb_at")
        if where == "top" or not vals:
            return _BOMB + text
        i = data.draw(st.sampled_from(vals), label="line")
        lines[i] = _replace_value(lines[i], "*a8")
        return _BOMB + "\n".join(lines) + "\n"
    if op == "merge":
        style = data.draw(st.sampled_from(["demand", "top", "bad"]), label="merge")
        if style == "top":
            return "base: &b {name: merged, description: m}\n<<: *b\n" + text
        if style == "bad":
            return "<<: [1, 2]\n" + text
        items = [i for i, ln in enumerate(lines) if re.match(r"^  - id: ", ln)]
        if not items:
            return "<<: {name: m}\n" + text
        i = items[0]
        lines[i] = "  - &m0\n    " + lines[i][4:]
        return "\n".join(lines) + "\n  - <<: *m0\n    id: merged-flow\n"
    if op in ("tag", "odd") and vals:
        i = data.draw(st.sampled_from(vals), label="line")
        new = data.draw(st.sampled_from(TAGGED if op == "tag" else ODD), label=op)
        lines[i] = _replace_value(lines[i], new)
        return "\n".join(lines) + "\n"
    if op == "deep" and vals:
        i = data.draw(st.sampled_from(vals), label="line")
        n = data.draw(st.sampled_from([50, 500, 5000]), label="depth")
        kind = data.draw(st.sampled_from(["[", "{a: "]), label="nest")
        lines[i] = _replace_value(lines[i], kind * n + ("]" if kind == "[" else "}") * n)
        return "\n".join(lines) + "\n"
    if op == "dupkey" and vals:
        i = data.draw(st.sampled_from(vals), label="line")
        lines.insert(i + 1, lines[i].replace("- ", "  ", 1))
        return "\n".join(lines) + "\n"
    if op == "encoding":
        how = data.draw(st.sampled_from(["bom", "crlf", "cr", "latin1", "invalid", "nul", "tab", "utf16"]),
                        label="encoding")
        raw = text.encode("utf-8")
        return {
            "bom": b"\xef\xbb\xbf" + raw, "crlf": raw.replace(b"\n", b"\r\n"), "cr": raw.replace(b"\n", b"\r"),
            "latin1": (text + "description: caf\u00e9\n").encode("latin-1", "replace"),
            "invalid": raw[: len(raw) // 2] + b"\xff\xfe\xc3" + raw[len(raw) // 2:], "nul": raw + b"\x00\n",
            "tab": raw.replace(b"\n  ", b"\n\t"), "utf16": text.encode("utf-16"),
        }[how]
    if op == "long":
        n = data.draw(st.sampled_from([10_000, 200_000]), label="long")
        return text + "# " + "x" * n + "\n"
    if op == "truncate":
        return text[: data.draw(st.integers(0, max(len(text) - 1, 0)), label="cut")]
    if op == "documents":
        return text + "---\nname: second\n"
    if op == "root":
        return data.draw(st.sampled_from(ROOTS), label="root")
    return text


def write_input(path: Path, content: str | bytes) -> Path:
    """Write text (UTF-8) or raw bytes to ``path``."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


# --------------------------------------------------------------------------- network mutations


def dump_network(doc: Any, data) -> str:
    """One feature a line, like the shipped files, so that lines locate features."""
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        head = {k: v for k, v in doc.items() if k != "features"}
        body = ",\n".join("  " + json.dumps(f, ensure_ascii=False) for f in doc["features"])
        text = json.dumps(head, ensure_ascii=False)[:-1] + (", " if head else "") + '"features": [\n' + body + "\n]}\n"
    else:
        text = json.dumps(doc, ensure_ascii=False)
    text = text.replace(f'"{BIGINT}"', BIGINT).replace(BIGINT, "9" * 5000)
    if f'"{DEEP}"' in text:
        n = data.draw(st.sampled_from([60, 600, 6000]), label="depth")
        text = text.replace(f'"{DEEP}"', "[" * n + "]" * n)
    return text


NET_TEXT_OPS = ["none"] * 6 + ["bom", "invalid", "latin1", "truncate", "utf16", "nul", "empty", "yaml"]


def mutate_network_text(data, text: str) -> str | bytes:
    """Apply one file-level mutation to network text (encoding, truncation, wrong format)."""
    op = data.draw(st.sampled_from(NET_TEXT_OPS), label="net_text_op")
    raw = text.encode("utf-8", "surrogatepass")
    if op == "bom":
        return b"\xef\xbb\xbf" + raw
    if op == "invalid":
        return raw[: len(raw) // 3] + b"\xff\xc3(" + raw[len(raw) // 3:]
    if op == "latin1":
        return text.replace("Urumqi", "\u00dcr\u00fcmqi").encode("latin-1", "replace")
    if op == "truncate":
        return text[: data.draw(st.integers(0, max(len(text) - 1, 0)), label="cut")]
    if op == "utf16":
        return text.encode("utf-16")
    if op == "nul":
        return raw + b"\x00"
    if op == "empty":
        return b""
    if op == "yaml":
        return "type: FeatureCollection\nfeatures: []\n"
    return text


def network_tree(path: Path) -> dict:
    """A network file as plain data."""
    return json.loads(path.read_text(encoding="utf-8"))


def pointing_scenario(net_name: str) -> str:
    """The tiny base scenario, its ``network`` set to ``net_name`` (a file in the fuzz folder)."""
    text = (TINY_DIR / "base.yaml").read_text(encoding="utf-8")
    return text.replace("network: network.geojson", f"network: {net_name}")


# --------------------------------------------------------------------------- corpus


def corpus_cases() -> list[Path]:
    """Every scenario file of the corpus (a network case is replayed through its pointing scenario)."""
    return sorted(FUZZ_DIR.glob("*.yaml"))


def slug(kind: str) -> str:
    """A file-name-safe form of a failure kind."""
    return re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")[:80]


# --------------------------------------------------------------------------- collection


def _collect(n_each: int) -> None:  # pragma: no cover - a maintenance tool
    """Fuzz each family without stopping; keep the smallest input per failure kind in the corpus."""
    import tempfile

    import fuzz_support as fzm
    import test_fuzz as tf
    from hypothesis import HealthCheck, Phase, given, settings

    found: dict[str, tuple[int, str, dict[str, bytes], str]] = {}
    verdicts: collections.Counter = collections.Counter()
    ws = make_workspace(Path(tempfile.mkdtemp(prefix="fuzz-collect-")))

    def record(exc: ContractViolation, files: dict[str, bytes], family: str) -> None:
        size = sum(len(b) for b in files.values())
        if exc.kind not in found or size < found[exc.kind][0]:
            found[exc.kind] = (size, exc.detail, files, family)

    def make(family: str):
        @settings(max_examples=n_each, phases=[Phase.generate], database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def run(data):
            files = tf.build_case(family, data, ws)
            try:
                verdicts[family, tf.check_case(family, ws, files, data).verdict] += 1
            except fzm.ContractViolation as exc:
                record(exc, {name: (ws / name).read_bytes() for name in files}, family)

        return run

    for family in tf.FAMILIES:
        print("family", family, file=sys.stderr, flush=True)
        make(family)()
        print(" ", len(found), "kinds so far", file=sys.stderr, flush=True)
    print(dict(verdicts), file=sys.stderr)
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else FUZZ_DIR
    out.mkdir(parents=True, exist_ok=True)
    for kind, (size, detail, files, family) in sorted(found.items()):
        stem = ("v-" if family in tf.VALIDATE_ONLY else "") + slug(kind)
        for name, content in files.items():
            target = out / (stem + Path(name).suffix)
            if name.endswith(".yaml"):
                content = content.replace(b"fuzz-net.geojson", f"{stem}.geojson".encode())
            target.write_bytes(content)
        last = detail.strip().splitlines()[-1] if detail.strip() else ""
        print(f"{kind}\t{size} B\t{family}\t{stem}\t{last[:200]}", flush=True)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) >= 2 and sys.argv[1] == "collect":
        sys.path.insert(0, str(Path(__file__).parent))
        _collect(int(sys.argv[2]) if len(sys.argv) > 2 else 200)
