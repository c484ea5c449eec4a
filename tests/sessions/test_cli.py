"""The session commands as a user runs them: sessions, export, report; bad files give one line."""

import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest
from paths import REPO
from session_fixtures import T0, car_trip_events, make_events, write_session


def _cli(*argv, data_dir):
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "trackerscan", *argv], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "data"
    write_session(d / "sessions", car_trip_events(), started=1608272150.0)
    write_session(d / "sessions", make_events(30, 1), started=T0)
    return d


def test_sessions_lists_both(data):
    proc = _cli("sessions", "--json", data_dir=data)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["name"] for r in rows] == ["20201218T061550Z", "20251123T121320Z"]
    car = rows[0]
    assert car["start"] == "2020-12-18T06:15:50Z" and car["end"] == "2020-12-18T06:24:24Z"
    assert 2000 < car["distance_m"] < 3000  # gpxpy's notes: ~2.7 km
    assert car["devices"] == 2 and car["finished"] is True
    table = _cli("sessions", data_dir=data)
    assert table.returncode == 0
    assert "20201218T061550Z" in table.stdout and "km" in table.stdout


def test_export_csv_to_file_private(data, tmp_path):
    out = tmp_path / "s.csv"
    proc = _cli("export", "20201218", "--format", "csv", "--out", str(out), data_dir=data)
    assert proc.returncode == 0, proc.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    lines = out.read_text().splitlines()
    assert lines[0].startswith("time_utc,time,address")
    assert "Wrote" in proc.stderr and str(len(lines) - 1) in proc.stderr


def test_export_to_stick(data, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    assert _cli("report", "latest", data_dir=data).returncode == 0  # into the reports folder
    proc = _cli("export", "--to", str(stick), data_dir=data)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (stick / "trackerscan").rglob("*") if p.is_file())
    assert names == ["20201218T061550Z.sqlite", "20251123T121320Z.pdf", "20251123T121320Z.sqlite",
                     "SHA256SUMS"]


@pytest.mark.parametrize("kind", ["random", "foreign", "future", "missing"])
@pytest.mark.parametrize("command", [["report", "{p}", "--out", "{o}"], ["export", "{p}"],
                                     ["analyze", "{p}"]])
def test_bad_session_one_line_exit_2_untouched(tmp_path, kind, command):
    p = tmp_path / "bad.sqlite"
    if kind == "random":
        p.write_bytes(random.Random(3000).randbytes(3000))
    elif kind == "foreign":
        c = sqlite3.connect(p)
        c.execute("CREATE TABLE notes(x)")
        c.commit()
        c.close()
    elif kind == "future":
        w = write_session(tmp_path, make_events(5, 1))
        c = sqlite3.connect(w)
        c.execute("PRAGMA user_version = 99")
        c.commit()
        c.close()
        w.rename(p)
        for side in tmp_path.glob("*-*"):
            side.unlink()
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    argv = [a.format(p=p, o=tmp_path / "r.pdf") for a in command]
    proc = _cli(*argv, data_dir=tmp_path / "data")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trackerscan: ") and "Traceback" not in proc.stderr
    if kind == "future":
        assert "update trackerscan" in lines[0]
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before


def test_sessions_lists_a_damaged_file_and_leaves_it(tmp_path):
    data = tmp_path / "data"
    good = write_session(data / "sessions", make_events(10, 1))
    bad = data / "sessions" / "20200101T000000Z.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + random.Random(2000).randbytes(2000))
    before = bad.read_bytes()
    proc = _cli("sessions", data_dir=data)
    assert proc.returncode == 0
    assert "unreadable" in proc.stdout and good.stem in proc.stdout
    assert bad.read_bytes() == before


def test_building_the_parser_imports_no_heavy_library():
    """Every command builds the whole parser (all subcommand modules): none may pull in the PDF, GUI,
    Bluetooth, numpy, terminal or asyncio libraries, which the commands import when they run."""
    code = ("import sys; from trackerscan.cli import build_parser; build_parser(); "
            "print(' '.join(m for m in ('reportlab', 'numpy', 'rich', 'bleak', 'bumble', 'dbus_fast', "
            "'PyQt6', 'asyncio', 'sqlite3', 'xml.etree.ElementTree') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == []


def test_export_format_choices_match_the_exporter():
    from trackerscan.cli.export import FORMATS as CLI_FORMATS
    from trackerscan.sessions.export import FORMATS

    assert CLI_FORMATS == FORMATS
