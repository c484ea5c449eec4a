"""The kit when its sessions cannot be written: a real runner in a subprocess whose files may not grow
past a limit (RLIMIT_FSIZE: writes fail as on a full or failing SD card), replaying a real car trip
with an AirTag in the car."""

import os
import subprocess
import sys
import textwrap

from paths import REPO
from sessions.session_fixtures import car_trip_events, write_session

from trackerscan.formats.session import Session
from trackerscan.model import Sighting
from trackerscan.pi.runner import RESUME_FREE_BYTES

KIT = textwrap.dedent("""
    import asyncio, resource, signal, sys
    from trackerscan.pi.runner import KitConfig, KitRunner
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    free = int(sys.argv[4])  # the room the card reports (bytes)
    # Look for room every second instead of every minute.
    runner = KitRunner(KitConfig(ble=f"replay:{sys.argv[1]},speed=25", gps="none", data_dir=sys.argv[2]),
                       None, record_retry_s=1.0, free=lambda directory: free)
    sys.exit(asyncio.run(runner.run()))
""")


def _key(s):
    return round(s.time * 1000), s.address, s.rssi, s.adv


def run_kit(tmp_path, limit, free=1 << 40):
    events = car_trip_events()
    src = write_session(tmp_path / "input", events)
    data = tmp_path / "data"
    argv = [sys.executable, "-c", KIT, str(src), str(data), str(limit), str(free)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line.split(" ", 1)[1] for line in proc.stdout.splitlines()]
    # The engine runs on through every failure: the AirTag in the car still reaches an alert.
    assert any(line.startswith("ALERT: AirTag C1:02:03:04:05:06: ") for line in lines), proc.stdout
    return events, data, lines


def test_a_full_card_stops_the_record_not_the_alerts_and_recording_resumes(tmp_path):
    # A new session takes ~50 kB, then fills up; the card says there is room (as once the user cleared it).
    events, data, lines = run_kit(tmp_path, 120_000)
    failures = [i for i, line in enumerate(lines) if line.startswith("NOT RECORDING: ")]
    assert failures, lines
    assert "Still scanning and alerting" in lines[failures[0]]
    assert "nothing is deleted automatically" in lines[failures[0]]
    assert lines[failures[0] + 1] == "light: not recording"
    assert any(line.startswith("recording again, in a new session ") for line in lines[failures[0]:])

    paths = sorted((data / "sessions").glob("*.sqlite"))
    assert len(paths) >= 2 and not list((data / "sessions").glob("*-wal"))
    want = [_key(e) for e in events if isinstance(e, Sighting)]
    recorded = []
    for path in paths:  # every file opens: what was committed before each failure is kept
        with Session.open(path) as s:
            got = [_key(x) for x in s.sightings()]
        assert got, path.name
        recorded.append(got)
    assert recorded[0] == want[: len(recorded[0])]  # the first session: everything up to the failure
    flat = [k for got in recorded for k in got]
    assert flat == sorted(flat) and set(flat) <= set(want)  # later sessions: later stretches, in order
    assert len(flat) < len(want)  # what came while nothing could be written is not pretended to be kept


def test_a_card_too_full_for_any_session_still_alerts_and_leaves_no_broken_files(tmp_path):
    _events, data, lines = run_kit(tmp_path, 30_000)  # not even a new session's first pages fit
    failures = [line for line in lines if line.startswith("NOT RECORDING: ")]
    assert len(failures) == 1  # said once, although it is tried again every second
    assert "Cannot create the session" in failures[0]
    assert not any(line.startswith("recording") for line in lines)
    assert list((data / "sessions").iterdir()) == []  # every failed attempt was cleaned up


def test_without_room_recording_is_not_tried_again(tmp_path):
    _events, data, lines = run_kit(tmp_path, 120_000, free=RESUME_FREE_BYTES - 1)
    assert sum(line.startswith("NOT RECORDING: ") for line in lines) == 1
    assert not any(line.startswith("recording again") for line in lines)
    assert len(list((data / "sessions").glob("*.sqlite"))) == 1


async def test_a_data_folder_that_cannot_be_made_still_scans_and_says_so(tmp_path):
    import io

    from trackerscan.pi.runner import KitConfig, KitRunner

    src = write_session(tmp_path / "input", car_trip_events())
    (tmp_path / "data").write_text("a file where the data folder should be")
    out = io.StringIO()
    runner = KitRunner(KitConfig(ble=f"replay:{src},speed=0", gps="none", data_dir=str(tmp_path / "data")),
                       None, out=out)
    assert await runner.run() == 0
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines[0].startswith("NOT RECORDING: Cannot create the private folder ")
    assert ": Not a directory." in lines[0] and "[Errno" not in lines[0]
    assert any(line.startswith("ALERT: AirTag C1:02:03:04:05:06: ") for line in lines)
    assert runner.sessions == [] and (tmp_path / "data").read_text().startswith("a file")
