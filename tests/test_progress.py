"""Progress you can see (issue 13, item 4): a line per stage and every 30 s when not a terminal; --quiet; whole names."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from corridors.cli import main
from corridors.progress import Reporter, duration

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _plain(clock: Clock, **kw) -> tuple[Reporter, Console]:
    out = Console(file=__import__("io").StringIO(), width=400)
    return Reporter(out, clock=clock, **kw), out


def test_plain_lines_at_each_stage_and_every_interval_with_time_left():
    clock = Clock()
    rep, out = _plain(clock)
    rep("capacity search", 0, 40)
    clock.t = 10.0
    rep("capacity search", 5, 40)
    rep.tick()  # 10 s after the first line: nothing yet
    clock.t = 31.0
    rep.tick()
    clock.t = 45.0
    rep.tick()  # 14 s after the last line: nothing
    rep("capacity search", 20, 20)  # the search stopped early: the most it needs fell to what it did
    text = out.file.getvalue().splitlines()
    assert text == ["capacity search: started",
                    "capacity search: 5 of at most 40 runs, 31 s spent, about 3 min 37 s left",
                    "capacity search: done in 45 s"]


def test_quiet_shows_nothing():
    clock = Clock()
    rep, out = _plain(clock, quiet=True)
    rep("scenario runs", 0, 6)
    clock.t = 100.0
    rep.tick()
    rep("scenario runs", 6, 6)
    assert out.file.getvalue() == ""


def test_duration_reads_as_a_person_would_say_it():
    assert [duration(s) for s in (0, 59.4, 60, 185, 3600, 3725)] == ["0 s", "59 s", "1 min 00 s", "3 min 05 s",
                                                                   "1 h 00 min", "1 h 02 min"]


def test_capacity_shows_its_stages_when_piped_and_nothing_with_quiet(tmp_path):
    args = ["capacity", str(BASE), "--rounds", "1", "--search-days", "40", "--workers", "1", "--replications", "2"]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    assert "capacity search: started" in r.stderr and "capacity search: done in" in r.stderr
    assert "maps and files: done in" in r.stderr
    q = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b"), "--quiet"])
    assert q.exit_code == 0 and "capacity search" not in q.stderr


def test_piped_tables_keep_whole_names(tmp_path, monkeypatch):
    """A table printed to a pipe is not cut at 80 columns: every row of the capacity table is one line."""
    import io

    from corridors import cli

    # the console the CLI makes for a stream that is not a terminal (as at import under a pipe)
    monkeypatch.setattr(cli, "console", cli._console(io.StringIO(), stderr=False))
    r = CliRunner().invoke(main, ["capacity", str(BASE), "--rounds", "1", "--search-days", "40", "--workers", "1",
                                  "--replications", "2", "--quiet", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("│") or ln.startswith("┃")]
    assert rows and max(len(ln) for ln in rows) > 80  # wider than a terminal would allow: nothing folded
    assert not any(ln.strip("│ ").startswith("…") for ln in rows)
