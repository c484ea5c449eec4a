"""`wipe` deletes sessions kept in the data folder and nothing else: not a file named on the command
line, not what a link points to, not a folder or a FIFO named like a session."""

import os
import sqlite3

import pytest
from hostile import assert_clean, cli, sha256, tree
from session_fixtures import make_events, write_killed_session, write_session

# every test here runs the commands (as subprocesses, or whole in this process)
pytestmark = pytest.mark.integration


def _session(data):
    return write_session(data / "sessions", make_events(20, 1))


def test_wipe_refuses_a_file_named_on_the_command_line(data_dir, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    session = _session(data_dir)
    proc = cli("wipe", notes, "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert "not a session in" in proc.stderr
    assert notes.read_text() == "my notes\n" and session.exists()


def test_wipe_latest_means_the_data_folder_not_a_file_called_latest(data_dir, tmp_path):
    decoy = tmp_path / "latest"
    decoy.write_text("not a session\n")
    session = _session(data_dir)
    proc = cli("wipe", "latest", "--yes", data=data_dir, cwd=tmp_path)
    assert_clean(proc)
    assert proc.returncode == 0 and not session.exists()
    assert decoy.read_text() == "not a session\n"


def test_wipe_a_copy_elsewhere_is_refused(data_dir, tmp_path):
    session = _session(data_dir)
    copy = tmp_path / session.name
    copy.write_bytes(session.read_bytes())
    proc = cli("wipe", copy, "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert copy.exists() and session.exists()


def test_wipe_all_never_follows_links_and_skips_what_is_not_a_session(data_dir, tmp_path):
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

    proc = cli("wipe", "--all", "--yes", data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert not real.exists()
    assert {n: sha256(outside / n) for n in victims} == victims
    assert sha256(foreign) == foreign_hash and (sessions / "text.sqlite").read_text() == "hello"
    assert (sessions / "folder.sqlite").is_dir() and (sessions / "pipe.sqlite").exists()
    left = proc.stdout.count("Left alone:")
    assert left == 6, proc.stdout  # two links, a folder, a FIFO, a foreign database, a text file
    assert "Deleted 1 session(s)." in proc.stdout


def test_wipe_a_named_link_is_refused(data_dir, tmp_path):
    sessions = data_dir / "sessions"
    target = write_session(tmp_path, make_events(5, 1))
    before = sha256(target)
    os.symlink(target, sessions / "20200101T000000Z.sqlite")
    proc = cli("wipe", "20200101T000000Z", "--yes", data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert "link" in proc.stderr and sha256(target) == before


def test_wipe_a_cut_recording_whose_header_is_still_in_its_wal(data_dir):
    path, _ = write_killed_session(data_dir / "sessions", 30, 5)
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    proc = cli("wipe", path.stem, "--yes", data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert tree(data_dir / "sessions") == {}
