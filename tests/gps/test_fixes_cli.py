"""The `trackerscan fixes FILE [--date]` contract, through a real subprocess."""

import json
import os
import random
import subprocess
import sys

import pytest
from paths import REPO, TEST_DATA

from trackerscan.formats.nmea import ROLLOVER_FLOOR

NMEA = TEST_DATA / "nmea"
GPX = TEST_DATA / "gpx"
KEYS = ["time", "lat", "lon", "alt", "speed_mps", "hdop"]


def fixes(*args):
    out = subprocess.run([sys.executable, "-m", "trackerscan", "fixes", *map(str, args)],
                         capture_output=True, text=True, timeout=60, cwd=REPO)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("path", [NMEA / "ublox-lea-4h.log", GPX / "around-visnjan-with-car.gpx"],
                         ids=lambda p: p.name)
def test_json_lines_contract(path):
    rc, out, err = fixes(path)
    assert rc == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert objs
    for obj in objs:
        assert list(obj)[:6] == KEYS
        assert obj["time"].endswith("Z") and obj["time"][10] == "T"
        assert isinstance(obj["lat"], float) and isinstance(obj["lon"], float)
        for key in ("alt", "speed_mps", "hdop"):
            assert obj[key] is None or isinstance(obj[key], float)
    assert [o["time"] for o in objs] == sorted(o["time"] for o in objs)
    assert err.splitlines()[-1].startswith("trackerscan: ")  # the summary; before it, a line per rollover
    assert all(line.startswith("trackerscan: GPS week rollover: ") for line in err.splitlines()[:-1])


def test_ublox_values():
    _rc, out, err = fixes(NMEA / "ublox-lea-4h.log")
    first = json.loads(out.splitlines()[0])
    # RMC's 100806 (2006-08-10) is before ROLLOVER_FLOOR: read as a week-rollover victim, 1024 weeks later,
    # which is also gpsd's date for it (ublox-lea-4h.log.chk)
    assert first == {**first, "time": "2026-03-26T03:08:58Z", "lat": 49.1308885, "alt": 516.7,
                     "speed_mps": round(1.049 * 1852 / 3600, 3), "hdop": 9.97}
    assert '"time":"2026-03-26T03:08:58.000Z"' in (NMEA / "ublox-lea-4h.log.chk").read_text()
    assert abs(first["lon"] - -122.719957167) < 1e-9
    assert err.splitlines() == [
        f"trackerscan: GPS week rollover: the receiver's date 2006-08-10 is before {ROLLOVER_FLOOR}, so it "
        "is 1024 weeks late; using 2026-03-26",
        "trackerscan: 9 fixes from ublox-lea-4h.log; rejected nothing; read 9 fixes moved forward over a GPS "
        "week rollover"]


def test_summary_names_the_reasons():
    rc, out, err = fixes(NMEA / "firefly-II.log")
    assert rc == 0 and len(out.splitlines()) == 23
    assert err.strip() == "trackerscan: 23 fixes from firefly-II.log; rejected: 23 checksum errors"
    rc, out, err = fixes(NMEA / "bt451.log")
    assert "6 fixes with time going backwards" in err


def test_no_valid_fix_is_exit_0_and_empty_stdout(tmp_path):
    rc, out, err = fixes(GPX / "Mojstrovka.gpx")
    assert (rc, out) == (0, "")
    assert "184 impossible dates" in err
    empty = tmp_path / "empty.nmea"
    empty.write_bytes(b"")
    assert fixes(empty)[:2] == (0, "")
    binary = tmp_path / "noise.bin"
    # Fixed noise: random bytes that happen to start with "<" are (rightly) read as a broken GPX file.
    binary.write_bytes(random.Random(5000).randbytes(5000))
    rc, out, err = fixes(binary)
    assert (rc, out) == (0, "") and "garbage" in err and "Traceback" not in err


def test_date_for_gga_only_logs():
    rc, out, err = fixes(NMEA / "data.log")
    assert (rc, out) == (0, "") and "give --date" in err
    rc, out, err = fixes(NMEA / "data.log", "--date", "2019-04-06")
    assert rc == 0
    assert json.loads(out)["time"] == "2019-04-06T18:43:53.070Z"


@pytest.mark.parametrize("make", ["missing", "directory", "unreadable", "broken_xml"])
def test_unreadable_file_is_exit_2_and_one_line(tmp_path, make):
    path = tmp_path / "f"
    if make == "directory":
        path.mkdir()
    elif make == "unreadable":
        path.write_bytes(b"$GPRMC\r\n")
        path.chmod(0)
        if os.access(path, os.R_OK):
            path = tmp_path / "no" / "such"  # running as root: fall back to a missing directory
    elif make == "broken_xml":
        path.write_bytes(b"<?xml version='1.0'?><gpx><trk><trkseg><trkpt lat='1' lon=")
    rc, out, err = fixes(path)
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("trackerscan: ") and "Traceback" not in err


def test_bad_date_argument():
    rc, _out, err = fixes(NMEA / "data.log", "--date", "06/04/2019")
    assert rc == 2 and "YYYY-MM-DD" in err


def test_utf16_file_reads_like_the_original(tmp_path):
    src = NMEA / "myguide-3100.log"
    utf16 = tmp_path / "myguide-utf16.log"
    utf16.write_bytes(src.read_bytes().decode("ascii").encode("utf-16"))
    assert fixes(utf16)[1] == fixes(src)[1] != ""
