"""`trackerscan scan` with a receiver on a pty (`nmea:`): a u-blox ZED-F9P's NMEA 4.11 output and a
week-rollover victim reach the recorded session with their positions and the right dates."""

import os
import subprocess
import sys

import pytest
from gps_helpers import log_lines, rollover_victim
from paths import REPO

from trackerscan.formats.nmea import NmeaReader
from trackerscan.formats.session import Session
from trackerscan.model import AddressType, Fix, Sighting, SourceEventKind
from trackerscan.sessions.writer import SessionWriter
from trackerscan.timeutil import iso_utc

T0 = 1_763_900_000.0  # 2025-11-23T12:13:20Z: when the Bluetooth replay was "recorded"
FLAGS = bytes.fromhex("020106")  # one AD structure: flags


def ble_replay(directory, seconds=20):
    """A Bluetooth source to scan beside the GPS: one device heard twice a second, replayed."""
    w = SessionWriter.create(directory, T0, {"sensitivity": "medium", "ble": "test", "gps": "none"})
    for i in range(seconds * 2):
        w.add(Sighting(T0 + i / 2, "5A:11:22:33:44:55", AddressType.RANDOM, -70, FLAGS, "hci0", True))
    w.close(ended=T0 + seconds, meta={})
    return w.path


def offline(lines):
    reader = NmeaReader()
    records = reader.feed(b"\r\n".join(lines) + b"\r\n") + reader.finish()
    return [r for r in records if isinstance(r, Fix)]


def scan_with(pty, tmp_path, lines):
    data = tmp_path / "data"
    src = ble_replay(tmp_path / "ble")
    pty.write_lines(lines, pace_s=0.0005, delay_s=2.0)
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data), PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed=1", "--gps",
         f"nmea:{pty.path},9600", "--duration", "6", "--plain"],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (path,) = (data / "sessions").glob("*.sqlite")
    with Session.open(path) as s:
        return list(s.fixes()), list(s.source_events())


@pytest.mark.parametrize("name,lines,day", [
    ("NMEA 4.11 (ZED-F9P)", log_lines("ublox-zed-f9p_hpg1.11.log")[:2500], "2019-04-12"),
    ("week rollover (gp-320fw as 1999-08-21)", rollover_victim("gp-320fw-2019-04-06-overflow.log"),
     "2019-04-06"),
], ids=["nmea411", "rollover"])
def test_receiver_on_a_pty_into_a_session(pty, tmp_path, name, lines, day):
    fixes, events = scan_with(pty, tmp_path, lines)
    want = offline(lines)
    assert len(fixes) >= 10, name
    # pyserial empties the port's buffer when it opens it: the session starts at the first cycle read
    start = [f.time for f in want].index(fixes[0].time)
    got = [(f.time, f.lat, f.lon) for f in fixes]
    assert got == [(f.time, f.lat, f.lon) for f in want[start : start + len(fixes)]]
    assert all(iso_utc(f.time).startswith(day) for f in fixes)
    assert all(f.source == f"nmea:{pty.path}" for f in fixes)
    details = [e.detail for e in events]
    if "rollover" in name:
        assert any(d.startswith("GPS week rollover: the receiver's date 1999-08-21") for d in details)
    # 2019 is before this release: the system clock is not set back to it, and the session says so
    offsets = [e for e in events if e.kind is SourceEventKind.CLOCK_OFFSET]
    assert len(offsets) == 1 and offsets[0].value is None
    assert "before this trackerscan's release" in offsets[0].detail
