"""`wipe` deletes sessions kept in the data folder and nothing else: not a file named on the command
line, not what a link points to, not a folder or a FIFO named like a session.

Each test runs both ways `trackerscan.sessions.wipe` has: through a folder descriptor (Linux, macOS;
the command as a subprocess) and by path (Windows' way, taken here on Linux in this process by
setting `wipe.DIR_FDS` and `session_file.NOFOLLOW` as Windows has them: the files are then opened with
O_NOFOLLOW off, as there).  The races (a link swapped in between a check and the step after it)
are played by doing the swap inside the real system call that comes next."""

import os
import sqlite3
import sys
from pathlib import Path

import hostile
import pytest
from hostile import assert_clean, cli, run, sha256, tree
from session_fixtures import make_events, write_killed_session, write_session

from trackerscan.errors import SessionError
from trackerscan.formats import session_file
from trackerscan.sessions import wipe

# every test here runs the commands (as subprocesses, or whole in this process); on Windows itself
# (no FIFOs; an open file cannot be renamed, so these races cannot be played) the real by-path wipe
# is tested in tests/sessions/test_windows_files.py
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(sys.platform == "win32", reason="plays Windows' way on POSIX")]


@pytest.fixture(params=["dir-fd", "by-path"])
def way(request, monkeypatch):
    """Which way wipe works; by-path is Windows' (no folder descriptors, no O_NOFOLLOW)."""
    if request.param == "by-path":
        monkeypatch.setattr(wipe, "DIR_FDS", False)
        monkeypatch.setattr(session_file, "NOFOLLOW", False)
    return request.param


@pytest.fixture
def wipe_cli(way, monkeypatch):
    """The command line, run the chosen way: a subprocess for dir-fd, in this process for by-path."""
    if way == "dir-fd":
        return cli

    def in_process(*argv, data, cwd=None):
        monkeypatch.setattr(hostile, "SUBPROCESS", False)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return run(*argv, data=data)

    return in_process


def _session(data):
    return write_session(data / "sessions", make_events(20, 1))


def test_wipe_refuses_a_file_named_on_the_command_line(wipe_cli, data_dir, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    session = _session(data_dir)
    proc = wipe_cli("wipe", notes, "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert "not a session in" in proc.stderr
    assert notes.read_text() == "my notes\n" and session.exists()


def test_wipe_latest_means_the_data_folder_not_a_file_called_latest(wipe_cli, data_dir, tmp_path):
    decoy = tmp_path / "latest"
    decoy.write_text("not a session\n")
    session = _session(data_dir)
    proc = wipe_cli("wipe", "latest", "--yes", data=data_dir, cwd=tmp_path)
    assert_clean(proc)
    assert proc.returncode == 0 and not session.exists()
    assert decoy.read_text() == "not a session\n"


def test_wipe_a_copy_elsewhere_is_refused(wipe_cli, data_dir, tmp_path):
    session = _session(data_dir)
    copy = tmp_path / session.name
    copy.write_bytes(session.read_bytes())
    proc = wipe_cli("wipe", copy, "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert copy.exists() and session.exists()


def test_wipe_all_never_follows_links_and_skips_what_is_not_a_session(wipe_cli, data_dir, tmp_path):
    sessions = data_dir / "sessions"
    real = _session(data_dir)
    outside = tmp_path / "outside"
    outside.mkdir()
    victims = {}
    for name in ("victim.txt", "victim-db.sqlite", "victim-wal"):
        (outside / name).write_bytes(b"precious " * 100)
        victims[name] = sha256(outside / name)
    other_session = write_session(outside, make_events(5, 1))  # a real session, but not in the data folder
    victims[other_session.name] = sha256(other_session)
    os.symlink(outside / "victim.txt", sessions / "20200101T000000Z.sqlite")
    os.symlink(other_session, sessions / "20200101T000001Z.sqlite")
    os.symlink(outside / "victim-wal", sessions / f"{real.name}-wal")  # a companion that is a link
    os.symlink(outside / "victim-db.sqlite", sessions / f"{real.name}-journal")
    (sessions / "folder.sqlite").mkdir()
    os.mkfifo(sessions / "pipe.sqlite")
    foreign = sessions / "foreign.sqlite"
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE t(x)")
    foreign_hash = sha256(foreign)
    (sessions / "text.sqlite").write_text("hello")

    proc = wipe_cli("wipe", "--all", "--yes", data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert not real.exists()
    assert {n: sha256(outside / n) for n in victims} == victims
    assert sha256(foreign) == foreign_hash and (sessions / "text.sqlite").read_text() == "hello"
    assert (sessions / "folder.sqlite").is_dir() and (sessions / "pipe.sqlite").exists()
    left = proc.stdout.count("Left alone:")
    assert left == 6, proc.stdout  # two links, a folder, a FIFO, a foreign database, a text file
    assert "Deleted 1 session(s)" in proc.stdout
    assert wipe.overwrite_limits() in proc.stdout and "encryption" in wipe.overwrite_limits()


def test_wipe_a_named_link_is_refused(wipe_cli, data_dir, tmp_path):
    sessions = data_dir / "sessions"
    target = write_session(tmp_path, make_events(5, 1))
    before = sha256(target)
    os.symlink(target, sessions / "20200101T000000Z.sqlite")
    proc = wipe_cli("wipe", "20200101T000000Z", "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert "link" in proc.stderr and sha256(target) == before


def test_wipe_a_cut_recording_whose_header_is_still_in_its_wal(wipe_cli, data_dir):
    path, _ = write_killed_session(data_dir / "sessions", 30, 5)
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    proc = wipe_cli("wipe", path.stem, "--yes", data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert tree(data_dir / "sessions") == {}


def _swap_once(monkeypatch, call, when, swap):
    """Run ``swap`` once, just before the first real ``os.<call>`` for which ``when(*args)`` holds."""
    real = getattr(os, call)
    done = []

    def wrapped(*args, **kwargs):
        if not done and when(*args, **kwargs):
            done.append(True)
            swap()
        return real(*args, **kwargs)

    monkeypatch.setattr(os, call, wrapped)


def _copy_elsewhere(session, where):
    """A real session outside the data folder: its header alone would pass the session check."""
    where.mkdir(exist_ok=True)
    copy = where / session.name
    copy.write_bytes(session.read_bytes())
    return copy, sha256(copy)


def test_a_link_swapped_in_just_before_the_open_is_not_written_through(way, data_dir, tmp_path, monkeypatch):
    real = _session(data_dir)
    victim, victim_hash = _copy_elsewhere(real, tmp_path / "elsewhere")
    moved = tmp_path / "moved.sqlite"
    real_hash = sha256(real)

    def swap():
        os.replace(real, moved)
        os.symlink(victim, real)

    _swap_once(monkeypatch, "open", lambda p, flags, *a, **k: Path(p).name == real.name and flags & os.O_RDWR,
               swap)
    with pytest.raises(SessionError, match=r"link|changed while it was being opened"):
        wipe.wipe_session(real)
    assert sha256(victim) == victim_hash and sha256(moved) == real_hash  # neither was written
    assert os.readlink(real) == str(victim)


def test_a_link_swapped_in_before_the_removal_is_left_and_not_followed(way, data_dir, tmp_path, monkeypatch):
    real = _session(data_dir)
    victim, victim_hash = _copy_elsewhere(real, tmp_path / "elsewhere")
    moved = tmp_path / "moved.sqlite"

    def swap():  # after the database was zeroed, before its name is removed
        os.replace(real, moved)
        os.symlink(victim, real)

    _swap_once(monkeypatch, "ftruncate", lambda fd, size: True, swap)
    with pytest.raises(SessionError, match="changed while it was being wiped"):
        wipe.wipe_session(real)
    assert sha256(victim) == victim_hash and os.readlink(real) == str(victim)
    assert moved.stat().st_size == 0  # the file that was opened is the one overwritten


def test_the_folder_swapped_for_a_link_mid_wipe_never_reaches_the_other_folder(way, data_dir, tmp_path,
                                                                                monkeypatch):
    sessions = data_dir / "sessions"
    real = _session(data_dir)
    decoy, decoy_hash = _copy_elsewhere(real, tmp_path / "decoy")
    moved = data_dir / "moved"

    def swap():
        os.replace(sessions, moved)
        os.symlink(decoy.parent, sessions)

    _swap_once(monkeypatch, "ftruncate", lambda fd, size: True, swap)
    if way == "dir-fd":  # the folder open since the start is where the name is removed
        assert wipe.wipe_session(real) == [real]
        assert list(moved.iterdir()) == []
    else:  # by path: the folder is checked again before the removal, and the wipe stops
        with pytest.raises(SessionError, match=r"folder .* changed"):
            wipe.wipe_session(real)
        assert (moved / real.name).stat().st_size == 0
    assert sha256(decoy) == decoy_hash

