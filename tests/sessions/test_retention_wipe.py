"""Retention (bystanders reduced to counts, evidence kept) and wipe (overwritten, side files too)."""

import subprocess
import sys

import pytest
from paths import REPO
from session_fixtures import (
    AIRTAG_ADV,
    PHONE_ADV,
    T0,
    make_alert,
    make_events,
    write_killed_session,
    write_session,
)

from trackerscan.errors import SessionError
from trackerscan.formats.session import Session
from trackerscan.model import AddressType, Level, LevelChange, Sighting
from trackerscan.sessions.retention import apply_retention, keep_hours
from trackerscan.sessions.wipe import wipe_session
from trackerscan.sessions.writer import SessionWriter

DAY = 86400.0
WATCHED_ADV = bytes.fromhex("0bff750042040180600a1b2c")  # a non-tracker with a fixed address


def _session(tmp_path):
    events = make_events(120, 5)
    watched = [Sighting(T0 + i, "F0:AA:BB:CC:DD:EE", AddressType.RANDOM, -66, WATCHED_ADV, "hci0")
               for i in range(0, 120, 3)]
    events = sorted(events + watched, key=lambda e: e.time)
    change = LevelChange(T0 + 100, "dev-2", Level.WATCH, None, ("F0:AA:BB:CC:DD:EE",), (), T0, T0 + 100,
                         2, 160.0, 100.0, "A device of unknown kind was with you at 2 places.")
    return write_session(tmp_path, events, [make_alert(), change]), events


def _addresses(path):
    with Session.open(path) as s:
        return {x.address for x in s.sightings()}


def test_young_sessions_are_left_alone(tmp_path):
    path, _ = _session(tmp_path)
    before = _addresses(path)
    result = apply_retention(path, now=T0 + 3600)  # notes the retention period in the session
    assert result.reduced_sightings == 0 and _addresses(path) == before
    with Session.open(path) as s:
        assert s.meta()["retention_hours"] == "24.0"
    settled = path.read_bytes()
    apply_retention(path, now=T0 + 7200)
    assert path.read_bytes() == settled


def test_bystanders_reduced_to_counts_evidence_kept(tmp_path):
    path, events = _session(tmp_path)
    phone = [e for e in events if isinstance(e, Sighting) and e.address.startswith("5A")]
    result = apply_retention(path, now=T0 + DAY + 200)
    assert result.reduced_sightings == len(phone) and result.reduced_addresses == 1
    assert _addresses(path) == {"C1:02:03:04:05:06", "F0:AA:BB:CC:DD:EE"}  # tracker and watched device
    with Session.open(path) as s:
        (row,) = s.conn.execute("SELECT n, first_ms, last_ms, rssi_min, rssi_max FROM sighting_count")
        assert row == (len(phone), round(phone[0].time * 1000), round(phone[-1].time * 1000),
                       min(p.rssi for p in phone), max(p.rssi for p in phone))
        assert s.meta()["retention_hours"] == "24.0"
        assert s.meta()["retention_complete"] == "24.0"  # all of it is past 24 h: later passes do nothing
        assert len(list(s.fixes())) == 120  # the user's own track is not a bystander's
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PHONE_ADV not in data  # overwritten, not left in free pages
    assert AIRTAG_ADV in data
    again = path.read_bytes()
    assert apply_retention(path, now=T0 + 2 * DAY).reduced_sightings == 0
    assert path.read_bytes() == again  # nothing left to reduce: the file (and its SHA-256) is unchanged


def test_retention_can_be_switched_off(tmp_path, monkeypatch):
    path, _ = _session(tmp_path)
    monkeypatch.setenv("TRACKERSCAN_KEEP_HOURS", "-1")
    assert apply_retention(path, now=T0 + 10 * DAY) is None
    assert "5A:11:22:33:44:55" in _addresses(path)


@pytest.mark.parametrize("text", ["nan", "NaN", "soon", "²"])
def test_a_keep_hours_that_is_no_number_is_one_sentence_and_keeps_everything(tmp_path, monkeypatch, text):
    # NaN used to be taken: no sighting is older than NaN hours, so nothing was ever reduced, silently
    path, _ = _session(tmp_path)
    monkeypatch.setenv("TRACKERSCAN_KEEP_HOURS", text)
    with pytest.raises(SessionError, match="is not a number of hours") as err:
        apply_retention(path, now=T0 + 10 * DAY)
    assert "\n" not in str(err.value)
    assert "5A:11:22:33:44:55" in _addresses(path)
    with pytest.raises(SessionError, match="--keep-hours must be a number of hours"):
        keep_hours(float("nan"))


def test_retention_waits_while_recording(tmp_path):
    w = SessionWriter.create(tmp_path, T0)
    for e in make_events(10, 2):
        w.add(e)
    w.flush()
    assert apply_retention(w.path, now=T0 + 3 * DAY) is None
    w.close(T0 + 10)


def test_wipe_overwrites_and_removes_side_files(tmp_path):
    path, _ = write_killed_session(tmp_path, 30, 5)  # a cut recording: -wal and -shm beside it
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    removed = wipe_session(path)
    assert path in removed and len(removed) == 3
    assert list(tmp_path.iterdir()) == []


def test_readers_leave_no_side_files(tmp_path):
    path, _ = _session(tmp_path)
    with Session.open(path) as s:
        s.counts()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_wipe_refuses_a_recording_session(tmp_path):
    w = SessionWriter.create(tmp_path, T0)
    with pytest.raises(SessionError, match="being recorded"):
        wipe_session(w.path)
    w.close(T0 + 1)


def _cli(*argv, data_dir, stdin=None):
    import os

    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "trackerscan", *argv], env=env, capture_output=True,
                          text=True, input=stdin, timeout=120)


def test_wipe_cli_asks_first(tmp_path):
    data = tmp_path / "data"
    path = write_session(data / "sessions", make_events(10, 1))
    refused = _cli("wipe", "--all", data_dir=data, stdin="no\n")
    assert refused.returncode == 2 and "--yes" in refused.stderr  # not a terminal: never deletes unasked
    assert path.exists()
    done = _cli("wipe", "--all", "--yes", data_dir=data)
    assert done.returncode == 0, done.stderr
    assert not path.exists() and list((data / "sessions").iterdir()) == []
