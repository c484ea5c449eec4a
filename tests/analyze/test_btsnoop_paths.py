"""The numpy chunk decoder and the record-by-record parser must give identical sightings and counts."""

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.formats.btsnoop import reader, vector
from trackerscan.formats.btsnoop.reader import parse_btsnoop, read_sightings
from trackerscan.formats.btsnoop.records import EPOCH_DELTA_US

T0 = 1_777_881_600.0


def report_record(datalink, t, etype, atype, a6, data, rssi_byte):
    body = bytes([0x02, 1, etype, atype]) + a6 + bytes([len(data)]) + data + bytes([rssi_byte])
    event = bytes([0x3E, len(body)]) + body
    payload, flags = (b"\x04" + event, 3) if datalink == 1002 else (event, 3)
    ts = round(t * 1e6) + EPOCH_DELTA_US
    return struct.pack(">IIIIq", len(payload), len(payload), flags, 0, ts) + payload


def random_log(seed, datalink, count, scan_responses_after=None):
    """Legacy reports from a small pool of devices (so reports repeat), every event type but scan
    responses, RSSI bytes including 127 (not available); scan responses only after a given record."""
    rng = random.Random(seed)
    pool = []
    for _ in range(40):
        a6 = rng.randbytes(6)
        size = rng.choice([0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 30, 31])
        pool.append((a6, rng.randrange(4), rng.randbytes(size), rng.choice([0, 1])))
    out = bytearray(b"btsnoop\0" + struct.pack(">II", 1, datalink))
    for i in range(count):
        a6, etype, data, atype = rng.choice(pool)
        if scan_responses_after is not None and i > scan_responses_after and rng.random() < 0.3:
            etype, data = 4, rng.randbytes(rng.randrange(32))
        out += report_record(
            datalink, T0 + i * 0.01, etype, atype, a6, data, rng.choice([127, 0xC4, 0x05, 0x80])
        )
    return bytes(out)


def both_paths(data, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(vector, "VECTOR_MIN_RECORDS", 10**9)
        scalar = parse_btsnoop(data)
    vectorized = parse_btsnoop(data)
    return scalar, vectorized


@pytest.mark.parametrize("datalink", [1002, 2001, 1001])
def test_chunks_decoded_with_numpy_equal_the_careful_parser(datalink, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 300)  # several chunks, state carried across them
    data = random_log(1, datalink, 2000, scan_responses_after=1500)
    (s_sightings, s_stats), (v_sightings, v_stats) = both_paths(data, monkeypatch)
    assert len(v_sightings) == 2000
    assert v_sightings == s_sightings
    assert v_stats == s_stats
    # scan responses in the last chunks were joined to adverts decoded by numpy in earlier chunks
    joined = [s for s in v_sightings[1500:] if len(s.adv) > 31]
    assert joined


def test_numpy_path_is_taken(monkeypatch):
    """The equality above must not be the scalar parser compared with itself."""
    calls = []
    real = reader.vector_chunk

    def spy(*args):
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(reader, "vector_chunk", spy)
    sightings, _ = parse_btsnoop(random_log(2, 1002, 500))
    assert len(sightings) == 500 and calls == [True]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
)
def test_fuzz_damaged_logs_agree(seed, flips):
    """Flip bytes anywhere in a valid log: both paths still agree, sightings and counts."""
    data = bytearray(random_log(seed, 1002 if seed % 2 else 2001, 120))
    for pos, value in flips:
        data[16 + pos % (len(data) - 16)] = value
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", 1)
        mp.setattr(reader, "CHUNK_RECORDS", 50)
        (s_sightings, s_stats), (v_sightings, v_stats) = both_paths(bytes(data), mp)
    finally:
        mp.undo()
    assert v_sightings == s_sightings
    assert v_stats == s_stats


def test_closing_a_half_read_log(tmp_path):
    """Stopping early (a replay cut short) and closing must not fail, even with the numpy view alive."""
    path = tmp_path / "log.btsnoop"
    path.write_bytes(random_log(3, 1002, 3000))
    with read_sightings(path) as log:
        it = iter(log)
        first = [next(it) for _ in range(10)]
    assert len(first) == 10 and log.stats.datalink == 1002
    log.close()  # twice is fine


@pytest.mark.parametrize("datalink", [1002, 2001])
def test_active_scan_chunks_with_scan_responses_take_the_numpy_path(datalink, monkeypatch):
    """Scan responses everywhere (an active scan): numpy joins them to the right advert, within a chunk
    and across chunks, exactly as the careful parser does."""
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 250)
    data = random_log(4, datalink, 2000, scan_responses_after=0)
    taken = []
    real = reader.vector_chunk

    def spy(*args):
        out = real(*args)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(reader, "vector_chunk", spy)
    (s_sightings, s_stats), (v_sightings, v_stats) = both_paths(data, monkeypatch)
    assert taken and all(taken)
    assert v_sightings == s_sightings and v_stats == s_stats
    assert sum(len(s.adv) > 31 for s in v_sightings) > 100  # many joined scan responses
