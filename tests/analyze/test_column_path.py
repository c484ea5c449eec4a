"""The column path of `analyze` (one capture fed with `Engine.feed_sightings` between fixes) gives exactly
what feeding every event through `Engine.feed`, merged by time, gives."""

from __future__ import annotations

import heapq
import itertools
import random
from bisect import bisect_left
from operator import attrgetter

import pytest

from trackerscan.analysis import _feed_batches, _Span, analyze, read_gps
from trackerscan.engine import Engine
from trackerscan.formats.btsnoop import reader
from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.btsnoop.records import Columns
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import AddressType, Fix, Level, NoFix, Sighting
from trackerscan.sim import build_scenario
from trackerscan.sim.busy_city import write_nmea


def _json(result):
    out = result.to_json()
    out["stats"].pop("seconds")  # wall time: the only field allowed to differ
    return out


def _both(ble, gps, known=None):
    plain = analyze([ble], gps, known=known, columns=False)
    cols = analyze([ble], gps, known=known)
    return plain, cols


def _assert_same_engine_state(ble, gps):
    """The engine fed by `_feed_batches` ends exactly as one fed event by event: changes, devices, stats
    and every history point with its position."""
    fixes = read_gps(gps).fixes
    merged = Engine()
    events = heapq.merge(fixes, read_sightings(ble), key=attrgetter("time"))
    changes = [c for e in events for c in merged.feed(e)]
    reader = read_sightings(ble)
    fed = Engine()
    got = []
    _feed_batches(fed, got.extend, reader, reader.batches(), fixes, None, _Span())
    reader.close()
    assert got == changes
    assert fed.devices() == merged.devices() and fed.stats == merged.stats
    ids = [d.device_id for d in merged.devices()]
    assert [fed.history(i) for i in ids] == [merged.history(i) for i in ids]
    assert any(p.lat is not None for i in ids for p in merged.history(i)), "positions were attached"


def _write(tmp_path, sightings, gps_records):
    ble, gps = tmp_path / "c.btsnoop", tmp_path / "c.nmea"
    write_btsnoop(ble, sightings)
    write_nmea(gps, gps_records)
    return ble, gps


def _batch_kinds(path):
    kinds = set()
    reader = read_sightings(path)
    for b in reader.batches():
        kinds.add(type(b))
    reader.close()
    return kinds


def test_column_path_equals_feed_on_a_scenario(tmp_path):
    sc = build_scenario("walk_every_kind", 1)
    sightings = [e for e in sc.events if type(e) is Sighting]
    ble, gps = _write(tmp_path, sightings, [e for e in sc.events if isinstance(e, Fix | NoFix)])
    known = tmp_path / "known.txt"
    known.write_text("".join(f"{a}\n" for a in sc.known))
    plain, cols = _both(ble, gps, known)
    assert _json(cols) == _json(plain)
    assert cols.devices == plain.devices
    assert sum(c.level is Level.ALERT for c in cols.alerts) >= 5  # the followers are found
    assert cols.stats.adverts == len(sightings) and cols.stats.fixes > 1000
    _assert_same_engine_state(ble, gps)


def test_column_path_equals_feed_across_chunks_ties_and_backward_times(tmp_path, monkeypatch):
    """Small chunks (fixes fall at chunk edges, inside chunks and between them), chunks decoded record by
    record (extended reports) next to column chunks, sightings at the very instant of a fix, and times
    that go backwards."""
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 97)
    sc = build_scenario("walk_airtag", 2)
    fixes = [e for e in sc.events if isinstance(e, Fix | NoFix)]
    _, gps = _write(tmp_path, [], fixes)
    fix_times = [f.time for f in read_gps(gps).fixes]
    rng = random.Random(5)
    sightings = [e for e in sc.events if type(e) is Sighting]
    out = []
    for k, s in enumerate(sightings):
        if k % 50 == 7:  # at the instant of a fix
            s = s._replace(time=fix_times[min(bisect_left(fix_times, s.time), len(fix_times) - 1)])
        out.append(s)
        if k % 400 == 0:  # a long advertisement: LE Extended Advertising Reports, read record by record
            adv = b"\x02\x01\x06" + bytes((37, 0xFF, 0x99, 0x09)) + rng.randbytes(34)
            out.append(Sighting(s.time, "C3:11:22:33:44:55", AddressType.RANDOM, -70, adv, "x", True))
    for k in range(10, len(out) - 1, 37):  # a step back in time
        out[k], out[k + 1] = out[k + 1], out[k]
    ble, gps = _write(tmp_path, out, fixes)

    back = list(read_sightings(ble))
    assert any(b.time < a.time for a, b in itertools.pairwise(back)), "times go backwards"
    assert len({s.time for s in back} & set(fix_times)) > 10, "sightings at the instant of a fix"
    assert _batch_kinds(ble) == {list, Columns}, "both kinds of chunk"
    plain, cols = _both(ble, gps)
    assert _json(cols) == _json(plain)
    assert cols.devices == plain.devices
    assert any(c.level is Level.ALERT for c in cols.alerts)
    _assert_same_engine_state(ble, gps)


@pytest.mark.parametrize("chunk", [64, 1000])
def test_merged_order_puts_a_fix_before_sightings_of_its_instant(tmp_path, monkeypatch, chunk):
    """With every sighting at the instant of a fix, both paths see each fix first (age 0): the device's
    history points carry positions, not 'unknown'."""
    monkeypatch.setattr(reader, "CHUNK_RECORDS", chunk)
    t0 = 1_746_345_600.0
    fixes = [Fix(t0 + i, 48.0 + i * 1e-4, 2.0, speed_mps=1.4, accuracy_m=5.0, source="t")
             for i in range(1800)]
    ble, gps = _write(tmp_path, [], fixes)
    fix_times = [f.time for f in read_gps(gps).fixes]
    adv = b"\x02\x01\x06\x03\xff\x99\x09"
    sightings = [Sighting(t, "D1:00:00:00:00:01", AddressType.PUBLIC, -60, adv, "x", True) for t in fix_times]
    ble, gps = _write(tmp_path, sightings, fixes)
    plain, cols = _both(ble, gps)
    assert _json(cols) == _json(plain)
    assert cols.stats.fixes == len(fixes) and cols.stats.adverts == len(sightings)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backward_times_are_cut_on_the_running_maximum(tmp_path, monkeypatch, seed):
    """A car (fixes every 20 s, 25 m/s) with tags heard out of order around each fix: each fix must go in
    just before the first sighting at or after its time, as the merged feed puts it."""
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 500)
    rng = random.Random(seed)
    t0 = 1_746_345_600.0
    fixes = [Fix(t0 + 20 * i, 48.0 + i * 0.0045, 2.0, speed_mps=25.0, accuracy_m=5.0, source="t")
             for i in range(360)]
    sightings = []
    for dev in range(6):
        address = f"D{dev}:00:00:00:00:01"
        adv = b"\x02\x01\x06\x03\xff\x99\x09"
        for k in range(2400):
            t = t0 + 3 * k + dev * 0.37 + rng.random()
            sightings.append(Sighting(t, address, AddressType.PUBLIC, -60 - dev, adv, "x", True))
    sightings.sort(key=lambda s: s.time)
    for k in range(0, len(sightings) - 8, 8):  # shuffle small windows: times step back now and then
        window = sightings[k : k + 8]
        rng.shuffle(window)
        sightings[k : k + 8] = window
    ble, gps = _write(tmp_path, sightings, fixes)
    plain, cols = _both(ble, gps)
    assert _json(cols) == _json(plain)
    assert cols.devices == plain.devices
    assert cols.alerts
    _assert_same_engine_state(ble, gps)


def test_merged_captures_fed_as_runs_of_columns_equal_feed(tmp_path):
    """Several captures are merged by time; the runs of sightings between fixes go to
    `Engine.feed_sightings`: the same JSON and device states as feeding every event with `Engine.feed`."""
    sc = build_scenario("walk_every_kind", 3)
    sightings = [e for e in sc.events if type(e) is Sighting]
    ble_a, gps = _write(tmp_path, sightings[::3], [e for e in sc.events if isinstance(e, Fix | NoFix)])
    ble_b = tmp_path / "b.btsnoop"
    write_btsnoop(ble_b, [s for k, s in enumerate(sightings) if k % 3], datalink=2001)
    plain = analyze([ble_a, ble_b], gps, columns=False)
    cols = analyze([ble_a, ble_b], gps)
    assert _json(cols) == _json(plain)
    assert cols.devices == plain.devices
    assert sum(c.level is Level.ALERT for c in cols.alerts) >= 5
    assert cols.stats.adverts == len(sightings)
