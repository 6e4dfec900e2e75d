"""Processes: the executor every fan-out runs on (a local pool or Dask), workers that end with their run, liveness.

A killed ``corridors compare`` must not leave workers simulating for minutes:
each worker asks the kernel for SIGTERM when its parent dies (Linux) and runs a
watchdog thread that ends it when the run's process is gone, on every platform.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from corridors.errors import CorridorsError

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
    _ignore_sigint()
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
    except BaseException:
        # Interrupted (Ctrl-C) or failed: stop the workers outright. A graceful shutdown after an
        # interrupt can wait forever on workers idle in their queue (seen in 2 of 9 Ctrl-C's).
        procs = list(getattr(pool, "_processes", {}).values())
        for p in procs:
            p.terminate()
        for p in procs:  # gone before the staging folder is removed: none still writes into it
            p.join(1.0)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(cancel_futures=True)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT in this process while it starts worker processes, which inherit the disposition.

    Ctrl-C reaches every process of the terminal's process group: the workers
    then leave the interrupt to the command (which stops them and exits 130)
    instead of each printing its own traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def dask_setup(worker) -> None:
    """Dask worker preload (this module is named in the local cluster's ``preload``): ignore SIGINT.

    A worker that Dask restarts does not inherit the ignored SIGINT of :func:`_sigint_ignored`;
    this sets it again in every worker process, so none prints its own traceback on Ctrl-C.

    Parameters
    ----------
    worker : distributed.Worker
        The worker being set up (unused).
    """
    _ignore_sigint()


def _ignore_sigint() -> None:
    """Make this worker process ignore SIGINT (from its main thread; elsewhere Python cannot set a handler).

    Ctrl-C reaches the whole process group: the command handles it and ends its workers, so a
    worker stays quiet instead of printing its own KeyboardInterrupt traceback.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


#: ``--scheduler`` value that starts a Dask cluster on this machine instead of connecting to one.
LOCAL_CLUSTER = "local"
#: ``--scheduler`` value for this machine's process pool (no Dask).
PROCESS_POOL = "pool"


#: Most workers the CLI starts by default: the run budget's memory estimate grows with the workers
#: (each holds one run's trains in flight), and more than 8 would refuse the larger shipped scenarios.
MAX_DEFAULT_WORKERS = 8


def machine_workers() -> int:
    """Return the default number of workers: the cores this process may run on, 1 to :data:`MAX_DEFAULT_WORKERS`."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_WORKERS, n))


def scheduler_for(option: str | None, workers: int) -> str | None:
    """Return where a command's runs go (:func:`executor`'s ``scheduler``) from its ``--scheduler`` option.

    Parameters
    ----------
    option
        ``None`` (not given), ``"pool"``, ``"local"`` or a scheduler's address.
    workers
        ``--workers``.

    Returns
    -------
    str or None
        Not given: a Dask ``LocalCluster`` (``"local"``) with more than one
        worker, else ``None`` (everything in this process). ``"pool"``: ``None``,
        this machine's process pool. Anything else as given.
    """
    if option is None:
        return LOCAL_CLUSTER if workers > 1 else None
    return None if option == PROCESS_POOL else option


#: Seconds to wait for a Dask scheduler to answer before giving up with an error.
CONNECT_TIMEOUT_S = 20


def _connect(client_cls, address: str):
    """Connect to the Dask scheduler at ``address`` within :data:`CONNECT_TIMEOUT_S`, or raise a user error.

    The client's own timeout covers opening the connection, not the handshake
    after it: a port that answers but is no Dask scheduler (its dashboard, a
    proxy) would hold it forever. So the connection is made in a daemon
    thread that this one waits for at most that long. Whatever the client
    raises (refused, unknown host, a protocol it cannot speak without more
    configuration) becomes one line.
    """
    got: dict = {}

    def connect() -> None:
        try:
            got["client"] = client_cls(address, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a foreign system's every failure is the user's message
            got["error"] = exc

    t = threading.Thread(target=connect, name="corridors-dask-connect", daemon=True)
    t.start()
    t.join(CONNECT_TIMEOUT_S + 5)
    if "client" in got:
        return got["client"]
    why = (f"{type(got['error']).__name__}: {got['error']}" if "error" in got
           else f"no Dask scheduler answered within {CONNECT_TIMEOUT_S} s")
    raise CorridorsError(f"--scheduler {address}: cannot reach a Dask scheduler there ({why})")


@contextmanager
def executor(workers: int, scheduler: str | None = None) -> Iterator[Executor | None]:
    """Open the executor that every fan-out of a command runs on: replications, search probes, compares.

    Parameters
    ----------
    workers
        Local worker processes (without ``scheduler``, or with ``"local"``).
        Without ``scheduler``, 1 or fewer runs everything in this process; a
        ``"local"`` cluster has at least one worker.
    scheduler
        ``None`` for this machine's process pool (:func:`process_pool`);
        ``"local"`` for a Dask ``LocalCluster`` of ``workers`` single-threaded
        processes; else the address of a running Dask scheduler
        (``tcp://host:8786``), whatever launched it (dask-jobqueue, Kubernetes,
        a cloud service). Its workers need corridors installed, the same version.

    Yields
    ------
    concurrent.futures.Executor or None
        Futures are :class:`concurrent.futures.Future` whichever backend runs
        them. Every task carries its own seed, so results do not depend on
        the backend or the number of workers.

    Raises
    ------
    corridors.errors.CorridorsError
        The scheduler cannot be reached.
    """
    if scheduler is None:
        with process_pool(workers) as pool:
            yield pool
        return
    from distributed import Client, LocalCluster  # here: only a command that asks for Dask pays for its import

    cluster = None
    if scheduler == LOCAL_CLUSTER:
        # ":0": the dashboard on a free port, so two commands at once never clash over 8787
        with _sigint_ignored():
            # Workers stay silent unless the CLI's -v asks: a task's failure reaches the command through
            # its future, and what they log while a Ctrl-C or an ending command stops the scheduler
            # under them (a lost heartbeat, a cancelled task) is not news.
            ours = logging.getLogger("corridors").getEffectiveLevel()
            level = logging.CRITICAL if ours >= logging.WARNING else ours
            # memory_limit=0: no per-worker limit (Dask's default pauses and restarts a worker at a share
            # of RAM / workers; the run budget already bounds a run's memory, as on the pool)
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=level, memory_limit=0,
                                   preload=[__name__])
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    else:
        client = _connect(Client, scheduler)
    # pure=False: two submissions of equal arguments are two runs, never one cached result
    ex = client.get_executor(pure=False)
    try:
        yield ex
    finally:
        # Interrupted (Ctrl-C), failed or done: what Dask says while the cluster closes under tasks still
        # running or results still being gathered is not news. (No cancel first: cancelling is one more
        # request to a scheduler that a loaded machine may answer late, and closing drops the tasks anyway.)
        with _dask_quiet():
            _close(client, cluster)


def _close(client, cluster) -> None:
    """Close the client, then the local cluster it started (if any)."""
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def _dask_quiet() -> Iterator[None]:
    """Keep Dask's and Tornado's loggers in this process quiet while a cluster closes, unless -v asks.

    A result still in flight when the scheduler's connections drop (a Ctrl-C
    between a task's end and its gather) makes Tornado log the closed stream
    as an error with a traceback: an artefact of closing, not news for the
    user, whose command reports the interrupt or failure itself.
    """
    ours = logging.getLogger("corridors").getEffectiveLevel()
    if ours < logging.WARNING:
        yield
        return
    # Dask's logging config gives some child loggers their own level (tornado.application: ERROR),
    # so each existing logger of the two families is raised, not only the parents.
    known = logging.Logger.manager.loggerDict
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado")]
    loggers += [lg for name, lg in list(known.items())
                if isinstance(lg, logging.Logger) and name.split(".")[0] in ("distributed", "tornado")
                and lg not in loggers]
    old = [lg.level for lg in loggers]
    for lg in loggers:
        # above CRITICAL: the scheduler logs a comm closed under a pending write as critical
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, old):
            lg.setLevel(level)
