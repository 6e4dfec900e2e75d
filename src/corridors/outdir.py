"""Result folders: checked before a run, written beside the target, swapped in whole.

A result folder is only ever replaced when corridors wrote it itself: every
folder this module publishes holds the marker file :data:`MARKER`. Any other
existing, non-empty folder (a user's notes, ``$HOME``, the working folder) is
refused with a clear error *before* anything is simulated.

A run holds the target's lock (``flock`` on ``.<name>.corridors-lock``, released
by the kernel however the run ends) from before it simulates until its result
is published: a second run aimed at the same target fails at once with a
message naming the holder's process id. Writing happens in a staging folder
``.<name>.corridors-staging`` beside the target. When the result is complete
the staging folder and the old result are exchanged in one atomic step (Linux
``renameat2(RENAME_EXCHANGE)``), so at every instant the target holds either
the complete old result or the complete new one. Where the exchange is not
available, two renames are used and a later run repairs the rare interruption
between them. What a killed run left (staging folder, lock file) is removed by
the next run that takes the lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from corridors.errors import CorridorsError

log = logging.getLogger(__name__)

MARKER = ".corridors-result"
"""File name that marks a folder written by corridors (safe for corridors to replace)."""

_MARKER_TEXT = "This folder was written by corridors; corridors may replace it as a whole.\n"
_STAGING = ".corridors-staging"
_LOCK = ".corridors-lock"
_OLD = ".corridors-old"


class OutputFolderError(CorridorsError):
    """The requested output folder cannot be written safely."""


class FolderBusyError(OutputFolderError):
    """Another corridors run holds the folder's lock.

    Parameters
    ----------
    message
        What to tell the user.
    pid
        The holder's process id (0 when unknown).
    """

    def __init__(self, message: str, pid: int) -> None:
        super().__init__(message)
        self.pid = pid


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
    pid = _holder(absolute)
    if pid:  # fail before simulating, not after
        raise _busy_error(final, pid)
    parent = absolute.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"--out {final}: cannot create folders in {parent} (not writable)")
    return absolute


def _lock_path(final: Path) -> Path:
    return final.with_name(f".{final.name}{_LOCK}")


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)


def _read_pid(fd: int) -> int:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii").split()[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return 0


def _acquire(final: Path) -> int:
    """Take the lock of ``final`` (``flock`` on ``.<name>.corridors-lock``); return its descriptor.

    The kernel releases the lock when its process ends, however it ends. The
    holder deletes the lock file before releasing it, so a process that opened
    the file just before that checks, once it holds a lock, that it holds the
    file still in place (same inode), and otherwise tries again.
    """
    path = _lock_path(final)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise _busy_error(final, pid) from None
        try:
            here = os.stat(path)
            mine = os.fstat(fd)
            if (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
                _write_pid(fd)
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the file was replaced while we waited: lock the one in place now


def _release(final: Path, fd: int) -> None:
    """Delete the lock file (while still holding it), then release it."""
    try:
        _lock_path(final).unlink(missing_ok=True)
    finally:
        os.close(fd)


def _holder(final: Path) -> int:
    """Process id of a live run holding the lock of ``final`` (0 when none); a dead run's lock file is removed."""
    try:
        fd = _acquire(final) if _lock_path(final).exists() else None
    except FolderBusyError as exc:
        return exc.pid or -1
    if fd is not None:
        _release(final, fd)
    return 0


def _busy_error(final: Path, pid: int) -> FolderBusyError:
    who = f"process {pid}" if pid > 0 else "process unknown"
    return FolderBusyError(
        f"{final} is being written by another corridors run ({who}); "
        "wait for it to finish or choose another --out", pid)


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
    """Create an empty staging folder (with the marker); call with the lock held.

    Any staging folder found there was left by a run that was stopped: it is removed.
    """
    staging = _staging(final)
    if staging.exists():
        log.info("removing a staging folder left by a stopped run: %s", staging)
        shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return staging


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
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        lock = _acquire(final)
    except OSError as exc:  # a folder the permissions allow but the file system refuses (/proc, read-only mounts)
        raise OutputFolderError(f"--out {final}: cannot write there: {exc.strerror or exc}") from None
    try:
        _repair(final)
        staging = _take_staging(final)
        try:
            yield staging
            _publish(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        _release(final, lock)
