"""One executor layer for every fan-out (issue 13, item 3): the same files serially, on the local pool and on Dask.

Seeds belong to the tasks (replication ``r`` runs with ``seed + r``; a search probe
with its load and replication), never to a worker, so where a task runs cannot
change what it returns. These tests start a Dask ``LocalCluster`` of two worker
processes, the same code path as ``--scheduler tcp://...`` on a remote cluster.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed.cfexecutor import ClientExecutor
from concurrent.futures import ProcessPoolExecutor

from corridors import pipeline, workers
from corridors.cli import main

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"
#: Files whose content records when and how long a command ran.
TIMED = {"run.json"}



def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in TIMED}


def _spy(monkeypatch) -> list:
    """Record the executor each command ran on."""
    used = []
    real = pipeline.open_executor

    def spying(*a, **kw):
        cm = real(*a, **kw)

        class Wrapped:
            def __enter__(self):
                ex = cm.__enter__()
                used.append(type(ex))
                return ex

            def __exit__(self, *exc):
                return cm.__exit__(*exc)

        return Wrapped()

    monkeypatch.setattr(pipeline, "open_executor", spying)
    return used


def test_capacity_files_are_identical_serially_on_the_pool_and_on_a_dask_cluster(tmp_path, monkeypatch):
    used = _spy(monkeypatch)
    common = ["capacity", BASE, "--rounds", 1, "--search-days", 40, "--replications", 2]
    outs = {}
    for name, extra in [("serial", ["--workers", 1]), ("pool", ["--workers", 2, "--scheduler", "pool"]),
                        ("dask", ["--workers", 2])]:
        outs[name] = tmp_path / name
        r = _invoke(*common, "--out", outs[name], *extra)
        assert r.exit_code == 0, r.output
    # the default is a Dask LocalCluster (issue 13), in this process with one worker
    assert [u.__name__ for u in used] == ["NoneType", "ProcessPoolExecutor", "ClientExecutor"]
    serial = _files(outs["serial"])
    assert "capacity.json" in serial and "curves.csv" in serial
    for name in ("pool", "dask"):
        got = _files(outs[name])
        assert got.keys() == serial.keys(), name
        assert [k for k in serial if got[k] != serial[k]] == [], name


def test_replications_on_a_dask_cluster_write_the_same_run_folder(tmp_path, monkeypatch):
    used = _spy(monkeypatch)
    common = ["run", BASE, "--days", 40, "--replications", 2]
    a, b = tmp_path / "pool", tmp_path / "dask"
    assert _invoke(*common, "--out", a).exit_code == 0
    r = _invoke(*common, "--out", b, "--scheduler", "local", "--workers", 2)
    assert r.exit_code == 0, r.output
    r = _invoke(*common, "--out", tmp_path / "pool", "--scheduler", "pool", "--workers", 2)
    assert r.exit_code == 0, r.output
    assert used[-2:] == [ClientExecutor, ProcessPoolExecutor]
    assert _files(a) == _files(b) == _files(tmp_path / "pool")


def test_a_scheduler_that_does_not_answer_is_a_message_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as s:  # a free port: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "never"
    r = CliRunner().invoke(main, ["run", str(BASE), "--days", "40", "--replications", "2", "--out", str(out),
                                  "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and "cannot reach a Dask scheduler" in r.output
    assert not out.exists()


@pytest.mark.parametrize("address", ["", "nonsense", "tcp://host", "tcp://host:port", "tcp://a b:8786", "local:8786x"])
def test_a_scheduler_address_that_is_not_one_is_a_usage_error(tmp_path, address):
    out = tmp_path / "never"
    r = CliRunner().invoke(main, ["capacity", str(BASE), "--out", str(out), "--scheduler", address])
    assert r.exit_code == 2 and "expected 'local', 'pool' or a Dask scheduler address" in r.output, r.output
    assert not out.exists()


def test_a_port_that_answers_but_is_no_scheduler_is_an_error_not_a_hang(tmp_path, monkeypatch):
    """A listener that accepts and never replies (a dashboard, a proxy): the handshake must time out too."""
    monkeypatch.setattr(workers, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        port = srv.getsockname()[1]
        out = tmp_path / "never"
        r = CliRunner().invoke(main, ["run", str(BASE), "--days", "40", "--replications", "2", "--out", str(out),
                                      "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert r.exit_code == 1 and "no Dask scheduler answered within 2 s" in r.output, r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_ctrl_c_is_one_line_and_status_130(tmp_path, monkeypatch):
    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "capacity_pipeline", interrupted)
    r = CliRunner().invoke(main, ["capacity", str(BASE), "--out", str(tmp_path / "x")])
    assert r.exit_code == 130 and r.output.strip().endswith("interrupted") and "Traceback" not in r.output


@pytest.mark.parametrize("scheduler", ["local", "pool"])
def test_ctrl_c_is_one_line_and_no_worker_speaks_on_either_backend(tmp_path, scheduler):
    """SIGINT to the whole process group, as a terminal sends it: the workers leave it to the command.

    On the process pool a graceful shutdown after the interrupt could wait forever on idle workers
    (2 of 9 tries); the communicate timeout below fails the test if it hangs.
    """
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "cut"
    p = subprocess.Popen([sys.executable, "-c", "from corridors.cli import main; main()", "capacity", str(BASE),
                          "--replications", "4", "--search-days", "400", "--workers", "2", "--out", str(out),
                          "--scheduler", scheduler],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None and not list(tmp_path.glob(".*staging*")):
        time.sleep(0.1)
    time.sleep(4)  # the cluster is up and simulating
    assert p.poll() is None, p.communicate()
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert err.strip().endswith("interrupted") and "Traceback" not in err and "WARNING" not in err, err
    assert not out.exists() and [q.name for q in tmp_path.iterdir()] == []


def test_an_interrupt_while_results_are_gathered_logs_nothing_and_restores_the_loggers():
    """CI failure (stop 21), first example: Ctrl-C between a task's end and its gather logged
    Tornado's closed-stream traceback. Many short tasks in flight when the interrupt comes."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep(level=logging.WARNING)
    root = logging.getLogger()
    root.addHandler(keep)
    before = {name: logging.getLogger(name).level
              for name in ("distributed", "distributed.client", "tornado", "tornado.application")}
    try:
        with pytest.raises(KeyboardInterrupt):
            with workers.executor(2, "local") as ex:
                futures = [ex.submit(abs, -i) for i in range(400)]
                futures[0].result()
                raise KeyboardInterrupt
    finally:
        root.removeHandler(keep)
    noisy = [r for r in records if r.name.split(".")[0] in ("distributed", "tornado")]
    assert noisy == [], [r.getMessage() for r in noisy]
    assert {name: logging.getLogger(name).level for name in before} == before


@pytest.mark.parametrize("corridors_level, shown", [(30, False), (20, True), (10, True)])
def test_dask_and_tornado_are_quiet_while_a_cluster_closes_unless_verbose(corridors_level, shown):
    """-v (INFO) or -vv (DEBUG) shows what Dask says while closing; the default does not."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    ours = logging.getLogger("corridors")
    old = ours.level
    keep = Keep()
    logging.getLogger("tornado.application").addHandler(keep)
    ours.setLevel(corridors_level)
    try:
        with workers._dask_quiet():
            logging.getLogger("tornado.application").error("stream closed")
    finally:
        ours.setLevel(old)
        logging.getLogger("tornado.application").removeHandler(keep)
    assert bool(records) is shown
