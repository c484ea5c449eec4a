"""Bounds on what a btsnoop log can make the reader do (issue #12): impossible record times are skipped and
counted, never a crash downstream."""

import json
import os
import subprocess
import sys
from calendar import timegm

import pytest
from analyze.captures import T0, file_header, legacy, record
from paths import REPO

from trackerscan.cli import main
from trackerscan.formats import btsnoop
from trackerscan.formats.btsnoop import EPOCH_DELTA_US, parse_btsnoop

A6 = bytes.fromhex("a4253d086dfb")
DATA = bytes.fromhex("1eff4c001219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0")


def _us(year, *rest):
    return (timegm((year, *rest, 0, 0, 0, 0, 0, 0)[:9]) * 1_000_000) + EPOCH_DELTA_US


YEAR_10000_US = 10_000 * 366 * 86_400 * 1_000_000  # past 9999-12-31 whatever the calendar


@pytest.mark.parametrize(
    "ts",
    [0, -1, -(2**63), _us(1990, 1, 1) - 1, _us(2100, 1, 1), YEAR_10000_US, 2**63 - 1],
    ids=["zero", "negative", "most-negative", "1989", "2100", "year-10000", "largest"],
)
@pytest.mark.parametrize("datalink", [1002, 2001])
def test_an_impossible_time_is_a_skipped_record(ts, datalink):
    log = file_header(datalink)
    log += record(datalink, T0, legacy(A6, DATA))
    log += record(datalink, 0, legacy(A6, DATA), ts=ts)
    log += record(datalink, T0 + 1, legacy(A6, DATA))
    sightings, stats = parse_btsnoop(log)
    assert [s.time for s in sightings] == [T0, T0 + 1]
    assert (stats.records, stats.skipped, stats.adverts) == (3, 1, 2)


def test_the_bounds_themselves_are_read():
    first, last = _us(1990, 1, 1), _us(2100, 1, 1) - 1
    log = file_header(1002) + b"".join(record(1002, 0, legacy(A6, DATA), ts=ts) for ts in (first, last))
    sightings, stats = parse_btsnoop(log)
    assert [s.time for s in sightings] == [(first - EPOCH_DELTA_US) / 1e6, (last - EPOCH_DELTA_US) / 1e6]
    assert stats.skipped == 0


@pytest.mark.parametrize("datalink", [1002, 2001, 1001])
def test_impossible_times_in_numpy_chunks_agree_with_the_careful_parser(datalink, monkeypatch):
    """Bad times inside long runs of reports (the numpy path) are skipped exactly as record by record."""
    log = bytearray(file_header(datalink))
    bad = {100, 101, 2500, 2999}
    for i in range(3000):
        ts = (0, -5, YEAR_10000_US, 1)[i % 4] if i in bad else None
        log += record(datalink, T0 + i * 0.01, legacy(bytes([i % 50]) + A6[1:], DATA[: i % 32]), ts=ts)
    vector = parse_btsnoop(bytes(log))
    monkeypatch.setattr(btsnoop, "VECTOR_MIN_RECORDS", 10**9)
    scalar = parse_btsnoop(bytes(log))
    assert vector == scalar
    sightings, stats = vector
    assert len(sightings) == 3000 - len(bad) and stats.skipped == len(bad) and stats.records == 3000


def _bad_time_capture(tmp_path):
    path = tmp_path / "bad-times.btsnoop"
    log = file_header(1002) + record(1002, T0, legacy(A6, DATA))
    for ts in (0, -5, YEAR_10000_US):
        log += record(1002, 0, legacy(A6, DATA), ts=ts)
    path.write_bytes(log + record(1002, T0 + 60, legacy(A6, DATA)))
    return path


def test_analyze_of_impossible_times_says_how_many_were_skipped(tmp_path, capsys):
    path = _bad_time_capture(tmp_path)
    assert main(["analyze", "--ble", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "2026-05-04T08:00:00Z" in out and "Traceback" not in err
    assert "3 damaged or cut-off Bluetooth records were skipped" in err
    assert main(["analyze", "--ble", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stats"]["adverts"] == 2 and result["stats"]["skipped_records"] == 3
    assert (result["stats"]["first_seen"], result["stats"]["last_seen"]) == ("2026-05-04T08:00:00Z",
                                                                              "2026-05-04T08:01:00Z")


def test_a_replayed_capture_with_impossible_times_leaves_sessions_readable(tmp_path):
    """Replayed into a session by `scan`, the bad records never reach the store, so `sessions` lists it."""
    path = _bad_time_capture(tmp_path)
    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = [sys.executable, "-m", "trackerscan"]
    scan = subprocess.run([*run, "scan", "--ble", f"replay:{path},speed=0", "--plain", "--data-dir", data],
                          env=env, capture_output=True, text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    listed = subprocess.run([*run, "sessions", "--json", "--data-dir", data], env=env, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    (session,) = json.loads(listed.stdout)
    assert session["sightings"] == 2
