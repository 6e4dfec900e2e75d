"""Processes: a pool of simulation workers that end with the run that started them, and process liveness.

A killed ``corridors compare`` must not leave workers simulating for minutes:
each worker asks the kernel for SIGTERM when its parent dies (Linux) and runs a
watchdog thread that ends it when the run's process is gone, on every platform.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

#: ``prctl`` option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1
#: How often a worker checks that the run that started it is still there, in seconds.
_WATCH_INTERVAL_S = 0.5


def _proc_stat(pid: int) -> list[str]:
    """Fields of ``/proc/PID/stat`` after the command name (Linux), ``[]`` where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError, UnicodeDecodeError):
        return []


def process_alive(pid: int) -> bool:
    """Return whether process ``pid`` runs: not gone and not a zombie (killed, awaiting its reaper).

    Parameters
    ----------
    pid
        A process id.

    Returns
    -------
    bool
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _proc_stat(pid)
    return not (fields and fields[0] == "Z")


def _die_with(run_pid: int) -> None:
    """Pool initializer: end this worker when the run that started it ends, even by ``kill -9``.

    On Linux the kernel sends SIGTERM when the worker's parent (the
    forkserver, which exits when the run's end of its pipe closes) dies; a
    watchdog thread also ends the worker when its parent changes or the run's
    process is gone, on every platform.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent or not process_alive(run_pid):
                os._exit(1)  # no one is left to collect this worker's results
            time.sleep(_WATCH_INTERVAL_S)

    threading.Thread(target=watch, name="corridors-run-watch", daemon=True).start()


@contextmanager
def process_pool(workers: int) -> Iterator[Executor | None]:
    """Open a process pool for simulation runs, shut down on exit; ``None`` for one worker.

    Parameters
    ----------
    workers
        Number of worker processes; 1 or fewer runs everything in this process.

    Yields
    ------
    concurrent.futures.Executor or None
        ``forkserver`` workers (safe beside a progress thread), or ``None``.
        The workers end with this process, even when it is killed (``kill -9``):
        none is left running after the run.
    """
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_die_with, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)
