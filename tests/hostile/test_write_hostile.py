"""Writes to a stick or an --out path: never through a planted link, never onto an input, never into
a missing folder or onto a folder; folders 0700, files 0600; reading never changes a session."""

import os
import shutil
import stat

import pytest
from hostile import assert_clean, cli, sha256, tree
from paths import TESTS
from session_fixtures import make_alert, make_events, write_killed_session, write_session

# every test here runs the commands (as subprocesses, or whole in this process)
pytestmark = pytest.mark.integration


def _mode(p):
    return stat.S_IMODE(os.lstat(p).st_mode)


@pytest.fixture
def session(data_dir):
    # recorded in 2025: its bystanders are far past the 24 h retention, so any retention step would change it
    return write_session(data_dir / "sessions", make_events(60, 2), [make_alert()])


def test_export_to_a_stick_with_planted_links(data_dir, session, tmp_path):
    stick, outside = tmp_path / "stick", tmp_path / "outside"
    (stick / "trackerscan" / "sessions").mkdir(parents=True)
    outside.mkdir()
    for name in ("sums", "part", "copy"):
        (outside / name).write_text("precious\n")
    before = tree(outside)
    os.symlink(outside / "sums", stick / "trackerscan" / "SHA256SUMS")
    os.symlink(outside / "part", stick / "trackerscan" / "sessions" / f".{session.name}.part")
    os.symlink(outside / "copy", stick / "trackerscan" / "sessions" / session.name)  # the copy's own name
    proc = cli("export", "--to", stick, data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert tree(outside) == before
    sums = stick / "trackerscan" / "SHA256SUMS"
    assert not sums.is_symlink() and _mode(sums) == 0o600
    copy = stick / "trackerscan" / "sessions" / session.name
    assert not copy.is_symlink()
    assert f"{sha256(copy)}  sessions/{session.name}" in sums.read_text()
    assert _mode(copy) == 0o600 and _mode(copy.parent) == 0o700 and _mode(stick / "trackerscan") == 0o700


def test_export_to_a_stick_whose_folder_is_a_link(data_dir, session, tmp_path):
    stick, outside = tmp_path / "stick", tmp_path / "outside"
    stick.mkdir()
    outside.mkdir()
    os.symlink(outside, stick / "trackerscan")
    proc = cli("export", "--to", stick, data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert tree(outside) == {}


def test_data_folder_created_private(tmp_path):
    data = tmp_path / "new-data"
    elsewhere = write_session(tmp_path / "elsewhere", make_events(5, 1))
    proc = cli("report", elsewhere, data=data)  # the default --out is in the data folder's reports
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert _mode(data) == 0o700 and _mode(data / "reports") == 0o700


@pytest.mark.parametrize("argv", [
    ["export", "latest", "--out", "{session}"],
    ["report", "latest", "--out", "{html}"],
    ["export", "latest", "--out", "{missing}/x.csv"],
    ["report", "latest", "--out", "{missing}/x.pdf"],
    ["export", "latest", "--out", "{folder}"],
    ["report", "latest", "--out", "{folder}.pdf"],
])
def test_bad_out_paths_get_one_line_and_change_nothing(data_dir, session, tmp_path, argv):
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir.pdf").mkdir()
    html = data_dir / "sessions" / "copy.html"
    os.link(session, html)  # the session under another name: still an input
    values = {"session": session, "html": html, "missing": tmp_path / "missing", "folder": tmp_path / "dir"}
    before = tree(tmp_path)
    proc = cli(*[a.format(**values) for a in argv], data=data_dir)
    assert_clean(proc, allow_ok=False)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", [["export", "{s}", "--format", "csv"], ["report", "{s}"]])
def test_out_never_writes_through_a_planted_part_link(data_dir, session, tmp_path, command):
    out = tmp_path / ("out.csv" if command[0] == "export" else "out.pdf")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(victim, tmp_path / f".{out.name}.part")
    proc = cli(*[a.format(s=session) for a in command], "--out", out, data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n" and _mode(out) == 0o600


READERS = [
    ["sessions"],
    ["sessions", "--json"],
    ["analyze", "{s}"],
    ["analyze", "{s}", "--json"],
    ["report", "{s}", "--out", "{out}/r.pdf"],
    ["report", "{s}", "--out", "{out}/r.html"],
    ["export", "{s}", "--format", "csv"],
    ["export", "{s}", "--format", "json"],
    ["export", "{s}", "--format", "gpx", "--out", "{out}/t.gpx"],
    ["export", "{s}", "--format", "kml"],
    ["export", "{s}", "--format", "geojson"],
]


OLD_SESSION = TESTS / "sessions" / "data" / "format1-20251123T121320Z.sqlite"


@pytest.mark.parametrize("where", ["data", "copy", "killed", "earlier_version"])
def test_reading_never_changes_a_session(data_dir, session, tmp_path, where):
    """Hash before and after every read-only command: in the data folder, a copy kept elsewhere (a stick),
    a cut recording kept elsewhere (its -wal is read, not folded in), and a session written before #12."""
    if where == "earlier_version":
        watched = data_dir / "sessions"
        target = watched / OLD_SESSION.name.removeprefix("format1-")
        session.unlink()
        shutil.copy(OLD_SESSION, target)
        assert sha256(target) == sha256(OLD_SESSION)
    elif where == "data":
        target, watched = session, data_dir / "sessions"
    elif where == "copy":
        watched = tmp_path / "stick"
        watched.mkdir()
        target = watched / session.name
        target.write_bytes(session.read_bytes())
        os.chmod(target, 0o600)
    else:
        watched = tmp_path / "stick"
        target, _ = write_killed_session(watched, 30, 2)
    out = tmp_path / "out"
    out.mkdir()
    before = tree(watched)
    for argv in READERS:
        proc = cli(*[a.format(s=target, out=out) for a in argv], data=data_dir)
        assert_clean(proc)
        assert proc.returncode == 0, (argv, proc.stderr)
        assert tree(watched) == before, argv
