"""The numpy record walk (`vector.vector_walk`) finds exactly the records the one-by-one walk finds, on
logs built to fool it: advertising data that looks like record headers, other HCI traffic between the
reports, extended reports, and a cut-off end."""

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.formats.btsnoop import reader, vector
from trackerscan.formats.btsnoop.reader import parse_btsnoop
from trackerscan.formats.btsnoop.records import EPOCH_DELTA_US, address_text
from trackerscan.formats.btsnoop.writer import advertising_event
from trackerscan.model import AddressType, Sighting

T0 = 1_777_881_600.0


def record(datalink, t, event):
    payload = b"\x04" + event if datalink == 1002 else event
    ts = round(t * 1e6) + EPOCH_DELTA_US
    return struct.pack(">IIIIq", len(payload), len(payload), 3, 0, ts) + payload


def legacy(a6, data, etype=3, rssi=0xC4):
    body = bytes([0x02, 1, etype, 1]) + a6 + bytes([len(data)]) + data + bytes([rssi])
    return bytes([0x3E, len(body)]) + body


def look_alike(rng):
    """Advertising data full of what a record header looks like: event code, subevent, count."""
    out = bytearray()
    while len(out) < 28:
        fake = (b"\x3e\x19\x02\x01", b"\x04\x3e\x19\x02\x01", b"\x3e", bytes([rng.randrange(256)]))
        out += rng.choice(fake)
    return bytes(out[: rng.randrange(32)])


def mixed_log(seed, datalink, count, other_every=0, extended_every=0):
    rng = random.Random(seed)
    pool = [(rng.randbytes(6), look_alike(rng)) for _ in range(30)]
    out = bytearray(b"btsnoop\0" + struct.pack(">II", 1, datalink))
    for i in range(count):
        t = T0 + i * 0.01
        if other_every and i % other_every == other_every - 1:  # Command Complete: other traffic
            out += record(datalink, t, bytes([0x0E, 4, 1, 0x0C, 0x20, 0]))
        elif extended_every and i % extended_every == extended_every - 1:
            a6, data = rng.choice(pool)
            s = Sighting(t, address_text(a6), AddressType.RANDOM, -60, data * 3, "", True)
            for event in advertising_event(s._replace(adv=data * 3 + bytes(32))):
                out += record(datalink, t, event)
        else:
            a6, data = rng.choice(pool)
            out += record(datalink, t, legacy(a6, data, rng.choice([0, 2, 3])))
    return bytes(out)


def both_paths(data, monkeypatch, chunk):
    with monkeypatch.context() as m:
        m.setattr(vector, "VECTOR_MIN_RECORDS", 10**9)
        scalar = parse_btsnoop(data)
    with monkeypatch.context() as m:
        m.setattr(reader, "CHUNK_RECORDS", chunk)
        walks = []
        real = reader.vector_walk

        def spy(*args):
            out = real(*args)
            walks.append(out)
            return out

        m.setattr(reader, "vector_walk", spy)
        vectorized = parse_btsnoop(data)
    return scalar, vectorized, walks


@pytest.mark.parametrize("datalink", [1002, 2001, 1001])
@pytest.mark.parametrize("other_every, extended_every", [(0, 0), (500, 0), (0, 700), (97, 301)])
def test_look_alike_data_and_other_traffic(datalink, other_every, extended_every, monkeypatch):
    data = mixed_log(datalink + other_every, datalink, 3000, other_every, extended_every)
    (s, s_stats), (v, v_stats), walks = both_paths(data, monkeypatch, 400)
    assert len(s) >= 2900 and v == s and v_stats == s_stats
    found = [w for w in walks if w is not None and len(w.reports)]
    assert found, "the numpy walk was used"
    if not other_every and not extended_every:  # look-alike data alone does not stop it
        # the last records, within the last _VECTOR_TAIL bytes of the file, are read one by one
        sizes = [len(w.reports) for w in found]
        assert sizes[:7] == [400] * 7 and 190 <= sizes[7] < 200 and len(sizes) == 8
        assert len(data) - found[-1].limit <= vector.VECTOR_TAIL + 80
    if other_every and not extended_every:  # other traffic is counted and stepped over inside a run
        assert sum(w.other for w in found) >= 3000 // other_every - 3
    # each run starts at a record and ends where its last record ends
    assert all(int(w.reports[0]) >= 16 and w.limit <= len(data) for w in found)


@pytest.mark.parametrize("cut", [1, 5, 20, 30, 40, 60])
def test_cut_off_end_is_counted_once(cut, monkeypatch):
    data = mixed_log(7, 1002, 1000)[:-cut]
    (s, s_stats), (v, v_stats), walks = both_paths(data, monkeypatch, 4096)
    assert v == s and v_stats == s_stats
    assert v_stats.skipped == 1 and 997 <= len(v) <= 999
    assert walks[0] is not None


def test_a_whole_chunk_found_by_numpy_ends_where_its_last_record_ends(monkeypatch):
    data = mixed_log(8, 2001, 1000)
    walks = []
    real = reader.vector_walk
    monkeypatch.setattr(reader, "vector_walk", lambda *a: walks.append(real(*a)) or walks[-1])
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 250)
    sightings, stats = parse_btsnoop(data)
    assert len(sightings) == 1000 and stats.records == 1000
    runs = [w for w in walks if w is not None]
    sizes = [len(w.reports) for w in runs]  # the records in the file's last _VECTOR_TAIL bytes: one by one
    assert sizes[:3] == [250] * 3 and 240 <= sizes[3] < 250 and len(sizes) == 4
    assert [int(w.reports[0]) for w in runs[1:]] == [w.limit for w in runs[:-1]]
    assert runs[-1].limit < len(data) <= runs[-1].limit + vector.VECTOR_TAIL + 80


@settings(max_examples=120, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=40),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
)
def test_fuzz_walks_agree(seed, cut, flips):
    """Damaged logs (bytes flipped, end cut off): the same sightings and counts either way."""
    data = bytearray(mixed_log(seed, (1002, 2001, 1001)[seed % 3], 150, 23 if seed % 2 else 0, 37))
    for pos, value in flips:
        data[16 + pos % (len(data) - 16)] = value
    data = bytes(data[: len(data) - cut])
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", 4)
        (s, s_stats), (v, v_stats), _ = both_paths(data, mp, 40)
    finally:
        mp.undo()
    assert v == s and v_stats == s_stats


def test_long_runs_between_other_traffic_are_read_with_numpy(monkeypatch):
    """Other traffic every 1500 records (a phone's HCI log): numpy takes the reports of the whole log in
    one run, the other records between them are counted and stepped over; the same sightings and counts."""
    data = mixed_log(11, 1002, 9000, other_every=1500)
    (s, s_stats), (v, v_stats), walks = both_paths(data, monkeypatch, reader.CHUNK_RECORDS)
    assert v == s and v_stats == s_stats and v_stats.other == 6
    runs = [(len(w.reports), w.other) for w in walks if w is not None and len(w.reports)]
    ((reports, other),) = runs  # the last few records, in the file's last _VECTOR_TAIL bytes, one by one
    assert reports >= 8985 and other == 5  # record 8999 (other traffic) is in the tail


def test_other_traffic_every_few_reports_stays_on_the_numpy_path(monkeypatch):
    """A Command Complete every 20 reports: one numpy run all the same (it used to go record by record)."""
    data = mixed_log(12, 2001, 6000, other_every=20)
    (s, s_stats), (v, v_stats), walks = both_paths(data, monkeypatch, reader.CHUNK_RECORDS)
    assert v == s and v_stats == s_stats and v_stats.other == 300
    runs = [(len(w.reports), w.other) for w in walks if w is not None and len(w.reports)]
    assert len(runs) == 1 and runs[0][0] >= 5690 and runs[0][1] >= 298
