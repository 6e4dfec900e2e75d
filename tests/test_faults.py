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


def test_a_killed_compare_leaves_no_worker_process(tmp_path):
    proc = _cli("compare", BASE, CHILD, "--out", tmp_path / "cmp", "--workers", 2, "--rounds", 1,
                "--search-days", 60)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= _descendants(proc.pid)
            if len(_alive(seen)) >= 4:  # forkserver, resource tracker, two workers: simulating
                break
            time.sleep(0.05)
        assert len(_alive(seen)) >= 4, f"no pool started: {proc.poll()} {seen}"
        time.sleep(0.3)
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
