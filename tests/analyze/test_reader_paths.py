"""The reader's three paths give the same sightings and counts on every kind of capture, whole or damaged:
the careful record-by-record parser (the readable spec: `records.parse_record`), the record-by-record
fast path for single legacy reports, and the numpy runs (`vector.vector_walk`, `vector.vector_chunk`)."""

import struct

import pytest
from analyze.captures import varied_log
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.errors import InputError
from trackerscan.formats.btsnoop import reader, vector
from trackerscan.formats.btsnoop.reader import parse_btsnoop
from trackerscan.formats.btsnoop.records import ADV_DATA_MAX, EPOCH_DELTA_US, TS_MAX, TS_MIN

DATALINKS = (1002, 2001, 1001)


def careful(data):
    """Every record through `records.parse_record`: no numpy, and the fast path's struct never fits."""
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", 10**12)
        never = struct.Struct(f">{len(data) + 1}x")
        mp.setattr(reader, "_FAST_H4", never)
        mp.setattr(reader, "_FAST_BARE", never)
        return parse_btsnoop(data)
    finally:
        mp.undo()


def record_by_record(data):
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", 10**12)
        return parse_btsnoop(data)
    finally:
        mp.undo()


def numpy_runs(data, chunk=64, minimum=4):
    """Small chunks and runs, so that many numpy runs start and end inside the log."""
    mp = pytest.MonkeyPatch()
    taken = []
    real = reader.vector_chunk
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", minimum)
        mp.setattr(vector, "RUN_MIN_RECORDS", minimum)
        mp.setattr(reader, "WINDOW_MIN_RECORDS", minimum)
        mp.setattr(reader, "CHUNK_RECORDS", chunk)
        mp.setattr(reader, "vector_chunk", lambda *a: taken.append(real(*a)) or taken[-1])
        return parse_btsnoop(data), taken
    finally:
        mp.undo()


def assert_same(data):
    expected = careful(data)
    assert record_by_record(data) == expected
    got, taken = numpy_runs(data)
    assert got == expected
    sightings, stats = expected
    assert stats.adverts == len(sightings)
    for s in sightings:
        assert TS_MIN <= round(s.time * 1e6) + EPOCH_DELTA_US <= TS_MAX
        assert len(s.adv) <= 2 * ADV_DATA_MAX  # a chain's data, then its scan response's
    return expected, taken


@pytest.mark.parametrize("datalink", DATALINKS)
def test_every_kind_of_record_reads_the_same_three_ways(datalink):
    (sightings, stats), taken = assert_same(varied_log(datalink, datalink, 3000))
    assert stats.other > 100 and stats.skipped > 100 and len(sightings) > 2000
    assert sum(c is not None for c in taken) >= 10, "numpy decoded runs of this log"
    extended = [s for s in sightings if s.connectable is None]
    assert extended  # scan responses without an advert before them


@pytest.mark.parametrize("datalink", DATALINKS)
def test_extended_reports_of_legacy_adverts_take_the_numpy_path(datalink):
    """A Bluetooth 5 controller reports every advert as an extended report: numpy reads those runs."""
    from analyze.captures import T0, extended, file_header, record

    log = bytearray(file_header(datalink))
    for i in range(2000):
        a6 = bytes([i % 37, 1, 2, 3, 4, 5])
        etype = (0x13, 0x1B, 0x10, 0x12, 0x1A)[i % 5]  # ADV_IND, SCAN_RSP, NONCONN, SCAN_IND, SCAN_RSP
        log += record(datalink, T0 + i / 100, extended(a6, bytes([i % 7]) * (i % 32), etype=etype))
    (sightings, stats), taken = assert_same(bytes(log))
    assert len(sightings) == 2000 and stats.skipped == 0
    assert taken and all(c is not None for c in taken)
    joined = [s for s in sightings[1::5] if s.connectable]  # scan responses joined to their ADV_IND
    assert len(joined) > 300


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(DATALINKS),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 300)), max_size=2),
    st.integers(min_value=0, max_value=60),
)
def test_fuzz_mutated_captures_read_the_same_three_ways(seed, datalink, flips, moves, cut):
    """Bytes flipped, spans of bytes repeated elsewhere, the end cut off: never an exception, and the
    same sightings and counts whichever path reads them."""
    data = bytearray(varied_log(seed, datalink, 250))
    for pos, value in flips:
        data[16 + pos % (len(data) - 16)] = value
    for pos, size in moves:
        at = 16 + pos % (len(data) - 16)
        data[at:at] = data[at : at + size]
    assert_same(bytes(data[: len(data) - cut]))


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=16, max_size=400))
def test_fuzz_arbitrary_bytes_after_a_header(tail):
    for datalink in DATALINKS:
        data = b"btsnoop\0" + struct.pack(">II", 1, datalink) + tail
        try:
            assert_same(data)
        except InputError as exc:  # the project's error family is the only one allowed out
            assert "\n" not in str(exc)
