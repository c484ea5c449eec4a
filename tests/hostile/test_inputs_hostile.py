"""Damaged and hostile input files (NMEA, GPX, btsnoop) through `fixes` and `analyze`: one line or
success, never a traceback or a hang, and the input left as it was.  Seeded mutations of real logs."""

import random
import struct

import pytest
from hostile import MUTATIONS, assert_clean, run, tree
from paths import TEST_DATA

# every test here runs the commands (as subprocesses, or whole in this process)
pytestmark = pytest.mark.integration

NMEA_LOGS = ["haicom-305N.log", "ublox-lea-4h.log"]
GPX_FILES = ["around-visnjan-with-car.gpx"]
BTSNOOP_HEADER = 16
RECORD_HEADER = 24


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """A small simulated capture (btsnoop + NMEA) to mutate and to pair with mutated GPS logs."""
    from trackerscan.cli import main

    out = tmp_path_factory.mktemp("sim")
    assert main(["simulate", "--scenario", "walk_airtag", "--out", str(out), "--seed", "1"]) == 0
    return out / "walk_airtag.btsnoop", out / "walk_airtag.nmea"


def _mutate_text(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)[:400]
    for _ in range(rng.randrange(1, 20)):
        i = rng.randrange(len(lines))
        choice = rng.randrange(6)
        if choice == 0:
            b = bytearray(lines[i])
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
            lines[i] = bytes(b)
        elif choice == 1:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif choice == 2:
            lines.insert(i, bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
        elif choice == 3:
            lines.insert(i, b"\x1b[2J\x1b]8;;http://evil.example/\x07" + lines[i])
        elif choice == 4:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, b"$GPRMC," + b"9" * rng.randrange(10, 100_000) + b"\r\n")
    return b"".join(lines)


def _mutate_btsnoop(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data[: 200 * 60])
    for _ in range(rng.randrange(1, 30)):
        b[rng.randrange(BTSNOOP_HEADER, len(b))] = rng.randrange(256)
    return bytes(b[: rng.randrange(BTSNOOP_HEADER, len(b) + 1)]) if rng.random() < 0.3 else bytes(b)


def _judge(tmp_path, data_dir, argvs):
    before = tree(tmp_path)
    for argv in argvs:
        proc = run(*argv, data=data_dir)
        assert_clean(proc)
    assert tree(tmp_path) == before  # inputs unchanged, nothing written beside them


@pytest.mark.parametrize("seed", range(MUTATIONS))
@pytest.mark.parametrize("log", NMEA_LOGS)
def test_mutated_nmea(tmp_path, data_dir, capture, log, seed):
    path = tmp_path / "gps.nmea"
    path.write_bytes(_mutate_text((TEST_DATA / "nmea" / log).read_bytes(), random.Random(seed)))
    _judge(tmp_path, data_dir, [["fixes", path], ["analyze", "--ble", capture[0], "--gps", path, "--json"]])


GPX_HOSTILE = {
    "unknown_encoding": b'<?xml version="1.0" encoding="x-bogus"?>\n<gpx></gpx>\n',
    "utf16_declared": b'<?xml version="1.0" encoding="utf-16"?>\n<gpx></gpx>\n',
    "entity_expansion": b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
    + b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    + b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
    + b"<gpx>&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;</gpx>",
    "external_entity": b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + b"<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"1\"><time>&x;</time></trkpt></trkseg></trk></gpx>",
    "deep": b"<gpx>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</gpx>",
    "not_xml": b"\x00\x01\x02 binary",
    "control_chars_in_name": b'<gpx><trk><name>\x1b[2J</name></trk></gpx>',
    "absurd_times": b'<gpx><trk><trkseg><trkpt lat="45" lon="13"><time>9999-12-31T23:59:59Z</time></trkpt>'
    + b'<trkpt lat="45" lon="13"><time>0001-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>',
}


@pytest.mark.parametrize("name", sorted(GPX_HOSTILE))
def test_hostile_gpx(tmp_path, data_dir, capture, name):
    path = tmp_path / "track.gpx"
    path.write_bytes(GPX_HOSTILE[name])
    _judge(tmp_path, data_dir, [["fixes", path], ["analyze", "--ble", capture[0], "--gps", path, "--json"]])


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_mutated_gpx(tmp_path, data_dir, capture, seed):
    path = tmp_path / "track.gpx"
    path.write_bytes(_mutate_text((TEST_DATA / "gpx" / GPX_FILES[0]).read_bytes(), random.Random(seed)))
    _judge(tmp_path, data_dir, [["fixes", path], ["analyze", "--ble", capture[0], "--gps", path, "--json"]])


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_mutated_btsnoop(tmp_path, data_dir, capture, seed):
    path = tmp_path / "capture.btsnoop"
    path.write_bytes(_mutate_btsnoop(capture[0].read_bytes(), random.Random(seed)))
    _judge(tmp_path, data_dir, [["analyze", "--ble", path, "--gps", capture[1], "--json"],
                                ["analyze", "--ble", path]])


BTSNOOP_EPOCH_DELTA_US = 0x00DCDDB30F2F8000  # microseconds from year 0 to 1970 in btsnoop's clock


@pytest.mark.parametrize("stamp", [0, BTSNOOP_EPOCH_DELTA_US - 1, (1 << 63) + 5,
                                   BTSNOOP_EPOCH_DELTA_US + 253_402_300_800 * 10**6 + 1])
def test_btsnoop_impossible_timestamps(tmp_path, data_dir, capture, stamp):
    """A record dated year 0, before 1970, negative or in year 10000 is skipped and counted (issue #12's
    btsnoop bound, in the reader)."""
    data = bytearray(capture[0].read_bytes())
    at = BTSNOOP_HEADER + 16  # the first record's timestamp
    data[at:at + 8] = struct.pack(">Q", stamp % (1 << 64))
    path = tmp_path / "capture.btsnoop"
    path.write_bytes(bytes(data))
    _judge(tmp_path, data_dir, [["analyze", "--ble", path, "--gps", capture[1], "--json"]])
