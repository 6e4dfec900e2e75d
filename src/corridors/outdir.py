"""Result folders: checked before a run, written beside the target, swapped in whole.

A result folder is only ever replaced when corridors wrote it itself: every
folder this module publishes holds the marker file :data:`MARKER`. Any other
existing, non-empty folder (a user's notes, ``$HOME``, the working folder) is
refused with a clear error *before* anything is simulated.

Writing happens in a staging folder ``.<name>.corridors-staging`` beside the
target. Its creation is the lock: a second run aimed at the same target while
the first one writes fails with a message naming the owner's process id. When
the result is complete the staging folder and the old result are exchanged in
one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``), so at every instant the
target holds either the complete old result or the complete new one. Where the
exchange is not available, two renames are used and a later run repairs the
rare interruption between them. Staging folders left by killed runs are removed
when their owner process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from corridors.errors import CorridorsError
from corridors.workers import process_alive, process_start

log = logging.getLogger(__name__)

MARKER = ".corridors-result"
"""File name that marks a folder written by corridors (safe for corridors to replace)."""

_MARKER_TEXT = "This folder was written by corridors; corridors may replace it as a whole.\n"
_OWNER = ".corridors-owner"
_STAGING = ".corridors-staging"
_OLD = ".corridors-old"


class OutputFolderError(CorridorsError):
    """The requested output folder cannot be written safely."""


def _staging(final: Path) -> Path:
    return final.with_name(f".{final.name}{_STAGING}")


def _old(final: Path) -> Path:
    return final.with_name(f".{final.name}{_OLD}")


def is_result_folder(path: Path) -> bool:
    """Whether ``path`` is a folder that corridors wrote (it holds the marker file).

    Parameters
    ----------
    path
        Any path.

    Returns
    -------
    bool
    """
    path = Path(path)
    return path.is_dir() and not path.is_symlink() and (path / MARKER).is_file()


def check_target(final: Path) -> Path:
    """Check that ``final`` may receive a result folder; call before any simulation.

    Parameters
    ----------
    final
        The folder a command is asked to write (``--out``).

    Returns
    -------
    Path
        ``final`` as an absolute path (symbolic links in its parents resolved).

    Raises
    ------
    OutputFolderError
        When ``final`` is the working folder or one of its parents, a symbolic
        link, a file, an existing non-empty folder without the corridors marker,
        when the nearest existing parent cannot be written, or when another
        live corridors run is writing it.
    """
    given = Path(final)
    if given.name in ("", ".", ".."):
        given = given.resolve()
    absolute = given.parent.resolve() / given.name
    cwd = Path.cwd().resolve()
    if absolute == cwd or absolute in cwd.parents or absolute.parent == absolute:
        raise OutputFolderError(
            f"--out {final}: refusing to write a result over {absolute}, which is the working folder or one of "
            "its parents; choose a new folder, e.g. outputs/<name>")
    if absolute.is_symlink():
        raise OutputFolderError(f"--out {final}: {absolute} is a symbolic link; give the real folder or a new name")
    if absolute.exists():
        if not absolute.is_dir():
            raise OutputFolderError(f"--out {final}: {absolute} exists and is not a folder")
        if not is_result_folder(absolute):
            try:
                entries = sorted(p.name for p in absolute.iterdir())
            except OSError as exc:
                raise OutputFolderError(f"--out {final}: cannot read {absolute}: {exc.strerror}") from None
            if entries:
                shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
                raise OutputFolderError(
                    f"--out {final}: {absolute} already holds files that corridors did not write ({shown}); "
                    f"corridors only replaces its own result folders (marked by {MARKER}). "
                    "Choose a new or empty folder")
    pid = _live_owner(_staging(absolute))
    if pid:  # fail before simulating, not after
        raise _busy_error(final, pid)
    parent = absolute.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"--out {final}: cannot create folders in {parent} (not writable)")
    return absolute


def _owner(staging: Path) -> tuple[int, str]:
    """Process id and start time of the run writing ``staging`` (``(0, "")`` if unreadable)."""
    try:
        pid, _, started = (staging / _OWNER).read_text(encoding="ascii").strip().partition(" ")
        return int(pid or 0), started
    except (OSError, ValueError):
        return 0, ""


def _live_owner(staging: Path) -> int:
    """Process id of another live run writing ``staging``, else 0."""
    pid, started = _owner(staging)
    return pid if pid and pid != os.getpid() and process_alive(pid, started) else 0


def _busy_error(final: Path, pid: int) -> OutputFolderError:
    return OutputFolderError(
        f"{final} is being written by another corridors run (process {pid}); "
        "wait for it to finish or choose another --out")


def _repair(final: Path) -> None:
    """Finish or undo what a killed run left beside ``final``."""
    old = _old(final)
    if old.exists():
        if not final.exists() and is_result_folder(old):
            log.warning("restoring %s from an interrupted replacement", final)
            old.rename(final)
        else:
            shutil.rmtree(old, ignore_errors=True)


def _take_staging(final: Path) -> Path:
    """Create the staging folder (the lock), removing a dead owner's leftover first."""
    staging = _staging(final)
    for _ in range(2):
        try:
            staging.mkdir()
        except FileExistsError:
            pid = _live_owner(staging)
            if pid:
                raise _busy_error(final, pid) from None
            log.info("removing a staging folder left by a stopped run: %s", staging)
            shutil.rmtree(staging, ignore_errors=True)
            continue
        (staging / _OWNER).write_text(f"{os.getpid()} {process_start(os.getpid())}\n", encoding="ascii")
        (staging / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        return staging
    raise OutputFolderError(f"cannot create the staging folder {staging}")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _publish(staging: Path, final: Path) -> None:
    """Put the complete ``staging`` folder in place of ``final``."""
    (staging / _OWNER).unlink(missing_ok=True)
    if not final.exists():
        staging.rename(final)
        return
    if _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old result
        return
    old = _old(final)
    shutil.rmtree(old, ignore_errors=True)
    final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(final: Path) -> Iterator[Path]:
    """Yield a staging folder for a result; on success it replaces ``final`` as a whole.

    Parameters
    ----------
    final
        The result folder to write. It must pass :func:`check_target`.

    Yields
    ------
    Path
        An empty folder (but for the marker) beside ``final``; write every file there.

    Raises
    ------
    OutputFolderError
        From :func:`check_target`, or when another run is writing ``final``.

    Notes
    -----
    On any error, or when the process is interrupted, the staging folder is
    removed and ``final`` is left as it was.
    """
    final = check_target(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _repair(final)
    staging = _take_staging(final)
    try:
        yield staging
        _publish(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
