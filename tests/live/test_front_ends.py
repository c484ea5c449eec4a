"""Every front end records through `trackerscan.live.LiveSession`: same metadata, retention on close.

Each front end replays the same recording (a walk with a bystander's phone) at 20x into a fresh data
folder, with a retention period of 0 hours, so that bystanders' sightings older than the session's
own length are already due when it closes: finding them reduced to counts shows retention ran on
close, in that front end.
"""

import asyncio
import io
import os
import subprocess
import sys
import time

from paths import REPO
from sessions.session_fixtures import make_events, write_session

from trackerscan.formats.session import Session
from trackerscan.live import META_KEYS
from trackerscan.pi.runner import KitConfig, KitRunner

PHONE = "5A:11:22:33:44:55"  # the bystander of make_events
AIRTAG = "C1:02:03:04:05:06"
SECONDS = 60  # recorded seconds, replayed in 3 s
SPEED = 20


def _recording(tmp_path):
    return write_session(tmp_path / "input", make_events(SECONDS, 5))


def _only_session(data_dir):
    (path,) = (data_dir / "sessions").glob("*.sqlite")
    return path


def _check(path, front_end):
    """The session is closed, carries every metadata key, and retention reduced the bystander."""
    with Session.open(path) as s:
        meta = s.meta()
        phone = [x for x in s.sightings() if x.address == PHONE]
        airtag = [x for x in s.sightings() if x.address == AIRTAG]
        counted = s.conn.execute("SELECT count(*) FROM sighting_count").fetchone()[0]
    assert "ended" in meta, meta
    assert meta["front_end"] == front_end
    assert set(META_KEYS) <= set(meta), set(META_KEYS) - set(meta)
    assert meta["retention_hours"] == "0.0"
    assert int(meta["retention_reduced"]) > 0 and counted >= 1  # the bystander's oldest sightings
    assert 0 < len(phone) < SECONDS * 5  # ... reduced to counts, the newest kept
    assert len(airtag) == SECONDS // 2  # a tracker's sightings are evidence: all kept
    return meta


def _cli(tmp_path, src):
    data = tmp_path / "cli"
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data), PYTHONPATH=str(REPO), TRACKERSCAN_KEEP_HOURS="0")
    scan = [sys.executable, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed={SPEED}", "--plain"]
    proc = subprocess.run(scan, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _check(_only_session(data), "cli")


def _pi(tmp_path, src):
    data = tmp_path / "pi"
    runner = KitRunner(KitConfig(ble=f"replay:{src},speed={SPEED}", gps="none", data_dir=str(data),
                                 keep_hours=0.0), None, out=io.StringIO())
    assert asyncio.run(runner.run()) == 0
    assert runner.sessions == [_only_session(data)]
    return _check(runner.sessions[0], "pi kit")


def _gui(tmp_path, src, monkeypatch):
    from trackerscan_gui.sessions import start_live
    from trackerscan_gui.settings import Settings

    monkeypatch.setenv("TRACKERSCAN_KEEP_HOURS", "0")
    data = tmp_path / "gui"
    runner = start_live(Settings(ble_source=f"replay:{src},speed={SPEED}"), str(data))
    try:
        deadline = time.monotonic() + 60
        while runner.status.ble_state != "finished" or runner.status.recording:
            assert time.monotonic() < deadline, runner.status
            time.sleep(0.05)
        assert runner.status.sightings == SECONDS * 5 + SECONDS // 2  # the window reads the core's status
    finally:
        runner.stop()
    return _check(_only_session(data), "gui")


def test_each_front_end_applies_retention_and_writes_the_same_metadata_keys(tmp_path, monkeypatch):
    src = _recording(tmp_path)
    metas = [_cli(tmp_path, src), _pi(tmp_path, src), _gui(tmp_path, src, monkeypatch)]
    keys = [set(m) for m in metas]
    assert keys[0] == keys[1] == keys[2], [k ^ keys[0] for k in keys]
    assert [m["pid"] != "" for m in metas] == [True, True, False]  # `trackerscan place` signals no window
