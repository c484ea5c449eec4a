"""RF sweeps recorded in a session, and sessions without them still read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from trackerscan.formats.session import Session
from trackerscan.sessions.writer import SessionWriter

DATA = Path(__file__).parent / "data"


def test_sweep_records_what_it_found_in_a_private_session(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trackerscan", "rf", "sweep", "--source",
                           f"replay:{DATA / 'rtl_power.csv'}", "--json", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (path,) = (tmp_path / "sessions").glob("*.sqlite")
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    with Session.open(path) as s:
        found, covered = s.rf_results()
        meta = s.meta()
    assert [(t.band, t.low_hz, t.high_hz, t.bursts) for t in found] == [
        (t["band"], t["low_hz"], t["high_hz"], t["bursts"]) for t in doc["transmitters"]]
    assert [(c.band, c.low_hz, c.seconds) for c in covered] == [
        (c["band"], c["low_hz"], c["seconds"]) for c in doc["coverage"]]
    assert meta["rf"].startswith("replay:") and json.loads(meta["rf_notes"]) == doc["notes"]


def test_a_session_without_rf_tables_opens_and_has_no_rf_results(tmp_path):
    writer = SessionWriter.create(tmp_path, 1_790_000_000.0)
    writer.close(ended=1_790_000_060.0)
    with Session.open(writer.path) as s:
        assert s.rf_results() == ([], [])
        tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "rf_transmitter" not in tables


def test_no_session_flag_records_nothing(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trackerscan", "rf", "sweep", "--source",
                           f"replay:{DATA / 'rtl_power.csv'}", "--no-session", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert not (tmp_path / "sessions").exists()
