"""Result folders never replace a user's files, and replacement is whole or nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corridors.cli import main
from corridors.outdir import MARKER, OutputFolderError, check_target, is_result_folder, staged_dir

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"
CHILD = DATA / "scenario" / "child.yaml"

COMMANDS = {
    "run": ["run", BASE, "--days", 40],
    "capacity": ["capacity", BASE, "--search-days", 40, "--rounds", 1, "--workers", 1],
    "compare": ["compare", BASE, CHILD, "--search-days", 40, "--rounds", 1, "--workers", 1, "--no-attribute"],
}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".corridors-" in p.name)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_at_a_users_folder_is_refused_and_the_files_survive(command, tmp_path):
    target = tmp_path / "notes"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    (target / "sub" / "data.csv").write_text("a,b\n")
    r = invoke(*COMMANDS[command], "--out", target)
    assert r.exit_code == 1
    assert "did not write" in r.output and "notes.txt" in r.output
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "sub" / "data.csv").read_text() == "a,b\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("out", [".", "..", "sub/..", "/"])
def test_out_at_the_working_folder_or_a_parent_is_refused(out, tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(OutputFolderError, match="working folder or one of its parents"):
        check_target(Path(out))


def test_out_at_a_file_or_symlink_or_unwritable_parent_is_refused(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(OutputFolderError, match="not a folder"):
        check_target(f)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OutputFolderError, match="symbolic link"):
        check_target(tmp_path / "link")
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        with pytest.raises(OutputFolderError, match="not writable"):
            check_target(ro / "out")


def test_run_replaces_its_own_result_folder_whole(tmp_path):
    target = tmp_path / "res"
    assert invoke("run", BASE, "--days", 40, "--out", target).exit_code == 0
    assert is_result_folder(target)
    (target / "stale.txt").write_text("from an older result")
    assert invoke("run", BASE, "--days", 40, "--out", target).exit_code == 0
    assert (target / "summary.json").is_file() and not (target / "stale.txt").exists()
    assert _leftovers(tmp_path) == []


def test_empty_existing_folder_is_accepted(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    with staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a" and (target / MARKER).is_file()


def test_an_error_while_writing_leaves_the_old_result(tmp_path):
    target = tmp_path / "res"
    with staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("boom")
    assert (target / "a.txt").read_text() == "old"
    assert _leftovers(tmp_path) == []


def _writer(target: Path) -> subprocess.Popen:
    """Another process that holds ``target``'s lock (inside ``staged_dir``) until killed."""
    code = ("import sys, time; from pathlib import Path; from corridors.outdir import staged_dir\n"
            "with staged_dir(Path(sys.argv[1])) as tmp:\n"
            "    (tmp / 'half.txt').write_text('half'); print('in', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "in"
    return proc


def test_a_live_writer_blocks_a_second_one_and_a_dead_ones_leftover_is_cleaned(tmp_path):
    target = tmp_path / "res"
    writer = _writer(target)
    try:
        with pytest.raises(OutputFolderError, match=f"process {writer.pid}"), staged_dir(target):
            pass
    finally:
        writer.kill()
        writer.wait()
    assert (tmp_path / ".res.corridors-staging" / "half.txt").exists()  # what the killed writer left
    # the writer is gone: its leftovers are removed and the write goes ahead
    with staged_dir(target) as tmp:
        assert not (tmp / "half.txt").exists()
        (tmp / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    assert _leftovers(tmp_path) == []


def test_a_kill_between_two_renames_is_repaired(tmp_path):
    # What the two-rename fallback leaves when killed between its renames: only the old result, set aside.
    target = tmp_path / "res"
    with staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    target.rename(tmp_path / ".res.corridors-old")
    with staged_dir(target) as tmp:
        assert (target / "a.txt").read_text() == "old"  # restored before the new write starts
        (tmp / "a.txt").write_text("new")
    assert (target / "a.txt").read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_a_lock_file_naming_a_live_process_that_does_not_hold_it_is_cleaned(tmp_path):
    # A lock file left by a killed run may name a process id that was reused since: only the kernel's lock counts.
    target = tmp_path / "res"
    (tmp_path / ".res.corridors-staging").mkdir()
    (tmp_path / ".res.corridors-lock").write_text(f"{os.getpid()}\n")
    with staged_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    assert _leftovers(tmp_path) == []


def test_a_live_writer_is_reported_before_any_simulation(tmp_path):
    target = tmp_path / "res"
    writer = _writer(target)
    try:
        with pytest.raises(OutputFolderError, match=f"being written by another corridors run .process {writer.pid}"):
            check_target(target)
        r = CliRunner().invoke(main, ["run", str(BASE), "--out", str(target), "--days", "31"])
        assert r.exit_code == 1 and f"process {writer.pid}" in r.output
    finally:
        writer.kill()
        writer.wait()
    check_target(target)  # its writer is gone: the leftover no longer blocks


def test_the_lock_is_held_from_staging_to_publishing(tmp_path, monkeypatch):
    """A second writer is refused at every step of the first one, the publication included (no owner-less gap)."""
    import corridors.outdir as outdir

    target = tmp_path / "res"
    refused = []

    def try_second():
        with pytest.raises(OutputFolderError, match="being written by another corridors run"), staged_dir(target):
            pass
        refused.append(True)

    real_publish = outdir._publish

    def publish(staging, final):
        try_second()  # just before the swap
        real_publish(staging, final)
        try_second()  # just after it, the lock still held

    monkeypatch.setattr(outdir, "_publish", publish)
    with staged_dir(target) as tmp:
        try_second()
        (tmp / "a.txt").write_text("a")
    assert refused == [True, True, True]
    assert (target / "a.txt").read_text() == "a"
    assert _leftovers(tmp_path) == []
