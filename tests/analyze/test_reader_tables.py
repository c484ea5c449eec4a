"""The btsnoop reader's own tables stay bounded whatever arrives (issue #13: a spam flood sends every frame
from a fresh address), and a scan response is still joined to the advert it follows."""

import mmap
import os

import pytest
from analyze.captures import T0, file_header, legacy, record

from trackerscan.formats.btsnoop import reader, vector
from trackerscan.formats.btsnoop.records import BtsnoopStats, sightings_of

PHONE = bytes([6, 5, 4, 3, 2, 1])
RSP = bytes([5, 0x09]) + b"spam"  # a scan response: a complete local name


def two_reports(a, b, data_a, data_b):
    """An LE Advertising Report event with two reports (ADV_NONCONN_IND): the record-by-record parser's."""
    body = bytes([0x02, 2])
    for a6, data in ((a, data_a), (b, data_b)):
        body += bytes([3, 1]) + a6 + bytes([len(data)]) + data + bytes([0xC4])
    return bytes([0x3E, len(body)]) + body


def flood_log(datalink, n):
    """n fresh addresses, each a scannable advert (ADV_IND) and its scan response 20 adverts later (so that
    chunks end between them); a phone doing the same at once every 37 of them; every 50th an event with
    two reports of two more fresh addresses."""
    log = bytearray(file_header(datalink))
    t = T0
    for i in range(n + 20):
        if i >= 20:
            log += record(datalink, t, legacy((i - 19 << 8).to_bytes(6, "little"), RSP, etype=4))
        if i >= n:
            continue
        a6 = (i + 1 << 8).to_bytes(6, "little")
        adv = bytes([2, 1, 6, 4, 0xFF, 0x4C, 0, i % 251])
        log += record(datalink, t + 1e-4, legacy(a6, adv, etype=0))
        if i % 37 == 0:
            log += record(datalink, t + 2e-4, legacy(PHONE, bytes([2, 1, 6, 3, 0xFF, 0x4C, 0]), etype=0))
            log += record(datalink, t + 3e-4, legacy(PHONE, RSP, etype=4))
        if i % 50 == 0:
            b6 = (i + 1 << 8 | 1).to_bytes(6, "little")
            c6 = (i + 1 << 8 | 2).to_bytes(6, "little")
            log += record(datalink, t + 4e-4, two_reports(b6, c6, adv, adv[:3]))
        t += 1 / 300
    return bytes(log)


def read(data, mp, bounds):
    """The sightings, and the largest sizes the walk's address cache and scannable adverts reached."""
    try:
        mp.setattr(vector, "VECTOR_MIN_RECORDS", 4)  # small chunks and runs: many of each, numpy and not
        mp.setattr(vector, "RUN_MIN_RECORDS", 4)
        mp.setattr(reader, "WINDOW_MIN_RECORDS", 4)
        mp.setattr(reader, "CHUNK_RECORDS", 256)
        for name, value in bounds.items():
            mp.setattr(reader, name, value)
        walk = reader._iter_batches(data, BtsnoopStats(), "replay", "the data")
        sightings, largest = [], {"addresses": 0, "scannable": 0}
        for batch in walk:
            sightings.extend(sightings_of(batch, "replay"))
            tables = walk.gi_frame.f_locals  # the walk, paused after this chunk: its own tables
            for name in largest:
                largest[name] = max(largest[name], len(tables[name]))
        return sightings, largest
    finally:
        mp.undo()


@pytest.mark.parametrize("datalink", (1002, 2001))
def test_the_reader_tables_stay_bounded_and_scan_responses_are_joined(datalink):
    data = flood_log(datalink, 6000)
    unbounded, grown = read(data, pytest.MonkeyPatch(), {"ADDRESS_CACHE_MAX": 10**9, "SCANNABLE_MAX": 10**9})
    assert grown["addresses"] > 6000 and grown["scannable"] > 6000  # without bounds: one entry per address
    bounds = {"ADDRESS_CACHE_MAX": 500, "SCANNABLE_MAX": 400, "SCAN_RESPONSE_REPORTS": 100}
    sightings, largest = read(data, pytest.MonkeyPatch(), bounds)
    # at most the bound plus what one chunk adds (256 records, two reports in some)
    assert 500 < largest["addresses"] <= 500 + 2 * 256
    assert 400 < largest["scannable"] <= 400 + 2 * 256
    assert sightings == unbounded  # the same sightings, every scan response joined as before
    responses = [s for s in sightings if s.adv.endswith(RSP)]
    assert len(responses) == 6000 + len(range(0, 6000, 37))
    assert all(s.adv != RSP and s.connectable is True for s in responses)  # each after its ADV_IND's data
    assert len([s for s in responses if s.address == "01:02:03:04:05:06"]) == len(range(0, 6000, 37))


def test_a_scan_response_long_after_its_advert_under_a_flood_is_left_alone():
    """An advert heard more than SCAN_RESPONSE_REPORTS reports before, with the table over its bound: its
    scan response is kept as it arrived (no controller sends one that late)."""
    data = bytearray(file_header(2001))
    late = bytes([9, 9, 9, 9, 9, 9])
    data += record(2001, T0, legacy(late, bytes([2, 1, 6]), etype=0))
    flood = flood_log(2001, 1000)
    data += flood[len(file_header(2001)) :]
    data += record(2001, T0 + 10, legacy(late, RSP, etype=4))
    bounds = {"SCANNABLE_MAX": 400, "SCAN_RESPONSE_REPORTS": 100}
    sightings, _ = read(bytes(data), pytest.MonkeyPatch(), bounds)
    assert sightings[-1].address == "09:09:09:09:09:09" and sightings[-1].adv == RSP
    assert sightings[-1].connectable is None
    unbounded, _ = read(bytes(data), pytest.MonkeyPatch(), {"SCANNABLE_MAX": 10**9})
    assert unbounded[-1].adv == bytes([2, 1, 6]) + RSP  # without the bound it was joined, 10 s later


def mapped_resident_kb(path):
    """The resident size of this process's mapping of ``path`` (Linux /proc/self/smaps), in kB."""
    found, total = False, 0
    with open("/proc/self/smaps") as f:
        for line in f:
            if line[:1].isdigit() or line[:1] in "abcdef":  # a mapping's header line
                found = line.rstrip().endswith(str(path))
            elif found and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


@pytest.mark.skipif(not hasattr(mmap, "MADV_DONTNEED") or not os.path.exists("/proc/self/smaps"),
                    reason="madvise and /proc/self/smaps are Linux's")
def test_the_pages_of_a_capture_already_read_are_handed_back(tmp_path):
    """A capture is read through a map: what was walked leaves the resident set as the walk goes on,
    instead of the whole file by the end (it stays in the page cache)."""
    path = tmp_path / "big.btsnoop"
    log = bytearray(file_header(2001))
    for i in range(300_000):  # 16 MB
        log += record(2001, T0 + i / 1000, legacy(bytes([i % 200, 1, 2, 3, 4, 5]), bytes([2, 1, 6]) * 5))
    path.write_bytes(log)
    size_kb = len(log) // 1024
    seen = {}
    for release in (10**12, 1 << 20):
        mp = pytest.MonkeyPatch()
        mp.setattr(reader, "RELEASE_BYTES", release)
        largest, got = 0, []
        try:
            with reader.BtsnoopReader(path) as r:
                for batch in r.batches():
                    got.extend(sightings_of(batch, "replay"))
                    largest = max(largest, mapped_resident_kb(path))
        finally:
            mp.undo()
        seen[release] = largest, got
    (kept, every), (handed_back, same) = seen.values()
    assert len(every) == 300_000 and same == every
    assert kept > size_kb * 0.9  # without it, the whole file by the end
    assert handed_back < 8 * 1024  # with it: a step, the walk's look-ahead (3 MB at most) and the kernel's
