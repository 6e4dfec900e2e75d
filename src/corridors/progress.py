"""What a long command shows while it works: each stage, runs done of the most it can need, time spent and left.

On a terminal, a rich progress display with one bar per stage. Anywhere else
(a log file, a pipe, CI), plain lines: one when a stage starts, one when it
ends, and one every :data:`INTERVAL_S` seconds in between, so a log shows that
the command is alive and how far it is. ``--quiet`` shows nothing.

The pipelines report ``(stage, done, total)`` (:data:`corridors.pipeline.Report`),
from the executor's threads too: every method takes one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

#: Seconds between two plain status lines of one stage.
INTERVAL_S = 30.0


def duration(seconds: float) -> str:
    """Format ``seconds`` for a reader: ``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``.

    Examples
    --------
    >>> duration(185)
    '3 min 05 s'
    """
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Reporter:
    """Show a command's progress on ``console``; call it as ``reporter(stage, done, total)``.

    Parameters
    ----------
    console
        Where to show it (the CLI's standard-error console).
    quiet
        Show nothing.
    interval_s
        Seconds between plain status lines of one stage.
    clock
        Monotonic time in seconds (tests pass a fake one).
    """

    def __init__(self, console: Console, *, quiet: bool = False, interval_s: float = INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.quiet = quiet
        self.interval_s = interval_s
        self.clock = clock
        self.plain = not console.is_terminal
        self._lock = threading.Lock()
        self._stages: dict[str, list] = {}  # stage -> [started, done, total, last line, task id, unit]
        self._current: str | None = None
        self._bars: Progress | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Reporter:
        """Start the display (the bars on a terminal, the timer of the plain lines elsewhere)."""
        if self.quiet:
            return self
        if self.plain:
            self._ticker = threading.Thread(target=self._tick_loop, name="corridors-progress", daemon=True)
            self._ticker.start()
        else:
            self._bars = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), TextColumn("left"),
                                  TimeRemainingColumn(), console=self.console, transient=True)
            self._bars.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop the display."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        if self._bars is not None:
            self._bars.stop()

    def __call__(self, stage: str, done: int, total: int, unit: str = "runs") -> None:
        """Record that ``stage`` has ``done`` of at most ``total`` ``unit`` finished."""
        if self.quiet:
            return
        with self._lock:
            now = self.clock()
            st = self._stages.get(stage)
            if st is None:
                task = self._bars.add_task(escape(stage), total=total, unit=unit) if self._bars is not None else None
                st = self._stages[stage] = [now, done, total, now, task, unit]
                self._current = stage
                self._line(stage, "started")
            was_done = st[1] >= st[2] > 0
            st[1], st[2] = done, total
            if self._bars is not None:
                self._bars.update(st[4], completed=done, total=total)
            elif done >= total and not was_done:
                self._line(stage, f"done in {duration(now - st[0])}")
                st[3] = now

    def tick(self) -> None:
        """Print the current stage's status line if :attr:`interval_s` has passed since its last line."""
        with self._lock:
            stage = self._current
            if stage is None or not self.plain or self.quiet:
                return
            st = self._stages[stage]
            now = self.clock()
            if now - st[3] >= self.interval_s and st[1] < st[2]:
                st[3] = now
                self._line(stage, self._status(st, now))

    def _tick_loop(self) -> None:
        while not self._stop.wait(1.0):
            self.tick()

    @staticmethod
    def _status(st: list, now: float) -> str:
        started, done, total, unit = st[0], st[1], st[2], st[5]
        spent = now - started
        left = f", about {duration(spent / done * (total - done))} left" if done else ""
        return f"{done} of at most {total} {unit}, {duration(spent)} spent{left}"

    def _line(self, stage: str, text: str) -> None:
        if self.plain:
            try:
                self.console.print(f"{stage}: {text}", markup=False, highlight=False, soft_wrap=True)
            except OSError:  # the reader went away (a closed pipe): the command goes on without its progress
                self.quiet = True
