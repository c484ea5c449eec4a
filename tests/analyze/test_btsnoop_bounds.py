"""Bounds on what a btsnoop log can make the reader do (issue #12): impossible record times are skipped and
counted, never a crash downstream; fragment chains are capped at 1650 bytes and reassembled in linear time."""

import json
import os
import subprocess
import sys
import tracemalloc
from calendar import timegm

import pytest
from analyze.captures import T0, extended, file_header, legacy, record
from paths import REPO

from trackerscan.cli import main
from trackerscan.formats.btsnoop import reader, vector
from trackerscan.formats.btsnoop.reader import parse_btsnoop
from trackerscan.formats.btsnoop.records import ADV_DATA_MAX, EPOCH_DELTA_US, PENDING_MAX

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
    vectorized = parse_btsnoop(bytes(log))
    monkeypatch.setattr(vector, "VECTOR_MIN_RECORDS", 10**9)
    scalar = parse_btsnoop(bytes(log))
    assert vectorized == scalar
    sightings, stats = vectorized
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


def _chain(count, a6=A6, sid=0, size=229):
    """One advertiser's data in ``count`` fragments, the last one completing it; fragment i is byte i."""
    return [extended(a6, bytes([i % 256]) * size, status=0 if i == count - 1 else 1, sid=sid)
            for i in range(count)]


def test_8000_fragments_reassemble_capped_in_bounded_memory_and_one_pass(monkeypatch):
    """The old reader joined each fragment onto a new copy of the chain: quadratic time, 1.8 MB chains.
    Nor may the numpy look-ahead start again at every fragment (each look-ahead reads far ahead)."""
    log = file_header(1002) + b"".join(record(1002, T0 + i * 1e-3, e) for i, e in enumerate(_chain(8000)))
    walks = []
    real = reader.vector_walk
    monkeypatch.setattr(reader, "vector_walk", lambda *a: walks.append(a[2]) or real(*a))
    tracemalloc.start()
    try:
        sightings, stats = parse_btsnoop(log)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(walks) <= 2  # the chain is read through by the careful parser in one go
    (s,) = sightings
    expected = b"".join(bytes([i]) * 229 for i in range(8))[:ADV_DATA_MAX]
    assert s.adv == expected and s.time == T0 + 7.999
    assert (stats.records, stats.skipped, stats.adverts) == (8000, 0, 1)
    # the log is copied once (parse_btsnoop takes bytes); the chain never holds more than 1650 bytes
    assert peak < len(log) + 1_000_000


def test_interleaved_chains_each_reassemble_and_a_short_one_is_whole():
    a, b = _chain(3, sid=1), _chain(9, a6=A6[::-1], size=200)
    events = [a[0], b[0], a[1], b[1], b[2], a[2], *b[3:]]
    log = file_header(2001) + b"".join(record(2001, T0 + i, e) for i, e in enumerate(events))
    sightings, _ = parse_btsnoop(log)
    assert [len(s.adv) for s in sightings] == [3 * 229, ADV_DATA_MAX]
    assert sightings[0].adv == bytes(229) + bytes([1]) * 229 + bytes([2]) * 229
    assert sightings[1].adv == b"".join(bytes([i]) * 200 for i in range(9))[:ADV_DATA_MAX]


def test_chains_never_finished_are_bounded_the_oldest_dropped():
    """PENDING_MAX + 10 chains started and left open, then finished: the 10 oldest were dropped, so their
    last fragment stands alone; the others are whole."""
    count = PENDING_MAX + 10
    addresses = [i.to_bytes(6, "little") for i in range(count)]
    log = file_header(1002)
    log += b"".join(record(1002, T0, extended(a6, b"\x01" * 100, status=1)) for a6 in addresses)
    log += b"".join(record(1002, T0 + 1, extended(a6, b"\x02" * 10)) for a6 in addresses)
    sightings, _ = parse_btsnoop(log)
    assert [len(s.adv) for s in sightings] == [10] * 10 + [110] * PENDING_MAX
