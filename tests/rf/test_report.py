"""The evidence report's section on an RF sweep (HTML read back; PDF text through pdftotext)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def run(*args):
    return subprocess.run([sys.executable, "-m", "trackerscan", *args], capture_output=True, text=True,
                          timeout=180)


def test_report_has_the_sweep_with_its_procedure_and_caution(tmp_path):
    assert run("rf", "sweep", "--source", f"replay:{DATA / 'rtl_power.csv'}", "--region", "uk",
               "--data-dir", str(tmp_path)).returncode == 0
    (session,) = (tmp_path / "sessions").glob("*.sqlite")
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    done = run("report", str(session), "--out", str(html_out), "--data-dir", str(tmp_path))
    assert done.returncode == 0
    # the line says what was found by what was scanned: the sweep only, no Bluetooth device count
    assert ": 1 regular transmitter(s) from the radio sweep; session SHA-256" in done.stderr
    assert "at watch or alert" not in done.stderr
    assert run("report", str(session), "--out", str(pdf_out), "--data-dir", str(tmp_path)).returncode == 0
    page = html_out.read_text()
    assert "Cellular GPS trackers (radio sweep)" in page
    assert "<h1>Cellular tracker report (radio sweep)</h1>" in page  # no Bluetooth in this session
    assert "<td>GSM 900 / LTE B8</td><td>900.0-900.2</td>" in page
    assert "flight mode" in page and "may alert whoever placed it" in page
    assert "Not swept (a tracker there cannot be seen): LTE B28, LTE B20, GSM 1800 / LTE B3." in page
    # the method page no longer says cellular trackers cannot be seen at all, only what the sweep missed
    assert "What this tool cannot see: GPS trackers with a mobile connection" not in page
    assert "a tracker that did not transmit while the sweep ran (a parked tracker may sleep for hours)" \
        in page
    text = subprocess.run(["pdftotext", str(pdf_out), "-"], capture_output=True, text=True).stdout
    assert "Cellular GPS trackers (radio sweep)" in text and "GSM 900 / LTE B8" in text


def test_a_bluetooth_session_has_no_radio_sweep_section(tmp_path):
    from trackerscan.sessions.writer import SessionWriter

    writer = SessionWriter.create(tmp_path / "sessions", 1_790_000_000.0)
    writer.close(ended=1_790_000_060.0)
    out = tmp_path / "r.html"
    done = run("report", str(writer.path), "--out", str(out), "--data-dir", str(tmp_path))
    assert done.returncode == 0 and ": 0 device(s) at watch or alert; session SHA-256" in done.stderr
    page = out.read_text()
    assert "radio sweep" not in page
    assert "<h1>Bluetooth tracker report</h1>" in page
    assert "What this tool cannot see: GPS trackers with a mobile connection" in page


def test_a_replayed_sweep_alone_has_its_own_times_and_no_bluetooth_words(tmp_path):
    import os

    env = {**os.environ, "TZ": "UTC"}

    def run_utc(*args):
        return subprocess.run([sys.executable, "-m", "trackerscan", *args], capture_output=True, text=True,
                              timeout=180, env=env)

    assert run_utc("rf", "sweep", "--source", f"replay:{DATA / 'rtl_power.csv'}", "--region", "uk",
                   "--data-dir", str(tmp_path)).returncode == 0
    (session,) = (tmp_path / "sessions").glob("*.sqlite")
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    for out in (html_out, pdf_out):
        assert run_utc("report", str(session), "--out", str(out), "--data-dir", str(tmp_path)).returncode == 0
    page = html_out.read_text()
    # the recording's first and last lines (14:13:20 to 14:17:18), not the second the replay took
    assert "Radio sweep from 2026-09-21 14:13:20 UTC to 2026-09-21 14:17:18 UTC, times as recorded" \
        in page
    assert "replayed from a file on" in page
    assert "No device travelled with you" not in page
    assert "The radio sweep found 1 transmitter(s) repeating on a schedule" in page
    # no Bluetooth method or thresholds for a session without a Bluetooth scan
    assert "Bluetooth Low Energy advertisement" not in page and "engine/thresholds.py" not in page
    assert "no Bluetooth scan" in page and "trackerscan/rf/thresholds.py" in page
    text = subprocess.run(["pdftotext", str(pdf_out), "-"], capture_output=True, text=True).stdout
    assert "No device travelled with you" not in text
    assert "Radio sweep from 2026-09-21 14:13:20 UTC" in text
    # trackerscan sessions shows the sweep's own start too
    listing = run_utc("sessions", "--data-dir", str(tmp_path), "--json")
    assert listing.returncode == 0 and '"start": "2026-09-21T14:13:20' in listing.stdout


def test_a_live_sweep_alone_says_nothing_of_a_replay(tmp_path):
    from trackerscan.rf.bands import region_bands
    from trackerscan.rf.detect import analyze
    from trackerscan.sessions.radio import record_sweep
    from trackerscan.sim.rf import build

    sc = build("tracker_10s_gsm", 0, minutes=2.0)
    result = analyze(sc.hops, region_bands("uk"))
    path = record_sweep(tmp_path / "sessions", source="tinysa:/dev/ttyACM0", region="uk", result=result,
                        started=sc.hops[0].time, first=sc.hops[0].time, last=sc.hops[-1].time)
    out = tmp_path / "r.html"
    assert run("report", str(path), "--out", str(out), "--data-dir", str(tmp_path)).returncode == 0
    page = out.read_text()
    assert "<td>Radio sweep from " in page and "replayed" not in page
    assert "radio sweep with tinysa:/dev/ttyACM0; no Bluetooth scan" in page
    assert "No device travelled with you" not in page
    assert f"The radio sweep found {len(result.transmitters)} transmitter(s)" in page
    assert len(result.transmitters) >= 1


def test_a_sweep_session_whose_start_is_out_of_range_is_one_line(tmp_path):
    """The wall-clock start of a replayed sweep (shown in its report) comes from the file: out of range,
    it is one line naming the damage, not a traceback, and the file is left as it was."""
    import sqlite3

    assert run("rf", "sweep", "--source", f"replay:{DATA / 'rtl_power.csv'}", "--region", "uk",
               "--data-dir", str(tmp_path)).returncode == 0
    (session,) = (tmp_path / "sessions").glob("*.sqlite")
    with sqlite3.connect(session) as db:
        db.execute("UPDATE meta SET value = '1e300' WHERE key = 'started'")
    db.close()
    before = session.read_bytes()
    done = run("report", str(session), "--out", str(tmp_path / "r.html"), "--data-dir", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "is damaged" in done.stderr and "1e300" in done.stderr
    assert session.read_bytes() == before and not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("notes", ["[" * 100_000, "{not json", '{"a": 1}', '["kept", 5, null]'])
def test_a_session_files_hostile_sweep_notes_are_left_out(notes):
    # the notes come from the session file's meta; a deep nesting raised RecursionError out of the report
    from trackerscan.rf.records import Coverage
    from trackerscan.rf.summary import report_section

    _rows, words = report_section([], [Coverage("LTE B20", 832_000_000, 862_000_000, 600.0)], notes, str)
    assert words[0] == "No transmitter repeating on a schedule was found."
    assert [w for w in words if w == "kept"] == (["kept"] if "kept" in notes else [])
    assert words[-1].startswith("How the sweep is done: ")
