"""Faults during a run (issue 11, item 9): ``kill -9`` at any instant, concurrent runs on one ``--out``.

Each test runs the real CLI in a child process on the tiny test scenarios and
kills it, then checks what is left: the asked folder holds the complete old
result or the complete new one, no staging folder survives the next run, and
no worker process outlives the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "scenario"
BASE, CHILD = DATA / "base.yaml", DATA / "child.yaml"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def _cli(*args, env_extra: dict | None = None, **kw) -> subprocess.Popen:
    """Start ``corridors ARGS`` in a child process (its own session, so the test can kill the lot)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg", **(env_extra or {})}
    code = "from corridors.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of a process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw.rsplit(b")", 1)[1].split()
    return fields[0].decode(), int(fields[1])


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            st = _stat(int(d.name))
            if st is not None and st[0] != "Z":
                children.setdefault(st[1], []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if (st := _stat(p)) is not None and st[0] != "Z"}


def _kill_all(pids: set[int]) -> None:
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


#: Processes below a command once its executor simulates: the process pool's forkserver, resource tracker and
#: two workers; the Dask cluster's resource tracker and two workers (their nannies live in the command's process).
_EXECUTOR_PROCESSES = {"pool": 4, "local": 3}


@pytest.mark.parametrize("scheduler", list(_EXECUTOR_PROCESSES))
def test_a_killed_compare_leaves_no_worker_process(tmp_path, scheduler):
    proc = _cli("compare", BASE, CHILD, "--out", tmp_path / "cmp", "--workers", 2, "--rounds", 1,
                "--search-days", 200, "--scheduler", scheduler)
    seen: set[int] = set()
    want = _EXECUTOR_PROCESSES[scheduler]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= _descendants(proc.pid)
            if len(_alive(seen)) >= want:
                break
            time.sleep(0.05)
        assert len(_alive(seen)) >= want, f"no pool started: {proc.poll()} {seen}"
        time.sleep(1.0)
        seen |= _descendants(proc.pid)
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _alive(seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(seen) == set(), "worker processes outlived the killed run"
    finally:
        _kill_all(_alive(seen))
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


# --------------------------------------------------------------------------- kill -9 at any instant

#: Run in the child: patch one step of the CLI to signal the test (a flag file) and wait to be killed there.
_PAUSING_CLI = r"""
import os, pathlib, sys, time
point, flag = sys.argv[1], pathlib.Path(sys.argv[2])
sys.argv = ["corridors", *sys.argv[3:]]

def pause():
    flag.write_text(point)
    time.sleep(60)

import corridors.outdir as outdir, corridors.results as results, corridors.simulation as simulation
if point == "simulating":
    real_simulate = simulation.simulate
    def simulate(*a, **k):
        pause()
    simulation.simulate = simulate
elif point == "writing":  # staging folder half written
    real_write_json = results.write_json
    def write_json(path, *a, **k):
        if pathlib.Path(path).name == "run.json":
            pause()
        return real_write_json(path, *a, **k)
    results.write_json = write_json
elif point == "exchanging":  # complete staging folder, just before the exchange
    real_exchange = outdir._exchange
    def exchange(a, b):
        pause()
    outdir._exchange = exchange
elif point == "between-renames":  # the fallback without renameat2: old result set aside, new one not yet in
    outdir._exchange = lambda a, b: False
    real_rename = pathlib.Path.rename
    def rename(self, target):
        out = real_rename(self, target)
        if str(target).endswith(".corridors-old"):
            pause()
        return out
    pathlib.Path.rename = rename
from corridors.cli import main
main()
"""


def _tree(folder: Path) -> dict[str, str]:
    """File name -> SHA-256 of every file in ``folder`` (``run.json`` holds the wall time: names only)."""
    import hashlib

    if not folder.exists():
        return {}
    return {p.name: ("" if p.name == "run.json" else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def old_result(tmp_path_factory):
    """A complete result of the tiny scenario (seed 7): what a killed run with seed 8 must leave intact."""
    from click.testing import CliRunner

    from corridors.cli import main

    out = tmp_path_factory.mktemp("results") / "seed7"
    r = CliRunner().invoke(main, ["run", str(BASE), "--out", str(out), "--days", "32", "--seed", "7"])
    assert r.exit_code == 0, r.output
    return out


def _second_run_fails_clearly(target: Path, writer_pid: int) -> None:
    """A second run (this process) on the ``--out`` another process is writing fails with a clear message."""
    from click.testing import CliRunner

    from corridors.cli import main

    r = CliRunner().invoke(main, ["run", str(BASE), "--out", str(target), "--days", "32", "--seed", "9"])
    assert r.exit_code == 1
    assert f"is being written by another corridors run (process {writer_pid})" in " ".join(r.output.split())


@pytest.mark.parametrize("point", ["simulating", "writing", "exchanging", "between-renames"])
def test_a_run_killed_at_any_instant_leaves_the_old_result_and_nothing_else(point, old_result, tmp_path):
    import shutil

    from corridors.outdir import staged_dir

    old = old_result
    target = tmp_path / "res"
    shutil.copytree(old, target)
    flag = tmp_path / "paused"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSING_CLI, point, str(flag), "run", str(BASE), "--out", str(target),
         "--days", "32", "--seed", "8", "--replications", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
            seen |= _descendants(proc.pid)
            time.sleep(0.05)
        assert flag.exists(), proc.communicate()
        seen |= _descendants(proc.pid)
        if point == "writing":
            _second_run_fails_clearly(target, proc.pid)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    if point == "between-renames":
        # Without an atomic exchange (no renameat2) there is an instant with the old result set aside
        # complete and nothing under the asked name; any later corridors run puts it back first.
        from corridors.outdir import _repair

        assert _tree(tmp_path / ".res.corridors-old") == _tree(old)
        _repair(target)
    # the asked folder: the complete old result (every point is before the new one is published)
    assert _tree(target) == _tree(old), point
    # the next run cleans up whatever the killed one left (staging folder, set-aside old result)
    with staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("next")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert (target / "a.txt").read_text() == "next"
    deadline = time.monotonic() + 5
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(seen) == set()
