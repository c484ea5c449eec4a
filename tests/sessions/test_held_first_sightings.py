"""Spam kept out of the session (issue #13): an address the engine holds as a first sighting is written
only once it becomes a device; one that never does is kept as counts.  A real replay source, the real
engine, the real pipeline and writer."""

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest
from session_fixtures import AIRTAG_ADV, PHONE_ADV, T0, car_trip_events, write_session

from trackerscan.engine import thresholds as th
from trackerscan.errors import SessionError
from trackerscan.formats.session import LAG_META_KEY, Session, read_events
from trackerscan.model import AddressType, Sighting, SourceEventKind
from trackerscan.pipeline import Pipeline, make_engine
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sources import open_ble

WALL = 1_800_000_000.0
TAG = "C1:02:03:04:05:06"
OLD_SESSION = Path(__file__).parent / "data" / "format1-20251123T121320Z.sqlite"


def _spam(t0, seconds, rate, seed=7):
    """A spam tool's frames: a fresh random address each, a third of them forged separated-AirTag frames
    with random keys, the others phone pop-ups; every 50th address sends a second frame 3 s later."""
    rnd = random.Random(seed)
    out = []
    for i in range(int(seconds * rate)):
        t = t0 + i / rate
        addr = ":".join(f"{b:02X}" for b in [0xC0 | rnd.randrange(64), *rnd.randbytes(5)])
        adv = AIRTAG_ADV[:7] + rnd.randbytes(22) + AIRTAG_ADV[29:] if i % 3 == 0 else PHONE_ADV
        out.append(Sighting(t, addr, AddressType.RANDOM, -75, adv, "hci0", False))
        if i % 50 == 0:
            out.append(Sighting(t + 3.0, addr, AddressType.RANDOM, -76, adv, "hci0", False))
    return out


def _levels(changes):
    return [(c.level.value, round(c.time, 3), c.addresses) for c in changes]


async def _record(src, out_dir):
    """Scan a recording as `trackerscan scan --ble replay:…,speed=0` does; the pipeline and its session."""
    writer = SessionWriter.create(out_dir, WALL)
    pipe = Pipeline(open_ble(f"replay:{src},speed=0"), None, make_engine(), writer, clock=lambda: WALL)
    await asyncio.wait_for(pipe.run(), 120)
    pipe.finish()
    writer.close(WALL + 10)
    return pipe, writer.path


@pytest.fixture(scope="module")
def flooded(tmp_path_factory):
    """The car trip (an AirTag in the car, passers-by) with 5 minutes of spam at 12 frames a second."""
    tmp = tmp_path_factory.mktemp("held")
    trip = car_trip_events()
    spam = _spam(trip[0].time + 60.0, 300, 12)
    events = sorted([*trip, *spam], key=lambda e: e.time)
    src = write_session(tmp / "in", events)
    pipe, path = asyncio.run(_record(src, tmp / "out"))
    return trip, spam, src, pipe, path


def test_spam_frames_leave_no_rows_only_counts(flooded):
    trip, spam, _src, _pipe, path = flooded
    spam_addresses = {s.address for s in spam}
    forged = {s.address for s in spam if s.adv[:7] == AIRTAG_ADV[:7]}
    with Session.open(path) as s:
        counts = s.counts()
        stored = {a for (a,) in s.conn.execute("SELECT address FROM emitter")}
        first = s.first_counts()
        kinds = {e.kind for e in s.source_events()}
    assert stored & spam_addresses == set()  # not one address row, so no payload row, per spam frame
    trip_addresses = {e.address for e in trip if isinstance(e, Sighting)}
    assert counts["emitter"] <= len(trip_addresses)
    assert counts["sighting"] <= sum(isinstance(e, Sighting) for e in trip)
    # what was heard is still told, as counts per minute and kind
    assert sum(c[4] for c in first) >= len(spam_addresses)
    assert sum(c[4] for c in first if c[3]) == len(forged)  # claimed to be trackers: the forged frames
    assert counts["first_counted"] >= len(spam)
    assert all(c[0] % 60_000 == 0 for c in first)
    assert SourceEventKind.FLOOD_STARTED in kinds  # the flood is named in the session


def test_a_device_keeps_its_first_sighting_and_every_row(flooded):
    trip, _, _, _, path = flooded
    want = [(round(e.time, 3), e.rssi, e.adv) for e in trip if isinstance(e, Sighting) and e.address == TAG]
    with Session.open(path) as s:
        got = list(s.sightings())
        lag = s.sighting_lag_ms()
    assert [(round(e.time, 3), e.rssi, e.adv) for e in got if e.address == TAG] == want
    assert lag >= th.FIRST_PROMOTE_SPAN_S * 1000  # its first rows were written when it became a device
    times = [e.time for e in got]
    assert times == sorted(times)  # the reader puts rows written late back in time order


def test_the_recorded_session_gives_the_same_alerts_as_the_live_scan(flooded):
    _, _, src, pipe, path = flooded
    live = _levels(pipe.changes)
    assert ("alert", TAG) in {(lv, a[0]) for lv, _, a in live}

    def replay(p):
        engine = make_engine()
        changes = []
        for e in read_events(p):
            changes.extend(engine.feed(e))
        changes.extend(engine.finish())
        return _levels(changes)

    assert replay(path) == live == replay(src)


def test_an_older_session_without_counts_still_opens():
    with Session.open(OLD_SESSION) as s:
        assert s.first_counts() == []
        assert s.sighting_lag_ms() == 0
        assert s.counts()["first_counted"] == 0
        times = [e.time for e in s.sightings()]
    assert times and times == sorted(times)


def test_a_first_sighting_held_too_long_is_counted_not_written_out_of_reach(tmp_path):
    """A row is never written later than the reader looks back (SIGHTING_LAG_MAX_S): an address the
    engine still holds after that long has its oldest rows counted."""
    from trackerscan.formats.session import SIGHTING_LAG_MAX_S

    held = {"A"}

    class Rec:
        kind = None
        tracker = False

    w = SessionWriter.create(tmp_path, T0)
    w.hold_first_sightings(lambda a: Rec() if a in held else None)
    old = Sighting(T0, "A", AddressType.RANDOM, -60, PHONE_ADV, "hci0", True)
    w.add(old)
    later = T0 + SIGHTING_LAG_MAX_S + 30.0
    w.add(Sighting(later - 10.0, "A", AddressType.RANDOM, -61, PHONE_ADV, "hci0", True))
    w.add(Sighting(later - 5.0, "B", AddressType.RANDOM, -70, PHONE_ADV, "hci0", True))  # a device
    held.clear()  # it becomes a device
    w.add(Sighting(later, "A", AddressType.RANDOM, -62, PHONE_ADV, "hci0", True))
    w.close(later)
    with Session.open(w.path) as s:
        assert [e.rssi for e in s.sightings()] == [-61, -70, -62]
        assert s.sighting_lag_ms() == 5_000
        assert [(c[4], c[5]) for c in s.first_counts()] == [(1, 1)]


@pytest.mark.parametrize("value", ["-5", "abc", str(10**9), "1e3", "", "²", "١٢"])
def test_a_hostile_lag_is_one_sentence(tmp_path, value):
    w = SessionWriter.create(tmp_path, T0)
    w.close(T0 + 1)
    conn = sqlite3.connect(w.path)
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (LAG_META_KEY, value))
    conn.commit()
    conn.close()
    with Session.open(w.path) as s, pytest.raises(SessionError, match="damaged"):
        list(s.sightings())


def test_the_report_names_the_flood_with_its_size_from_the_counts(flooded):
    from trackerscan.engine.flood import floods_in
    from trackerscan.sessions.findings import analyse

    _, spam, _, _, path = flooded
    a = analyse(path)
    (flood,) = floods_in(a.source_events, a.first_counted)
    spam_addresses = len({s.address for s in spam})
    # the minutes the flood overlaps: every spam address, and the few passers-by first heard in them
    assert spam_addresses <= flood.addresses <= spam_addresses + 10
    assert f"about {flood.addresses:,} made-up addresses" in flood.sentence(str)
    assert floods_in(a.source_events)[0].addresses == 0  # an older session: no counts, no size


def test_the_written_before_look_up_uses_an_index(tmp_path):
    """An address dropped from the writer's memo is looked up in the file through an index, not a scan."""
    from trackerscan.sessions.writer import FIND_EMITTER

    w = SessionWriter.create(tmp_path, T0)
    plan = " ".join(str(r[-1]) for r in w._conn.execute("EXPLAIN QUERY PLAN " + FIND_EMITTER,
                                                        ("A", "random", "hci0", 1)))
    w.close(T0)
    assert "USING INDEX emitter_address" in plan, plan
